//! Named starting points: a question and the settings that answer it. The page shows them as
//! one-click buttons, the CLI runs them (`ovr-lab run --scenario NAME`), and the article links them.

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: &'static str,
    /// The button's label.
    pub title: &'static str,
    /// The question it answers, in one line.
    pub question: &'static str,
    /// Settings by their schema names (the rest keep their defaults).
    pub settings: &'static [(&'static str, &'static str)],
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "dog-only",
            title: "A dog-only network",
            question: "Does a network that only ever sees dogs learn anything?",
            settings: &[("dataset", "animals28"), ("classes", "2,3,4,7"), ("approaches", "shared,ovr,positive-only"), ("epochs", "3")],
        },
        Scenario {
            name: "ten-binary",
            title: "Ten binary networks vs one",
            question: "Do ten dog-vs-rest style networks beat one shared network?",
            settings: &[("dataset", "mnist28"), ("approaches", "shared,ovr"), ("epochs", "3")],
        },
        Scenario {
            name: "same-budget",
            title: "Same total budget",
            question: "What if the per-class networks together may only be as large as the shared one?",
            settings: &[("dataset", "animals28"), ("approaches", "shared,ovr"), ("budget", "total"), ("epochs", "3")],
        },
        Scenario {
            name: "less-data",
            title: "Less data",
            question: "With only 50 images per class, is it data or capacity that limits them?",
            settings: &[("dataset", "animals28"), ("approaches", "shared,ovr"), ("train_per_class", "50"), ("epochs", "10")],
        },
        Scenario {
            name: "filters",
            title: "Do their filters differ?",
            question: "Starting from the same weights, do per-class networks learn different filters?",
            settings: &[("dataset", "animals28"), ("classes", "2,3,4,7"), ("approaches", "shared,ovr"), ("init", "same"), ("epochs", "6")],
        },
        Scenario {
            name: "controls",
            title: "Parameters, compute or ensembling?",
            question: "If one-vs-rest wins, is it its extra parameters, its extra training, or being an ensemble?",
            settings: &[("dataset", "animals28"), ("classes", "2,3,4,7"), ("approaches", "shared,ovr,shared-wide,shared-long,shared-ensemble"), ("epochs", "3")],
        },
    ]
}

pub fn scenario(name: &str) -> Option<Scenario> {
    scenarios().into_iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::config::{Config, Mode};

    #[test]
    fn every_scenario_is_a_valid_configuration_with_a_unique_name() {
        for s in scenarios() {
            let (cfg, notes) = Config::from_pairs(s.settings, Mode::Strict).unwrap();
            cfg.validate().unwrap();
            assert!(notes.is_empty(), "{}: {notes:?}", s.name);
            assert_eq!(scenarios().iter().filter(|t| t.name == s.name).count(), 1);
        }
    }
}
