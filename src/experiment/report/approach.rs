//! One approach's section of the results document: accuracy over seeds, curves, per-class scores,
//! calibration, cost, and how each of its models trained.

use super::combine::{combine, group, Combined};
use super::tuning::Tuning;
use crate::experiment::approach::Task;
use crate::experiment::config::Approach;
use crate::experiment::metrics::{
    accuracy, binary_scores, confusion, expected_calibration_error, is_constant, per_class,
    ClassScore,
};
use crate::experiment::run::{EpochRecord, ModelResult, ModelStatus, Stop};
use crate::experiment::session::Run;
use crate::experiment::stats::mean_sd;
use crate::nn::loss::sigmoid;
use serde::{Deserialize, Serialize};

/// One point of a learning curve, mean (and spread) over seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub epoch: usize,
    pub test_accuracy: f64,
    pub test_accuracy_std: f64,
    /// On the first (at most 2,000) fitting images of the training split.
    pub train_accuracy: f64,
    /// Accuracy of the combined answer on the validation images (null without validation).
    pub val_accuracy: Option<f64>,
    /// The approach's own objective: comparable across epochs, not across approaches.
    pub test_loss: f64,
    pub train_loss: f64,
    /// Training FLOPs spent by all of the approach's models up to this epoch (mean over seeds).
    pub flops: f64,
}

/// A per-class model's own curve: how well it answers "is it class k?" (first seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberCurve {
    pub member: usize,
    pub name: String,
    /// The epoch (1-based) of each value: every epoch, or with `curves` off the one it ended with.
    #[serde(default)]
    pub epochs: Vec<usize>,
    pub binary_accuracy: Vec<f64>,
    pub positive_recall: Vec<f64>,
    /// Of the other classes' images, the fraction it calls positive, per epoch.
    pub false_positive_rate: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFlag {
    pub seed: u64,
    pub member: usize,
    pub label: String,
    pub detail: String,
}

/// How one model's training ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelTraining {
    pub seed: u64,
    pub member: usize,
    pub label: String,
    pub epochs_run: usize,
    pub max_epochs: usize,
    /// The epoch whose weights it kept.
    pub best_epoch: usize,
    pub stop: Option<Stop>,
    /// Validation accuracy was still rising at its last epoch: it stopped early, not because it
    /// stopped improving (null without validation).
    pub still_improving: Option<bool>,
}

/// Calibration of the probabilities behind the predictions (10 bins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Expected calibration error of the class probabilities the prediction uses (mean over seeds).
    pub ece: f64,
    /// For the per-class approaches: the same on their raw sigmoids (the top one, before scaling).
    pub raw_ece: Option<f64>,
    /// Reliability bins pooled over seeds: images, mean confidence, accuracy.
    pub bins: Vec<[f64; 3]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproachReport {
    pub id: String,
    pub label: String,
    /// Models per seed.
    pub models: usize,
    pub params: usize,
    pub params_per_model: usize,
    /// Inference FLOPs to classify one image (all models).
    pub flops_per_image: u64,
    /// Training FLOPs spent (all models, mean over seeds).
    pub train_flops: f64,
    /// Wall time of training summed over the approach's models (mean over seeds): the cost on one core.
    pub train_seconds: f64,
    pub samples_per_s: f64,
    /// The learning rate the reported models trained with (chosen on validation with a grid).
    pub lr: f32,
    pub tuning: Option<Tuning>,
    pub test_accuracy: f64,
    pub test_accuracy_std: f64,
    pub seed_accuracies: Vec<f64>,
    pub seeds: Vec<u64>,
    pub train_accuracy: f64,
    pub per_class: Vec<ClassScore>,
    /// `confusion[true][predicted]`, summed over seeds.
    pub confusion: Vec<Vec<u32>>,
    /// The same as shares of each true class's images (rows sum to 1).
    pub confusion_rows: Vec<Vec<f64>>,
    pub curve: Vec<CurvePoint>,
    pub members: Vec<MemberCurve>,
    pub calibration: Calibration,
    pub collapsed: Vec<ModelFlag>,
    pub diverged: Vec<ModelFlag>,
    pub training: Vec<ModelTraining>,
    /// Predicted class of every test image (first seed), for the images behind a confusion cell.
    pub test_predictions: Vec<u8>,
    /// Whether every model finished.
    pub complete: bool,
}

/// The seeds whose models of `approach` at `lr` have all reported, with those models.
pub fn seed_groups<'a>(
    run: &Run,
    results: &'a [ModelResult],
    approach: Approach,
    lr: f32,
) -> Vec<(u64, Vec<&'a ModelResult>)> {
    let k = run.data.num_classes();
    run.config
        .seed_list()
        .into_iter()
        .map(|s| (s, group(results, approach, s, lr)))
        .filter(|(_, g)| g.len() == approach.models(k))
        .collect()
}

/// The combined test answer of a seed's models with the weights they end with.
pub fn final_test(approach: Approach, k: usize, members: &[&ModelResult]) -> Option<Combined> {
    combine(approach, k, members, |m| {
        m.final_record().map(|r| r.test_scores.as_slice())
    })
}

pub fn build(
    run: &Run,
    results: &[ModelResult],
    approach: Approach,
    lr: f32,
    tuning: Option<Tuning>,
) -> Option<ApproachReport> {
    let k = run.data.num_classes();
    let groups = seed_groups(run, results, approach, lr);
    let first = groups.first()?;
    let plan = &first.1[0].plan;
    let curve = curve(run, &groups, approach);
    let outcome = Outcome::of(run, &groups, approach);
    let models_expected = run.config.seeds * approach.models(k);
    let (seconds, samples) = cost(&groups);
    let (test_accuracy, test_accuracy_std) = mean_sd(&outcome.accuracies);
    Some(ApproachReport {
        id: approach.id().into(),
        label: approach.label().into(),
        models: approach.models(k),
        params: plan.params * approach.models(k),
        params_per_model: plan.params,
        flops_per_image: plan.flops_per_image * approach.models(k) as u64,
        train_flops: curve.last().map_or(0.0, |c| c.flops),
        train_seconds: seconds,
        samples_per_s: if seconds > 0.0 {
            samples / seconds
        } else {
            0.0
        },
        lr,
        tuning,
        test_accuracy,
        test_accuracy_std,
        seeds: groups.iter().map(|g| g.0).collect(),
        seed_accuracies: outcome.accuracies,
        train_accuracy: mean_sd(&outcome.train_accuracies).0,
        per_class: per_class(&outcome.confusion, &run.data.class_names),
        confusion_rows: row_shares(&outcome.confusion),
        confusion: outcome.confusion,
        calibration: outcome.calibration,
        members: member_curves(run, &first.1, approach),
        collapsed: flags(&groups).0,
        diverged: flags(&groups).1,
        training: training(&groups),
        test_predictions: outcome.first_predictions,
        complete: groups.len() * approach.models(k) == models_expected
            && groups
                .iter()
                .flat_map(|g| &g.1)
                .all(|m| m.status != ModelStatus::Training),
        curve,
    })
}

fn row_shares(m: &[Vec<u32>]) -> Vec<Vec<f64>> {
    m.iter()
        .map(|row| {
            let n: u32 = row.iter().sum();
            row.iter()
                .map(|&c| if n > 0 { c as f64 / n as f64 } else { 0.0 })
                .collect()
        })
        .collect()
}

/// Wall seconds and samples of training, summed over each seed's models, mean over seeds.
fn cost(groups: &[(u64, Vec<&ModelResult>)]) -> (f64, f64) {
    let seconds: Vec<f64> = groups
        .iter()
        .map(|g| g.1.iter().map(|m| m.train_seconds).sum())
        .collect();
    let samples: Vec<f64> = groups
        .iter()
        .map(|g| {
            g.1.iter()
                .map(|m| (m.plan.samples_per_epoch * m.epochs.len()) as f64)
                .sum()
        })
        .collect();
    (mean_sd(&seconds).0, mean_sd(&samples).0)
}

/// The approach's final answers, seed by seed.
struct Outcome {
    accuracies: Vec<f64>,
    train_accuracies: Vec<f64>,
    confusion: Vec<Vec<u32>>,
    calibration: Calibration,
    first_predictions: Vec<u8>,
}

impl Outcome {
    fn of(run: &Run, groups: &[(u64, Vec<&ModelResult>)], approach: Approach) -> Self {
        let k = run.data.num_classes();
        let labels = &run.data.test.labels;
        let mut o = Outcome {
            accuracies: Vec::new(),
            train_accuracies: Vec::new(),
            confusion: vec![vec![0; k]; k],
            calibration: Calibration {
                ece: 0.0,
                raw_ece: None,
                bins: Vec::new(),
            },
            first_predictions: Vec::new(),
        };
        let (mut eces, mut raw_eces, mut pooled) = (Vec::new(), Vec::new(), Vec::new());
        for (seed, members) in groups {
            if let Some(test) = final_test(approach, k, members) {
                let pred = test.predictions();
                if o.first_predictions.is_empty() {
                    o.first_predictions = pred.iter().map(|&p| p as u8).collect();
                }
                o.accuracies.push(accuracy(&pred, labels));
                eces.push(expected_calibration_error(&test.probs, labels, k));
                if let Some(raw) = &test.raw {
                    raw_eces.push(expected_calibration_error(raw, labels, k));
                }
                pooled.extend(reliability(&test, labels));
                for (r, row) in confusion(&pred, labels, k).iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        o.confusion[r][c] += v;
                    }
                }
            }
            let train = combine(approach, k, members, |m| {
                m.final_record().map(|r| r.train_scores.as_slice())
            });
            if let Some(train) = train {
                o.train_accuracies.push(accuracy(
                    &train.predictions(),
                    &run.train_eval_labels(*seed),
                ));
            }
        }
        o.calibration = Calibration {
            ece: mean_sd(&eces).0,
            raw_ece: (!raw_eces.is_empty()).then(|| mean_sd(&raw_eces).0),
            bins: bins(&pooled),
        };
        o
    }
}

/// (confidence, right) for each image.
fn reliability(c: &Combined, labels: &[u8]) -> Vec<(f64, bool)> {
    c.predictions()
        .iter()
        .zip(c.probs.chunks_exact(c.k))
        .zip(labels)
        .map(|((&p, row), &l)| (row[p] as f64, p == l as usize))
        .filter(|(conf, _)| conf.is_finite())
        .collect()
}

fn bins(points: &[(f64, bool)]) -> Vec<[f64; 3]> {
    let mut b = vec![[0.0; 3]; 10];
    for &(c, right) in points {
        let i = ((c * 10.0) as usize).min(9);
        b[i][0] += 1.0;
        b[i][1] += c;
        b[i][2] += right as u8 as f64;
    }
    for row in &mut b {
        if row[0] > 0.0 {
            row[1] /= row[0];
            row[2] /= row[0];
        }
    }
    b
}

/// One point per epoch that every model of at least one seed has reached (a model that stopped
/// early counts with the weights it kept). A run without `curves` scored its test and training
/// images only where each model ended: its one point, at the last epoch, takes its accuracies
/// from there and its cost from that epoch.
fn curve(run: &Run, groups: &[(u64, Vec<&ModelResult>)], approach: Approach) -> Vec<CurvePoint> {
    let k = run.data.num_classes();
    let test_labels = &run.data.test.labels;
    let epochs = groups
        .iter()
        .flat_map(|g| &g.1)
        .map(|m| m.epochs.len())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    let every_epoch = run.config.curves;
    for e in 0..epochs {
        if !every_epoch && e + 1 < epochs {
            continue;
        }
        let (mut acc, mut train_acc, mut val_acc, mut test_loss, mut train_loss, mut flops) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (seed, members) in groups {
            let at = |m: &ModelResult| m.record_at(e).cloned();
            let Some(records) = members.iter().map(|m| at(m)).collect::<Option<Vec<_>>>() else {
                continue;
            };
            let scored: Vec<&EpochRecord> = if every_epoch {
                records.iter().collect()
            } else {
                let ended = members.iter().map(|m| m.final_record());
                match ended.collect::<Option<Vec<_>>>() {
                    Some(r) if r.iter().all(|r| !r.test_scores.is_empty()) => r,
                    _ => continue,
                }
            };
            let pick = |f: fn(&EpochRecord) -> &Vec<f32>| {
                let refs: Vec<&[f32]> = scored.iter().map(|r| f(r).as_slice()).collect();
                super::combine::combine_scores(approach, members[0].plan.task, k, &refs)
            };
            let test = pick(|r| &r.test_scores);
            acc.push(accuracy(&test.predictions(), test_labels));
            test_loss.push(test.loss(test_labels));
            train_acc.push(accuracy(
                &pick(|r| &r.train_scores).predictions(),
                &run.train_eval_labels(*seed),
            ));
            let val_labels = run.validation_labels(*seed);
            if !val_labels.is_empty() {
                val_acc.push(accuracy(
                    &pick(|r| &r.val_scores).predictions(),
                    &val_labels,
                ));
            }
            train_loss.push(
                records.iter().map(|r| r.train_loss as f64).sum::<f64>() / records.len() as f64,
            );
            flops.push(records.iter().map(|r| r.flops as f64).sum::<f64>());
        }
        if acc.is_empty() {
            break;
        }
        let (mean, sd) = mean_sd(&acc);
        out.push(CurvePoint {
            epoch: e + 1,
            test_accuracy: mean,
            test_accuracy_std: sd,
            train_accuracy: mean_sd(&train_acc).0,
            val_accuracy: (!val_acc.is_empty()).then(|| mean_sd(&val_acc).0),
            test_loss: mean_sd(&test_loss).0,
            train_loss: mean_sd(&train_loss).0,
            flops: mean_sd(&flops).0,
        });
    }
    out
}

/// Collapsed binary models (constant output) and diverged models.
fn flags(groups: &[(u64, Vec<&ModelResult>)]) -> (Vec<ModelFlag>, Vec<ModelFlag>) {
    let (mut collapsed, mut diverged) = (Vec::new(), Vec::new());
    for m in groups.iter().flat_map(|g| &g.1) {
        let flag = |detail: String| ModelFlag {
            seed: m.plan.seed,
            member: m.plan.member,
            label: m.plan.label.clone(),
            detail,
        };
        if let ModelStatus::Diverged { epoch } = m.status {
            diverged.push(flag(format!("diverged at epoch {epoch} (loss not finite)")));
        } else if let (Task::Binary, Some(rec)) = (m.plan.task, m.final_record()) {
            if is_constant(&rec.test_scores) {
                let p = sigmoid(rec.test_scores[0]);
                collapsed.push(flag(format!("constant output: scores every image {p:.3}")));
            }
        }
    }
    (collapsed, diverged)
}

fn training(groups: &[(u64, Vec<&ModelResult>)]) -> Vec<ModelTraining> {
    groups
        .iter()
        .flat_map(|g| &g.1)
        .map(|m| {
            let run = m.epochs.len();
            let best = m.final_record().map_or(0, |r| r.epoch);
            let has_val = m.epochs.iter().any(|r| r.val_accuracy.is_some());
            ModelTraining {
                seed: m.plan.seed,
                member: m.plan.member,
                label: m.plan.label.clone(),
                epochs_run: run,
                max_epochs: m.plan.max_epochs,
                best_epoch: best,
                stop: m.stop,
                // A patience stop means validation had stopped improving, even on the last epoch.
                still_improving: has_val
                    .then(|| m.stop == Some(Stop::MaxEpochs) && still_improving(m)),
            }
        })
        .collect()
}

/// Validation loss at the last epoch is the lowest so far (ties count as not improving).
fn still_improving(m: &ModelResult) -> bool {
    let v: Vec<f64> = m.epochs.iter().filter_map(|r| r.val_loss).collect();
    match v.split_last() {
        Some((last, before)) => before.iter().all(|b| last < b),
        None => false,
    }
}

fn member_curves(run: &Run, first: &[&ModelResult], approach: Approach) -> Vec<MemberCurve> {
    if !approach.per_class() {
        return Vec::new();
    }
    let labels = &run.data.test.labels;
    first
        .iter()
        .map(|m| {
            // Without `curves`, only the record each model ends with holds test scores.
            let scored: Vec<_> = m
                .epochs
                .iter()
                .filter(|r| !r.test_scores.is_empty())
                .collect();
            let scores: Vec<_> = scored
                .iter()
                .map(|r| binary_scores(&r.test_scores, labels, m.plan.member))
                .collect();
            MemberCurve {
                member: m.plan.member,
                name: run.data.class_names[m.plan.member].clone(),
                epochs: scored.iter().map(|r| r.epoch).collect(),
                binary_accuracy: scores.iter().map(|b| b.accuracy).collect(),
                positive_recall: scores.iter().map(|b| b.recall).collect(),
                false_positive_rate: scores.iter().map(|b| b.false_positive_rate).collect(),
            }
        })
        .collect()
}
