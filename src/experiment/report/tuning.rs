//! Choosing each approach's learning rate the same way for all: every rate of the grid is
//! trained, and the approach keeps the one whose combined answer has the best validation accuracy,
//! averaged over seeds. The test set plays no part.

use super::approach::seed_groups;
use super::combine::combine;
use crate::experiment::config::Approach;
use crate::experiment::metrics::accuracy;
use crate::experiment::run::ModelResult;
use crate::experiment::session::Run;
use crate::experiment::stats::mean_sd;
use serde::{Deserialize, Serialize};

/// One rate's validation score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateScore {
    pub lr: f32,
    /// Mean over the seeds whose models have all reported; null before any has.
    pub val_accuracy: Option<f64>,
    pub seed_val_accuracies: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    pub rates: Vec<RateScore>,
    pub chosen: f32,
    pub rule: String,
}

/// The validation accuracy of each seed's combined answer with the weights its models end with.
fn validation_scores(run: &Run, results: &[ModelResult], approach: Approach, lr: f32) -> Vec<f64> {
    let k = run.data.num_classes();
    seed_groups(run, results, approach, lr)
        .iter()
        .filter_map(|(seed, members)| {
            let labels = run.validation_labels(*seed);
            let c = combine(approach, k, members, |m| {
                m.final_record().map(|r| r.val_scores.as_slice())
            })?;
            (!labels.is_empty()).then(|| accuracy(&c.predictions(), &labels))
        })
        .collect()
}

/// The rate an approach is reported at, and how it was chosen (None without a grid).
pub fn choose(run: &Run, results: &[ModelResult], approach: Approach) -> (f32, Option<Tuning>) {
    if run.config.lr_grid.is_empty() {
        return (run.config.lr, None);
    }
    let rates: Vec<RateScore> = run
        .config
        .lr_grid
        .iter()
        .map(|&lr| {
            let seeds = validation_scores(run, results, approach, lr);
            RateScore {
                lr,
                val_accuracy: (!seeds.is_empty()).then(|| mean_sd(&seeds).0),
                seed_val_accuracies: seeds,
            }
        })
        .collect();
    // The first of the best (the grid's order breaks ties).
    let chosen = rates
        .iter()
        .filter_map(|r| r.val_accuracy.map(|v| (r.lr, v)))
        .fold(None::<(f32, f64)>, |best, (lr, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((lr, v)),
        })
        .map_or(run.config.lr_grid[0], |(lr, _)| lr);
    (
        chosen,
        Some(Tuning {
            rates,
            chosen,
            rule: "the rate whose combined answer has the best validation accuracy, averaged over seeds".into(),
        }),
    )
}
