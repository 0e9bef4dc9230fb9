//! The engine: layers, losses, optimisers. No I/O, no JS, no clocks.
//!
//! Tensors are NHWC `f32` slices inside the engine; `ndarray` views are the public boundary
//! (see [`Network::predict`]).

mod activation;
mod conv;
mod dense;
pub mod gemm;
pub mod loss;
mod network;
pub mod optim;
mod pool;
pub mod spec;
pub mod weights;

pub use network::{Network, ParamTensor};

/// Why a network cannot be built or loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The description asks for something the engine does not build (sizes, layer order).
    #[error("{0}")]
    Spec(String),
    /// A weights file that cannot be read, or does not fit its network.
    #[error("{0}")]
    Weights(String),
}
pub use optim::{Optimizer, OptimizerKind, OptimizerSpec, Schedule};
pub use spec::{LayerPlan, LayerSpec, NetSpec, Padding, Shape};

use ndarray::{Array2, Array4, ArrayView4};

impl Network {
    /// Logits for a batch of images given as an `N × H × W × C` array.
    pub fn predict(&mut self, images: ArrayView4<f32>) -> Array2<f32> {
        let n = images.shape()[0];
        let flat: Vec<f32> = images.iter().copied().collect();
        let k = self.outputs();
        Array2::from_shape_vec((n, k), self.forward(&flat, n, false).to_vec())
            .expect("logits are n × k")
    }

    /// The first convolution's filters as `filters × kernel × kernel × channels`.
    pub fn first_conv_filters(&self) -> Option<Array4<f32>> {
        let (t, w) = self.first_conv()?;
        let (kh, kw, c, f) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3]);
        // Stored as (kh·kw·c) × f; readers want one filter at a time.
        Some(Array4::from_shape_fn((f, kh, kw, c), |(o, y, x, ch)| {
            w[((y * kw + x) * c + ch) * f + o]
        }))
    }
}
