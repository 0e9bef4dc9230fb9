//! The one configuration schema. Every setting is declared once, in [`SETTINGS`], with its
//! default, bounds and name; that name is the URL parameter, the CLI flag and the key in the
//! results' `config`. The page reads the schema from here (through wasm), clamps what a URL asks
//! for, and Rust validates again.

use crate::nn::{OptimizerKind, Schedule};
use serde::{Deserialize, Serialize};

/// The approaches compared; their ids are used in URLs, JSON and the CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Approach {
    /// One K-way softmax CNN.
    #[serde(rename = "shared")]
    Shared,
    /// K binary CNNs, class k against the rest, predicting by the highest score.
    #[serde(rename = "ovr")]
    Ovr,
    /// K binary CNNs, each trained only on images of its own class.
    #[serde(rename = "positive-only")]
    PositiveOnly,
    /// One conv trunk with K sigmoid heads.
    #[serde(rename = "trunk")]
    Trunk,
}

impl Approach {
    pub const ALL: [Approach; 4] = [
        Approach::Shared,
        Approach::Ovr,
        Approach::PositiveOnly,
        Approach::Trunk,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Approach::Shared => "shared",
            Approach::Ovr => "ovr",
            Approach::PositiveOnly => "positive-only",
            Approach::Trunk => "trunk",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    /// Whether the approach trains one binary model per class.
    pub fn per_class(self) -> bool {
        matches!(self, Approach::Ovr | Approach::PositiveOnly)
    }
}

/// The full configuration of a run: everything needed to rerun it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub dataset: String,
    pub classes: Vec<usize>,
    pub train_per_class: usize,
    pub arch: String,
    pub conv1: usize,
    pub conv2: usize,
    pub approaches: Vec<Approach>,
    pub budget: String,
    pub balance: String,
    pub init: String,
    pub optimizer: OptimizerKind,
    pub lr: f32,
    pub momentum: f32,
    pub weight_decay: f32,
    pub schedule: Schedule,
    pub epochs: usize,
    pub batch: usize,
    pub seeds: usize,
    pub seed: u64,
    pub augment_shift: usize,
    pub augment_flip: bool,
    pub shapes_classes: usize,
    pub shapes_size: usize,
    pub shapes_train: usize,
    pub shapes_test: usize,
    pub shapes_noise: f32,
    pub shapes_jitter: f32,
    pub shapes_scale: f32,
    pub shapes_rotation: f32,
}

/// What kind of value a setting takes, with its bounds.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
        log: bool,
    },
    Bool,
    Choice {
        options: Vec<&'static str>,
    },
    /// A comma-separated list of choices (at least one).
    Choices {
        options: Vec<&'static str>,
    },
    /// A comma-separated list of integers in 0..=max (empty means all).
    IntList {
        max: i64,
        max_len: usize,
    },
    /// Free text of at most `max_len` characters (dataset names and file labels).
    Text {
        max_len: usize,
    },
}

/// One setting: its name, what it means, the group it is shown in, and its kind.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub group: &'static str,
    #[serde(flatten)]
    pub kind: Kind,
    pub default: String,
}

pub const BUNDLED_DATASETS: [&str; 5] =
    ["mnist28", "fashion28", "animals28", "digits8x8", "glyphs"];
pub const ARCHS: [&str; 4] = ["linear", "tiny", "ref", "wide"];
pub const MAX_EPOCHS: i64 = 30;
pub const MAX_SEEDS: i64 = 10;

fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

fn float(min: f64, max: f64) -> Kind {
    Kind::Float {
        min,
        max,
        log: false,
    }
}

/// The schema. Order is the order of the controls on the page.
pub fn settings() -> Vec<Setting> {
    let d = Config::default();
    let s = |name, label, help, group, kind, default: String| Setting {
        name,
        label,
        help,
        group,
        kind,
        default,
    };
    vec![
        s("dataset", "Dataset", "A bundled set (mnist28, fashion28, animals28, digits8x8, glyphs), shapes (generated), or your own file", "data", Kind::Text { max_len: 64 }, d.dataset.clone()),
        s("classes", "Classes", "Which classes to keep, as indices (empty: all)", "data", Kind::IntList { max: 63, max_len: 64 }, String::new()),
        s("train_per_class", "Training images per class", "0 keeps all; fewer shows whether the gap is about data", "data", int(0, 10_000), d.train_per_class.to_string()),
        s("augment_shift", "Random shift (px)", "Augmentation: shift each training image by up to this many pixels", "data", int(0, 4), d.augment_shift.to_string()),
        s("augment_flip", "Random horizontal flip", "Augmentation: mirror training images (wrong for digits)", "data", Kind::Bool, d.augment_flip.to_string()),
        s("shapes_classes", "Shape classes", "Shapes dataset: number of figures", "shapes", int(2, 10), d.shapes_classes.to_string()),
        s("shapes_size", "Shape image size", "Shapes dataset: side in pixels", "shapes", int(16, 32), d.shapes_size.to_string()),
        s("shapes_train", "Shape training images per class", "Shapes dataset", "shapes", int(10, 2000), d.shapes_train.to_string()),
        s("shapes_test", "Shape test images per class", "Shapes dataset", "shapes", int(10, 1000), d.shapes_test.to_string()),
        s("shapes_noise", "Shape noise", "Shapes dataset: standard deviation of pixel noise", "shapes", float(0.0, 1.0), d.shapes_noise.to_string()),
        s("shapes_jitter", "Shape position jitter", "Shapes dataset: fraction of the free space", "shapes", float(0.0, 1.0), d.shapes_jitter.to_string()),
        s("shapes_scale", "Shape scale variation", "Shapes dataset: 0.2 means 80%–120%", "shapes", float(0.0, 1.0), d.shapes_scale.to_string()),
        s("shapes_rotation", "Shape rotation (°)", "Shapes dataset: largest rotation either way", "shapes", float(0.0, 180.0), d.shapes_rotation.to_string()),
        s("arch", "Architecture", "linear: softmax regression; tiny: 3×3 convs; ref: REF-CNN (5×5, 8 and 16 filters); wide: 5×5, 16 and 32", "model", Kind::Choice { options: ARCHS.to_vec() }, d.arch.clone()),
        s("conv1", "First conv filters", "0: the preset's width", "model", int(0, 64), d.conv1.to_string()),
        s("conv2", "Second conv filters", "0: the preset's width", "model", int(0, 128), d.conv2.to_string()),
        s("approaches", "Approaches", "shared: one K-way model; ovr: K binary one-vs-rest models; positive-only: K models that each see only their class; trunk: shared trunk with K sigmoid heads", "experiment", Kind::Choices { options: Approach::ALL.iter().map(|a| a.id()).collect() }, "shared,ovr,positive-only".into()),
        s("budget", "Budget of the per-class models", "per-model: each as large as the shared model (K× the parameters); total: narrowed so that together they have about the shared model's parameters", "experiment", Kind::Choice { options: vec!["per-model", "total"] }, d.budget.clone()),
        s("balance", "One-vs-rest balancing", "none; weight: positives weigh K−1; batches: half of every batch is positive", "experiment", Kind::Choice { options: vec!["none", "weight", "batches"] }, d.balance.clone()),
        s("init", "Initial weights", "independent: each model draws its own; same: every model starts from the same conv weights, so any difference is learned", "experiment", Kind::Choice { options: vec!["independent", "same"] }, d.init.clone()),
        s("optimizer", "Optimiser", "The same for every approach", "training", Kind::Choice { options: vec!["sgd", "adam"] }, "sgd".into()),
        s("lr", "Learning rate", "", "training", Kind::Float { min: 1e-5, max: 10.0, log: true }, d.lr.to_string()),
        s("momentum", "Momentum (SGD)", "", "training", float(0.0, 0.99), d.momentum.to_string()),
        s("weight_decay", "Weight decay (L2)", "", "training", float(0.0, 0.1), d.weight_decay.to_string()),
        s("schedule", "Learning-rate schedule", "constant; step: ×0.1 after each third; cosine: decays to 0", "training", Kind::Choice { options: vec!["constant", "step", "cosine"] }, "constant".into()),
        s("epochs", "Epochs", "", "training", int(1, MAX_EPOCHS), d.epochs.to_string()),
        s("batch", "Batch size", "", "training", int(1, 256), d.batch.to_string()),
        s("seeds", "Seeds", "Runs with different seeds; more than one gives mean ± spread", "training", int(1, MAX_SEEDS), d.seeds.to_string()),
        s("seed", "First seed", "Seeds used: seed, seed+1, …", "training", int(0, 1_000_000), d.seed.to_string()),
    ]
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dataset: "mnist28".into(),
            classes: Vec::new(),
            train_per_class: 0,
            arch: "ref".into(),
            conv1: 0,
            conv2: 0,
            approaches: vec![Approach::Shared, Approach::Ovr, Approach::PositiveOnly],
            budget: "per-model".into(),
            balance: "none".into(),
            init: "independent".into(),
            optimizer: OptimizerKind::Sgd,
            lr: 0.02,
            momentum: 0.9,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
            epochs: 3,
            batch: 32,
            seeds: 1,
            seed: 1,
            augment_shift: 0,
            augment_flip: false,
            shapes_classes: 4,
            shapes_size: 24,
            shapes_train: 300,
            shapes_test: 100,
            shapes_noise: 0.1,
            shapes_jitter: 0.3,
            shapes_scale: 0.2,
            shapes_rotation: 15.0,
        }
    }
}

/// How to treat a value outside its bounds: the page clamps and says so, the CLI refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Clamp,
    Strict,
}

fn format_float(v: f64) -> String {
    let s = format!("{}", v as f32);
    s
}

impl Config {
    /// The value of setting `name` as text (the form used in URLs and on the command line).
    pub fn get(&self, name: &str) -> Option<String> {
        let list = |v: &[usize]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        Some(match name {
            "dataset" => self.dataset.clone(),
            "classes" => list(&self.classes),
            "train_per_class" => self.train_per_class.to_string(),
            "augment_shift" => self.augment_shift.to_string(),
            "augment_flip" => self.augment_flip.to_string(),
            "shapes_classes" => self.shapes_classes.to_string(),
            "shapes_size" => self.shapes_size.to_string(),
            "shapes_train" => self.shapes_train.to_string(),
            "shapes_test" => self.shapes_test.to_string(),
            "shapes_noise" => format_float(self.shapes_noise as f64),
            "shapes_jitter" => format_float(self.shapes_jitter as f64),
            "shapes_scale" => format_float(self.shapes_scale as f64),
            "shapes_rotation" => format_float(self.shapes_rotation as f64),
            "arch" => self.arch.clone(),
            "conv1" => self.conv1.to_string(),
            "conv2" => self.conv2.to_string(),
            "approaches" => self
                .approaches
                .iter()
                .map(|a| a.id())
                .collect::<Vec<_>>()
                .join(","),
            "budget" => self.budget.clone(),
            "balance" => self.balance.clone(),
            "init" => self.init.clone(),
            "optimizer" => match self.optimizer {
                OptimizerKind::Sgd => "sgd",
                OptimizerKind::Adam => "adam",
            }
            .into(),
            "lr" => format_float(self.lr as f64),
            "momentum" => format_float(self.momentum as f64),
            "weight_decay" => format_float(self.weight_decay as f64),
            "schedule" => match self.schedule {
                Schedule::Constant => "constant",
                Schedule::Step => "step",
                Schedule::Cosine => "cosine",
            }
            .into(),
            "epochs" => self.epochs.to_string(),
            "batch" => self.batch.to_string(),
            "seeds" => self.seeds.to_string(),
            "seed" => self.seed.to_string(),
            _ => return None,
        })
    }

    /// Stores an already checked value.
    fn put(&mut self, name: &str, v: &Value) {
        let text = || match v {
            Value::Text(t) => t.clone(),
            _ => unreachable!(),
        };
        let int = || match v {
            Value::Int(i) => *i,
            _ => unreachable!(),
        };
        let float = || match v {
            Value::Float(f) => *f as f32,
            _ => unreachable!(),
        };
        match name {
            "dataset" => self.dataset = text(),
            "classes" => {
                if let Value::Ints(list) = v {
                    self.classes = list.iter().map(|&i| i as usize).collect();
                }
            }
            "train_per_class" => self.train_per_class = int() as usize,
            "augment_shift" => self.augment_shift = int() as usize,
            "augment_flip" => self.augment_flip = matches!(v, Value::Bool(true)),
            "shapes_classes" => self.shapes_classes = int() as usize,
            "shapes_size" => self.shapes_size = int() as usize,
            "shapes_train" => self.shapes_train = int() as usize,
            "shapes_test" => self.shapes_test = int() as usize,
            "shapes_noise" => self.shapes_noise = float(),
            "shapes_jitter" => self.shapes_jitter = float(),
            "shapes_scale" => self.shapes_scale = float(),
            "shapes_rotation" => self.shapes_rotation = float(),
            "arch" => self.arch = text(),
            "conv1" => self.conv1 = int() as usize,
            "conv2" => self.conv2 = int() as usize,
            "approaches" => {
                if let Value::Texts(list) = v {
                    self.approaches = list.iter().filter_map(|a| Approach::from_id(a)).collect();
                }
            }
            "budget" => self.budget = text(),
            "balance" => self.balance = text(),
            "init" => self.init = text(),
            "optimizer" => {
                self.optimizer = if text() == "adam" {
                    OptimizerKind::Adam
                } else {
                    OptimizerKind::Sgd
                }
            }
            "lr" => self.lr = float(),
            "momentum" => self.momentum = float(),
            "weight_decay" => self.weight_decay = float(),
            "schedule" => {
                self.schedule = match text().as_str() {
                    "step" => Schedule::Step,
                    "cosine" => Schedule::Cosine,
                    _ => Schedule::Constant,
                }
            }
            "epochs" => self.epochs = int() as usize,
            "batch" => self.batch = int() as usize,
            "seeds" => self.seeds = int() as usize,
            "seed" => self.seed = int() as u64,
            _ => {}
        }
    }

    /// Reads settings given as name/value text pairs (a URL query or CLI flags) over the
    /// defaults. In `Clamp` mode, a bad or out-of-range value is replaced (by the nearest bound,
    /// or the default) and a notice says what changed; in `Strict` mode it is an error.
    pub fn from_pairs<S: AsRef<str>>(
        pairs: &[(S, S)],
        mode: Mode,
    ) -> Result<(Config, Vec<String>), String> {
        let schema = settings();
        let mut cfg = Config::default();
        let mut notices = Vec::new();
        for (name, raw) in pairs {
            let (name, raw) = (name.as_ref(), raw.as_ref());
            let Some(setting) = schema.iter().find(|s| s.name == name) else {
                let shown: String = name.chars().take(40).collect();
                if mode == Mode::Strict {
                    return Err(format!("unknown setting '{shown}'"));
                }
                notices.push(format!("ignored the unknown setting '{shown}'"));
                continue;
            };
            match setting.kind.parse(raw) {
                Ok((value, None)) => cfg.put(name, &value),
                Ok((value, Some(why))) => {
                    if mode == Mode::Strict {
                        return Err(format!("{name}: {why}"));
                    }
                    notices.push(format!("{name}: {why}"));
                    cfg.put(name, &value);
                }
                Err(why) => {
                    if mode == Mode::Strict {
                        return Err(format!("{name}: {why}"));
                    }
                    notices.push(format!(
                        "{name}: {why}; kept the default {}",
                        setting.default
                    ));
                }
            }
        }
        Ok((cfg, notices))
    }

    /// The settings that differ from the defaults, as name/value pairs (for a short URL).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let base = Config::default();
        settings()
            .iter()
            .filter_map(|s| {
                let v = self.get(s.name)?;
                (base.get(s.name).as_deref() != Some(v.as_str())).then(|| (s.name.to_string(), v))
            })
            .collect()
    }

    /// Checks every setting against the schema and the rules that tie settings together.
    pub fn validate(&self) -> Result<(), String> {
        for s in settings() {
            let v = self.get(s.name).unwrap_or_default();
            match s.kind.parse(&v) {
                Ok((_, None)) => {}
                Ok((_, Some(why))) | Err(why) => return Err(format!("{}: {why}", s.name)),
            }
        }
        if self.approaches.is_empty() {
            return Err("approaches: choose at least one".into());
        }
        if self.dataset.trim().is_empty() {
            return Err("dataset: empty name".into());
        }
        Ok(())
    }

    /// The seeds of this run: `seed`, `seed + 1`, …
    pub fn seed_list(&self) -> Vec<u64> {
        (0..self.seeds as u64).map(|i| self.seed + i).collect()
    }
}

/// A parsed setting value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Texts(Vec<String>),
    Ints(Vec<i64>),
}

impl Kind {
    /// Parses `raw`. `Ok((value, Some(notice)))` means the value was changed to fit (clamped).
    fn parse(&self, raw: &str) -> Result<(Value, Option<String>), String> {
        let raw = raw.trim();
        let shown: String = raw.chars().take(24).collect();
        match self {
            Kind::Int { min, max } => {
                let v: f64 = raw
                    .parse()
                    .map_err(|_| format!("'{shown}' is not a number"))?;
                if !v.is_finite() {
                    return Err(format!("'{shown}' is not a finite number"));
                }
                let r = v.round().clamp(*min as f64, *max as f64) as i64;
                let note = (r as f64 != v)
                    .then(|| format!("{shown} is outside {min}..{max} or not whole; used {r}"));
                Ok((Value::Int(r), note))
            }
            Kind::Float { min, max, .. } => {
                let v: f64 = raw
                    .parse()
                    .map_err(|_| format!("'{shown}' is not a number"))?;
                if !v.is_finite() {
                    return Err(format!("'{shown}' is not a finite number"));
                }
                let r = v.clamp(*min, *max);
                let note = (r != v).then(|| format!("{shown} is outside {min}..{max}; used {r}"));
                Ok((Value::Float(r), note))
            }
            Kind::Bool => match raw {
                "1" | "true" | "yes" | "on" => Ok((Value::Bool(true), None)),
                "0" | "false" | "no" | "off" | "" => Ok((Value::Bool(false), None)),
                _ => Err(format!("'{shown}' is not true or false")),
            },
            Kind::Choice { options } => {
                if options.contains(&raw) {
                    Ok((Value::Text(raw.to_string()), None))
                } else {
                    Err(format!("'{shown}' is not one of {}", options.join(", ")))
                }
            }
            Kind::Choices { options } => {
                let mut out: Vec<String> = Vec::new();
                let mut dropped = Vec::new();
                for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if options.contains(&item) {
                        if !out.iter().any(|o| o == item) {
                            out.push(item.to_string());
                        }
                    } else {
                        dropped.push(item.chars().take(24).collect::<String>());
                    }
                }
                if out.is_empty() {
                    return Err(format!(
                        "none of '{shown}' is one of {}",
                        options.join(", ")
                    ));
                }
                let note = (!dropped.is_empty())
                    .then(|| format!("dropped unknown {}", dropped.join(", ")));
                Ok((Value::Texts(out), note))
            }
            Kind::IntList { max, max_len } => {
                let mut out = Vec::new();
                for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let v: i64 = item.parse().map_err(|_| {
                        format!(
                            "'{}' is not a class index",
                            item.chars().take(24).collect::<String>()
                        )
                    })?;
                    if v < 0 || v > *max {
                        return Err(format!("class index {v} is outside 0..{max}"));
                    }
                    if out.contains(&v) {
                        return Err(format!("class {v} is listed twice"));
                    }
                    out.push(v);
                }
                if out.len() > *max_len {
                    return Err(format!("more than {max_len} classes listed"));
                }
                if out.len() == 1 {
                    return Err("list at least two classes (or none for all)".into());
                }
                Ok((Value::Ints(out), None))
            }
            Kind::Text { max_len } => {
                if raw.is_empty() {
                    return Err("empty".into());
                }
                if raw.chars().count() > *max_len {
                    return Err(format!("longer than {max_len} characters"));
                }
                if raw.chars().any(|c| c.is_control()) {
                    return Err("contains control characters".into());
                }
                Ok((Value::Text(raw.to_string()), None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip_through_pairs() {
        let d = Config::default();
        d.validate().unwrap();
        assert!(d.to_pairs().is_empty());
        let pairs = vec![
            ("lr", "0.01"),
            ("approaches", "ovr,trunk"),
            ("classes", "3,4,5"),
            ("epochs", "5"),
        ];
        let (cfg, notes) = Config::from_pairs(&pairs, Mode::Strict).unwrap();
        assert!(notes.is_empty());
        assert_eq!(cfg.classes, vec![3, 4, 5]);
        assert_eq!(cfg.approaches, vec![Approach::Ovr, Approach::Trunk]);
        let back = cfg.to_pairs();
        let (again, _) = Config::from_pairs(&back, Mode::Strict).unwrap();
        assert_eq!(again, cfg);
    }

    #[test]
    fn absurd_values_are_clamped_with_notices_or_refused() {
        let pairs = vec![
            ("epochs", "1e9"),
            ("lr", "-3"),
            ("batch", "abc"),
            ("bogus", "1"),
            ("approaches", "ovr,<img>"),
        ];
        let (cfg, notes) = Config::from_pairs(&pairs, Mode::Clamp).unwrap();
        assert_eq!(cfg.epochs, MAX_EPOCHS as usize);
        assert_eq!(cfg.lr, 1e-5);
        assert_eq!(cfg.batch, 32);
        assert_eq!(cfg.approaches, vec![Approach::Ovr]);
        assert_eq!(notes.len(), 5, "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("unknown setting 'bogus'")));
        let err = Config::from_pairs(&[("epochs", "1e9")], Mode::Strict).unwrap_err();
        assert!(
            err.contains("epochs") && err.contains("outside 1..30"),
            "{err}"
        );
        assert!(Config::from_pairs(&[("seeds", "NaN")], Mode::Strict)
            .unwrap_err()
            .contains("not a"));
    }

    #[test]
    fn every_setting_has_a_readable_default() {
        let d = Config::default();
        for s in settings() {
            assert_eq!(d.get(s.name).unwrap(), s.default, "{}", s.name);
        }
    }
}
