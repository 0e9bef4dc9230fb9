//! The worker-facing API: translates between JavaScript values and the library. No logic lives
//! here beyond that translation.

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated: panics reach the console with their message and the
/// JS caller gets an exception instead of a silent hang.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn now_seconds() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Trains and infers on `model` (`ref-cnn` or `ref-cnn-binary`) for about `seconds` each and
/// returns the rates (see `bench::BenchResult`).
#[wasm_bindgen]
pub fn bench(model: &str, batch: usize, seconds: f64) -> Result<JsValue, JsError> {
    let result =
        crate::bench::run(model, batch, seconds, &now_seconds).map_err(|e| JsError::new(&e))?;
    to_js(&result)
}

/// Whether this build uses 128-bit SIMD.
#[wasm_bindgen]
pub fn simd() -> bool {
    cfg!(target_feature = "simd128")
}
