//! Many classes: accuracy and cost of each approach as the number of classes K grows, read from
//! the results documents of each K, and the cost of K = 1000 one-vs-rest models extrapolated from
//! the measured per-model cost (and said to be an extrapolation). A K may have several documents:
//! runs with an imbalance remedy (`balance`) add their per-class approaches' cells under the
//! remedy's name (`ovr+weight`), each compared with its own run's baseline.

use super::approach::architecture;
use super::config::{Approach, Balance, Budget};
use super::report::Report;
use super::stats::Verdict;
use crate::error::{Error, Result};
use crate::nn::Shape;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepCell {
    pub approach: String,
    pub label: String,
    pub test_accuracy: f64,
    pub test_accuracy_std: f64,
    pub seeds: usize,
    pub models: usize,
    pub params: usize,
    pub flops_per_image: u64,
    pub train_flops: f64,
    /// Training wall time summed over the approach's models (one core), mean over seeds.
    pub train_seconds: f64,
    /// Models (over every seed) whose output stopped depending on the input, and models whose
    /// loss or weights became infinite.
    pub collapsed: usize,
    pub diverged: usize,
    /// Against the run's baseline, by the comparison rule (null for the baseline).
    pub difference: Option<f64>,
    pub interval: Option<[f64; 2]>,
    pub verdict: Option<Verdict>,
    pub text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub k: usize,
    pub classes: Vec<usize>,
    pub class_names: Vec<String>,
    pub train_per_class: usize,
    pub cells: Vec<SweepCell>,
}

/// What K models would cost, from the per-model numbers measured at the largest K of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extrapolation {
    pub k: usize,
    pub approach: String,
    /// Exact for the architecture (counted from its description).
    pub params: usize,
    pub flops_per_image: u64,
    /// Training FLOPs and one-core seconds for the same epochs and images per class, scaled from
    /// the measured seconds per training FLOP: an estimate.
    pub train_flops: f64,
    pub train_seconds: f64,
    pub basis: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub dataset: String,
    pub rows: Vec<SweepRow>,
    pub extrapolations: Vec<Extrapolation>,
}

/// The same accuracies from the same seeds (the wall time is measured, so it may differ).
fn same_results(a: &SweepCell, b: &SweepCell) -> bool {
    a.test_accuracy == b.test_accuracy
        && a.test_accuracy_std == b.test_accuracy_std
        && a.seeds == b.seeds
        && a.models == b.models
}

/// The id and label of approach `id`'s cell in `r`: plain, or with the run's imbalance remedy when
/// it changes the approach's models; None when the remedy leaves them as in the plain run (shared:
/// the same model, bit for bit, as without a remedy).
fn cell_name(r: &Report, id: &str, label: &str) -> Option<(String, String)> {
    let approach = Approach::from_id(id)?;
    let changed = match r.config.balance {
        Balance::None => return Some((id.into(), label.into())),
        Balance::Weight => !approach.softmax(),
        Balance::Batches => approach == Approach::Ovr,
    };
    let (suffix, words) = match r.config.balance {
        Balance::Weight => ("weight", "weighted loss"),
        _ => ("batches", "balanced batches"),
    };
    changed.then(|| (format!("{id}+{suffix}"), format!("{label}, {words}")))
}

fn cell(r: &Report, id: &str) -> Option<SweepCell> {
    let a = r.approaches.get(id)?;
    let (name, label) = cell_name(r, id, &a.label)?;
    let c = r.comparisons.iter().find(|c| c.approach == id);
    Some(SweepCell {
        approach: name,
        label,
        test_accuracy: a.test_accuracy,
        test_accuracy_std: a.test_accuracy_std,
        seeds: a.seed_accuracies.len(),
        models: a.models,
        params: a.params,
        flops_per_image: a.flops_per_image,
        train_flops: a.train_flops,
        train_seconds: a.train_seconds,
        collapsed: a.collapsed.len(),
        diverged: a.diverged.len(),
        difference: c.map(|c| c.overall.difference),
        interval: c.map(|c| c.overall.interval),
        verdict: c.map(|c| c.overall.verdict),
        text: c.map(|c| c.text.clone()),
    })
}

/// The row of one K from its documents (plain run first): each must be of the same classes and
/// images per class. A cell two documents give alike (the baseline of a control's own run: the same
/// seeds, the same model) is kept once; the same cell with other results is refused.
fn row(docs: &[&Report]) -> Result<SweepRow> {
    let first = docs[0];
    let k = first.dataset.class_names.len();
    let mut cells: Vec<SweepCell> = Vec::new();
    for r in docs {
        if r.dataset.class_names != first.dataset.class_names
            || r.config.train_per_class != first.config.train_per_class
        {
            return Err(Error::Input(format!(
                "the documents for K = {k} are not of the same classes and images per class"
            )));
        }
        for c in r.approach_order.iter().filter_map(|a| cell(r, &a.id)) {
            match cells.iter().find(|d| d.approach == c.approach) {
                None => cells.push(c),
                Some(d) if same_results(d, &c) => {}
                Some(_) => {
                    return Err(Error::Input(format!(
                        "two documents for K = {k} give {} with different results",
                        c.approach
                    )))
                }
            }
        }
    }
    Ok(SweepRow {
        k,
        classes: first.config.classes.clone(),
        class_names: first.dataset.class_names.clone(),
        train_per_class: first.config.train_per_class,
        cells,
    })
}

/// Each approach's cost at `k` classes, from its measured seconds per training FLOP at the
/// largest K of the sweep (`r`).
fn extrapolate(r: &Report, approach: Approach, k: usize) -> Result<Option<Extrapolation>> {
    let Some(a) = r.approaches.get(approach.id()) else {
        return Ok(None);
    };
    let cfg = &r.config;
    if cfg.budget != Budget::PerModel || a.train_flops <= 0.0 {
        return Ok(None);
    }
    let d = &r.dataset;
    let input = Shape::new(d.height, d.width, d.channels);
    let widths = super::approach::base_widths(cfg);
    let outputs = if approach.per_class() { 1 } else { k };
    let spec = architecture(cfg.arch, input, outputs, widths);
    let models = approach.models(k);
    let per_class = d.train_per_class.iter().sum::<usize>() / d.train_per_class.len().max(1);
    // The last point's epoch: a run scored only at the end (`curves` off) has that one point.
    let epochs_run = a.curve.last().map_or(1, |p| p.epoch).max(1);
    let samples_per_model = (per_class * k * epochs_run) as f64;
    let train_flops = models as f64 * samples_per_model * spec.flops_per_train_sample()? as f64;
    let seconds_per_flop = a.train_seconds / a.train_flops;
    Ok(Some(Extrapolation {
        k,
        approach: approach.id().into(),
        params: models * spec.param_count()?,
        flops_per_image: models as u64 * spec.flops_per_image()?,
        train_flops,
        train_seconds: train_flops * seconds_per_flop,
        basis: format!(
            "{} would train on {per_class} images per class of {k} for {epochs_run} epochs, at the {:.2} GFLOP/s one core measured for this approach at K = {} (an extrapolation, not a run)",
            if models == 1 { "one model".to_string() } else { format!("{models} models, each,") },
            1e-9 / seconds_per_flop,
            d.class_names.len()
        ),
    }))
}

/// The sweep from the results documents of each K (any order; sorted by K, a K's plain run before
/// its remedies' runs). The extrapolations are from the plain runs of the largest K.
pub fn sweep(reports: &[Report], extrapolate_to: usize) -> Result<Sweep> {
    let mut sorted: Vec<&Report> = reports.iter().collect();
    sorted.sort_by_key(|r| {
        (
            r.dataset.class_names.len(),
            r.config.balance != Balance::None,
        )
    });
    let last = *sorted
        .iter()
        .rev()
        .find(|r| r.config.balance == Balance::None)
        .ok_or_else(|| {
            Error::Input("a sweep needs at least one results document without a remedy".into())
        })?;
    if sorted
        .iter()
        .any(|r| r.config.dataset != last.config.dataset)
    {
        return Err(Error::Input(
            "every document of a sweep must be of the same dataset".into(),
        ));
    }
    let rows = sorted
        .chunk_by(|a, b| a.dataset.class_names.len() == b.dataset.class_names.len())
        .map(row)
        .collect::<Result<Vec<_>>>()?;
    // Each approach from the plain runs of the largest K (a control's run adds its own).
    let largest = last.dataset.class_names.len();
    let mut extrapolations: Vec<Extrapolation> = Vec::new();
    for r in sorted
        .iter()
        .filter(|r| r.config.balance == Balance::None && r.dataset.class_names.len() == largest)
    {
        for &a in &r.config.approaches {
            if extrapolations.iter().any(|e| e.approach == a.id()) {
                continue;
            }
            if let Some(e) = extrapolate(r, a, extrapolate_to)? {
                extrapolations.push(e);
            }
        }
    }
    Ok(Sweep {
        dataset: last.config.dataset.clone(),
        rows,
        extrapolations,
    })
}
