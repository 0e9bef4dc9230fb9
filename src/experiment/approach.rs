//! From a configuration to the list of models to train: which architecture each approach uses,
//! how per-class models are narrowed for a `total` budget and the shared model widened for the
//! `shared-wide` control, and what each model costs.

use super::config::{Approach, Arch, Budget, Config};
use crate::error::{Error, Result};
use crate::nn::spec::small_cnn;
use crate::nn::{LayerSpec, NetSpec, Shape};
use serde::{Deserialize, Serialize};

/// What a model is trained to output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// K-way softmax over the classes.
    Softmax,
    /// One sigmoid: is the image of class `member`?
    Binary,
    /// K independent sigmoids, one per class (the shared trunk's heads).
    MultiBinary,
}

/// Why a model is in the plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A model of an approach the run compares.
    #[default]
    Compared,
    /// A second shared model (the next seed), trained only as the noise floor of the
    /// representation comparison when the run has a single seed.
    Floor,
}

/// One model to train: an independent job for a worker or a thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPlan {
    /// Position in the plan; results are matched back by it.
    pub index: usize,
    pub approach: Approach,
    pub seed: u64,
    /// The class a per-class model is about, or the member of an ensemble (0 otherwise).
    pub member: usize,
    /// The learning rate this model trains with (one of the grid's, or the configured one).
    #[serde(default)]
    pub lr: f32,
    #[serde(default)]
    pub role: Role,
    /// Human-readable, e.g. "shared" or "ovr · dog".
    pub label: String,
    pub task: Task,
    pub spec: NetSpec,
    pub params: usize,
    pub flops_per_image: u64,
    pub flops_per_train_sample: u64,
    /// Training samples this model sees per epoch.
    pub samples_per_epoch: usize,
    /// The most epochs it trains (early stopping may end it sooner).
    #[serde(default)]
    pub max_epochs: usize,
}

impl ModelPlan {
    /// The training FLOPs of the whole job at most: what progress is measured in.
    pub fn max_cost(&self) -> f64 {
        (self.samples_per_epoch * self.max_epochs) as f64 * self.flops_per_train_sample as f64
    }
}

/// The architecture `arch` with conv widths `(c1, c2)` for `outputs` logits.
pub fn architecture(arch: Arch, input: Shape, outputs: usize, (c1, c2): (usize, usize)) -> NetSpec {
    match arch {
        Arch::Linear => NetSpec {
            input,
            layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: outputs }],
        },
        Arch::Tiny => small_cnn(input, c1, c2, 3, outputs),
        Arch::Ref | Arch::Wide => small_cnn(input, c1, c2, 5, outputs),
    }
}

/// The conv widths of the preset, unless the configuration overrides them.
pub fn base_widths(cfg: &Config) -> (usize, usize) {
    let (d1, d2) = match cfg.arch {
        Arch::Tiny => (4, 8),
        Arch::Wide => (16, 32),
        Arch::Ref | Arch::Linear => (8, 16),
    };
    (
        if cfg.conv1 > 0 { cfg.conv1 } else { d1 },
        if cfg.conv2 > 0 { cfg.conv2 } else { d2 },
    )
}

fn params_of(cfg: &Config, input: Shape, outputs: usize, widths: (usize, usize)) -> Result<usize> {
    Ok(architecture(cfg.arch, input, outputs, widths).param_count()?)
}

/// Widths for K binary models whose parameters add up to about `target` (the shared model's):
/// both conv widths are scaled by one factor, searched over every first width.
fn narrowed_widths(cfg: &Config, input: Shape, k: usize, target: usize) -> Result<(usize, usize)> {
    let (c1, c2) = base_widths(cfg);
    let mut best: Option<((usize, usize), usize)> = None;
    for w1 in 1..=c1 {
        let w2 = ((c2 as f64 * w1 as f64 / c1 as f64).round() as usize).max(1);
        let gap = (k * params_of(cfg, input, 1, (w1, w2))?).abs_diff(target);
        if best.is_none_or(|(_, g)| gap < g) {
            best = Some(((w1, w2), gap));
        }
    }
    Ok(best.expect("c1 ≥ 1").0)
}

/// Widths for one K-way model with about `target` parameters (the K one-vs-rest models' total):
/// every pair of widths up to 8× the base is tried, and the closest count wins (ties: the pair
/// whose proportion is nearest the base's).
fn widened_widths(cfg: &Config, input: Shape, k: usize, target: usize) -> Result<(usize, usize)> {
    let (c1, c2) = base_widths(cfg);
    let base_ratio = c2 as f64 / c1 as f64;
    let mut best: Option<((usize, usize), (usize, f64))> = None;
    for w1 in c1..=(8 * c1).min(crate::nn::spec::MAX_WIDTH) {
        for w2 in c2..=(8 * c2).min(crate::nn::spec::MAX_WIDTH) {
            let gap = params_of(cfg, input, k, (w1, w2))?.abs_diff(target);
            let skew = (w2 as f64 / w1 as f64 - base_ratio).abs();
            if best.is_none_or(|(_, b)| (gap, skew) < b) {
                best = Some(((w1, w2), (gap, skew)));
            }
        }
    }
    Ok(best.expect("c1, c2 ≥ 1").0)
}

/// The most memory one model may need to train (one worker trains one model at a time).
pub const MAX_MODEL_BYTES: u64 = 768 << 20;

/// The networks of a run: the shared (K-way) one, the per-class binary one, and the widened one.
struct Specs {
    shared: NetSpec,
    binary: NetSpec,
    wide: NetSpec,
}

fn specs(cfg: &Config, input: Shape, k: usize) -> Result<Specs> {
    let widths = base_widths(cfg);
    let shared = architecture(cfg.arch, input, k, widths);
    let shared_params = shared.param_count()?;
    let binary_widths = match cfg.budget {
        Budget::Total if cfg.arch != Arch::Linear => narrowed_widths(cfg, input, k, shared_params)?,
        _ => widths,
    };
    let binary = architecture(cfg.arch, input, 1, binary_widths);
    let wide = if cfg.arch == Arch::Linear || !cfg.approaches.contains(&Approach::SharedWide) {
        // A linear model's K binary halves add up to exactly the K-way model.
        shared.clone()
    } else {
        let target = k * binary.param_count()?;
        architecture(cfg.arch, input, k, widened_widths(cfg, input, k, target)?)
    };
    for spec in [&shared, &binary, &wide] {
        let bytes = spec.training_bytes(cfg.batch)?;
        if bytes > MAX_MODEL_BYTES {
            return Err(Error::Plan(format!(
                "this model needs about {} MB to train with batch {} on {}×{}×{} images, over the lab's {} MB per model: use a smaller batch, narrower layers or smaller images",
                bytes >> 20, cfg.batch, input.height, input.width, input.channels, MAX_MODEL_BYTES >> 20
            )));
        }
    }
    Ok(Specs {
        shared,
        binary,
        wide,
    })
}

/// Whether the run trains an extra shared model as the noise floor of the representation
/// comparison: with one seed there is no second shared model to compare with.
pub fn needs_floor(cfg: &Config) -> bool {
    cfg.probe_size > 0
        && cfg.seeds == 1
        && cfg.arch != Arch::Linear
        && cfg.approaches.contains(&Approach::Shared)
}

/// Every model of the run: seed by seed, approach by approach, rate by rate, member by member;
/// then the noise-floor models, if any.
pub fn plan(
    cfg: &Config,
    input: Shape,
    class_names: &[String],
    train_per_class: &[usize],
) -> Result<Vec<ModelPlan>> {
    cfg.validate()?;
    let k = class_names.len();
    if k < 2 {
        return Err(Error::Plan("the dataset needs at least two classes".into()));
    }
    let specs = specs(cfg, input, k)?;
    let train_total: usize = train_per_class.iter().sum();
    let mut out = Vec::new();
    let mut push =
        |approach: Approach, seed: u64, lr: f32, member: usize, role: Role| -> Result<()> {
            let (spec, task) = match approach {
                Approach::Shared | Approach::SharedLong | Approach::SharedEnsemble => {
                    (&specs.shared, Task::Softmax)
                }
                Approach::SharedWide => (&specs.wide, Task::Softmax),
                Approach::Trunk => (&specs.shared, Task::MultiBinary),
                Approach::Ovr | Approach::PositiveOnly => (&specs.binary, Task::Binary),
            };
            let mut label = match approach {
                _ if approach.per_class() => format!("{} · {}", approach.id(), class_names[member]),
                Approach::SharedEnsemble => format!("{} · {}", approach.id(), member + 1),
                _ => approach.id().to_string(),
            };
            if cfg.lr_grid.len() > 1 {
                label += &format!(" @ lr {lr}");
            }
            if role == Role::Floor {
                label += " (noise floor)";
            }
            let max_epochs = if approach == Approach::SharedLong {
                k * cfg.epochs
            } else {
                cfg.epochs
            };
            out.push(ModelPlan {
                index: out.len(),
                approach,
                seed,
                member,
                lr,
                role,
                label,
                task,
                params: spec.param_count()?,
                flops_per_image: spec.flops_per_image()?,
                flops_per_train_sample: spec.flops_per_train_sample()?,
                spec: spec.clone(),
                samples_per_epoch: if approach == Approach::PositiveOnly {
                    train_per_class[member]
                } else {
                    train_total
                },
                max_epochs,
            });
            Ok(())
        };
    for seed in cfg.seed_list() {
        for &approach in &cfg.approaches {
            for lr in cfg.rates() {
                for member in 0..approach.models(k) {
                    push(approach, seed, lr, member, Role::Compared)?;
                }
            }
        }
    }
    if needs_floor(cfg) {
        for lr in cfg.rates() {
            push(Approach::Shared, cfg.seed + 1, lr, 0, Role::Floor)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|i| i.to_string()).collect()
    }

    fn run_plan(cfg: &Config, k: usize) -> Vec<ModelPlan> {
        plan(cfg, Shape::new(28, 28, 1), &names(k), &vec![650; k]).unwrap()
    }

    #[test]
    fn per_model_budget_gives_k_full_size_binary_models() {
        let cfg = Config {
            probe_size: 0,
            ..Config::default()
        };
        let plans = run_plan(&cfg, 10);
        assert_eq!(plans.len(), 1 + 10 + 10);
        assert_eq!(plans[0].params, 11_274);
        assert_eq!(plans[1].params, 11_274 - 7_850 + 785);
        assert_eq!(plans[11].samples_per_epoch, 650);
        assert_eq!(plans[1].samples_per_epoch, 6500);
        // With one seed and a representation probe, a second shared model is the noise floor.
        let with_floor = run_plan(&Config::default(), 10);
        assert_eq!(with_floor.len(), 22);
        assert_eq!((with_floor[21].role, with_floor[21].seed), (Role::Floor, 2));
    }

    #[test]
    fn configurations_beyond_the_memory_bound_are_refused() {
        let big = Config {
            arch: Arch::Wide,
            conv1: 64,
            conv2: 128,
            batch: 256,
            ..Config::default()
        };
        let err = plan(&big, Shape::new(64, 64, 3), &names(10), &[50; 10]).unwrap_err();
        assert!(err.to_string().contains("MB per model"), "{err}");
        assert!(plan(&big, Shape::new(28, 28, 1), &names(10), &[50; 10]).is_ok());
    }

    #[test]
    fn total_budget_narrows_binary_models_to_about_the_shared_size() {
        let cfg = Config {
            budget: Budget::Total,
            approaches: vec![Approach::Shared, Approach::Ovr],
            ..Config::default()
        };
        let plans = run_plan(&cfg, 10);
        let total: usize = plans[1..11].iter().map(|p| p.params).sum();
        let shared = plans[0].params as f64;
        assert!(
            (total as f64 / shared - 1.0).abs() < 0.35,
            "{total} vs {shared}"
        );
        assert!(plans[1].params < shared as usize / 5);
    }

    #[test]
    fn shared_wide_matches_the_one_vs_rest_total_within_5_percent() {
        for arch in [Arch::Linear, Arch::Tiny, Arch::Ref, Arch::Wide] {
            for input in [Shape::new(28, 28, 1), Shape::new(8, 8, 1)] {
                for k in 2..=10 {
                    let cfg = Config {
                        arch,
                        approaches: vec![Approach::Ovr, Approach::SharedWide],
                        probe_size: 0,
                        ..Config::default()
                    };
                    let plans = plan(&cfg, input, &names(k), &vec![50; k]).unwrap();
                    let ovr: usize = plans
                        .iter()
                        .filter(|p| p.approach == Approach::Ovr)
                        .map(|p| p.params)
                        .sum();
                    let wide = plans
                        .iter()
                        .find(|p| p.approach == Approach::SharedWide)
                        .unwrap();
                    let gap = (wide.params as f64 / ovr as f64 - 1.0).abs();
                    assert!(
                        gap <= 0.05,
                        "{arch:?} {input:?} K={k}: wide {} vs ovr {ovr}",
                        wide.params
                    );
                }
            }
        }
    }

    #[test]
    fn controls_have_their_members_epochs_and_rates() {
        let cfg = Config {
            approaches: vec![
                Approach::Shared,
                Approach::SharedLong,
                Approach::SharedEnsemble,
            ],
            epochs: 2,
            lr_grid: vec![0.01, 0.05],
            validation_fraction: 0.1,
            seeds: 2,
            ..Config::default()
        };
        let plans = run_plan(&cfg, 4);
        // Per seed: 2 rates × (1 + 1 + 4) models.
        assert_eq!(plans.len(), 2 * 2 * 6);
        let long = plans
            .iter()
            .find(|p| p.approach == Approach::SharedLong)
            .unwrap();
        assert_eq!(long.max_epochs, 8);
        let members: Vec<usize> = plans
            .iter()
            .filter(|p| p.approach == Approach::SharedEnsemble && p.seed == 1 && p.lr == 0.01)
            .map(|p| p.member)
            .collect();
        assert_eq!(members, vec![0, 1, 2, 3]);
        assert!(plans.iter().all(|p| p.label.contains("@ lr")));
    }
}
