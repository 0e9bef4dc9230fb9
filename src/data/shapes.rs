//! Procedural shapes: a dataset drawn from a seed, with knobs for how hard it is.
//!
//! Each image is one white figure on black, anti-aliased by 4x4 supersampling, randomly placed,
//! scaled and rotated, plus Gaussian noise. Only integer arithmetic, basic IEEE f64 operations and
//! `libm` are used, so a seed gives the same bytes natively and in WebAssembly.

use super::{DataError, Dataset, Split, MAX_IMAGES};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// The figures, in class order; a dataset with `classes = k` uses the first `k`.
pub const SHAPE_NAMES: [&str; 10] = [
    "circle",
    "square",
    "triangle",
    "plus",
    "ring",
    "star",
    "h-lines",
    "v-lines",
    "diagonals",
    "x",
];

/// How to draw a shapes dataset. Large rotations make some classes ambiguous by design
/// (a plus turned 45° is an x; horizontal lines turned 90° are vertical ones).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShapesConfig {
    /// Number of classes, 2..=10.
    pub classes: usize,
    /// Image side in pixels, 16..=32.
    pub size: usize,
    /// Training images per class (at least 1).
    pub train_per_class: usize,
    /// Test images per class (at least 1).
    pub test_per_class: usize,
    /// Standard deviation of additive Gaussian noise, in [0, 1] pixel units; 0..=1.
    pub noise: f32,
    /// Largest position offset, as a fraction of the free space around the figure; 0..=1.
    pub jitter: f32,
    /// Largest relative change of size (0.2 means 80%..120%); 0..=1.
    pub scale: f32,
    /// Largest rotation either way, in degrees; 0..=180.
    pub rotation: f32,
    /// Seed of every draw.
    pub seed: u64,
}

impl Default for ShapesConfig {
    fn default() -> Self {
        ShapesConfig {
            classes: 4,
            size: 24,
            train_per_class: 300,
            test_per_class: 100,
            noise: 0.1,
            jitter: 0.3,
            scale: 0.2,
            rotation: 15.0,
            seed: 1,
        }
    }
}

impl ShapesConfig {
    /// Checks every field against its bounds, naming the field and the bound in the error.
    pub fn validate(&self) -> Result<(), DataError> {
        let err = |p: String| Err(DataError::new("shapes", p));
        if !(2..=SHAPE_NAMES.len()).contains(&self.classes) {
            return err(format!(
                "classes must be between 2 and {}, got {}",
                SHAPE_NAMES.len(),
                self.classes
            ));
        }
        if !(16..=32).contains(&self.size) {
            return err(format!(
                "size must be between 16 and 32 pixels, got {}",
                self.size
            ));
        }
        for (name, n) in [
            ("train_per_class", self.train_per_class),
            ("test_per_class", self.test_per_class),
        ] {
            if n == 0 {
                return err(format!("{name} must be at least 1"));
            }
            if n.saturating_mul(self.classes) > MAX_IMAGES {
                return err(format!(
                    "{name} {n} times {} classes is more than the maximum of {MAX_IMAGES} images per split",
                    self.classes
                ));
            }
        }
        for (name, v, hi) in [
            ("noise", self.noise, 1.0),
            ("jitter", self.jitter, 1.0),
            ("scale", self.scale, 1.0),
            ("rotation", self.rotation, 180.0),
        ] {
            if !(0.0..=hi).contains(&v) {
                return err(format!("{name} must be between 0 and {hi}, got {v}"));
            }
        }
        Ok(())
    }
}

/// Supersampling grid per pixel side: 16 samples per pixel, enough for smooth edges at 16..32 px.
const SUB: usize = 4;
/// Half-extent of every figure in its own unit frame: all figures fit in [-1, 1]^2.
const EXTENT: f64 = 1.0;

/// Generates a shapes dataset: train and test both in balanced blocks (image `i` has class `i % k`).
///
/// Every image has its own random stream keyed by split and index, so the test set does not change
/// when only `train_per_class` does.
pub fn generate(cfg: &ShapesConfig) -> Result<Dataset, DataError> {
    cfg.validate()?;
    let k = cfg.classes;
    let polygons = Polygons::new();
    let make = |split_tag: u64, n: usize| {
        let side = cfg.size;
        let mut split = Split {
            images: Vec::with_capacity(n * side * side),
            labels: Vec::with_capacity(n),
        };
        for i in 0..n {
            let class = i % k;
            let mut rng = Rng::derive(cfg.seed, split_tag << 40 | i as u64);
            render(cfg, class, &polygons, &mut rng, &mut split.images);
            split.labels.push(class as u8);
        }
        split
    };
    let ds = Dataset {
        name: format!("shapes{}", cfg.size),
        width: cfg.size,
        height: cfg.size,
        channels: 1,
        class_names: SHAPE_NAMES[..k].iter().map(|s| s.to_string()).collect(),
        train: make(1, k * cfg.train_per_class),
        test: make(2, k * cfg.test_per_class),
        source: "procedural shapes generated by ovr-lab".into(),
        license: "public domain (generated)".into(),
        notes: vec![format!(
            "procedural: {k} classes, {}x{} px, noise {}, jitter {}, scale {}, rotation {} degrees, seed {}",
            cfg.size, cfg.size, cfg.noise, cfg.jitter, cfg.scale, cfg.rotation, cfg.seed
        )],
    };
    ds.validate("shapes")?;
    Ok(ds)
}

/// Vertices of the polygonal figures, computed once.
struct Polygons {
    triangle: Vec<(f64, f64)>,
    star: Vec<(f64, f64)>,
}

impl Polygons {
    fn new() -> Self {
        let regular = |n: usize, radius: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
            (0..n)
                .map(|j| {
                    // Start at the top (y grows downwards in images).
                    let a = -std::f64::consts::FRAC_PI_2
                        + 2.0 * std::f64::consts::PI * j as f64 / n as f64;
                    (radius(j) * libm::cos(a), radius(j) * libm::sin(a))
                })
                .collect()
        };
        Polygons {
            // Shifted down so that its centroid, not its circumcentre, sits at the origin.
            triangle: regular(3, &|_| 1.0)
                .into_iter()
                .map(|(x, y)| (x, y + 0.2))
                .collect(),
            star: regular(10, &|j| if j % 2 == 0 { 1.0 } else { 0.42 }),
        }
    }
}

/// Even-odd point-in-polygon test.
fn in_polygon(poly: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Whether the point (x, y) of the figure's unit frame is inside figure `class`.
fn inside(class: usize, polys: &Polygons, x: f64, y: f64) -> bool {
    let (ax, ay) = (x.abs(), y.abs());
    let r2 = x * x + y * y;
    // Stripes fill a square of half-side 0.85 with 3 bars of period 0.68 (bar 0.34 wide): finer bars
    // would alias at 16 px.
    let stripes = |t: f64| {
        let u = (t + 0.85) / 0.68;
        ax <= 0.85 && ay <= 0.85 && u - libm::floor(u) < 0.5
    };
    match class {
        0 => r2 <= 0.85 * 0.85,
        1 => ax <= 0.75 && ay <= 0.75,
        2 => in_polygon(&polys.triangle, x, y),
        3 => (ax <= 0.2 && ay <= 0.9) || (ay <= 0.2 && ax <= 0.9),
        4 => (0.55 * 0.55..=0.9 * 0.9).contains(&r2),
        5 => in_polygon(&polys.star, x, y),
        6 => stripes(y),
        7 => stripes(x),
        // Diagonal bars clipped to a disc so that the figure's outline gives no hint of rotation.
        8 => {
            let u = ((x + y) * std::f64::consts::FRAC_1_SQRT_2 + 0.17) / 0.68;
            r2 <= 0.9 * 0.9 && u - libm::floor(u) < 0.5
        }
        _ => {
            let d1 = (x - y).abs() * std::f64::consts::FRAC_1_SQRT_2;
            let d2 = (x + y).abs() * std::f64::consts::FRAC_1_SQRT_2;
            ax <= 0.75 && ay <= 0.75 && (d1 <= 0.2 || d2 <= 0.2)
        }
    }
}

/// Draws one image of `class` and appends its `size * size` bytes to `out`.
fn render(cfg: &ShapesConfig, class: usize, polys: &Polygons, rng: &mut Rng, out: &mut Vec<u8>) {
    let side = cfg.size as f64;
    // A figure's half-size in pixels: about 30% of the side, times the random scale.
    let s = side * 0.3 * (1.0 + cfg.scale as f64 * (2.0 * rng.uniform() as f64 - 1.0));
    let free = (side / 2.0 - s * EXTENT).max(0.0);
    let cx = side / 2.0 + cfg.jitter as f64 * free * (2.0 * rng.uniform() as f64 - 1.0);
    let cy = side / 2.0 + cfg.jitter as f64 * free * (2.0 * rng.uniform() as f64 - 1.0);
    let angle = (cfg.rotation as f64 * (2.0 * rng.uniform() as f64 - 1.0)).to_radians();
    let (sin, cos) = (libm::sin(angle), libm::cos(angle));
    let step = 1.0 / SUB as f64;
    for py in 0..cfg.size {
        for px in 0..cfg.size {
            let mut hits = 0u32;
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let dx = px as f64 + (sx as f64 + 0.5) * step - cx;
                    let dy = py as f64 + (sy as f64 + 0.5) * step - cy;
                    // Rotate the sample back into the figure's frame, then unscale.
                    let x = (cos * dx + sin * dy) / s;
                    let y = (-sin * dx + cos * dy) / s;
                    hits += inside(class, polys, x, y) as u32;
                }
            }
            let mut v = hits as f64 / (SUB * SUB) as f64;
            if cfg.noise > 0.0 {
                v += cfg.noise as f64 * rng.normal() as f64;
            }
            out.push(libm::round(v.clamp(0.0, 1.0) * 255.0) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        })
    }

    #[test]
    fn default_is_valid_and_bounds_are_named() {
        assert!(ShapesConfig::default().validate().is_ok());
        let bad = |c: ShapesConfig| c.validate().unwrap_err().to_string();
        let d = ShapesConfig::default;
        assert!(bad(ShapesConfig { classes: 11, ..d() })
            .contains("classes must be between 2 and 10, got 11"));
        assert!(
            bad(ShapesConfig { classes: 1, ..d() }).contains("classes must be between 2 and 10")
        );
        assert!(bad(ShapesConfig { size: 40, ..d() })
            .contains("size must be between 16 and 32 pixels, got 40"));
        assert!(bad(ShapesConfig {
            train_per_class: 0,
            ..d()
        })
        .contains("train_per_class must be at least 1"));
        assert!(bad(ShapesConfig {
            test_per_class: 30_000,
            ..d()
        })
        .contains("more than the maximum"));
        assert!(bad(ShapesConfig { noise: 1.5, ..d() })
            .contains("noise must be between 0 and 1, got 1.5"));
        assert!(bad(ShapesConfig {
            jitter: -0.1,
            ..d()
        })
        .contains("jitter must be between 0 and 1"));
        assert!(bad(ShapesConfig {
            scale: f32::NAN,
            ..d()
        })
        .contains("scale must be between 0 and 1"));
        assert!(bad(ShapesConfig {
            rotation: 200.0,
            ..d()
        })
        .contains("rotation must be between 0 and 180"));
        assert!(bad(ShapesConfig {
            rotation: 200.0,
            ..d()
        })
        .starts_with("shapes: "));
    }

    #[test]
    fn generation_is_deterministic_and_checksum_is_pinned() {
        let cfg = ShapesConfig::default();
        let a = generate(&cfg).unwrap();
        let b = generate(&cfg).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (a.train.count(), a.test.count(), a.image_len()),
            (1200, 400, 576)
        );
        assert!(crate::data::is_balanced_blocks(&a.train.labels, 4));
        assert_eq!(a.train.per_class(4), vec![300; 4]);
        // Pinned so that a change in rendering or in the RNG (or a platform difference) shows up here.
        assert_eq!(
            fnv(&a.train.images),
            SHAPES_TRAIN_FNV,
            "train {:#x}",
            fnv(&a.train.images)
        );
        assert_eq!(
            fnv(&a.test.images),
            SHAPES_TEST_FNV,
            "test {:#x}",
            fnv(&a.test.images)
        );
        let other = generate(&ShapesConfig {
            seed: 2,
            ..cfg.clone()
        })
        .unwrap();
        assert_ne!(other.train.images, a.train.images);
        // The test set depends only on the seed and test settings, not on the training-set size.
        let fewer = generate(&ShapesConfig {
            train_per_class: 10,
            ..cfg
        })
        .unwrap();
        assert_eq!(fewer.test, a.test);
    }

    const SHAPES_TRAIN_FNV: u64 = 0xa884_d557_fb17_ce47;
    const SHAPES_TEST_FNV: u64 = 0x8309_6b33_14f2_32e4;

    /// Nearest-class-mean accuracy on the test split.
    fn ncm_accuracy(ds: &Dataset) -> f64 {
        let (k, n) = (ds.num_classes(), ds.image_len());
        let mut means = vec![vec![0f64; n]; k];
        let counts = ds.train.per_class(k);
        for i in 0..ds.train.count() {
            let c = ds.train.labels[i] as usize;
            for (m, &p) in means[c].iter_mut().zip(ds.train.image(i, n)) {
                *m += p as f64 / counts[c] as f64;
            }
        }
        let correct = (0..ds.test.count())
            .filter(|&i| {
                let img = ds.test.image(i, n);
                let dist = |m: &Vec<f64>| {
                    m.iter()
                        .zip(img)
                        .map(|(a, &b)| (a - b as f64).powi(2))
                        .sum::<f64>()
                };
                let best = (0..k)
                    .min_by(|&a, &b| dist(&means[a]).total_cmp(&dist(&means[b])))
                    .unwrap();
                best == ds.test.labels[i] as usize
            })
            .count();
        correct as f64 / ds.test.count() as f64
    }

    #[test]
    fn classes_are_distinguishable() {
        let ds = generate(&ShapesConfig::default()).unwrap();
        let acc = ncm_accuracy(&ds);
        assert!(acc > 0.6, "nearest-class-mean accuracy {acc}");
        let all = generate(&ShapesConfig {
            classes: 10,
            train_per_class: 100,
            test_per_class: 40,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(all.class_names.len(), 10);
        let acc = ncm_accuracy(&all);
        assert!(acc > 0.5, "10-class nearest-class-mean accuracy {acc}");
    }

    #[test]
    fn clean_figures_are_distinct_and_antialiased() {
        let cfg = ShapesConfig {
            classes: 10,
            train_per_class: 1,
            test_per_class: 1,
            noise: 0.0,
            jitter: 0.0,
            scale: 0.0,
            rotation: 0.0,
            ..Default::default()
        };
        let ds = generate(&cfg).unwrap();
        let n = ds.image_len();
        for a in 0..10 {
            let img = ds.train.image(a, n);
            assert!(img.contains(&255), "class {a} has a solid interior");
            assert!(
                img.iter().any(|&p| p > 0 && p < 255),
                "class {a} has anti-aliased edges"
            );
            for b in 0..a {
                let other = ds.train.image(b, n);
                let diff: u32 = img
                    .iter()
                    .zip(other)
                    .map(|(&x, &y)| (x as i32 - y as i32).unsigned_abs())
                    .sum();
                assert!(diff > 20 * 255, "classes {a} and {b} look alike ({diff})");
            }
        }
    }
}
