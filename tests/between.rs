//! Two kept runs compared (the Runs panel's "Compare"): real runs on small data, read back from
//! their JSON documents as the page stores them.

use ovr_lab::data::load_file;
use ovr_lab::experiment::config::Arch;
use ovr_lab::experiment::report::between::{between, RunSummary};
use ovr_lab::experiment::stats::Verdict;
use ovr_lab::experiment::{self, Approach, Config, RunSession};
use std::path::Path;

fn report_json(lr: f32, approaches: Vec<Approach>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/digits8x8.bin.gz");
    let data = load_file(&path, 1).unwrap();
    let cfg = Config {
        dataset: "digits8x8".into(),
        arch: Arch::Linear,
        approaches,
        epochs: 1,
        seeds: 2,
        lr,
        ..Config::default()
    };
    let mut s = RunSession::new(cfg, &data, None).unwrap();
    experiment::run_all(&mut s, 2, &|| 0.0, &|_, _| {}).unwrap();
    serde_json::to_string(&s.report()).unwrap()
}

fn read(json: &str) -> RunSummary {
    serde_json::from_str(json).unwrap()
}

#[test]
fn two_runs_at_different_rates_name_the_rate_and_each_verdict_in_both() {
    let both = vec![Approach::Shared, Approach::Ovr, Approach::PositiveOnly];
    let (a, b) = (report_json(0.02, both.clone()), report_json(0.2, both));
    let d = between(&read(&a), &read(&b));
    assert_eq!(d.differences.len(), 1);
    assert_eq!(
        (
            d.differences[0].name,
            d.differences[0].value.as_str(),
            d.differences[0].other.as_str()
        ),
        ("lr", "0.02", "0.2")
    );
    assert_eq!(d.approaches.len(), 3);
    assert!(d.approaches.iter().all(|p| p.a.is_some() && p.b.is_some()));
    assert_eq!(
        d.verdicts.len(),
        2,
        "ovr and positive-only, each against shared"
    );
    // Positive-only cannot tell classes apart: behind in both runs, the same verdict.
    let po = d
        .verdicts
        .iter()
        .find(|v| v.approach == "positive-only")
        .unwrap();
    assert_eq!(po.a.as_ref().unwrap().verdict, Verdict::Behind);
    assert_eq!(po.b.as_ref().unwrap().verdict, Verdict::Behind);
    assert_eq!(po.same, Some(true));
    assert!(
        d.text
            .starts_with("The runs differ in Learning rate (0.02 in A, 0.2 in B); "),
        "{}",
        d.text
    );
    // The same run against itself: no difference, every verdict kept.
    let same = between(&read(&a), &read(&a));
    assert!(same.differences.is_empty());
    assert_eq!(same.text, "The two runs have the same settings; every verdict they share is the same in both (2 of 2).");
}

#[test]
fn a_run_without_a_comparison_is_said_to_share_none() {
    let a = report_json(0.02, vec![Approach::Shared]);
    let b = report_json(0.02, vec![Approach::Shared, Approach::Ovr]);
    let d = between(&read(&a), &read(&b));
    assert_eq!(d.verdicts.len(), 1);
    assert!(d.verdicts[0].a.is_none() && d.verdicts[0].same.is_none());
    assert!(d.text.ends_with("they share no comparison."), "{}", d.text);
    assert_eq!(
        d.approaches
            .iter()
            .map(|p| (p.id.as_str(), p.a.is_some()))
            .collect::<Vec<_>>(),
        [("shared", true), ("ovr", false)]
    );
}
