//! The results document: one schema, written by the CLI and posted by the page's workers, built
//! here from the models' raw results. Documented in `docs/results.md`.

use super::approach::Task;
use super::config::{Approach, Config};
use super::filters::{
    best_match_similarity, distinct_filters, random_baseline, split_filters, travel, Travel,
    DISTINCT_THRESHOLD,
};
use super::metrics::{
    accuracy, binary_loss, confusion, expected_calibration_error, is_constant, mean_std, per_class,
    predictions, softmax_loss, ClassScore,
};
use super::run::{ModelResult, ModelStatus, TRAIN_EVAL_LIMIT};
use crate::data::Dataset;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REPORT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub class_names: Vec<String>,
    pub train_count: usize,
    pub test_count: usize,
    pub train_per_class: Vec<usize>,
    pub notes: Vec<String>,
    pub source: String,
    pub license: String,
}

impl DatasetInfo {
    pub fn of(d: &Dataset) -> Self {
        DatasetInfo {
            name: d.name.clone(),
            width: d.width,
            height: d.height,
            channels: d.channels,
            class_names: d.class_names.clone(),
            train_count: d.train.count(),
            test_count: d.test.count(),
            train_per_class: d.train.per_class(d.num_classes()),
            notes: d.notes.clone(),
            source: d.source.clone(),
            license: d.license.clone(),
        }
    }
}

/// One point of a learning curve, mean (and spread) over seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub epoch: usize,
    pub test_accuracy: f64,
    pub test_accuracy_std: f64,
    /// On a fixed class-balanced prefix of at most `TRAIN_EVAL_LIMIT` training images.
    pub train_accuracy: f64,
    /// The approach's own objective (cross-entropy for `shared`, summed binary cross-entropy for
    /// the others): comparable across epochs, not across approaches.
    pub test_loss: f64,
    pub train_loss: f64,
    /// Training FLOPs spent by all of the approach's models up to this epoch (mean over seeds).
    pub flops: f64,
}

/// A per-class model's own curve: how well it answers "is it class k?".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberCurve {
    pub member: usize,
    pub name: String,
    /// Binary test accuracy per epoch (first seed).
    pub binary_accuracy: Vec<f64>,
    /// Fraction of the class's test images scored positive, per epoch (first seed).
    pub positive_recall: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFlag {
    pub seed: u64,
    pub member: usize,
    pub label: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproachReport {
    pub id: String,
    /// Models per seed.
    pub models: usize,
    /// Parameters of all the approach's models together, and of one of them.
    pub params: usize,
    pub params_per_model: usize,
    /// Inference FLOPs to classify one image (all models).
    pub flops_per_image: u64,
    /// Training FLOPs spent (all models, mean over seeds).
    pub train_flops: f64,
    /// Wall time of training, summed over the approach's models (mean over seeds): the cost on one
    /// core. Models run in parallel on the page, so the elapsed time can be shorter.
    pub train_seconds: f64,
    pub samples_per_s: f64,
    /// Final test accuracy, mean over seeds, its sample standard deviation, and each seed's.
    pub test_accuracy: f64,
    pub test_accuracy_std: f64,
    pub seed_accuracies: Vec<f64>,
    pub train_accuracy: f64,
    pub per_class: Vec<ClassScore>,
    /// `confusion[true][predicted]`, summed over seeds.
    pub confusion: Vec<Vec<u32>>,
    pub curve: Vec<CurvePoint>,
    pub members: Vec<MemberCurve>,
    /// Expected calibration error of the predicted class's probability (10 bins, mean over seeds).
    pub calibration_ece: f64,
    /// Binary models whose output no longer depends on the input.
    pub collapsed: Vec<ModelFlag>,
    pub diverged: Vec<ModelFlag>,
    /// Predicted class of every test image (first seed, last complete epoch), so that a view can
    /// show the images behind a confusion cell.
    pub test_predictions: Vec<u8>,
    /// Whether every model finished all its epochs.
    pub complete: bool,
}

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub config: Config,
    pub dataset: DatasetInfo,
    pub approaches: BTreeMap<String, ApproachReport>,
    pub similarity: Option<SimilarityReport>,
    pub notes: Vec<String>,
}

/// The ensemble's scores for one approach and seed at epoch `e` (0-based), `n × k`: a one-model
/// approach's logits, or the per-class models' single logits side by side. `None` until every
/// model of the seed has reached epoch `e`; a model that diverged before it contributes NaN (it
/// never wins a prediction).
fn ensemble_scores(models: &[&ModelResult], k: usize, e: usize, train: bool) -> Option<Vec<f32>> {
    let column = |m: &ModelResult| -> Option<Vec<f32>> {
        match m.epochs.get(e) {
            Some(r) => Some(if train {
                r.train_scores.clone()
            } else {
                r.test_scores.clone()
            }),
            None if matches!(m.status, ModelStatus::Diverged { .. }) => Some(vec![f32::NAN; 0]),
            None => None,
        }
    };
    if models.len() == 1 && models[0].plan.task != Task::Binary {
        return column(models[0]);
    }
    let mut columns: Vec<Vec<f32>> = Vec::with_capacity(k);
    for member in 0..k {
        let m = models.iter().find(|m| m.plan.member == member)?;
        columns.push(column(m)?);
    }
    let n = columns.iter().map(Vec::len).max()?;
    if n == 0 {
        return None;
    }
    let mut out = vec![f32::NAN; n * k];
    for (j, col) in columns.iter().enumerate() {
        for (i, &v) in col.iter().enumerate() {
            out[i * k + j] = v;
        }
    }
    Some(out)
}

/// Builds the report from every model's result. Missing models (a stopped run) leave their
/// approach marked incomplete.
pub fn assemble(cfg: &Config, data: &Dataset, results: &[ModelResult]) -> Report {
    let k = data.num_classes();
    let test_labels = &data.test.labels;
    let train_labels = &data.train.labels[..data.train.count().min(TRAIN_EVAL_LIMIT)];
    let seeds = cfg.seed_list();
    let mut approaches = BTreeMap::new();
    let mut notes = Vec::new();
    if seeds.len() == 1 {
        notes.push(format!(
            "One seed ({}): a single run, not an average; no spread is shown.",
            seeds[0]
        ));
    }
    for &approach in &cfg.approaches {
        let expected = if approach.per_class() { k } else { 1 };
        let by_seed: Vec<Vec<&ModelResult>> = seeds
            .iter()
            .map(|&s| {
                results
                    .iter()
                    .filter(|r| r.plan.approach == approach && r.plan.seed == s)
                    .collect()
            })
            .collect();
        let complete = by_seed.iter().all(|ms| ms.len() == expected);
        let available: Vec<&Vec<&ModelResult>> =
            by_seed.iter().filter(|ms| ms.len() == expected).collect();
        let Some(first) = available.first() else {
            continue;
        };
        let softmax = approach == Approach::Shared;
        let epochs = first.iter().map(|m| m.epochs.len()).max().unwrap_or(0);
        let mut curve = Vec::new();
        // Only epochs that every model of a seed has finished make a point of the curve.
        for e in 0..epochs {
            let mut accs = Vec::new();
            let (mut train_accs, mut test_losses, mut train_losses, mut flops) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for ms in &available {
                let Some(test) = ensemble_scores(ms, k, e, false) else {
                    continue;
                };
                let Some(train) = ensemble_scores(ms, k, e, true) else {
                    continue;
                };
                accs.push(accuracy(&predictions(&test, k), test_labels));
                train_accs.push(accuracy(&predictions(&train, k), train_labels));
                test_losses.push(if softmax {
                    softmax_loss(&test, test_labels, k)
                } else {
                    binary_loss(&test, test_labels, k)
                });
                let own: f64 = ms
                    .iter()
                    .filter_map(|m| m.epochs.get(e))
                    .map(|r| r.train_loss as f64)
                    .sum::<f64>()
                    / ms.len() as f64;
                train_losses.push(own);
                flops.push(
                    ms.iter()
                        .map(|m| m.epochs.get(e).or(m.epochs.last()).map_or(0, |r| r.flops))
                        .sum::<u64>() as f64,
                );
            }
            if accs.is_empty() {
                break;
            }
            let (acc, acc_std) = mean_std(&accs);
            curve.push(CurvePoint {
                epoch: e + 1,
                test_accuracy: acc,
                test_accuracy_std: acc_std,
                train_accuracy: mean_std(&train_accs).0,
                test_loss: mean_std(&test_losses).0,
                train_loss: mean_std(&train_losses).0,
                flops: mean_std(&flops).0,
            });
        }
        let last = curve.len().saturating_sub(1);
        let mut seed_accuracies = Vec::new();
        let mut eces = Vec::new();
        let mut conf = vec![vec![0u32; k]; k];
        let mut train_acc = Vec::new();
        let mut test_predictions = Vec::new();
        for ms in &available {
            if let Some(test) = ensemble_scores(ms, k, last, false) {
                let pred = predictions(&test, k);
                if test_predictions.is_empty() {
                    test_predictions = pred.iter().map(|&p| p as u8).collect();
                }
                seed_accuracies.push(accuracy(&pred, test_labels));
                eces.push(expected_calibration_error(&test, test_labels, k, softmax));
                for (r, row) in confusion(&pred, test_labels, k).iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        conf[r][c] += v;
                    }
                }
            }
            if let Some(train) = ensemble_scores(ms, k, last, true) {
                train_acc.push(accuracy(&predictions(&train, k), train_labels));
            }
        }
        let (test_accuracy, test_accuracy_std) = mean_std(&seed_accuracies);
        let mut collapsed = Vec::new();
        let mut diverged = Vec::new();
        for ms in &available {
            for m in ms.iter() {
                let flag = |detail: String| ModelFlag {
                    seed: m.plan.seed,
                    member: m.plan.member,
                    label: m.plan.label.clone(),
                    detail,
                };
                if let ModelStatus::Diverged { epoch } = m.status {
                    diverged.push(flag(format!("diverged at epoch {epoch} (loss not finite)")));
                } else if m.plan.task == Task::Binary {
                    if let Some(rec) = m.epochs.last() {
                        if is_constant(&rec.test_scores) {
                            let p = crate::nn::loss::sigmoid(rec.test_scores[0]);
                            collapsed
                                .push(flag(format!("constant output: scores every image {p:.3}")));
                        }
                    }
                }
            }
        }
        let members = if approach.per_class() {
            let mut present: Vec<&&ModelResult> = first.iter().collect();
            present.sort_by_key(|m| m.plan.member);
            present
                .into_iter()
                .map(|m| {
                    let member = m.plan.member;
                    let (mut acc, mut recall) = (Vec::new(), Vec::new());
                    for rec in &m.epochs {
                        let (mut hits, mut pos, mut pos_hits) = (0usize, 0usize, 0usize);
                        for (&z, &l) in rec.test_scores.iter().zip(test_labels) {
                            let is = l as usize == member;
                            let says = z > 0.0;
                            hits += (is == says) as usize;
                            pos += is as usize;
                            pos_hits += (is && says) as usize;
                        }
                        acc.push(hits as f64 / test_labels.len().max(1) as f64);
                        recall.push(pos_hits as f64 / pos.max(1) as f64);
                    }
                    MemberCurve {
                        member,
                        name: data.class_names[member].clone(),
                        binary_accuracy: acc,
                        positive_recall: recall,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let plan = &first[0].plan;
        let per_seed_seconds: Vec<f64> = available
            .iter()
            .map(|ms| ms.iter().map(|m| m.train_seconds).sum())
            .collect();
        let per_seed_samples: Vec<f64> = available
            .iter()
            .map(|ms| {
                ms.iter()
                    .map(|m| (m.plan.samples_per_epoch * m.epochs.len()) as f64)
                    .sum()
            })
            .collect();
        let train_seconds = mean_std(&per_seed_seconds).0;
        let samples = mean_std(&per_seed_samples).0;
        approaches.insert(
            approach.id().to_string(),
            ApproachReport {
                id: approach.id().to_string(),
                models: expected,
                params: plan.params * expected,
                params_per_model: plan.params,
                flops_per_image: plan.flops_per_image * expected as u64,
                train_flops: curve.last().map_or(0.0, |c| c.flops),
                train_seconds,
                samples_per_s: if train_seconds > 0.0 {
                    samples / train_seconds
                } else {
                    0.0
                },
                test_accuracy,
                test_accuracy_std,
                seed_accuracies,
                train_accuracy: mean_std(&train_acc).0,
                per_class: per_class(&conf, &data.class_names),
                confusion: conf,
                curve,
                members,
                calibration_ece: mean_std(&eces).0,
                collapsed,
                diverged,
                test_predictions,
                complete,
            },
        );
    }
    Report {
        version: REPORT_VERSION,
        config: cfg.clone(),
        dataset: DatasetInfo::of(data),
        similarity: similarity(results, seeds.first().copied().unwrap_or(cfg.seed)),
        approaches,
        notes,
    }
}

/// Filter similarity across the models of one seed.
pub fn similarity(results: &[ModelResult], seed: u64) -> Option<SimilarityReport> {
    let mut models: Vec<&ModelResult> = results
        .iter()
        .filter(|r| r.plan.seed == seed && r.filter_shape.len() == 4)
        .collect();
    models.sort_by_key(|m| m.plan.index);
    let first = *models.first()?;
    // Only models whose filters have the same size can be compared.
    let taps: usize = first.filter_shape[..3].iter().product();
    models.retain(|m| m.filter_shape[..3].iter().product::<usize>() == taps);
    let trained: Vec<Vec<Vec<f32>>> = models
        .iter()
        .map(|m| split_filters(&m.filters, &m.filter_shape))
        .collect();
    let init: Vec<Vec<Vec<f32>>> = models
        .iter()
        .map(|m| split_filters(&m.filters_init, &m.filter_shape))
        .collect();
    let n = models.len();
    let matrix_of = |sets: &Vec<Vec<Vec<f32>>>| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| best_match_similarity(&sets[i], &sets[j]))
                    .collect()
            })
            .collect()
    };
    let matrix = matrix_of(&trained);
    let init_matrix = matrix_of(&init);
    let ovr: Vec<usize> = (0..n)
        .filter(|&i| models[i].plan.approach == Approach::Ovr)
        .collect();
    let shared = (0..n).find(|&i| models[i].plan.approach == Approach::Shared);
    let mean_pairs = |m: &Vec<Vec<f64>>, idx: &[usize]| -> Option<f64> {
        let mut v = Vec::new();
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                v.push(m[i][j]);
            }
        }
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
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
        filter_sets: models
            .iter()
            .map(|m| FilterSet {
                index: m.plan.index,
                label: m.plan.label.clone(),
                approach: m.plan.approach.id().to_string(),
                member: m.plan.member,
                shape: m.filter_shape.clone(),
                init: m.filters_init.clone(),
                trained: m.filters.clone(),
                travel: travel(&m.filters_init, &m.filters, &m.filter_shape),
            })
            .collect(),
    })
}

/// One approach's answer for a single image (the draw panel): a score and a probability per
/// class, and the predicted class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageScores {
    pub label: String,
    pub approach: String,
    pub seed: u64,
    /// Logits, one per class (the per-class models' single logits side by side).
    pub scores: Vec<f32>,
    /// Softmax of the logits for `shared`; each class's sigmoid for the binary approaches (they
    /// need not add up to 1).
    pub probabilities: Vec<f32>,
    pub predicted: usize,
}

/// Groups the logits that each trained model gave one image into one answer per approach and seed.
pub fn combine_image_scores(models: &[(super::ModelPlan, Vec<f32>)], k: usize) -> Vec<ImageScores> {
    let mut out: Vec<ImageScores> = Vec::new();
    for (plan, scores) in models {
        let label = if plan.seed == models[0].0.seed {
            plan.approach.id().to_string()
        } else {
            format!("{} (seed {})", plan.approach.id(), plan.seed)
        };
        let at = match out
            .iter()
            .position(|r| r.approach == plan.approach.id() && r.seed == plan.seed)
        {
            Some(i) => i,
            None => {
                out.push(ImageScores {
                    label,
                    approach: plan.approach.id().to_string(),
                    seed: plan.seed,
                    scores: vec![f32::NEG_INFINITY; k],
                    probabilities: vec![0.0; k],
                    predicted: 0,
                });
                out.len() - 1
            }
        };
        let row = &mut out[at];
        if plan.task == Task::Binary {
            if let (Some(slot), Some(&z)) = (row.scores.get_mut(plan.member), scores.first()) {
                *slot = z;
            }
        } else {
            for (slot, &z) in row.scores.iter_mut().zip(scores) {
                *slot = z;
            }
        }
    }
    for row in &mut out {
        if row.approach == Approach::Shared.id() {
            let max = row.scores.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let exps: Vec<f64> = row
                .scores
                .iter()
                .map(|&z| ((z - max) as f64).exp())
                .collect();
            let sum: f64 = exps.iter().sum();
            row.probabilities = exps.iter().map(|e| (e / sum) as f32).collect();
        } else {
            row.probabilities = row
                .scores
                .iter()
                .map(|&z| {
                    if z.is_finite() {
                        crate::nn::loss::sigmoid(z)
                    } else {
                        0.0
                    }
                })
                .collect();
        }
        row.predicted = predictions(&row.scores, k.max(1))
            .first()
            .copied()
            .unwrap_or(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::approach::plan;
    use crate::nn::Shape;

    #[test]
    fn drawn_image_scores_are_grouped_per_approach() {
        let cfg = Config {
            approaches: vec![Approach::Shared, Approach::Ovr],
            arch: "linear".into(),
            ..Config::default()
        };
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let plans = plan(&cfg, Shape::new(4, 4, 1), &names, &[5, 5, 5]).unwrap();
        let mut models = vec![(plans[0].clone(), vec![0.0, 2.0, 0.0])];
        for (m, z) in plans[1..].iter().zip([-3.0, 1.0, 4.0]) {
            models.push((m.clone(), vec![z]));
        }
        let rows = combine_image_scores(&models, 3);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].approach.as_str(), rows[0].predicted),
            ("shared", 1)
        );
        assert!((rows[0].probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!((rows[1].approach.as_str(), rows[1].predicted), ("ovr", 2));
        assert_eq!(rows[1].scores, vec![-3.0, 1.0, 4.0]);
        assert!((rows[1].probabilities[2] - 0.98201376).abs() < 1e-6);
    }
}
