//! The science: approaches, the training schedule, metrics, statistics and the results document.

pub mod analysis;
pub mod approach;
pub mod config;
pub mod filters;
pub mod metrics;
pub mod models;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod schema;
pub mod session;
pub mod split;
pub mod stats;
pub mod sweep;

pub use approach::{plan, ModelPlan, Role, Task};
pub use config::{Approach, Config, Mode};
pub use report::Report;
pub use run::{ModelResult, Progress, Trainer};
pub use session::{Run, RunSession};

use crate::data::Dataset;
use crate::error::Result;

/// Applies the configuration's data settings (shapes generation is done by the caller, which
/// knows where bytes come from): class subset and training images per class.
pub fn prepare(cfg: &Config, data: &Dataset) -> Result<Dataset> {
    let classes = (!cfg.classes.is_empty()).then_some(cfg.classes.as_slice());
    let per_class = (cfg.train_per_class > 0).then_some(cfg.train_per_class);
    Ok(crate::data::select::select(data, classes, per_class)?)
}

/// The shapes dataset a configuration describes.
pub fn shapes_dataset(cfg: &Config) -> Result<Dataset> {
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
    Ok(crate::data::shapes::generate(&sc)?)
}

/// Trains every model of `session`'s run, then makes the analyses (see [`train_all`]).
pub fn run_all(
    session: &mut RunSession,
    threads: usize,
    now: &(dyn Fn() -> f64 + Sync),
    observer: &(dyn Fn(&Trainer, Option<&run::Progress>) + Sync),
) -> Result<()> {
    train_all(session, threads, now, observer)?;
    session.analyse()
}

/// Trains every model of `session`'s run on `threads` threads (one model per thread at a time),
/// recording each result. Results do not depend on the thread count. `observer` hears of each
/// model when it starts (no progress yet) and after each step.
pub fn train_all(
    session: &mut RunSession,
    threads: usize,
    now: &(dyn Fn() -> f64 + Sync),
    observer: &(dyn Fn(&Trainer, Option<&run::Progress>) + Sync),
) -> Result<()> {
    let run = session.run();
    let n = run.plans.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(n));
    let error = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    break;
                }
                match run.trainer(i) {
                    Ok(mut t) => {
                        observer(&t, None);
                        let t0 = now();
                        while !t.is_done() {
                            let p = t.advance(16);
                            observer(&t, Some(&p));
                        }
                        results.lock().unwrap().push(t.finish(now() - t0));
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
    for r in results.into_inner().unwrap() {
        session.record(r)?;
    }
    Ok(())
}

/// Everything a shell needs to show the lab's choices, declared once: the settings, the bundled
/// datasets, the approaches with their names, and the scenarios.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Catalog {
    pub settings: Vec<schema::Setting>,
    pub datasets: Vec<crate::data::Bundled>,
    pub approaches: Vec<report::ApproachInfo>,
    pub scenarios: Vec<scenarios::Scenario>,
}

pub fn catalog() -> Catalog {
    Catalog {
        settings: config::settings(),
        datasets: crate::data::BUNDLED.to_vec(),
        approaches: <Approach as schema::Choice>::ALL
            .iter()
            .map(|&a| report::ApproachInfo::of(a))
            .collect(),
        scenarios: scenarios::scenarios(),
    }
}
