//! The results as text: one row per approach, then each comparison's verdict sentence and the
//! other findings, exactly as the report states them.

use ovr_lab::experiment::report::ApproachReport;
use ovr_lab::experiment::stats::fixed;
use ovr_lab::experiment::Report;

pub fn table(report: &Report) -> String {
    let mut out = heading(report);
    for info in &report.approach_order {
        match report.approaches.get(&info.id) {
            Some(a) => out += &approach_row(a),
            None => out += &format!("{:<16} no model finished\n", info.id),
        }
    }
    out += &verdicts(report);
    out
}

/// The dataset line and the column headings; the accuracy column says whether it holds a mean
/// over seeds or a single run, since a spread needs more than one.
fn heading(report: &Report) -> String {
    let d = &report.dataset;
    let mut out = format!(
        "{} · {} classes · {} train / {} test images{}\n",
        d.name,
        d.class_names.len(),
        d.train_count,
        d.test_count,
        if d.validation_count > 0 {
            format!(" ({} held out for validation per seed)", d.validation_count)
        } else {
            String::new()
        }
    );
    let seeds = report.config.seeds;
    out += &format!(
        "{:<16} {:>6} {:>19} {:>7} {:>10} {:>10} {:>9} {:>6}  notes\n",
        "approach",
        "models",
        if seeds > 1 {
            "test acc ± sd"
        } else {
            "test acc (1 run)"
        },
        "lr",
        "params",
        "MFLOP/img",
        "train s",
        "ECE"
    );
    out
}

/// One approach's row: accuracy (± sd when there are several seeds), cost, calibration, and notes
/// on models that collapsed or diverged, or an incomplete run.
fn approach_row(a: &ApproachReport) -> String {
    let acc = match a.seed_accuracies.len() {
        0 => "—".to_string(),
        1 => format!("{}%", fixed(100.0 * a.test_accuracy, 2)),
        _ => format!(
            "{}% ± {}",
            fixed(100.0 * a.test_accuracy, 2),
            fixed(100.0 * a.test_accuracy_std, 2)
        ),
    };
    let mut notes = Vec::new();
    if !a.collapsed.is_empty() {
        notes.push(format!("{} collapsed", a.collapsed.len()));
    }
    if !a.diverged.is_empty() {
        notes.push(format!("{} diverged", a.diverged.len()));
    }
    if !a.complete {
        notes.push("incomplete".into());
    }
    format!(
        "{:<16} {:>6} {:>19} {:>7} {:>10} {:>10.2} {:>9.1} {:>6.3}  {}\n",
        a.id,
        a.models,
        acc,
        a.lr,
        a.params,
        a.flops_per_image as f64 / 1e6,
        a.train_seconds,
        a.calibration.ece,
        notes.join(", ")
    )
}

/// The comparisons' verdicts, then the other findings and the notes, as the report words them.
fn verdicts(report: &Report) -> String {
    let mut out = String::new();
    if !report.comparisons.is_empty() {
        out += "\ncomparisons (95% intervals; docs/results.md):\n";
        for c in &report.comparisons {
            out += &format!(
                "  {:<16} {:<19} {}\n",
                c.approach,
                c.overall.verdict.words(),
                c.text
            );
        }
    }
    for key in ["cost", "training", "representations", "transfer", "ood"] {
        for line in report.findings.get(key).into_iter().flatten() {
            out += &format!("{key}: {line}\n");
        }
    }
    for n in &report.notes {
        out += &format!("note: {n}\n");
    }
    out
}
