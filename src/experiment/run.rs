//! Training one model: the schedule, deterministic for a seed. A [`Trainer`] advances a few
//! batches at a time so that a worker can report progress, pause and stop between calls.
//!
//! Pairing: a run seed fixes the data order, the augmentation draws and the validation split of
//! every model of that seed; a model's initial weights are keyed by (seed, approach, member), so
//! a model is the same whatever else the run trains.

use super::approach::{ModelPlan, Task};
use super::config::{Approach, Balance, Config, Init};
use super::metrics::{own_task_accuracy, own_task_loss};
use super::split::TrainSplit;
use crate::data::batches::{fill_batch_augmented, Augment};
use crate::data::{Dataset, Split};
use crate::error::Result;
use crate::nn::loss::{sigmoid_binary_cross_entropy, softmax_cross_entropy};
use crate::nn::{Network, Optimizer, OptimizerSpec};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// Why a trained model stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// It trained every epoch it was given.
    MaxEpochs,
    /// Its validation loss had not improved for `patience` epochs: it stopped improving.
    Patience,
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
    /// Logits on the training images scored for the train-accuracy curve.
    pub train_scores: Vec<f32>,
    /// Logits on the validation images (empty without a validation split).
    #[serde(default)]
    pub val_scores: Vec<f32>,
    /// Accuracy on the model's own task on the validation images.
    #[serde(default)]
    pub val_accuracy: Option<f64>,
    /// Loss on the model's own task on the validation images (what early stopping watches).
    #[serde(default)]
    pub val_loss: Option<f64>,
    /// Training FLOPs spent so far by this model.
    pub flops: u64,
}

/// Everything a trained model contributes to the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    pub plan: ModelPlan,
    pub status: ModelStatus,
    pub epochs: Vec<EpochRecord>,
    /// The epoch (1-based) whose weights the model ends with: the best on validation when early
    /// stopping is on, else the last.
    #[serde(default)]
    pub best_epoch: usize,
    #[serde(default)]
    pub stop: Option<Stop>,
    /// First conv layer, `[kernel, kernel, channels, filters]`, at initialisation and now.
    pub filter_shape: Vec<usize>,
    pub filters_init: Vec<f32>,
    pub filters: Vec<f32>,
    /// Every parameter of the final model (empty in the snapshots of a model still training).
    #[serde(default)]
    pub weights: Vec<f32>,
    /// Wall time of training, measured by the caller (the engine has no clock).
    pub train_seconds: f64,
}

impl ModelResult {
    /// The record of the weights the model ends with (or has now).
    pub fn final_record(&self) -> Option<&EpochRecord> {
        match self.best_epoch {
            0 => self.epochs.last(),
            e => self.epochs.get(e - 1),
        }
    }

    /// The record that stands for this model at epoch `e` (0-based): that epoch's, or, after it
    /// stopped early, the one it ended with.
    pub fn record_at(&self, e: usize) -> Option<&EpochRecord> {
        match self.epochs.get(e) {
            Some(r) => Some(r),
            None if self.status != ModelStatus::Training => self.final_record(),
            None => None,
        }
    }
}

/// Where a trainer is, returned by every [`Trainer::advance`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub index: usize,
    /// Epochs completed, and the most this model trains.
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

/// FNV-1a of an id: a stable number for a name, whatever order the approaches are listed in.
fn fnv1a(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The initial weights of a planned model: keyed by (seed, approach, member), or by the seed
/// alone when every model starts from the same weights.
pub fn initial_network(cfg: &Config, plan: &ModelPlan) -> Result<Network> {
    let key = match cfg.init {
        Init::Same => 0,
        Init::Independent => fnv1a(plan.approach.id()) ^ (1 + plan.member as u64),
    };
    let mut rng = Rng::derive(Rng::derive(plan.seed, STREAM_INIT).next_u64(), key);
    Ok(Network::new(&plan.spec, &mut rng)?)
}

/// The training order of one epoch for this model, from the seed's shared order of the fitting
/// images.
pub fn epoch_order(
    cfg: &Config,
    plan: &ModelPlan,
    data: &Dataset,
    split: &TrainSplit,
    epoch: usize,
) -> Vec<usize> {
    let mut all = split.fit.clone();
    Rng::derive(
        Rng::derive(plan.seed, STREAM_ORDER).next_u64(),
        epoch as u64,
    )
    .shuffle(&mut all);
    match plan.approach {
        Approach::PositiveOnly => all.retain(|&i| data.train.labels[i] as usize == plan.member),
        Approach::Ovr if cfg.balance == Balance::Batches => {
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

/// Logits of `net` on images `indices` of `split` (all of them when `None`).
pub fn score_images(
    net: &mut Network,
    data: &Dataset,
    split: &Split,
    indices: Option<&[usize]>,
) -> Vec<f32> {
    let image = data.image_len();
    let n = indices.map_or(split.count(), <[usize]>::len);
    let k = net.outputs();
    let mut scores = vec![0.0; n * k];
    let chunk = 256;
    let mut x = vec![0.0f32; chunk * image];
    for start in (0..n).step_by(chunk) {
        let m = chunk.min(n - start);
        for j in 0..m {
            let i = indices.map_or(start + j, |ix| ix[start + j]);
            for (dst, &p) in x[j * image..(j + 1) * image]
                .iter_mut()
                .zip(split.image(i, image))
            {
                *dst = p as f32 / 255.0;
            }
        }
        net.infer(&x[..m * image], m, &mut scores[start * k..(start + m) * k]);
    }
    scores
}

/// Early stopping's memory: the lowest validation loss so far, its epoch and weights.
struct Best {
    loss: f64,
    epoch: usize,
    params: Vec<f32>,
}

pub struct Trainer {
    plan: ModelPlan,
    cfg: Config,
    data: Arc<Dataset>,
    split: Arc<TrainSplit>,
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
    stop: Option<Stop>,
    best: Option<Best>,
    records: Vec<EpochRecord>,
    /// With `curves` off: the weights of the last recorded epoch, to score a model that diverges
    /// after it (its record is then the one it ends with).
    recorded_params: Vec<f32>,
    filters_init: Vec<f32>,
}

impl Trainer {
    pub fn new(
        cfg: &Config,
        data: Arc<Dataset>,
        split: Arc<TrainSplit>,
        plan: ModelPlan,
    ) -> Result<Self> {
        let k = data.num_classes();
        let net = initial_network(cfg, &plan)?;
        let opt = Optimizer::new(
            OptimizerSpec {
                kind: cfg.optimizer,
                lr: plan.lr,
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
        let pos_weight = if cfg.balance == Balance::Weight && plan.task != Task::Softmax {
            (k - 1) as f32
        } else {
            1.0
        };
        Ok(Trainer {
            augment: Augment {
                shift: cfg.augment_shift,
                hflip: cfg.augment_flip,
            },
            augment_rng: Rng::derive(plan.seed, STREAM_AUGMENT),
            order: Vec::new(),
            batches_per_epoch,
            epoch: 0,
            batch: 0,
            steps: 0,
            total_steps: batches_per_epoch * plan.max_epochs,
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
            stop: None,
            best: None,
            records: Vec::new(),
            recorded_params: Vec::new(),
            filters_init,
            cfg: cfg.clone(),
            data,
            split,
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
                self.order =
                    epoch_order(&self.cfg, &self.plan, &self.data, &self.split, self.epoch);
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
        self.score_end();
        let fraction = if self.total_steps == 0 {
            1.0
        } else {
            self.steps as f64 / self.total_steps as f64
        };
        Progress {
            index: self.plan.index,
            epoch: self.epoch,
            epochs: self.plan.max_epochs,
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
            .rate(self.plan.lr, self.steps, self.total_steps);
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
        let d = Arc::clone(&self.data);
        let s = Arc::clone(&self.split);
        // Without curves, the test and training images are scored once, at the end (`score_end`).
        let (test_scores, train_scores) = if self.cfg.curves {
            (
                score_images(&mut self.net, &d, &d.test, None),
                score_images(&mut self.net, &d, &d.train, Some(s.train_eval())),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let val_scores = score_images(&mut self.net, &d, &d.train, Some(&s.validation));
        // A finite loss with overflowing outputs is divergence too (and JSON has no NaN).
        if !test_scores
            .iter()
            .chain(&train_scores)
            .chain(&val_scores)
            .all(|v| v.is_finite())
        {
            self.status = ModelStatus::Diverged { epoch: self.epoch };
            return;
        }
        let (val_accuracy, val_loss) = if s.validation.is_empty() {
            (None, None)
        } else {
            let labels = TrainSplit::labels(&d, &s.validation);
            let (task, member, k) = (self.plan.task, self.plan.member, d.num_classes());
            (
                Some(own_task_accuracy(task, member, &val_scores, &labels, k)),
                Some(own_task_loss(task, member, &val_scores, &labels, k)),
            )
        };
        self.records.push(EpochRecord {
            epoch: self.epoch,
            train_loss,
            test_scores,
            train_scores,
            val_scores,
            val_accuracy,
            val_loss,
            flops: self.flops,
        });
        if !self.cfg.curves {
            self.recorded_params.clone_from(&self.net.params);
        }
        self.track_best(val_loss);
        if !self.is_done() && self.epoch == self.plan.max_epochs {
            self.end(Stop::MaxEpochs);
        }
    }

    /// Early stopping: remembers the epoch of lowest validation loss, and stops after `patience`
    /// epochs without a strict improvement.
    fn track_best(&mut self, val_loss: Option<f64>) {
        let (Some(loss), true) = (val_loss, self.cfg.patience > 0) else {
            return;
        };
        if self.best.as_ref().is_none_or(|b| loss < b.loss) {
            self.best = Some(Best {
                loss,
                epoch: self.epoch,
                params: self.net.params.clone(),
            });
        } else if self.epoch - self.best.as_ref().map_or(0, |b| b.epoch) >= self.cfg.patience {
            self.end(Stop::Patience);
        }
    }

    /// Ends training (once); with early stopping the model goes back to its best weights.
    fn end(&mut self, why: Stop) {
        if self.is_done() {
            return;
        }
        self.status = ModelStatus::Trained;
        self.stop = Some(why);
        if let Some(best) = self.best.as_mut() {
            self.net.params = std::mem::take(&mut best.params);
        }
    }

    /// With `curves` off, once the model is done: scores the test and training images with the
    /// weights of the record it ends with, into that record, so that its final accuracies are
    /// those of a run scored every epoch. Outputs that overflow there make it diverged, with no
    /// record to end with (like a model that diverges in its first epoch).
    fn score_end(&mut self) {
        let end = self.best_epoch();
        if self.cfg.curves || !self.is_done() || end == 0 || end > self.records.len() {
            return;
        }
        if !self.records[end - 1].test_scores.is_empty() {
            return;
        }
        // A trained model holds the weights it ends with; a diverged one does not.
        let diverged = matches!(self.status, ModelStatus::Diverged { .. });
        let kept = match (&self.best, diverged) {
            (_, false) => None,
            (Some(b), true) => Some(b.params.clone()),
            (None, true) => Some(self.recorded_params.clone()),
        };
        let current = kept.map(|p| std::mem::replace(&mut self.net.params, p));
        let (d, s) = (Arc::clone(&self.data), Arc::clone(&self.split));
        let test = score_images(&mut self.net, &d, &d.test, None);
        let train = score_images(&mut self.net, &d, &d.train, Some(s.train_eval()));
        if let Some(p) = current {
            self.net.params = p;
        }
        if test.iter().chain(&train).all(|v| v.is_finite()) {
            let r = &mut self.records[end - 1];
            (r.test_scores, r.train_scores) = (test, train);
        } else {
            self.status = ModelStatus::Diverged { epoch: end };
            self.records.clear();
        }
    }

    fn best_epoch(&self) -> usize {
        self.best.as_ref().map_or(self.records.len(), |b| b.epoch)
    }

    fn result(&self, weights: Vec<f32>, train_seconds: f64) -> ModelResult {
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
            best_epoch: self.best_epoch(),
            stop: self.stop,
            filter_shape,
            filters_init: self.filters_init.clone(),
            filters,
            weights,
            train_seconds,
        }
    }

    /// The result so far, leaving the trainer running (for live views; no weights).
    pub fn snapshot(&self, train_seconds: f64) -> ModelResult {
        self.result(Vec::new(), train_seconds)
    }

    /// Ends the job: `train_seconds` is the wall time the caller measured.
    pub fn finish(mut self, train_seconds: f64) -> ModelResult {
        if self.status == ModelStatus::Training {
            self.end(Stop::MaxEpochs);
        }
        self.score_end();
        let weights = if self.net.params.iter().all(|p| p.is_finite()) {
            self.net.params.clone()
        } else {
            Vec::new()
        };
        self.result(weights, train_seconds)
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
