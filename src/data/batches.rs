//! Shuffling, batching and augmentation, into buffers the caller owns (no allocation per batch).

use super::Split;
use crate::rng::Rng;

/// The order in which an epoch visits a split, cut into batches.
///
/// The order of epoch `e` depends only on `(seed, e)`, not on earlier epochs, so a run can resume
/// at any epoch and every approach trained with the same seed sees the same data order.
#[derive(Clone, Debug)]
pub struct Batcher {
    seed: u64,
    batch_size: usize,
    order: Vec<usize>,
}

impl Batcher {
    /// A batcher over `count` samples. `batch_size` is clamped to at least 1.
    pub fn new(count: usize, batch_size: usize, seed: u64) -> Self {
        Batcher {
            seed,
            batch_size: batch_size.max(1),
            order: (0..count).collect(),
        }
    }

    /// Shuffles for epoch `epoch` (with `Rng::derive(seed, epoch)`) and returns the order.
    pub fn shuffle_epoch(&mut self, epoch: u64) -> &[usize] {
        for (i, o) in self.order.iter_mut().enumerate() {
            *o = i;
        }
        Rng::derive(self.seed, epoch).shuffle(&mut self.order);
        &self.order
    }

    /// The current order (identity before the first [`Batcher::shuffle_epoch`]).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The current order in batches of `batch_size` (the last one may be shorter).
    pub fn batches(&self) -> std::slice::Chunks<'_, usize> {
        self.order.chunks(self.batch_size)
    }

    /// Batches per epoch.
    pub fn num_batches(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Samples per batch (the last batch of an epoch may hold fewer).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

/// Copies the images at `idx` into `out_x` as f32 in [0, 1] (`p / 255`) and their labels into `out_y`.
///
/// # Panics
/// If an index is out of range or the buffers are shorter than `idx.len()` images / labels: those are
/// programming errors, not data errors.
pub fn fill_batch(
    split: &Split,
    idx: &[usize],
    image_len: usize,
    out_x: &mut [f32],
    out_y: &mut [u8],
) {
    assert!(
        out_x.len() >= idx.len() * image_len,
        "fill_batch: out_x holds fewer than {} images",
        idx.len()
    );
    assert!(
        out_y.len() >= idx.len(),
        "fill_batch: out_y holds fewer than {} labels",
        idx.len()
    );
    for (b, &i) in idx.iter().enumerate() {
        let dst = &mut out_x[b * image_len..(b + 1) * image_len];
        for (d, &p) in dst.iter_mut().zip(split.image(i, image_len)) {
            *d = p as f32 / 255.0;
        }
        out_y[b] = split.labels[i];
    }
}

/// Random training-time changes to each image. The default changes nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Augment {
    /// Largest shift in pixels, drawn independently for x and y in `-shift..=shift`; uncovered pixels are 0.
    pub shift: usize,
    /// Mirror left-right with probability 1/2 (wrong for digits and text; fine for clothes and animals).
    pub hflip: bool,
}

impl Augment {
    /// True if this augmentation leaves images untouched.
    pub fn is_off(&self) -> bool {
        self.shift == 0 && !self.hflip
    }
}

/// Like [`fill_batch`], transforming each image by `aug` with draws from `rng`.
///
/// Draws per image, in order: x shift, y shift (only if `shift > 0`), flip (only if `hflip`), so an
/// augmentation that is off draws nothing and gives exactly [`fill_batch`].
#[allow(clippy::too_many_arguments)]
pub fn fill_batch_augmented(
    split: &Split,
    idx: &[usize],
    width: usize,
    height: usize,
    channels: usize,
    aug: &Augment,
    rng: &mut Rng,
    out_x: &mut [f32],
    out_y: &mut [u8],
) {
    let image_len = width * height * channels;
    if aug.is_off() {
        return fill_batch(split, idx, image_len, out_x, out_y);
    }
    assert!(
        out_x.len() >= idx.len() * image_len,
        "fill_batch_augmented: out_x holds fewer than {} images",
        idx.len()
    );
    assert!(
        out_y.len() >= idx.len(),
        "fill_batch_augmented: out_y holds fewer than {} labels",
        idx.len()
    );
    let max = aug.shift as isize;
    for (b, &i) in idx.iter().enumerate() {
        let (dx, dy) = if max > 0 {
            let span = 2 * aug.shift + 1;
            (
                rng.below(span) as isize - max,
                rng.below(span) as isize - max,
            )
        } else {
            (0, 0)
        };
        let flip = aug.hflip && rng.below(2) == 1;
        let src = split.image(i, image_len);
        let dst = &mut out_x[b * image_len..(b + 1) * image_len];
        for y in 0..height {
            let sy = y as isize - dy;
            for x in 0..width {
                // Shift first, then mirror the shifted image.
                let xs = if flip { width - 1 - x } else { x };
                let sx = xs as isize - dx;
                let d = (y * width + x) * channels;
                if sy < 0 || sx < 0 || sy >= height as isize || sx >= width as isize {
                    dst[d..d + channels].fill(0.0);
                } else {
                    let s = (sy as usize * width + sx as usize) * channels;
                    for c in 0..channels {
                        dst[d + c] = src[s + c] as f32 / 255.0;
                    }
                }
            }
        }
        out_y[b] = split.labels[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_permutations_seeded_by_epoch_only() {
        let mut a = Batcher::new(50, 8, 3);
        let e1: Vec<usize> = a.shuffle_epoch(1).to_vec();
        let e2: Vec<usize> = a.shuffle_epoch(2).to_vec();
        assert_ne!(e1, e2);
        let mut sorted = e1.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        // Order of epoch 1 does not depend on the epochs shuffled before it.
        let mut b = Batcher::new(50, 8, 3);
        assert_eq!(b.shuffle_epoch(1), e1.as_slice());
        assert_ne!(Batcher::new(50, 8, 4).shuffle_epoch(1), e1.as_slice());
        assert_eq!(b.num_batches(), 7);
        let sizes: Vec<usize> = b.batches().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![8, 8, 8, 8, 8, 8, 2]);
        assert_eq!(b.batches().flatten().copied().collect::<Vec<_>>(), e1);
        assert_eq!(Batcher::new(5, 0, 0).batch_size(), 1);
    }

    fn grid() -> Split {
        // Two 3x2 grey images: pixels 1..=6 and 7..=12.
        Split {
            images: (1..=12).collect(),
            labels: vec![4, 7],
        }
    }

    #[test]
    fn fill_batch_scales_and_reorders_into_caller_buffers() {
        let split = grid();
        let mut x = vec![-1.0f32; 14];
        let mut y = vec![0u8; 3];
        fill_batch(&split, &[1, 0], 6, &mut x, &mut y);
        assert_eq!(x[0], 7.0 / 255.0);
        assert_eq!(x[6], 1.0 / 255.0);
        assert_eq!(x[11], 6.0 / 255.0);
        assert_eq!(&x[12..], &[-1.0, -1.0], "untouched beyond the batch");
        assert_eq!(y, vec![7, 4, 0]);
    }

    #[test]
    fn augmentation_off_equals_plain_and_flip_shift_move_pixels() {
        let split = grid();
        let mut plain = vec![0f32; 12];
        let mut y = vec![0u8; 2];
        fill_batch(&split, &[0, 1], 6, &mut plain, &mut y);
        let mut rng = Rng::new(0);
        let mut aug = vec![0f32; 12];
        fill_batch_augmented(
            &split,
            &[0, 1],
            3,
            2,
            1,
            &Augment::default(),
            &mut rng,
            &mut aug,
            &mut y,
        );
        assert_eq!(aug, plain);

        // Find draws that flip, and check the mirror image: row [1 2 3] becomes [3 2 1].
        let flip = Augment {
            shift: 0,
            hflip: true,
        };
        let mut flipped_seen = false;
        for seed in 0..20 {
            let mut x = vec![0f32; 6];
            fill_batch_augmented(
                &split,
                &[0],
                3,
                2,
                1,
                &flip,
                &mut Rng::new(seed),
                &mut x,
                &mut y,
            );
            let px: Vec<u8> = x.iter().map(|v| (v * 255.0).round() as u8).collect();
            assert!(
                px == vec![1, 2, 3, 4, 5, 6] || px == vec![3, 2, 1, 6, 5, 4],
                "{px:?}"
            );
            flipped_seen |= px[0] == 3;
        }
        assert!(flipped_seen);

        // Shifts keep pixels or zero-fill, and some draw moves the image.
        let shift = Augment {
            shift: 1,
            hflip: false,
        };
        let mut moved = false;
        for seed in 0..20 {
            let mut x = vec![0f32; 6];
            fill_batch_augmented(
                &split,
                &[0],
                3,
                2,
                1,
                &shift,
                &mut Rng::new(seed),
                &mut x,
                &mut y,
            );
            let px: Vec<u8> = x.iter().map(|v| (v * 255.0).round() as u8).collect();
            assert!(px.iter().all(|&p| p <= 6));
            moved |= px != vec![1, 2, 3, 4, 5, 6];
            if px[..3] == [0, 1, 2] {
                assert_eq!(&px[3..], &[0, 4, 5], "a right shift moves both rows");
            }
        }
        assert!(moved);
    }
}
