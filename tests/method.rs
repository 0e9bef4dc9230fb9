//! The experimental method: paired seeds, choices made on validation only, early stopping that
//! keeps the best weights, and the analyses every finished run carries (natively, on small data).

use ovr_lab::data::{load_file, Dataset};
use ovr_lab::experiment::config::Arch;
use ovr_lab::experiment::run::Stop;
use ovr_lab::experiment::stats::Method;
use ovr_lab::experiment::{self, Approach, Config, ModelResult, RunSession};
use ovr_lab::rng::Rng;
use std::path::Path;

fn raw(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("www/data")
        .join(format!("{name}.bin.gz"));
    load_file(&path, 1).unwrap()
}

fn trained(cfg: &Config, data: &Dataset, ood: Option<Dataset>) -> RunSession {
    let mut s = RunSession::new(cfg.clone(), data, ood).unwrap();
    experiment::run_all(&mut s, 2, &|| 0.0, &|_, _| {}).unwrap();
    s
}

/// A model's result without its measured wall time (the only number not computed).
fn computed(r: &ModelResult) -> String {
    let mut r = r.clone();
    r.train_seconds = 0.0;
    r.plan.index = 0;
    serde_json::to_string(&r).unwrap()
}

fn small(approaches: Vec<Approach>) -> Config {
    Config {
        dataset: "digits8x8".into(),
        arch: Arch::Tiny,
        approaches,
        epochs: 2,
        seeds: 3,
        seed: 1,
        ..Config::default()
    }
}

#[test]
fn shared_is_the_same_model_bit_for_bit_whatever_else_the_run_trains() {
    let data = raw("digits8x8");
    let alone = trained(&small(vec![Approach::Shared]), &data, None);
    let with = trained(
        &small(vec![Approach::Ovr, Approach::Trunk, Approach::Shared]),
        &data,
        None,
    );
    let shared = |s: &RunSession| -> Vec<String> {
        s.results()
            .iter()
            .filter(|r| r.plan.approach == Approach::Shared)
            .map(computed)
            .collect()
    };
    let (a, b) = (shared(&alone), shared(&with));
    assert_eq!(a.len(), 3, "one shared model per seed 1–3");
    assert_eq!(a, b);
    // Paired seeds: the comparison is over the three seeds, by the paired-t rule.
    let c = &with.report().comparisons[0];
    assert_eq!(
        (c.approach.as_str(), c.overall.seeds, c.overall.method),
        ("ovr", 3, Method::PairedT)
    );
}

/// The test labels shuffled among the test images: a run that used them for a choice would
/// choose differently.
fn with_permuted_test_labels(data: &Dataset) -> Dataset {
    let mut d = data.clone();
    Rng::new(99).shuffle(&mut d.test.labels);
    d
}

#[test]
fn the_test_set_never_chooses_a_rate_or_a_stopping_epoch() {
    let cfg = Config {
        approaches: vec![Approach::Shared, Approach::Ovr],
        validation_fraction: 0.2,
        patience: 1,
        epochs: 6,
        seeds: 2,
        lr_grid: vec![0.002, 0.05],
        probe_size: 0,
        ..small(vec![])
    };
    let data = raw("digits8x8");
    let a = trained(&cfg, &data, None);
    let b = trained(&cfg, &with_permuted_test_labels(&data), None);
    let choices = |s: &RunSession| -> (Vec<f32>, Vec<(usize, usize)>) {
        let rates = s.rates().values().copied().collect();
        let stops = s
            .results()
            .iter()
            .map(|r| (r.epochs.len(), r.best_epoch))
            .collect();
        (rates, stops)
    };
    assert_eq!(choices(&a), choices(&b));
    let (ra, rb) = (a.report(), b.report());
    assert!(ra.approaches["shared"].tuning.is_some());
    // The permutation did change what the test set says.
    assert_ne!(
        ra.approaches["shared"].test_accuracy,
        rb.approaches["shared"].test_accuracy
    );
    // Early stopping acted somewhere, and every model kept the weights of its best epoch.
    assert!(
        a.results().iter().any(|r| r.stop == Some(Stop::Patience)),
        "no model stopped early"
    );
    for r in a.results() {
        let best = r.final_record().unwrap();
        assert_eq!(best.epoch, r.best_epoch);
        let vals: Vec<f64> = r.epochs.iter().map(|e| e.val_loss.unwrap()).collect();
        let lowest = vals.iter().cloned().fold(f64::MAX, f64::min);
        assert_eq!(best.val_loss.unwrap(), lowest, "{}: {vals:?}", r.plan.label);
    }
}

#[test]
fn a_one_seed_run_carries_representations_probes_calibration_and_other_images() {
    let cfg = Config {
        dataset: "mnist28".into(),
        classes: vec![0, 1, 2, 3],
        train_per_class: 150,
        arch: Arch::Tiny,
        approaches: vec![Approach::Shared, Approach::Ovr],
        epochs: 2,
        seeds: 1,
        probe_size: 200,
        ood_dataset: "fashion28".into(),
        ..Config::default()
    };
    let s = trained(&cfg, &raw("mnist28"), Some(raw("fashion28")));
    let r = s.report();
    let rep = r.representations.as_ref().expect("representations");
    assert_eq!(rep.layers.len(), 2);
    for l in &rep.layers {
        assert_eq!(l.shared_vs_members.len(), 4);
        assert!(l.shared_vs_members_mean_init.is_some(), "the init baseline");
        assert!(
            l.shared_floor.is_some(),
            "the noise floor from a second shared model"
        );
        assert!(l.member_pairs_mean.unwrap() > 0.0 && l.member_pairs_mean.unwrap() <= 1.0 + 1e-9);
    }
    let t = r.transfer.as_ref().expect("transfer probe");
    assert_eq!(t.models.len(), 5);
    assert!(t.shared.unwrap() > 0.8, "{t:?}");
    assert!(t.init.is_some());
    let o = r.ood.as_ref().expect("out-of-distribution scores");
    assert_eq!(o.dataset, "fashion28");
    assert!(
        o.approaches["ovr"].none_rate_ood.is_some()
            && o.approaches["shared"].none_rate_ood.is_none()
    );
    assert!(r.approaches["ovr"].calibration.raw_ece.is_some());
    // The floor model is not one of the compared models.
    assert_eq!(r.approaches["shared"].seed_accuracies.len(), 1);
    assert_eq!(r.comparisons[0].overall.method, Method::Mcnemar);
}

#[test]
fn other_images_of_another_size_are_refused_when_the_session_starts() {
    let cfg = Config {
        dataset: "mnist28".into(),
        ood_dataset: "digits8x8".into(),
        ..Config::default()
    };
    let e = RunSession::new(cfg, &raw("mnist28"), Some(raw("digits8x8")))
        .err()
        .expect("refused");
    assert_eq!(e.setting_name(), Some("ood_dataset"));
    assert!(e.to_string().contains("8×8×1 images"), "{e}");
}

#[test]
fn scoring_only_at_the_end_gives_the_same_final_numbers_as_every_epoch() {
    // `curves` off skips the per-epoch scoring of the test and training images, a large part of
    // a short run's time; a model that stopped early must be scored with the weights it kept.
    let every = Config {
        validation_fraction: 0.2,
        patience: 1,
        epochs: 8,
        lr_grid: vec![0.05, 0.2],
        ..small(vec![Approach::Shared, Approach::Ovr])
    };
    let end = Config {
        curves: false,
        ..every.clone()
    };
    let data = raw("digits8x8");
    let (a, b) = (trained(&every, &data, None), trained(&end, &data, None));
    let kept_earlier = b
        .results()
        .iter()
        .filter(|m| m.stop == Some(Stop::Patience) && m.best_epoch < m.epochs.len());
    assert!(
        kept_earlier.count() > 0,
        "no model went back to earlier weights"
    );
    let without_curves = |mut r: experiment::Report| {
        r.config.curves = true;
        r.train_seconds = 0.0;
        r.findings.clear();
        for x in r.approaches.values_mut() {
            (x.train_seconds, x.samples_per_s) = (0.0, 0.0);
            (x.curve, x.members) = (Vec::new(), Vec::new());
        }
        serde_json::to_string(&r).unwrap()
    };
    let (ra, rb) = (a.report(), b.report());
    let ovr = &rb.approaches["ovr"];
    assert_eq!(ovr.curve.len(), 1);
    assert!(ovr.members.iter().all(|m| m.binary_accuracy.len() == 1));
    let first_seed = ovr.training.iter().filter(|t| t.seed == end.seed);
    let kept: Vec<Vec<usize>> = first_seed.map(|t| vec![t.best_epoch]).collect();
    let at: Vec<Vec<usize>> = ovr.members.iter().map(|m| m.epochs.clone()).collect();
    assert_eq!(at, kept, "each model's one value is where it ended");
    let last = ra.approaches["ovr"].curve.last().unwrap();
    assert_eq!(
        (ovr.curve[0].epoch, ovr.curve[0].flops),
        (last.epoch, last.flops)
    );
    assert!(rb.findings["curves"]
        .iter()
        .any(|s| s.contains("one point")));
    assert!(ra.approaches["ovr"].curve.len() > 1);
    assert_eq!(without_curves(ra), without_curves(rb));
}

#[test]
fn a_model_that_diverges_without_curves_is_scored_with_its_last_finite_weights() {
    // Unstable enough that models overflow in their second or third epoch, not all in the first.
    let every = Config {
        arch: Arch::Ref,
        lr: 0.3,
        momentum: 0.99,
        weight_decay: 0.1,
        epochs: 3,
        seeds: 2,
        ..small(vec![Approach::Shared, Approach::Ovr])
    };
    let end = Config {
        curves: false,
        ..every.clone()
    };
    let data = raw("digits8x8");
    let (a, b) = (
        trained(&every, &data, None).report(),
        trained(&end, &data, None).report(),
    );
    for id in ["shared", "ovr"] {
        let (x, y) = (&a.approaches[id], &b.approaches[id]);
        assert_eq!(x.diverged, y.diverged, "{id}");
        assert_eq!(x.seed_accuracies, y.seed_accuracies, "{id}");
    }
    let diverged: usize = b.approaches.values().map(|x| x.diverged.len()).sum();
    let later =
        |x: &ovr_lab::experiment::report::approach::ModelFlag| !x.detail.contains("epoch 1 ");
    assert!(diverged > 0 && b.approaches["ovr"].diverged.iter().any(later));
}
