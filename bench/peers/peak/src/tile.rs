//! The ceiling of ovr-lab's own loop: its forward micro-tile with every operand in L1.
//!
//! The peak kernels measure what the arithmetic units sustain; this one measures what the browser's
//! JIT (or LLVM, natively) makes of the loop the engine actually runs (`conv_tile` in
//! src/nn/conv.rs, wasm build): 4 pixels × 8 filters of accumulators (two f32x4 per pixel), and per
//! tap a load of the tap's offset from a table, two weight vectors, four broadcasts, 8 multiplies
//! and 8 adds. The operands are small enough to stay in L1 (a 200-tap kernel, as REF-CNN's second
//! layer, and 4 KB of input), so what separates this rate from the peak is the loop's instruction
//! overhead and scheduling, and what separates the engine from this rate is everything else
//! (memory, the other layers, the remainder tiles, the passes between the kernels).

/// Taps per tile, as REF-CNN's second convolution (5 × 5 × 8 channels).
pub const TAPS: usize = 200;
/// Pixels per tile and the step between them (one pixel of 8 channels).
pub const PIXELS: usize = 4;
const STEP: usize = 8;
/// Filters per tile: two f32x4 accumulators per pixel.
pub const FILTERS: usize = 8;

/// The tile's operands: a tap offset table, an input with room for the last pixel's last tap, and
/// a weight row of FILTERS per tap. Values are small and positive: the sums stay finite and away
/// from denormals for any number of passes the benchmark runs.
pub struct Operands {
    offsets: Vec<usize>,
    x: Vec<f32>,
    w: Vec<f32>,
}

impl Operands {
    pub fn new(m: f32, k: f32) -> Self {
        Operands {
            offsets: (0..TAPS).collect(),
            x: (0..TAPS + (PIXELS - 1) * STEP)
                .map(|i| m * (1 + i % 3) as f32 / 4.0)
                .collect(),
            w: (0..TAPS * FILTERS)
                .map(|i| k * (1 + i % 5) as f32 / 1024.0)
                .collect(),
        }
    }
}

/// Runs `passes` tiles (each over every tap) and returns lane 0 of all their outputs summed (for
/// one pass, `lane0_sum`).
#[cfg(target_arch = "wasm32")]
pub fn run_wasm(passes: u64, ops: &Operands) -> f32 {
    use core::arch::wasm32::*;
    assert!(ops.x.len() >= (PIXELS - 1) * STEP + TAPS && ops.w.len() >= TAPS * FILTERS);
    let mut total = f32x4_splat(0.0);
    for _ in 0..passes {
        let mut lo = [f32x4_splat(0.0); PIXELS];
        let mut hi = [f32x4_splat(0.0); PIXELS];
        let mut w = ops.w.as_ptr();
        for &off in &ops.offsets {
            // SAFETY: off < TAPS, so every read is inside x (asserted above); w walks TAPS rows of
            // FILTERS floats.
            unsafe {
                let w0 = v128_load(w.cast());
                let w1 = v128_load(w.add(4).cast());
                let xt = ops.x.as_ptr().add(off);
                for r in 0..PIXELS {
                    let a = v128_load32_splat(xt.add(r * STEP).cast());
                    lo[r] = f32x4_add(lo[r], f32x4_mul(a, w0));
                    hi[r] = f32x4_add(hi[r], f32x4_mul(a, w1));
                }
                w = w.add(FILTERS);
            }
        }
        // What the engine does with a finished tile: store it (here, into one running sum).
        for r in 0..PIXELS {
            total = f32x4_add(total, f32x4_add(lo[r], hi[r]));
        }
        total = std::hint::black_box(total);
    }
    f32x4_extract_lane::<0>(total)
}

/// The same loop with SSE intrinsics (one f32x4 multiply and add per instruction), natively.
#[cfg(target_arch = "x86_64")]
pub fn run_sse(passes: u64, ops: &Operands) -> f32 {
    use core::arch::x86_64::*;
    assert!(ops.x.len() >= (PIXELS - 1) * STEP + TAPS && ops.w.len() >= TAPS * FILTERS);
    // SAFETY: SSE is part of x86_64's baseline; reads as in `run_wasm`.
    unsafe {
        let mut total = _mm_setzero_ps();
        for _ in 0..passes {
            let mut lo = [_mm_setzero_ps(); PIXELS];
            let mut hi = [_mm_setzero_ps(); PIXELS];
            let mut w = ops.w.as_ptr();
            for &off in &ops.offsets {
                let w0 = _mm_loadu_ps(w);
                let w1 = _mm_loadu_ps(w.add(4));
                let xt = ops.x.as_ptr().add(off);
                for r in 0..PIXELS {
                    let a = _mm_set1_ps(*xt.add(r * STEP));
                    lo[r] = _mm_add_ps(lo[r], _mm_mul_ps(a, w0));
                    hi[r] = _mm_add_ps(hi[r], _mm_mul_ps(a, w1));
                }
                w = w.add(FILTERS);
            }
            for r in 0..PIXELS {
                total = _mm_add_ps(total, _mm_add_ps(lo[r], hi[r]));
            }
            total = std::hint::black_box(total);
        }
        _mm_cvtss_f32(total)
    }
}

/// What one pass returns, computed plainly: Σ over the pixels of filters 0 and 4's outputs.
pub fn lane0_sum(ops: &Operands) -> f32 {
    let mut sum = 0.0f64;
    for r in 0..PIXELS {
        for f in [0, 4] {
            for (t, &off) in ops.offsets.iter().enumerate() {
                sum += f64::from(ops.x[r * STEP + off]) * f64::from(ops.w[t * FILTERS + f]);
            }
        }
    }
    sum as f32
}

/// FLOPs per pass: a multiply and an add per tap, pixel and filter.
pub fn flops_per_pass() -> f64 {
    (TAPS * PIXELS * FILTERS * 2) as f64
}
