//! Library errors. Every input problem names where it was found.

use std::fmt;
use std::path::PathBuf;

/// Where in the input a problem was found: file, layer, feature and field,
/// as far as each is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: Option<PathBuf>,
    pub layer: Option<String>,
    /// Feature number (1-based, in file order) and, where known, its id.
    pub feature: Option<String>,
    pub field: Option<String>,
}

impl Location {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            file: Some(path.into()),
            ..Default::default()
        }
    }
    pub fn layer(mut self, layer: impl Into<String>) -> Self {
        self.layer = Some(layer.into());
        self
    }
    pub fn feature(mut self, feature: impl Into<String>) -> Self {
        self.feature = Some(feature.into());
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.file {
            parts.push(format!("file {}", p.display()));
        }
        if let Some(l) = &self.layer {
            parts.push(format!("layer {l}"));
        }
        if let Some(ft) = &self.feature {
            parts.push(format!("feature {ft}"));
        }
        if let Some(fd) = &self.field {
            parts.push(format!("field {fd}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One problem with the input, with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at == Location::default() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input (project file, layers, fields, geometries) is wrong; every
    /// problem found is listed.
    #[error("{}", list(.0))]
    Input(Vec<Problem>),
    /// Writing an output failed.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// GDAL failed in a way that is not the input's fault.
    #[error("GDAL: {0}")]
    Gdal(String),
    /// Drawing the map as an image failed.
    #[error("map: {0}")]
    Render(String),
}

fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems with the input:", many.len());
            for p in many {
                s.push_str("\n  - ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}

impl Error {
    pub fn input(at: Location, message: impl Into<String>) -> Self {
        Error::Input(vec![Problem {
            at,
            message: message.into(),
        }])
    }

    /// True when the user's input is at fault (exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
