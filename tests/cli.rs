//! The command line: lists what it can load, runs an experiment to a JSON file, and refuses bad
//! settings with a clear message and a non-zero exit code.

use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ovr-lab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn datasets_lists_the_four_bundled_sets_and_shapes() {
    let (code, out, _) = cli(&["datasets"]);
    assert_eq!(code, 0);
    for (name, train, test) in [
        ("digits8x8", "1437", "360"),
        ("mnist28", "6500", "2000"),
        ("fashion28", "8000", "2000"),
        ("animals28", "6000", "2000"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing from:\n{out}"));
        assert!(line.contains(train) && line.contains(test), "{line}");
    }
    assert!(out.contains("Dog"), "animals28 lists its dog class");
    assert!(out.lines().any(|l| l.starts_with("shapes")));
}

#[test]
fn run_writes_the_results_document_and_a_table() {
    let json = std::env::temp_dir().join(format!("ovr-lab-cli-{}.json", std::process::id()));
    let (code, out, err) = cli(&[
        "run",
        "--dataset",
        "shapes",
        "--shapes_classes",
        "3",
        "--arch",
        "tiny",
        "--approaches",
        "shared,ovr",
        "--epochs",
        "1",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("shared") && out.contains("ovr") && out.contains("test acc"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["version"], 2);
    assert_eq!(report["comparisons"][0]["approach"], "ovr");
    assert!(report["comparisons"][0]["interval"].is_array());
    // `show` prints the same table from the document.
    let (code, shown, _) = cli(&["show", json.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(shown, out);
    assert_eq!(report["config"]["shapes_classes"], 3);
    assert_eq!(report["approaches"]["ovr"]["models"], 3);
    assert!(
        report["approaches"]["shared"]["test_accuracy"]
            .as_f64()
            .unwrap()
            > 1.0 / 3.0
    );
    std::fs::remove_file(json).ok();
}

#[test]
fn a_dataset_path_is_read_like_a_bundled_name() {
    let npz = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/uint8_nhw.npz");
    let (code, out, err) = cli(&[
        "run",
        "--dataset",
        npz,
        "--arch",
        "linear",
        "--approaches",
        "shared",
        "--epochs",
        "1",
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("uint8_nhw · 3 classes"), "{out}");
}

#[test]
fn bad_settings_exit_non_zero_with_the_reason() {
    for (args, expect) in [
        (
            vec!["run", "--epochs", "1e9"],
            "epochs: 1e9 is outside 1..30",
        ),
        (
            vec!["run", "--approaches", "dog-only"],
            "approaches: none of 'dog-only'",
        ),
        (
            vec!["run", "--lr", "NaN"],
            "lr: 'NaN' is not a finite number",
        ),
        (
            vec!["run", "--dataset", "imagenet"],
            "dataset: 'imagenet' is neither a bundled set",
        ),
        (
            vec!["run", "--dataset", "digits8x8", "--classes", "3,99"],
            "class index 99 is outside",
        ),
        (
            vec!["run", "--scenario", "nope"],
            "unknown scenario 'nope' (one of dog-only",
        ),
        (
            vec!["run", "--patience", "3"],
            "patience: needs a validation fraction above 0",
        ),
        (
            vec!["run", "--dataset", "Cargo.toml"],
            "not a dataset this lab reads",
        ),
    ] {
        let (code, _, err) = cli(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}

#[test]
fn scenarios_are_listed_and_run_by_name_with_flags_overriding() {
    let (code, out, _) = cli(&["scenarios"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("dog-only") && out.contains("--approaches shared,ovr,positive-only"),
        "{out}"
    );
    let json = std::env::temp_dir().join(format!("ovr-lab-scenario-{}.json", std::process::id()));
    let (code, _, err) = cli(&[
        "run",
        "--scenario",
        "dog-only",
        "--arch",
        "linear",
        "--epochs",
        "1",
        "--train_per_class",
        "20",
        "-q",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["config"]["dataset"], "animals28");
    assert_eq!(report["config"]["classes"], serde_json::json!([2, 3, 4, 7]));
    assert_eq!(report["config"]["epochs"], 1);
    std::fs::remove_file(json).ok();
}

#[test]
fn a_class_sweep_reads_one_document_per_k_and_extrapolates_the_cost() {
    let dir = std::env::temp_dir().join(format!("ovr-lab-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut docs = Vec::new();
    // K = 3, K = 3 with the ensemble control (its shared model is the plain run's), K = 2 with the
    // weighted loss (its row's third cell), K = 2, and K = 2 trained longer. The K = 3 runs are
    // scored only at the end (one curve point), as the article's figures are.
    for (k, balance, approaches, epochs, curves) in [
        ("3", "none", "shared,ovr", "2", "false"),
        ("3", "none", "shared,shared-ensemble", "2", "false"),
        ("2", "weight", "shared,ovr", "1", "true"),
        ("2", "none", "shared,ovr", "1", "true"),
        ("2", "none", "shared,ovr", "2", "true"),
    ] {
        let json = dir.join(format!(
            "k{k}-{balance}-{approaches}-{epochs}-{curves}.json"
        ));
        let (code, _, err) = cli(&[
            "run",
            "--dataset",
            "shapes",
            "--shapes_classes",
            k,
            "--shapes_train",
            "40",
            "--arch",
            "tiny",
            "--approaches",
            approaches,
            "--balance",
            balance,
            "--epochs",
            epochs,
            "--probe_size",
            "0",
            "--curves",
            curves,
            "-q",
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        docs.push(json.to_str().unwrap().to_string());
    }
    let out = dir.join("sweep.json");
    let mut args = vec!["sweep", "--json", out.to_str().unwrap()];
    args.extend(docs[..4].iter().map(String::as_str));
    let (code, text, err) = cli(&args);
    assert_eq!(code, 0, "{err}");
    // A longer run of the same K gives other results for the same cells: refused.
    let mut longer = args.clone();
    longer.push(&docs[4]);
    let (code, _, err) = cli(&longer);
    assert_ne!(code, 0);
    assert!(
        err.contains("two documents for K = 2 give shared with different results"),
        "{err}"
    );
    assert!(text.contains("K = 1000 ovr"), "{text}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ks: Vec<u64> = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["k"].as_u64().unwrap())
        .collect();
    assert_eq!(ks, vec![2, 3], "sorted by K");
    let cells = |i: usize, f: &str| -> Vec<String> {
        s["rows"][i]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[f].as_str().unwrap().to_string())
            .collect()
    };
    // The remedy's run adds its one-vs-rest cell (its shared model is the plain run's).
    assert_eq!(cells(0, "approach"), ["shared", "ovr", "ovr+weight"]);
    assert!(cells(0, "label")[2].ends_with(", weighted loss"));
    assert!(
        s["rows"][0]["cells"][2]["verdict"].is_string(),
        "against its own shared"
    );
    assert_eq!(cells(1, "approach"), ["shared", "ovr", "shared-ensemble"]);
    let extrapolated: Vec<&str> = s["extrapolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["approach"].as_str().unwrap())
        .collect();
    assert_eq!(
        extrapolated,
        ["shared", "ovr", "shared-ensemble"],
        "from the largest K's plain runs"
    );
    let ovr = s["extrapolations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["approach"] == "ovr")
        .unwrap();
    // 1000 binary tiny CNNs on 24×24 images: 1000 × (40 + 296 + 6·6·8 + 1) parameters.
    assert_eq!(ovr["params"], 1000 * (40 + 296 + 289));
    let basis = ovr["basis"].as_str().unwrap();
    assert!(basis.contains("an extrapolation, not a run"), "{basis}");
    assert!(basis.contains("for 2 epochs"), "{basis}");
    std::fs::remove_dir_all(dir).ok();
}
