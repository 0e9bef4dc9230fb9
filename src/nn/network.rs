//! A network: a list of layers over one flat parameter vector, with forward and backward passes
//! over a batch. All buffers are sized once for the largest batch seen, so training allocates
//! nothing per step.

use super::activation::{relu_backward, relu_forward, Dropout};
use super::conv::Conv;
use super::dense::Dense;
use super::pool::MaxPool;
use super::spec::{LayerPlan, LayerSpec, NetSpec, Shape};
use super::NetError;
use crate::rng::Rng;

enum Layer {
    Conv(Box<Conv>),
    Pool(MaxPool),
    Relu,
    Flatten,
    Dense(Dense),
    Dropout(Dropout),
}

/// Where one weight or bias tensor lives in the flat parameter vector.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamTensor {
    pub layer: usize,
    pub name: &'static str,
    pub offset: usize,
    pub shape: Vec<usize>,
}

impl ParamTensor {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub struct Network {
    spec: NetSpec,
    plans: Vec<LayerPlan>,
    layers: Vec<Layer>,
    tensors: Vec<ParamTensor>,
    /// Every weight and bias, layer after layer.
    pub params: Vec<f32>,
    /// Gradient of the loss with respect to `params`, filled by `backward`.
    pub grads: Vec<f32>,
    /// `acts[0]` is the input, `acts[i + 1]` the output of layer i.
    acts: Vec<Vec<f32>>,
    grad_in: Vec<f32>,
    grad_out: Vec<f32>,
    batch: usize,
    dropout_rng: Rng,
}

impl Network {
    /// A network with He-initialised weights (normal, std √(2/fan-in)) and zero biases, drawn
    /// from `rng` layer by layer.
    pub fn new(spec: &NetSpec, rng: &mut Rng) -> Result<Self, NetError> {
        let mut net = Self::zeroed(spec, Rng::derive(rng.next_u64(), 0xD80F))?;
        for t in &net.tensors {
            if t.name != "weights" {
                continue;
            }
            let fan_in = match &net.layers[t.layer] {
                Layer::Conv(c) => c.fan_in(),
                Layer::Dense(d) => d.fan_in(),
                _ => unreachable!("only conv and dense layers have weights"),
            };
            let std = (2.0 / fan_in as f64).sqrt() as f32;
            for w in &mut net.params[t.offset..t.offset + t.len()] {
                *w = rng.normal() * std;
            }
        }
        Ok(net)
    }

    /// A network with the given parameters (e.g. loaded from a file).
    pub fn with_params(
        spec: &NetSpec,
        params: Vec<f32>,
        dropout_seed: u64,
    ) -> Result<Self, NetError> {
        let mut net = Self::zeroed(spec, Rng::new(dropout_seed))?;
        if params.len() != net.params.len() {
            return Err(NetError::Weights(format!(
                "the network has {} parameters but {} were given",
                net.params.len(),
                params.len()
            )));
        }
        net.params = params;
        Ok(net)
    }

    fn zeroed(spec: &NetSpec, dropout_rng: Rng) -> Result<Self, NetError> {
        let plans = spec.plan()?;
        let mut layers = Vec::with_capacity(plans.len());
        let mut tensors = Vec::new();
        let mut at = 0;
        for (index, (layer, plan)) in spec.layers.iter().zip(&plans).enumerate() {
            let (inp, out) = (plan.input, plan.output);
            layers.push(match *layer {
                LayerSpec::Conv {
                    kernel,
                    stride,
                    padding,
                    ..
                } => {
                    tensors.push(ParamTensor {
                        layer: index,
                        name: "weights",
                        offset: at,
                        shape: vec![kernel, kernel, inp.channels, out.channels],
                    });
                    tensors.push(ParamTensor {
                        layer: index,
                        name: "bias",
                        offset: at + kernel * kernel * inp.channels * out.channels,
                        shape: vec![out.channels],
                    });
                    Layer::Conv(Box::new(Conv::new(*plan, kernel, stride, padding, at)))
                }
                LayerSpec::Dense { .. } => {
                    tensors.push(ParamTensor {
                        layer: index,
                        name: "weights",
                        offset: at,
                        shape: vec![inp.len(), out.len()],
                    });
                    tensors.push(ParamTensor {
                        layer: index,
                        name: "bias",
                        offset: at + inp.len() * out.len(),
                        shape: vec![out.len()],
                    });
                    Layer::Dense(Dense::new(*plan, at))
                }
                LayerSpec::MaxPool { size } => Layer::Pool(MaxPool::new(*plan, size)),
                LayerSpec::Relu => Layer::Relu,
                LayerSpec::Flatten => Layer::Flatten,
                LayerSpec::Dropout { rate } => Layer::Dropout(Dropout::new(rate)),
            });
            at += plan.params;
        }
        Ok(Network {
            spec: spec.clone(),
            acts: vec![Vec::new(); plans.len() + 1],
            plans,
            layers,
            tensors,
            params: vec![0.0; at],
            grads: vec![0.0; at],
            grad_in: Vec::new(),
            grad_out: Vec::new(),
            batch: 0,
            dropout_rng,
        })
    }

    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    pub fn input_shape(&self) -> Shape {
        self.spec.input
    }

    /// Number of logits per image.
    pub fn outputs(&self) -> usize {
        self.plans.last().map_or(0, |p| p.output.len())
    }

    pub fn param_tensors(&self) -> &[ParamTensor] {
        &self.tensors
    }

    /// The first convolution's weights as (tensor, values), if there is a convolution.
    pub fn first_conv(&self) -> Option<(&ParamTensor, &[f32])> {
        self.tensors
            .iter()
            .find(|t| t.name == "weights" && t.shape.len() == 4)
            .map(|t| (t, &self.params[t.offset..t.offset + t.len()]))
    }

    fn ensure_batch(&mut self, batch: usize) {
        if batch <= self.batch {
            return;
        }
        self.batch = batch;
        self.acts[0].resize(batch * self.spec.input.len(), 0.0);
        let mut widest = self.spec.input.len();
        for (act, plan) in self.acts[1..].iter_mut().zip(&self.plans) {
            act.resize(batch * plan.output.len(), 0.0);
            widest = widest.max(plan.output.len());
        }
        self.grad_in.resize(batch * widest, 0.0);
        self.grad_out.resize(batch * widest, 0.0);
    }

    /// Runs `batch` images (NHWC, values in [0, 1]) through the network and returns the logits,
    /// `batch × outputs`, row-major. Dropout is active only when `training`.
    pub fn forward(&mut self, x: &[f32], batch: usize, training: bool) -> &[f32] {
        assert_eq!(x.len(), batch * self.spec.input.len(), "input length");
        self.ensure_batch(batch);
        self.acts[0][..x.len()].copy_from_slice(x);
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let (before, after) = self.acts.split_at_mut(i + 1);
            let n_in = batch * self.plans[i].input.len();
            let n_out = batch * self.plans[i].output.len();
            let (x, y) = (&before[i][..n_in], &mut after[0][..n_out]);
            match layer {
                Layer::Conv(c) => c.forward(&self.params, x, y, batch),
                Layer::Pool(p) => p.forward(x, y, batch),
                Layer::Relu => relu_forward(x, y),
                Layer::Flatten => y.copy_from_slice(x),
                Layer::Dense(d) => d.forward(&self.params, x, y, batch),
                Layer::Dropout(d) => d.forward(x, y, training, &mut self.dropout_rng),
            }
        }
        let n = batch * self.outputs();
        &self.acts[self.layers.len()][..n]
    }

    /// The output of layer `layer` for the `batch` images of the last forward pass.
    pub fn layer_output(&self, layer: usize, batch: usize) -> &[f32] {
        &self.acts[layer + 1][..batch * self.plans[layer].output.len()]
    }

    /// Every layer's shapes, parameters and FLOPs.
    pub fn layer_plans(&self) -> &[LayerPlan] {
        &self.plans
    }

    /// Logits for `batch` images, computed in chunks small enough to stay in cache; written to
    /// `out` (`batch × outputs`).
    pub fn infer(&mut self, x: &[f32], batch: usize, out: &mut [f32]) {
        const CHUNK: usize = 32;
        let (image, k) = (self.spec.input.len(), self.outputs());
        assert_eq!(out.len(), batch * k, "output length");
        for start in (0..batch).step_by(CHUNK) {
            let n = CHUNK.min(batch - start);
            let logits = self.forward(&x[start * image..(start + n) * image], n, false);
            out[start * k..(start + n) * k].copy_from_slice(logits);
        }
    }

    /// Backpropagates `d_logits` (gradient of the loss with respect to the logits of the last
    /// `forward`) and leaves the parameter gradients in `grads`.
    pub fn backward(&mut self, d_logits: &[f32], batch: usize) {
        assert!(batch <= self.batch, "backward without a matching forward");
        self.grads.fill(0.0);
        self.grad_out[..d_logits.len()].copy_from_slice(d_logits);
        // Below the first weighted layer no gradient is needed.
        let first_weighted = self.plans.iter().position(|p| p.params > 0).unwrap_or(0);
        for i in (first_weighted..self.layers.len()).rev() {
            let n_in = batch * self.plans[i].input.len();
            let n_out = batch * self.plans[i].output.len();
            let dy = &self.grad_out[..n_out];
            let want_dx = i > first_weighted;
            let dx = &mut self.grad_in[..n_in];
            let (x, y) = (&self.acts[i][..n_in], &self.acts[i + 1][..n_out]);
            match &mut self.layers[i] {
                Layer::Conv(c) => c.backward(
                    &self.params,
                    &mut self.grads,
                    dy,
                    want_dx.then_some(dx),
                    batch,
                ),
                Layer::Dense(d) => d.backward(
                    &self.params,
                    &mut self.grads,
                    x,
                    dy,
                    want_dx.then_some(dx),
                    batch,
                ),
                Layer::Pool(p) => p.backward(x, y, dy, dx, batch),
                Layer::Relu => relu_backward(y, dy, dx),
                Layer::Flatten => dx.copy_from_slice(dy),
                Layer::Dropout(d) => d.backward(dy, dx),
            }
            std::mem::swap(&mut self.grad_in, &mut self.grad_out);
        }
    }
}
