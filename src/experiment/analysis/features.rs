//! What the analyses read from the trained models: which models, their networks rebuilt from the
//! final (or initial) weights, and the outputs of chosen layers on chosen images.

use crate::data::{Dataset, Split};
use crate::error::Result;
use crate::experiment::approach::Role;
use crate::experiment::config::Approach;
use crate::experiment::run::{initial_network, ModelResult};
use crate::experiment::session::Run;
use crate::nn::{LayerSpec, NetSpec, Network};
use std::collections::BTreeMap;

/// Finds the final models the analyses use: each approach at the rate it is reported at.
pub struct Picker<'a> {
    pub run: &'a Run,
    results: &'a [ModelResult],
    rates: &'a BTreeMap<Approach, f32>,
}

impl<'a> Picker<'a> {
    pub fn new(
        run: &'a Run,
        results: &'a [ModelResult],
        rates: &'a BTreeMap<Approach, f32>,
    ) -> Self {
        Picker {
            run,
            results,
            rates,
        }
    }

    /// Every model's result.
    pub fn results(&self) -> &'a [ModelResult] {
        self.results
    }

    /// The rate `approach` is reported at.
    pub fn rate(&self, approach: Approach) -> Option<f32> {
        self.rates.get(&approach).copied()
    }

    fn find(
        &self,
        approach: Approach,
        seed: u64,
        member: usize,
        roles: &[Role],
    ) -> Option<&'a ModelResult> {
        let lr = *self.rates.get(&approach)?;
        self.results.iter().find(|r| {
            r.plan.approach == approach
                && r.plan.seed == seed
                && r.plan.member == member
                && r.plan.lr == lr
                && roles.contains(&r.plan.role)
                && !r.weights.is_empty()
        })
    }

    /// A compared model with its final weights.
    pub fn model(&self, approach: Approach, seed: u64, member: usize) -> Option<&'a ModelResult> {
        self.find(approach, seed, member, &[Role::Compared])
    }

    /// The shared model of the next seed: the second of a multi-seed run, or the noise-floor
    /// model a one-seed run trains for this.
    pub fn floor(&self) -> Option<&'a ModelResult> {
        self.find(
            Approach::Shared,
            self.run.config.seed + 1,
            0,
            &[Role::Compared, Role::Floor],
        )
    }

    pub fn trained(&self, m: &ModelResult) -> Result<Network> {
        Ok(Network::with_params(&m.plan.spec, m.weights.clone(), 0)?)
    }

    pub fn initial(&self, m: &ModelResult) -> Result<Network> {
        initial_network(&self.run.config, &m.plan)
    }
}

/// Images `indices` of `split` as network input (`p / 255`).
pub fn images(data: &Dataset, split: &Split, indices: &[usize]) -> Vec<f32> {
    let len = data.image_len();
    let mut x = Vec::with_capacity(indices.len() * len);
    for &i in indices {
        x.extend(split.image(i, len).iter().map(|&p| p as f32 / 255.0));
    }
    x
}

/// The layers whose outputs are compared, with their names: the end of each conv block (after
/// its ReLU and pooling), and the penultimate layer (the input of the last dense layer) when it
/// differs from the last block's output.
pub fn representation_layers(spec: &NetSpec) -> Vec<(usize, String)> {
    let layers = &spec.layers;
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut block = 0;
    for (i, l) in layers.iter().enumerate() {
        if !matches!(l, LayerSpec::Conv { .. }) {
            continue;
        }
        block += 1;
        let mut end = i;
        while matches!(
            layers.get(end + 1),
            Some(LayerSpec::Relu | LayerSpec::MaxPool { .. } | LayerSpec::Dropout { .. })
        ) {
            end += 1;
        }
        out.push((end, format!("conv block {block}")));
    }
    // The penultimate: the last layer before the final dense one, ignoring a flatten (same values).
    let mut pen = layers.len().saturating_sub(2);
    while pen > 0 && matches!(layers[pen], LayerSpec::Flatten | LayerSpec::Dropout { .. }) {
        pen -= 1;
    }
    if layers.len() >= 2 && !matches!(layers[pen], LayerSpec::Flatten) {
        match out.last_mut() {
            Some(last) if last.0 == pen => last.1 += " (penultimate)",
            _ => out.push((pen, "penultimate".into())),
        }
    }
    out
}

/// The outputs of `layers` for `n` images (`x`, n × image), each `n × len`.
pub fn layer_features(net: &mut Network, x: &[f32], n: usize, layers: &[usize]) -> Vec<Vec<f32>> {
    let image = net.input_shape().len();
    let mut out: Vec<Vec<f32>> = layers.iter().map(|_| Vec::new()).collect();
    const CHUNK: usize = 64;
    for start in (0..n).step_by(CHUNK) {
        let m = CHUNK.min(n - start);
        net.forward(&x[start * image..(start + m) * image], m, false);
        for (dst, &l) in out.iter_mut().zip(layers) {
            dst.extend_from_slice(net.layer_output(l, m));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::small_cnn;
    use crate::nn::Shape;

    #[test]
    fn the_compared_layers_of_the_reference_cnn() {
        let spec = small_cnn(Shape::new(28, 28, 1), 8, 16, 5, 10);
        let layers = representation_layers(&spec);
        assert_eq!(
            layers,
            vec![
                (2, "conv block 1".to_string()),
                (5, "conv block 2 (penultimate)".to_string())
            ]
        );
        let linear = NetSpec {
            input: Shape::new(8, 8, 1),
            layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 3 }],
        };
        assert!(representation_layers(&linear).is_empty());
    }
}
