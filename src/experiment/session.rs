//! A run, as one object: the configuration, the prepared data and its per-seed splits, the job
//! plan, the models' results as they arrive, progress, and the report. The CLI drives it on
//! threads; the page keeps one in its report worker (the training workers build the same `Run`
//! to make their trainers).

use super::analysis::{self, LookCache, TakenLooks};
use super::approach::{plan, ModelPlan};
use super::config::{Approach, Config};
use super::models::{InputInfo, ModelSet};
use super::report::{self, Analyses, Report};
use super::run::{ModelResult, ModelStatus, Trainer};
use super::split::TrainSplit;
use crate::data::Dataset;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a run trains on and which models it trains: fixed once made.
pub struct Run {
    pub config: Config,
    pub data: Arc<Dataset>,
    splits: BTreeMap<u64, Arc<TrainSplit>>,
    pub plans: Vec<ModelPlan>,
}

impl Run {
    /// Validates the configuration, prepares the data (class subset, images per class), holds
    /// out each seed's validation images, and plans every model.
    pub fn new(config: Config, raw: &Dataset) -> Result<Self> {
        config.validate()?;
        let data = Arc::new(super::prepare(&config, raw)?);
        let mut seeds = config.seed_list();
        seeds.push(config.seed + config.seeds as u64); // the noise-floor model's seed, if planned
        let splits: BTreeMap<u64, Arc<TrainSplit>> = seeds
            .into_iter()
            .map(|s| {
                (
                    s,
                    Arc::new(TrainSplit::new(&data, s, config.validation_fraction)),
                )
            })
            .collect();
        let input = crate::nn::Shape::new(data.height, data.width, data.channels);
        let fit = splits[&config.seed].fit_per_class(&data);
        let plans = plan(&config, input, &data.class_names, &fit)?;
        Ok(Run {
            config,
            data,
            splits,
            plans,
        })
    }

    /// The split of the training images for `seed`.
    pub fn split(&self, seed: u64) -> &TrainSplit {
        self.splits
            .get(&seed)
            .unwrap_or_else(|| self.splits.values().next().expect("a split"))
    }

    pub fn train_eval_labels(&self, seed: u64) -> Vec<u8> {
        TrainSplit::labels(&self.data, self.split(seed).train_eval())
    }

    pub fn validation_labels(&self, seed: u64) -> Vec<u8> {
        TrainSplit::labels(&self.data, &self.split(seed).validation)
    }

    /// A trainer for job `index`.
    pub fn trainer(&self, index: usize) -> Result<Trainer> {
        let plan = self
            .plans
            .get(index)
            .cloned()
            .ok_or_else(|| Error::Input(format!("no job {index}")))?;
        let split = self
            .splits
            .get(&plan.seed)
            .cloned()
            .ok_or_else(|| Error::Input(format!("no split for seed {}", plan.seed)))?;
        Trainer::new(&self.config, Arc::clone(&self.data), split, plan)
    }

    /// The report from `results` (any subset, finished or not).
    pub fn report(&self, results: &[ModelResult], analyses: &Analyses) -> Report {
        report::assemble(self, results, analyses)
    }
}

/// A run with its results: what the report worker and the CLI hold.
pub struct RunSession {
    run: Run,
    ood: Option<Dataset>,
    /// Sorted by job index, one per job that has reported.
    results: Vec<ModelResult>,
    analyses: Analyses,
    analysed: bool,
    /// Looks at finished models taken ahead of the end (`add_looks`), used by `analyse`.
    looks: RefCell<LookCache>,
}

impl RunSession {
    /// `ood` is the other dataset's raw data when the configuration names one.
    pub fn new(config: Config, raw: &Dataset, ood: Option<Dataset>) -> Result<Self> {
        if !config.ood_dataset.is_empty() && ood.is_none() {
            return Err(Error::setting(
                "ood_dataset",
                format!("{}: no data was given", config.ood_dataset),
            ));
        }
        let run = Run::new(config, raw)?;
        if let Some(other) = &ood {
            // Refused now, not after every model has trained.
            analysis::ood::check_size(&run.data, other)?;
        }
        Ok(RunSession {
            run,
            ood,
            results: Vec::new(),
            analyses: Analyses::default(),
            analysed: false,
            looks: RefCell::default(),
        })
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    pub fn plans(&self) -> &[ModelPlan] {
        &self.run.plans
    }

    /// Takes a model's result (a snapshot while it trains, or its final one). A result that does
    /// not belong to this run's plan is refused.
    pub fn record(&mut self, result: ModelResult) -> Result<()> {
        let i = result.plan.index;
        match self.run.plans.get(i) {
            Some(p) if *p == result.plan => {
                match self.results.binary_search_by_key(&i, |r| r.plan.index) {
                    Ok(at) => self.results[at] = result,
                    Err(at) => self.results.insert(at, result),
                }
                self.looks.get_mut().forget(i);
                self.analysed = false;
                Ok(())
            }
            _ => Err(Error::Input(format!(
                "the result of job {i} ({}) is not part of this run",
                result.plan.label
            ))),
        }
    }

    pub fn results(&self) -> &[ModelResult] {
        &self.results
    }

    /// Every planned model has finished (or diverged).
    pub fn is_complete(&self) -> bool {
        self.results.len() == self.run.plans.len()
            && self
                .results
                .iter()
                .all(|r| r.status != ModelStatus::Training)
    }

    /// Each approach's reported learning rate.
    pub fn rates(&self) -> BTreeMap<Approach, f32> {
        let results = &self.results;
        self.run
            .config
            .approaches
            .iter()
            .map(|&a| (a, report::tuning::choose(&self.run, results, a).0))
            .collect()
    }

    /// The analyses that need every model's final weights (once the run is complete).
    pub fn analyse(&mut self) -> Result<()> {
        if self.analysed || !self.is_complete() {
            return Ok(());
        }
        self.analyses = analysis::analyse(
            &self.run,
            &self.results,
            &self.rates(),
            self.ood.as_ref(),
            &self.looks,
        )?;
        self.analysed = true;
        *self.looks.get_mut() = LookCache::default(); // the looks are megabytes each
        Ok(())
    }

    /// Keeps the looks a training worker took at a finished model (`analysis::looks_at`), for the
    /// analyses at the end. Refused unless every look is at a model this session has recorded as
    /// finished, with Gram matrices of the size this run's analyses compare.
    pub fn add_looks(&mut self, taken: TakenLooks) -> Result<()> {
        for index in taken.indices() {
            let finished = self
                .results
                .binary_search_by_key(&index, |r| r.plan.index)
                .is_ok_and(|at| self.results[at].status != ModelStatus::Training);
            if !finished {
                return Err(Error::Input(format!(
                    "looks at job {index}, which has not finished in this run"
                )));
            }
        }
        taken.check_side(analysis::looks::cka_images(&self.run))?;
        self.looks.get_mut().absorb(taken);
        Ok(())
    }

    pub fn report(&self) -> Report {
        let none = Analyses::default();
        self.run.report(
            &self.results,
            if self.analysed { &self.analyses } else { &none },
        )
    }

    /// The finished models at each approach's reported rate, for the draw panel and the models
    /// file.
    pub fn models(&self) -> Result<ModelSet> {
        let rates = self.rates();
        let d = &self.run.data;
        let input = InputInfo {
            width: d.width,
            height: d.height,
            channels: d.channels,
            class_names: d.class_names.clone(),
        };
        ModelSet::from_results(&self.run.config, &d.name, input, &self.results, |r| {
            rates.get(&r.plan.approach) == Some(&r.plan.lr)
        })
    }
}

/// How far a run is, by training FLOPs (the most each job may spend): what the progress bar and
/// the time-left estimate show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    pub fraction: f64,
    pub models_done: usize,
    pub models: usize,
    /// From the elapsed time and the fraction done (null until 2% is done).
    pub seconds_left: Option<f64>,
}

/// Progress accounting over a plan's jobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    costs: Vec<f64>,
    fractions: Vec<f64>,
}

impl Progress {
    pub fn new(plans: &[ModelPlan]) -> Self {
        Progress {
            costs: plans.iter().map(|p| p.max_cost() + 1.0).collect(),
            fractions: vec![0.0; plans.len()],
        }
    }

    pub fn set(&mut self, index: usize, fraction: f64) {
        if let Some(f) = self.fractions.get_mut(index) {
            *f = fraction.clamp(0.0, 1.0);
        }
    }

    pub fn overall(&self, elapsed_seconds: f64) -> Overall {
        let total: f64 = self.costs.iter().sum();
        let done: f64 = self
            .costs
            .iter()
            .zip(&self.fractions)
            .map(|(c, f)| c * f)
            .sum();
        let fraction = if total > 0.0 { done / total } else { 0.0 };
        Overall {
            fraction,
            models_done: self.fractions.iter().filter(|&&f| f >= 1.0).count(),
            models: self.fractions.len(),
            seconds_left: (fraction > 0.02).then(|| elapsed_seconds * (1.0 - fraction) / fraction),
        }
    }
}
