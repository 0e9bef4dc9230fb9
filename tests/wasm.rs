//! The engine inside WebAssembly, in a dedicated Worker of headless Chromium (as on the page):
//! the reference training run must give the native build's accuracy.
#![cfg(target_arch = "wasm32")]

mod common;

use ovr_lab::data::load_bytes;
use ovr_lab::experiment::report::Analyses;
use ovr_lab::experiment::Run;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn ref_cnn_on_mnist_matches_the_native_accuracy() {
    let cfg = common::ref_cnn_mnist_config();
    let raw = load_bytes(
        include_bytes!("../www/data/mnist28.bin.gz"),
        "mnist28.bin.gz",
        1,
    )
    .unwrap();
    let run = Run::new(cfg, &raw).unwrap();
    let result = run.trainer(0).unwrap().run_to_end(&|| 0.0);
    let report = run.report(&[result], &Analyses::default());
    let acc = report.approaches["shared"].test_accuracy;
    assert!(
        (acc - common::REF_CNN_MNIST_ACCURACY).abs() <= 0.002,
        "wasm accuracy {acc}, native {}",
        common::REF_CNN_MNIST_ACCURACY
    );
    // Not just close: the same bits as the native build.
    assert_eq!(
        report.approaches["shared"].curve[2].train_loss,
        common::REF_CNN_MNIST_LAST_LOSS
    );
}

#[wasm_bindgen_test]
fn engine_simd_is_on() {
    assert!(cfg!(target_feature = "simd128"));
}
