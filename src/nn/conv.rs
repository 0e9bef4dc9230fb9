//! 2-D convolution, NHWC, computed directly (no im2col matrix).
//!
//! The three products of a convolution layer are each a GEMM whose "A" operand is read straight
//! out of a zero-padded copy of the input through per-tap offsets:
//! - forward: out[pixel, f] = Σ_tap in[pixel + tap] · W[tap, f];
//! - weight gradient: dW[tap, f] = Σ_pixel in[pixel + tap] · dY[pixel, f];
//! - input gradient: a stride-1 convolution of the dilated, padded dY with the flipped kernel
//!   (a "transposed convolution"), so it reuses the forward kernel.
//!
//! Each micro-kernel keeps MR pixels (or taps) × NB filters of accumulators in registers; LLVM
//! vectorises the NB lanes (wasm `simd128`, SSE natively). No fused multiply-add, and the
//! summation order depends only on the shapes, so native and wasm give the same bits.

use super::dense::add_row_sums;
use super::spec::{conv_pad, LayerPlan, Padding};

const MR: usize = 4;
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
            taps,
            bases,
        }
    }

    fn pixels(&self) -> usize {
        self.batch * self.out_height * self.out_width
    }

    fn buffer_len(&self) -> usize {
        self.batch * self.height * self.width * self.channels
    }
}

/// Copies `x` (batch × h × w × c) into `out`, surrounded by `top`/`left` zero rows and columns and
/// enough at the bottom/right to fill `out_h` × `out_w`, spreading pixels `dilation` apart.
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
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(batch * out_h * out_w * c, 0.0);
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
    let taps = g.taps.len();
    assert!(
        xp.len() >= g.buffer_len()
            && out.len() >= pixels * n
            && packed.len() >= n.div_ceil(NB) * taps * NB
    );
    for blk in 0..n.div_ceil(NB) {
        let f0 = blk * NB;
        let width = NB.min(n - f0);
        let wblock = &packed[blk * taps * NB..(blk + 1) * taps * NB];
        let mut init = [0.0f32; NB];
        if let Some(b) = bias {
            init[..width].copy_from_slice(&b[f0..f0 + width]);
        }
        for p0 in (0..pixels).step_by(MR) {
            let valid = MR.min(pixels - p0);
            let bases: [usize; MR] = std::array::from_fn(|r| g.bases[p0 + r.min(valid - 1)]);
            let mut acc = [init; MR];
            for (&off, w) in g.taps.iter().zip(wblock.chunks_exact(NB)) {
                let w: &[f32; NB] = w.try_into().unwrap();
                for r in 0..MR {
                    // SAFETY: base(p) + largest tap offset is the last element of pixel p's
                    // receptive field, inside the padded buffer whose length was asserted above.
                    let a = unsafe { *xp.get_unchecked(bases[r] + off) };
                    for j in 0..NB {
                        acc[r][j] += a * w[j];
                    }
                }
            }
            for (r, row) in acc.iter().enumerate().take(valid) {
                let at = (p0 + r) * n + f0;
                out[at..at + width].copy_from_slice(&row[..width]);
            }
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
    let taps = g.taps.len();
    assert!(
        xp.len() >= g.buffer_len()
            && dy.len() >= pixels * ldd
            && ldd.is_multiple_of(NB)
            && grad.len() >= taps * n
    );
    for f0 in (0..n).step_by(NB) {
        let width = NB.min(n - f0);
        for t0 in (0..taps).step_by(MR) {
            let valid = MR.min(taps - t0);
            let offs: [usize; MR] = std::array::from_fn(|r| g.taps[t0 + r.min(valid - 1)]);
            let mut acc = [[0.0f32; NB]; MR];
            for (p, &base) in g.bases.iter().enumerate() {
                let d: &[f32; NB] = dy[p * ldd + f0..p * ldd + f0 + NB].try_into().unwrap();
                for r in 0..MR {
                    // SAFETY: as in `conv_kernel`, every tap of every pixel is inside `xp`.
                    let a = unsafe { *xp.get_unchecked(base + offs[r]) };
                    for j in 0..NB {
                        acc[r][j] += a * d[j];
                    }
                }
            }
            for (r, row) in acc.iter().enumerate().take(valid) {
                for (dst, &v) in grad[(t0 + r) * n + f0..(t0 + r) * n + f0 + width]
                    .iter_mut()
                    .zip(row)
                {
                    *dst += v;
                }
            }
        }
    }
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
            &mut self.spread_dy,
        );
        let c = i.channels;
        let weights = &params[self.weights_at..self.weights_at + self.taps() * filters];
        flip_kernel(weights, k, c, filters, &mut self.flipped);
        pack_columns(&self.flipped, k * k * filters, c, &mut self.packed);
        let gt = match self.dx_geometry.take() {
            Some(g) if g.batch == batch => g,
            _ => Geometry::new(batch, h, w, filters, k, 1),
        };
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
