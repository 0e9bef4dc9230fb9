//! Losses computed from logits, in the numerically stable forms. Each returns the mean loss over
//! the batch and writes the gradient with respect to the logits. Exponentials and logarithms come
//! from `libm` so that native and wasm agree bit for bit.

/// The softmax of one row of logits, written to `out`; returns the row's log-sum-exp. The one
/// softmax of the crate: losses, metrics and the draw panel all use it.
pub fn softmax_into(z: &[f32], out: &mut [f32]) -> f32 {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for (o, &zi) in out.iter_mut().zip(z) {
        *o = libm::expf(zi - max);
        sum += *o;
    }
    let inv = 1.0 / sum;
    for o in out.iter_mut() {
        *o *= inv;
    }
    max + libm::logf(sum)
}

/// K-way softmax cross-entropy. `logits` is batch × k, `labels` holds class indices.
pub fn softmax_cross_entropy(logits: &[f32], labels: &[u8], k: usize, grad: &mut [f32]) -> f32 {
    let batch = labels.len();
    assert_eq!(logits.len(), batch * k);
    let scale = 1.0 / batch as f32;
    let mut total = 0.0f64;
    for ((z, g), &label) in logits
        .chunks_exact(k)
        .zip(grad.chunks_exact_mut(k))
        .zip(labels)
    {
        let log_sum = softmax_into(z, g);
        total += (log_sum - z[label as usize]) as f64;
        for gi in g.iter_mut() {
            *gi *= scale;
        }
        g[label as usize] -= scale;
    }
    (total / batch as f64) as f32
}

/// log(1 + e^z) without overflow.
pub fn softplus(z: f32) -> f32 {
    z.max(0.0) + libm::log1pf(libm::expf(-z.abs()))
}

pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::expf(-z))
    } else {
        let e = libm::expf(z);
        e / (1.0 + e)
    }
}

/// Binary cross-entropy on independent sigmoid outputs: `logits` and `targets` (0 or 1) are
/// batch × k; the loss is summed over the k outputs and averaged over the batch, so that K heads
/// on one trunk learn at the same rate as one head alone. Positive targets weigh `pos_weight`.
pub fn sigmoid_binary_cross_entropy(
    logits: &[f32],
    targets: &[f32],
    batch: usize,
    pos_weight: f32,
    grad: &mut [f32],
) -> f32 {
    assert_eq!(logits.len(), targets.len());
    assert_eq!(logits.len() % batch.max(1), 0);
    let scale = 1.0 / batch as f32;
    let mut total = 0.0f64;
    for ((&z, &y), g) in logits.iter().zip(targets).zip(grad.iter_mut()) {
        let positive = pos_weight * y;
        let negative = 1.0 - y;
        total += (positive * softplus(-z) + negative * softplus(z)) as f64;
        *g = scale * (negative * sigmoid(z) - positive * sigmoid(-z));
    }
    (total / batch as f64) as f32
}
