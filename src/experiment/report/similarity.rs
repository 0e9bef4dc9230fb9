//! First-layer filters of one seed's models and how alike they are (see `experiment::filters`
//! for the measure and its baselines).

use crate::experiment::approach::Role;
use crate::experiment::config::Approach;
use crate::experiment::filters::{
    best_match_similarity, distinct_filters, random_baseline, split_filters, travel, Travel,
    DISTINCT_THRESHOLD,
};
use crate::experiment::run::ModelResult;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilterSet {
    pub index: usize,
    pub label: String,
    pub approach: String,
    pub member: usize,
    /// `[kernel, kernel, channels, filters]`; values are stored in that order (filter axis last).
    pub shape: Vec<usize>,
    pub init: Vec<f32>,
    pub trained: Vec<f32>,
    /// `trained − init`: what training changed.
    pub change: Vec<f32>,
    pub travel: Travel,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimilarityReport {
    pub measure: String,
    /// Seed whose models are shown.
    pub seed: u64,
    pub labels: Vec<String>,
    /// Best-match similarity between every pair of models after training, and at initialisation.
    pub matrix: Vec<Vec<f64>>,
    pub init_matrix: Vec<Vec<f64>>,
    /// The same measure over 20 pairs of independent random initialisations: min, mean, max.
    pub random_pairs: [f64; 3],
    /// Mean similarity between the per-class (`ovr`) models, trained and at init.
    pub ovr_within: Option<f64>,
    pub ovr_within_init: Option<f64>,
    /// Mean similarity between the shared model and each `ovr` model, trained and at init.
    pub shared_vs_ovr: Option<f64>,
    pub shared_vs_ovr_init: Option<f64>,
    /// Distinct filters (cosine below `DISTINCT_THRESHOLD` to every other kept one) among all the
    /// `ovr` models' filters, out of `ovr_filters_total`; trained and at init.
    pub ovr_distinct: Option<usize>,
    pub ovr_distinct_init: Option<usize>,
    pub ovr_filters_total: Option<usize>,
    pub shared_filters: Option<usize>,
    pub filter_sets: Vec<FilterSet>,
}

/// Filter similarity across the models of one seed.
/// `keep` says which compared models to show (each approach at its reported rate).
pub fn similarity(
    results: &[ModelResult],
    seed: u64,
    keep: impl Fn(&ModelResult) -> bool,
) -> Option<SimilarityReport> {
    let models = comparable_models(results, seed, keep);
    let first = *models.first()?;
    let taps: usize = first.filter_shape[..3].iter().product();
    let trained: Vec<Vec<Vec<f32>>> = models
        .iter()
        .map(|m| split_filters(&m.filters, &m.filter_shape))
        .collect();
    let init: Vec<Vec<Vec<f32>>> = models
        .iter()
        .map(|m| split_filters(&m.filters_init, &m.filter_shape))
        .collect();
    let n = models.len();
    let matrix = similarity_matrix(&trained);
    let init_matrix = similarity_matrix(&init);
    let ovr: Vec<usize> = (0..n)
        .filter(|&i| models[i].plan.approach == Approach::Ovr)
        .collect();
    let shared = (0..n).find(|&i| models[i].plan.approach == Approach::Shared);
    let shared_vs = |m: &Vec<Vec<f64>>| -> Option<f64> {
        let s = shared?;
        (!ovr.is_empty()).then(|| ovr.iter().map(|&j| m[s][j]).sum::<f64>() / ovr.len() as f64)
    };
    let pooled = |sets: &Vec<Vec<Vec<f32>>>| -> Vec<Vec<f32>> {
        ovr.iter().flat_map(|&i| sets[i].clone()).collect()
    };
    let count = first.filter_shape[3];
    let (lo, mean, hi) = random_baseline(taps, count, count, 20, seed);
    Some(SimilarityReport {
        measure: "symmetric mean best-match cosine similarity of first-layer filters (sign kept, scale ignored)".into(),
        seed,
        labels: models.iter().map(|m| m.plan.label.clone()).collect(),
        ovr_within: mean_pairs(&matrix, &ovr),
        ovr_within_init: mean_pairs(&init_matrix, &ovr),
        shared_vs_ovr: shared_vs(&matrix),
        shared_vs_ovr_init: shared_vs(&init_matrix),
        ovr_distinct: (!ovr.is_empty()).then(|| distinct_filters(&pooled(&trained), DISTINCT_THRESHOLD)),
        ovr_distinct_init: (!ovr.is_empty()).then(|| distinct_filters(&pooled(&init), DISTINCT_THRESHOLD)),
        ovr_filters_total: (!ovr.is_empty()).then(|| ovr.iter().map(|&i| trained[i].len()).sum()),
        shared_filters: shared.map(|s| trained[s].len()),
        matrix,
        init_matrix,
        random_pairs: [lo, mean, hi],
        filter_sets: models.iter().map(|&m| filter_set(m)).collect(),
    })
}

/// The compared models of `seed` that `keep` accepts and that have 4-D first-layer filters, in
/// plan order, restricted to those whose filters have as many taps as the first one's: only
/// filters of the same size can be compared.
fn comparable_models(
    results: &[ModelResult],
    seed: u64,
    keep: impl Fn(&ModelResult) -> bool,
) -> Vec<&ModelResult> {
    let mut models: Vec<&ModelResult> = results
        .iter()
        .filter(|r| {
            r.plan.seed == seed
                && r.plan.role == Role::Compared
                && r.filter_shape.len() == 4
                && keep(r)
        })
        .collect();
    models.sort_by_key(|m| m.plan.index);
    if let Some(first) = models.first() {
        let taps: usize = first.filter_shape[..3].iter().product();
        models.retain(|m| m.filter_shape[..3].iter().product::<usize>() == taps);
    }
    models
}

/// Best-match similarity between every pair of the models' filter sets.
fn similarity_matrix(sets: &[Vec<Vec<f32>>]) -> Vec<Vec<f64>> {
    let n = sets.len();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| best_match_similarity(&sets[i], &sets[j]))
                .collect()
        })
        .collect()
}

/// Mean of `m` over the distinct pairs of the models in `idx`; `None` when there is no pair.
fn mean_pairs(m: &[Vec<f64>], idx: &[usize]) -> Option<f64> {
    let mut v = Vec::new();
    for (a, &i) in idx.iter().enumerate() {
        for &j in &idx[a + 1..] {
            v.push(m[i][j]);
        }
    }
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// One model's first-layer filters for the report: at initialisation and trained, what training
/// changed, and how far they travelled.
fn filter_set(m: &ModelResult) -> FilterSet {
    FilterSet {
        index: m.plan.index,
        label: m.plan.label.clone(),
        approach: m.plan.approach.id().to_string(),
        member: m.plan.member,
        shape: m.filter_shape.clone(),
        init: m.filters_init.clone(),
        trained: m.filters.clone(),
        change: m
            .filters
            .iter()
            .zip(&m.filters_init)
            .map(|(a, b)| a - b)
            .collect(),
        travel: travel(&m.filters_init, &m.filters, &m.filter_shape),
    }
}
