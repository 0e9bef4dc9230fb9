//! Linear centred kernel alignment (Kornblith et al., ICML 2019): how alike two models'
//! representations of the same n images are, invariant to rotations and isotropic scaling of the
//! features, and comparable across layers of different widths.
//!
//! With X (n × p) and Y (n × q) the features, centred over the images, and K = XXᵀ, L = YYᵀ:
//! CKA = ⟨K, L⟩ / (‖K‖ ‖L‖) (Frobenius). 1 means the same representation up to rotation and scale.

use crate::nn::gemm::{gemm, MatRef};

/// The Gram matrix of the centred features: `features` is n × d; the result is n × n.
pub fn centred_gram(features: &[f32], n: usize) -> Vec<f32> {
    let d = features.len() / n.max(1);
    let mut x = features.to_vec();
    for j in 0..d {
        let mean = (0..n).map(|i| x[i * d + j] as f64).sum::<f64>() / n as f64;
        for i in 0..n {
            x[i * d + j] -= mean as f32;
        }
    }
    let mut gram = vec![0.0; n * n];
    gemm(
        n,
        n,
        d,
        MatRef::rows(&x, d),
        MatRef::transposed(&x, d),
        &mut gram,
        n,
        false,
    );
    gram
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// CKA between two centred Gram matrices of the same images (0 when one is all zero).
pub fn cka(k: &[f32], l: &[f32]) -> f64 {
    let denom = (dot(k, k) * dot(l, l)).sqrt();
    if denom > 0.0 {
        dot(k, l) / denom
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng::new(seed);
        (0..n * d).map(|_| r.normal()).collect()
    }

    #[test]
    fn invariant_to_rotation_and_scale_and_low_for_unrelated_features() {
        let (n, d) = (60, 4);
        let x = random(n, d, 1);
        // A rotation in the plane of the first two features, then a scale and a shift.
        let (c, s) = (0.6f32, 0.8f32);
        let y: Vec<f32> = x
            .chunks(d)
            .flat_map(|r| {
                [
                    3.0 * (c * r[0] - s * r[1]) + 1.0,
                    3.0 * (s * r[0] + c * r[1]),
                    3.0 * r[2],
                    3.0 * r[3] - 2.0,
                ]
            })
            .collect();
        let (kx, ky) = (centred_gram(&x, n), centred_gram(&y, n));
        assert!((cka(&kx, &ky) - 1.0).abs() < 1e-5, "{}", cka(&kx, &ky));
        assert!((cka(&kx, &kx) - 1.0).abs() < 1e-6);
        let z = random(n, d, 2);
        let unrelated = cka(&kx, &centred_gram(&z, n));
        assert!(unrelated < 0.3, "{unrelated}");
    }
}
