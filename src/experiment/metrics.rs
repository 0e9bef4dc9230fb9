//! Scores to numbers: accuracy, per-class recall and precision, the confusion matrix, losses and
//! calibration. Scores are logits, `n × k` row-major.

use crate::nn::loss::sigmoid;
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
    pred.iter()
        .zip(labels)
        .filter(|(p, &l)| **p == l as usize)
        .count() as f64
        / labels.len() as f64
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
    (0..k)
        .map(|c| {
            let support: u32 = confusion[c].iter().sum();
            let predicted: u32 = (0..k).map(|r| confusion[r][c]).sum();
            let hit = confusion[c][c] as f64;
            ClassScore {
                class: c,
                name: names.get(c).cloned().unwrap_or_default(),
                recall: if support > 0 {
                    hit / support as f64
                } else {
                    0.0
                },
                precision: if predicted > 0 {
                    hit / predicted as f64
                } else {
                    0.0
                },
                support,
            }
        })
        .collect()
}

fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Mean softmax cross-entropy of the rows.
pub fn softmax_loss(scores: &[f32], labels: &[u8], k: usize) -> f64 {
    let mut total = 0.0;
    for (row, &l) in scores.chunks_exact(k).zip(labels) {
        let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
        let lse = row
            .iter()
            .map(|&v| (v as f64 - max).exp())
            .sum::<f64>()
            .ln()
            + max;
        total += lse - row[l as usize] as f64;
    }
    total / labels.len().max(1) as f64
}

/// Mean over rows of the summed binary cross-entropy of each column against "is this the class".
pub fn binary_loss(scores: &[f32], labels: &[u8], k: usize) -> f64 {
    let mut total = 0.0;
    for (row, &l) in scores.chunks_exact(k).zip(labels) {
        for (j, &z) in row.iter().enumerate() {
            let z = z as f64;
            total += if j == l as usize {
                softplus(-z)
            } else {
                softplus(z)
            };
        }
    }
    total / labels.len().max(1) as f64
}

/// The probability a model gives to its predicted class: the top softmax probability, or the
/// sigmoid of the top score for independent binary outputs.
pub fn confidence(row: &[f32], softmax: bool) -> f64 {
    let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    if softmax {
        1.0 / row.iter().map(|&v| ((v - max) as f64).exp()).sum::<f64>()
    } else {
        sigmoid(max) as f64
    }
}

/// Expected calibration error over 10 equal-width confidence bins: Σ (bin share) · |accuracy −
/// mean confidence|.
pub fn expected_calibration_error(scores: &[f32], labels: &[u8], k: usize, softmax: bool) -> f64 {
    let pred = predictions(scores, k);
    let mut bins = [(0usize, 0.0f64, 0.0f64); 10];
    for ((row, &p), &l) in scores.chunks_exact(k).zip(&pred).zip(labels) {
        let c = confidence(row, softmax);
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

/// Mean and sample standard deviation (0 for one value).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
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
    let (mean, _) = mean_std(&values);
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    var.sqrt() < 1e-3 * (1.0 + mean.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_known_example() {
        let scores = [
            2.0,
            1.0,
            0.0,
            /**/ 0.0,
            3.0,
            1.0,
            /**/ 0.0,
            0.5,
            0.1,
            /**/ f32::NAN,
            0.0,
            1.0,
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
        assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 2f64.sqrt()));
        assert!(is_constant(&[0.5; 10]));
        assert!(!is_constant(&[0.5, 0.6, 0.5]));
    }

    #[test]
    fn calibration_error_of_a_perfectly_calibrated_and_an_overconfident_model() {
        // Two classes, confidence 1.0 and always right: ECE 0.
        let sure = [10.0f32, -10.0, -10.0, 10.0];
        assert!(expected_calibration_error(&sure, &[0, 1], 2, true) < 1e-6);
        // Always confident, always wrong: ECE near 1.
        assert!(expected_calibration_error(&sure, &[1, 0], 2, true) > 0.99);
    }
}
