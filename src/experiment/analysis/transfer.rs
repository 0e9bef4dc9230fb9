//! The transfer probe: a linear classifier for all K classes on each model's frozen penultimate
//! features (fit on the first 1,000 fitting images of the training split, scored on the first 1,000 test images).
//! If a per-class network's features were specific to its class, they would serve the other
//! classes worse than the shared network's features do; a random (initial) network's features
//! are the baseline.

use super::features::{images, layer_features};
use super::looks::{Looks, PROBE_TRAIN};
use super::probe::fit_and_predict;
use crate::error::Result;
use crate::experiment::config::Approach;
use crate::experiment::run::ModelResult;
use crate::experiment::session::Run;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeScore {
    pub approach: String,
    pub label: String,
    pub member: usize,
    /// Test accuracy of the probe over all K classes.
    pub accuracy: f64,
    /// For a per-class model: the probe's accuracy on its own class's images, and on the others'.
    pub own_class: Option<f64>,
    pub other_classes: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub method: String,
    pub seed: u64,
    pub train_images: usize,
    pub test_images: usize,
    pub models: Vec<ProbeScore>,
    /// The shared network at initialisation: what random features give.
    pub init: Option<ProbeScore>,
    pub shared: Option<f64>,
    /// Mean over the one-vs-rest models: all classes, and the classes other than each model's own.
    pub members_mean: Option<f64>,
    pub members_other_mean: Option<f64>,
}

/// The probe's training images: the first fitting images of the analysed seed's split.
pub struct ProbeTrain {
    idx: Vec<usize>,
    x: Vec<f32>,
}

impl ProbeTrain {
    pub fn new(run: &Run) -> Self {
        let split = run.split(run.config.seed);
        let idx = split.train_eval()[..split.train_eval().len().min(PROBE_TRAIN)].to_vec();
        let x = images(&run.data, &run.data.train, &idx);
        ProbeTrain { idx, x }
    }
}

/// Model `m`'s probe score, from the cache or fitted now (and kept).
pub fn score(
    run: &Run,
    looks: &Looks,
    m: &ModelResult,
    init: bool,
    train: &ProbeTrain,
) -> Result<ProbeScore> {
    let key = (m.plan.index, init);
    if let Some(s) = looks.cache.borrow().probes.get(&key) {
        return Ok(s.clone());
    }
    let s = fit(run, looks, m, init, &train.idx, &train.x)?;
    looks.cache.borrow_mut().probes.insert(key, s.clone());
    Ok(s)
}

/// Fits the probe on model `m`'s penultimate features and scores it on the probe's test images.
fn fit(
    run: &Run,
    looks: &Looks,
    m: &ModelResult,
    init: bool,
    train_idx: &[usize],
    x_train: &[f32],
) -> Result<ProbeScore> {
    let test = looks.probe_features(m, init)?;
    let mut net = if init {
        looks.pick.initial(m)?
    } else {
        looks.pick.trained(m)?
    };
    let pen = net.layer_plans().len().saturating_sub(2);
    let train = layer_features(&mut net, x_train, train_idx.len(), &[pen]).remove(0);
    let d = train.len() / train_idx.len().max(1);
    let labels: Vec<u8> = train_idx
        .iter()
        .map(|&i| run.data.train.labels[i])
        .collect();
    let pred = fit_and_predict(train, &labels, test, d, run.data.num_classes());
    let truth = &run.data.test.labels[..looks.n_probe];
    let acc_where = |keep: &dyn Fn(u8) -> bool| {
        let (mut right, mut n) = (0usize, 0usize);
        for (&p, &l) in pred.iter().zip(truth) {
            if keep(l) {
                n += 1;
                right += (p == l as usize) as usize;
            }
        }
        right as f64 / n.max(1) as f64
    };
    let own = m.plan.approach.per_class().then_some(m.plan.member as u8);
    Ok(ProbeScore {
        approach: m.plan.approach.id().into(),
        label: m.plan.label.clone(),
        member: m.plan.member,
        accuracy: acc_where(&|_| true),
        own_class: own.map(|c| acc_where(&|l| l == c)),
        other_classes: own.map(|c| acc_where(&|l| l != c)),
    })
}

/// Probing costs K× more with K classes: beyond this many, only the first classes' one-vs-rest
/// models are probed (the report says how many).
pub const MAX_PROBED_MEMBERS: usize = 10;

pub fn compute(run: &Run, looks: &Looks) -> Result<Option<Transfer>> {
    let pick = looks.pick;
    let (seed, k) = (run.config.seed, run.data.num_classes());
    if run.config.arch == crate::experiment::config::Arch::Linear {
        return Ok(None); // the penultimate features are the pixels themselves
    }
    let mut models: Vec<&ModelResult> = Vec::new();
    for &a in &run.config.approaches {
        if a == Approach::PositiveOnly {
            continue;
        }
        let members = if a == Approach::Ovr {
            k.min(MAX_PROBED_MEMBERS)
        } else {
            1
        };
        models.extend((0..members).filter_map(|m| pick.model(a, seed, m)));
    }
    if models.is_empty() || run.config.probe_size == 0 {
        return Ok(None);
    }
    let train = ProbeTrain::new(run);
    let mut scores = Vec::new();
    for m in &models {
        scores.push(score(run, looks, m, false, &train)?);
    }
    let init = match models.iter().find(|m| m.plan.approach == Approach::Shared) {
        Some(m) => Some(score(run, looks, m, true, &train)?),
        None => None,
    };
    let members: Vec<&ProbeScore> = scores.iter().filter(|s| s.approach == "ovr").collect();
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    Ok(Some(Transfer {
        method: "multinomial logistic regression on the frozen penultimate features (standardised; SGD with momentum, 20 epochs), the same recipe for every model".into(),
        seed,
        train_images: train.idx.len(),
        test_images: looks.n_probe,
        shared: scores.iter().find(|s| s.approach == "shared").map(|s| s.accuracy),
        members_mean: mean(members.iter().map(|s| s.accuracy).collect()),
        members_other_mean: mean(members.iter().filter_map(|s| s.other_classes).collect()),
        init: init.map(|mut s| {
            s.label = "shared at initialisation".into();
            s
        }),
        models: scores,
    }))
}
