//! 2-D convolution as im2col + GEMM, NHWC. Weights are stored as a (kernel·kernel·in) × filters
//! matrix so that the forward pass is one product over the whole batch.

use super::gemm::{gemm, MatRef};
use super::spec::{conv_pad, LayerPlan};

pub(crate) struct Conv {
    pub plan: LayerPlan,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub weights_at: usize,
    pub bias_at: usize,
    /// The im2col matrix of the last forward pass, kept for the weight gradient.
    col: Vec<f32>,
    /// Gradient with respect to `col`, before it is folded back onto the input.
    dcol: Vec<f32>,
}

impl Conv {
    pub fn new(
        plan: LayerPlan,
        kernel: usize,
        stride: usize,
        padding: super::spec::Padding,
        at: usize,
    ) -> Self {
        let k = kernel * kernel * plan.input.channels;
        Conv {
            plan,
            kernel,
            stride,
            pad: conv_pad(kernel, padding),
            weights_at: at,
            bias_at: at + k * plan.output.channels,
            col: Vec::new(),
            dcol: Vec::new(),
        }
    }

    fn depth(&self) -> usize {
        self.kernel * self.kernel * self.plan.input.channels
    }

    pub fn fan_in(&self) -> usize {
        self.depth()
    }

    pub fn forward(&mut self, params: &[f32], x: &[f32], y: &mut [f32], batch: usize) {
        let k = self.depth();
        let filters = self.plan.output.channels;
        let rows = batch * self.plan.output.height * self.plan.output.width;
        self.col.resize(rows * k, 0.0);
        self.im2col(x, batch);
        let bias = &params[self.bias_at..self.bias_at + filters];
        for row in y[..rows * filters].chunks_exact_mut(filters) {
            row.copy_from_slice(bias);
        }
        let w = &params[self.weights_at..self.weights_at + k * filters];
        gemm(
            rows,
            filters,
            k,
            MatRef::rows(&self.col, k),
            MatRef::rows(w, filters),
            y,
            filters,
            true,
        );
    }

    pub fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let k = self.depth();
        let filters = self.plan.output.channels;
        let rows = batch * self.plan.output.height * self.plan.output.width;
        let dy = &dy[..rows * filters];
        let gb = &mut grads[self.bias_at..self.bias_at + filters];
        for row in dy.chunks_exact(filters) {
            for (g, &d) in gb.iter_mut().zip(row) {
                *g += d;
            }
        }
        let gw = &mut grads[self.weights_at..self.weights_at + k * filters];
        gemm(
            k,
            filters,
            rows,
            MatRef::transposed(&self.col, k),
            MatRef::rows(dy, filters),
            gw,
            filters,
            true,
        );
        if let Some(dx) = dx {
            self.dcol.resize(rows * k, 0.0);
            let w = &params[self.weights_at..self.weights_at + k * filters];
            gemm(
                rows,
                k,
                filters,
                MatRef::rows(dy, filters),
                MatRef::transposed(w, filters),
                &mut self.dcol,
                k,
                false,
            );
            self.col2im(dx, batch);
        }
    }

    /// Visits every (column row, kernel tap, input pixel) triple of the im2col matrix; taps that
    /// fall into the zero padding get `None`.
    #[inline(always)]
    fn for_each_tap(&self, batch: usize, mut visit: impl FnMut(usize, Option<usize>)) {
        let (inp, out) = (self.plan.input, self.plan.output);
        let c = inp.channels;
        let k = self.depth();
        for b in 0..batch {
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let row = ((b * out.height + oy) * out.width + ox) * k;
                    for ky in 0..self.kernel {
                        let iy = (oy * self.stride + ky) as isize - self.pad as isize;
                        for kx in 0..self.kernel {
                            let ix = (ox * self.stride + kx) as isize - self.pad as isize;
                            let dst = row + (ky * self.kernel + kx) * c;
                            let inside = iy >= 0
                                && ix >= 0
                                && (iy as usize) < inp.height
                                && (ix as usize) < inp.width;
                            let src = inside.then(|| {
                                ((b * inp.height + iy as usize) * inp.width + ix as usize) * c
                            });
                            visit(dst, src);
                        }
                    }
                }
            }
        }
    }

    fn im2col(&mut self, x: &[f32], batch: usize) {
        let c = self.plan.input.channels;
        let mut col = std::mem::take(&mut self.col);
        self.for_each_tap(batch, |dst, src| match src {
            Some(s) => col[dst..dst + c].copy_from_slice(&x[s..s + c]),
            None => col[dst..dst + c].fill(0.0),
        });
        self.col = col;
    }

    fn col2im(&self, dx: &mut [f32], batch: usize) {
        let c = self.plan.input.channels;
        dx[..batch * self.plan.input.len()].fill(0.0);
        self.for_each_tap(batch, |dst, src| {
            if let Some(s) = src {
                for (d, &g) in dx[s..s + c].iter_mut().zip(&self.dcol[dst..dst + c]) {
                    *d += g;
                }
            }
        });
    }
}
