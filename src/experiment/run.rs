//! Training one model: the schedule, deterministic for a seed. A [`Trainer`] advances a few
//! batches at a time so that a worker can report progress, pause and stop between calls.

use super::approach::{ModelPlan, Task};
use super::config::{Approach, Config};
use crate::data::batches::{fill_batch_augmented, Augment};
use crate::data::Dataset;
use crate::nn::loss::{sigmoid_binary_cross_entropy, softmax_cross_entropy};
use crate::nn::{Network, Optimizer, OptimizerSpec};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// At most this many training images are scored after each epoch for the train-accuracy curve
/// (a fixed, class-balanced prefix of the training split).
pub const TRAIN_EVAL_LIMIT: usize = 2000;

/// Streams of the seeded generator, so that each use of randomness is independent of the others.
const STREAM_ORDER: u64 = 1;
const STREAM_AUGMENT: u64 = 2;
const STREAM_INIT: u64 = 3;

/// What happened to a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ModelStatus {
    Training,
    Trained,
    /// The loss became NaN or infinite during this epoch (1-based); training stopped there.
    Diverged {
        epoch: usize,
    },
}

/// A model's state at the end of one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch, on the model's own task.
    pub train_loss: f32,
    /// Logits on every test image, `test_count × outputs`.
    pub test_scores: Vec<f32>,
    /// Logits on the first `TRAIN_EVAL_LIMIT` training images.
    pub train_scores: Vec<f32>,
    /// Training FLOPs spent so far by this model.
    pub flops: u64,
}

/// Everything a trained model contributes to the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    pub plan: ModelPlan,
    pub status: ModelStatus,
    pub epochs: Vec<EpochRecord>,
    /// First conv layer, `[kernel, kernel, channels, filters]`, at initialisation and now.
    pub filter_shape: Vec<usize>,
    pub filters_init: Vec<f32>,
    pub filters: Vec<f32>,
    /// Wall time of training, measured by the caller (the engine has no clock).
    pub train_seconds: f64,
}

/// Where a trainer is, returned by every [`Trainer::advance`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub index: usize,
    /// Epochs completed.
    pub epoch: usize,
    pub epochs: usize,
    /// Batches completed in the current epoch, and batches per epoch.
    pub batch: usize,
    pub batches: usize,
    /// Fraction of the whole job done, 0..=1.
    pub fraction: f64,
    pub done: bool,
    /// Set when this call finished an epoch: its mean training loss.
    pub epoch_loss: Option<f32>,
    pub status: ModelStatus,
}

pub struct Trainer {
    plan: ModelPlan,
    cfg: Config,
    data: Arc<Dataset>,
    net: Network,
    opt: Optimizer,
    augment: Augment,
    augment_rng: Rng,
    /// Training indices of the current epoch, in visiting order.
    order: Vec<usize>,
    batches_per_epoch: usize,
    epoch: usize,
    batch: usize,
    steps: usize,
    total_steps: usize,
    loss_sum: f64,
    x: Vec<f32>,
    y: Vec<u8>,
    targets: Vec<f32>,
    grad: Vec<f32>,
    pos_weight: f32,
    flops: u64,
    status: ModelStatus,
    records: Vec<EpochRecord>,
    filters_init: Vec<f32>,
}

/// The seed of the data order for a run seed: one order per seed, shared by every approach.
fn order_seed(seed: u64) -> u64 {
    Rng::derive(seed, STREAM_ORDER).next_u64()
}

/// The training order of one epoch for this model, derived from the run's shared order.
pub fn epoch_order(cfg: &Config, plan: &ModelPlan, data: &Dataset, epoch: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..data.train.count()).collect();
    Rng::derive(order_seed(plan.seed), epoch as u64).shuffle(&mut all);
    match plan.approach {
        Approach::PositiveOnly => all.retain(|&i| data.train.labels[i] as usize == plan.member),
        Approach::Ovr if cfg.balance == "batches" => {
            // Alternate positives and negatives (each in the shared order, cycling the smaller
            // side) so that half of every batch is positive; the epoch keeps its length.
            let (pos, neg): (Vec<usize>, Vec<usize>) = all
                .iter()
                .partition(|&&i| data.train.labels[i] as usize == plan.member);
            if !pos.is_empty() && !neg.is_empty() {
                all = (0..all.len())
                    .map(|j| {
                        if j % 2 == 0 {
                            pos[(j / 2) % pos.len()]
                        } else {
                            neg[(j / 2) % neg.len()]
                        }
                    })
                    .collect();
            }
        }
        _ => {}
    }
    all
}

impl Trainer {
    pub fn new(cfg: &Config, data: Arc<Dataset>, plan: ModelPlan) -> Result<Self, String> {
        let k = data.num_classes();
        // Independent init: each model its own stream. Same init: one stream per seed, so models
        // of the same shape start from identical conv weights.
        let init_stream = if cfg.init == "same" {
            0
        } else {
            1 + plan.index as u64
        };
        let mut init_rng = Rng::derive(Rng::derive(plan.seed, STREAM_INIT).next_u64(), init_stream);
        let net = Network::new(&plan.spec, &mut init_rng)?;
        let opt = Optimizer::new(
            OptimizerSpec {
                kind: cfg.optimizer,
                lr: cfg.lr,
                momentum: cfg.momentum,
                weight_decay: cfg.weight_decay,
                schedule: cfg.schedule,
            },
            net.params.len(),
        );
        let batch = cfg.batch;
        let batches_per_epoch = plan.samples_per_epoch.div_ceil(batch);
        let outputs = net.outputs();
        let filters_init = net
            .first_conv()
            .map(|(_, w)| w.to_vec())
            .unwrap_or_default();
        let pos_weight = if cfg.balance == "weight" && plan.task != Task::Softmax {
            (k - 1) as f32
        } else {
            1.0
        };
        Ok(Trainer {
            augment: Augment {
                shift: cfg.augment_shift,
                hflip: cfg.augment_flip,
            },
            augment_rng: Rng::derive(plan.seed, STREAM_AUGMENT ^ ((plan.index as u64) << 8)),
            order: Vec::new(),
            batches_per_epoch,
            epoch: 0,
            batch: 0,
            steps: 0,
            total_steps: batches_per_epoch * cfg.epochs,
            loss_sum: 0.0,
            x: vec![0.0; batch * data.image_len()],
            y: vec![0; batch],
            targets: vec![0.0; batch * outputs],
            grad: vec![0.0; batch * outputs],
            pos_weight,
            flops: 0,
            status: if batches_per_epoch == 0 {
                ModelStatus::Diverged { epoch: 0 }
            } else {
                ModelStatus::Training
            },
            records: Vec::new(),
            filters_init,
            cfg: cfg.clone(),
            data,
            net,
            opt,
            plan,
        })
    }

    pub fn plan(&self) -> &ModelPlan {
        &self.plan
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    pub fn is_done(&self) -> bool {
        self.status != ModelStatus::Training
    }

    /// The first conv layer's current weights (empty for a linear model).
    pub fn current_filters(&self) -> &[f32] {
        self.net.first_conv().map_or(&[], |(_, w)| w)
    }

    /// Trains up to `max_batches` batches, stopping early at the end of an epoch (which is then
    /// evaluated), and reports where the job is.
    pub fn advance(&mut self, max_batches: usize) -> Progress {
        let mut epoch_loss = None;
        let mut left = max_batches.max(1);
        while left > 0 && !self.is_done() {
            if self.batch == 0 {
                self.order = epoch_order(&self.cfg, &self.plan, &self.data, self.epoch);
                self.loss_sum = 0.0;
            }
            let loss = self.train_batch();
            left -= 1;
            if !loss.is_finite() {
                self.status = ModelStatus::Diverged {
                    epoch: self.epoch + 1,
                };
                break;
            }
            self.loss_sum += loss as f64;
            self.batch += 1;
            if self.batch == self.batches_per_epoch {
                let mean = (self.loss_sum / self.batches_per_epoch as f64) as f32;
                self.finish_epoch(mean);
                epoch_loss = Some(mean);
                break;
            }
        }
        let fraction = if self.total_steps == 0 {
            1.0
        } else {
            self.steps as f64 / self.total_steps as f64
        };
        Progress {
            index: self.plan.index,
            epoch: self.epoch,
            epochs: self.cfg.epochs,
            batch: self.batch,
            batches: self.batches_per_epoch,
            fraction: if self.is_done() { 1.0 } else { fraction },
            done: self.is_done(),
            epoch_loss,
            status: self.status.clone(),
        }
    }

    fn train_batch(&mut self) -> f32 {
        let size = self.cfg.batch;
        let start = self.batch * size;
        let idx = &self.order[start..(start + size).min(self.order.len())];
        let n = idx.len();
        let d = &self.data;
        fill_batch_augmented(
            &d.train,
            idx,
            d.width,
            d.height,
            d.channels,
            &self.augment,
            &mut self.augment_rng,
            &mut self.x,
            &mut self.y,
        );
        let image = d.image_len();
        let logits = self.net.forward(&self.x[..n * image], n, true);
        let outputs = logits.len() / n;
        let grad = &mut self.grad[..n * outputs];
        let loss = match self.plan.task {
            Task::Softmax => softmax_cross_entropy(logits, &self.y[..n], outputs, grad),
            Task::Binary => {
                let positive_only = self.plan.approach == Approach::PositiveOnly;
                for (t, &label) in self.targets.iter_mut().zip(&self.y[..n]) {
                    *t = (positive_only || label as usize == self.plan.member) as u8 as f32;
                }
                sigmoid_binary_cross_entropy(logits, &self.targets[..n], n, self.pos_weight, grad)
            }
            Task::MultiBinary => {
                let t = &mut self.targets[..n * outputs];
                t.fill(0.0);
                for (row, &label) in self.y[..n].iter().enumerate() {
                    t[row * outputs + label as usize] = 1.0;
                }
                sigmoid_binary_cross_entropy(logits, t, n, self.pos_weight, grad)
            }
        };
        if !loss.is_finite() {
            return loss;
        }
        self.net.backward(grad, n);
        let lr = self
            .cfg
            .schedule
            .rate(self.cfg.lr, self.steps, self.total_steps);
        self.opt.step(&mut self.net.params, &self.net.grads, lr);
        self.steps += 1;
        self.flops += n as u64 * self.plan.flops_per_train_sample;
        // Parameters can overflow to inf before the loss does.
        if self.steps.is_multiple_of(16) && !self.net.params.iter().all(|p| p.is_finite()) {
            return f32::NAN;
        }
        loss
    }

    fn finish_epoch(&mut self, train_loss: f32) {
        self.epoch += 1;
        self.batch = 0;
        let test_scores = self.score(false);
        let train_scores = self.score(true);
        // A finite loss with overflowing outputs is divergence too (and JSON has no NaN).
        if !test_scores
            .iter()
            .chain(&train_scores)
            .all(|v| v.is_finite())
        {
            self.status = ModelStatus::Diverged { epoch: self.epoch };
            return;
        }
        self.records.push(EpochRecord {
            epoch: self.epoch,
            train_loss,
            test_scores,
            train_scores,
            flops: self.flops,
        });
        if self.epoch == self.cfg.epochs {
            self.status = ModelStatus::Trained;
        }
    }

    /// Logits on the test split, or on the training prefix used for train accuracy.
    fn score(&mut self, train: bool) -> Vec<f32> {
        let d = Arc::clone(&self.data);
        let split = if train { &d.train } else { &d.test };
        let n = if train {
            split.count().min(TRAIN_EVAL_LIMIT)
        } else {
            split.count()
        };
        let image = d.image_len();
        let k = self.net.outputs();
        let mut scores = vec![0.0; n * k];
        let chunk = 256;
        let mut x = vec![0.0f32; chunk * image];
        for start in (0..n).step_by(chunk) {
            let m = chunk.min(n - start);
            for (dst, &p) in x[..m * image]
                .iter_mut()
                .zip(&split.images[start * image..(start + m) * image])
            {
                *dst = p as f32 / 255.0;
            }
            self.net
                .infer(&x[..m * image], m, &mut scores[start * k..(start + m) * k]);
        }
        scores
    }

    /// The result so far, leaving the trainer running (for live views).
    pub fn snapshot(&self, train_seconds: f64) -> ModelResult {
        // A diverged model's weights may have overflowed: shown as 0 (JSON has no NaN).
        let (filter_shape, filters) = match self.net.first_conv() {
            Some((t, w)) => (
                t.shape.clone(),
                w.iter()
                    .map(|&v| if v.is_finite() { v } else { 0.0 })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        ModelResult {
            status: self.status.clone(),
            plan: self.plan.clone(),
            epochs: self.records.clone(),
            filter_shape,
            filters_init: self.filters_init.clone(),
            filters,
            train_seconds,
        }
    }

    /// Ends the job: `train_seconds` is the wall time the caller measured.
    pub fn finish(self, train_seconds: f64) -> ModelResult {
        let (filter_shape, filters) = match self.net.first_conv() {
            Some((t, w)) => (t.shape.clone(), w.to_vec()),
            None => (Vec::new(), Vec::new()),
        };
        ModelResult {
            status: if self.status == ModelStatus::Training {
                ModelStatus::Trained
            } else {
                self.status
            },
            plan: self.plan,
            epochs: self.records,
            filter_shape,
            filters_init: self.filters_init,
            filters,
            train_seconds,
        }
    }

    /// Runs the whole job (for the CLI and tests).
    pub fn run_to_end(mut self, now: &dyn Fn() -> f64) -> ModelResult {
        let t0 = now();
        while !self.is_done() {
            self.advance(usize::MAX);
        }
        let elapsed = now() - t0;
        self.finish(elapsed)
    }
}
