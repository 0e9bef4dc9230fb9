//! The experiment end to end on real data, natively (optimised test profile; not timed).

mod common;

use ovr_lab::data::{load_file, Dataset};
use ovr_lab::experiment::analysis::{self, TakenLooks};
use ovr_lab::experiment::config::Arch;
use ovr_lab::experiment::{self, Approach, Config, Report, RunSession};
use std::path::Path;

fn raw(name: &str, seed: u64) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("www/data")
        .join(format!("{name}.bin.gz"));
    load_file(&path, seed).unwrap()
}

fn session_on(cfg: &Config, data: &Dataset, threads: usize) -> RunSession {
    let mut s = RunSession::new(cfg.clone(), data, None).unwrap();
    experiment::run_all(&mut s, threads, &|| 0.0, &|_, _| {}).unwrap();
    s
}

fn run(cfg: &Config) -> Report {
    session_on(cfg, &raw(&cfg.dataset, cfg.seed), 2).report()
}

#[test]
fn ref_cnn_reaches_the_reference_accuracy_on_mnist() {
    let cfg = common::ref_cnn_mnist_config();
    let report = run(&cfg);
    let acc = report.approaches["shared"].test_accuracy;
    let loss = report.approaches["shared"].curve[2].train_loss;
    println!("REF-CNN mnist28 3 epochs lr 0.05: test accuracy {acc}, last loss {loss:?}");
    assert!(acc >= 0.955, "test accuracy {acc} below 95.5%");
    assert!(
        (acc - common::REF_CNN_MNIST_ACCURACY).abs() <= 0.002,
        "native accuracy {acc} moved from the pinned {}",
        common::REF_CNN_MNIST_ACCURACY
    );
    let loss = report.approaches["shared"].curve[2].train_loss;
    assert_eq!(
        loss,
        common::REF_CNN_MNIST_LAST_LOSS,
        "the last epoch's training loss changed"
    );
}

#[test]
fn default_comparison_on_mnist_shared_ovr_and_positive_only() {
    let cfg = Config::default();
    assert_eq!(
        cfg.approaches,
        vec![Approach::Shared, Approach::Ovr, Approach::PositiveOnly]
    );
    let report = run(&cfg);
    let acc = |id: &str| report.approaches[id].test_accuracy;
    println!(
        "mnist28 defaults: shared {} ovr {} positive-only {}",
        acc("shared"),
        acc("ovr"),
        acc("positive-only")
    );
    assert!(acc("shared") >= 0.955, "shared {}", acc("shared"));
    assert!(
        acc("ovr") >= acc("shared") - 0.01,
        "ovr {} vs shared {}",
        acc("ovr"),
        acc("shared")
    );
    assert!(
        acc("positive-only") <= 0.30,
        "positive-only {}",
        acc("positive-only")
    );
    let ovr = &report.approaches["ovr"];
    assert_eq!(ovr.models, 10);
    assert_eq!(ovr.params, 10 * ovr.params_per_model);
    assert_eq!(
        ovr.confusion
            .iter()
            .flatten()
            .map(|&c| c as usize)
            .sum::<usize>(),
        2000
    );
    let sim = report.similarity.as_ref().unwrap();
    assert_eq!(sim.matrix.len(), 21);
    assert!(sim.ovr_within.is_some() && sim.ovr_within_init.is_some());
}

#[test]
fn fashion_shared_reaches_85_percent_with_the_defaults() {
    let cfg = Config {
        dataset: "fashion28".into(),
        approaches: vec![Approach::Shared],
        ..Config::default()
    };
    let report = run(&cfg);
    let acc = report.approaches["shared"].test_accuracy;
    println!("fashion28 defaults: shared {acc}");
    // Over seeds 1–3 this run gives 85.5% ± 1.0 (issue 5); one seed may land a point lower.
    assert!(acc >= 0.84, "fashion28 shared {acc}");
}

#[test]
fn same_config_and_seed_give_identical_json() {
    let cfg = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Tiny,
        approaches: vec![Approach::Shared, Approach::Ovr, Approach::Trunk],
        epochs: 2,
        seeds: 2,
        ..Config::default()
    };
    let strip = |mut r: experiment::Report| {
        // Wall time is the only measured, not computed, number.
        for a in r.approaches.values_mut() {
            a.train_seconds = 0.0;
            a.samples_per_s = 0.0;
        }
        r.train_seconds = 0.0;
        serde_json::to_string(&r).unwrap()
    };
    let data = raw("digits8x8", cfg.seed);
    let one_thread = session_on(&cfg, &data, 1).report();
    let two_threads = session_on(&cfg, &data, 2).report();
    assert_eq!(strip(one_thread), strip(two_threads));
}

#[test]
fn a_diverging_run_is_reported_per_model_and_the_rest_continue() {
    let cfg = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Wide,
        approaches: vec![Approach::Shared, Approach::Ovr],
        lr: 10.0,
        momentum: 0.99,
        weight_decay: 0.1,
        epochs: 2,
        ..Config::default()
    };
    let report = run(&cfg);
    let diverged: usize = report.approaches.values().map(|a| a.diverged.len()).sum();
    assert_eq!(
        diverged, 11,
        "every model of this unstable setting should overflow"
    );
    for a in report.approaches.values() {
        for d in &a.diverged {
            assert!(d.detail.starts_with("diverged at epoch "), "{}", d.detail);
        }
    }
}

#[test]
fn collapsed_binary_models_are_flagged() {
    // At a learning rate far too high, the one-vs-rest models' ReLUs die and each scores every
    // image the same; a sane rate must not be flagged.
    let base = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Tiny,
        approaches: vec![Approach::Ovr],
        epochs: 2,
        ..Config::default()
    };
    let report = run(&Config {
        lr: 10.0,
        ..base.clone()
    });
    let a = &report.approaches["ovr"];
    assert_eq!(
        a.collapsed.len(),
        10,
        "expected constant-output models at lr 10"
    );
    assert!(a.collapsed[0].detail.contains("constant output"));
    assert!(a.test_accuracy < 0.2);
    let sane = run(&base);
    assert!(sane.approaches["ovr"].collapsed.is_empty());
}

#[test]
fn results_of_diverged_models_survive_a_json_round_trip() {
    let cfg = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Wide,
        approaches: vec![Approach::Shared],
        lr: 10.0,
        momentum: 0.99,
        weight_decay: 0.1,
        epochs: 1,
        ..Config::default()
    };
    let run = experiment::Run::new(cfg.clone(), &raw("digits8x8", 1)).unwrap();
    let result = run.trainer(0).unwrap().run_to_end(&|| 0.0);
    assert!(matches!(
        result.status,
        experiment::run::ModelStatus::Diverged { .. }
    ));
    let text = serde_json::to_string(&result).unwrap();
    let back: experiment::ModelResult = serde_json::from_str(&text).unwrap();
    assert_eq!(back.status, result.status);
}

/// The page's training workers look at each model as it finishes (`looks_at`) and the report
/// worker keeps the looks (`add_looks`); the analyses that end the run must come out the same, bit
/// for bit, as when every look is taken at the end.
#[test]
fn looks_taken_by_the_workers_give_the_same_analyses() {
    let cfg = Config {
        dataset: "mnist28".into(),
        approaches: vec![Approach::Shared, Approach::Ovr, Approach::Trunk],
        epochs: 1,
        seeds: 2,
        train_per_class: 40,
        probe_size: 120,
        ..Config::default()
    };
    let data = raw(&cfg.dataset, cfg.seed);
    let at_end = session_on(&cfg, &data, 2);
    let mut ahead = RunSession::new(cfg.clone(), &data, None).unwrap();
    let mut looks = 0;
    for r in at_end.results() {
        // As the page does: the result travels as JSON text to both workers.
        let text = serde_json::to_string(r).unwrap();
        let taken = analysis::looks_at(ahead.run(), &serde_json::from_str(&text).unwrap()).unwrap();
        let unrecorded = taken.is_empty() || ahead.add_looks(clone(&taken)).is_err();
        assert!(unrecorded, "looks at a model not yet recorded are refused");
        ahead.record(serde_json::from_str(&text).unwrap()).unwrap();
        looks += taken.len();
        ahead.add_looks(clone(&taken)).unwrap();
    }
    // Shared: 2 probes and 2 Gram looks; 10 one-vs-rest models: a probe and 2 Gram looks each
    // minus the cached trained Grams; trunk; next-seed twins and floor. At least the probes.
    assert!(looks >= 12, "{looks} looks taken by the workers");
    ahead.analyse().unwrap();
    let json = |s: &RunSession| serde_json::to_string(&s.report()).unwrap();
    let (a, b) = (json(&at_end), json(&ahead));
    assert!(a.contains("\"representations\":{"), "the run has CKA");
    assert!(a.contains("\"transfer\":{"), "and the probe");
    assert_eq!(a, b);

    // And the analyses do read the carried looks: a probe score altered on its way changes the
    // report.
    let mut altered = RunSession::new(cfg.clone(), &data, None).unwrap();
    for r in at_end.results() {
        altered.record(r.clone()).unwrap();
        let (meta, floats) = analysis::looks_at(altered.run(), r).unwrap().to_parts();
        let mut meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
        for p in meta["probes"].as_array_mut().unwrap() {
            p["accuracy"] = 0.5f64.to_bits().into();
        }
        let taken = TakenLooks::from_parts(&meta.to_string(), &floats).unwrap();
        altered.add_looks(taken).unwrap();
    }
    altered.analyse().unwrap();
    assert_ne!(json(&altered), a, "the carried probe scores were not used");
}

/// Through the two parts a Worker message carries, as the page sends them.
fn clone(t: &TakenLooks) -> TakenLooks {
    let (meta, floats) = t.to_parts();
    TakenLooks::from_parts(&meta, &floats).unwrap()
}

#[test]
fn the_runs_training_time_counts_every_model_it_trained() {
    // One seed of `shared` also trains the noise-floor model, which no approach reports: the
    // run's total must count it, or a benchmark set against it undercounts the engine's work.
    let cfg = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Tiny,
        approaches: vec![Approach::Shared],
        epochs: 1,
        ..Config::default()
    };
    let start = std::time::Instant::now();
    let now = move || start.elapsed().as_secs_f64();
    let mut s = RunSession::new(cfg.clone(), &raw("digits8x8", cfg.seed), None).unwrap();
    experiment::run_all(&mut s, 1, &now, &|_, _| {}).unwrap();
    let report = s.report();
    assert_eq!(s.results().len(), 2, "shared and the noise-floor model");
    let each: Vec<f64> = s.results().iter().map(|r| r.train_seconds).collect();
    assert!(each.iter().all(|&t| t > 0.0), "{each:?}");
    assert_eq!(report.train_seconds, each.iter().sum::<f64>());
    assert_eq!(report.approaches["shared"].train_seconds, each[0]);
}
