//! The machinery under the configuration schema: what kind of value a setting takes, how text
//! (a URL query, a CLI flag) becomes a value and back, and the enums whose ids are setting
//! values. The settings themselves are declared once, in `config.rs`.

use serde::Serialize;

/// What kind of value a setting takes, with its bounds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
        log: bool,
    },
    Bool,
    Choice {
        options: Vec<&'static str>,
    },
    /// A comma-separated list of choices (at least one).
    Choices {
        options: Vec<&'static str>,
    },
    /// A comma-separated list of integers in 0..=max (empty means all).
    IntList {
        max: i64,
        max_len: usize,
    },
    /// A comma-separated list of numbers in min..=max (empty means none).
    FloatList {
        min: f64,
        max: f64,
        max_len: usize,
    },
    /// Free text of at most `max_len` characters; empty only when `optional`.
    Text {
        max_len: usize,
        optional: bool,
    },
}

pub fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

pub fn float(min: f64, max: f64) -> Kind {
    Kind::Float {
        min,
        max,
        log: false,
    }
}

pub fn log_float(min: f64, max: f64) -> Kind {
    Kind::Float {
        min,
        max,
        log: true,
    }
}

pub fn choice<T: Choice>() -> Kind {
    Kind::Choice { options: T::ids() }
}

/// One setting as the shells see it: its name (URL parameter, CLI flag, JSON key), what it means,
/// where it is shown, its kind and default.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub group: &'static str,
    /// Shown in the short form; the others fold under "More settings".
    pub basic: bool,
    #[serde(flatten)]
    pub kind: Kind,
    pub default: String,
}

/// `Ok((value, Some(notice)))`: the text was changed to fit (clamped, items dropped).
pub type Parsed<T> = Result<(T, Option<String>), String>;

/// A Rust type that a setting holds, with its text form.
pub trait SettingValue: Sized {
    fn to_text(&self) -> String;
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self>;
}

/// An enum whose variants are named by ids (in URLs, JSON and on the command line).
pub trait Choice: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn id(self) -> &'static str;
    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.id() == id)
    }
    fn ids() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.id()).collect()
    }
}

/// Declares an enum of setting values with serde names equal to their ids.
macro_rules! choice_enum {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $id:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $id)] $variant),+
        }
        impl $crate::experiment::schema::Choice for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn id(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
        }
        impl $name {
            pub fn id(self) -> &'static str {
                $crate::experiment::schema::Choice::id(self)
            }
            pub fn from_id(id: &str) -> Option<Self> {
                $crate::experiment::schema::Choice::from_id(id)
            }
        }
    };
}
pub(crate) use choice_enum;

/// The engine's optimiser and schedule enums are settings too (the engine knows nothing of
/// settings, so their ids are given here; they equal their serde names).
macro_rules! engine_choice {
    ($name:ty { $($variant:path = $id:literal),+ }) => {
        impl Choice for $name {
            const ALL: &'static [Self] = &[$($variant),+];
            fn id(self) -> &'static str {
                match self { $($variant => $id),+ }
            }
        }
    };
}
use crate::nn::{OptimizerKind, Schedule};
engine_choice!(OptimizerKind { OptimizerKind::Sgd = "sgd", OptimizerKind::Adam = "adam" });
engine_choice!(Schedule {
    Schedule::Constant = "constant",
    Schedule::Step = "step",
    Schedule::Cosine = "cosine"
});

fn shown(raw: &str) -> String {
    raw.chars().take(24).collect()
}

fn number(raw: &str) -> Result<f64, String> {
    let v: f64 = raw
        .parse()
        .map_err(|_| format!("'{}' is not a number", shown(raw)))?;
    if !v.is_finite() {
        return Err(format!("'{}' is not a finite number", shown(raw)));
    }
    Ok(v)
}

fn items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn int_in(kind: &Kind, raw: &str) -> Parsed<i64> {
    let Kind::Int { min, max } = *kind else {
        return Err("not an integer setting".into());
    };
    let v = number(raw.trim())?;
    let r = v.round().clamp(min as f64, max as f64) as i64;
    let note = (r as f64 != v).then(|| {
        format!(
            "{} is outside {min}..{max} or not whole; used {r}",
            shown(raw.trim())
        )
    });
    Ok((r, note))
}

impl SettingValue for usize {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        int_in(kind, raw).map(|(v, n)| (v.max(0) as usize, n))
    }
}

impl SettingValue for u64 {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        int_in(kind, raw).map(|(v, n)| (v.max(0) as u64, n))
    }
}

/// Floats are shown as the shortest text that reads back to the same f32.
fn float_text(v: f32) -> String {
    format!("{v}")
}

impl SettingValue for f32 {
    fn to_text(&self) -> String {
        float_text(*self)
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        let Kind::Float { min, max, .. } = *kind else {
            return Err("not a number setting".into());
        };
        let raw = raw.trim();
        let v = number(raw)?;
        let r = v.clamp(min, max);
        let note = (r != v).then(|| format!("{} is outside {min}..{max}; used {r}", shown(raw)));
        Ok((r as f32, note))
    }
}

impl SettingValue for bool {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(_: &Kind, raw: &str) -> Parsed<Self> {
        match raw.trim() {
            "1" | "true" | "yes" | "on" => Ok((true, None)),
            "0" | "false" | "no" | "off" | "" => Ok((false, None)),
            other => Err(format!("'{}' is not true or false", shown(other))),
        }
    }
}

impl SettingValue for String {
    fn to_text(&self) -> String {
        self.clone()
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        let Kind::Text { max_len, optional } = *kind else {
            return Err("not a text setting".into());
        };
        let raw = raw.trim();
        if raw.is_empty() && !optional {
            return Err("empty".into());
        }
        if raw.chars().count() > max_len {
            return Err(format!("longer than {max_len} characters"));
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err("contains control characters".into());
        }
        Ok((raw.to_string(), None))
    }
}

impl<T: Choice> SettingValue for T {
    fn to_text(&self) -> String {
        self.id().to_string()
    }
    fn from_text(_: &Kind, raw: &str) -> Parsed<Self> {
        let raw = raw.trim();
        T::from_id(raw)
            .map(|v| (v, None))
            .ok_or_else(|| format!("'{}' is not one of {}", shown(raw), T::ids().join(", ")))
    }
}

/// A list of choices: unknown items are dropped with a notice; at least one must remain.
impl<T: Choice> SettingValue for Vec<T> {
    fn to_text(&self) -> String {
        self.iter().map(|v| v.id()).collect::<Vec<_>>().join(",")
    }
    fn from_text(_: &Kind, raw: &str) -> Parsed<Self> {
        let mut out: Vec<T> = Vec::new();
        let mut dropped = Vec::new();
        for item in items(raw) {
            match T::from_id(item) {
                Some(v) if !out.contains(&v) => out.push(v),
                Some(_) => {}
                None => dropped.push(shown(item)),
            }
        }
        if out.is_empty() {
            return Err(format!(
                "none of '{}' is one of {}",
                shown(raw.trim()),
                T::ids().join(", ")
            ));
        }
        let note = (!dropped.is_empty()).then(|| format!("dropped unknown {}", dropped.join(", ")));
        Ok((out, note))
    }
}

/// Class indices: distinct, in range, none (all) or at least two.
impl SettingValue for Vec<usize> {
    fn to_text(&self) -> String {
        self.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        let Kind::IntList { max, max_len } = *kind else {
            return Err("not a list setting".into());
        };
        let mut out = Vec::new();
        for item in items(raw) {
            let v: i64 = item
                .parse()
                .map_err(|_| format!("'{}' is not a class index", shown(item)))?;
            if v < 0 || v > max {
                return Err(format!("class index {v} is outside 0..{max}"));
            }
            if out.contains(&(v as usize)) {
                return Err(format!("class {v} is listed twice"));
            }
            out.push(v as usize);
        }
        if out.len() > max_len {
            return Err(format!("more than {max_len} classes listed"));
        }
        if out.len() == 1 {
            return Err("list at least two classes (or none for all)".into());
        }
        Ok((out, None))
    }
}

/// Numbers (a learning-rate grid): each clamped into bounds with a notice, duplicates dropped.
impl SettingValue for Vec<f32> {
    fn to_text(&self) -> String {
        self.iter()
            .map(|&v| float_text(v))
            .collect::<Vec<_>>()
            .join(",")
    }
    fn from_text(kind: &Kind, raw: &str) -> Parsed<Self> {
        let Kind::FloatList { min, max, max_len } = *kind else {
            return Err("not a list setting".into());
        };
        let mut out: Vec<f32> = Vec::new();
        let mut notes = Vec::new();
        for item in items(raw) {
            let v = number(item)?;
            let r = v.clamp(min, max);
            if r != v {
                notes.push(format!("{} is outside {min}..{max}; used {r}", shown(item)));
            }
            if !out.contains(&(r as f32)) {
                out.push(r as f32);
            }
        }
        if out.len() > max_len {
            return Err(format!("more than {max_len} values listed"));
        }
        Ok((out, (!notes.is_empty()).then(|| notes.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_numbers_parse_and_print_back() {
        let k = Kind::FloatList {
            min: 1e-5,
            max: 10.0,
            max_len: 8,
        };
        let (v, note) = Vec::<f32>::from_text(&k, "0.01, 0.02,0.01, 50").unwrap();
        assert_eq!(v, vec![0.01, 0.02, 10.0]);
        assert!(note.unwrap().contains("outside"));
        assert_eq!(v.to_text(), "0.01,0.02,10");
        assert_eq!(Vec::<f32>::from_text(&k, "").unwrap().0, Vec::<f32>::new());
        assert!(Vec::<f32>::from_text(&k, "x").is_err());
        assert_eq!(0.1f32.to_text(), "0.1");
        let t = Kind::Text {
            max_len: 4,
            optional: true,
        };
        assert_eq!(String::from_text(&t, " ").unwrap().0, "");
        assert!(String::from_text(&t, "abcde").is_err());
    }
}
