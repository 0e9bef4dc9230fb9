//! Bring-your-own data: images the page has already decoded and resized, one folder per class.

use super::{check_dims, gather, stratified_split, DataError, Dataset, MAX_CLASSES, MAX_IMAGES};

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
    let mut counts = vec![0usize; k];
    for &l in &labels {
        counts[l as usize] += 1;
    }
    if let Some(c) = counts.iter().position(|&n| n == 0) {
        return err(format!("class '{}' has no images", class_names[c]));
    }
    let (train_idx, test_idx) = stratified_split(&labels, k, seed);
    let mut notes = vec![format!(
        "user images: made a seeded stratified 80/20 split (seed {seed})"
    )];
    let untested: Vec<&str> = (0..k)
        .filter(|&c| counts[c] < 2)
        .map(|c| class_names[c].as_str())
        .collect();
    if !untested.is_empty() {
        notes.push(format!(
            "classes with a single image have no test image: {}",
            untested.join(", ")
        ));
    }
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
}
