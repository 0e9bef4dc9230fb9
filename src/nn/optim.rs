//! Optimisers and learning-rate schedules over a flat parameter vector.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// SGD with (heavy-ball) momentum, as in PyTorch: v ← μv + g; w ← w − lr·v.
    Sgd,
    Adam,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    Constant,
    /// Multiply the rate by 0.1 after each third of the run.
    Step,
    /// Cosine decay from the base rate to zero over the run.
    Cosine,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSpec {
    pub kind: OptimizerKind,
    pub lr: f32,
    /// SGD momentum (ignored by Adam, which uses β1 = 0.9, β2 = 0.999).
    pub momentum: f32,
    /// L2 penalty added to every gradient (weights and biases, as PyTorch's `weight_decay`).
    pub weight_decay: f32,
    pub schedule: Schedule,
}

impl Default for OptimizerSpec {
    fn default() -> Self {
        OptimizerSpec {
            kind: OptimizerKind::Sgd,
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
        }
    }
}

impl Schedule {
    /// The rate at `step` of `total` steps.
    pub fn rate(&self, base: f32, step: usize, total: usize) -> f32 {
        let total = total.max(1);
        match self {
            Schedule::Constant => base,
            Schedule::Step => base * 0.1f32.powi((3 * step / total).min(2) as i32),
            Schedule::Cosine => {
                let t = step.min(total) as f64 / total as f64;
                (base as f64 * 0.5 * (1.0 + libm::cos(std::f64::consts::PI * t))) as f32
            }
        }
    }
}

pub struct Optimizer {
    spec: OptimizerSpec,
    first: Vec<f32>,
    second: Vec<f32>,
    steps: u32,
}

impl Optimizer {
    pub fn new(spec: OptimizerSpec, params: usize) -> Self {
        Optimizer {
            spec,
            first: vec![0.0; params],
            second: if spec.kind == OptimizerKind::Adam {
                vec![0.0; params]
            } else {
                Vec::new()
            },
            steps: 0,
        }
    }

    /// One update with learning rate `lr` (the schedule's value for this step).
    pub fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        self.steps += 1;
        let wd = self.spec.weight_decay;
        match self.spec.kind {
            OptimizerKind::Sgd => {
                let mu = self.spec.momentum;
                for ((w, &g), v) in params.iter_mut().zip(grads).zip(self.first.iter_mut()) {
                    *v = mu * *v + g + wd * *w;
                    *w -= lr * *v;
                }
            }
            OptimizerKind::Adam => {
                let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
                let c1 = 1.0 - libm::powf(b1, self.steps as f32);
                let c2 = 1.0 - libm::powf(b2, self.steps as f32);
                for (((w, &g), m), v) in params
                    .iter_mut()
                    .zip(grads)
                    .zip(self.first.iter_mut())
                    .zip(self.second.iter_mut())
                {
                    let g = g + wd * *w;
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *w -= lr * (*m / c1) / (libm::sqrtf(*v / c2) + eps);
                }
            }
        }
    }
}
