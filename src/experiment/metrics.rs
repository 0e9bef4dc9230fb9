//! Scores to numbers: accuracy, per-class recall and precision, the confusion matrix, losses,
//! calibration and the area under the ROC curve. Scores are `n × k` row-major. Every exponential
//! and logarithm comes from `libm`, so a number reported natively equals the one reported in wasm.

use super::approach::Task;
use crate::nn::loss::{sigmoid, softmax_into, softplus};
use serde::{Deserialize, Serialize};

/// The predicted class of each row: the highest score (NaN counts as lowest, so a diverged
/// member never wins).
pub fn predictions(scores: &[f32], k: usize) -> Vec<usize> {
    scores
        .chunks_exact(k)
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                let b = row[best];
                if !v.is_nan() && (b.is_nan() || v > b) {
                    best = j;
                }
            }
            best
        })
        .collect()
}

pub fn accuracy(pred: &[usize], labels: &[u8]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    hits(pred, labels).iter().filter(|&&h| h).count() as f64 / labels.len() as f64
}

/// Whether each prediction is right: the paired per-image outcomes the one-seed comparison uses.
pub fn hits(pred: &[usize], labels: &[u8]) -> Vec<bool> {
    pred.iter()
        .zip(labels)
        .map(|(&p, &l)| p == l as usize)
        .collect()
}

/// `confusion[true][predicted]` counts.
pub fn confusion(pred: &[usize], labels: &[u8], k: usize) -> Vec<Vec<u32>> {
    let mut m = vec![vec![0u32; k]; k];
    for (&p, &l) in pred.iter().zip(labels) {
        m[l as usize][p] += 1;
    }
    m
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    pub class: usize,
    pub name: String,
    /// Of the images of this class, the fraction predicted as it (per-class accuracy).
    pub recall: f64,
    /// Of the images predicted as this class, the fraction that are.
    pub precision: f64,
    pub support: u32,
}

pub fn per_class(confusion: &[Vec<u32>], names: &[String]) -> Vec<ClassScore> {
    let k = confusion.len();
    let ratio = |a: f64, b: u32| if b > 0 { a / b as f64 } else { 0.0 };
    (0..k)
        .map(|c| {
            let support: u32 = confusion[c].iter().sum();
            let predicted: u32 = (0..k).map(|r| confusion[r][c]).sum();
            let hit = confusion[c][c] as f64;
            ClassScore {
                class: c,
                name: names.get(c).cloned().unwrap_or_default(),
                recall: ratio(hit, support),
                precision: ratio(hit, predicted),
                support,
            }
        })
        .collect()
}

/// Row-wise softmax of logits.
pub fn softmax_rows(logits: &[f32], k: usize) -> Vec<f32> {
    let mut out = vec![0.0; logits.len()];
    for (z, o) in logits.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        softmax_into(z, o);
    }
    out
}

/// Element-wise sigmoid (NaN, from a diverged member, stays NaN).
pub fn sigmoids(logits: &[f32]) -> Vec<f32> {
    logits.iter().map(|&z| sigmoid(z)).collect()
}

/// Rows scaled to sum to 1 (independent sigmoids made into class probabilities; the argmax is
/// unchanged). A row without a finite positive sum stays as it is.
pub fn normalise_rows(values: &[f32], k: usize) -> Vec<f32> {
    let mut out = values.to_vec();
    for row in out.chunks_exact_mut(k) {
        let sum: f32 = row.iter().filter(|v| v.is_finite()).sum();
        if sum > 0.0 && sum.is_finite() {
            for v in row.iter_mut() {
                *v /= sum;
            }
        }
    }
    out
}

/// Mean softmax cross-entropy of logit rows.
pub fn softmax_loss(logits: &[f32], labels: &[u8], k: usize) -> f64 {
    let mut p = vec![0.0; k];
    let total: f64 = logits
        .chunks_exact(k)
        .zip(labels)
        .map(|(row, &l)| (softmax_into(row, &mut p) - row[l as usize]) as f64)
        .sum();
    total / labels.len().max(1) as f64
}

/// Mean cross-entropy of probability rows (an ensemble's averaged softmax).
pub fn probability_loss(probs: &[f32], labels: &[u8], k: usize) -> f64 {
    let total: f64 = probs
        .chunks_exact(k)
        .zip(labels)
        .map(|(row, &l)| -libm::log((row[l as usize] as f64).max(1e-12)))
        .sum();
    total / labels.len().max(1) as f64
}

/// Mean over rows of the summed binary cross-entropy of each column against "is this the class".
pub fn binary_loss(logits: &[f32], labels: &[u8], k: usize) -> f64 {
    let mut total = 0.0;
    for (row, &l) in logits.chunks_exact(k).zip(labels) {
        for (j, &z) in row.iter().enumerate() {
            total += if j == l as usize {
                softplus(-z)
            } else {
                softplus(z)
            } as f64;
        }
    }
    total / labels.len().max(1) as f64
}

/// A binary model's answer to "is it class `member`?" on labelled images.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinaryScores {
    pub accuracy: f64,
    /// Of the class's images, the fraction it calls positive.
    pub recall: f64,
    /// Of the other classes' images, the fraction it calls positive too.
    pub false_positive_rate: f64,
}

pub fn binary_scores(logits: &[f32], labels: &[u8], member: usize) -> BinaryScores {
    let (mut right, mut pos, mut found, mut false_pos) = (0usize, 0usize, 0usize, 0usize);
    for (&z, &l) in logits.iter().zip(labels) {
        let is = l as usize == member;
        let says = z > 0.0;
        right += (is == says) as usize;
        pos += is as usize;
        found += (is && says) as usize;
        false_pos += (!is && says) as usize;
    }
    let neg = labels.len() - pos;
    BinaryScores {
        accuracy: right as f64 / labels.len().max(1) as f64,
        recall: found as f64 / pos.max(1) as f64,
        false_positive_rate: false_pos as f64 / neg.max(1) as f64,
    }
}

/// Mean loss of one model on its own task — what early stopping watches on the validation split:
/// softmax cross-entropy, the trunk's summed binary cross-entropy, or a per-class model's binary
/// cross-entropy on "is it class `member`?". Unlike an accuracy it moves while a per-class model
/// still answers "no" to everything (its first epochs on a small split), so patience does not
/// take a model that has not started learning for one that has stopped.
pub fn own_task_loss(task: Task, member: usize, logits: &[f32], labels: &[u8], k: usize) -> f64 {
    match task {
        Task::Softmax => softmax_loss(logits, labels, k),
        Task::MultiBinary => binary_loss(logits, labels, k),
        Task::Binary => {
            let total: f64 = logits
                .iter()
                .zip(labels)
                .map(|(&z, &l)| softplus(if l as usize == member { -z } else { z }) as f64)
                .sum();
            total / labels.len().max(1) as f64
        }
    }
}

/// Accuracy of one model on its own task, as the curves show it on the validation split:
/// K-way accuracy for softmax models and the trunk, and for a per-class model its *balanced*
/// accuracy on "is it class `member`?" (the mean of its recall on its class and on the others).
/// Plain binary accuracy would flatter it: a model that answers "no" to everything already
/// scores (K−1)/K.
pub fn own_task_accuracy(
    task: Task,
    member: usize,
    logits: &[f32],
    labels: &[u8],
    k: usize,
) -> f64 {
    match task {
        Task::Softmax | Task::MultiBinary => accuracy(&predictions(logits, k), labels),
        Task::Binary => {
            let b = binary_scores(logits, labels, member);
            (b.recall + 1.0 - b.false_positive_rate) / 2.0
        }
    }
}

/// Expected calibration error over 10 equal-width confidence bins: Σ (bin share) · |accuracy −
/// mean confidence|, where a row's confidence is its largest value and its prediction that
/// value's class. `values` are class probabilities (or, for the raw variant, sigmoids).
pub fn expected_calibration_error(values: &[f32], labels: &[u8], k: usize) -> f64 {
    let pred = predictions(values, k);
    let mut bins = [(0usize, 0.0f64, 0.0f64); 10];
    for ((row, &p), &l) in values.chunks_exact(k).zip(&pred).zip(labels) {
        let c = row[p] as f64;
        if !c.is_finite() {
            continue;
        }
        let b = ((c * 10.0) as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += c;
        bins[b].2 += (p == l as usize) as u8 as f64;
    }
    let n = labels.len().max(1) as f64;
    bins.iter()
        .filter(|b| b.0 > 0)
        .map(|&(count, conf, hits)| {
            (count as f64 / n) * (hits / count as f64 - conf / count as f64).abs()
        })
        .sum()
}

/// The largest value of each row (the confidence behind a prediction).
pub fn row_max(values: &[f32], k: usize) -> Vec<f32> {
    values
        .chunks_exact(k)
        .map(|r| {
            r.iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect()
}

/// Area under the ROC curve for telling `positives` (higher scores expected) from `negatives`:
/// the probability that a random positive outscores a random negative, ties counting half.
pub fn auroc(positives: &[f32], negatives: &[f32]) -> f64 {
    let mut all: Vec<(f32, bool)> = positives
        .iter()
        .map(|&v| (v, true))
        .chain(negatives.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann–Whitney U from average ranks.
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        rank_sum += all[i..j].iter().filter(|e| e.1).count() as f64 * rank;
        i = j;
    }
    let (p, n) = (positives.len() as f64, negatives.len() as f64);
    if p == 0.0 || n == 0.0 {
        return 0.5;
    }
    (rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

/// Whether a single-output model's test logits are (nearly) the same for every image: its
/// output no longer depends on its input.
pub fn is_constant(logits: &[f32]) -> bool {
    let values: Vec<f64> = logits
        .iter()
        .map(|&v| v as f64)
        .filter(|v| v.is_finite())
        .collect();
    if values.len() < logits.len() || values.is_empty() {
        return true;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    var.sqrt() < 1e-3 * (1.0 + mean.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_model_answering_no_to_everything_scores_half_on_its_own_task() {
        // Ten images, one of class 3: "no" everywhere is right on 9 of 10, but learnt nothing.
        let labels: Vec<u8> = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let no = vec![-1.0f32; 10];
        assert_eq!(binary_scores(&no, &labels, 3).accuracy, 0.9);
        assert_eq!(own_task_accuracy(Task::Binary, 3, &no, &labels, 10), 0.5);
        let mut right = no.clone();
        right[3] = 1.0;
        assert_eq!(own_task_accuracy(Task::Binary, 3, &right, &labels, 10), 1.0);
    }

    #[test]
    fn metrics_on_a_known_example() {
        #[rustfmt::skip]
        let scores = [
            2.0, 1.0, 0.0,
            0.0, 3.0, 1.0,
            0.0, 0.5, 0.1,
            f32::NAN, 0.0, 1.0,
        ];
        let labels = [0u8, 1, 2, 2];
        let pred = predictions(&scores, 3);
        assert_eq!(pred, vec![0, 1, 1, 2]);
        assert_eq!(accuracy(&pred, &labels), 0.75);
        let c = confusion(&pred, &labels, 3);
        assert_eq!(c[2], vec![0, 1, 1]);
        let pc = per_class(&c, &["a".into(), "b".into(), "c".into()]);
        assert_eq!(pc[2].recall, 0.5);
        assert_eq!(pc[1].precision, 0.5);
        assert!(is_constant(&[0.5; 10]));
        assert!(!is_constant(&[0.5, 0.6, 0.5]));
        let p = softmax_rows(&[0.0, 0.0], 2);
        assert_eq!(p, vec![0.5, 0.5]);
        assert!((softmax_loss(&[0.0, 0.0], &[1], 2) - 2f64.ln()).abs() < 1e-6);
        let b = binary_scores(&[1.0, -1.0, 1.0, -1.0], &[0, 0, 1, 1], 0);
        assert_eq!(
            (b.accuracy, b.recall, b.false_positive_rate),
            (0.5, 0.5, 0.5)
        );
    }

    #[test]
    fn calibration_error_of_a_perfectly_calibrated_and_an_overconfident_model() {
        let sure = softmax_rows(&[10.0, -10.0, -10.0, 10.0], 2);
        assert!(expected_calibration_error(&sure, &[0, 1], 2) < 1e-6);
        assert!(expected_calibration_error(&sure, &[1, 0], 2) > 0.99);
    }

    #[test]
    fn auroc_of_separated_mixed_and_tied_scores() {
        assert_eq!(auroc(&[2.0, 3.0], &[0.0, 1.0]), 1.0);
        assert_eq!(auroc(&[0.0, 1.0], &[2.0, 3.0]), 0.0);
        assert_eq!(auroc(&[1.0, 1.0], &[1.0, 1.0]), 0.5);
        assert_eq!(auroc(&[1.0, 3.0], &[2.0]), 0.5);
    }
}
