//! Analyses that need every model's final weights, made once a run has finished: how alike the
//! models' representations are at every layer (CKA), how well each model's features serve all
//! classes (a transfer probe), and how the models answer images from another dataset.

pub mod cka;
pub mod features;
pub mod looks;
pub mod ood;
pub mod probe;
pub mod representations;
pub mod transfer;

pub use ood::{Ood, OodScores};
pub use representations::Representations;
pub use transfer::Transfer;

use super::report::Analyses;
use super::run::ModelResult;
use super::session::Run;
use crate::data::Dataset;
use crate::error::Result;
use std::collections::BTreeMap;

/// Runs every analysis the configuration asks for. `rates` is each approach's reported rate.
pub fn analyse(
    run: &Run,
    results: &[ModelResult],
    rates: &BTreeMap<super::config::Approach, f32>,
    ood_data: Option<&Dataset>,
) -> Result<Analyses> {
    let pick = features::Picker::new(run, results, rates);
    let looks = looks::Looks::new(&pick);
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
