//! The training images of one seed, divided into the part models learn from and the validation
//! part on which choices are made (learning rate, when to stop). The test split is never part of
//! either: no choice ever sees it.

use crate::data::Dataset;
use crate::rng::Rng;

/// At most this many training images are scored after each epoch for the train-accuracy curve
/// (the first ones of the fitting part, which is class-balanced for the bundled sets).
pub const TRAIN_EVAL_LIMIT: usize = 2000;

const STREAM_VALIDATION: u64 = 4;

/// Indices into the dataset's training split.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSplit {
    /// The images models train on, in dataset order.
    pub fit: Vec<usize>,
    /// Held out: the same share of every class, drawn with the seed; empty without validation.
    pub validation: Vec<usize>,
}

impl TrainSplit {
    /// Holds out `fraction` of each class's training images, chosen by `seed` (so that every
    /// approach of a seed sees the same split, and different seeds different ones).
    pub fn new(data: &Dataset, seed: u64, fraction: f32) -> Self {
        let n = data.train.count();
        if fraction <= 0.0 {
            return TrainSplit {
                fit: (0..n).collect(),
                validation: Vec::new(),
            };
        }
        let mut held = vec![false; n];
        let mut rng = Rng::derive(seed, STREAM_VALIDATION);
        for class in 0..data.num_classes() {
            let mut members: Vec<usize> = (0..n)
                .filter(|&i| data.train.labels[i] as usize == class)
                .collect();
            // Rounded, but a class keeps at least one image to train on.
            let take = ((members.len() as f64 * fraction as f64).round() as usize)
                .min(members.len().saturating_sub(1));
            rng.shuffle(&mut members);
            for &i in &members[..take] {
                held[i] = true;
            }
        }
        let (validation, fit): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| held[i]);
        TrainSplit { fit, validation }
    }

    /// The training images scored for the train-accuracy curve.
    pub fn train_eval(&self) -> &[usize] {
        &self.fit[..self.fit.len().min(TRAIN_EVAL_LIMIT)]
    }

    /// Fit images per class.
    pub fn fit_per_class(&self, data: &Dataset) -> Vec<usize> {
        let mut counts = vec![0; data.num_classes()];
        for &i in &self.fit {
            counts[data.train.labels[i] as usize] += 1;
        }
        counts
    }

    /// Labels of `indices` of the training split.
    pub fn labels(data: &Dataset, indices: &[usize]) -> Vec<u8> {
        indices.iter().map(|&i| data.train.labels[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Split;

    fn toy(per_class: usize, k: usize) -> Dataset {
        let labels: Vec<u8> = (0..per_class * k).map(|i| (i % k) as u8).collect();
        Dataset {
            name: "toy".into(),
            width: 1,
            height: 1,
            channels: 1,
            class_names: (0..k).map(|c| c.to_string()).collect(),
            train: Split {
                images: vec![0; labels.len()],
                labels,
            },
            test: Split::default(),
            source: String::new(),
            license: String::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn validation_is_stratified_seeded_and_disjoint() {
        let d = toy(50, 4);
        let a = TrainSplit::new(&d, 1, 0.1);
        assert_eq!(a.validation.len(), 20);
        assert_eq!(a.fit.len(), 180);
        for c in 0..4u8 {
            let held = a
                .validation
                .iter()
                .filter(|&&i| d.train.labels[i] == c)
                .count();
            assert_eq!(held, 5);
        }
        assert!(a.validation.iter().all(|i| !a.fit.contains(i)));
        assert_eq!(a, TrainSplit::new(&d, 1, 0.1));
        assert_ne!(a.validation, TrainSplit::new(&d, 2, 0.1).validation);
        let none = TrainSplit::new(&d, 1, 0.0);
        assert!(none.validation.is_empty() && none.fit.len() == 200);
    }
}
