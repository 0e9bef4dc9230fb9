//! Max pooling with stride equal to its size, NHWC.
//!
//! The forward pass keeps only the maxima: an element-wise maximum over the window, channels
//! innermost, which vectorises. The backward pass finds each window's winner again (the first
//! element, in scan order, equal to the maximum), so no index buffer is written during inference.

use super::spec::LayerPlan;

pub(crate) struct MaxPool {
    pub plan: LayerPlan,
    pub size: usize,
    /// Per channel, whether the current window's winner is still to be found (backward only).
    open: Vec<f32>,
}

impl MaxPool {
    pub fn new(plan: LayerPlan, size: usize) -> Self {
        MaxPool {
            plan,
            size,
            open: Vec::new(),
        }
    }

    /// Index in `x` of the first element of window (b, oy, ox).
    #[inline(always)]
    fn window(&self, b: usize, oy: usize, ox: usize) -> usize {
        let inp = self.plan.input;
        ((b * inp.height + oy * self.size) * inp.width + ox * self.size) * inp.channels
    }

    pub fn forward(&mut self, x: &[f32], y: &mut [f32], batch: usize) {
        let (inp, out) = (self.plan.input, self.plan.output);
        let c = inp.channels;
        for b in 0..batch {
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let o = ((b * out.height + oy) * out.width + ox) * c;
                    let first = self.window(b, oy, ox);
                    let best = &mut y[o..o + c];
                    best.copy_from_slice(&x[first..first + c]);
                    for dy in 0..self.size {
                        for dx in 0..self.size {
                            let at = first + (dy * inp.width + dx) * c;
                            // A compare-and-select, not f32::max: wasm's f32x4.max propagates
                            // NaN, so Rust's max needs extra code there and ran scalar.
                            for (m, &v) in best.iter_mut().zip(&x[at..at + c]) {
                                *m = if v > *m { v } else { *m };
                            }
                        }
                    }
                }
            }
        }
    }

    /// Routes each output gradient to the element its window's maximum came from: the first, in
    /// scan order, equal to it. Channels stay innermost (and branch-free) so that this vectorises.
    pub fn backward(&mut self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32], batch: usize) {
        let (inp, out) = (self.plan.input, self.plan.output);
        let c = inp.channels;
        dx[..batch * inp.len()].fill(0.0);
        self.open.resize(c, 0.0);
        for b in 0..batch {
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let o = ((b * out.height + oy) * out.width + ox) * c;
                    let first = self.window(b, oy, ox);
                    let (target, grad) = (&y[o..o + c], &dy[o..o + c]);
                    // 1.0 while a channel's winner is still to be found.
                    self.open.fill(1.0);
                    for wy in 0..self.size {
                        for wx in 0..self.size {
                            let at = first + (wy * inp.width + wx) * c;
                            let lanes = dx[at..at + c]
                                .iter_mut()
                                .zip(&x[at..at + c])
                                .zip(target.iter().zip(grad))
                                .zip(self.open.iter_mut());
                            for (((d, &v), (&t, &g)), open) in lanes {
                                let hit = if v == t { *open } else { 0.0 };
                                *d = hit * g;
                                *open -= hit;
                            }
                        }
                    }
                }
            }
        }
    }
}
