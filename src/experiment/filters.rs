//! First-layer filters and how alike they are across models.
//!
//! The measure: for two models A and B with filter sets {a_i} and {b_j} (each filter a
//! kernel × kernel × channels vector), the best-match similarity is
//! ½ (mean_i max_j cos(a_i, b_j) + mean_j max_i cos(a_i, b_j)).
//! Cosine ignores scale (a filter and a scaled copy detect the same pattern) but keeps sign: after
//! a ReLU, w and −w respond to opposite polarities (a dark-to-light edge versus light-to-dark), so
//! they are different detectors. Raw weights are used, mean included.
//!
//! A few epochs move conv1 filters little from their initialisation, so every number here comes
//! with its baseline: the same measure at initialisation, and its spread over pairs of independent
//! random initialisations.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// A set of filters: `count` vectors of `len` values each, from a `[kh, kw, c, count]` tensor.
pub fn split_filters(weights: &[f32], shape: &[usize]) -> Vec<Vec<f32>> {
    if shape.len() != 4 || weights.is_empty() {
        return Vec::new();
    }
    let count = shape[3];
    let len = shape[0] * shape[1] * shape[2];
    (0..count)
        .map(|f| (0..len).map(|t| weights[t * count + f]).collect())
        .collect()
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += x as f64 * y as f64;
        aa += x as f64 * x as f64;
        bb += y as f64 * y as f64;
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / (aa.sqrt() * bb.sqrt())
    }
}

/// Symmetric mean best-match cosine similarity of two filter sets (see the module doc).
pub fn best_match_similarity(a: &[Vec<f32>], b: &[Vec<f32>]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let sims: Vec<Vec<f64>> = a
        .iter()
        .map(|x| b.iter().map(|y| cosine(x, y)).collect())
        .collect();
    let a_to_b = sims
        .iter()
        .map(|row| row.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
        .sum::<f64>()
        / a.len() as f64;
    let b_to_a = (0..b.len())
        .map(|j| {
            sims.iter()
                .map(|row| row[j])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum::<f64>()
        / b.len() as f64;
    0.5 * (a_to_b + b_to_a)
}

/// How far a model's filters moved: mean cosine between each filter and its own initial value,
/// and the relative L2 change of the whole layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Travel {
    pub cosine_to_init: f64,
    pub relative_change: f64,
}

pub fn travel(init: &[f32], now: &[f32], shape: &[usize]) -> Travel {
    let (a, b) = (split_filters(init, shape), split_filters(now, shape));
    let cos = if a.is_empty() {
        1.0
    } else {
        a.iter().zip(&b).map(|(x, y)| cosine(x, y)).sum::<f64>() / a.len() as f64
    };
    let diff: f64 = init
        .iter()
        .zip(now)
        .map(|(&x, &y)| ((y - x) as f64).powi(2))
        .sum();
    let base: f64 = init.iter().map(|&x| (x as f64).powi(2)).sum();
    Travel {
        cosine_to_init: cos,
        relative_change: if base > 0.0 {
            (diff / base).sqrt()
        } else {
            0.0
        },
    }
}

/// Filters that are not near-copies of one another: greedily keep a filter unless its cosine with
/// an already kept one is at least `threshold`.
pub fn distinct_filters(filters: &[Vec<f32>], threshold: f64) -> usize {
    let mut kept: Vec<&Vec<f32>> = Vec::new();
    for f in filters {
        if kept.iter().all(|k| cosine(k, f) < threshold) {
            kept.push(f);
        }
    }
    kept.len()
}

/// The threshold of [`distinct_filters`] used in reports.
pub const DISTINCT_THRESHOLD: f64 = 0.9;

/// Min, mean and max of the best-match similarity over `pairs` pairs of independent He-normal
/// filter sets of `count` filters of `len` values: what "unrelated" looks like.
pub fn random_baseline(
    len: usize,
    count_a: usize,
    count_b: usize,
    pairs: usize,
    seed: u64,
) -> (f64, f64, f64) {
    let mut rng = Rng::derive(seed, 0xF117);
    let mut draw = |count: usize| -> Vec<Vec<f32>> {
        (0..count)
            .map(|_| (0..len).map(|_| rng.normal()).collect())
            .collect()
    };
    let mut values = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        let a = draw(count_a);
        let b = draw(count_b);
        values.push(best_match_similarity(&a, &b));
    }
    let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (min, values.iter().sum::<f64>() / pairs.max(1) as f64, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_sets_score_one_and_negated_sets_score_minus_one() {
        let a = vec![vec![1.0, 0.0, 0.0], vec![0.0, 2.0, 0.0]];
        let scaled: Vec<Vec<f32>> = a
            .iter()
            .map(|f| f.iter().map(|v| v * 3.0).collect())
            .collect();
        let negated: Vec<Vec<f32>> = a.iter().map(|f| f.iter().map(|v| -v).collect()).collect();
        assert!((best_match_similarity(&a, &scaled) - 1.0).abs() < 1e-12);
        assert!(best_match_similarity(&a, &negated) <= 0.0);
        assert_eq!(
            distinct_filters(&[a[0].clone(), scaled[0].clone(), a[1].clone()], 0.9),
            2
        );
    }

    #[test]
    fn random_pairs_are_far_from_identical() {
        let (lo, mean, hi) = random_baseline(25, 8, 8, 20, 1);
        assert!(lo <= mean && mean <= hi);
        assert!(mean > 0.1 && hi < 0.7, "{lo} {mean} {hi}");
    }

    #[test]
    fn split_filters_reads_the_filter_axis_last() {
        // shape [1, 1, 2, 3]: taps (c0, c1), three filters.
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let f = split_filters(&w, &[1, 1, 2, 3]);
        assert_eq!(f, vec![vec![1.0, 4.0], vec![2.0, 5.0], vec![3.0, 6.0]]);
    }
}
