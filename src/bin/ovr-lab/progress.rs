//! Progress on stderr: one bar per model in training (by batch, with its epoch, last loss and
//! time left) under an overall bar. Hidden with `--quiet` and when stderr is not a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use ovr_lab::experiment::{run, Trainer};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    models: Mutex<HashMap<usize, (ProgressBar, String)>>,
}

impl Bars {
    pub fn new(models: usize, quiet: bool) -> Self {
        let multi = if quiet {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        } else {
            MultiProgress::new()
        };
        let overall = multi.add(ProgressBar::new(models as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>14} [{bar:30}] {pos}/{len} models · {elapsed} elapsed · {eta} left",
            )
            .expect("a valid template")
            .progress_chars("#>."),
        );
        overall.set_prefix("overall");
        Bars {
            multi,
            overall,
            models: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, t: &Trainer) -> ProgressBar {
        let style =
            ProgressStyle::with_template("{prefix:>14} [{bar:30}] epoch {msg} · {eta} left")
                .expect("a valid template")
                .progress_chars("=> ");
        let plan = t.plan();
        let bar = self.multi.insert_before(&self.overall, ProgressBar::new(1));
        bar.set_style(style);
        let mut prefix = plan.label.clone();
        if prefix.chars().count() > 14 {
            prefix = prefix.chars().take(13).collect::<String>() + "…";
        }
        bar.set_prefix(prefix);
        bar
    }

    /// Called after every step of every trainer (`progress` is None when it starts).
    pub fn update(&self, t: &Trainer, progress: Option<&run::Progress>) {
        let index = t.plan().index;
        let mut models = self.models.lock().unwrap();
        let (bar, loss) = models
            .entry(index)
            .or_insert_with(|| (self.bar(t), "…".into()));
        let Some(p) = progress else { return };
        if let Some(l) = p.epoch_loss {
            *loss = format!("{l:.4}");
        }
        bar.set_length((p.batches * p.epochs).max(1) as u64);
        bar.set_position((p.epoch * p.batches + p.batch) as u64);
        bar.set_message(format!(
            "{}/{} · loss {loss}",
            (p.epoch + 1).min(p.epochs),
            p.epochs
        ));
        if p.done {
            bar.finish_and_clear();
            self.multi.remove(bar);
            models.remove(&index);
            self.overall.inc(1);
        }
    }

    pub fn finish(&self) {
        self.overall.finish_and_clear();
    }
}
