//! Throughput measurement of the engine, shared by the CLI and the browser benchmark page.
//! The caller supplies the clock, so the engine itself stays free of time.

use crate::error::{Error, Result};
use crate::nn::loss::{sigmoid_binary_cross_entropy, softmax_cross_entropy};
use crate::nn::spec::ref_cnn;
use crate::nn::{Network, Optimizer, OptimizerSpec, Shape};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    pub model: String,
    pub batch: usize,
    pub train_samples_per_s: f64,
    pub infer_samples_per_s: f64,
    /// Training FLOPs per second (forward + both backward products).
    pub gflops: f64,
    pub infer_gflops: f64,
    pub params: usize,
    pub simd: bool,
}

/// The benchmark networks: `ref-cnn` (10-way softmax) and `ref-cnn-binary` (one sigmoid).
pub fn bench_model(model: &str) -> Result<(crate::nn::NetSpec, bool)> {
    match model {
        "ref-cnn" => Ok((ref_cnn(Shape::new(28, 28, 1), 10), false)),
        "ref-cnn-binary" => Ok((ref_cnn(Shape::new(28, 28, 1), 1), true)),
        other => Err(Error::Input(format!(
            "unknown benchmark model '{other}' (ref-cnn or ref-cnn-binary)"
        ))),
    }
}

/// Trains on random images for about `seconds`, then runs inference in batches of 256 for about
/// as long, and reports the rates. `now` returns seconds from any fixed origin.
pub fn run(model: &str, batch: usize, seconds: f64, now: &dyn Fn() -> f64) -> Result<BenchResult> {
    let (spec, binary) = bench_model(model)?;
    if !(1..=1024).contains(&batch) {
        return Err(Error::Input(format!("batch {batch} is outside 1..=1024")));
    }
    let mut rng = Rng::new(1);
    let mut net = Network::new(&spec, &mut rng)?;
    let mut opt = Optimizer::new(OptimizerSpec::default(), net.params.len());
    let image = spec.input.len();
    let pool = 512;
    let images: Vec<f32> = (0..pool * image).map(|_| rng.uniform()).collect();
    let labels: Vec<u8> = (0..pool).map(|_| rng.below(10) as u8).collect();
    let targets: Vec<f32> = labels.iter().map(|&l| (l == 0) as u8 as f32).collect();
    let k = net.outputs();
    let mut grad = vec![0.0; 1024 * k];

    let mut train_step = |net: &mut Network, step: usize| {
        let start = (step * batch) % (pool - batch.min(pool) + 1);
        let end = start + batch.min(pool);
        let x = &images[start * image..end * image];
        let n = end - start;
        let logits = net.forward(x, n, true).to_vec();
        let g = &mut grad[..n * k];
        if binary {
            sigmoid_binary_cross_entropy(&logits, &targets[start..end], n, 1.0, g);
        } else {
            softmax_cross_entropy(&logits, &labels[start..end], k, g);
        }
        net.backward(g, n);
        opt.step(&mut net.params, &net.grads, 0.01);
        n
    };
    // Warm-up: buffers grow to size and caches fill.
    train_step(&mut net, 0);
    let t0 = now();
    let mut samples = 0usize;
    let mut step = 1;
    while now() - t0 < seconds {
        samples += train_step(&mut net, step);
        step += 1;
    }
    let train_rate = samples as f64 / (now() - t0);

    let infer_batch = 256.min(pool);
    let mut logits = vec![0.0; infer_batch * k];
    net.infer(&images[..infer_batch * image], infer_batch, &mut logits);
    let t1 = now();
    let mut inferred = 0usize;
    while now() - t1 < seconds.min(2.0).max(seconds / 2.0) {
        net.infer(&images[..infer_batch * image], infer_batch, &mut logits);
        inferred += infer_batch;
    }
    let infer_rate = inferred as f64 / (now() - t1);
    Ok(BenchResult {
        model: model.to_string(),
        batch,
        train_samples_per_s: train_rate,
        infer_samples_per_s: infer_rate,
        gflops: train_rate * spec.flops_per_train_sample()? as f64 / 1e9,
        infer_gflops: infer_rate * spec.flops_per_image()? as f64 / 1e9,
        params: spec.param_count()?,
        simd: cfg!(any(
            target_feature = "simd128",
            target_feature = "sse2",
            target_feature = "neon"
        )),
    })
}
