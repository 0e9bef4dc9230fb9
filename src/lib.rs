//! ovr-lab: train one shared CNN or one CNN per class, side by side.
//!
//! The engine (`nn`) knows nothing of where it runs; `data` turns bytes into tensors;
//! `experiment` holds the science. `wasm` and the CLI binary only translate.

pub mod bench;
pub mod data;
pub mod error;
pub mod experiment;
pub mod nn;
pub mod rng;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
