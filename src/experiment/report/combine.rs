//! How an approach answers: its models' scores combined into one set of class probabilities per
//! image. The report, the tuning, the comparisons and the draw panel all combine through here.
//!
//! - `shared`, `shared-wide`, `shared-long`: the softmax of the model's K logits;
//! - `shared-ensemble`: the mean of its K models' softmax outputs;
//! - `ovr`, `positive-only`: the K binary models' sigmoids side by side, scaled to sum to 1;
//! - `trunk`: its K sigmoid heads, scaled to sum to 1.
//!
//! The prediction is the most probable class (for the sigmoid approaches, the highest score, as
//! scaling does not change the order). The sigmoids before scaling are kept as the "raw"
//! probabilities of the per-class approaches, whose calibration is reported separately.

use crate::experiment::approach::{Role, Task};
use crate::experiment::config::Approach;
use crate::experiment::metrics::{
    binary_loss, normalise_rows, predictions, probability_loss, sigmoids, softmax_rows,
};
use crate::experiment::run::ModelResult;

/// One approach's answer on n images.
#[derive(Clone, Debug, PartialEq)]
pub struct Combined {
    pub k: usize,
    /// `n × k` class probabilities.
    pub probs: Vec<f32>,
    /// The per-class approaches' sigmoids before scaling (their "raw" probabilities).
    pub raw: Option<Vec<f32>>,
    /// The logits side by side, for the binary approaches' loss.
    pub logits: Option<Vec<f32>>,
}

impl Combined {
    pub fn predictions(&self) -> Vec<usize> {
        predictions(&self.probs, self.k)
    }

    /// The approach's own objective: cross-entropy of the probabilities for the softmax
    /// approaches, summed binary cross-entropy for the sigmoid ones.
    pub fn loss(&self, labels: &[u8]) -> f64 {
        match &self.logits {
            Some(z) => binary_loss(z, labels, self.k),
            None => probability_loss(&self.probs, labels, self.k),
        }
    }
}

/// Combines the scores `pick` takes from each member (`members` sorted by member, one per
/// member of the approach). `None` while a member has nothing to give.
pub fn combine<'a>(
    approach: Approach,
    k: usize,
    members: &[&'a ModelResult],
    pick: impl Fn(&'a ModelResult) -> Option<&'a [f32]>,
) -> Option<Combined> {
    if members.len() != approach.models(k) || members.is_empty() {
        return None;
    }
    let scores: Vec<&[f32]> = members.iter().map(|m| pick(m)).collect::<Option<_>>()?;
    Some(combine_scores(approach, members[0].plan.task, k, &scores))
}

/// The same from raw score slices: one per member, `n × outputs` each.
pub fn combine_scores(approach: Approach, task: Task, k: usize, scores: &[&[f32]]) -> Combined {
    match (approach, task) {
        (Approach::SharedEnsemble, _) => {
            let mut probs = softmax_rows(scores[0], k);
            for s in &scores[1..] {
                for (p, q) in probs.iter_mut().zip(softmax_rows(s, k)) {
                    *p += q;
                }
            }
            let m = scores.len() as f32;
            probs.iter_mut().for_each(|p| *p /= m);
            Combined {
                k,
                probs,
                raw: None,
                logits: None,
            }
        }
        (_, Task::Softmax) => Combined {
            k,
            probs: softmax_rows(scores[0], k),
            raw: None,
            logits: None,
        },
        (_, Task::MultiBinary) => sigmoid_answer(k, scores[0].to_vec()),
        (_, Task::Binary) => {
            let n = scores.iter().map(|s| s.len()).max().unwrap_or(0);
            let mut logits = vec![f32::NAN; n * k];
            for (j, col) in scores.iter().enumerate().take(k) {
                for (i, &z) in col.iter().enumerate() {
                    logits[i * k + j] = z;
                }
            }
            sigmoid_answer(k, logits)
        }
    }
}

fn sigmoid_answer(k: usize, logits: Vec<f32>) -> Combined {
    let raw = sigmoids(&logits);
    Combined {
        k,
        probs: normalise_rows(&raw, k),
        raw: Some(raw),
        logits: Some(logits),
    }
}

/// The compared models of one approach, seed and learning rate, sorted by member.
pub fn group(results: &[ModelResult], approach: Approach, seed: u64, lr: f32) -> Vec<&ModelResult> {
    let mut g: Vec<&ModelResult> = results
        .iter()
        .filter(|r| {
            r.plan.role == Role::Compared
                && r.plan.approach == approach
                && r.plan.seed == seed
                && r.plan.lr == lr
        })
        .collect();
    g.sort_by_key(|r| r.plan.member);
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_class_scores_are_side_by_side_and_ensembles_average_softmax() {
        let ovr = combine_scores(
            Approach::Ovr,
            Task::Binary,
            3,
            &[&[-3.0, 0.0], &[1.0, 0.0], &[4.0, 0.0]],
        );
        assert_eq!(ovr.predictions(), vec![2, 0]);
        assert_eq!(ovr.logits.as_ref().unwrap()[..3], [-3.0, 1.0, 4.0]);
        assert!((ovr.probs[..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((ovr.raw.as_ref().unwrap()[2] - 0.982_013_8).abs() < 1e-6);
        let ens = combine_scores(
            Approach::SharedEnsemble,
            Task::Softmax,
            2,
            &[&[0.0, 10.0], &[10.0, 0.0]],
        );
        assert!((ens.probs[0] - 0.5).abs() < 1e-6);
        let one = combine_scores(Approach::Shared, Task::Softmax, 2, &[&[0.0, 0.0]]);
        assert_eq!(one.probs, vec![0.5, 0.5]);
    }
}
