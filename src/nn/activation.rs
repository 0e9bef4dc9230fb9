//! ReLU and dropout: element-wise layers without parameters.

use crate::rng::Rng;

pub(crate) fn relu_forward(x: &[f32], y: &mut [f32]) {
    // Compare-and-select rather than f32::max, whose NaN rule costs extra code in wasm.
    for (o, &v) in y.iter_mut().zip(x) {
        *o = if v > 0.0 { v } else { 0.0 };
    }
}

/// The gradient passes where the output was positive (where the input was).
pub(crate) fn relu_backward(y: &[f32], dy: &[f32], dx: &mut [f32]) {
    for ((d, &g), &o) in dx.iter_mut().zip(dy).zip(y) {
        *d = if o > 0.0 { g } else { 0.0 };
    }
}

/// Inverted dropout: kept units are scaled by 1/(1-rate) during training so that inference
/// needs no rescaling.
pub(crate) struct Dropout {
    pub rate: f32,
    mask: Vec<f32>,
}

impl Dropout {
    pub fn new(rate: f32) -> Self {
        Dropout {
            rate,
            mask: Vec::new(),
        }
    }

    pub fn forward(&mut self, x: &[f32], y: &mut [f32], training: bool, rng: &mut Rng) {
        if !training || self.rate == 0.0 {
            y.copy_from_slice(x);
            self.mask.clear();
            return;
        }
        let keep = 1.0 / (1.0 - self.rate);
        self.mask.resize(x.len(), 0.0);
        for ((o, &v), m) in y.iter_mut().zip(x).zip(self.mask.iter_mut()) {
            *m = if rng.uniform() < self.rate { 0.0 } else { keep };
            *o = v * *m;
        }
    }

    pub fn backward(&self, dy: &[f32], dx: &mut [f32]) {
        if self.mask.is_empty() {
            dx.copy_from_slice(dy);
        } else {
            for ((d, &g), &m) in dx.iter_mut().zip(dy).zip(&self.mask) {
                *d = g * m;
            }
        }
    }
}
