//! Bring-your-own data: images the page has already decoded and resized, one folder per class.
//! The page only decodes and resizes (with a canvas); [`ImageFolder`] decides the rest: grey or
//! colour, and whether the set is inverted.

use super::{check_dims, gather, stratified_split, DataError, Dataset, MAX_CLASSES, MAX_IMAGES};

/// A folder of images as the page decodes them, gathered one image at a time into a dataset.
///
/// Each image arrives as RGBA bytes (alpha already composited on white, as a canvas draws it) and
/// is kept in colour (`channels` 3) or turned grey by its luma (`channels` 1). The lab expects
/// bright ink on a dark background, while photos and scans usually have a light one: when the
/// images' borders are light on average (mean luma above 127) the whole set is inverted, one
/// decision for the set, since per-image guesses would flip some images and not others. The
/// dataset's notes say what was done.
pub struct ImageFolder {
    name: String,
    class_names: Vec<String>,
    width: usize,
    height: usize,
    channels: usize,
    images: Vec<(usize, Vec<u8>)>,
    /// Sum and count of the border pixels' luma over every image so far.
    border_sum: u64,
    border_count: u64,
}

/// ITU-R BT.601 luma, rounded half up: `0.299 r + 0.587 g + 0.114 b`.
fn luma(p: &[u8]) -> u8 {
    ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000) as u8
}

impl ImageFolder {
    /// Images of `width × height` pixels kept with `channels` (1: grey, 3: RGB) channels.
    pub fn new(
        name: &str,
        class_names: Vec<String>,
        width: usize,
        height: usize,
        channels: usize,
    ) -> Result<Self, DataError> {
        check_dims(width, height, channels, name)?;
        Ok(ImageFolder {
            name: name.to_string(),
            class_names,
            width,
            height,
            channels,
            images: Vec::new(),
            border_sum: 0,
            border_count: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.images.len()
    }

    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Adds an image of class `class` from its RGBA bytes (`width × height × 4`).
    pub fn add(&mut self, class: usize, rgba: &[u8]) -> Result<(), DataError> {
        let (w, h) = (self.width, self.height);
        if rgba.len() != w * h * 4 {
            return Err(DataError::new(
                &self.name,
                format!(
                    "image {} has {} RGBA bytes, expected {w}x{h}x4 = {}",
                    self.images.len(),
                    rgba.len(),
                    w * h * 4
                ),
            ));
        }
        if self.images.len() >= MAX_IMAGES {
            return Err(DataError::new(
                &self.name,
                format!("has more than the maximum of {MAX_IMAGES} images"),
            ));
        }
        let grey: Vec<u8> = rgba.chunks_exact(4).map(luma).collect();
        let border = (0..w)
            .flat_map(|x| [x, (h - 1) * w + x])
            .chain((0..h).flat_map(|y| [y * w, y * w + w - 1]));
        for i in border {
            self.border_sum += grey[i] as u64;
            self.border_count += 1;
        }
        let pixels = if self.channels == 3 {
            rgba.chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect()
        } else {
            grey
        };
        self.images.push((class, pixels));
        Ok(())
    }

    /// Whether the images so far have light borders on average (the set will be inverted).
    pub fn light_background(&self) -> bool {
        self.border_count > 0 && self.border_sum > 127 * self.border_count
    }

    /// The dataset, inverted if its backgrounds are light, split 80/20 per class from `seed`
    /// (see [`from_images`]).
    pub fn finish(self, seed: u64) -> Result<Dataset, DataError> {
        if self.images.is_empty() {
            return Err(DataError::new(
                &self.name,
                "holds no image that could be read",
            ));
        }
        let inverted = self.light_background();
        let n = self.images.len();
        let mut images = self.images;
        if inverted {
            for (_, px) in &mut images {
                for p in px.iter_mut() {
                    *p = 255 - *p;
                }
            }
        }
        let (w, h) = (self.width, self.height);
        let mut ds = from_images(
            &self.name,
            self.class_names,
            images,
            w,
            h,
            self.channels,
            seed,
        )?;
        if inverted {
            ds.notes.push(format!(
                "the {n} images have light backgrounds, so they were inverted (the lab expects bright ink on a dark background)"
            ));
        }
        let colour = if self.channels == 3 {
            "colour kept (RGB)"
        } else {
            "turned grey"
        };
        ds.notes
            .push(format!("images resized to {w}×{h} px, {colour}"));
        Ok(ds)
    }
}

/// Builds a dataset from `(class index, pixels)` pairs, each `width * height * channels` bytes (HWC),
/// split 80/20 per class from `seed` (recorded in `notes`). `name` names the dataset and its errors.
///
/// Errors: fewer than 2 or more than [`MAX_CLASSES`] classes, a class without images, a class index
/// beyond `class_names`, a pixel buffer of the wrong length, bad dimensions, too many images.
pub fn from_images(
    name: &str,
    class_names: Vec<String>,
    images: Vec<(usize, Vec<u8>)>,
    width: usize,
    height: usize,
    channels: usize,
    seed: u64,
) -> Result<Dataset, DataError> {
    let err = |p: String| Err(DataError::new(name, p));
    let k = class_names.len();
    if k < 2 {
        return err(format!(
            "needs at least 2 classes (one folder per class), got {k}"
        ));
    }
    if k > MAX_CLASSES {
        return err(format!(
            "has {k} classes, more than the maximum of {MAX_CLASSES}"
        ));
    }
    check_dims(width, height, channels, name)?;
    if images.len() > MAX_IMAGES {
        return err(format!(
            "has {} images, more than the maximum of {MAX_IMAGES}",
            images.len()
        ));
    }
    let image_len = width * height * channels;
    let (pixels, labels) = concatenate(name, &class_names, images, (width, height, channels))?;
    let mut counts = vec![0usize; k];
    for &l in &labels {
        counts[l as usize] += 1;
    }
    if let Some(c) = counts.iter().position(|&n| n == 0) {
        return err(format!("class '{}' has no images", class_names[c]));
    }
    let (train_idx, test_idx) = stratified_split(&labels, k, seed);
    let notes = split_notes(&class_names, &counts, seed);
    let ds = Dataset {
        name: name.to_string(),
        width,
        height,
        channels,
        class_names,
        train: gather(&pixels, &labels, image_len, &train_idx),
        test: gather(&pixels, &labels, image_len, &test_idx),
        source: "images supplied by the user".into(),
        license: String::new(),
        notes,
    };
    ds.validate(name)?;
    Ok(ds)
}

/// All images' pixels end to end, and their labels, after checking each image's class index and
/// length against `class_names` and `(width, height, channels)`.
fn concatenate(
    name: &str,
    class_names: &[String],
    images: Vec<(usize, Vec<u8>)>,
    (width, height, channels): (usize, usize, usize),
) -> Result<(Vec<u8>, Vec<u8>), DataError> {
    let err = |p: String| Err(DataError::new(name, p));
    let k = class_names.len();
    let image_len = width * height * channels;
    let mut pixels = Vec::with_capacity(images.len() * image_len);
    let mut labels = Vec::with_capacity(images.len());
    for (i, (class, px)) in images.into_iter().enumerate() {
        if class >= k {
            return err(format!(
                "image {i} has class index {class}, but there are only {k} classes"
            ));
        }
        if px.len() != image_len {
            return err(format!(
                "image {i} (class '{}') has {} bytes, expected {width}x{height}x{channels} = {image_len}",
                class_names[class],
                px.len()
            ));
        }
        pixels.extend_from_slice(&px);
        labels.push(class as u8);
    }
    Ok((pixels, labels))
}

/// Notes on how the split was made: the seed, and the classes with a single image, which the
/// split leaves without a test image (said here, so their absence from the test set is explained).
fn split_notes(class_names: &[String], counts: &[usize], seed: u64) -> Vec<String> {
    let mut notes = vec![format!(
        "user images: made a seeded stratified 80/20 split (seed {seed})"
    )];
    let untested: Vec<&str> = (0..class_names.len())
        .filter(|&c| counts[c] < 2)
        .map(|c| class_names[c].as_str())
        .collect();
    if !untested.is_empty() {
        notes.push(format!(
            "classes with a single image have no test image: {}",
            untested.join(", ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    /// `n` 2x2 RGB images per class whose first byte is the class and second the index within it.
    fn images(per_class: &[usize]) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        for (c, &n) in per_class.iter().enumerate() {
            for i in 0..n {
                out.push((c, vec![c as u8, i as u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
            }
        }
        out
    }

    #[test]
    fn stratified_split_of_user_images() {
        let ds = from_images(
            "pets",
            names(&["cat", "dog"]),
            images(&[50, 20]),
            2,
            2,
            3,
            5,
        )
        .unwrap();
        assert_eq!(ds.test.per_class(2), vec![10, 4]);
        assert_eq!(ds.train.per_class(2), vec![40, 16]);
        assert!(ds.notes[0].contains("stratified 80/20 split (seed 5)"));
        // Pixels travel with their labels.
        for s in [&ds.train, &ds.test] {
            for i in 0..s.count() {
                assert_eq!(s.image(i, 12)[0], s.labels[i]);
            }
        }
        let again = from_images(
            "pets",
            names(&["cat", "dog"]),
            images(&[50, 20]),
            2,
            2,
            3,
            5,
        )
        .unwrap();
        assert_eq!(again, ds);
        let other = from_images(
            "pets",
            names(&["cat", "dog"]),
            images(&[50, 20]),
            2,
            2,
            3,
            6,
        )
        .unwrap();
        assert_ne!(other.test.images, ds.test.images);
    }

    #[test]
    fn refuses_bad_folders() {
        let msg = |n: Vec<String>, imgs, w| {
            from_images("pets", n, imgs, w, 2, 3, 0)
                .unwrap_err()
                .to_string()
        };
        assert!(msg(names(&["cat"]), images(&[3]), 2).contains("needs at least 2 classes"));
        assert!(msg(vec![], vec![], 2).contains("got 0"));
        let many: Vec<String> = (0..65).map(|i| i.to_string()).collect();
        assert!(msg(many, vec![], 2).contains("65 classes, more than the maximum of 64"));
        assert!(
            msg(names(&["cat", "dog"]), images(&[3, 0]), 2).contains("class 'dog' has no images")
        );
        assert!(msg(names(&["cat", "dog"]), images(&[3, 3]), 3)
            .contains("has 12 bytes, expected 3x2x3 = 18"));
        assert!(msg(names(&["cat", "dog"]), images(&[3, 3, 1]), 2).contains("class index 2"));
        assert!(msg(names(&["cat", "dog"]), images(&[3, 3]), 65).contains("between 1 and 64"));
        let one = from_images("pets", names(&["cat", "dog"]), images(&[1, 5]), 2, 2, 3, 0).unwrap();
        assert!(one.notes.iter().any(|n| n.contains("no test image: cat")));
    }

    /// A `side`×`side` RGBA image: `ink` inside the centre square, `paper` elsewhere.
    fn rgba(side: usize, paper: [u8; 3], ink: [u8; 3]) -> Vec<u8> {
        let mut out = Vec::new();
        for y in 0..side {
            for x in 0..side {
                let inside = (1..side - 1).contains(&x) && (1..side - 1).contains(&y);
                let [r, g, b] = if inside { ink } else { paper };
                out.extend_from_slice(&[r, g, b, 255]);
            }
        }
        out
    }

    fn folder(channels: usize, paper: [u8; 3], ink: [u8; 3]) -> Dataset {
        let mut f = ImageFolder::new("drawings", names(&["a", "b"]), 4, 4, channels).unwrap();
        for i in 0..10 {
            f.add(i % 2, &rgba(4, paper, ink)).unwrap();
        }
        assert_eq!(f.len(), 10);
        f.finish(3).unwrap()
    }

    #[test]
    fn image_folders_turn_grey_by_luma_and_invert_light_backgrounds_as_a_set() {
        // Dark ink on light paper: inverted, so the paper becomes 0 and the ink bright.
        let ds = folder(1, [250, 250, 250], [10, 20, 30]);
        assert_eq!(ds.channels, 1);
        let ink = 255 - luma(&[10, 20, 30]);
        assert_eq!(luma(&[10, 20, 30]), 18); // 2.99 + 11.74 + 3.42 = 18.15
        assert_eq!(ds.train.image(0, 16)[0], 5);
        assert_eq!(ds.train.image(0, 16)[5], ink);
        assert!(ds.notes.iter().any(|n| n
            == "the 10 images have light backgrounds, so they were inverted (the lab expects bright ink on a dark background)"));
        assert!(ds
            .notes
            .iter()
            .any(|n| n == "images resized to 4×4 px, turned grey"));
        // Bright ink on dark paper stays as it is.
        let ds = folder(1, [0, 0, 0], [200, 200, 200]);
        assert_eq!(ds.train.image(0, 16)[5], 200);
        assert!(!ds.notes.iter().any(|n| n.contains("inverted")));
        // Colour is kept, and inverted by the same rule (on the luma of the borders).
        let ds = folder(3, [255, 255, 255], [220, 30, 30]);
        assert_eq!(ds.channels, 3);
        assert_eq!(&ds.train.image(0, 48)[15..18], &[35, 225, 225]);
        assert!(ds
            .notes
            .iter()
            .any(|n| n == "images resized to 4×4 px, colour kept (RGB)"));
        // Exactly 127 on the borders is dark enough.
        let ds = folder(1, [127, 127, 127], [255, 255, 255]);
        assert_eq!(ds.train.image(0, 16)[0], 127);
    }

    #[test]
    fn image_folders_refuse_bad_images() {
        let mut f = ImageFolder::new("drawings", names(&["a", "b"]), 4, 4, 1).unwrap();
        let e = f.add(0, &[0; 16]).unwrap_err().to_string();
        assert!(
            e.contains("image 0 has 16 RGBA bytes, expected 4x4x4 = 64"),
            "{e}"
        );
        assert!(f.is_empty());
        assert!(f.finish(0).unwrap_err().to_string().contains("no image"));
        assert!(ImageFolder::new("drawings", names(&["a", "b"]), 4, 4, 2).is_err());
        assert!(ImageFolder::new("drawings", names(&["a", "b"]), 0, 4, 1).is_err());
        // The folder's own rules still hold (two classes, each with images).
        let mut f = ImageFolder::new("drawings", names(&["a", "b"]), 2, 2, 1).unwrap();
        f.add(0, &[0; 16]).unwrap();
        let e = f.finish(0).unwrap_err().to_string();
        assert!(e.contains("class 'b' has no images"), "{e}");
    }
}
