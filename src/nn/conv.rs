//! 2-D convolution, NHWC, computed directly (no im2col matrix).
//!
//! The three products of a convolution layer are each a GEMM whose "A" operand is read straight
//! out of a zero-padded copy of the input through per-tap offsets:
//! - forward: out[pixel, f] = Σ_tap in[pixel + tap] · W[tap, f];
//! - weight gradient: dW[tap, f] = Σ_pixel in[pixel + tap] · dY[pixel, f];
//! - input gradient: a stride-1 convolution of the dilated, padded dY with the flipped kernel
//!   (a "transposed convolution"), so it reuses the forward kernel.
//!
//! Each micro-kernel keeps a tile of pixels (or taps) × NB filters of accumulators in registers.
//! The forward tiles are MR pixels of one output row, `stride · channels` elements apart, so that
//! a tap's broadcasts are constant offsets from one pointer; the weight-gradient tiles are
//! consecutive taps of one kernel row, one element apart. LLVM vectorises the NB lanes natively
//! (SSE, or AVX2 where the CPU has it); for wasm the tiles are written with `simd128` intrinsics
//! (two f32x4 accumulators per row, stored as whole vectors). Tiles are sized for V8, which keeps
//! 15 vector registers and loads all of a step's broadcasts before its arithmetic. No fused
//! multiply-add, and the summation order depends only on the shapes, so native and wasm give the
//! same bits.

use super::dense::add_row_sums;
use super::spec::{conv_pad, LayerPlan, Padding};

const NB: usize = 8;

/// A zero-padded NHWC buffer and the geometry of a convolution read from it.
struct Geometry {
    batch: usize,
    /// Padded input height, width, channels.
    height: usize,
    width: usize,
    channels: usize,
    out_height: usize,
    out_width: usize,
    kernel: usize,
    stride: usize,
    /// The taps of one kernel row, (kx, c), are `run = kernel · channels` consecutive elements of
    /// the buffer, and kernel row ky starts `ky · row` elements after the first (`row` = width ·
    /// channels): a weight-gradient tile is a few consecutive taps of one kernel row.
    run: usize,
    row: usize,
    /// Offset of each tap (ky, kx, c) from the pixel's top-left corner, in tap order.
    taps: Vec<usize>,
    /// Where each output pixel's receptive field starts in the padded buffer (computed once:
    /// integer division per pixel in the kernels cost as much as a small layer's arithmetic).
    bases: Vec<usize>,
}

impl Geometry {
    fn new(
        batch: usize,
        height: usize,
        width: usize,
        channels: usize,
        kernel: usize,
        stride: usize,
    ) -> Self {
        let mut taps = Vec::with_capacity(kernel * kernel * channels);
        for ky in 0..kernel {
            for kx in 0..kernel {
                for c in 0..channels {
                    taps.push((ky * width + kx) * channels + c);
                }
            }
        }
        let (out_height, out_width) = (
            (height - kernel) / stride + 1,
            (width - kernel) / stride + 1,
        );
        let mut bases = Vec::with_capacity(batch * out_height * out_width);
        for b in 0..batch {
            for oy in 0..out_height {
                for ox in 0..out_width {
                    bases.push(((b * height + oy * stride) * width + ox * stride) * channels);
                }
            }
        }
        Geometry {
            batch,
            height,
            width,
            channels,
            out_height,
            out_width,
            kernel,
            stride,
            run: kernel * channels,
            row: width * channels,
            taps,
            bases,
        }
    }

    /// Zeros the padded buffer needs past its end: a weight-gradient tile's phantom taps (past
    /// the end of a kernel row) read up to MAX_TILE − 1 elements further than a real one; their
    /// results are discarded.
    fn slack(&self) -> usize {
        MAX_TILE - 1
    }

    fn pixels(&self) -> usize {
        self.batch * self.out_height * self.out_width
    }
}

/// Copies `x` (batch × h × w × c) into `out`, surrounded by `top`/`left` zero rows and columns and
/// enough at the bottom/right to fill `out_h` × `out_w`, spreading pixels `dilation` apart, and
/// `slack` more zeros at the end.
#[allow(clippy::too_many_arguments)]
fn pad_into(
    x: &[f32],
    batch: usize,
    h: usize,
    w: usize,
    c: usize,
    top: usize,
    left: usize,
    dilation: usize,
    out_h: usize,
    out_w: usize,
    slack: usize,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(batch * out_h * out_w * c + slack, 0.0);
    for b in 0..batch {
        for y in 0..h {
            let dst_row = (b * out_h + top + y * dilation) * out_w;
            let src_row = (b * h + y) * w;
            if dilation == 1 {
                out[(dst_row + left) * c..(dst_row + left + w) * c]
                    .copy_from_slice(&x[src_row * c..(src_row + w) * c]);
            } else {
                for xx in 0..w {
                    let d = (dst_row + left + xx * dilation) * c;
                    out[d..d + c].copy_from_slice(&x[(src_row + xx) * c..(src_row + xx + 1) * c]);
                }
            }
        }
    }
}

/// Rearranges a taps × n matrix into blocks of NB columns (zero-padded): [block][tap][NB].
fn pack_columns(w: &[f32], taps: usize, n: usize, out: &mut Vec<f32>) {
    let blocks = n.div_ceil(NB);
    out.clear();
    out.resize(blocks * taps * NB, 0.0);
    for blk in 0..blocks {
        for t in 0..taps {
            for j in 0..NB.min(n - blk * NB) {
                out[(blk * taps + t) * NB + j] = w[t * n + blk * NB + j];
            }
        }
    }
}

/// Defines `$name`, which runs `$body` compiled for 256-bit AVX2 vectors when the CPU has them
/// (native x86-64), and as the portable build otherwise (SSE natively, `simd128` in wasm). Each
/// lane still does one multiply and one add per step (no FMA), so both give the same bits.
macro_rules! with_avx2 {
    ($(#[$doc:meta])* fn $name:ident => $body:ident ($($arg:ident: $ty:ty),* $(,)?)) => {
        $(#[$doc])*
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) {
                    $body($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}

with_avx2! {
    /// out[pixel, f] = bias[f] + Σ_tap xp[base(pixel) + tap] · packed[f / NB][tap][f % NB].
    fn conv_kernel => conv_kernel_body(g: &Geometry, xp: &[f32], packed: &[f32], bias: Option<&[f32]>, out: &mut [f32], n: usize)
}

/// Pixels per forward micro-tile. In wasm: 4 × NB/4 accumulators, NB/4 weight vectors, 4
/// broadcasts (V8 loads all of a step's broadcasts before its arithmetic) and a product take 15
/// of the 16 vector registers of x86-64 (V8 keeps one for itself); 5 pixels spill.
#[cfg(target_arch = "wasm32")]
const MR: usize = 4;
/// Natively the AVX2 build holds a pixel's NB sums in one 8-lane register: 8 pixels' accumulators,
/// the weight vector and a broadcast fit in the 16 registers, and each weight load serves twice as
/// many multiplies as with 4.
#[cfg(not(target_arch = "wasm32"))]
const MR: usize = 8;

/// The tile lengths the weight gradient may use, the preferred first. In wasm a 5-tap tile
/// spills a few vectors in V8, so 4 wins a tie (5 still beats computing 3 phantom taps for a
/// 5-tap run); natively (AVX2, a tap's NB sums in one register) up to 10 taps' accumulators, the
/// pixel's gradient row and a broadcast fit in the 16 registers, and fewer tiles win.
#[cfg(target_arch = "wasm32")]
const TILE_LENS: [usize; 2] = [4, 5];
#[cfg(target_arch = "wasm32")]
const MAX_TILE: usize = 5;
#[cfg(not(target_arch = "wasm32"))]
const TILE_LENS: [usize; 3] = [8, 4, 5];
#[cfg(not(target_arch = "wasm32"))]
const MAX_TILE: usize = 8;

/// The weight gradient's tile length for `run` taps per kernel row: the one that computes the
/// fewest phantom taps past the row's end, the first of `TILE_LENS` on a tie.
fn weight_grad_tile_len(run: usize) -> usize {
    let phantom = |p: usize| run.div_ceil(p) * p - run;
    TILE_LENS
        .into_iter()
        .min_by_key(|&p| phantom(p))
        .unwrap_or(4)
}

#[inline(always)]
fn conv_kernel_body(
    g: &Geometry,
    xp: &[f32],
    packed: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    n: usize,
) {
    let pixels = g.pixels();
    if pixels == 0 || n == 0 {
        return;
    }
    // The furthest element read: the last tap of the last pixel.
    let max_read = g.bases[pixels - 1] + (g.kernel - 1) * g.row + g.run - 1;
    assert!(
        max_read < xp.len()
            && g.taps.len() == g.kernel * g.run
            && g.taps.last() == Some(&((g.kernel - 1) * g.row + g.run - 1))
            && out.len() >= pixels * n
            && packed.len() >= n.div_ceil(NB) * g.taps.len() * NB
    );
    // The common pixel steps (stride × channels) get code of their own, in which a tile's pixels
    // are constant offsets from one pointer (no address arithmetic per pixel and tap).
    match g.stride * g.channels {
        1 => conv_rows::<1>(g, xp, packed, bias, out, n),
        8 => conv_rows::<8>(g, xp, packed, bias, out, n),
        16 => conv_rows::<16>(g, xp, packed, bias, out, n),
        _ => conv_rows::<0>(g, xp, packed, bias, out, n),
    }
}

/// `conv_kernel` in tiles of MR pixels along each output row, and one smaller tile for a row's
/// remainder. Every output is still bias + Σ over the taps in order (ky, kx, c), one multiply and
/// one add per tap. `STEP` is the step between pixels, stride × channels, when known at compile
/// time, or 0.
#[inline(always)]
fn conv_rows<const STEP: usize>(
    g: &Geometry,
    xp: &[f32],
    packed: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    n: usize,
) {
    let taps = g.taps.len();
    let step = if STEP == 0 {
        g.stride * g.channels
    } else {
        STEP
    };
    debug_assert_eq!(step, g.stride * g.channels);
    for blk in 0..n.div_ceil(NB) {
        let f0 = blk * NB;
        let width = NB.min(n - f0);
        let wblock = &packed[blk * taps * NB..(blk + 1) * taps * NB];
        let mut init = [0.0f32; NB];
        if let Some(b) = bias {
            init[..width].copy_from_slice(&b[f0..f0 + width]);
        }
        // One tile of P pixels from output column ox0 of `out_row`.
        macro_rules! tile {
            ($p:expr, $out_row:expr, $ox0:expr) => {{
                let (out_row, ox0) = ($out_row, $ox0);
                let p0 = out_row * g.out_width + ox0;
                debug_assert!(g.out_width - ox0 >= $p);
                // SAFETY: the tile's pixels are real pixels p0..p0 + P of this row, whose
                // receptive fields start at bases[p0] + r · step and end at or before the furthest
                // read asserted in `conv_kernel_body`; `wblock` holds a row of NB weights per tap.
                let acc = unsafe {
                    conv_tile::<$p>(
                        xp.as_ptr().add(g.bases[p0]),
                        step,
                        &g.taps,
                        wblock.as_ptr(),
                        init,
                    )
                };
                store_rows(&acc, &mut out[p0 * n + f0..], n, width);
            }};
        }
        let full = g.out_width / MR * MR;
        for out_row in 0..g.batch * g.out_height {
            for ox0 in (0..full).step_by(MR) {
                tile!(MR, out_row, ox0);
            }
            match g.out_width - full {
                0 => {}
                1 => tile!(1, out_row, full),
                2 => tile!(2, out_row, full),
                #[cfg(target_arch = "wasm32")]
                _ => tile!(3, out_row, full),
                #[cfg(not(target_arch = "wasm32"))]
                3 => tile!(3, out_row, full),
                #[cfg(not(target_arch = "wasm32"))]
                4 => tile!(4, out_row, full),
                #[cfg(not(target_arch = "wasm32"))]
                5 => tile!(5, out_row, full),
                #[cfg(not(target_arch = "wasm32"))]
                6 => tile!(6, out_row, full),
                #[cfg(not(target_arch = "wasm32"))]
                _ => tile!(7, out_row, full),
            }
        }
    }
}

/// P pixels, `step` elements apart from `x`, × NB filters: init + Σ over the taps, in order, of
/// x[r · step + tap offset] · w[tap].
///
/// # Safety
/// `x + (P − 1) · step + off` is inside x's buffer for every offset `off` in `taps`, and `w`
/// points at taps.len() rows of NB floats.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
unsafe fn conv_tile<const P: usize>(
    x: *const f32,
    step: usize,
    taps: &[usize],
    mut w: *const f32,
    init: [f32; NB],
) -> Tile<P> {
    let mut acc = [init; P];
    for &off in taps {
        let wv = w.cast::<[f32; NB]>().read_unaligned();
        let xt = x.add(off);
        for (r, row) in acc.iter_mut().enumerate() {
            let a = *xt.add(r * step);
            for (s, &wj) in row.iter_mut().zip(&wv) {
                *s += a * wj;
            }
        }
        w = w.add(NB);
    }
    acc
}

/// A micro-tile's accumulators: P rows of NB lanes.
#[cfg(not(target_arch = "wasm32"))]
type Tile<const P: usize> = [[f32; NB]; P];

/// Writes a tile's rows, `width` lanes each, `ldo` apart in `out`.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn store_rows<const P: usize>(acc: &Tile<P>, out: &mut [f32], ldo: usize, width: usize) {
    for (r, row) in acc.iter().enumerate() {
        out[r * ldo..r * ldo + width].copy_from_slice(&row[..width]);
    }
}

/// `conv_tile` written with simd128 intrinsics (see `weight_grad_tile`).
///
/// # Safety
/// As for the portable version.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
unsafe fn conv_tile<const P: usize>(
    x: *const f32,
    step: usize,
    taps: &[usize],
    mut w: *const f32,
    init: [f32; NB],
) -> Tile<P> {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, v128_load, v128_load32_splat};
    let mut lo = [v128_load(init.as_ptr().cast()); P];
    let mut hi = [v128_load(init.as_ptr().add(4).cast()); P];
    for &off in taps {
        let w0 = v128_load(w.cast());
        let w1 = v128_load(w.add(4).cast());
        let xt = x.add(off);
        for r in 0..P {
            let a = v128_load32_splat(xt.add(r * step).cast());
            lo[r] = f32x4_add(lo[r], f32x4_mul(a, w0));
            hi[r] = f32x4_add(hi[r], f32x4_mul(a, w1));
        }
        w = w.add(NB);
    }
    (lo, hi)
}

/// A micro-tile's accumulators: the low and high four lanes of P rows of NB.
#[cfg(target_arch = "wasm32")]
type Tile<const P: usize> = ([core::arch::wasm32::v128; P], [core::arch::wasm32::v128; P]);

/// Writes a tile's rows, `width` lanes each, `ldo` apart in `out`: whole vectors
/// when the block is full.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn store_rows<const P: usize>(acc: &Tile<P>, out: &mut [f32], ldo: usize, width: usize) {
    use core::arch::wasm32::v128_store;
    for r in 0..P {
        let dst = &mut out[r * ldo..r * ldo + width];
        if width == NB {
            // SAFETY: `dst` holds NB = 8 floats: two vectors of four.
            unsafe {
                v128_store(dst.as_mut_ptr().cast(), acc.0[r]);
                v128_store(dst.as_mut_ptr().add(4).cast(), acc.1[r]);
            }
        } else {
            let mut row = [0.0f32; NB];
            // SAFETY: `row` holds NB = 8 floats.
            unsafe {
                v128_store(row.as_mut_ptr().cast(), acc.0[r]);
                v128_store(row.as_mut_ptr().add(4).cast(), acc.1[r]);
            }
            dst.copy_from_slice(&row[..width]);
        }
    }
}

with_avx2! {
    /// grad[tap, f] += Σ_pixel xp[base(pixel) + tap] · dy[pixel, f]; `dy` has row stride `ldd`,
    /// a multiple of NB.
    fn weight_grad_kernel => weight_grad_kernel_body(g: &Geometry, xp: &[f32], dy: &[f32], ldd: usize, grad: &mut [f32], n: usize)
}

#[inline(always)]
fn weight_grad_kernel_body(
    g: &Geometry,
    xp: &[f32],
    dy: &[f32],
    ldd: usize,
    grad: &mut [f32],
    n: usize,
) {
    let pixels = g.pixels();
    let Some(&last_base) = g.bases.last() else {
        return;
    };
    let tile = weight_grad_tile_len(g.run);
    // The furthest element read: the last pixel's last kernel row, plus up to tile − 1 phantom
    // taps past its end (see `Geometry::slack`).
    let max_read = last_base + (g.kernel - 1) * g.row + g.run.div_ceil(tile) * tile - 1;
    assert!(
        max_read < xp.len()
            && g.taps.len() == g.kernel * g.run
            && dy.len() >= pixels * ldd
            && ldd.is_multiple_of(NB)
            && n <= ldd
            && grad.len() >= g.taps.len() * n
    );
    match tile {
        4 => weight_grad_tiles::<4>(g, xp, dy, ldd, grad, n),
        5 => weight_grad_tiles::<5>(g, xp, dy, ldd, grad, n),
        #[cfg(not(target_arch = "wasm32"))]
        8 => weight_grad_tiles::<8>(g, xp, dy, ldd, grad, n),
        #[cfg(not(target_arch = "wasm32"))]
        10 => weight_grad_tiles::<10>(g, xp, dy, ldd, grad, n),
        _ => unreachable!("tile lengths are TILE_LENS"),
    }
}

/// `weight_grad_kernel` in tiles of P consecutive taps of one kernel row × NB filters, each summed
/// over every pixel in order (the last tile of a kernel row may hold phantom taps past its end,
/// discarded).
#[inline(always)]
fn weight_grad_tiles<const P: usize>(
    g: &Geometry,
    xp: &[f32],
    dy: &[f32],
    ldd: usize,
    grad: &mut [f32],
    n: usize,
) {
    let last_base = g.bases.last().copied().unwrap_or(0);
    for f0 in (0..n).step_by(NB) {
        let width = NB.min(n - f0);
        for ky in 0..g.kernel {
            for t0 in (0..g.run).step_by(P) {
                let at = ky * g.row + t0;
                debug_assert!(last_base + at + P <= xp.len() && f0 + NB <= ldd);
                // SAFETY: every pixel's `base + at + P − 1` is at most the furthest read asserted
                // in `weight_grad_kernel_body`; dy has a row of ldd ≥ f0 + NB per pixel.
                let acc = unsafe {
                    weight_grad_tile::<P>(xp.as_ptr().add(at), &g.bases, dy.as_ptr().add(f0), ldd)
                };
                let tap0 = ky * g.run + t0;
                for (r, row) in acc.iter().enumerate().take(P.min(g.run - t0)) {
                    let at = (tap0 + r) * n + f0;
                    for (dst, &v) in grad[at..at + width].iter_mut().zip(row) {
                        *dst += v;
                    }
                }
            }
        }
    }
}

/// P consecutive taps × NB filters of the weight gradient: Σ over the pixels, in order, of
/// x[base + r] · d[p · ldd + j].
///
/// # Safety
/// For every base, `x + base + P` is at most one past the end of x's buffer, and `d` points at
/// bases.len() rows of ldd floats, each with NB readable from the start.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
unsafe fn weight_grad_tile<const P: usize>(
    x: *const f32,
    bases: &[usize],
    mut d: *const f32,
    ldd: usize,
) -> [[f32; NB]; P] {
    let mut acc = [[0.0f32; NB]; P];
    for &base in bases {
        let dv = d.cast::<[f32; NB]>().read_unaligned();
        let xa = x.add(base);
        for (r, row) in acc.iter_mut().enumerate() {
            let a = *xa.add(r);
            for (s, &dj) in row.iter_mut().zip(&dv) {
                *s += a * dj;
            }
        }
        d = d.add(ldd);
    }
    acc
}

/// `weight_grad_tile` written with simd128 intrinsics: two f32x4 accumulators per tap, the same
/// multiply, then add, per lane.
///
/// # Safety
/// As for the portable version.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
unsafe fn weight_grad_tile<const P: usize>(
    x: *const f32,
    bases: &[usize],
    mut d: *const f32,
    ldd: usize,
) -> [[f32; NB]; P] {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128_load, v128_load32_splat};
    let mut lo = [f32x4_splat(0.0); P];
    let mut hi = [f32x4_splat(0.0); P];
    for &base in bases {
        let d0 = v128_load(d.cast());
        let d1 = v128_load(d.add(4).cast());
        let xa = x.add(base);
        for r in 0..P {
            let a = v128_load32_splat(xa.add(r).cast());
            lo[r] = f32x4_add(lo[r], f32x4_mul(a, d0));
            hi[r] = f32x4_add(hi[r], f32x4_mul(a, d1));
        }
        d = d.add(ldd);
    }
    unsplit(lo, hi)
}

/// Rows of NB = 8 lanes from their low and high halves.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn unsplit<const P: usize>(
    lo: [core::arch::wasm32::v128; P],
    hi: [core::arch::wasm32::v128; P],
) -> [[f32; NB]; P] {
    use core::arch::wasm32::f32x4_extract_lane as lane;
    std::array::from_fn(|r| {
        let (l, h) = (lo[r], hi[r]);
        [
            lane::<0>(l),
            lane::<1>(l),
            lane::<2>(l),
            lane::<3>(l),
            lane::<0>(h),
            lane::<1>(h),
            lane::<2>(h),
            lane::<3>(h),
        ]
    })
}

pub(crate) struct Conv {
    pub plan: LayerPlan,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub weights_at: usize,
    pub bias_at: usize,
    /// Zero-padded input of the last forward pass, kept for the weight gradient.
    padded: Vec<f32>,
    packed: Vec<f32>,
    /// dY with rows widened to a multiple of NB, when the filter count is not one.
    wide_dy: Vec<f32>,
    /// Dilated, padded dY and flipped weights for the input gradient.
    spread_dy: Vec<f32>,
    flipped: Vec<f32>,
    geometry: Option<Geometry>,
    dx_geometry: Option<Geometry>,
}

impl Conv {
    pub fn new(plan: LayerPlan, kernel: usize, stride: usize, padding: Padding, at: usize) -> Self {
        let k = kernel * kernel * plan.input.channels;
        Conv {
            plan,
            kernel,
            stride,
            pad: conv_pad(kernel, padding),
            weights_at: at,
            bias_at: at + k * plan.output.channels,
            padded: Vec::new(),
            packed: Vec::new(),
            wide_dy: Vec::new(),
            spread_dy: Vec::new(),
            flipped: Vec::new(),
            geometry: None,
            dx_geometry: None,
        }
    }

    fn taps(&self) -> usize {
        self.kernel * self.kernel * self.plan.input.channels
    }

    pub fn fan_in(&self) -> usize {
        self.taps()
    }

    /// The forward geometry for `batch`, kept between calls (it only depends on the batch size).
    fn take_geometry(&mut self, batch: usize) -> Geometry {
        match self.geometry.take() {
            Some(g) if g.batch == batch => g,
            _ => self.geometry(batch),
        }
    }

    fn geometry(&self, batch: usize) -> Geometry {
        let i = self.plan.input;
        // The padded buffer is as large as the output needs (stride may leave rows unread).
        let height = (self.plan.output.height - 1) * self.stride + self.kernel;
        let width = (self.plan.output.width - 1) * self.stride + self.kernel;
        Geometry::new(
            batch,
            height.max(i.height + self.pad),
            width.max(i.width + self.pad),
            i.channels,
            self.kernel,
            self.stride,
        )
    }

    pub fn forward(&mut self, params: &[f32], x: &[f32], y: &mut [f32], batch: usize) {
        let i = self.plan.input;
        let filters = self.plan.output.channels;
        let g = self.take_geometry(batch);
        pad_into(
            x,
            batch,
            i.height,
            i.width,
            i.channels,
            self.pad,
            self.pad,
            1,
            g.height,
            g.width,
            g.slack(),
            &mut self.padded,
        );
        let w = &params[self.weights_at..self.weights_at + self.taps() * filters];
        pack_columns(w, self.taps(), filters, &mut self.packed);
        let bias = &params[self.bias_at..self.bias_at + filters];
        conv_kernel(&g, &self.padded, &self.packed, Some(bias), y, filters);
        self.geometry = Some(g);
    }

    pub fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let o = self.plan.output;
        let filters = o.channels;
        let pixels = batch * o.height * o.width;
        let dy = &dy[..pixels * filters];
        add_row_sums(&mut grads[self.bias_at..self.bias_at + filters], dy);
        let g = self.take_geometry(batch);
        let ldd = filters.next_multiple_of(NB);
        let taps = self.taps();
        let wide = widen_rows(dy, filters, ldd, &mut self.wide_dy);
        weight_grad_kernel(
            &g,
            &self.padded,
            wide,
            ldd,
            &mut grads[self.weights_at..self.weights_at + taps * filters],
            filters,
        );
        self.geometry = Some(g);
        if let Some(dx) = dx {
            self.input_grad(params, dy, dx, batch);
        }
    }

    /// dX, written to `dx`: the stride-1 convolution of dY, spread `stride` apart and padded by
    /// kernel − 1 − pad, with the kernel flipped and its in/out channels swapped: a forward
    /// convolution, so it reuses the forward kernel (see the module doc).
    fn input_grad(&mut self, params: &[f32], dy: &[f32], dx: &mut [f32], batch: usize) {
        let (i, o) = (self.plan.input, self.plan.output);
        let filters = o.channels;
        let k = self.kernel;
        let edge = k - 1 - self.pad;
        let (h, w) = (i.height + k - 1, i.width + k - 1);
        let gt = match self.dx_geometry.take() {
            Some(g) if g.batch == batch => g,
            _ => Geometry::new(batch, h, w, filters, k, 1),
        };
        pad_into(
            dy,
            batch,
            o.height,
            o.width,
            filters,
            edge,
            edge,
            self.stride,
            h,
            w,
            gt.slack(),
            &mut self.spread_dy,
        );
        let c = i.channels;
        let weights = &params[self.weights_at..self.weights_at + self.taps() * filters];
        flip_kernel(weights, k, c, filters, &mut self.flipped);
        pack_columns(&self.flipped, k * k * filters, c, &mut self.packed);
        conv_kernel(&gt, &self.spread_dy, &self.packed, None, dx, c);
        self.dx_geometry = Some(gt);
    }
}

/// `dy` (rows of `filters` values) with each row zero-padded to `ldd`, a multiple of the kernel's
/// NB lanes, so the weight-gradient kernel reads whole vectors; `dy` itself when no padding is
/// needed. `buf` keeps the padded copy's allocation between calls.
fn widen_rows<'a>(dy: &'a [f32], filters: usize, ldd: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
    if ldd == filters {
        return dy;
    }
    buf.clear();
    buf.resize(dy.len() / filters * ldd, 0.0);
    for (dst, src) in buf.chunks_exact_mut(ldd).zip(dy.chunks_exact(filters)) {
        dst[..filters].copy_from_slice(src);
    }
    buf
}

/// The `k × k` kernel `weights` (laid out `[tap][c][filter]`) flipped in both directions with its
/// in and out channels swapped (`[tap][filter][c]`), into `out`, whose allocation is reused.
fn flip_kernel(weights: &[f32], k: usize, c: usize, filters: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(k * k * filters * c, 0.0);
    for ky in 0..k {
        for kx in 0..k {
            let src_tap = (k - 1 - ky) * k + (k - 1 - kx);
            for f in 0..filters {
                for ch in 0..c {
                    out[((ky * k + kx) * filters + f) * c + ch] =
                        weights[(src_tap * c + ch) * filters + f];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1), with exact zeros and negative zeros mixed in.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                match i % 11 {
                    3 => 0.0,
                    7 => -0.0,
                    _ => (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0,
                }
            })
            .collect()
    }

    /// The tiled kernels give, bit for bit, the plain loops they replace: each output summed from
    /// its first term over the taps (forward) or the pixels (weight gradient) in order, with one
    /// multiply and one add per term. Shapes cover full and remainder tiles, phantom taps, the
    /// specialised pixel steps and the general one, and filter counts that are not a multiple of
    /// NB.
    #[test]
    fn tiled_kernels_sum_in_the_plain_order() {
        // (batch, padded height, padded width, channels, kernel, stride, filters)
        let shapes = [
            (2, 32, 32, 1, 5, 1, 8),
            (2, 18, 18, 8, 5, 1, 16),
            (1, 18, 18, 16, 5, 1, 8),
            (3, 9, 11, 3, 3, 2, 5),
            (1, 7, 10, 2, 3, 1, 13),
            (2, 6, 6, 4, 3, 1, 20),
            (1, 5, 5, 1, 5, 1, 3),
            (1, 19, 19, 1, 5, 1, 8),
        ];
        for (i, &(batch, h, w, c, k, stride, n)) in shapes.iter().enumerate() {
            let g = Geometry::new(batch, h, w, c, k, stride);
            let taps = g.taps.len();
            let mut xp = values(g.batch * h * w * c, i as u32 + 1);
            xp.resize(xp.len() + g.slack(), 0.0);
            let weights = values(taps * n, i as u32 + 100);
            let bias = values(n, i as u32 + 200);
            let mut packed = Vec::new();
            pack_columns(&weights, taps, n, &mut packed);
            let mut out = vec![f32::NAN; g.pixels() * n];
            conv_kernel(&g, &xp, &packed, Some(&bias), &mut out, n);
            for (p, &base) in g.bases.iter().enumerate() {
                for f in 0..n {
                    let mut acc = bias[f];
                    for (t, &off) in g.taps.iter().enumerate() {
                        acc += xp[base + off] * weights[t * n + f];
                    }
                    assert_eq!(out[p * n + f].to_bits(), acc.to_bits(), "shape {i} forward");
                }
            }

            let ldd = n.next_multiple_of(NB);
            let dy = values(g.pixels() * ldd, i as u32 + 300);
            let start = values(taps * n, i as u32 + 400);
            let mut grad = start.clone();
            weight_grad_kernel(&g, &xp, &dy, ldd, &mut grad, n);
            for t in 0..taps {
                for f in 0..n {
                    let mut acc = 0.0f32;
                    for (p, &base) in g.bases.iter().enumerate() {
                        acc += xp[base + g.taps[t]] * dy[p * ldd + f];
                    }
                    let want = start[t * n + f] + acc;
                    assert_eq!(grad[t * n + f].to_bits(), want.to_bits(), "shape {i} dW");
                }
            }
        }
    }
}
