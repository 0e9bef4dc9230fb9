//! The results document: one schema, written by the CLI and drawn by the page, built here from
//! the models' raw results. Documented in `docs/results.md`.

pub mod approach;
pub mod between;
pub mod combine;
pub mod compare;
pub mod findings;
pub mod similarity;
pub mod tuning;

pub use approach::{ApproachReport, CurvePoint};
pub use compare::Comparison;
pub use similarity::SimilarityReport;

use super::analysis::{Ood, Representations, Transfer};
use super::config::Approach;
use super::run::ModelResult;
use super::session::Run;
use crate::data::Dataset;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REPORT_VERSION: u32 = 2;

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
    /// Training images held out for validation (per seed; 0 without).
    #[serde(default)]
    pub validation_count: usize,
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
            validation_count: 0,
            notes: d.notes.clone(),
            source: d.source.clone(),
            license: d.license.clone(),
        }
    }
}

/// One approach as the shells name it (the schema carries the same list).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproachInfo {
    pub id: String,
    pub label: String,
    pub description: String,
}

impl ApproachInfo {
    pub fn of(a: Approach) -> Self {
        ApproachInfo {
            id: a.id().into(),
            label: a.label().into(),
            description: a.description().into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub config: super::Config,
    pub dataset: DatasetInfo,
    /// The run's approaches in the order of the configuration, with their names.
    pub approach_order: Vec<ApproachInfo>,
    pub approaches: BTreeMap<String, ApproachReport>,
    /// Each approach against the baseline, by the rule of `stats` (docs/results.md).
    pub comparisons: Vec<Comparison>,
    pub similarity: Option<SimilarityReport>,
    /// Layer-by-layer similarity of the models' representations (after every model finished).
    pub representations: Option<Representations>,
    /// Linear probes on each model's frozen penultimate features (after every model finished).
    pub transfer: Option<Transfer>,
    /// Scores on another dataset's images (with `ood_dataset`, after every model finished).
    pub ood: Option<Ood>,
    /// What the numbers show, as sentences, keyed by the view that shows them.
    pub findings: BTreeMap<String, Vec<String>>,
    pub notes: Vec<String>,
    /// Every model has finished.
    pub complete: bool,
    /// Wall seconds every model of the run spent training, summed: every seed, every rate of a
    /// grid and the noise-floor model, which the approaches' own `train_seconds` leave out. What
    /// the run cost the engine (`make bench` sets the page's time against it).
    #[serde(default)]
    pub train_seconds: f64,
}

/// The analyses that need every model's final weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analyses {
    pub representations: Option<Representations>,
    pub transfer: Option<Transfer>,
    pub ood: Option<Ood>,
}

/// Builds the report from every model's result so far. Missing models (a run in progress, or
/// stopped) leave their approach marked incomplete.
pub fn assemble(run: &Run, results: &[ModelResult], analyses: &Analyses) -> Report {
    let cfg = &run.config;
    let mut rates = BTreeMap::new();
    let mut approaches = BTreeMap::new();
    for &a in &cfg.approaches {
        let (lr, tuning) = tuning::choose(run, results, a);
        rates.insert(a, lr);
        if let Some(r) = approach::build(run, results, a, lr, tuning) {
            approaches.insert(a.id().to_string(), r);
        }
    }
    let comparisons = compare::compare(run, results, &rates, &approaches);
    let first_seed = cfg.seed;
    let similarity = similarity::similarity(results, first_seed, |m| {
        rates.get(&m.plan.approach) == Some(&m.plan.lr)
    });
    let mut dataset = DatasetInfo::of(&run.data);
    dataset.validation_count = run.split(first_seed).validation.len();
    let mut report = Report {
        version: REPORT_VERSION,
        config: cfg.clone(),
        dataset,
        approach_order: cfg
            .approaches
            .iter()
            .map(|&a| ApproachInfo::of(a))
            .collect(),
        complete: run.plans.len()
            == results
                .iter()
                .filter(|r| r.status != super::run::ModelStatus::Training)
                .count(),
        approaches,
        comparisons,
        similarity,
        representations: analyses.representations.clone(),
        transfer: analyses.transfer.clone(),
        ood: analyses.ood.clone(),
        findings: BTreeMap::new(),
        notes: notes(run),
        train_seconds: results.iter().map(|r| r.train_seconds).sum(),
    };
    report.findings = findings::findings(&report);
    report
}

fn notes(run: &Run) -> Vec<String> {
    let cfg = &run.config;
    let mut notes = Vec::new();
    if cfg.seeds == 1 {
        notes.push(format!(
            "One seed ({}): a single run, not an average; comparisons cover the test set's noise only.",
            cfg.seed
        ));
    }
    if cfg.approaches.len() > 1 && cfg.baseline().is_none() {
        notes.push(format!(
            "No comparisons: the baseline ({}) is not among the approaches.",
            cfg.baseline.id()
        ));
    }
    if !cfg.lr_grid.is_empty() {
        notes.push(format!(
            "Each approach was trained at every learning rate of the grid ({}) and is reported at the rate with the best validation accuracy; the test set played no part in the choice.",
            cfg.lr_grid.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    notes
}
