//! Representation similarity at every compared layer (linear CKA on the first `probe_size` test
//! images): the shared model against each one-vs-rest model, the one-vs-rest models with each
//! other, and other single models against the shared one; each beside two baselines: the same
//! pairs at initialisation, and two shared models that differ only in their seed (the noise
//! floor; with several seeds also each one-vs-rest model against its next-seed twin).

use super::cka::{cka, cka_normed, self_dot};
use super::features::representation_layers;
use super::looks::Looks;
use crate::error::Result;
use crate::experiment::config::Approach;
use crate::experiment::run::ModelResult;
use crate::experiment::session::Run;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtherCka {
    pub approach: String,
    pub label: String,
    pub trained: f64,
    pub init: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerCka {
    pub name: String,
    /// Features per image at this layer (of the shared model).
    pub features: usize,
    /// The shared model against each one-vs-rest model (by class), trained and at init.
    pub shared_vs_members: Vec<f64>,
    pub shared_vs_members_init: Vec<f64>,
    pub shared_vs_members_mean: Option<f64>,
    pub shared_vs_members_mean_init: Option<f64>,
    /// One-vs-rest models with each other (K × K, 1 on the diagonal), trained and at init.
    pub member_pairs: Vec<Vec<f64>>,
    pub member_pairs_init: Vec<Vec<f64>>,
    pub member_pairs_mean: Option<f64>,
    pub member_pairs_mean_init: Option<f64>,
    /// Two shared models that differ only in their seed: how alike "the same" looks.
    pub shared_floor: Option<f64>,
    /// Each one-vs-rest model against the same class's model of the next seed, mean over classes.
    pub member_floor: Option<f64>,
    /// Other single models against the shared one.
    pub others: Vec<OtherCka>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Representations {
    pub measure: String,
    pub probe_images: usize,
    pub seed: u64,
    pub member_names: Vec<String>,
    pub layers: Vec<LayerCka>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Pairs of the members (CKA matrix) and the mean off the diagonal. CKA is symmetric to the
/// bit, so the upper triangle is computed and mirrored.
fn pairs(grams: &[Vec<f32>]) -> (Vec<Vec<f64>>, Option<f64>) {
    let norms: Vec<f64> = grams.iter().map(|g| self_dot(g)).collect();
    let k = grams.len();
    let mut m = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in i..k {
            m[i][j] = cka_normed(&grams[i], &grams[j], norms[i], norms[j]);
            m[j][i] = m[i][j];
        }
    }
    let off: Vec<f64> = (0..m.len())
        .flat_map(|i| (0..m.len()).filter(move |&j| j > i).map(move |j| (i, j)))
        .map(|(i, j)| m[i][j])
        .collect();
    (m, mean(&off))
}

/// CKA is computed for the one-vs-rest models of the first this-many classes at most (its cost
/// grows with the square of the count); the report's `member_names` says which.
pub const MAX_ANALYSED_MEMBERS: usize = 10;

pub fn compute(run: &Run, looks: &Looks) -> Result<Option<Representations>> {
    let cfg = &run.config;
    let pick = looks.pick;
    let (seed, k) = (cfg.seed, run.data.num_classes().min(MAX_ANALYSED_MEMBERS));
    let shared = pick.model(Approach::Shared, seed, 0);
    let members: Vec<&ModelResult> = if cfg.approaches.contains(&Approach::Ovr) {
        (0..k)
            .map(|m| pick.model(Approach::Ovr, seed, m))
            .collect::<Option<_>>()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let Some(reference) = shared.or(members.first().copied()) else {
        return Ok(None);
    };
    let layers = representation_layers(&reference.plan.spec);
    if looks.n_cka < 2 || layers.is_empty() || (shared.is_none() && members.len() < 2) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for (position, (_, name)) in layers.iter().enumerate() {
        out.push(layer(run, looks, shared, &members, position, name)?);
    }
    Ok(Some(Representations {
        measure: format!(
            "linear CKA (Kornblith et al. 2019) of each layer's outputs on the first {} test images",
            looks.n_cka
        ),
        probe_images: looks.n_cka,
        seed,
        member_names: members.iter().map(|m| run.data.class_names[m.plan.member].clone()).collect(),
        layers: out,
    }))
}

fn layer(
    run: &Run,
    looks: &Looks,
    shared: Option<&ModelResult>,
    members: &[&ModelResult],
    position: usize,
    name: &str,
) -> Result<LayerCka> {
    let pick = looks.pick;
    let g = |m: &ModelResult, init: bool| -> Result<Vec<f32>> {
        Ok(looks
            .grams(m, init)?
            .get(position)
            .cloned()
            .unwrap_or_default())
    };
    let trained: Vec<Vec<f32>> = members.iter().map(|m| g(m, false)).collect::<Result<_>>()?;
    let init: Vec<Vec<f32>> = members.iter().map(|m| g(m, true)).collect::<Result<_>>()?;
    let (member_pairs, member_pairs_mean) = pairs(&trained);
    let (member_pairs_init, member_pairs_mean_init) = pairs(&init);
    let mut l = LayerCka {
        name: name.to_string(),
        features: 0,
        shared_vs_members: Vec::new(),
        shared_vs_members_init: Vec::new(),
        shared_vs_members_mean: None,
        shared_vs_members_mean_init: None,
        member_pairs,
        member_pairs_init,
        member_pairs_mean,
        member_pairs_mean_init,
        shared_floor: None,
        member_floor: None,
        others: Vec::new(),
    };
    if let Some(s) = shared {
        let plans = s.plan.spec.plan()?;
        l.features = representation_layers(&s.plan.spec)
            .get(position)
            .map_or(0, |(i, _)| plans[*i].output.len());
        let (ks, ks0) = (g(s, false)?, g(s, true)?);
        l.shared_vs_members = trained.iter().map(|t| cka(&ks, t)).collect();
        l.shared_vs_members_init = init.iter().map(|t| cka(&ks0, t)).collect();
        l.shared_vs_members_mean = mean(&l.shared_vs_members);
        l.shared_vs_members_mean_init = mean(&l.shared_vs_members_init);
        if let Some(f) = pick.floor() {
            l.shared_floor = Some(cka(&ks, &g(f, false)?));
        }
        for &a in &run.config.approaches {
            if matches!(a, Approach::Shared | Approach::Ovr | Approach::PositiveOnly) {
                continue;
            }
            let Some(m) = pick.model(a, run.config.seed, 0) else {
                continue;
            };
            l.others.push(OtherCka {
                approach: a.id().into(),
                label: m.plan.label.clone(),
                trained: cka(&ks, &g(m, false)?),
                init: cka(&ks0, &g(m, true)?),
            });
        }
    }
    let next = run.config.seed + 1;
    let twins: Vec<f64> = members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            pick.model(Approach::Ovr, next, m.plan.member)
                .map(|t| (i, t))
        })
        .map(|(i, t)| Ok(cka(&trained[i], &g(t, false)?)))
        .collect::<Result<_>>()?;
    l.member_floor = mean(&twins);
    Ok(l)
}
