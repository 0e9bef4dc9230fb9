//! REF-CNN trained with candle (candle-core tensors and backprop, candle-nn layers and loss),
//! timed like ovr-lab's bench. The model is written here from candle's API documentation: two
//! 5×5 convolutions with padding 2 (8 and 16 filters) each followed by ReLU and a 2×2 max-pool,
//! then a dense layer to 10 logits; softmax cross-entropy. candle-nn's SGD has no momentum, so the
//! update is written out: v ← 0.9·v + g; w ← w − 0.01·v (as ovr-lab and PyTorch do).

use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{Conv2d, Conv2dConfig, Linear, VarBuilder, VarMap};
use peer_common as common;
use std::cell::RefCell;

/// The candle release this peer is built against (kept in step with Cargo.toml by a test).
pub const VERSION: &str = "candle 0.11.1 (candle-core + candle-nn, CPU backend)";

struct RefCnn {
    conv1: Conv2d,
    conv2: Conv2d,
    dense: Linear,
}

impl RefCnn {
    fn new(vb: VarBuilder) -> candle_core::Result<Self> {
        let same = Conv2dConfig {
            padding: common::PAD,
            ..Default::default()
        };
        let [f1, f2] = common::FILTERS;
        Ok(Self {
            conv1: candle_nn::conv2d(1, f1, common::KERNEL, same, vb.pp("conv1"))?,
            conv2: candle_nn::conv2d(f1, f2, common::KERNEL, same, vb.pp("conv2"))?,
            dense: candle_nn::linear(common::DENSE_IN, common::CLASSES, vb.pp("dense"))?,
        })
    }

    /// The same weights as plain tensors, so that inference records no gradient graph.
    fn detached(&self) -> Self {
        let conv = |c: &Conv2d| {
            Conv2d::new(
                c.weight().detach(),
                c.bias().map(Tensor::detach),
                *c.config(),
            )
        };
        Self {
            conv1: conv(&self.conv1),
            conv2: conv(&self.conv2),
            dense: Linear::new(
                self.dense.weight().detach(),
                self.dense.bias().map(Tensor::detach),
            ),
        }
    }

    /// Images `[n, 1, 28, 28]` to logits `[n, 10]`.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let x = self.conv1.forward(x)?.relu()?.max_pool2d(2)?;
        let x = self.conv2.forward(&x)?.relu()?.max_pool2d(2)?;
        self.dense.forward(&x.flatten_from(1)?)
    }
}

/// SGD with heavy-ball momentum over candle `Var`s.
struct Momentum {
    vars: Vec<(Var, Option<Tensor>)>,
}

impl Momentum {
    fn step(&mut self, grads: &candle_core::backprop::GradStore) -> candle_core::Result<()> {
        for (var, velocity) in &mut self.vars {
            let Some(g) = grads.get(var) else { continue };
            let v = match velocity.take() {
                Some(v) => ((v * common::MOMENTUM)? + g)?,
                None => g.clone(),
            };
            var.set(&var.sub(&(&v * common::LEARNING_RATE)?)?)?;
            *velocity = Some(v);
        }
        Ok(())
    }
}

fn images(pixels: &[f32], device: &Device) -> candle_core::Result<Tensor> {
    let n = pixels.len() / common::IMAGE;
    Tensor::from_slice(pixels, (n, 1, common::SIZE, common::SIZE), device)
}

/// Trains REF-CNN for about `seconds` at `batch`, then infers at batch 256; the result as JSON
/// (see `peer_common::result_json`).
pub fn run(batch: usize, seconds: f64, now: &dyn Fn() -> f64) -> Result<String, String> {
    run_candle(batch, seconds, now).map_err(|e| e.to_string())
}

fn run_candle(batch: usize, seconds: f64, now: &dyn Fn() -> f64) -> candle_core::Result<String> {
    if !(1..=1024).contains(&batch) {
        candle_core::bail!("batch {batch} is outside 1..=1024");
    }
    let device = Device::Cpu;
    let data = common::random_data(1);
    let varmap = VarMap::new();
    let model = RefCnn::new(VarBuilder::from_varmap(&varmap, DType::F32, &device))?;
    let vars = varmap.all_vars();
    let params = vars.iter().map(|v| v.elem_count()).sum();
    let optim = RefCell::new(Momentum {
        vars: vars.into_iter().map(|v| (v, None)).collect(),
    });

    let step = |step: usize| -> candle_core::Result<(usize, f64)> {
        let (start, n) = data.batch(step, batch);
        let x = images(data.images(start, n), &device)?;
        let labels: Vec<u32> = data.labels(start, n).iter().map(|&l| l as u32).collect();
        let y = Tensor::from_vec(labels, n, &device)?;
        let loss = candle_nn::loss::cross_entropy(&model.forward(&x)?, &y)?;
        optim.borrow_mut().step(&loss.backward()?)?;
        Ok((n, loss.to_scalar::<f32>()? as f64))
    };
    let mut train = |s: usize| step(s).map_err(|e| e.to_string());

    let x256 = images(data.images(0, common::INFER_BATCH), &device)?;
    let mut inference_model: Option<RefCnn> = None;
    let mut infer = || -> Result<usize, String> {
        let m = inference_model.get_or_insert_with(|| model.detached());
        let logits = m.forward(&x256).map_err(|e| e.to_string())?;
        logits.dim(0).map_err(|e| e.to_string())
    };
    let rates =
        common::measure(seconds, now, &mut train, &mut infer).map_err(candle_core::Error::msg)?;
    Ok(common::result_json(
        "candle", VERSION, batch, &rates, params,
    ))
}

/// The wasm export: `bench(batch, seconds)` → `{train_samples_per_s, infer_samples_per_s, …}`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench(batch: usize, seconds: f64) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    let json =
        run(batch, seconds, &common::js_now).map_err(|e| wasm_bindgen::JsValue::from_str(&e))?;
    common::to_js(&json)
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_cargo_toml() {
        let manifest = include_str!("../Cargo.toml");
        let pinned = super::VERSION.split(' ').nth(1).unwrap();
        assert!(
            manifest.contains(&format!("candle-core = \"={pinned}\"")),
            "{pinned}"
        );
    }

    #[test]
    fn trains_and_infers() {
        let clock = peer_common::native_clock();
        let json = super::run(8, 0.05, &clock).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["train_samples_per_s"].as_f64().unwrap() > 0.0, "{json}");
        assert!(v["infer_samples_per_s"].as_f64().unwrap() > 0.0, "{json}");
        assert_eq!(v["params"], 11_274);
    }
}
