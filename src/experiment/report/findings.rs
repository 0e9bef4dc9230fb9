//! What the numbers show, in sentences: written once here from the report, printed by the page's
//! views, the article and the CLI, so that they cannot disagree. Every judgement (a verdict, a
//! threshold) is made here or in `stats`.

use super::Report;
use crate::experiment::config::{setting, Approach};
use crate::experiment::run::Stop;
use crate::experiment::stats::{self, accuracy_interval, signed_points, Verdict};
use std::collections::BTreeMap;

/// Below this change, training is said to have barely moved a similarity.
pub const SIMILARITY_MOVED: f64 = 0.02;
/// Filters whose cosine to their initial values stays above this are still mostly their start.
pub const MOSTLY_INIT: f64 = 0.9;

fn pct(x: f64) -> String {
    format!("{}%", stats::points(x))
}

fn label(r: &Report, id: &str) -> String {
    r.approach_order
        .iter()
        .find(|a| a.id == id)
        .map_or(id.to_string(), |a| a.label.clone())
}

pub fn findings(r: &Report) -> BTreeMap<String, Vec<String>> {
    let mut f = BTreeMap::new();
    f.insert("summary".into(), summary(r));
    f.insert("curves".into(), curves(r));
    f.insert("confusion".into(), confusion(r));
    f.insert("perclass".into(), per_class(r));
    f.insert("cost".into(), cost(r));
    f.insert("training".into(), training(r));
    f.insert("calibration".into(), calibration(r));
    f.insert("similarity".into(), similarity(r));
    f.insert("filters".into(), filters(r));
    f.insert("representations".into(), representations(r));
    f.insert("transfer".into(), transfer(r));
    f.insert("ood".into(), ood(r));
    f.extend(members(r));
    f
}

/// One sentence per per-class model (first seed, weights it ended with), keyed
/// `member:<approach>:<class name>`: how it answers "is it this class?".
fn members(r: &Report) -> Vec<(String, Vec<String>)> {
    let n = r.dataset.test_count.max(1) as f64;
    let mut out = Vec::new();
    for a in &r.approach_order {
        let Some(x) = r.approaches.get(&a.id) else {
            continue;
        };
        for m in &x.members {
            let (Some(acc), Some(rec), Some(fpr)) = (
                m.binary_accuracy.last(),
                m.positive_recall.last(),
                m.false_positive_rate.last(),
            ) else {
                continue;
            };
            let support = x.per_class.get(m.member).map_or(0, |c| c.support) as f64
                / x.seed_accuracies.len().max(1) as f64;
            let always_no = 1.0 - support / n;
            let verdict = if fpr >= &0.95 {
                "it answers “yes” to almost everything"
            } else if fpr >= &0.5 {
                "it answers “yes” to most images, of its class or not"
            } else {
                "it does tell its class from the others to some degree"
            };
            out.push((
                format!("member:{}:{}", a.id, m.name),
                vec![format!(
                    "The {} model for {} calls {} of its class’s test images “{}” and {} of the other classes’ images too: {verdict}. It is right on {} of all test images, where always answering “no” scores {}.",
                    a.label, m.name, pct(*rec), m.name, pct(*fpr), pct(*acc), pct(always_no)
                )],
            ));
        }
    }
    out
}

fn summary(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = r
        .approach_order
        .iter()
        .filter_map(|a| {
            let x = r.approaches.get(&a.id)?;
            let n = x.seed_accuracies.len();
            let acc = if n > 1 {
                format!(
                    "{} ± {} (mean ± sd over {n} seeds)",
                    pct(x.test_accuracy),
                    stats::points(x.test_accuracy_std)
                )
            } else {
                format!("{} (one run)", pct(x.test_accuracy))
            };
            Some(format!("{}: test accuracy {acc}.", a.label))
        })
        .collect();
    out.extend(
        r.comparisons
            .iter()
            .map(|c| format!("{}.", capitalise(&c.text))),
    );
    out.extend(chance(r));
    out
}

/// For the approach that may not beat guessing (positive-only): its accuracy against chance.
fn chance(r: &Report) -> Vec<String> {
    let k = r.dataset.class_names.len().max(1) as f64;
    let Some(a) = r.approaches.get(Approach::PositiveOnly.id()) else {
        return Vec::new();
    };
    let [lo, hi] = accuracy_interval(&a.seed_accuracies, r.dataset.test_count);
    let basis = if a.seed_accuracies.len() > 1 {
        format!("over {} seeds", a.seed_accuracies.len())
    } else {
        format!("from the {} test images of one run", r.dataset.test_count)
    };
    let verdict = if lo > 1.0 / k {
        "above chance"
    } else if hi < 1.0 / k {
        "below chance"
    } else {
        "no better than chance shown"
    };
    vec![format!(
        "{}: {} (95% interval {} to {}, {basis}) where guessing scores {}: {verdict}.",
        a.label,
        pct(a.test_accuracy),
        pct(lo),
        pct(hi),
        pct(1.0 / k)
    )]
}

/// Where each approach ended: final test, train (and validation) accuracy and the gap between
/// train and test, then chance for K classes.
fn curves(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = r
        .approach_order
        .iter()
        .filter_map(|a| {
            let x = r.approaches.get(&a.id)?;
            let val = x.curve.last().and_then(|p| p.val_accuracy);
            (!x.seed_accuracies.is_empty())
                .then(|| ending(&a.label, x.test_accuracy, x.train_accuracy, val))
        })
        .collect();
    let k = r.dataset.class_names.len();
    if !out.is_empty() && k > 0 {
        out.push(format!(
            "Chance (one class in {k}) is {}.",
            pct(1.0 / k as f64)
        ));
    }
    if !out.is_empty() && !r.config.curves {
        // The control's name as the page shows it, from the one schema.
        let control = setting("curves").map_or("curves", |s| s.label);
        out.push(format!(
            "This run scored its test and training images only with the weights each model ended with (“{control}” off): one point per approach, no curve."
        ));
    }
    out
}

fn ending(label: &str, test: f64, train: f64, val: Option<f64>) -> String {
    let val = val.map_or(String::new(), |v| {
        format!(", validation accuracy {} at the last epoch", pct(v))
    });
    format!(
        "{label}: test accuracy {}, train accuracy {} (train minus test: {} points){val}.",
        pct(test),
        pct(train),
        signed_points(train - test)
    )
}

/// Each approach's errors and its most frequent confusion.
fn confusion(r: &Report) -> Vec<String> {
    r.approach_order
        .iter()
        .filter_map(|a| {
            let x = r.approaches.get(&a.id)?;
            (!x.seed_accuracies.is_empty()).then(|| {
                errors(
                    &a.label,
                    &x.confusion,
                    &r.dataset.class_names,
                    x.seed_accuracies.len(),
                )
            })
        })
        .collect()
}

fn errors(label: &str, m: &[Vec<u32>], names: &[String], seeds: usize) -> String {
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| i.to_string());
    let (mut wrong, mut total, mut worst) = (0u64, 0u64, None::<(usize, usize, u32)>);
    for (t, row) in m.iter().enumerate() {
        for (p, &n) in row.iter().enumerate() {
            total += n as u64;
            if t != p {
                wrong += n as u64;
                if n > 0 && worst.is_none_or(|w| n > w.2) {
                    worst = Some((t, p, n));
                }
            }
        }
    }
    let over = if seeds > 1 {
        format!(" (summed over {seeds} seeds)")
    } else {
        String::new()
    };
    let most = worst.map_or(String::new(), |(t, p, n)| {
        format!(
            "; most often \"{}\" taken for \"{}\" ({n})",
            name(t),
            name(p)
        )
    });
    format!(
        "{label}: {wrong} error{} in {total} predictions{over}{most}.",
        if wrong == 1 { "" } else { "s" }
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn per_class(r: &Report) -> Vec<String> {
    r.comparisons
        .iter()
        .map(|c| {
            let names = |v: Verdict| -> Vec<String> {
                c.per_class.iter().filter(|p| p.difference.verdict == v).map(|p| format!("\"{}\"", p.name)).collect()
            };
            let (ahead, behind) = (names(Verdict::Ahead), names(Verdict::Behind));
            let rest = c.per_class.len() - ahead.len() - behind.len();
            let list = |v: &[String]| if v.is_empty() { "no class".to_string() } else { v.join(", ") };
            format!(
                "{} against {}, class by class (same rule as overall): ahead on {}; behind on {}; no difference shown on {rest} class{}.",
                capitalise(&label(r, &c.approach)),
                label(r, &c.baseline),
                list(&ahead),
                list(&behind),
                if rest == 1 { "" } else { "es" }
            )
        })
        .collect()
}

fn cost(r: &Report) -> Vec<String> {
    r.comparisons
        .iter()
        .map(|c| {
            format!(
                "{}: {:.1}× the parameters, {:.1}× the FLOPs per image and {:.1}× the training FLOPs of {} (measured).",
                capitalise(&label(r, &c.approach)),
                c.params_ratio,
                c.flops_per_image_ratio,
                c.train_flops_ratio,
                label(r, &c.baseline)
            )
        })
        .collect()
}

fn training(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for a in &r.approach_order {
        let Some(x) = r.approaches.get(&a.id) else {
            continue;
        };
        let n = x.training.len();
        // Stopped by patience before the limit; at the limit, with validation flat or falling
        // for its last epochs; at the limit still rising.
        let patience = x
            .training
            .iter()
            .filter(|t| t.stop == Some(Stop::Patience) && t.epochs_run < t.max_epochs)
            .count();
        let improving = x
            .training
            .iter()
            .filter(|t| t.still_improving == Some(true))
            .count();
        let plateau = x
            .training
            .iter()
            .filter(|t| t.epochs_run == t.max_epochs && t.still_improving == Some(false))
            .count();
        if r.config.validation_fraction <= 0.0 {
            continue;
        }
        let mut parts = Vec::new();
        if patience > 0 {
            parts.push(format!(
                "{patience} stopped improving on validation before the epoch limit"
            ));
        }
        if plateau > 0 {
            parts.push(format!(
                "{plateau} reached the limit after validation had stopped improving"
            ));
        }
        if improving > 0 {
            parts.push(format!(
                "{improving} {} still improving at the limit (stopped early, not converged)",
                if improving == 1 { "was" } else { "were" }
            ));
        }
        out.push(format!("{}: of {n} models, {}.", a.label, parts.join("; ")));
    }
    if r.config.validation_fraction <= 0.0 {
        out.push(format!(
            "No validation split: every model trained exactly {} epoch{}, and whether it had stopped improving is not measured.",
            r.config.epochs,
            if r.config.epochs == 1 { "" } else { "s" }
        ));
    }
    out
}

fn calibration(r: &Report) -> Vec<String> {
    r.approach_order
        .iter()
        .filter_map(|a| {
            let c = &r.approaches.get(&a.id)?.calibration;
            let raw = c.raw_ece.map_or(String::new(), |v| {
                format!(" (on the raw top sigmoid, before scaling: {v:.3})")
            });
            Some(format!(
                "{}: expected calibration error {:.3}{raw}.",
                a.label, c.ece
            ))
        })
        .collect()
}

fn similarity(r: &Report) -> Vec<String> {
    let Some(s) = &r.similarity else {
        return Vec::new();
    };
    let rp = s.random_pairs;
    let relation = |w: f64, w0: f64| {
        let d = w - w0;
        let moved = if d.abs() < SIMILARITY_MOVED {
            "training barely moved them".to_string()
        } else {
            format!(
                "training made them {} alike (by {:.3})",
                if d > 0.0 { "more" } else { "less" },
                d.abs()
            )
        };
        let place = if w < rp[0] {
            "below"
        } else if w > rp[2] {
            "above"
        } else {
            "inside"
        };
        format!(
            "{moved}, {place} the range of unrelated random filters ({:.2}–{:.2})",
            rp[0], rp[2]
        )
    };
    let mut out = Vec::new();
    if let (Some(w), Some(w0)) = (s.ovr_within, s.ovr_within_init) {
        out.push(format!("Per-class models' first-layer filters are {w:.3} alike after training vs {w0:.3} at init: {}.", relation(w, w0)));
    }
    if let (Some(w), Some(w0)) = (s.shared_vs_ovr, s.shared_vs_ovr_init) {
        out.push(format!(
            "Shared vs per-class models: {w:.3} after training vs {w0:.3} at init: {}.",
            relation(w, w0)
        ));
    }
    if let (Some(d), Some(d0), Some(t)) = (s.ovr_distinct, s.ovr_distinct_init, s.ovr_filters_total)
    {
        out.push(format!("Distinct filters among the per-class models: {d} of {t} after training vs {d0} at init."));
    }
    out
}

fn filters(r: &Report) -> Vec<String> {
    let Some(s) = &r.similarity else {
        return Vec::new();
    };
    let cos: Vec<f64> = s
        .filter_sets
        .iter()
        .map(|f| f.travel.cosine_to_init)
        .collect();
    let mut out = Vec::new();
    if !cos.is_empty() && cos.iter().all(|&c| c > MOSTLY_INIT) {
        out.push(format!(
            "Every model kept a cosine above {MOSTLY_INIT} to its initial filters: these grids still show mostly the random start; the \"change from init\" mode shows what training did."
        ));
    }
    out
}

fn representations(r: &Report) -> Vec<String> {
    let Some(rep) = &r.representations else {
        return Vec::new();
    };
    rep.layers
        .iter()
        .map(|l| {
            let mut parts = Vec::new();
            if let (Some(t), Some(i)) = (l.shared_vs_members_mean, l.shared_vs_members_mean_init) {
                parts.push(format!("shared vs one-vs-rest {t:.2} (at init {i:.2})"));
            }
            if let (Some(t), Some(i)) = (l.member_pairs_mean, l.member_pairs_mean_init) {
                parts.push(format!(
                    "one-vs-rest with each other {t:.2} (at init {i:.2})"
                ));
            }
            if let Some(f) = l.shared_floor {
                parts.push(format!(
                    "two shared networks of different seeds {f:.2} (the noise floor)"
                ));
            }
            format!("{}: CKA {}.", capitalise(&l.name), parts.join("; "))
        })
        .collect()
}

fn transfer(r: &Report) -> Vec<String> {
    let Some(t) = &r.transfer else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(s), Some(m)) = (t.shared, t.members_mean) {
        out.push(format!(
            "A linear probe for all classes on frozen penultimate features: {} on the shared network's, {} on average on a one-vs-rest network's ({} points).",
            pct(s), pct(m), signed_points(m - s)
        ));
    }
    if let Some(o) = t.members_other_mean {
        out.push(format!(
            "On the classes other than their own, the one-vs-rest networks' features give {}.",
            pct(o)
        ));
    }
    if let Some(i) = &t.init {
        out.push(format!("Random features (the shared network at initialisation) give {}: the baseline any trained features must beat.", pct(i.accuracy)));
    }
    out
}

fn ood(r: &Report) -> Vec<String> {
    let Some(o) = &r.ood else { return Vec::new() };
    r.approach_order
        .iter()
        .filter_map(|a| {
            let s = o.approaches.get(&a.id)?;
            let none = match (s.none_rate_ood, s.none_rate_in) {
                (Some(x), Some(y)) => format!("; \"none of these\" on {} of the {} images and {} of its own test images", pct(x), o.dataset, pct(y)),
                _ => String::new(),
            };
            Some(format!(
                "{}: the top probability tells its own test images from {}'s with AUROC {:.3}{none}.",
                a.label, o.dataset, s.auroc
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ending_states_the_gap_between_train_and_test() {
        assert_eq!(
            ending("shared", 0.955, 0.97, None),
            "shared: test accuracy 95.5%, train accuracy 97.0% (train minus test: +1.5 points)."
        );
        assert!(ending("one-vs-rest", 0.9, 0.9, Some(0.91)).ends_with(
            "(train minus test: ±0.0 points), validation accuracy 91.0% at the last epoch."
        ));
    }

    #[test]
    fn errors_count_the_off_diagonal_and_name_the_largest_cell() {
        let names: Vec<String> = ["cat", "dog", "cow"].map(String::from).into();
        let m = vec![vec![8, 2, 0], vec![3, 7, 0], vec![0, 1, 9]];
        assert_eq!(
            errors("shared", &m, &names, 2),
            "shared: 6 errors in 30 predictions (summed over 2 seeds); most often \"dog\" taken for \"cat\" (3)."
        );
        let perfect = vec![vec![5, 0], vec![0, 5]];
        assert_eq!(
            errors("ovr", &perfect, &names, 1),
            "ovr: 0 errors in 10 predictions."
        );
    }
}
