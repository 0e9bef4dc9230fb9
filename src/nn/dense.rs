//! Fully connected layer: Y = X·W + b, with W stored inputs × units.

use super::gemm::{gemm, MatRef};
use super::spec::LayerPlan;

pub(crate) struct Dense {
    pub plan: LayerPlan,
    pub weights_at: usize,
    pub bias_at: usize,
}

impl Dense {
    pub fn new(plan: LayerPlan, at: usize) -> Self {
        Dense {
            plan,
            weights_at: at,
            bias_at: at + plan.input.len() * plan.output.len(),
        }
    }

    pub fn fan_in(&self) -> usize {
        self.plan.input.len()
    }

    pub fn forward(&self, params: &[f32], x: &[f32], y: &mut [f32], batch: usize) {
        let (n_in, n_out) = (self.plan.input.len(), self.plan.output.len());
        let bias = &params[self.bias_at..self.bias_at + n_out];
        for row in y[..batch * n_out].chunks_exact_mut(n_out) {
            row.copy_from_slice(bias);
        }
        let w = &params[self.weights_at..self.weights_at + n_in * n_out];
        gemm(
            batch,
            n_out,
            n_in,
            MatRef::rows(x, n_in),
            MatRef::rows(w, n_out),
            y,
            n_out,
            true,
        );
    }

    pub fn backward(
        &self,
        params: &[f32],
        grads: &mut [f32],
        x: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let (n_in, n_out) = (self.plan.input.len(), self.plan.output.len());
        let dy = &dy[..batch * n_out];
        add_row_sums(&mut grads[self.bias_at..self.bias_at + n_out], dy);
        let gw = &mut grads[self.weights_at..self.weights_at + n_in * n_out];
        gemm(
            n_in,
            n_out,
            batch,
            MatRef::transposed(x, n_in),
            MatRef::rows(dy, n_out),
            gw,
            n_out,
            true,
        );
        if let Some(dx) = dx {
            let w = &params[self.weights_at..self.weights_at + n_in * n_out];
            gemm(
                batch,
                n_in,
                n_out,
                MatRef::rows(dy, n_out),
                MatRef::transposed(w, n_out),
                dx,
                n_in,
                false,
            );
        }
    }
}

/// sums[j] += Σ_rows m[row, j] for a row-major `m` with `sums.len()` columns: the bias gradient
/// of a layer whose outputs are rows (dense) or pixels (conv).
pub(crate) fn add_row_sums(sums: &mut [f32], m: &[f32]) {
    for row in m.chunks_exact(sums.len()) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
}
