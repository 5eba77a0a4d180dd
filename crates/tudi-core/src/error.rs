//! Library errors. Every input problem names where it was found.

use std::fmt;
use std::path::PathBuf;

/// Where in the input a problem was found: file, layer, feature and field,
/// as far as each is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file: the project file or a layer's source.
    pub file: Option<PathBuf>,
    /// The layer's name inside a multi-layer source (GeoPackage, FileGDB).
    pub layer: Option<String>,
    /// Feature number (1-based, in file order) and, where known, its id.
    pub feature: Option<String>,
    /// A field of the layer (`TBMJ`), or a key of the project file
    /// (`rules.cluster_gap_m`).
    pub field: Option<String>,
}

/// A location is built from its file down:
///
/// ```
/// use tudi_core::error::Location;
/// let at = Location::file("parcels.gpkg").layer("DLTB").feature("12").field("TBMJ");
/// assert_eq!(at.to_string(), "file parcels.gpkg, layer DLTB, feature 12, field TBMJ");
/// ```
impl Location {
    /// A place in the file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            file: Some(path.into()),
            ..Default::default()
        }
    }
    /// The same place narrowed to a layer.
    pub fn layer(mut self, layer: impl Into<String>) -> Self {
        self.layer = Some(layer.into());
        self
    }
    /// The same place narrowed to a feature (its number, maybe with its
    /// id).
    pub fn feature(mut self, feature: impl Into<String>) -> Self {
        self.feature = Some(feature.into());
        self
    }
    /// The same place narrowed to a field or project-file key.
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where it was found (all `None` when nowhere in particular).
    pub at: Location,
    /// What is wrong, in words for the user.
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

/// Why a run failed. [`Error::is_input`] tells the user's fault (exit
/// code 2) from the machine's.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input (project file, layers, fields, geometries) is wrong; every
    /// problem found is listed, many alike grouped.
    #[error("{}", list(.0, false))]
    Input(Vec<Problem>),
    /// [`Error::Input`] with every problem on its own line, none grouped
    /// (`tudi check --all`).
    #[error("{}", list(.0, true))]
    InputListed(Vec<Problem>),
    /// Writing an output failed.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// Why.
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

/// More problems than this with one message at one place (file, layer,
/// field), differing only in the feature, are shown as one line.
const GROUP_OVER: usize = 3;
/// Features named on a grouped line.
const GROUP_SHOWN: usize = 5;

fn list(problems: &[Problem], all: bool) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems with the input:", many.len());
            for line in lines(many, all) {
                s.push_str("\n  - ");
                s.push_str(&line);
            }
            s
        }
    }
}

/// One line per problem; unless `all`, problems alike (same message, file,
/// layer and field) beyond `GROUP_OVER` become one line with their count
/// and first features, in the order each kind first appears.
pub fn lines(problems: &[Problem], all: bool) -> Vec<String> {
    if all {
        return problems.iter().map(Problem::to_string).collect();
    }
    let key = |p: &Problem| Problem {
        at: Location {
            feature: None,
            ..p.at.clone()
        },
        message: p.message.clone(),
    };
    let mut kinds: Vec<(Problem, Vec<&Problem>)> = Vec::new();
    let mut index: std::collections::HashMap<Problem, usize> = std::collections::HashMap::new();
    for p in problems {
        let k = key(p);
        match index.get(&k) {
            Some(&i) => kinds[i].1.push(p),
            None => {
                index.insert(k.clone(), kinds.len());
                kinds.push((k, vec![p]));
            }
        }
    }
    let mut out = Vec::new();
    for (kind, members) in kinds {
        if members.len() <= GROUP_OVER {
            out.extend(members.iter().map(|p| p.to_string()));
            continue;
        }
        let features: Vec<&str> = members
            .iter()
            .filter_map(|p| p.at.feature.as_deref())
            .take(GROUP_SHOWN)
            .collect();
        out.push(format!(
            "{kind} ({} features: {}, …; tudi check --all lists every one)",
            members.len(),
            features.join(", ")
        ));
    }
    out
}

impl Error {
    /// An input error of one problem.
    pub fn input(at: Location, message: impl Into<String>) -> Self {
        Error::Input(vec![Problem {
            at,
            message: message.into(),
        }])
    }

    /// True when the user's input is at fault (exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input(_) | Error::InputListed(_))
    }

    /// The same error, its problems to be listed one by one.
    pub fn listed_in_full(self) -> Self {
        match self {
            Error::Input(problems) => Error::InputListed(problems),
            other => other,
        }
    }
}

/// A result whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn at_feature(n: usize, field: &str) -> Location {
        Location::file("e.csv").feature(n.to_string()).field(field)
    }

    #[test]
    fn many_problems_alike_are_one_line_with_their_count() {
        let mut problems: Vec<Problem> = (1..=600)
            .map(|n| Problem {
                at: at_feature(n, "lon"),
                message: "no coordinate".into(),
            })
            .collect();
        problems.insert(
            2,
            Problem {
                at: at_feature(3, "revenue"),
                message: "not a number: 'abc'".into(),
            },
        );
        let shown = Error::Input(problems.clone()).to_string();
        assert_eq!(
            shown,
            "601 problems with the input:\n  - file e.csv, field lon: no coordinate (600 features: 1, 2, 3, 4, 5, …; tudi check --all lists every one)\n  - file e.csv, feature 3, field revenue: not a number: 'abc'"
        );
        let all = Error::Input(problems).listed_in_full();
        assert!(all.is_input());
        assert_eq!(all.to_string().lines().count(), 602);
    }

    #[test]
    fn a_few_alike_or_at_other_fields_stay_apart() {
        let problems: Vec<Problem> = (1..=3)
            .map(|n| Problem {
                at: at_feature(n, "lon"),
                message: "no coordinate".into(),
            })
            .chain((1..=4).map(|n| Problem {
                at: at_feature(n, if n % 2 == 0 { "x" } else { "y" }),
                message: "no coordinate".into(),
            }))
            .collect();
        assert_eq!(lines(&problems, false).len(), 7);
    }
}
