//! The one rule by which two approaches are compared (written down in `docs/results.md`).
//!
//! Seeds are paired: seed s trains every approach on the same data order, augmentation and
//! validation split, and every model is scored on the same N test images. For an approach A
//! against the baseline B, with a_si = 1 when A's seed-s model gets image i right (b_si for B):
//! - the difference is the mean over seeds of the accuracy differences d_s = mean_i (a_si − b_si);
//! - the test set's noise: with δ_i = mean_s (a_si − b_si) the per-image difference, the mean
//!   difference varies by sd(δ)/√N from one test set to another (with one seed this is the Wald
//!   interval for paired proportions, ±1.96 · √(b + c − (b − c)²/N)/N, b and c being McNemar's
//!   discordant pairs);
//! - the seeds' noise (n ≥ 2): the d_s vary by sd(d)/√n, with Student's t(0.975, n − 1);
//! - the 95% interval's half-width is √((t · sd(d)/√n)² + (1.96 · sd(δ)/√N)²): seed-to-seed
//!   variation and the test set's noise together, so that a few seeds that happen to agree
//!   exactly never give an interval of zero width. With one seed only the second term exists,
//!   and the verdict says that it covers the test set's noise only.
//!
//! The verdict is `ahead` when the interval lies above 0, `behind` when below, and `no difference
//! shown` otherwise. The same rule applies to each class (recall: the class's images only).

use serde::{Deserialize, Serialize};

/// Mean and sample standard deviation (0 for one value, 0 and 0 for none).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (tabulated to 30; above, the
/// Cornish–Fisher expansion around the normal quantile, accurate to 1e-4 there).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let (z, n) = (Z_975, df as f64);
            z + (z.powi(3) + z) / (4.0 * n)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// The 97.5% quantile of the standard normal distribution.
pub const Z_975: f64 = 1.959_963_984_540_054;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ahead,
    Behind,
    NoDifferenceShown,
}

impl Verdict {
    /// From a 95% interval of a difference: does it exclude 0, and on which side?
    pub fn of(interval: [f64; 2]) -> Self {
        if interval[0] > 0.0 {
            Verdict::Ahead
        } else if interval[1] < 0.0 {
            Verdict::Behind
        } else {
            Verdict::NoDifferenceShown
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Verdict::Ahead => "ahead",
            Verdict::Behind => "behind",
            Verdict::NoDifferenceShown => "no difference shown",
        }
    }
}

/// Where an interval's uncertainty comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Over several paired seeds: seed-to-seed variation and the test set's noise.
    PairedT,
    /// Paired per-image outcomes of one seed: the test set's noise only.
    Mcnemar,
}

/// A paired difference with its 95% interval and verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Mean of A − B (fractions: 0.01 is one percentage point).
    pub difference: f64,
    /// 95% interval of the difference.
    pub interval: [f64; 2],
    pub method: Method,
    /// Seeds compared, and those on which A scored higher than B.
    pub seeds: usize,
    pub seeds_won: usize,
    /// Test images behind the interval.
    pub images: usize,
    pub verdict: Verdict,
}

/// The rule on paired per-image outcomes: `a[s][i]` says whether A's seed-s model got image i
/// right, `b[s][i]` the same for B (same seeds, same images).
pub fn paired(a: &[Vec<bool>], b: &[Vec<bool>]) -> Difference {
    let n = a.len().min(b.len());
    let images = a.iter().chain(b).map(Vec::len).min().unwrap_or(0);
    let nf = images.max(1) as f64;
    let score = |h: bool| h as u8 as f64;
    let d: Vec<f64> = (0..n)
        .map(|s| {
            (0..images)
                .map(|i| score(a[s][i]) - score(b[s][i]))
                .sum::<f64>()
                / nf
        })
        .collect();
    let delta: Vec<f64> = (0..images)
        .map(|i| (0..n).map(|s| score(a[s][i]) - score(b[s][i])).sum::<f64>() / n.max(1) as f64)
        .collect();
    let difference = d.iter().sum::<f64>() / n.max(1) as f64;
    // The per-image spread, population form (McNemar's Wald interval with one seed).
    let var_delta =
        (delta.iter().map(|x| x * x).sum::<f64>() / nf - difference * difference).max(0.0);
    let test_half = Z_975 * (var_delta / nf).sqrt();
    let seed_half = if n >= 2 {
        t_975(n - 1) * mean_sd(&d).1 / (n as f64).sqrt()
    } else {
        0.0
    };
    let half = (test_half * test_half + seed_half * seed_half).sqrt();
    let interval = [difference - half, difference + half];
    Difference {
        difference,
        interval,
        method: if n >= 2 {
            Method::PairedT
        } else {
            Method::Mcnemar
        },
        seeds: n,
        seeds_won: d.iter().filter(|&&x| x > 0.0).count(),
        images,
        verdict: Verdict::of(interval),
    }
}

/// A 95% interval for an accuracy: over seeds (t) with several, else from the `images` of one
/// test set (normal approximation of the binomial).
pub fn accuracy_interval(seed_accuracies: &[f64], images: usize) -> [f64; 2] {
    let (m, sd) = mean_sd(seed_accuracies);
    let half = match seed_accuracies.len() {
        0 => return [0.0, 1.0],
        1 => Z_975 * (m * (1.0 - m) / images.max(1) as f64).sqrt(),
        n => t_975(n - 1) * sd / (n as f64).sqrt(),
    };
    [m - half, m + half]
}

/// `x` with `decimals` digits, a tie rounded away from zero (74.25 → "74.3"), as the page's
/// `toFixed` rounds it: Rust's own `{:.1}` rounds a tie to even ("74.2"), and a sentence from the
/// report would then disagree with the same number printed by the page.
pub fn fixed(x: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    format!("{:.*}", decimals, (x * scale).round() / scale)
}

/// Percentage points, one decimal: 0.7425 → "74.3".
pub fn points(x: f64) -> String {
    fixed(100.0 * x, 1)
}

/// Percentage points with a sign: 0.0213 → "+2.1".
pub fn signed_points(x: f64) -> String {
    let p = points(x.abs());
    if p == "0.0" {
        "±0.0".into()
    } else {
        format!("{}{p}", if x > 0.0 { "+" } else { "−" })
    }
}

impl Difference {
    /// The verdict in one sentence, as the page, the article and the CLI print it.
    pub fn sentence(&self, a: &str, b: &str) -> String {
        let gap = signed_points(self.difference);
        let range = format!(
            "95% interval {} to {}",
            signed_points(self.interval[0]),
            signed_points(self.interval[1])
        );
        let basis = match self.method {
            Method::PairedT => format!(
                "paired over {} seeds and {} test images, ahead on {} of the seeds",
                self.seeds, self.images, self.seeds_won
            ),
            Method::Mcnemar => format!(
                "one seed: the interval covers the noise of the {} test images only, not seed-to-seed variation",
                self.images
            ),
        };
        match self.verdict {
            Verdict::Ahead | Verdict::Behind => format!(
                "{a} is {} {b} by {} points ({range}; {basis})",
                if self.verdict == Verdict::Ahead {
                    "ahead of"
                } else {
                    "behind"
                },
                signed_points(self.difference.abs()).trim_start_matches('+')
            ),
            Verdict::NoDifferenceShown => {
                format!("no difference shown between {a} and {b}: {gap} points ({range}; {basis})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tie_rounds_away_from_zero_as_the_page_does() {
        // 594 of 800: 100 × 0.7425 is exactly 74.25 in f64; JavaScript's toFixed(1) says 74.3.
        assert_eq!(points(594.0 / 800.0), "74.3");
        assert_eq!(signed_points(-594.0 / 800.0), "−74.3");
        assert_eq!(signed_points(0.0004), "±0.0");
        assert_eq!(signed_points(0.0213), "+2.1");
        assert_eq!(fixed(0.125, 2), "0.13");
    }
    use super::*;

    /// Outcomes for `seeds` seeds on `n` images: `right[s]` images right, the first ones.
    fn outcomes(right: &[usize], n: usize) -> Vec<Vec<bool>> {
        right
            .iter()
            .map(|&r| (0..n).map(|i| i < r).collect())
            .collect()
    }

    #[test]
    fn a_certain_win_over_seeds() {
        // 3 seeds on 2000 images: A right on 1840, 1860, 1880; B on 1800, 1820, 1840.
        let a = outcomes(&[1840, 1860, 1880], 2000);
        let b = outcomes(&[1800, 1820, 1840], 2000);
        let d = paired(&a, &b);
        assert!((d.difference - 0.02).abs() < 1e-12);
        // The seeds agree exactly, so only the test set's noise is left: δ is 1/3 on 40 images
        // (one seed's model alone right) and 2/3 on 40 (two seeds').
        let mean_square = (40.0 / 9.0 + 40.0 * 4.0 / 9.0) / 2000.0;
        let half = Z_975 * ((mean_square - 0.0004) / 2000.0f64).sqrt();
        assert!(
            (d.interval[1] - 0.02 - half).abs() < 1e-12,
            "{:?}",
            d.interval
        );
        assert!(d.interval[1] - d.interval[0] > 0.005, "never zero width");
        assert_eq!(
            (d.verdict, d.seeds_won, d.seeds, d.method),
            (Verdict::Ahead, 3, 3, Method::PairedT)
        );
        let s = d.sentence("ovr", "shared");
        assert!(s.starts_with("ovr is ahead of shared by 2.0 points"), "{s}");
        assert!(
            s.contains("paired over 3 seeds and 2000 test images"),
            "{s}"
        );
    }

    #[test]
    fn a_tie_over_seeds() {
        // Differences +1, −1, +0.5 points: the seeds disagree.
        let a = outcomes(&[1820, 1780, 1810], 2000);
        let b = outcomes(&[1800, 1800, 1800], 2000);
        let d = paired(&a, &b);
        assert_eq!(d.verdict, Verdict::NoDifferenceShown);
        let seed_half = 4.303 * mean_sd(&[0.01, -0.01, 0.005]).1 / 3f64.sqrt();
        assert!(
            d.interval[1] - d.difference > seed_half,
            "the seeds' term is part of it"
        );
        assert_eq!(d.seeds_won, 2);
        assert!(d
            .sentence("ovr", "shared")
            .starts_with("no difference shown"));
    }

    #[test]
    fn a_loss_over_seeds_and_the_t_table() {
        let a = outcomes(&[1600, 1640, 1620, 1600], 2000);
        let b = outcomes(&[1800, 1820, 1840, 1800], 2000);
        let d = paired(&a, &b);
        assert_eq!(d.verdict, Verdict::Behind);
        assert!(d
            .sentence("positive-only", "shared")
            .contains("behind shared by 10.0 points"));
        assert_eq!(t_975(1), 12.706);
        assert!((t_975(40) - 2.021).abs() < 1e-3, "{}", t_975(40));
        assert!((t_975(1000) - 1.962_339).abs() < 1e-4, "{}", t_975(1000));
    }

    #[test]
    fn one_seed_is_mcnemars_wald_interval() {
        // 1000 images: A alone right on 60, B alone right on 20: +4 points.
        let mut a = vec![true; 1000];
        let mut b = vec![true; 1000];
        for v in a.iter_mut().take(20) {
            *v = false;
        }
        for v in b.iter_mut().skip(100).take(60) {
            *v = false;
        }
        let d = paired(&[a.clone()], &[b]);
        assert!((d.difference - 0.04).abs() < 1e-12);
        let half = Z_975 * (80.0f64 - 1600.0 / 1000.0).sqrt() / 1000.0;
        assert!((d.interval[0] - (0.04 - half)).abs() < 1e-12);
        assert_eq!(
            (d.verdict, d.method, d.images),
            (Verdict::Ahead, Method::Mcnemar, 1000)
        );
        assert!(d.sentence("ovr", "shared").contains("test images only"));
        // Identical outcomes: nothing to tell them apart.
        let same = paired(&[a.clone()], &[a]);
        assert_eq!(
            (same.interval, same.verdict),
            ([0.0, 0.0], Verdict::NoDifferenceShown)
        );
    }

    #[test]
    fn accuracy_intervals_over_seeds_and_over_one_test_set() {
        let one = accuracy_interval(&[0.5], 400);
        assert!((one[1] - 0.5 - Z_975 * 0.025).abs() < 1e-12);
        let three = accuracy_interval(&[0.1, 0.2, 0.3], 400);
        assert!((three[0] - (0.2 - 4.303 * 0.1 / 3f64.sqrt())).abs() < 1e-9);
    }
}
