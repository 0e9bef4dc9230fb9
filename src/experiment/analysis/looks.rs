//! One look at each network: a single forward pass over the probe's test images gives both the
//! centred Gram matrices CKA compares (on the first `probe_size` of them) and the penultimate
//! features the transfer probe scores. Looks are cached per network, so a model that both
//! analyses use is run once; the cache is the run session's, so that the looks a training worker
//! took at its model as it finished (`super::looks_at`) are not taken again at the end.

use super::cka::centred_gram;
use super::features::{images, layer_features, representation_layers, Picker};
use super::transfer::ProbeScore;
use crate::error::Result;
use crate::experiment::run::ModelResult;
use crate::nn::Network;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How many test images CKA compares the models on: its Gram matrices are this square.
pub fn cka_images(run: &crate::experiment::session::Run) -> usize {
    run.config.probe_size.min(run.data.test.count())
}

/// Test images the transfer probe is scored on, and training images it is fit on (at most).
pub const PROBE_TEST: usize = 1000;
pub const PROBE_TRAIN: usize = 1000;

/// A network's centred Gram matrices, one per compared layer.
pub type Grams = Vec<Vec<f32>>;

/// What looking at models leaves behind, by (job index, at initialisation): Gram matrices and
/// transfer-probe scores. A model's look depends only on its weights and the run, so a cached one
/// is the same, bit for bit, as one made at the end.
#[derive(Default)]
pub struct LookCache {
    pub(super) grams: HashMap<(usize, bool), Rc<Grams>>,
    pub(super) probes: HashMap<(usize, bool), ProbeScore>,
}

impl LookCache {
    /// Forgets job `index` (its result was replaced).
    pub fn forget(&mut self, index: usize) {
        for init in [false, true] {
            self.grams.remove(&(index, init));
            self.probes.remove(&(index, init));
        }
    }
}

pub struct Looks<'a> {
    pub pick: &'a Picker<'a>,
    /// Images looked at: the first max(probe_size, PROBE_TEST) test images.
    x_test: Vec<f32>,
    n_test: usize,
    /// CKA's images: the first `n_cka` of them.
    pub n_cka: usize,
    /// The transfer probe's images.
    pub n_probe: usize,
    pub cache: &'a RefCell<LookCache>,
}

impl<'a> Looks<'a> {
    pub fn new(pick: &'a Picker<'a>, cache: &'a RefCell<LookCache>) -> Self {
        let d = &pick.run.data;
        let n_cka = cka_images(pick.run);
        let n_probe = PROBE_TEST.min(d.test.count());
        let n_test = n_cka.max(n_probe);
        Looks {
            pick,
            x_test: images(d, &d.test, &(0..n_test).collect::<Vec<_>>()),
            n_test,
            n_cka,
            n_probe,
            cache,
        }
    }

    fn network(&self, m: &ModelResult, init: bool) -> Result<Network> {
        if init {
            self.pick.initial(m)
        } else {
            self.pick.trained(m)
        }
    }

    /// Runs model `m` (trained, or at initialisation with `init`) over the test images once:
    /// caches its Gram matrices and returns its penultimate features on the probe's images.
    fn look(&self, m: &ModelResult, init: bool, n: usize) -> Result<Vec<f32>> {
        let mut net = self.network(m, init)?;
        let compared: Vec<usize> = representation_layers(net.spec())
            .iter()
            .map(|l| l.0)
            .collect();
        let mut wanted = compared;
        wanted.push(net.layer_plans().len().saturating_sub(2));
        let image = net.input_shape().len();
        let mut features = layer_features(&mut net, &self.x_test[..n * image], n, &wanted);
        let penultimate = features.pop().unwrap_or_default();
        let grams: Grams = features
            .iter()
            .map(|f| centred_gram(&f[..self.n_cka * (f.len() / n.max(1))], self.n_cka))
            .collect();
        self.cache
            .borrow_mut()
            .grams
            .insert((m.plan.index, init), Rc::new(grams));
        let per = penultimate.len() / n.max(1);
        Ok(penultimate[..self.n_probe.min(n) * per].to_vec())
    }

    /// Model `m`'s centred Gram matrices at its compared layers.
    pub fn grams(&self, m: &ModelResult, init: bool) -> Result<Rc<Grams>> {
        if let Some(g) = self.cache.borrow().grams.get(&(m.plan.index, init)) {
            return Ok(Rc::clone(g));
        }
        self.look(m, init, self.n_cka)?;
        Ok(Rc::clone(&self.cache.borrow().grams[&(m.plan.index, init)]))
    }

    /// Model `m`'s penultimate features on the probe's first `n_probe` test images.
    pub fn probe_features(&self, m: &ModelResult, init: bool) -> Result<Vec<f32>> {
        self.look(m, init, self.n_test)
    }
}
