//! The science: approaches, the training schedule, metrics and the results document.

pub mod approach;
pub mod config;
pub mod filters;
pub mod metrics;
pub mod report;
pub mod run;

pub use approach::{plan, ModelPlan, Task};
pub use config::{Approach, Config, Mode};
pub use report::{assemble, Report};
pub use run::{ModelResult, Progress, Trainer};

use crate::data::Dataset;
use std::sync::Arc;

/// Applies the configuration's data settings (shapes generation is done by the caller, which
/// knows where bytes come from): class subset and training images per class.
pub fn prepare(cfg: &Config, data: &Dataset) -> Result<Dataset, String> {
    let classes = (!cfg.classes.is_empty()).then_some(cfg.classes.as_slice());
    let per_class = (cfg.train_per_class > 0).then_some(cfg.train_per_class);
    crate::data::select::select(data, classes, per_class).map_err(|e| e.to_string())
}

/// The shapes dataset a configuration describes.
pub fn shapes_dataset(cfg: &Config) -> Result<Dataset, String> {
    let sc = crate::data::shapes::ShapesConfig {
        classes: cfg.shapes_classes,
        size: cfg.shapes_size,
        train_per_class: cfg.shapes_train,
        test_per_class: cfg.shapes_test,
        noise: cfg.shapes_noise,
        jitter: cfg.shapes_jitter,
        scale: cfg.shapes_scale,
        rotation: cfg.shapes_rotation,
        seed: cfg.seed,
    };
    crate::data::shapes::generate(&sc).map_err(|e| e.to_string())
}

/// The jobs of a run on prepared data.
pub fn jobs(cfg: &Config, data: &Dataset) -> Result<Vec<ModelPlan>, String> {
    let input = crate::nn::Shape::new(data.height, data.width, data.channels);
    plan(
        cfg,
        input,
        &data.class_names,
        &data.train.per_class(data.num_classes()),
    )
}

/// Trains every model of the run on `threads` threads (one model per thread at a time) and
/// assembles the report. Results do not depend on the thread count. `on_done` is told of each
/// finished model.
pub fn run_all(
    cfg: &Config,
    data: Arc<Dataset>,
    threads: usize,
    now: &(dyn Fn() -> f64 + Sync),
    on_done: &(dyn Fn(&ModelResult) + Sync),
) -> Result<Report, String> {
    let plans = jobs(cfg, &data)?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(plans.len()));
    let error = std::sync::Mutex::new(None::<String>);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, plans.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { break };
                match Trainer::new(cfg, Arc::clone(&data), plan.clone()) {
                    Ok(t) => {
                        let r = t.run_to_end(now);
                        on_done(&r);
                        results.lock().unwrap().push(r);
                    }
                    Err(e) => {
                        *error.lock().unwrap() = Some(e);
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap() {
        return Err(e);
    }
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.plan.index);
    Ok(assemble(cfg, &data, &results))
}
