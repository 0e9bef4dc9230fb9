//! Analyses that need every model's final weights, made once a run has finished: how alike the
//! models' representations are at every layer (CKA), how well each model's features serve all
//! classes (a transfer probe), and how the models answer images from another dataset.

pub mod cka;
pub mod features;
pub mod looks;
pub mod ood;
pub mod probe;
pub mod representations;
pub mod taken;
pub mod transfer;

pub use looks::LookCache;
pub use ood::{Ood, OodScores};
pub use representations::Representations;
pub use taken::TakenLooks;
pub use transfer::Transfer;

use super::config::{Approach, Arch};
use super::report::Analyses;
use super::run::{ModelResult, ModelStatus};
use super::session::Run;
use crate::data::Dataset;
use crate::error::Result;
use features::Picker;
use looks::Looks;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Runs every analysis the configuration asks for. `rates` is each approach's reported rate;
/// `cache` holds the looks already made (`looks_at`) and keeps those made now.
pub fn analyse(
    run: &Run,
    results: &[ModelResult],
    rates: &BTreeMap<Approach, f32>,
    ood_data: Option<&Dataset>,
    cache: &RefCell<LookCache>,
) -> Result<Analyses> {
    let pick = Picker::new(run, results, rates);
    let looks = Looks::new(&pick, cache);
    // The transfer probe first: its forward passes also leave the Gram matrices CKA reads.
    let transfer = transfer::compute(run, &looks)?;
    Ok(Analyses {
        representations: representations::compute(run, &looks)?,
        transfer,
        ood: match ood_data {
            Some(d) => Some(ood::compute(run, &pick, d)?),
            None => None,
        },
    })
}

/// One look the analyses will take at a model: its transfer-probe score (which also leaves its
/// Gram matrices), or its Gram matrices alone; trained or at initialisation.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Need {
    Probe { init: bool },
    Grams { init: bool },
}

/// The looks the analyses will take at finished model `m`, in the order they take them (the same
/// rules as `transfer::compute` and `representations::compute`; a look taken in vain only costs
/// time, one missed is taken at the end).
fn needs(run: &Run, pick: &Picker, m: &ModelResult) -> Vec<Need> {
    let (cfg, p) = (&run.config, &m.plan);
    let is = |x: Option<&ModelResult>| x.is_some_and(|x| x.plan.index == p.index);
    let probing = cfg.arch != Arch::Linear && cfg.probe_size > 0;
    let cka = cfg.probe_size.min(run.data.test.count()) >= 2;
    let first_members =
        p.member < transfer::MAX_PROBED_MEMBERS.min(representations::MAX_ANALYSED_MEMBERS);
    let mut out = Vec::new();
    if is(pick.model(p.approach, cfg.seed, p.member)) && p.approach != Approach::PositiveOnly {
        let analysed = if p.approach == Approach::Ovr {
            first_members
        } else {
            p.member == 0
        };
        if probing && analysed {
            out.push(Need::Probe { init: false });
            if p.approach == Approach::Shared {
                out.push(Need::Probe { init: true });
            }
        }
        if cka && analysed {
            out.extend([Need::Grams { init: false }, Need::Grams { init: true }]);
        }
    }
    let twin = p.approach == Approach::Ovr
        && first_members
        && is(pick.model(Approach::Ovr, cfg.seed + 1, p.member));
    if cka && (is(pick.floor()) || twin) {
        out.push(Need::Grams { init: false });
    }
    out
}

/// Takes, at finished model `m` alone, every look the analyses will take at it: where it trained
/// (the page's training Worker holds the run's data), so that the analyses at the end, on one
/// core, find them in the report worker's cache (`LookCache::absorb`) and take only the rest. A
/// model's looks depend only on its weights and the run: the same bits as taken at the end. With
/// a learning-rate grid, which models are analysed is known only at the end: none then.
pub fn looks_at(run: &Run, m: &ModelResult) -> Result<TakenLooks> {
    let finished = m.status != ModelStatus::Training && !m.weights.is_empty();
    if run.config.rates().len() != 1 || !finished {
        return Ok(TakenLooks::default());
    }
    // The only rate is every approach's reported rate; `m` is the only result the picker sees,
    // which is enough to tell which looks the analyses will take at it.
    let rates = BTreeMap::from([(m.plan.approach, m.plan.lr)]);
    let results = std::slice::from_ref(m);
    let pick = Picker::new(run, results, &rates);
    let cache = RefCell::new(LookCache::default());
    let looks = Looks::new(&pick, &cache);
    for need in needs(run, &pick, m) {
        match need {
            Need::Probe { init } => {
                transfer::score(run, &looks, m, init, &transfer::ProbeTrain::new(run))?;
            }
            Need::Grams { init } => {
                looks.grams(m, init)?;
            }
        }
    }
    drop(looks);
    Ok(cache.into_inner().taken())
}
