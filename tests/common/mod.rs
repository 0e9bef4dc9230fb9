//! Shared by the native and the wasm tests: the reference runs and their expected numbers.
#![allow(dead_code)]

use ovr_lab::experiment::{Approach, Config};

/// The REF-CNN reference run: 10-way softmax on mnist28, 3 epochs, SGD with momentum
/// 0.9, lr 0.05, batch 32, He init, seed 1.
pub fn ref_cnn_mnist_config() -> Config {
    Config {
        dataset: "mnist28".into(),
        approaches: vec![Approach::Shared],
        lr: 0.05,
        momentum: 0.9,
        epochs: 3,
        batch: 32,
        seeds: 1,
        seed: 1,
        // No representation analysis: it would add a second shared model (the noise floor).
        probe_size: 0,
        ..Config::default()
    }
}

/// Test accuracy of that run as the native build computes it. The wasm test must land within 0.2
/// points of it (the engine is designed to give the same bits, so it lands exactly on it).
pub const REF_CNN_MNIST_ACCURACY: f64 = 0.957;

/// The mean training loss of its last epoch, to the bit: the engine sums in the same order
/// natively (SSE or AVX2) and in wasm (SIMD128) and uses no FMA, so the same seed gives the same
/// bits everywhere. A change to the kernels' summation order changes this number.
pub const REF_CNN_MNIST_LAST_LOSS: f64 = 0.1012205109000206;
