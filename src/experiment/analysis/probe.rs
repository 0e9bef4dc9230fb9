//! A linear probe: multinomial logistic regression on frozen features, the same recipe for every
//! model (standardised features, mini-batch SGD with momentum 0.9, rate 0.1, batch 100, 20 epochs,
//! L2 1e-4, zero start, a fixed order), so that differences come from the features alone.

use crate::nn::gemm::{gemm, MatRef};
use crate::nn::loss::softmax_cross_entropy;
use crate::rng::Rng;

const EPOCHS: usize = 20;
const BATCH: usize = 100;
const RATE: f32 = 0.1;
const MOMENTUM: f32 = 0.9;
const L2: f32 = 1e-4;

/// Per-feature mean and standard deviation of `x` (n × d), the latter at least 1e-6.
fn moments(x: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (x.len() / d).max(1) as f64;
    let mut mean = vec![0.0f64; d];
    let mut sq = vec![0.0f64; d];
    for row in x.chunks_exact(d) {
        for (j, &v) in row.iter().enumerate() {
            mean[j] += v as f64;
            sq[j] += (v as f64) * (v as f64);
        }
    }
    let m: Vec<f32> = mean.iter().map(|s| (s / n) as f32).collect();
    let sd = sq
        .iter()
        .zip(&mean)
        .map(|(q, s)| ((q / n - (s / n).powi(2)).max(0.0).sqrt().max(1e-6)) as f32)
        .collect();
    (m, sd)
}

fn standardise(x: &mut [f32], d: usize, mean: &[f32], sd: &[f32]) {
    for row in x.chunks_exact_mut(d) {
        for ((v, m), s) in row.iter_mut().zip(mean).zip(sd) {
            *v = (*v - m) / s;
        }
    }
}

/// Fits on (`train`, `train_labels`), `d` features per image, `k` classes; returns the predicted
/// class of every row of `test`.
pub fn fit_and_predict(
    mut train: Vec<f32>,
    train_labels: &[u8],
    mut test: Vec<f32>,
    d: usize,
    k: usize,
) -> Vec<usize> {
    let n = train_labels.len();
    let (mean, sd) = moments(&train, d);
    standardise(&mut train, d, &mean, &sd);
    standardise(&mut test, d, &mean, &sd);
    // Weights d × k then biases k.
    let mut w = vec![0.0f32; d * k + k];
    let mut v = vec![0.0f32; d * k + k];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(0x9E0B);
    let (mut xb, mut yb) = (vec![0.0f32; BATCH * d], vec![0u8; BATCH]);
    let (mut logits, mut dl, mut grad) = (
        vec![0.0f32; BATCH * k],
        vec![0.0f32; BATCH * k],
        vec![0.0f32; d * k + k],
    );
    for _ in 0..EPOCHS {
        rng.shuffle(&mut order);
        for chunk in order.chunks(BATCH) {
            let m = chunk.len();
            for (b, &i) in chunk.iter().enumerate() {
                xb[b * d..(b + 1) * d].copy_from_slice(&train[i * d..(i + 1) * d]);
                yb[b] = train_labels[i];
            }
            affine(&w, &xb[..m * d], m, d, k, &mut logits[..m * k]);
            softmax_cross_entropy(&logits[..m * k], &yb[..m], k, &mut dl[..m * k]);
            gemm(
                d,
                k,
                m,
                MatRef::transposed(&xb[..m * d], d),
                MatRef::rows(&dl[..m * k], k),
                &mut grad[..d * k],
                k,
                false,
            );
            for j in 0..k {
                grad[d * k + j] = (0..m).map(|b| dl[b * k + j]).sum();
            }
            for ((wi, vi), gi) in w.iter_mut().zip(v.iter_mut()).zip(&grad) {
                *vi = MOMENTUM * *vi + gi + L2 * *wi;
                *wi -= RATE * *vi;
            }
        }
    }
    let rows = test.len() / d;
    let mut out = vec![0.0f32; rows * k];
    affine(&w, &test, rows, d, k, &mut out);
    crate::experiment::metrics::predictions(&out, k)
}

/// `out = x · W + b` for `m` rows.
fn affine(w: &[f32], x: &[f32], m: usize, d: usize, k: usize, out: &mut [f32]) {
    gemm(
        m,
        k,
        d,
        MatRef::rows(x, d),
        MatRef::rows(&w[..d * k], k),
        out,
        k,
        false,
    );
    for row in out.chunks_exact_mut(k) {
        for (o, b) in row.iter_mut().zip(&w[d * k..]) {
            *o += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_classes_are_found() {
        // Three classes on three axes, with noise.
        let mut rng = Rng::new(3);
        let mut data = |n: usize| {
            let mut x = Vec::new();
            let mut y = Vec::new();
            for i in 0..n {
                let c = i % 3;
                for j in 0..3 {
                    x.push(if j == c { 2.0 } else { 0.0 } + 0.3 * rng.normal());
                }
                y.push(c as u8);
            }
            (x, y)
        };
        let (tx, ty) = data(300);
        let (sx, sy) = data(90);
        let pred = fit_and_predict(tx, &ty, sx, 3, 3);
        let right = pred
            .iter()
            .zip(&sy)
            .filter(|(p, &l)| **p == l as usize)
            .count();
        assert!(right >= 85, "{right} of 90");
    }
}
