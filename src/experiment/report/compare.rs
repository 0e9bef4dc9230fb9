//! Each approach against the baseline, overall and per class, by the one rule of `stats`.

use super::approach::{final_test, seed_groups, ApproachReport};
use crate::experiment::config::Approach;
use crate::experiment::metrics::hits;
use crate::experiment::run::ModelResult;
use crate::experiment::session::Run;
use crate::experiment::stats::{paired, Difference};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassComparison {
    pub class: usize,
    pub name: String,
    #[serde(flatten)]
    pub difference: Difference,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub approach: String,
    pub baseline: String,
    /// Test accuracy of the approach minus the baseline's, paired by seed.
    #[serde(flatten)]
    pub overall: Difference,
    /// The verdict in one sentence: what the page, the article and the CLI print.
    pub text: String,
    /// The same rule on each class's recall.
    pub per_class: Vec<ClassComparison>,
    /// The approach's cost over the baseline's: parameters, inference FLOPs per image, training FLOPs.
    pub params_ratio: f64,
    pub flops_per_image_ratio: f64,
    pub train_flops_ratio: f64,
}

/// Per seed that both approaches completed: which test images each got right.
fn paired_hits(
    run: &Run,
    results: &[ModelResult],
    a: (Approach, f32),
    b: (Approach, f32),
) -> Vec<(Vec<bool>, Vec<bool>)> {
    let k = run.data.num_classes();
    let labels = &run.data.test.labels;
    let ga = seed_groups(run, results, a.0, a.1);
    let gb = seed_groups(run, results, b.0, b.1);
    let outcome = |approach, members: &[&ModelResult]| {
        final_test(approach, k, members).map(|c| hits(&c.predictions(), labels))
    };
    ga.iter()
        .filter_map(|(seed, ma)| {
            let mb = &gb.iter().find(|(s, _)| s == seed)?.1;
            Some((outcome(a.0, ma)?, outcome(b.0, mb)?))
        })
        .collect()
}

/// The rule on the outcomes of the images `keep` accepts.
fn difference(pairs: &[(Vec<bool>, Vec<bool>)], keep: impl Fn(usize) -> bool) -> Difference {
    let only = |h: &[bool]| {
        h.iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, &v)| v)
            .collect::<Vec<_>>()
    };
    let a: Vec<Vec<bool>> = pairs.iter().map(|p| only(&p.0)).collect();
    let b: Vec<Vec<bool>> = pairs.iter().map(|p| only(&p.1)).collect();
    paired(&a, &b)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Every approach of the run against the baseline (when both have a complete seed).
pub fn compare(
    run: &Run,
    results: &[ModelResult],
    rates: &BTreeMap<Approach, f32>,
    reports: &BTreeMap<String, ApproachReport>,
) -> Vec<Comparison> {
    let Some(base) = run.config.baseline() else {
        return Vec::new();
    };
    let labels = &run.data.test.labels;
    let mut out = Vec::new();
    for &a in run.config.approaches.iter().filter(|&&a| a != base) {
        let pairs = paired_hits(run, results, (a, rates[&a]), (base, rates[&base]));
        let (Some(ra), Some(rb)) = (reports.get(a.id()), reports.get(base.id())) else {
            continue;
        };
        if pairs.is_empty() {
            continue;
        }
        let overall = difference(&pairs, |_| true);
        let per_class = run
            .data
            .class_names
            .iter()
            .enumerate()
            .map(|(c, name)| ClassComparison {
                class: c,
                name: name.clone(),
                difference: difference(&pairs, |i| labels[i] as usize == c),
            })
            .collect();
        out.push(Comparison {
            approach: a.id().into(),
            baseline: base.id().into(),
            text: overall.sentence(a.label(), base.label()),
            overall,
            per_class,
            params_ratio: ratio(ra.params as f64, rb.params as f64),
            flops_per_image_ratio: ratio(ra.flops_per_image as f64, rb.flops_per_image as f64),
            train_flops_ratio: ratio(ra.train_flops, rb.train_flops),
        });
    }
    out
}
