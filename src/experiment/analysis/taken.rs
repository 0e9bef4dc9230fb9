//! Looks taken where a model finished (the page's training Worker, which holds the run's data and
//! is otherwise idle between two jobs), carried to the report worker's cache as two parts: a small
//! JSON text and every Gram matrix's floats in one array, which a Worker message moves without
//! copying. The probe scores travel as their floats' bits, so the analyses made from carried looks
//! are the same, bit for bit, as those made from looks taken at the end.

use super::looks::{Grams, LookCache};
use super::transfer::ProbeScore;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// What looking at one model left behind, keyed by (job index, at initialisation).
#[derive(Default, Debug, PartialEq)]
pub struct TakenLooks {
    grams: Vec<((usize, bool), Grams)>,
    probes: Vec<((usize, bool), ProbeScore)>,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    grams: Vec<GramMeta>,
    probes: Vec<ProbeMeta>,
}

#[derive(Serialize, Deserialize)]
struct GramMeta {
    index: usize,
    init: bool,
    /// Each compared layer's matrix: how many of the floats.
    lens: Vec<usize>,
}

#[derive(Serialize, Deserialize)]
struct ProbeMeta {
    index: usize,
    init: bool,
    approach: String,
    label: String,
    member: usize,
    /// `f64::to_bits` of the scores: JSON's decimal form need not come back to the same bits.
    accuracy: u64,
    own_class: Option<u64>,
    other_classes: Option<u64>,
}

impl LookCache {
    /// Everything this cache holds, to carry elsewhere.
    pub fn taken(self) -> TakenLooks {
        let grams = self
            .grams
            .into_iter()
            .map(|(k, g)| (k, Rc::try_unwrap(g).unwrap_or_else(|g| (*g).clone())))
            .collect();
        TakenLooks {
            grams,
            probes: self.probes.into_iter().collect(),
        }
    }

    /// Keeps looks taken elsewhere (a look already held is replaced by the same).
    pub fn absorb(&mut self, taken: TakenLooks) {
        for (k, g) in taken.grams {
            self.grams.insert(k, Rc::new(g));
        }
        self.probes.extend(taken.probes);
    }
}

impl TakenLooks {
    pub fn is_empty(&self) -> bool {
        self.grams.is_empty() && self.probes.is_empty()
    }

    /// How many looks: Gram matrices' sets and probe scores.
    pub fn len(&self) -> usize {
        self.grams.len() + self.probes.len()
    }

    /// The jobs looked at.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        let g = self.grams.iter().map(|((i, _), _)| *i);
        g.chain(self.probes.iter().map(|((i, _), _)| *i))
    }

    /// Refuses Gram matrices of another size than `side` × `side`.
    pub fn check_side(&self, side: usize) -> Result<()> {
        for ((index, _), grams) in &self.grams {
            if let Some(g) = grams.iter().find(|g| g.len() != side * side) {
                return Err(Error::Input(format!(
                    "looks at job {index}: a Gram matrix of {} values, not {side}×{side}",
                    g.len()
                )));
            }
        }
        Ok(())
    }

    /// The JSON text and the floats, for `from_parts`.
    pub fn to_parts(&self) -> (String, Vec<f32>) {
        let mut floats = Vec::new();
        let grams = self
            .grams
            .iter()
            .map(|((index, init), layers)| {
                layers.iter().for_each(|g| floats.extend_from_slice(g));
                let lens = layers.iter().map(Vec::len).collect();
                GramMeta {
                    index: *index,
                    init: *init,
                    lens,
                }
            })
            .collect();
        let probes = self
            .probes
            .iter()
            .map(|((index, init), s)| ProbeMeta {
                index: *index,
                init: *init,
                approach: s.approach.clone(),
                label: s.label.clone(),
                member: s.member,
                accuracy: s.accuracy.to_bits(),
                own_class: s.own_class.map(f64::to_bits),
                other_classes: s.other_classes.map(f64::to_bits),
            })
            .collect();
        let meta = serde_json::to_string(&Meta { grams, probes }).expect("plain data");
        (meta, floats)
    }

    /// The looks `to_parts` gave; a text that does not describe `floats` is refused.
    pub fn from_parts(meta: &str, floats: &[f32]) -> Result<Self> {
        let bad = |why: String| Error::Input(format!("looks taken by a worker: {why}"));
        let meta: Meta = serde_json::from_str(meta).map_err(|e| bad(e.to_string()))?;
        let total = meta
            .grams
            .iter()
            .flat_map(|g| &g.lens)
            .try_fold(0usize, |t, &n| t.checked_add(n));
        if total != Some(floats.len()) {
            let total = total.map_or("more".into(), |t| t.to_string());
            return Err(bad(format!("{} floats for {total} values", floats.len())));
        }
        let mut rest = floats;
        let mut grams = Vec::new();
        for g in meta.grams {
            let layers = g
                .lens
                .iter()
                .map(|&n| {
                    let (head, tail) = rest.split_at(n);
                    rest = tail;
                    head.to_vec()
                })
                .collect();
            grams.push(((g.index, g.init), layers));
        }
        let probes = meta
            .probes
            .into_iter()
            .map(|p| {
                let score = ProbeScore {
                    approach: p.approach,
                    label: p.label,
                    member: p.member,
                    accuracy: f64::from_bits(p.accuracy),
                    own_class: p.own_class.map(f64::from_bits),
                    other_classes: p.other_classes.map(f64::from_bits),
                };
                ((p.index, p.init), score)
            })
            .collect();
        Ok(TakenLooks { grams, probes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TakenLooks {
        let score = ProbeScore {
            approach: "ovr".into(),
            label: "ovr 3".into(),
            member: 3,
            accuracy: 0.1 + 0.2, // not the decimal it prints as
            own_class: Some(1.0 / 3.0),
            other_classes: None,
        };
        TakenLooks {
            grams: vec![((4, false), vec![vec![1.5; 4], vec![f32::MIN_POSITIVE; 4]])],
            probes: vec![((4, true), score)],
        }
    }

    #[test]
    fn parts_come_back_to_the_same_bits() {
        let t = sample();
        let (meta, floats) = t.to_parts();
        assert_eq!(floats.len(), 8);
        assert_eq!(TakenLooks::from_parts(&meta, &floats).unwrap(), t);
        assert!(t.check_side(2).is_ok());
        assert!(t.check_side(3).is_err());
    }

    #[test]
    fn parts_that_do_not_match_are_refused() {
        let (meta, floats) = sample().to_parts();
        assert!(TakenLooks::from_parts(&meta, &floats[..7]).is_err());
        assert!(TakenLooks::from_parts("{\"grams\": 3}", &floats).is_err());
        assert!(TakenLooks::from_parts("not json", &[]).is_err());
    }
}
