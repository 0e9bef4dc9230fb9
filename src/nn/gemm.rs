//! The hot kernel: single-precision matrix multiply, C = A·B (+ C).
//!
//! A and B are read through arbitrary row/column strides, so transposed operands need no copy
//! beyond the packing that every blocked GEMM does anyway. The inner kernel is plain Rust over
//! fixed-size arrays: LLVM turns it into 128-bit SIMD (`simd128` on wasm32, SSE natively).
//! No fused multiply-add is used, and the summation order depends only on the shapes, so the
//! same inputs give the same bits natively and in WebAssembly.

use std::cell::RefCell;

/// Rows of A held in registers by the micro-kernel.
const MR: usize = 4;
/// Columns of B held in registers by the micro-kernel (two 4-lane vectors).
const NR: usize = 8;
/// Depth of one packed block: an A panel plus a B panel stay in L1.
const KC: usize = 256;
/// Rows of A packed at once (stays in L2).
const MC: usize = 128;
/// Columns of B packed at once.
const NC: usize = 1024;

/// A read-only matrix view: element (i, j) is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        MatRef {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        MatRef {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }

    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

thread_local! {
    // Packing buffers live as long as the thread, so the training loop never allocates.
    static PACK: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// `c[m×n] = a[m×k] · b[k×n]`, or `c += a·b` when `accumulate`. `c` is row-major with
/// leading dimension `ldc`.
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef,
    b: MatRef,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                c[i * ldc..i * ldc + n].fill(0.0);
            }
        }
        return;
    }
    PACK.with(|cell| {
        let (ref mut apack, ref mut bpack) = *cell.borrow_mut();
        let need_b = KC * NC.min(n).div_ceil(NR) * NR;
        let need_a = KC * MC.min(m).div_ceil(MR) * MR;
        if bpack.len() < need_b {
            bpack.resize(need_b, 0.0);
        }
        if apack.len() < need_a {
            apack.resize(need_a, 0.0);
        }
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(KC) {
                let kc = KC.min(k - pc);
                pack_b(&b, pc, kc, jc, nc, bpack);
                let add = accumulate || pc > 0;
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    pack_a(&a, ic, mc, pc, kc, apack);
                    for jr in (0..nc).step_by(NR) {
                        let nr = NR.min(nc - jr);
                        let bp = &bpack[jr * kc..jr * kc + kc * NR];
                        for ir in (0..mc).step_by(MR) {
                            let mr = MR.min(mc - ir);
                            let ap = &apack[ir * kc..ir * kc + kc * MR];
                            let acc = kernel(kc, ap, bp);
                            store(&acc, c, (ic + ir) * ldc + jc + jr, ldc, mr, nr, add);
                        }
                    }
                }
            }
        }
    });
}

/// Packs rows `i0..i0+mc`, depth `p0..p0+kc` of A into MR-row panels, depth-major, zero-padded.
fn pack_a(a: &MatRef, i0: usize, mc: usize, p0: usize, kc: usize, out: &mut [f32]) {
    for (panel, ir) in (0..mc).step_by(MR).enumerate() {
        let dst = &mut out[panel * MR * kc..(panel + 1) * MR * kc];
        let mr = MR.min(mc - ir);
        if a.col_stride == 1 && mr == MR {
            for i in 0..MR {
                let row = &a.data[(i0 + ir + i) * a.row_stride + p0..][..kc];
                for (p, &v) in row.iter().enumerate() {
                    dst[p * MR + i] = v;
                }
            }
        } else {
            for p in 0..kc {
                for i in 0..MR {
                    dst[p * MR + i] = if i < mr {
                        a.at(i0 + ir + i, p0 + p)
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// Packs depth `p0..p0+kc`, columns `j0..j0+nc` of B into NR-column panels, zero-padded.
fn pack_b(b: &MatRef, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]) {
    for (panel, jr) in (0..nc).step_by(NR).enumerate() {
        let dst = &mut out[panel * NR * kc..(panel + 1) * NR * kc];
        let nr = NR.min(nc - jr);
        if b.col_stride == 1 && nr == NR {
            for p in 0..kc {
                let src = &b.data[(p0 + p) * b.row_stride + j0 + jr..][..NR];
                dst[p * NR..p * NR + NR].copy_from_slice(src);
            }
        } else {
            for p in 0..kc {
                for j in 0..NR {
                    dst[p * NR + j] = if j < nr {
                        b.at(p0 + p, j0 + jr + j)
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

#[inline(always)]
fn kernel(kc: usize, ap: &[f32], bp: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0.0f32; NR]; MR];
    for (a, b) in ap.chunks_exact(MR).zip(bp.chunks_exact(NR)).take(kc) {
        let a: &[f32; MR] = a.try_into().unwrap();
        let b: &[f32; NR] = b.try_into().unwrap();
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] += a[i] * b[j];
            }
        }
    }
    acc
}

#[inline(always)]
fn store(
    acc: &[[f32; NR]; MR],
    c: &mut [f32],
    at: usize,
    ldc: usize,
    mr: usize,
    nr: usize,
    add: bool,
) {
    for (i, row) in acc.iter().enumerate().take(mr) {
        let dst = &mut c[at + i * ldc..at + i * ldc + nr];
        if add {
            for (d, &v) in dst.iter_mut().zip(row) {
                *d += v;
            }
        } else {
            dst.copy_from_slice(&row[..nr]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn naive(m: usize, n: usize, k: usize, a: &MatRef, b: &MatRef) -> Vec<f64> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] += a.at(i, p) as f64 * b.at(p, j) as f64;
                }
            }
        }
        c
    }

    #[test]
    fn matches_naive_product_for_awkward_shapes_and_strides() {
        let mut rng = Rng::new(5);
        for &(m, n, k) in &[
            (1, 1, 1),
            (3, 5, 7),
            (13, 17, 300),
            (130, 9, 2),
            (4, 8, 256),
            (257, 1, 33),
        ] {
            let av: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
            let bv: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
            for transpose_a in [false, true] {
                for transpose_b in [false, true] {
                    let a = if transpose_a {
                        MatRef::transposed(&av, m)
                    } else {
                        MatRef::rows(&av, k)
                    };
                    let b = if transpose_b {
                        MatRef::transposed(&bv, k)
                    } else {
                        MatRef::rows(&bv, n)
                    };
                    let want = naive(m, n, k, &a, &b);
                    let mut c = vec![1.0f32; m * n];
                    gemm(m, n, k, a, b, &mut c, n, true);
                    for (x, w) in c.iter().zip(&want) {
                        assert!(
                            (*x as f64 - (w + 1.0)).abs() < 1e-3 * (1.0 + w.abs()),
                            "{m}x{n}x{k}"
                        );
                    }
                    gemm(m, n, k, a, b, &mut c, n, false);
                    for (x, w) in c.iter().zip(&want) {
                        assert!((*x as f64 - w).abs() < 1e-3 * (1.0 + w.abs()));
                    }
                }
            }
        }
    }
}
