//! Bytes in, tensors out: the datasets the lab trains on.
//!
//! Every reader takes a byte slice (the page fetches or drops a file, the CLI reads one) and returns a
//! [`Dataset`] of `u8` pixels, or a [`DataError`] that names the file and the problem in plain words.
//! Nothing here touches the clock, JavaScript or (on wasm32) the file system, and every random draw
//! comes from [`crate::rng::Rng`], so the same bytes and seed give the same dataset everywhere.
//!
//! # Bounds
//!
//! Readers refuse anything beyond [`MAX_CLASSES`], [`MAX_SIDE`], [`MAX_CHANNELS`] and [`MAX_IMAGES`]
//! before allocating. The largest split these allow is `MAX_IMAGES * MAX_SIDE * MAX_SIDE *
//! MAX_CHANNELS` = 1,228,800,000 bytes (about 1.15 GiB) of `u8` pixels, more than a wasm32 page
//! should hold, so the readers add a tighter, practical bound: they only copy bytes that are present in
//! their input, and compressed input is capped at [`MAX_DECOMPRESSED`] (256 MiB) once inflated.

pub mod batches;
pub mod drawing;
pub mod imds;
pub mod npz;
pub mod select;
pub mod shapes;
pub mod user;

pub use batches::{fill_batch, fill_batch_augmented, Augment, Batcher};
pub use imds::{read_imds, write_imds};
pub use npz::read_npz;
pub use select::select;
pub use shapes::{generate, ShapesConfig};
pub use user::{from_images, ImageFolder};

use crate::rng::Rng;
use std::fmt;

/// Most classes a dataset may have (labels are `u8`, and a one-vs-rest run trains one model per class).
pub const MAX_CLASSES: usize = 64;
/// Largest image width or height, in pixels.
pub const MAX_SIDE: usize = 64;
/// Most channels per pixel: images are grey (1) or RGB (3).
pub const MAX_CHANNELS: usize = 3;
/// Most images per split. With the other bounds a split holds at most 1,228,800,000 bytes of pixels;
/// see the module documentation for the tighter bound the readers enforce in practice.
pub const MAX_IMAGES: usize = 100_000;
/// Cap on the bytes a compressed input (gzip, deflated ZIP entry) may inflate to: a gzip bomb stops here.
pub const MAX_DECOMPRESSED: usize = 256 << 20;

/// A dataset shipped with the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Bundled {
    /// The name settings use (`dataset=mnist28`).
    pub name: &'static str,
    /// Its file under `www/data/`.
    pub file: &'static str,
    /// What it holds, in a few words (the page's menu).
    pub label: &'static str,
    /// Its images' size (pinned by the tests against the files): which sets can stand in for
    /// one another's out-of-distribution images.
    pub width: usize,
    pub height: usize,
    pub channels: usize,
}

/// Datasets shipped with the lab: the one list the CLI, the page and the schema read.
pub const BUNDLED: &[Bundled] = &[
    Bundled {
        name: "mnist28",
        file: "mnist28.bin.gz",
        label: "handwritten digits",
        width: 28,
        height: 28,
        channels: 1,
    },
    Bundled {
        name: "fashion28",
        file: "fashion28.bin.gz",
        label: "clothing",
        width: 28,
        height: 28,
        channels: 1,
    },
    Bundled {
        name: "animals28",
        file: "animals28.bin.gz",
        label: "animal silhouettes (dog, cat, …)",
        width: 28,
        height: 28,
        channels: 1,
    },
    Bundled {
        name: "digits8x8",
        file: "digits8x8.bin.gz",
        label: "tiny 8×8 digits",
        width: 8,
        height: 8,
        channels: 1,
    },
    Bundled {
        name: "glyphs",
        file: "glyphs.bin.gz",
        label: "55 characters in 27 fonts, test fonts unseen",
        width: 28,
        height: 28,
        channels: 1,
    },
];

/// The bundled dataset called `name`.
pub fn bundled(name: &str) -> Option<&'static Bundled> {
    BUNDLED.iter().find(|b| b.name == name)
}

/// Why a dataset could not be read or built: which file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// The file name (or a label such as `shapes`) the problem belongs to.
    pub file: String,
    /// The problem, in plain words.
    pub problem: String,
}

impl DataError {
    /// An error about `file`.
    pub fn new(file: &str, problem: impl Into<String>) -> Self {
        DataError {
            file: file.to_string(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for DataError {}

/// One split (train or test): images and their labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    /// `count * height * width * channels` bytes, NHWC row-major, 0 = background, 255 = foreground.
    pub images: Vec<u8>,
    /// One label per image, each below the dataset's number of classes.
    pub labels: Vec<u8>,
}

impl Split {
    /// Number of images.
    pub fn count(&self) -> usize {
        self.labels.len()
    }

    /// Images per class, for `num_classes` classes (labels beyond that are not counted).
    pub fn per_class(&self, num_classes: usize) -> Vec<usize> {
        let mut counts = vec![0; num_classes];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// The pixels of image `i` (`image_len` bytes each). Panics if `i` is not below `count()`.
    pub fn image(&self, i: usize, image_len: usize) -> &[u8] {
        &self.images[i * image_len..(i + 1) * image_len]
    }
}

/// A labelled image dataset with a train and a test split, plus where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Short name, e.g. `mnist28`.
    pub name: String,
    /// Image width in pixels, 1..=[`MAX_SIDE`].
    pub width: usize,
    /// Image height in pixels, 1..=[`MAX_SIDE`].
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// One name per class; its length is the number of classes.
    pub class_names: Vec<String>,
    /// The images to learn from.
    pub train: Split,
    /// The held-out images every metric is measured on (may be empty only if the source has none).
    pub test: Split,
    /// Provenance in one line (package, version, upstream), empty if unknown.
    pub source: String,
    /// Licence text, empty if unknown.
    pub license: String,
    /// Things a reader of the results should know, e.g. that the test split was made here.
    pub notes: Vec<String>,
}

impl Dataset {
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Bytes per image: `height * width * channels`.
    pub fn image_len(&self) -> usize {
        self.height * self.width * self.channels
    }

    /// Checks every invariant the rest of the lab relies on; `file` names the dataset in the error.
    pub fn validate(&self, file: &str) -> Result<(), DataError> {
        check_dims(self.width, self.height, self.channels, file)?;
        check_num_classes(self.num_classes(), file)?;
        let image_len = self.image_len();
        let pixels = self.train.images.len() + self.test.images.len();
        if pixels > MAX_DECOMPRESSED {
            return Err(DataError::new(
                file,
                format!("{pixels} bytes of pixels is more than the lab holds ({MAX_DECOMPRESSED} bytes, 256 MiB)"),
            ));
        }
        for (split, name) in [(&self.train, "train"), (&self.test, "test")] {
            let n = split.count();
            if n > MAX_IMAGES {
                return Err(DataError::new(
                    file,
                    format!("{name} split has {n} images, more than the maximum of {MAX_IMAGES}"),
                ));
            }
            if split.images.len() != n * image_len {
                return Err(DataError::new(
                    file,
                    format!(
                        "{name} split has {} pixel bytes but {n} labels of {}x{}x{} images need {}",
                        split.images.len(),
                        self.height,
                        self.width,
                        self.channels,
                        n * image_len
                    ),
                ));
            }
            check_labels(&split.labels, self.num_classes(), name, file)?;
        }
        if self.train.count() == 0 {
            return Err(DataError::new(file, "the train split is empty"));
        }
        Ok(())
    }
}

/// Width, height and channels within bounds.
pub(crate) fn check_dims(
    width: usize,
    height: usize,
    channels: usize,
    file: &str,
) -> Result<(), DataError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(DataError::new(
            file,
            format!("images are {width}x{height} pixels; width and height must be between 1 and {MAX_SIDE}"),
        ));
    }
    if channels != 1 && channels != MAX_CHANNELS {
        return Err(DataError::new(
            file,
            format!("images have {channels} channels; only 1 (grey) or 3 (RGB) are supported"),
        ));
    }
    Ok(())
}

/// At least two classes (one cannot be classified), at most [`MAX_CLASSES`].
pub(crate) fn check_num_classes(k: usize, file: &str) -> Result<(), DataError> {
    if k < 2 {
        return Err(DataError::new(
            file,
            format!("the dataset has {k} classes; classification needs at least 2"),
        ));
    }
    if k > MAX_CLASSES {
        return Err(DataError::new(
            file,
            format!("the dataset has {k} classes, more than the maximum of {MAX_CLASSES}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_labels(
    labels: &[u8],
    k: usize,
    split: &str,
    file: &str,
) -> Result<(), DataError> {
    match labels.iter().position(|&l| l as usize >= k) {
        Some(i) => Err(DataError::new(
            file,
            format!(
                "label {} at {split} index {i} is not below num_classes {k}",
                labels[i]
            ),
        )),
        None => Ok(()),
    }
}

/// True if every run of `k` consecutive labels holds one of each class (a trailing partial run
/// holds no class twice), so that any prefix of `m * k` samples is class-balanced.
pub fn is_balanced_blocks(labels: &[u8], k: usize) -> bool {
    if k == 0 || k > MAX_CLASSES {
        return false;
    }
    labels.chunks(k).all(|block| {
        let mut seen = 0u64;
        block.iter().all(|&l| {
            let bit = 1u64.checked_shl(l as u32).unwrap_or(0);
            let fresh = (l as usize) < k && seen & bit == 0;
            seen |= bit;
            fresh
        })
    })
}

/// Splits sample indices by class into train and test, about 80/20 per class, from `seed`.
///
/// Each class's indices are shuffled; the first `round(n/5)` (at least 1 when the class has 2 or more
/// samples, so each such class is tested) go to test. Both lists are interleaved class by class, so
/// equal classes come out in balanced blocks and any prefix stays as balanced as the counts allow.
pub(crate) fn stratified_split(labels: &[u8], k: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    // A fixed stream label ("SPLIT" in ASCII) keeps this split independent of other draws made from
    // the same seed.
    let mut rng = Rng::derive(seed, 0x0053_504c_4954);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    let mut train_parts = Vec::with_capacity(k);
    let mut test_parts = Vec::with_capacity(k);
    for mut idx in by_class {
        rng.shuffle(&mut idx);
        let n = idx.len();
        let mut n_test = (n + 2) / 5;
        if n_test == 0 && n >= 2 {
            n_test = 1;
        }
        let train = idx.split_off(n_test);
        test_parts.push(idx);
        train_parts.push(train);
    }
    (interleave(&train_parts), interleave(&test_parts))
}

/// Round-robin over the lists: first of each, then second of each, ...
fn interleave(parts: &[Vec<usize>]) -> Vec<usize> {
    let longest = parts.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for r in 0..longest {
        out.extend(parts.iter().filter_map(|p| p.get(r)));
    }
    out
}

/// Copies the images and labels at `idx` out of flat arrays into a new split.
pub(crate) fn gather(images: &[u8], labels: &[u8], image_len: usize, idx: &[usize]) -> Split {
    let mut out = Split {
        images: Vec::with_capacity(idx.len() * image_len),
        labels: Vec::with_capacity(idx.len()),
    };
    for &i in idx {
        out.images
            .extend_from_slice(&images[i * image_len..(i + 1) * image_len]);
        out.labels.push(labels[i]);
    }
    out
}

/// Reads a dataset from bytes, whatever the container: IMDS (raw or gzipped) or NPZ (ZIP).
/// `file` names it in errors; `seed` drives any split the reader has to make.
pub fn load_bytes(bytes: &[u8], file: &str, seed: u64) -> Result<Dataset, DataError> {
    if bytes.starts_with(b"IMDS") || bytes.starts_with(&[0x1f, 0x8b]) {
        read_imds(bytes, file)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        read_npz(bytes, file, seed)
    } else {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        Err(DataError::new(
            file,
            format!(
                "not a dataset this lab reads: expected an IMDS file, a gzipped IMDS file or an NPZ \
                 archive, but it starts with bytes [{}]",
                head.join(" ")
            ),
        ))
    }
}

/// Reads a dataset file from disk (native builds only; the page hands bytes to [`load_bytes`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn load_file(path: &std::path::Path, seed: u64) -> Result<Dataset, DataError> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| {
        DataError::new(
            &path.display().to_string(),
            format!("cannot read the file: {e}"),
        )
    })?;
    load_bytes(&bytes, &file, seed)
}

/// Reads `reader` to the end, failing once it yields more than `limit` bytes.
pub(crate) fn read_bounded(
    reader: impl std::io::Read,
    limit: usize,
    what: &str,
    file: &str,
) -> Result<Vec<u8>, DataError> {
    use std::io::Read;
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DataError::new(file, format!("{what} is truncated or corrupt ({e})")))?;
    if out.len() > limit {
        return Err(DataError::new(
            file,
            format!(
                "{what} inflates to more than {} MiB, the limit for a dataset",
                limit >> 20
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_blocks_detection() {
        assert!(is_balanced_blocks(&[0, 1, 2, 2, 0, 1, 1], 3));
        assert!(!is_balanced_blocks(&[0, 1, 1, 2, 0, 1], 3));
        assert!(!is_balanced_blocks(&[0, 1, 2, 0, 0], 3));
        assert!(!is_balanced_blocks(&[0, 1, 5], 3));
    }

    #[test]
    fn stratified_split_is_seeded_disjoint_and_stratified() {
        let labels: Vec<u8> = (0..300)
            .map(|i| {
                if i < 100 {
                    0
                } else if i < 250 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let (tr, te) = stratified_split(&labels, 3, 9);
        assert_eq!(stratified_split(&labels, 3, 9), (tr.clone(), te.clone()));
        assert_ne!(stratified_split(&labels, 3, 10).1, te);
        let mut all: Vec<usize> = tr.iter().chain(&te).copied().collect();
        all.sort();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
        let count = |idx: &[usize], c: u8| idx.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!([count(&te, 0), count(&te, 1), count(&te, 2)], [20, 30, 10]);
        // interleaved: the first block holds one of each class
        let first: Vec<u8> = tr[..3].iter().map(|&i| labels[i]).collect();
        assert_eq!(first, vec![0, 1, 2]);
    }

    #[test]
    fn load_bytes_refuses_unknown_content() {
        let e = load_bytes(b"hello world", "x.txt", 0).unwrap_err();
        assert_eq!(e.file, "x.txt");
        assert!(e.problem.contains("starts with bytes [68 65 6c 6c]"), "{e}");
        assert!(e.to_string().starts_with("x.txt: "));
    }
}
