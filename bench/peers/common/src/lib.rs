//! What every Rust peer of `make bench` shares with ovr-lab's own benchmark (`src/bench.rs` at the
//! repository root), so that the engines are timed the same way on the same network: REF-CNN's
//! shape and training settings, random data cycled through a pool of 512 images, and the timing
//! loop (one untimed warm-up step, then steps until the window is over; inference likewise).
//! The clock is passed in, as in `src/bench.rs`.

/// Image side (28×28, one channel).
pub const SIZE: usize = 28;
/// Pixels per image.
pub const IMAGE: usize = SIZE * SIZE;
/// Output classes of `ref-cnn` (softmax cross-entropy).
pub const CLASSES: usize = 10;
/// Convolution kernel side and its "same" padding.
pub const KERNEL: usize = 5;
pub const PAD: usize = KERNEL / 2;
/// Filters of the two convolutions.
pub const FILTERS: [usize; 2] = [8, 16];
/// Inputs of the dense layer: 16 channels of 7×7 after two 2×2 max-pools.
pub const DENSE_IN: usize = FILTERS[1] * (SIZE / 4) * (SIZE / 4);
/// SGD with heavy-ball momentum, as ovr-lab: v ← μv + g; w ← w − lr·v.
pub const LEARNING_RATE: f64 = 0.01;
pub const MOMENTUM: f64 = 0.9;
/// Random images are cycled through this many samples, as in `src/bench.rs`.
pub const POOL: usize = 512;
/// Inference batch.
pub const INFER_BATCH: usize = 256;

/// FLOPs of one forward pass of REF-CNN, counted like `NetSpec::flops_per_image` (multiply-adds
/// × 2 for the convolutions and the dense layer).
pub fn flops_per_image() -> (u64, u64) {
    let (s, k) = (SIZE as u64, KERNEL as u64);
    let (f1, f2) = (FILTERS[0] as u64, FILTERS[1] as u64);
    let conv1 = s * s * f1 * k * k * 2;
    let conv2 = (s / 2) * (s / 2) * f2 * k * k * f1 * 2;
    let dense = DENSE_IN as u64 * CLASSES as u64 * 2;
    (conv1, conv1 + conv2 + dense)
}

/// Forward, weight gradients, and input gradients of every weighted layer but the first.
pub fn flops_per_train_sample() -> u64 {
    let (conv1, total) = flops_per_image();
    3 * total - conv1
}

/// SplitMix64: a tiny seeded generator, so every run of a peer sees the same data.
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Uniform random pixels in [0, 1) with random labels 0..9: speed does not depend on the values.
pub struct Data {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

pub fn random_data(seed: u64) -> Data {
    let mut rng = SplitMix::new(seed);
    let images = (0..POOL * IMAGE).map(|_| rng.uniform()).collect();
    let labels = (0..POOL)
        .map(|_| (rng.next_u64() % CLASSES as u64) as u8)
        .collect();
    Data { images, labels }
}

impl Data {
    /// The `step`-th training batch: (first sample, samples), cycling through the pool like
    /// `src/bench.rs`.
    pub fn batch(&self, step: usize, batch: usize) -> (usize, usize) {
        let n = batch.min(POOL);
        ((step * batch) % (POOL - n + 1), n)
    }

    pub fn images(&self, start: usize, n: usize) -> &[f32] {
        &self.images[start * IMAGE..(start + n) * IMAGE]
    }

    pub fn labels(&self, start: usize, n: usize) -> &[u8] {
        &self.labels[start..start + n]
    }
}

/// Inference runs for as long as `src/bench.rs` gives it: at least half the training time, at
/// most 2 s unless the window is longer than 4 s.
pub fn infer_seconds(seconds: f64) -> f64 {
    seconds.min(2.0).max(seconds / 2.0)
}

/// Samples per second of training and inference.
#[derive(Clone, Copy, Debug)]
pub struct Rates {
    pub train_samples_per_s: f64,
    pub infer_samples_per_s: f64,
    /// The last training loss, as a check that the peer really trained (finite, near ln 10 on
    /// random labels).
    pub last_loss: f64,
}

/// A training step returns (samples done, loss); an inference step returns samples done.
pub type TrainStep<'a> = dyn FnMut(usize) -> Result<(usize, f64), String> + 'a;
pub type InferStep<'a> = dyn FnMut() -> Result<usize, String> + 'a;

/// Times `train(step)` for `seconds` after one untimed warm-up step, then `infer()` likewise
/// for [`infer_seconds`]. `now` returns seconds from any fixed origin.
pub fn measure(
    seconds: f64,
    now: &dyn Fn() -> f64,
    train: &mut TrainStep,
    infer: &mut InferStep,
) -> Result<Rates, String> {
    if !(seconds > 0.0 && seconds <= 600.0) {
        return Err(format!("seconds {seconds} is outside (0, 600]"));
    }
    let (_, mut last_loss) = train(0)?;
    let t0 = now();
    let mut samples = 0usize;
    let mut step = 1;
    while now() - t0 < seconds {
        let (n, loss) = train(step)?;
        samples += n;
        last_loss = loss;
        step += 1;
    }
    let train_samples_per_s = samples as f64 / (now() - t0);
    if !last_loss.is_finite() {
        return Err(format!("the training loss is {last_loss}"));
    }

    infer()?;
    let t1 = now();
    let mut inferred = 0usize;
    while now() - t1 < infer_seconds(seconds) {
        inferred += infer()?;
    }
    let infer_samples_per_s = inferred as f64 / (now() - t1);
    Ok(Rates {
        train_samples_per_s,
        infer_samples_per_s,
        last_loss,
    })
}

/// The result as one line of JSON, with the field names of ovr-lab's `BenchResult` (and the
/// page's peer workers): what the native binaries print and the wasm `bench` export returns.
pub fn result_json(
    engine: &str,
    version: &str,
    batch: usize,
    rates: &Rates,
    params: usize,
) -> String {
    let (_, infer_flops) = flops_per_image();
    serde_json::json!({
        "engine": engine,
        "version": version,
        "model": "ref-cnn",
        "batch": batch,
        "train_samples_per_s": rates.train_samples_per_s,
        "infer_samples_per_s": rates.infer_samples_per_s,
        "gflops": rates.train_samples_per_s * flops_per_train_sample() as f64 / 1e9,
        "infer_gflops": rates.infer_samples_per_s * infer_flops as f64 / 1e9,
        "last_loss": rates.last_loss,
        "params": params,
        "simd": cfg!(any(target_feature = "simd128", target_feature = "sse2", target_feature = "neon")),
        "target": std::env::consts::ARCH,
    })
    .to_string()
}

/// Native command-line arguments of the peer binaries: `--batch N --seconds S` and, for
/// `peak`, `--isa NAME`. Unknown flags are refused.
pub struct Args {
    pub batch: usize,
    pub seconds: f64,
    pub isa: Option<String>,
}

pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        batch: 32,
        seconds: 3.0,
        isa: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--batch" => out.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--seconds" => out.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--isa" => out.isa = Some(value()?),
            other => {
                return Err(format!(
                    "unknown argument {other} (--batch N, --seconds S, --isa NAME)"
                ))
            }
        }
    }
    if !(1..=1024).contains(&out.batch) {
        return Err(format!("batch {} is outside 1..=1024", out.batch));
    }
    Ok(out)
}

/// Seconds from the start of the program, natively.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_clock() -> impl Fn() -> f64 {
    let start = std::time::Instant::now();
    move || start.elapsed().as_secs_f64()
}

/// `performance.now()` in seconds, in a Worker or a page.
#[cfg(target_arch = "wasm32")]
pub fn js_now() -> f64 {
    use wasm_bindgen::JsCast;
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .expect("performance exists in workers and pages");
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &"now".into())
        .expect("performance.now exists")
        .unchecked_into();
    now.call0(&performance)
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
        / 1000.0
}

/// A JSON document as a JavaScript value, for the wasm exports.
#[cfg(target_arch = "wasm32")]
pub fn to_js(json: &str) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    js_sys::JSON::parse(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_match_ovr_lab() {
        // src/nn/spec.rs: 313,600 + 1,254,400 + 15,680 per image.
        assert_eq!(flops_per_image(), (313_600, 1_583_680));
        assert_eq!(flops_per_train_sample(), 3 * 1_583_680 - 313_600);
    }

    #[test]
    fn batches_cycle_through_the_pool() {
        let data = random_data(1);
        assert_eq!(data.batch(0, 32), (0, 32));
        assert_eq!(data.batch(15, 32), (480, 32));
        assert_eq!(data.batch(16, 32), (31, 32));
        assert!(data.images.iter().all(|&x| (0.0..1.0).contains(&x)));
        assert!(data.labels.iter().all(|&l| (l as usize) < CLASSES));
    }
}
