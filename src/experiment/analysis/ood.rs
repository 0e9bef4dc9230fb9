//! Images from elsewhere: every final model scores the test images of another dataset of the same
//! image size (at most `MAX_OOD_IMAGES`). Reported per approach: how well the top probability
//! tells the run's own test images (higher expected) from the others (AUROC), the same on the raw
//! top sigmoid for the per-class approaches, and how often every per-class score stays below 0.5
//! ("none of these") on each set. Padhy et al. (2020) found one-vs-all heads better at this.

use super::features::Picker;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::experiment::metrics::{auroc, row_max};
use crate::experiment::report::approach::seed_groups;
use crate::experiment::report::combine::{combine, combine_scores, Combined};
use crate::experiment::run::{score_images, ModelResult};
use crate::experiment::session::Run;
use crate::experiment::stats::mean_sd;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_OOD_IMAGES: usize = 2000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OodScores {
    /// AUROC of the top class probability, mean over seeds, its sd, and each seed's.
    pub auroc: f64,
    pub auroc_std: f64,
    pub seed_aurocs: Vec<f64>,
    /// Per-class approaches: the same on the top raw sigmoid.
    pub raw_auroc: Option<f64>,
    /// Per-class approaches: share of images where every class's sigmoid is below 0.5, on the
    /// other dataset and on the run's own test images.
    pub none_rate_ood: Option<f64>,
    pub none_rate_in: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ood {
    pub dataset: String,
    pub images: usize,
    pub approaches: BTreeMap<String, OodScores>,
}

fn none_rate(raw: &[f32], k: usize) -> f64 {
    let rows = raw.len() / k;
    raw.chunks_exact(k)
        .filter(|r| r.iter().all(|&p| p < 0.5))
        .count() as f64
        / rows.max(1) as f64
}

/// One seed's models scoring the other dataset's images.
fn answer_elsewhere(
    pick: &Picker,
    members: &[&ModelResult],
    x: &Dataset,
    n: usize,
    k: usize,
) -> Result<Combined> {
    let mut scores = Vec::new();
    for m in members {
        let mut net = pick.trained(m)?;
        scores.push(score_images(
            &mut net,
            x,
            &x.test,
            Some(&(0..n).collect::<Vec<_>>()),
        ));
    }
    let refs: Vec<&[f32]> = scores.iter().map(Vec::as_slice).collect();
    Ok(combine_scores(
        members[0].plan.approach,
        members[0].plan.task,
        k,
        &refs,
    ))
}

/// Refuses another dataset whose images are not the size of the run's `d`.
pub fn check_size(d: &Dataset, other: &Dataset) -> Result<()> {
    if (other.width, other.height, other.channels) != (d.width, d.height, d.channels) {
        return Err(Error::setting(
            "ood_dataset",
            format!(
                "{} has {}×{}×{} images, the run's dataset {}×{}×{}",
                other.name,
                other.height,
                other.width,
                other.channels,
                d.height,
                d.width,
                d.channels
            ),
        ));
    }
    Ok(())
}

pub fn compute(run: &Run, pick: &Picker, other: &Dataset) -> Result<Ood> {
    let d = &run.data;
    check_size(d, other)?;
    let (k, n) = (d.num_classes(), other.test.count().min(MAX_OOD_IMAGES));
    let mut out = BTreeMap::new();
    for &a in &run.config.approaches {
        let Some(lr) = pick.rate(a) else { continue };
        let (mut aurocs, mut raw, mut none_out, mut none_in) = (vec![], vec![], vec![], vec![]);
        for (_, members) in seed_groups(run, pick.results(), a, lr) {
            if members.iter().any(|m| m.weights.is_empty()) {
                continue;
            }
            let inside = combine(a, k, &members, |m| {
                m.final_record().map(|r| r.test_scores.as_slice())
            });
            let Some(inside) = inside else { continue };
            let outside = answer_elsewhere(pick, &members, other, n, k)?;
            aurocs.push(auroc(
                &row_max(&inside.probs, k),
                &row_max(&outside.probs, k),
            ));
            if let (Some(ri), Some(ro)) = (&inside.raw, &outside.raw) {
                raw.push(auroc(&row_max(ri, k), &row_max(ro, k)));
                none_out.push(none_rate(ro, k));
                none_in.push(none_rate(ri, k));
            }
        }
        if aurocs.is_empty() {
            continue;
        }
        let (m, sd) = mean_sd(&aurocs);
        let opt = |v: &Vec<f64>| (!v.is_empty()).then(|| mean_sd(v).0);
        out.insert(
            a.id().to_string(),
            OodScores {
                auroc: m,
                auroc_std: sd,
                seed_aurocs: aurocs.clone(),
                raw_auroc: opt(&raw),
                none_rate_ood: opt(&none_out),
                none_rate_in: opt(&none_in),
            },
        );
    }
    Ok(Ood {
        dataset: other.name.clone(),
        images: n,
        approaches: out,
    })
}
