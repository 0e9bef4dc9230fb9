//! Max pooling with stride equal to its size, NHWC.
//!
//! The forward pass keeps only the maxima: an element-wise maximum over the window, channels
//! innermost, which vectorises. The backward pass finds each window's winner again (the first
//! element, in scan order, equal to the maximum), so no index buffer is written during inference.

use super::spec::LayerPlan;

pub(crate) struct MaxPool {
    pub plan: LayerPlan,
    pub size: usize,
}

impl MaxPool {
    pub fn new(plan: LayerPlan, size: usize) -> Self {
        MaxPool { plan, size }
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
                            for (m, &v) in best.iter_mut().zip(&x[at..at + c]) {
                                *m = m.max(v);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Routes each output gradient to the element its window's maximum came from.
    pub fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32], batch: usize) {
        let (inp, out) = (self.plan.input, self.plan.output);
        let c = inp.channels;
        dx[..batch * inp.len()].fill(0.0);
        for b in 0..batch {
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let o = ((b * out.height + oy) * out.width + ox) * c;
                    let first = self.window(b, oy, ox);
                    for ch in 0..c {
                        let target = y[o + ch];
                        let mut from = first + ch;
                        'search: for wy in 0..self.size {
                            for wx in 0..self.size {
                                let i = first + (wy * inp.width + wx) * c + ch;
                                if x[i] == target {
                                    from = i;
                                    break 'search;
                                }
                            }
                        }
                        dx[from] += dy[o + ch];
                    }
                }
            }
        }
    }
}
