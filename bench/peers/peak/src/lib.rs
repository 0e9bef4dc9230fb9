//! The limit that REF-CNN training is measured against: the best sustained rate of separate f32
//! SIMD multiplies and adds on one core (no FMA, as ovr-lab's kernels use none), in GFLOP/s with a
//! multiply and an add counted as one FLOP each per lane.
//!
//! Each kernel runs [`CHAINS`] independent accumulators through `acc ← acc·m + k` in a tight
//! loop: a multiply and a dependent add per chain, so a chain is bound by the latency of a
//! multiply plus an add (about 8 cycles on current x86), and 12 chains keep 24 operations in
//! flight: enough to fill two SIMD pipes for 12 cycles, within x86's 16 vector registers
//! (12 accumulators, `m`, `k`). With m = 0.5, k = 1 every accumulator converges to 2: no overflow,
//! no denormals. `m` and `k` come from the caller at run time, so the compiler cannot fold them.
//! (On the AMD EPYC of the first runs, 8 chains reached two thirds of 12 chains' rate, being bound
//! by latency, and 16 chains less than 12, spilling registers.)
//!
//! - `wasm-simd128`: `f32x4.mul` + `f32x4.add` (what the browser's JIT makes of them; in a Worker).
//! - `sse`: `mulps` + `addps` on 128-bit registers, natively.
//! - `avx2`: `vmulps` + `vaddps` on 256-bit registers, natively (AVX suffices; needs a CPU with
//!   AVX2, checked at run time).
//!
//! Beside the peaks, `wasm-tile` and `sse-tile` time ovr-lab's own inner loop with its operands in
//! L1 (see [`tile`]): the ceiling of the engine's way of computing, read against the peak of the
//! same instructions.

pub mod tile;

/// Independent accumulator chains per peak kernel.
pub const CHAINS: usize = 12;

/// Loop iterations per timed chunk: 4–8 ms at the rates seen on x86 (4·10⁸ FLOPs with 4 lanes),
/// long enough for a browser's `performance.now()`, coarsened to 0.1 ms without cross-origin
/// isolation, to time each chunk within a few percent.
const CHUNK_ITERS: u64 = 1 << 22;

/// One kernel: runs `iters` iterations over all chains and returns a value that depends on every
/// accumulator (so nothing is optimised away).
pub struct Kernel {
    pub name: &'static str,
    pub lanes: usize,
    pub description: &'static str,
    /// Independent accumulators (vectors of `lanes`).
    pub chains: usize,
    /// FLOPs per iteration of `run`, and iterations per timed chunk.
    pub flops_per_iter: f64,
    pub chunk_iters: u64,
    run: fn(u64, f32, f32) -> f32,
}

impl Kernel {
    /// A peak kernel: an iteration is a multiply and an add per lane of every chain.
    fn peak(
        name: &'static str,
        lanes: usize,
        description: &'static str,
        run: fn(u64, f32, f32) -> f32,
    ) -> Self {
        Kernel {
            name,
            lanes,
            description,
            chains: CHAINS,
            flops_per_iter: (CHAINS * lanes * 2) as f64,
            chunk_iters: CHUNK_ITERS,
            run,
        }
    }

    /// The engine's tile (see `tile`): an iteration is one pass over its taps, and a chunk has as
    /// many FLOPs as a peak kernel's with 4 lanes.
    fn tile(name: &'static str, description: &'static str, run: fn(u64, f32, f32) -> f32) -> Self {
        let per_pass = tile::flops_per_pass();
        Kernel {
            name,
            lanes: 4,
            description,
            chains: 2 * tile::PIXELS,
            flops_per_iter: per_pass,
            chunk_iters: ((CHUNK_ITERS * (CHAINS * 4 * 2) as u64) as f64 / per_pass) as u64,
            run,
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::CHAINS;
    use core::arch::wasm32::*;

    pub fn run(iters: u64, m: f32, k: f32) -> f32 {
        let (m, k) = (f32x4_splat(m), f32x4_splat(k));
        let mut acc = [f32x4_splat(0.0); CHAINS];
        for (i, a) in acc.iter_mut().enumerate() {
            *a = f32x4_splat(i as f32);
        }
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = f32x4_add(f32x4_mul(*a, m), k);
            }
        }
        let mut s = f32x4_splat(0.0);
        for a in acc {
            s = f32x4_add(s, a);
        }
        f32x4_extract_lane::<0>(s)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::CHAINS;
    use core::arch::x86_64::*;

    pub fn run_sse(iters: u64, m: f32, k: f32) -> f32 {
        // SSE is part of x86_64's baseline.
        unsafe {
            let (m, k) = (_mm_set1_ps(m), _mm_set1_ps(k));
            let mut acc = [_mm_setzero_ps(); CHAINS];
            for (i, a) in acc.iter_mut().enumerate() {
                *a = _mm_set1_ps(i as f32);
            }
            for _ in 0..iters {
                for a in acc.iter_mut() {
                    *a = _mm_add_ps(_mm_mul_ps(*a, m), k);
                }
            }
            let mut s = _mm_setzero_ps();
            for a in acc {
                s = _mm_add_ps(s, a);
            }
            _mm_cvtss_f32(s)
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn avx2(iters: u64, m: f32, k: f32) -> f32 {
        let (m, k) = (_mm256_set1_ps(m), _mm256_set1_ps(k));
        let mut acc = [_mm256_setzero_ps(); CHAINS];
        for (i, a) in acc.iter_mut().enumerate() {
            *a = _mm256_set1_ps(i as f32);
        }
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = _mm256_add_ps(_mm256_mul_ps(*a, m), k);
            }
        }
        let mut s = _mm256_setzero_ps();
        for a in acc {
            s = _mm256_add_ps(s, a);
        }
        _mm256_cvtss_f32(s)
    }

    pub fn run_avx2(iters: u64, m: f32, k: f32) -> f32 {
        assert!(is_x86_feature_detected!("avx2"), "this CPU has no AVX2");
        unsafe { avx2(iters, m, k) }
    }
}

/// The kernels this build can run, by name.
pub fn kernels() -> Vec<Kernel> {
    #[allow(unused_mut)]
    let mut out: Vec<Kernel> = Vec::new();
    #[cfg(target_arch = "wasm32")]
    out.extend([
        Kernel::peak(
            "wasm-simd128",
            4,
            "f32x4.mul + f32x4.add (wasm SIMD128)",
            wasm::run,
        ),
        Kernel::tile(
            "wasm-tile",
            "ovr-lab's forward tile, 4 pixels × 8 filters over 200 taps in L1 (wasm SIMD128)",
            |passes, m, k| tile::run_wasm(passes, &tile::Operands::new(m, k)),
        ),
    ]);
    #[cfg(target_arch = "x86_64")]
    {
        out.push(Kernel::peak(
            "sse",
            4,
            "mulps + addps (SSE, 128-bit)",
            x86::run_sse,
        ));
        if is_x86_feature_detected!("avx2") {
            out.push(Kernel::peak(
                "avx2",
                8,
                "vmulps + vaddps (AVX2, 256-bit)",
                x86::run_avx2,
            ));
        }
        out.push(Kernel::tile(
            "sse-tile",
            "ovr-lab's wasm forward tile written with SSE, 4 pixels × 8 filters over 200 taps in L1",
            |passes, m, k| tile::run_sse(passes, &tile::Operands::new(m, k)),
        ));
    }
    out
}

/// Runs kernel `name` in chunks for about `seconds` and returns, as JSON, the best chunk's rate
/// (the peak: what the core sustains when nothing else runs on it), the median chunk's, and the
/// whole window's.
pub fn run(name: &str, seconds: f64, now: &dyn Fn() -> f64) -> Result<String, String> {
    let available = kernels();
    let kernel = available.iter().find(|k| k.name == name).ok_or_else(|| {
        let names: Vec<_> = available.iter().map(|k| k.name).collect();
        format!("no kernel '{name}' in this build (one of {names:?})")
    })?;
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(format!("seconds {seconds} is outside (0, 60]"));
    }
    let (m, k) = (std::hint::black_box(0.5f32), std::hint::black_box(1.0f32));
    // Warm-up: the JIT tiers up, the core's clock settles.
    let mut sink = (kernel.run)(kernel.chunk_iters, m, k);
    let mut rates = Vec::new();
    let mut iters = 0u64;
    let t0 = now();
    while now() - t0 < seconds {
        let c0 = now();
        sink += (kernel.run)(kernel.chunk_iters, m, k);
        let dt = now() - c0;
        if dt > 0.0 {
            rates.push(kernel.chunk_iters as f64 * kernel.flops_per_iter / dt);
        }
        iters += kernel.chunk_iters;
    }
    let window = now() - t0;
    rates.sort_by(f64::total_cmp);
    let best = rates.last().copied().unwrap_or(f64::NAN);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(f64::NAN);
    std::hint::black_box(sink);
    if !sink.is_finite() {
        return Err(format!("the accumulators ended at {sink}"));
    }
    Ok(serde_json::json!({
        "engine": "peak",
        "kernel": kernel.name,
        "description": kernel.description,
        "lanes": kernel.lanes,
        "chains": kernel.chains,
        "fma": false,
        "gflops": best / 1e9,
        "median_gflops": median / 1e9,
        "sustained_gflops": iters as f64 * kernel.flops_per_iter / window / 1e9,
        "chunks": rates.len(),
        "chunk_flops": kernel.chunk_iters as f64 * kernel.flops_per_iter,
        "seconds": window,
        "target": std::env::consts::ARCH,
    })
    .to_string())
}

/// The wasm export: `peak(seconds, kernel)` → `{gflops, sustained_gflops, …}` for kernel
/// `wasm-simd128` (f32x4 mul + add, the default) or `wasm-tile` (the engine's loop).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn peak(
    seconds: f64,
    kernel: Option<String>,
) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    let name = kernel.as_deref().unwrap_or("wasm-simd128");
    let json = run(name, seconds, &peer_common::js_now)
        .map_err(|e| wasm_bindgen::JsValue::from_str(&e))?;
    peer_common::to_js(&json)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kernel_runs_and_converges() {
        for k in super::kernels() {
            if k.name.ends_with("-tile") {
                // One pass: lane 0 of the four pixels' low and high accumulators, summed.
                let ops = super::tile::Operands::new(0.5, 1.0);
                let want = super::tile::lane0_sum(&ops);
                let got = (k.run)(1, 0.5, 1.0);
                assert!(
                    (got - want).abs() <= want * 1e-5,
                    "{}: {got} vs {want}",
                    k.name
                );
            } else {
                // Every accumulator converges to 2: twelve lanes 0 sum to 24.
                assert_eq!((k.run)(200, 0.5, 1.0), 24.0, "{}", k.name);
            }
            let clock = peer_common::native_clock();
            let json = super::run(k.name, 0.05, &clock).unwrap();
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert!(v["gflops"].as_f64().unwrap() > 0.0, "{json}");
        }
    }
}
