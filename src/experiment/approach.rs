//! From a configuration to the list of models to train: which architecture each approach uses,
//! how the per-class models are narrowed for a `total` budget, and what each model costs.

use super::config::{Approach, Config};
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

/// One model to train: an independent job for a worker or a thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPlan {
    /// Position in the plan; results are matched back by it.
    pub index: usize,
    pub approach: Approach,
    pub seed: u64,
    /// The class a per-class model is about (0 for one-model approaches).
    pub member: usize,
    /// Human-readable, e.g. "ovr · dog" or "shared".
    pub label: String,
    pub task: Task,
    pub spec: NetSpec,
    pub params: usize,
    pub flops_per_image: u64,
    pub flops_per_train_sample: u64,
    /// Training samples this model sees per epoch.
    pub samples_per_epoch: usize,
}

/// The base architecture for `outputs` logits. Widths of 0 take the preset's.
pub fn architecture(
    cfg: &Config,
    input: Shape,
    outputs: usize,
    widths: Option<(usize, usize)>,
) -> Result<NetSpec, String> {
    let (c1, c2) = widths.unwrap_or_else(|| base_widths(cfg));
    Ok(match cfg.arch.as_str() {
        "linear" => NetSpec {
            input,
            layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: outputs }],
        },
        "tiny" => small_cnn(input, c1, c2, 3, outputs),
        "ref" | "wide" => small_cnn(input, c1, c2, 5, outputs),
        other => return Err(format!("arch: unknown architecture '{other}'")),
    })
}

/// The conv widths of the preset, unless the configuration overrides them.
pub fn base_widths(cfg: &Config) -> (usize, usize) {
    let (d1, d2) = match cfg.arch.as_str() {
        "tiny" => (4, 8),
        "wide" => (16, 32),
        _ => (8, 16),
    };
    (
        if cfg.conv1 > 0 { cfg.conv1 } else { d1 },
        if cfg.conv2 > 0 { cfg.conv2 } else { d2 },
    )
}

/// Widths for K binary models whose parameters add up to about `target` (the shared model's):
/// both conv widths are scaled by one factor, searched over every first width.
fn narrowed_widths(
    cfg: &Config,
    input: Shape,
    k: usize,
    target: usize,
) -> Result<(usize, usize), String> {
    let (c1, c2) = base_widths(cfg);
    let mut best: Option<((usize, usize), usize)> = None;
    for w1 in 1..=c1 {
        let w2 = ((c2 as f64 * w1 as f64 / c1 as f64).round() as usize).max(1);
        let total = k * architecture(cfg, input, 1, Some((w1, w2)))?.param_count()?;
        let gap = total.abs_diff(target);
        if best.is_none_or(|(_, g)| gap < g) {
            best = Some(((w1, w2), gap));
        }
    }
    Ok(best.expect("c1 ≥ 1").0)
}

/// The most memory one model may need to train (one worker trains one model at a time).
pub const MAX_MODEL_BYTES: u64 = 768 << 20;

/// Every model of the run, seed by seed, approach by approach.
pub fn plan(
    cfg: &Config,
    input: Shape,
    class_names: &[String],
    train_per_class: &[usize],
) -> Result<Vec<ModelPlan>, String> {
    cfg.validate()?;
    let k = class_names.len();
    if k < 2 {
        return Err("the dataset needs at least two classes".into());
    }
    let train_total: usize = train_per_class.iter().sum();
    let shared = architecture(cfg, input, k, None)?;
    let shared_params = shared.param_count()?;
    let binary_widths = match cfg.budget.as_str() {
        "total" if cfg.arch != "linear" => Some(narrowed_widths(cfg, input, k, shared_params)?),
        _ => None,
    };
    let binary = architecture(cfg, input, 1, binary_widths)?;
    for spec in [&shared, &binary] {
        let bytes = spec.training_bytes(cfg.batch)?;
        if bytes > MAX_MODEL_BYTES {
            return Err(format!(
                "this model needs about {} MB to train with batch {} on {}×{}×{} images, over the lab's {} MB per model: use a smaller batch, narrower layers or smaller images",
                bytes >> 20,
                cfg.batch,
                input.height,
                input.width,
                input.channels,
                MAX_MODEL_BYTES >> 20
            ));
        }
    }
    let mut out = Vec::new();
    for seed in cfg.seed_list() {
        for &approach in &cfg.approaches {
            let members: Vec<usize> = if approach.per_class() {
                (0..k).collect()
            } else {
                vec![0]
            };
            for member in members {
                let (spec, task, label) = match approach {
                    Approach::Shared => (shared.clone(), Task::Softmax, "shared".to_string()),
                    Approach::Trunk => (shared.clone(), Task::MultiBinary, "trunk".to_string()),
                    Approach::Ovr | Approach::PositiveOnly => (
                        binary.clone(),
                        Task::Binary,
                        format!("{} · {}", approach.id(), class_names[member]),
                    ),
                };
                let samples_per_epoch = if approach == Approach::PositiveOnly {
                    train_per_class[member]
                } else {
                    train_total
                };
                out.push(ModelPlan {
                    index: out.len(),
                    approach,
                    seed,
                    member,
                    label,
                    task,
                    params: spec.param_count()?,
                    flops_per_image: spec.flops_per_image()?,
                    flops_per_train_sample: spec.flops_per_train_sample()?,
                    spec,
                    samples_per_epoch,
                });
            }
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

    #[test]
    fn per_model_budget_gives_k_full_size_binary_models() {
        let cfg = Config::default();
        let plans = plan(&cfg, Shape::new(28, 28, 1), &names(10), &[650; 10]).unwrap();
        assert_eq!(plans.len(), 1 + 10 + 10);
        assert_eq!(plans[0].params, 11_274);
        assert_eq!(plans[1].params, 11_274 - 7_850 + 785);
        assert_eq!(plans[11].samples_per_epoch, 650);
        assert_eq!(plans[1].samples_per_epoch, 6500);
    }

    #[test]
    fn configurations_beyond_the_memory_bound_are_refused() {
        let big = Config {
            arch: "wide".into(),
            conv1: 64,
            conv2: 128,
            batch: 256,
            ..Config::default()
        };
        let err = plan(&big, Shape::new(64, 64, 3), &names(10), &[50; 10]).unwrap_err();
        assert!(err.contains("MB per model"), "{err}");
        // The same network on the bundled 28×28 sets fits.
        assert!(plan(&big, Shape::new(28, 28, 1), &names(10), &[50; 10]).is_ok());
    }

    #[test]
    fn total_budget_narrows_binary_models_to_about_the_shared_size() {
        let cfg = Config {
            budget: "total".into(),
            approaches: vec![Approach::Shared, Approach::Ovr],
            ..Config::default()
        };
        let plans = plan(&cfg, Shape::new(28, 28, 1), &names(10), &[650; 10]).unwrap();
        let total: usize = plans[1..].iter().map(|p| p.params).sum();
        let shared = plans[0].params as f64;
        assert!(
            (total as f64 / shared - 1.0).abs() < 0.35,
            "total {total} vs shared {shared}"
        );
        assert!(plans[1].params < shared as usize / 5);
    }
}
