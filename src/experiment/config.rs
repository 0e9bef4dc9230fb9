//! The one configuration schema. Every setting is declared once, in the `settings!` list below:
//! its field, type, default, group, label, kind with bounds, and help. From that one line come the
//! `Config` field, its default, the schema the page builds its form from, and the text form used
//! in URLs, CLI flags and the results' `config` (the setting's name is all three).

use super::schema::{
    choice, choice_enum, float, int, log_float, Choice, Kind, Setting, SettingValue,
};
use crate::error::{Error, Result};
use crate::nn::{OptimizerKind, Schedule};
use serde::{Deserialize, Serialize};

choice_enum! {
    /// The approaches compared; controls (`shared-wide`, `shared-long`, `shared-ensemble`) separate
    /// the explanations of a one-vs-rest gain.
    pub enum Approach {
        /// One K-way softmax CNN.
        Shared = "shared",
        /// K binary CNNs, class k against the rest, predicting by the highest score.
        Ovr = "ovr",
        /// K binary CNNs, each trained only on images of its own class.
        PositiveOnly = "positive-only",
        /// One conv trunk with K sigmoid heads.
        Trunk = "trunk",
        /// One softmax CNN widened to the parameter total of the K one-vs-rest models.
        SharedWide = "shared-wide",
        /// One softmax CNN trained for K times the epochs: the one-vs-rest training compute.
        SharedLong = "shared-long",
        /// K softmax CNNs from independent inits whose softmax outputs are averaged.
        SharedEnsemble = "shared-ensemble",
    }
}

impl Approach {
    /// How the approach is named in sentences and legends.
    pub fn label(self) -> &'static str {
        match self {
            Approach::Shared => "shared",
            Approach::Ovr => "one-vs-rest",
            Approach::PositiveOnly => "positive-only",
            Approach::Trunk => "shared trunk",
            Approach::SharedWide => "shared, widened",
            Approach::SharedLong => "shared, K× epochs",
            Approach::SharedEnsemble => "shared ensemble",
        }
    }

    /// One line on what the approach trains.
    pub fn description(self) -> &'static str {
        match self {
            Approach::Shared => "one network, one K-way softmax output",
            Approach::Ovr => "K binary networks, class k against all the others",
            Approach::PositiveOnly => "K binary networks that each see only their own class",
            Approach::Trunk => "one convolutional trunk with K sigmoid heads",
            Approach::SharedWide => {
                "control: one shared network widened to the K one-vs-rest networks' parameters"
            }
            Approach::SharedLong => {
                "control: one shared network trained for K times the epochs (the one-vs-rest compute)"
            }
            Approach::SharedEnsemble => {
                "control: K shared networks from independent starts, their softmax outputs averaged"
            }
        }
    }

    /// Whether the approach trains one binary model per class.
    pub fn per_class(self) -> bool {
        matches!(self, Approach::Ovr | Approach::PositiveOnly)
    }

    /// Models per seed for K classes.
    pub fn models(self, k: usize) -> usize {
        match self {
            Approach::Ovr | Approach::PositiveOnly | Approach::SharedEnsemble => k,
            _ => 1,
        }
    }

    /// Whether the approach predicts from a softmax over the K classes (one model or the mean of
    /// several), rather than from independent per-class sigmoids.
    pub fn softmax(self) -> bool {
        matches!(
            self,
            Approach::Shared
                | Approach::SharedWide
                | Approach::SharedLong
                | Approach::SharedEnsemble
        )
    }
}

choice_enum! {
    /// The base architecture.
    pub enum Arch {
        /// Softmax regression on the pixels.
        Linear = "linear",
        /// Two 3×3 conv blocks, 4 and 8 filters.
        Tiny = "tiny",
        /// REF-CNN: two 5×5 conv blocks, 8 and 16 filters.
        Ref = "ref",
        /// Two 5×5 conv blocks, 16 and 32 filters.
        Wide = "wide",
    }
}

choice_enum! {
    /// How large each per-class model is.
    pub enum Budget {
        /// Each per-class model has the base architecture.
        PerModel = "per-model",
        /// The per-class models are narrowed so that together they have about the base's parameters.
        Total = "total",
    }
}

choice_enum! {
    /// How one-vs-rest models meet their 1 : K−1 class imbalance.
    pub enum Balance {
        None = "none",
        /// Positives weigh K − 1 in the loss.
        Weight = "weight",
        /// Half of every batch is positive.
        Batches = "batches",
    }
}

choice_enum! {
    /// Where the models' weights start.
    pub enum Init {
        /// Each model draws its own, keyed by (seed, approach, member).
        Independent = "independent",
        /// Every model of a seed starts from the same conv weights.
        Same = "same",
    }
}

pub const MAX_EPOCHS: i64 = 30;
pub const MAX_SEEDS: i64 = 10;

/// A setting on which two configurations differ (`Config::differences`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// The setting's name (its URL parameter and CLI flag).
    pub name: &'static str,
    /// Its label on the page.
    pub label: &'static str,
    /// Its value in the configuration asked, as text.
    pub value: String,
    /// Its value in the other configuration, as text.
    pub other: String,
}

/// Declares the settings: `name: Type = default; group, basic, label, kind, help;`.
macro_rules! settings {
    ($($name:ident : $ty:ty = $default:expr ; $group:literal, $basic:literal, $label:literal, $kind:expr, $help:expr ;)+) => {
        /// The full configuration of a run: everything needed to rerun it.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Config { $(pub $name: $ty,)+ }

        impl Default for Config {
            fn default() -> Self {
                Config { $($name: $default,)+ }
            }
        }

        /// The schema, in the order of the controls on the page.
        pub fn settings() -> Vec<Setting> {
            let d = Config::default();
            vec![$(Setting {
                name: stringify!($name),
                label: $label,
                help: $help,
                group: $group,
                basic: $basic,
                kind: $kind,
                default: d.$name.to_text(),
            },)+]
        }

        impl Config {
            /// The value of setting `name` as text (the form used in URLs and on the command line).
            pub fn get(&self, name: &str) -> Option<String> {
                match name {
                    $(stringify!($name) => Some(self.$name.to_text()),)+
                    _ => None,
                }
            }

            /// Parses `raw` for `setting` and stores it; a notice when the value was changed to fit.
            fn put(&mut self, setting: &Setting, raw: &str) -> std::result::Result<Option<String>, String> {
                match setting.name {
                    $(stringify!($name) => {
                        let (v, note) = <$ty as SettingValue>::from_text(&setting.kind, raw)?;
                        self.$name = v;
                        Ok(note)
                    })+
                    _ => Err("not a setting".into()),
                }
            }
        }
    };
}

settings! {
    dataset: String = "mnist28".into();
        "data", true, "Dataset", Kind::Text { max_len: 64, optional: false },
        "A bundled set, shapes (generated), or your own file";
    classes: Vec<usize> = Vec::new();
        "data", true, "Classes", Kind::IntList { max: 63, max_len: 64 },
        "Which classes to keep, as indices (empty: all)";
    train_per_class: usize = 0;
        "data", false, "Training images per class", int(0, 10_000),
        "0 keeps all; fewer shows whether the gap is about data";
    validation_fraction: f32 = 0.0;
        "data", false, "Validation fraction", float(0.0, 0.5),
        "Part of each class's training images held out (seeded) to choose the learning rate and when to stop; 0: none. The test set is never used for a choice";
    augment_shift: usize = 0;
        "data", false, "Random shift (px)", int(0, 4),
        "Augmentation: shift each training image by up to this many pixels";
    augment_flip: bool = false;
        "data", false, "Random horizontal flip", Kind::Bool,
        "Augmentation: mirror training images (wrong for digits)";
    ood_dataset: String = String::new();
        "data", false, "Out-of-distribution images", Kind::Text { max_len: 64, optional: true },
        "Another bundled set of the same image size whose test images every model also scores (e.g. fashion28 for mnist28 models); empty: none";
    shapes_classes: usize = 4;
        "shapes", false, "Shape classes", int(2, 10), "Shapes dataset: number of figures";
    shapes_size: usize = 24;
        "shapes", false, "Shape image size", int(16, 32), "Shapes dataset: side in pixels";
    shapes_train: usize = 300;
        "shapes", false, "Shape training images per class", int(10, 2000), "Shapes dataset";
    shapes_test: usize = 100;
        "shapes", false, "Shape test images per class", int(10, 1000), "Shapes dataset";
    shapes_noise: f32 = 0.1;
        "shapes", false, "Shape noise", float(0.0, 1.0),
        "Shapes dataset: standard deviation of pixel noise";
    shapes_jitter: f32 = 0.3;
        "shapes", false, "Shape position jitter", float(0.0, 1.0),
        "Shapes dataset: fraction of the free space";
    shapes_scale: f32 = 0.2;
        "shapes", false, "Shape scale variation", float(0.0, 1.0),
        "Shapes dataset: 0.2 means 80%–120%";
    shapes_rotation: f32 = 15.0;
        "shapes", false, "Shape rotation (°)", float(0.0, 180.0),
        "Shapes dataset: largest rotation either way";
    arch: Arch = Arch::Ref;
        "model", false, "Architecture", choice::<Arch>(),
        "linear: softmax regression; tiny: 3×3 convs, 4 and 8 filters; ref: REF-CNN (5×5, 8 and 16 filters); wide: 5×5, 16 and 32";
    conv1: usize = 0;
        "model", false, "First conv filters", int(0, 64), "0: the preset's width";
    conv2: usize = 0;
        "model", false, "Second conv filters", int(0, 128), "0: the preset's width";
    approaches: Vec<Approach> = vec![Approach::Shared, Approach::Ovr, Approach::PositiveOnly];
        "experiment", true, "Approaches", Kind::Choices { options: Approach::ids() },
        "shared: one K-way model; ovr: K binary one-vs-rest models; positive-only: K models that each see only their class; trunk: shared trunk with K sigmoid heads; controls: shared-wide (as many parameters as the K ovr models), shared-long (K× the epochs), shared-ensemble (K shared models averaged)";
    baseline: Approach = Approach::Shared;
        "experiment", false, "Compare against", choice::<Approach>(),
        "Every other approach is compared with this one, seed by seed";
    budget: Budget = Budget::PerModel;
        "experiment", false, "Budget of the per-class models", choice::<Budget>(),
        "per-model: each as large as the shared model (for REF-CNN on 10 classes the K models have 3.7× its parameters and 9.9× its FLOPs per image; the cost table gives the measured ratio); total: narrowed so that together they have about the shared model's parameters";
    balance: Balance = Balance::None;
        "experiment", false, "One-vs-rest balancing", choice::<Balance>(),
        "none; weight: positives weigh K−1; batches: half of every batch is positive";
    init: Init = Init::Independent;
        "experiment", false, "Initial weights", choice::<Init>(),
        "independent: each model draws its own (keyed by seed, approach and member, so a model is the same whatever else the run trains); same: every model starts from the same conv weights, so any difference is learned";
    optimizer: OptimizerKind = OptimizerKind::Sgd;
        "training", false, "Optimiser", choice::<OptimizerKind>(), "The same for every approach";
    lr: f32 = 0.02;
        "training", false, "Learning rate", log_float(1e-5, 10.0),
        "Used when no learning-rate grid is given";
    lr_grid: Vec<f32> = Vec::new();
        "training", false, "Learning-rate grid", Kind::FloatList { min: 1e-5, max: 10.0, max_len: 6 },
        "Comma-separated rates: every approach is trained at each, and keeps the one with the best validation accuracy (needs a validation fraction); empty: off";
    momentum: f32 = 0.9;
        "training", false, "Momentum (SGD)", float(0.0, 0.99), "";
    weight_decay: f32 = 0.0;
        "training", false, "Weight decay (L2)", float(0.0, 0.1), "";
    schedule: Schedule = Schedule::Constant;
        "training", false, "Learning-rate schedule", choice::<Schedule>(),
        "constant; step: ×0.1 after each third; cosine: decays to 0";
    epochs: usize = 3;
        "training", true, "Epochs", int(1, MAX_EPOCHS),
        "With early stopping, the most a model trains";
    patience: usize = 0;
        "training", false, "Early-stopping patience", int(0, 10),
        "Stop a model when its validation loss has not improved for this many epochs, keeping its best weights (needs a validation fraction); 0: off";
    batch: usize = 32;
        "training", false, "Batch size", int(1, 256), "";
    seeds: usize = 1;
        "training", true, "Seeds", int(1, MAX_SEEDS),
        "Runs with different seeds; more than one gives mean ± spread and intervals over seeds";
    seed: u64 = 1;
        "training", false, "First seed", int(0, 1_000_000), "Seeds used: seed, seed+1, …";
    curves: bool = true;
        "analysis", false, "Score every epoch", Kind::Bool,
        "Score the test and training images after every epoch, so the curves have a point per epoch; off: once, with the weights each model ends with (the same final accuracies in less time; the curves are one point; validation is still scored every epoch)";
    probe_size: usize = 500;
        "analysis", false, "Probe images", int(0, 2000),
        "Test images on which every model's layers are compared (CKA) after training; 0: off";
}

/// How to treat a value outside its bounds: the page clamps and says so, the CLI refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Clamp,
    Strict,
}

/// The schema entry of `name`.
pub fn setting(name: &str) -> Option<Setting> {
    settings().into_iter().find(|s| s.name == name)
}

impl Config {
    /// Reads settings given as name/value text pairs (a URL query or CLI flags) over the
    /// defaults. In `Clamp` mode, a bad or out-of-range value is replaced (by the nearest bound,
    /// or the default) and a notice says what changed; in `Strict` mode it is an error.
    pub fn from_pairs<S: AsRef<str>>(
        pairs: &[(S, S)],
        mode: Mode,
    ) -> Result<(Config, Vec<String>)> {
        let schema = settings();
        let mut cfg = Config::default();
        let mut notices = Vec::new();
        for (name, raw) in pairs {
            let (name, raw) = (name.as_ref(), raw.as_ref());
            let Some(setting) = schema.iter().find(|s| s.name == name) else {
                let shown: String = name.chars().take(40).collect();
                if mode == Mode::Strict {
                    return Err(Error::UnknownSetting(shown));
                }
                notices.push(format!("ignored the unknown setting '{shown}'"));
                continue;
            };
            match cfg.put(setting, raw) {
                Ok(None) => {}
                Ok(Some(why)) if mode == Mode::Clamp => notices.push(format!("{name}: {why}")),
                Ok(Some(why)) => return Err(Error::setting(name, why)),
                Err(why) if mode == Mode::Clamp => notices.push(format!(
                    "{name}: {why}; kept the default {}",
                    setting.default
                )),
                Err(why) => return Err(Error::setting(name, why)),
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

    /// The settings on which `self` and `other` differ, in the schema's order, with each one's
    /// value as text (as in a URL): what the page lists beside a kept run ("lr 0.05 here, 0.02
    /// now"), so that the page never compares settings itself.
    pub fn differences(&self, other: &Config) -> Vec<Difference> {
        settings()
            .iter()
            .filter_map(|s| {
                let (value, other) = (self.get(s.name)?, other.get(s.name)?);
                (value != other).then_some(Difference {
                    name: s.name,
                    label: s.label,
                    value,
                    other,
                })
            })
            .collect()
    }

    /// Checks every setting against the schema and the rules that tie settings together.
    pub fn validate(&self) -> Result<()> {
        let mut probe = Config::default();
        for s in settings() {
            let v = self.get(s.name).unwrap_or_default();
            match probe.put(&s, &v) {
                Ok(None) => {}
                Ok(Some(why)) | Err(why) => return Err(Error::setting(s.name, why)),
            }
        }
        if self.dataset.trim().is_empty() {
            return Err(Error::setting("dataset", "empty name"));
        }
        let needs_validation = |name: &str| {
            Error::setting(
                name,
                "needs a validation fraction above 0 (choices are made on held-out training images, never on the test set)",
            )
        };
        if self.patience > 0 && self.validation_fraction <= 0.0 {
            return Err(needs_validation("patience"));
        }
        if !self.lr_grid.is_empty() && self.validation_fraction <= 0.0 {
            return Err(needs_validation("lr_grid"));
        }
        if !self.ood_dataset.is_empty() && self.ood_dataset == self.dataset {
            return Err(Error::setting(
                "ood_dataset",
                "must differ from the dataset itself",
            ));
        }
        Ok(())
    }

    /// The seeds of this run: `seed`, `seed + 1`, …
    pub fn seed_list(&self) -> Vec<u64> {
        (0..self.seeds as u64).map(|i| self.seed + i).collect()
    }

    /// The learning rates each approach is trained at: the grid, or the one rate.
    pub fn rates(&self) -> Vec<f32> {
        if self.lr_grid.is_empty() {
            vec![self.lr]
        } else {
            self.lr_grid.clone()
        }
    }

    /// The approach every other is compared with, when it is part of the run.
    pub fn baseline(&self) -> Option<Approach> {
        self.approaches
            .contains(&self.baseline)
            .then_some(self.baseline)
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
            ("approaches", "ovr,trunk,shared-wide"),
            ("classes", "3,4,5"),
            ("epochs", "5"),
            ("arch", "tiny"),
            ("balance", "weight"),
            ("validation_fraction", "0.1"),
            ("lr_grid", "0.01,0.05"),
        ];
        let (cfg, notes) = Config::from_pairs(&pairs, Mode::Strict).unwrap();
        assert!(notes.is_empty());
        assert_eq!(cfg.classes, vec![3, 4, 5]);
        assert_eq!(
            cfg.approaches,
            vec![Approach::Ovr, Approach::Trunk, Approach::SharedWide]
        );
        assert_eq!((cfg.arch, cfg.balance), (Arch::Tiny, Balance::Weight));
        assert_eq!(cfg.rates(), vec![0.01, 0.05]);
        let back = cfg.to_pairs();
        let (again, _) = Config::from_pairs(&back, Mode::Strict).unwrap();
        assert_eq!(again, cfg);
        // The results document's config reads back to the same configuration.
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(json.contains("\"arch\":\"tiny\"") && json.contains("\"shared-wide\""));
        assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), cfg);
    }

    #[test]
    fn differences_name_each_setting_that_differs_in_schema_order() {
        let d = Config::default();
        assert!(d.differences(&d).is_empty());
        let (a, _) = Config::from_pairs(&[("lr", "0.05"), ("epochs", "2")], Mode::Strict).unwrap();
        let (b, _) =
            Config::from_pairs(&[("epochs", "2"), ("classes", "1,2")], Mode::Strict).unwrap();
        let diff = a.differences(&b);
        let names: Vec<&str> = diff.iter().map(|x| x.name).collect();
        assert_eq!(names, ["classes", "lr"]);
        assert_eq!(
            (diff[0].value.as_str(), diff[0].other.as_str()),
            ("", "1,2")
        );
        assert_eq!(
            (diff[1].value.as_str(), diff[1].other.as_str()),
            ("0.05", "0.02")
        );
        assert_eq!(
            diff[1].label,
            settings().iter().find(|s| s.name == "lr").unwrap().label
        );
        // Symmetric, with the values swapped.
        assert_eq!(b.differences(&a)[1].value, "0.02");
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
        assert_eq!(err.setting_name(), Some("epochs"));
        assert!(err.to_string().contains("outside 1..30"), "{err}");
        let err = Config::from_pairs(&[("seeds", "NaN")], Mode::Strict).unwrap_err();
        assert!(err.to_string().contains("not a"), "{err}");
        assert_eq!(
            Config::from_pairs(&[("nope", "1")], Mode::Strict).unwrap_err(),
            Error::UnknownSetting("nope".into())
        );
    }

    #[test]
    fn choices_made_without_a_validation_split_are_refused_and_name_their_setting() {
        let cfg = Config {
            patience: 3,
            ..Config::default()
        };
        assert_eq!(cfg.validate().unwrap_err().setting_name(), Some("patience"));
        let cfg = Config {
            lr_grid: vec![0.01, 0.02],
            ..Config::default()
        };
        assert_eq!(cfg.validate().unwrap_err().setting_name(), Some("lr_grid"));
        let cfg = Config {
            lr_grid: vec![0.01, 0.02],
            patience: 2,
            validation_fraction: 0.1,
            ..Config::default()
        };
        cfg.validate().unwrap();
    }

    #[test]
    fn every_setting_has_a_readable_default_and_a_unique_name() {
        let d = Config::default();
        let schema = settings();
        for s in &schema {
            assert_eq!(d.get(s.name).unwrap(), s.default, "{}", s.name);
            assert_eq!(schema.iter().filter(|t| t.name == s.name).count(), 1);
        }
        // The basic form: dataset, classes, approaches, epochs and seeds.
        let basic: Vec<&str> = schema.iter().filter(|s| s.basic).map(|s| s.name).collect();
        assert_eq!(
            basic,
            ["dataset", "classes", "approaches", "epochs", "seeds"]
        );
    }
}
