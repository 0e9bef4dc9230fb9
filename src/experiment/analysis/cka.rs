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
    // Element (i, j) and (j, i) are the same products summed in the same order (the GEMM's order
    // depends only on the depth), so the upper triangle is computed, a band of rows at a time,
    // and mirrored: half the work for the same bits.
    let mut gram = vec![0.0; n * n];
    for i0 in (0..n).step_by(GRAM_BAND) {
        let rows = GRAM_BAND.min(n - i0);
        let x0 = &x[i0 * d..];
        gemm(
            rows,
            n - i0,
            d,
            MatRef::rows(x0, d),
            MatRef::transposed(x0, d),
            &mut gram[i0 * n + i0..],
            n,
            false,
        );
    }
    for i in 0..n {
        for j in 0..i {
            gram[i * n + j] = gram[j * n + i];
        }
    }
    gram
}

/// Rows of the Gram matrix computed per GEMM call: the diagonal blocks are computed whole, so a
/// smaller band wastes less on the lower triangle and repacks the right operand more often.
const GRAM_BAND: usize = 64;

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// CKA between two centred Gram matrices of the same images (0 when one is all zero).
pub fn cka(k: &[f32], l: &[f32]) -> f64 {
    cka_normed(k, l, self_dot(k), self_dot(l))
}

/// ⟨K, K⟩, which `cka_normed` takes so that a matrix compared many times sums it once.
pub fn self_dot(k: &[f32]) -> f64 {
    dot(k, k)
}

/// CKA with ⟨K, K⟩ and ⟨L, L⟩ given: the same bits as `cka(k, l)`, and as `cka(l, k)`.
pub fn cka_normed(k: &[f32], l: &[f32], kk: f64, ll: f64) -> f64 {
    let denom = (kk * ll).sqrt();
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

    /// The half-computed Gram matrix is the full product's, bit for bit, across several bands.
    #[test]
    fn the_mirrored_gram_is_the_full_product() {
        let (n, d) = (GRAM_BAND * 2 + 13, 37);
        let x = random(n, d, 4);
        let k = centred_gram(&x, n);
        let mut centred = x.clone();
        for j in 0..d {
            let mean = (0..n).map(|i| x[i * d + j] as f64).sum::<f64>() / n as f64;
            for i in 0..n {
                centred[i * d + j] -= mean as f32;
            }
        }
        let mut full = vec![0.0; n * n];
        let (a, b) = (MatRef::rows(&centred, d), MatRef::transposed(&centred, d));
        gemm(n, n, d, a, b, &mut full, n, false);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&k), bits(&full));
        let y = random(n, d, 5);
        let l = centred_gram(&y, n);
        assert_eq!(cka(&k, &l).to_bits(), cka(&l, &k).to_bits());
    }
}
