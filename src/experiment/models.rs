//! Trained models outside a run: the models file the page saves and loads (its format defined
//! and versioned here, beside the weights format of `nn::weights`), and the answers of every
//! approach to one drawn image (the draw panel), combined as the report combines them.

use super::approach::{ModelPlan, Role};
use super::config::Config;
use super::report::combine::combine_scores;
use super::run::{ModelResult, ModelStatus};
use crate::error::{Error, Result};
use crate::nn::{weights, Network, Shape};
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const MODELS_FORMAT: &str = "ovr-lab-models";
/// 2: plans carry their learning rate; 1 (read only): no rate, one per approach.
pub const MODELS_VERSION: u32 = 2;

/// What a models file says about the images its models take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub class_names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct BundledModel {
    plan: ModelPlan,
    /// The weights file (`nn::weights`), base64.
    weights: String,
}

/// The models file: `{format, version, config, dataset, input, models: [{plan, weights}]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Bundle {
    format: String,
    version: u32,
    config: Config,
    dataset: String,
    input: InputInfo,
    models: Vec<BundledModel>,
}

/// One approach's answer for a single image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageScores {
    pub label: String,
    pub approach: String,
    pub seed: u64,
    /// The class probabilities the approach predicts from (see `report::combine`).
    pub probabilities: Vec<f32>,
    pub predicted: usize,
}

/// A member's logits for the drawn image.
type Scored = (usize, Vec<f32>);

/// A set of trained models that can answer a drawn image.
pub struct ModelSet {
    pub config: Config,
    pub dataset: String,
    pub input: InputInfo,
    models: Vec<(ModelPlan, Network)>,
}

impl ModelSet {
    /// The finished compared models of a run (those with weights) that `keep` accepts.
    pub fn from_results(
        config: &Config,
        dataset: &str,
        input: InputInfo,
        results: &[ModelResult],
        keep: impl Fn(&ModelResult) -> bool,
    ) -> Result<Self> {
        let mut models = Vec::new();
        for r in results {
            if r.plan.role == Role::Compared
                && r.status == ModelStatus::Trained
                && !r.weights.is_empty()
                && keep(r)
            {
                models.push((
                    r.plan.clone(),
                    Network::with_params(&r.plan.spec, r.weights.clone(), 0)?,
                ));
            }
        }
        Ok(ModelSet {
            config: config.clone(),
            dataset: dataset.into(),
            input,
            models,
        })
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The models file as JSON text.
    pub fn to_json(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        let bundle = Bundle {
            format: MODELS_FORMAT.into(),
            version: MODELS_VERSION,
            config: self.config.clone(),
            dataset: self.dataset.clone(),
            input: self.input.clone(),
            models: self
                .models
                .iter()
                .map(|(p, n)| BundledModel {
                    plan: p.clone(),
                    weights: b64.encode(weights::save(n)),
                })
                .collect(),
        };
        serde_json::to_string(&bundle).expect("a bundle always serialises")
    }

    /// Reads a models file (version 1 or 2); `name` names it in errors.
    pub fn from_json(text: &str, name: &str) -> Result<Self> {
        let bad = |why: String| Error::Input(format!("{name}: {why}"));
        let bundle: Bundle = serde_json::from_str(text)
            .map_err(|e| bad(format!("not an ovr-lab models file ({e})")))?;
        if bundle.format != MODELS_FORMAT || !(1..=MODELS_VERSION).contains(&bundle.version) {
            return Err(bad(format!("format {} version {}, this build reads {MODELS_FORMAT} versions 1 to {MODELS_VERSION}", bundle.format, bundle.version)));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut models = Vec::new();
        for m in bundle.models {
            let bytes = b64
                .decode(&m.weights)
                .map_err(|e| bad(format!("{}: {e}", m.plan.label)))?;
            let net = weights::load(&bytes, Some(&m.plan.spec))
                .map_err(|e| bad(format!("{}: {e}", m.plan.label)))?;
            let mut plan = m.plan;
            if plan.lr == 0.0 {
                plan.lr = bundle.config.lr; // version 1
            }
            models.push((plan, net));
        }
        let shape = Shape::new(
            bundle.input.height,
            bundle.input.width,
            bundle.input.channels,
        );
        if models.iter().any(|(_, n)| n.input_shape() != shape) {
            return Err(bad(
                "a model takes images of another size than the file says".into(),
            ));
        }
        Ok(ModelSet {
            config: bundle.config,
            dataset: bundle.dataset,
            input: bundle.input,
            models,
        })
    }

    /// Every approach's answer (per seed and rate) for one image of `height × width × channels`
    /// bytes (0 background … 255 ink). Approaches with a missing member are left out.
    pub fn score(&mut self, pixels: &[u8]) -> Result<Vec<ImageScores>> {
        let len = self.input.width * self.input.height * self.input.channels;
        if pixels.len() != len {
            return Err(Error::Input(format!(
                "expected {len} pixels, got {}",
                pixels.len()
            )));
        }
        let x: Vec<f32> = pixels.iter().map(|&p| p as f32 / 255.0).collect();
        let k = self.input.class_names.len();
        let first_seed = self.models.iter().map(|(p, _)| p.seed).min().unwrap_or(0);
        let mut groups: Vec<(ModelPlan, Vec<Scored>)> = Vec::new();
        for (plan, net) in &mut self.models {
            let mut out = vec![0.0; net.outputs()];
            net.infer(&x, 1, &mut out);
            let key = |p: &ModelPlan| (p.approach, p.seed, p.lr.to_bits());
            match groups.iter_mut().find(|(p, _)| key(p) == key(plan)) {
                Some((_, g)) => g.push((plan.member, out)),
                None => groups.push((plan.clone(), vec![(plan.member, out)])),
            }
        }
        let mut rows = Vec::new();
        for (plan, mut members) in groups {
            if members.len() != plan.approach.models(k) {
                continue;
            }
            members.sort_by_key(|m| m.0);
            let refs: Vec<&[f32]> = members.iter().map(|m| m.1.as_slice()).collect();
            let c = combine_scores(plan.approach, plan.task, k, &refs);
            let mut label = plan.approach.label().to_string();
            if plan.seed != first_seed {
                label += &format!(" (seed {})", plan.seed);
            }
            rows.push(ImageScores {
                label,
                approach: plan.approach.id().into(),
                seed: plan.seed,
                predicted: c.predictions()[0],
                probabilities: c.probs,
            });
        }
        Ok(rows)
    }
}
