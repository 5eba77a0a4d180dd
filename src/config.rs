//! The project file (TOML): where the layers are, what their fields are
//! called, and the district's rules. Every rule has a documented default
//! taken from Xiuzhou district's 2020 criteria (see `docs` in the README);
//! a project file overrides any of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::predicates::Predicate;
use crate::error::{Error, Location, Problem, Result};

/// A parsed project file, with layer paths made absolute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    #[serde(default)]
    pub project: ProjectMeta,
    pub layers: Layers,
    #[serde(default)]
    pub rules: Rules,
    /// The project file itself (set after parsing).
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectMeta {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub parcels: LayerSpec<ParcelFields>,
    pub enterprises: Option<LayerSpec<EnterpriseFields>>,
    pub villages: Option<LayerSpec<ZoneFields>>,
    pub plan: Option<LayerSpec<ZoneFields>>,
    pub protected: Option<LayerSpec<ZoneFields>>,
}

/// Where one layer comes from and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec<F> {
    pub path: PathBuf,
    /// Layer name inside a multi-layer source (GeoPackage, FileGDB).
    pub layer: Option<String>,
    /// CRS of the coordinates when the file has none, or to override it:
    /// anything GDAL understands (`EPSG:4549`), or `gcj02` / `bd09`.
    pub crs: Option<String>,
    /// Coordinate columns of a CSV.
    pub x: Option<String>,
    pub y: Option<String>,
    /// A column naming each row's own CRS (e.g. `gcj02` for geocoded rows,
    /// `cgcs2000` for surveyed ones); rows with it empty use `crs`.
    pub crs_field: Option<String>,
    /// Text encoding of the attributes when the file does not say (e.g.
    /// `GBK` for a Shapefile without `.cpg`, or a CSV saved by Excel).
    pub encoding: Option<String>,
    /// Repair invalid polygons (GEOS MakeValid) instead of refusing them.
    #[serde(default)]
    pub repair: bool,
    #[serde(default)]
    pub fields: F,
}

/// A field name: `None` means "the default name, and the field may be
/// absent where it is optional"; `Some` means the user named it, so it must
/// exist.
pub type FieldName = Option<String>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcelFields {
    pub id: FieldName,
    pub landuse: FieldName,
    pub unit_code: FieldName,
    pub village: FieldName,
    pub settlement: FieldName,
    pub official_area: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFields {
    pub credit_code: FieldName,
    pub name: FieldName,
    pub industry: FieldName,
    pub revenue: FieldName,
    pub tax: FieldName,
    pub land_mu: FieldName,
    pub grades: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFields {
    pub name: FieldName,
}

/// A named list of predicates that must all hold.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(default)]
    pub all: Vec<String>,
}

/// The district's rules. Defaults: Xiuzhou district 2020.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// DLBM codes of industrial land (三调 0601 工业用地).
    pub industrial_codes: Vec<String>,
    /// DLBM codes on which an enterprise has legal land: industrial,
    /// mining, logistics and warehousing.
    pub legal_codes: Vec<String>,
    /// CZCSXM prefixes meaning "village area" (203 村庄, 203A).
    pub village_settlement_prefixes: Vec<String>,
    /// Industrial parcels this close (metres on the ground) form one block.
    pub cluster_gap_m: f64,
    /// A village industrial block under this many mu is scattered.
    pub scattered_max_mu: f64,
    /// Annual revenue (万元) below which a firm is below designated size.
    pub scale_revenue_wan: f64,
    /// Relative difference between measured area and TBMJ that is reported.
    pub area_tolerance: f64,
    /// Tax per mu (万元) under which land is "低产田" to be remediated
    /// (predicate `tax_per_mu_under_1`).
    pub tax_per_mu_remediate_wan: f64,
    /// Tax per mu (万元) under which an upgrade must start
    /// (predicate `tax_per_mu_under_3`).
    pub tax_per_mu_upgrade_wan: f64,
    /// GB/T 4754 code prefixes of the six key industries.
    pub key_industries: Vec<String>,
    /// Target groups: an enterprise is a target when any group matches.
    pub target: Vec<RuleSpec>,
    /// Dispositions for targets, first match wins.
    pub disposition: Vec<RuleSpec>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(name: &str, all: &[&str]) -> RuleSpec {
    RuleSpec {
        name: name.to_string(),
        all: strings(all),
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            industrial_codes: strings(&["0601"]),
            legal_codes: strings(&["0601", "0602", "0508"]),
            village_settlement_prefixes: strings(&["203"]),
            cluster_gap_m: 10.0,
            scattered_max_mu: 5.0,
            scale_revenue_wan: 2000.0,
            area_tolerance: 0.01,
            tax_per_mu_remediate_wan: 1.0,
            tax_per_mu_upgrade_wan: 3.0,
            key_industries: strings(&[
                // printing, dyeing and weaving
                "1712", "1713", "1722", "1723", "1732", "1733", "1742", "1743", "1751", "1752",
                // chemicals, chemical fibres, paper, flat glass
                "26", "28", "22", "3041",
            ]),
            target: vec![
                rule(
                    "village_small_low",
                    &["scattered_plot", "grade_c_or_worse", "below_scale"],
                ),
                rule("d_three_years", &["d_three_years"]),
                rule("no_legal_land", &["no_legal_land", "in_village"]),
                rule("outside_plan", &["outside_plan"]),
                rule("protected", &["in_protected"]),
                rule("low_yield", &["tax_per_mu_under_1"]),
            ],
            disposition: vec![
                rule("close", &["d_three_years"]),
                rule("close", &["key_industry", "grade_d"]),
                rule("close", &["in_protected"]),
                rule("relocate", &["outside_plan"]),
                rule("into_park", &["scattered_plot"]),
                rule("into_park", &["no_legal_land"]),
                rule("upgrade", &[]),
            ],
        }
    }
}

/// The four dispositions a target can get.
pub const DISPOSITIONS: [&str; 4] = ["close", "relocate", "into_park", "upgrade"];

impl Project {
    /// Reads and validates a project file; layer paths become relative to
    /// the file's folder.
    pub fn load(path: &Path) -> Result<Project> {
        let at = Location::file(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(at.clone(), format!("cannot read project file: {e}")))?;
        Self::parse(&text, path)
    }

    /// Parses project-file text as if it were read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Project> {
        let at = Location::file(path);
        let mut project: Project = toml::from_str(text)
            .map_err(|e| Error::input(at.clone(), format!("invalid project file: {e}")))?;
        project.file = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut project.layers.parcels.path);
        if let Some(l) = project.layers.enterprises.as_mut() {
            resolve(&mut l.path);
        }
        for l in [
            project.layers.villages.as_mut(),
            project.layers.plan.as_mut(),
            project.layers.protected.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            resolve(&mut l.path);
        }
        let problems = project.rules.problems(path);
        if problems.is_empty() {
            Ok(project)
        } else {
            Err(Error::Input(problems))
        }
    }
}

impl Rules {
    /// Every inconsistency in the rules, at once.
    pub fn problems(&self, file: &Path) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut say = |key: &str, message: String| {
            problems.push(Problem {
                at: Location::file(file).field(format!("rules.{key}")),
                message,
            })
        };
        for (key, value) in [
            ("cluster_gap_m", self.cluster_gap_m),
            ("scattered_max_mu", self.scattered_max_mu),
            ("scale_revenue_wan", self.scale_revenue_wan),
            ("area_tolerance", self.area_tolerance),
            ("tax_per_mu_remediate_wan", self.tax_per_mu_remediate_wan),
            ("tax_per_mu_upgrade_wan", self.tax_per_mu_upgrade_wan),
        ] {
            if !value.is_finite() || value < 0.0 {
                say(key, format!("must be a non-negative number, not {value}"));
            }
        }
        if self.industrial_codes.is_empty() {
            say(
                "industrial_codes",
                "must list at least one DLBM code".into(),
            );
        }
        let known = Predicate::ALL.map(|p| p.name()).join(", ");
        for (key, list) in [("target", &self.target), ("disposition", &self.disposition)] {
            for (i, r) in list.iter().enumerate() {
                for name in &r.all {
                    if Predicate::from_name(name).is_none() {
                        say(
                            &format!("{key}[{}] ({})", i + 1, r.name),
                            format!("unknown predicate '{name}'; known predicates: {known}"),
                        );
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (i, r) in self.target.iter().enumerate() {
            if !seen.insert(&r.name) {
                say(
                    &format!("target[{}]", i + 1),
                    format!("target group '{}' is named twice", r.name),
                );
            }
        }
        for (i, r) in self.disposition.iter().enumerate() {
            if !DISPOSITIONS.contains(&r.name.as_str()) {
                say(
                    &format!("disposition[{}]", i + 1),
                    format!(
                        "unknown disposition '{}'; known: {}",
                        r.name,
                        DISPOSITIONS.join(", ")
                    ),
                );
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Project> {
        Project::parse(text, Path::new("/d/project.toml"))
    }

    #[test]
    fn minimal_file_gets_documented_defaults_and_relative_paths() {
        let p = parse("[layers.parcels]\npath = \"parcels.gpkg\"\n").unwrap();
        assert_eq!(p.layers.parcels.path, PathBuf::from("/d/parcels.gpkg"));
        assert_eq!(p.rules.industrial_codes, ["0601"]);
        assert_eq!(p.rules.target.len(), 6);
        assert_eq!(p.rules.disposition.last().unwrap().name, "upgrade");
        assert_eq!(p.rules.cluster_gap_m, 10.0);
    }

    #[test]
    fn listing_targets_replaces_the_default_list() {
        let p = parse(
            "[layers.parcels]\npath = \"p.gpkg\"\n[[rules.target]]\nname = \"x\"\nall = [\"grade_d\"]\n",
        )
        .unwrap();
        assert_eq!(p.rules.target, vec![rule("x", &["grade_d"])]);
        assert_eq!(p.rules.disposition.len(), 7);
    }

    #[test]
    fn unknown_predicate_is_an_error_listing_the_known_ones() {
        let err = parse(
            "[layers.parcels]\npath = \"p.gpkg\"\n[[rules.target]]\nname = \"x\"\nall = [\"grade_e\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown predicate 'grade_e'"), "{err}");
        assert!(err.contains("scattered_plot"), "{err}");
        assert!(err.contains("/d/project.toml"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_dispositions_are_errors() {
        let err = parse("[layers.parcels]\npath = \"p\"\nlayr = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("layr"), "{err}");
        let err =
            parse("[layers.parcels]\npath = \"p\"\n[[rules.disposition]]\nname = \"demolish\"\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("unknown disposition 'demolish'"), "{err}");
    }
}
