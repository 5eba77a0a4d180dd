//! Attribute text to UTF-8. A layer's text is read in the encoding the
//! project file names; else as UTF-8 when it is, else as GB18030 (the
//! superset of GBK, what Chinese tools write when they do not say), with
//! a warning naming the layer. Text holding U+FFFD, bytes lost to a wrong
//! encoding, is warned about wherever it came from.

use encoding_rs::{Encoding, GB18030};

use tudi_core::error::{Location, Problem};

/// How a layer's text is decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decoder {
    /// The encoding the project file names for the layer.
    pub given: Option<&'static Encoding>,
}

impl Decoder {
    /// Text of `bytes`, and whether it was guessed to be GB18030 (not
    /// UTF-8, no encoding given).
    pub fn decode(&self, bytes: &[u8]) -> (String, bool) {
        match self.given {
            Some(enc) => (enc.decode_without_bom_handling(bytes).0.into_owned(), false),
            None => match std::str::from_utf8(bytes) {
                Ok(s) => (s.to_owned(), false),
                Err(_) => (
                    GB18030.decode_without_bom_handling(bytes).0.into_owned(),
                    true,
                ),
            },
        }
    }

    /// Whole-file text (CSV, GeoJSON), a UTF-8 byte-order mark dropped, and
    /// whether it was guessed to be GB18030.
    pub fn decode_file<'a>(&self, bytes: &'a [u8]) -> (std::borrow::Cow<'a, str>, bool) {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match self.given {
            Some(enc) => (enc.decode_without_bom_handling(bytes).0, false),
            None => match std::str::from_utf8(bytes) {
                Ok(s) => (s.into(), false),
                Err(_) => (GB18030.decode_without_bom_handling(bytes).0, true),
            },
        }
    }
}

/// Where a layer's text was not plain: features whose text was guessed to
/// be GB18030, or holds U+FFFD, counted with the first of each.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    guessed: Count,
    garbled: Count,
}

#[derive(Debug, Clone, Default)]
struct Count {
    features: usize,
    /// Feature number and the index of the field (of those requested).
    first: Option<(usize, usize)>,
}

impl Count {
    fn add(&mut self, feature: usize, field: usize) {
        self.features += 1;
        self.first.get_or_insert((feature, field));
    }
    fn merge(&mut self, later: Count) {
        self.features += later.features;
        self.first = self.first.or(later.first);
    }
}

impl Tally {
    /// Counts a feature: `guessed` is the first of its fields read as a
    /// guess; any field holding U+FFFD counts it as garbled.
    pub fn add(&mut self, feature: usize, guessed: Option<usize>, values: &[super::Value]) {
        if let Some(field) = guessed {
            self.guessed.add(feature, field);
        }
        let garbled = values
            .iter()
            .position(|v| matches!(v, super::Value::Text(t) if t.contains('\u{FFFD}')));
        if let Some(field) = garbled {
            self.garbled.add(feature, field);
        }
    }

    /// Adds a later run's counts.
    pub fn merge(&mut self, later: Tally) {
        self.guessed.merge(later.guessed);
        self.garbled.merge(later.garbled);
    }

    /// The warnings: where text was guessed, where it is garbled.
    /// `found` names the requested fields as the file does; `encoding`
    /// is the one used when not guessing.
    pub fn warnings(
        &self,
        at: &Location,
        found: &[Option<String>],
        encoding: &str,
    ) -> Vec<Problem> {
        let place = |(feature, field): (usize, usize)| {
            let at = at.clone().feature(feature.to_string());
            match found.get(field).cloned().flatten() {
                Some(name) => at.field(name),
                None => at,
            }
        };
        let mut warnings = Vec::new();
        if let Some(first) = self.guessed.first {
            warnings.push(Problem {
                at: place(first),
                message: format!(
                    "{} not UTF-8 and the file does not say its encoding: {GUESSED}",
                    text_in(self.guessed.features, "is")
                ),
            });
        }
        if let Some(first) = self.garbled.first {
            warnings.push(Problem {
                at: place(first),
                message: format!(
                    "{} the replacement character � (U+FFFD): text lost to a wrong encoding (bytes not valid {encoding}, or lost before, by the tool that made the file); set encoding = \"...\" for this layer in the project file if it is another one",
                    text_in(self.garbled.features, "holds")
                ),
            });
        }
        warnings
    }
}

/// What is done with text that is not UTF-8 when nothing says its encoding.
const GUESSED: &str = "read as GB18030 (GBK); if names look wrong, set encoding = \"...\" for this layer in the project file";

/// The warning for a whole file (CSV, GeoJSON) read as GB18030.
pub fn guessed_file(at: &Location) -> Problem {
    Problem {
        at: at.clone(),
        message: format!("the file is not UTF-8 and does not say its encoding: {GUESSED}"),
    }
}

/// The warning for a Shapefile read as GB18030, at the first text that
/// is not UTF-8.
pub fn guessed_shapefile(at: &Location) -> Problem {
    Problem {
        at: at.clone(),
        message: format!("text is not UTF-8 (here first) and the file does not say its encoding (no .cpg file, no code page in the .dbf): {GUESSED}"),
    }
}

fn text_in(n: usize, verb: &str) -> String {
    if n == 1 {
        format!("text {verb}")
    } else {
        format!("text in {n} features (the first here) {verb}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn gbk_without_a_hint_is_read_as_gb18030_and_said() {
        let (gbk, _, _) = encoding_rs::GBK.encode("竹家村");
        let plain = Decoder { given: None };
        assert_eq!(plain.decode(&gbk), ("竹家村".to_string(), true));
        assert_eq!(
            plain.decode("竹家村".as_bytes()),
            ("竹家村".to_string(), false)
        );
        let given = Decoder {
            given: Some(encoding_rs::GBK),
        };
        assert_eq!(given.decode(&gbk), ("竹家村".to_string(), false));
        // UTF-8 read as GBK: wrong, but no guess
        assert!(!given.decode("竹家村".as_bytes()).1);
    }

    #[test]
    fn the_tally_names_the_first_feature_and_field() {
        let at = Location::file("v.shp").layer("v");
        let found = [Some("NAME".to_string()), Some("CODE".to_string())];
        let mut first = Tally::default();
        first.add(1, None, &[Value::Text("a".into()), Value::Null]);
        let mut later = Tally::default();
        later.add(7, Some(1), &[Value::Null, Value::Text("x\u{FFFD}".into())]);
        later.add(9, Some(0), &[Value::Text("\u{FFFD}".into()), Value::Null]);
        first.merge(later);
        let w: Vec<String> = first
            .warnings(&at, &found, "UTF-8")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(w.len(), 2);
        assert!(w[0].starts_with("file v.shp, layer v, feature 7, field CODE: text in 2 features (the first here) is not UTF-8"), "{}", w[0]);
        assert!(w[1].starts_with("file v.shp, layer v, feature 7, field CODE: text in 2 features (the first here) holds the replacement character"), "{}", w[1]);
        assert!(Tally::default().warnings(&at, &found, "UTF-8").is_empty());
    }
}
