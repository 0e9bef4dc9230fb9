//! Subsets of a dataset: fewer classes, fewer training images per class.

use super::{DataError, Dataset, Split};

/// Keeps the listed `classes` (labels renumbered 0..k-1 in the order listed, names kept) and, for
/// each class, the first `train_per_class` training images in file order. The test split keeps every
/// image of the kept classes. `None` keeps all classes / all training images.
///
/// A class with fewer training images than asked keeps all it has, and a note says so. Errors: a class
/// index out of range or listed twice, fewer than 2 classes, or `train_per_class == Some(0)`.
pub fn select(
    ds: &Dataset,
    classes: Option<&[usize]>,
    train_per_class: Option<usize>,
) -> Result<Dataset, DataError> {
    let file = ds.name.as_str();
    // Labels index the remapping table below, and k - 1 appears in messages: both need a valid input.
    ds.validate(file)?;
    let k = ds.num_classes();
    let all: Vec<usize> = (0..k).collect();
    let classes = classes.unwrap_or(&all);
    let map = class_map(classes, k, file)?;
    if train_per_class == Some(0) {
        return Err(DataError::new(file, "train_per_class must be at least 1"));
    }
    let cap = train_per_class.unwrap_or(usize::MAX);
    let image_len = ds.image_len();
    let (train, taken) = keep(&ds.train, &map, classes.len(), cap, image_len);
    let (test, _) = keep(&ds.test, &map, classes.len(), usize::MAX, image_len);
    let class_names: Vec<String> = classes.iter().map(|&c| ds.class_names[c].clone()).collect();
    let mut notes = ds.notes.clone();
    if classes != all.as_slice() {
        notes.push(format!(
            "selected classes {classes:?} of the original {k}: {}",
            class_names.join(", ")
        ));
    }
    if let Some(n) = train_per_class {
        notes.extend(per_class_notes(&class_names, &taken, n));
    }
    let out = Dataset {
        class_names,
        train,
        test,
        notes,
        ..ds.clone_meta()
    };
    out.validate(file)?;
    Ok(out)
}

/// Old label -> new label (`None` for a class not kept), new labels numbered in the order
/// `classes` lists them. Refuses an index out of range, one listed twice, or fewer than 2 classes.
fn class_map(classes: &[usize], k: usize, file: &str) -> Result<Vec<Option<u8>>, DataError> {
    let mut map = vec![None; k];
    for (new, &old) in classes.iter().enumerate() {
        if old >= k {
            return Err(DataError::new(
                file,
                format!(
                    "class index {old} is out of range: the dataset has {k} classes (0..{})",
                    k - 1
                ),
            ));
        }
        if map[old].is_some() {
            return Err(DataError::new(
                file,
                format!("class index {old} is listed twice"),
            ));
        }
        map[old] = Some(new as u8);
    }
    if classes.len() < 2 {
        return Err(DataError::new(
            file,
            format!("select at least 2 classes, got {}", classes.len()),
        ));
    }
    Ok(map)
}

/// The images of `split` whose class `map` keeps, relabelled, at most `cap` per class in file
/// order; also how many each new class got, so that short classes can be reported.
fn keep(
    split: &Split,
    map: &[Option<u8>],
    n_classes: usize,
    cap: usize,
    image_len: usize,
) -> (Split, Vec<usize>) {
    let mut taken = vec![0usize; n_classes];
    let mut out = Split::default();
    for (i, &l) in split.labels.iter().enumerate() {
        if let Some(new) = map[l as usize] {
            if taken[new as usize] < cap {
                taken[new as usize] += 1;
                out.images.extend_from_slice(split.image(i, image_len));
                out.labels.push(new);
            }
        }
    }
    (out, taken)
}

/// Notes for a cap of `n` training images per class: the cap itself, and each class that had
/// fewer than `n` (it keeps all it has, so its count differs from the others').
fn per_class_notes(class_names: &[String], taken: &[usize], n: usize) -> Vec<String> {
    let mut notes = vec![format!(
        "kept the first {n} training images of each class (in file order)"
    )];
    for (name, &t) in class_names.iter().zip(taken) {
        if t < n {
            notes.push(format!(
                "class '{name}' has only {t} training images, fewer than the {n} asked for"
            ));
        }
    }
    notes
}

impl Dataset {
    /// Everything but the class names, splits and notes (cheap: no pixels copied).
    fn clone_meta(&self) -> Dataset {
        Dataset {
            name: self.name.clone(),
            width: self.width,
            height: self.height,
            channels: self.channels,
            class_names: Vec::new(),
            train: Split::default(),
            test: Split::default(),
            source: self.source.clone(),
            license: self.license.clone(),
            notes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 classes, 1x1 grey images whose pixel encodes (label, index) so we can track them.
    fn toy() -> Dataset {
        let train_labels = vec![0u8, 1, 2, 0, 1, 2, 0, 1, 2, 2];
        let test_labels = vec![2u8, 1, 0, 1];
        Dataset {
            name: "toy".into(),
            width: 1,
            height: 1,
            channels: 1,
            class_names: vec!["a".into(), "b".into(), "c".into()],
            train: Split {
                images: (0..10).collect(),
                labels: train_labels,
            },
            test: Split {
                images: (100..104).collect(),
                labels: test_labels,
            },
            source: "src".into(),
            license: "lic".into(),
            notes: vec!["orig".into()],
        }
    }

    #[test]
    fn remaps_in_listed_order_and_takes_balanced_prefix() {
        let ds = select(&toy(), Some(&[2, 0]), Some(2)).unwrap();
        assert_eq!(ds.class_names, vec!["c", "a"]);
        assert_eq!(ds.train.labels, vec![1, 0, 1, 0]);
        assert_eq!(ds.train.images, vec![0, 2, 3, 5]);
        assert_eq!(ds.test.labels, vec![0, 1]);
        assert_eq!(ds.test.images, vec![100, 102]);
        assert_eq!((ds.source.as_str(), ds.license.as_str()), ("src", "lic"));
        assert_eq!(ds.notes[0], "orig");
        assert!(ds
            .notes
            .iter()
            .any(|n| n.contains("selected classes [2, 0]")));
    }

    #[test]
    fn none_keeps_everything_and_short_classes_are_noted() {
        let orig = toy();
        assert_eq!(select(&orig, None, None).unwrap(), orig);
        let ds = select(&orig, None, Some(4)).unwrap();
        assert_eq!(ds.train.per_class(3), vec![3, 3, 4]);
        assert!(
            ds.notes
                .iter()
                .any(|n| n.contains("class 'a' has only 3 training images")),
            "{:?}",
            ds.notes
        );
    }

    #[test]
    fn refuses_bad_requests() {
        let ds = toy();
        let msg = |c: Option<&[usize]>, n| select(&ds, c, n).unwrap_err().to_string();
        assert!(msg(Some(&[0, 3]), None).contains("class index 3 is out of range"));
        assert!(msg(Some(&[1, 1]), None).contains("class index 1 is listed twice"));
        assert!(msg(Some(&[1]), None).contains("select at least 2 classes, got 1"));
        assert!(msg(Some(&[]), None).contains("at least 2 classes, got 0"));
        assert!(msg(None, Some(0)).contains("train_per_class must be at least 1"));
        assert!(msg(None, Some(0)).starts_with("toy: "));
        let mut broken = toy();
        broken.train.labels[1] = 9;
        let e = select(&broken, Some(&[0, 1]), None).unwrap_err();
        assert!(e
            .problem
            .contains("label 9 at train index 1 is not below num_classes 3"));
    }

    #[test]
    fn prefix_of_a_balanced_blocks_dataset_stays_balanced() {
        let ds = crate::data::generate(&crate::data::ShapesConfig::default()).unwrap();
        let sub = select(&ds, Some(&[3, 1]), Some(10)).unwrap();
        assert_eq!((sub.train.count(), sub.test.count()), (20, 200));
        assert!(crate::data::is_balanced_blocks(&sub.train.labels, 2));
        assert_eq!(sub.class_names, vec!["plus", "square"]);
        // File order is kept: the original's first square (index 1) precedes its first plus (3).
        assert_eq!(&sub.train.labels[..2], &[1, 0]);
        assert_eq!(sub.train.image(0, 576), ds.train.image(1, 576));
        assert_eq!(sub.train.image(1, 576), ds.train.image(3, 576));
    }
}
