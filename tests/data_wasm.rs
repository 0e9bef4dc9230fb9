//! The determinism promise, checked inside WebAssembly: the same checksums as the native tests.
//! Run by `make test-wasm` in headless Chromium.
#![cfg(target_arch = "wasm32")]

use ovr_lab::data::{generate, load_bytes, ShapesConfig};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for &b in *p {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

#[wasm_bindgen_test]
fn shapes_match_the_native_checksums() {
    let ds = generate(&ShapesConfig::default()).unwrap();
    // Same constants as src/data/shapes.rs's native test.
    assert_eq!(fnv(&[&ds.train.images]), 0xa884_d557_fb17_ce47);
    assert_eq!(fnv(&[&ds.test.images]), 0x8309_6b33_14f2_32e4);
}

#[wasm_bindgen_test]
fn bundled_digits_and_numpy_split_match_native() {
    let bytes = include_bytes!("../www/data/digits8x8.bin.gz");
    let ds = load_bytes(bytes, "digits8x8.bin.gz", 0).unwrap();
    let parts: [&[u8]; 4] = [
        &ds.train.images,
        &ds.train.labels,
        &ds.test.images,
        &ds.test.labels,
    ];
    assert_eq!(fnv(&parts), 0x824a_eadf_3b6d_33e0);
    let npz = load_bytes(include_bytes!("data/no_test.npz"), "no_test.npz", 1).unwrap();
    assert_eq!(npz.test.per_class(3), vec![5, 3, 2]);
    assert_eq!(fnv(&[&npz.test.images]), NO_TEST_SPLIT_FNV);
}

/// Same constant as tests/data_npz.rs's native test.
const NO_TEST_SPLIT_FNV: u64 = 4_264_694_011_784_799_194;
