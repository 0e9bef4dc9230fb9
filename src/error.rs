//! The library's one error type. Each variant says what kind of thing went wrong and carries what
//! a shell needs to show it: the page marks the refused setting by its name, the CLI prints the
//! message, and both print the same words.

use crate::data::DataError;
use crate::nn::NetError;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A setting's value is refused (out of bounds in strict mode, not parseable, or in conflict
    /// with another setting); `setting` is its schema name.
    #[error("{setting}: {problem}")]
    Setting { setting: String, problem: String },
    /// A name that is not a setting of the schema.
    #[error("unknown setting '{0}'")]
    UnknownSetting(String),
    /// A dataset file that cannot be read or prepared.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A network the engine cannot build or load.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A run that cannot be planned as configured (too few classes, beyond the memory bound…).
    #[error("{0}")]
    Plan(String),
    /// Input from a shell that does not fit the run (a results document of another run, a job
    /// index that does not exist, an unreadable models file…).
    #[error("{0}")]
    Input(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn setting(setting: &str, problem: impl Into<String>) -> Self {
        Error::Setting {
            setting: setting.to_string(),
            problem: problem.into(),
        }
    }

    /// The setting this error is about, if any.
    pub fn setting_name(&self) -> Option<&str> {
        match self {
            Error::Setting { setting, .. } => Some(setting),
            Error::UnknownSetting(name) => Some(name),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Error::Setting { .. } => "setting",
            Error::UnknownSetting(_) => "unknown_setting",
            Error::Data(_) => "data",
            Error::Net(_) => "network",
            Error::Plan(_) => "plan",
            Error::Input(_) => "input",
        }
    }
}

/// Errors cross to JavaScript as `{kind, setting, message}`.
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 3)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("setting", &self.setting_name())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}
