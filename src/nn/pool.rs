//! Max pooling with stride equal to its size, NHWC.

use super::spec::LayerPlan;

pub(crate) struct MaxPool {
    pub plan: LayerPlan,
    pub size: usize,
    /// For every output value, the input index it came from: the route of the gradient.
    argmax: Vec<u32>,
}

impl MaxPool {
    pub fn new(plan: LayerPlan, size: usize) -> Self {
        MaxPool {
            plan,
            size,
            argmax: Vec::new(),
        }
    }

    pub fn forward(&mut self, x: &[f32], y: &mut [f32], batch: usize) {
        let (inp, out) = (self.plan.input, self.plan.output);
        let c = inp.channels;
        self.argmax.resize(batch * out.len(), 0);
        for b in 0..batch {
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let o = ((b * out.height + oy) * out.width + ox) * c;
                    let first =
                        ((b * inp.height + oy * self.size) * inp.width + ox * self.size) * c;
                    let (best, from) = (&mut y[o..o + c], &mut self.argmax[o..o + c]);
                    best.copy_from_slice(&x[first..first + c]);
                    for (ch, f) in from.iter_mut().enumerate() {
                        *f = (first + ch) as u32;
                    }
                    // Channels innermost: contiguous, so the comparisons vectorise.
                    for dy in 0..self.size {
                        for dx in 0..self.size {
                            let at = first + (dy * inp.width + dx) * c;
                            for (ch, ((m, f), &v)) in best
                                .iter_mut()
                                .zip(from.iter_mut())
                                .zip(&x[at..at + c])
                                .enumerate()
                            {
                                if v > *m {
                                    *m = v;
                                    *f = (at + ch) as u32;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    pub fn backward(&self, dy: &[f32], dx: &mut [f32], batch: usize) {
        dx[..batch * self.plan.input.len()].fill(0.0);
        let n = batch * self.plan.output.len();
        for (&from, &g) in self.argmax[..n].iter().zip(&dy[..n]) {
            dx[from as usize] += g;
        }
    }
}
