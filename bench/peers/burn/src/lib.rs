//! REF-CNN trained with burn on its NdArray backend with Autodiff, timed like ovr-lab's bench.
//! The model is written here from burn's API documentation: two 5×5 "same" convolutions (8 and
//! 16 filters) each followed by ReLU and a 2×2 max-pool, then a dense layer to 10 logits;
//! softmax cross-entropy; SGD with momentum 0.9 (no dampening) at learning rate 0.01.
#![allow(deprecated)] // burn 0.22 deprecates its NdArray backend in favour of Flex; the issue asks for NdArray.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLoss;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use peer_common as common;
use std::cell::RefCell;

/// The burn release this peer is built against (kept in step with Cargo.toml by a test).
pub const VERSION: &str = "burn 0.22.1 (NdArray backend + Autodiff)";

#[derive(Module, Debug)]
struct RefCnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    relu: Relu,
    dense: Linear,
}

impl RefCnn {
    fn new(device: &Device) -> Self {
        let conv = |inputs, filters| {
            Conv2dConfig::new([inputs, filters], [common::KERNEL, common::KERNEL])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        Self {
            conv1: conv(1, common::FILTERS[0]),
            conv2: conv(common::FILTERS[0], common::FILTERS[1]),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            relu: Relu::new(),
            dense: LinearConfig::new(common::DENSE_IN, common::CLASSES).init(device),
        }
    }

    /// Images `[n, 1, 28, 28]` to logits `[n, 10]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(self.relu.forward(self.conv1.forward(x)));
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x)));
        self.dense.forward(x.flatten(1, 3))
    }
}

fn images(pixels: &[f32], device: &Device) -> Tensor<4> {
    let n = pixels.len() / common::IMAGE;
    let shape = [n, 1, common::SIZE, common::SIZE];
    Tensor::from_data(TensorData::new(pixels.to_vec(), shape), device)
}

/// Trains REF-CNN for about `seconds` at `batch`, then infers at batch 256; the result as JSON
/// (see `peer_common::result_json`).
pub fn run(batch: usize, seconds: f64, now: &dyn Fn() -> f64) -> Result<String, String> {
    if !(1..=1024).contains(&batch) {
        return Err(format!("batch {batch} is outside 1..=1024"));
    }
    let plain = Device::ndarray();
    let device = plain.clone().autodiff();
    let data = common::random_data(1);
    // Shared by the training steps (which replace it) and inference (which reads it).
    let model = RefCell::new(Some(RefCnn::new(&device)));
    let params = model.borrow().as_ref().map_or(0, |m| m.num_params());
    let mut optim = SgdConfig::new()
        .with_momentum(Some(
            MomentumConfig::new()
                .with_momentum(common::MOMENTUM)
                .with_dampening(0.0),
        ))
        .init();
    let loss_fn = CrossEntropyLoss::new(None, &device);

    let mut train = |step: usize| -> Result<(usize, f64), String> {
        let (start, n) = data.batch(step, batch);
        let x = images(data.images(start, n), &device);
        let labels: Vec<i64> = data.labels(start, n).iter().map(|&l| l as i64).collect();
        let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), &device);
        let m = model
            .borrow_mut()
            .take()
            .ok_or("the model was lost in a failed step")?;
        let loss = loss_fn.forward(m.forward(x), y);
        let grads = GradientsParams::from_grads(loss.backward(), &m);
        *model.borrow_mut() = Some(optim.step(common::LEARNING_RATE, m, grads));
        // Reading the loss back makes sure the step has run (NdArray is eager anyway).
        Ok((n, loss.into_scalar::<f32>() as f64))
    };

    let x256 = images(data.images(0, common::INFER_BATCH), &plain);
    let mut inference_model: Option<RefCnn> = None;
    let mut infer = || -> Result<usize, String> {
        if inference_model.is_none() {
            // The trained weights without autodiff, on the plain NdArray device.
            inference_model = model.borrow().as_ref().map(|m| m.valid());
        }
        let m = inference_model.as_ref().ok_or("no trained model to run")?;
        let logits = m.forward(x256.clone()).into_data();
        Ok(logits.num_elements() / common::CLASSES)
    };
    let rates = common::measure(seconds, now, &mut train, &mut infer)?;
    Ok(common::result_json("burn", VERSION, batch, &rates, params))
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
            manifest.contains(&format!("version = \"={pinned}\"")),
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
