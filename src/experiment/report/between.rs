//! Two finished runs side by side (the page's Runs panel, "Compare"): the settings on which they
//! differ, each approach's accuracy in both, and each comparison's verdict in both, so that a
//! reader who changed one setting sees whether the answer changed with it. The page only draws it.

use super::compare::Comparison;
use crate::experiment::config::{self, Config};
use crate::experiment::stats::{signed_points, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What is read of a results document: older or partial documents lack parts and still compare.
#[derive(Debug, Deserialize)]
pub struct RunSummary {
    pub config: Config,
    #[serde(default)]
    pub approach_order: Vec<Named>,
    #[serde(default)]
    pub approaches: BTreeMap<String, Accuracy>,
    #[serde(default)]
    pub comparisons: Vec<Comparison>,
}

#[derive(Debug, Deserialize)]
pub struct Named {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Deserialize)]
pub struct Accuracy {
    pub test_accuracy: Option<f64>,
}

/// One comparison's outcome in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub verdict: Verdict,
    pub difference: f64,
    pub interval: [f64; 2],
    pub seeds: usize,
    pub text: String,
}

/// An approach against its baseline, in run A and run B (`None`: that run does not compare them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerdictPair {
    pub approach: String,
    pub baseline: String,
    pub label: String,
    pub a: Option<Side>,
    pub b: Option<Side>,
    /// Both runs compare them and reach the same verdict.
    pub same: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApproachPair {
    pub id: String,
    pub label: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Between {
    pub differences: Vec<config::Difference>,
    pub approaches: Vec<ApproachPair>,
    pub verdicts: Vec<VerdictPair>,
    /// The comparison in one sentence, as the page prints it.
    pub text: String,
}

fn side(c: &Comparison) -> Side {
    Side {
        verdict: c.overall.verdict,
        difference: c.overall.difference,
        interval: c.overall.interval,
        seeds: c.overall.seeds,
        text: c.text.clone(),
    }
}

/// The approaches of both runs, A's order first, then those only B has.
fn approaches(a: &RunSummary, b: &RunSummary) -> Vec<ApproachPair> {
    let mut out: Vec<ApproachPair> = Vec::new();
    for n in a.approach_order.iter().chain(&b.approach_order) {
        if out.iter().any(|p| p.id == n.id) {
            continue;
        }
        let acc = |r: &RunSummary| r.approaches.get(&n.id).and_then(|x| x.test_accuracy);
        out.push(ApproachPair {
            id: n.id.clone(),
            label: n.label.clone(),
            a: acc(a),
            b: acc(b),
        });
    }
    out
}

fn verdicts(a: &RunSummary, b: &RunSummary, labels: &[ApproachPair]) -> Vec<VerdictPair> {
    let label = |id: &str| {
        labels
            .iter()
            .find(|p| p.id == id)
            .map_or(id.to_string(), |p| p.label.clone())
    };
    let mut out: Vec<VerdictPair> = Vec::new();
    for c in a.comparisons.iter().chain(&b.comparisons) {
        if out
            .iter()
            .any(|p| p.approach == c.approach && p.baseline == c.baseline)
        {
            continue;
        }
        let find = |r: &RunSummary| {
            r.comparisons
                .iter()
                .find(|x| x.approach == c.approach && x.baseline == c.baseline)
                .map(side)
        };
        let (sa, sb) = (find(a), find(b));
        let same = match (&sa, &sb) {
            (Some(x), Some(y)) => Some(x.verdict == y.verdict),
            _ => None,
        };
        out.push(VerdictPair {
            label: format!("{} vs {}", label(&c.approach), label(&c.baseline)),
            approach: c.approach.clone(),
            baseline: c.baseline.clone(),
            a: sa,
            b: sb,
            same,
        });
    }
    out
}

fn sentence(differences: &[config::Difference], verdicts: &[VerdictPair]) -> String {
    let settings = if differences.is_empty() {
        "The two runs have the same settings".to_string()
    } else {
        let list: Vec<String> = differences
            .iter()
            .map(|d| {
                format!(
                    "{} ({} in A, {} in B)",
                    d.label,
                    or_all(&d.value),
                    or_all(&d.other)
                )
            })
            .collect();
        format!("The runs differ in {}", list.join(", "))
    };
    let both: Vec<&VerdictPair> = verdicts.iter().filter(|v| v.same.is_some()).collect();
    if both.is_empty() {
        return format!("{settings}; they share no comparison.");
    }
    let changed: Vec<String> = both
        .iter()
        .filter(|v| v.same == Some(false))
        .filter_map(|v| {
            let (a, b) = (v.a.as_ref()?, v.b.as_ref()?);
            Some(format!(
                "{}: {} ({} points) in A, {} ({} points) in B",
                v.label,
                a.verdict.words(),
                signed_points(a.difference),
                b.verdict.words(),
                signed_points(b.difference)
            ))
        })
        .collect();
    if changed.is_empty() {
        format!(
            "{settings}; every verdict they share is the same in both ({} of {}).",
            both.len(),
            both.len()
        )
    } else {
        format!(
            "{settings}; {} of {} shared verdicts changed: {}.",
            changed.len(),
            both.len(),
            changed.join("; ")
        )
    }
}

fn or_all(v: &str) -> &str {
    if v.is_empty() {
        "(all)"
    } else {
        v
    }
}

/// Run A against run B.
pub fn between(a: &RunSummary, b: &RunSummary) -> Between {
    let differences = a.config.differences(&b.config);
    let approaches = approaches(a, b);
    let verdicts = verdicts(a, b, &approaches);
    let text = sentence(&differences, &verdicts);
    Between {
        differences,
        approaches,
        verdicts,
        text,
    }
}
