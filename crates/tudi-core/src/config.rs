//! The project file (TOML): where the layers are, what their fields are
//! called, and the district's rules. Every rule has a documented default
//! taken from Xiuzhou district's 2020 criteria (see `docs` in the README);
//! a project file overrides any of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::enterprises::Disposition;
use crate::analysis::predicates::Predicate;
use crate::analysis::targets::Goal;
use crate::date::Date;
use crate::error::{Error, Location, Problem, Result};
use crate::vocab::Lang;

/// A parsed project file, with layer paths made absolute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    #[serde(default)]
    pub project: ProjectMeta,
    pub layers: Layers,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub targets: Targets,
    /// The project file itself (set after parsing).
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectMeta {
    #[serde(default)]
    pub name: String,
    /// The report date as the file writes it (ISO, e.g. `2020-12-31`);
    /// checked and parsed into `as_of` when the project is read.
    #[serde(rename = "as_of")]
    as_of_text: Option<String>,
    /// The report date for deadlines and the target year; `--as-of`
    /// overrides it; default the day the project is read.
    #[serde(skip_deserializing, default = "Date::today")]
    pub as_of: Date,
}

impl Default for ProjectMeta {
    /// A project file without `[project]`: no name, dated the day it is read.
    fn default() -> Self {
        ProjectMeta {
            name: String::new(),
            as_of_text: None,
            as_of: Date::today(),
        }
    }
}

/// What a layer is to a run: its key under `[layers]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Parcels,
    Enterprises,
    Villages,
    Plan,
    Protected,
    Boundary,
    Buildings,
    Parks,
    Vacated,
    Townships,
}

impl Role {
    /// The key in the project file, as messages name the layer.
    pub fn name(self) -> &'static str {
        match self {
            Role::Parcels => "parcels",
            Role::Enterprises => "enterprises",
            Role::Villages => "villages",
            Role::Plan => "plan",
            Role::Protected => "protected",
            Role::Boundary => "boundary",
            Role::Buildings => "buildings",
            Role::Parks => "parks",
            Role::Vacated => "vacated",
            Role::Townships => "townships",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub parcels: LayerSpec<ParcelFields>,
    pub enterprises: Option<LayerSpec<EnterpriseFields>>,
    pub villages: Option<LayerSpec<ZoneFields>>,
    pub plan: Option<LayerSpec<ZoneFields>>,
    pub protected: Option<LayerSpec<ZoneFields>>,
    /// The district's outline, for maps.
    pub boundary: Option<LayerSpec<ZoneFields>>,
    pub buildings: Option<LayerSpec<BuildingFields>>,
    pub parks: Option<LayerSpec<ParkFields>>,
    pub vacated: Option<LayerSpec<VacatedFields>>,
    pub townships: Option<LayerSpec<TownshipFields>>,
}

impl Layers {
    /// Every layer's path.
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        let optional = [
            self.enterprises.as_mut().map(|s| &mut s.path),
            self.villages.as_mut().map(|s| &mut s.path),
            self.plan.as_mut().map(|s| &mut s.path),
            self.protected.as_mut().map(|s| &mut s.path),
            self.boundary.as_mut().map(|s| &mut s.path),
            self.buildings.as_mut().map(|s| &mut s.path),
            self.parks.as_mut().map(|s| &mut s.path),
            self.vacated.as_mut().map(|s| &mut s.path),
            self.townships.as_mut().map(|s| &mut s.path),
        ];
        std::iter::once(&mut self.parcels.path)
            .chain(optional.into_iter().flatten())
            .collect()
    }
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
    /// Remediation status: `pending` or `done` (optional).
    pub status: FieldName,
    /// Remediation deadline, a date (optional).
    pub deadline: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFields {
    pub name: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingFields {
    /// Storeys above ground.
    pub floors: FieldName,
    /// Total floor area, m²; wins over footprint × storeys.
    pub floor_area: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParkFields {
    pub name: FieldName,
    /// Star rating, 1–5.
    pub star: FieldName,
    /// Performance grade, A–D.
    pub grade: FieldName,
    /// Year the park opened.
    pub opened: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacatedFields {
    pub id: FieldName,
    /// `planned`, `in_progress` or `done` (or 计划 / 实施中 / 已完成).
    pub status: FieldName,
    /// Date the land was vacated.
    pub done_date: FieldName,
    /// Area claimed in the ledger, mu: compared, never trusted.
    pub claimed_mu: FieldName,
    /// Township code; else taken from the parcels (ZLDWDM) or townships.
    pub township: FieldName,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownshipFields {
    /// Township code (the first 9 digits of ZLDWDM).
    pub code: FieldName,
    pub name: FieldName,
}

/// A rule as the project file writes it: a name and the names of the
/// predicates that must all hold. Read into a [`TargetGroup`] or a
/// [`DispositionRule`] once, when the file is checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub name: String,
    #[serde(default)]
    pub all: Vec<String>,
    /// A target group's name as products show it, in Chinese and in
    /// English (default: the name).
    pub label: Option<String>,
    pub label_en: Option<String>,
}

/// A target group: an enterprise is in it when all its predicates hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroup {
    pub name: String,
    pub label: Option<String>,
    pub label_en: Option<String>,
    pub all: Vec<Predicate>,
}

impl TargetGroup {
    /// The group as a product shows it: its label in the language, else
    /// its name.
    pub fn label(&self, lang: Lang) -> &str {
        let label = match lang {
            Lang::Zh => &self.label,
            Lang::En => &self.label_en,
        };
        label.as_deref().unwrap_or(&self.name)
    }
}

/// A disposition rule: a target gets `disposition` when all of `all`
/// hold, the first rule that matches deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRule {
    pub disposition: Disposition,
    pub all: Vec<Predicate>,
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
    /// Target groups as the file gives them (read into `target`).
    #[serde(rename = "target")]
    target_spec: Vec<RuleSpec>,
    /// Dispositions as the file gives them (read into `disposition`).
    #[serde(rename = "disposition")]
    disposition_spec: Vec<RuleSpec>,
    /// Target groups: an enterprise is a target when any group matches.
    #[serde(skip)]
    pub target: Vec<TargetGroup>,
    /// Dispositions for targets, first match wins.
    #[serde(skip)]
    pub disposition: Vec<DispositionRule>,
    /// A park whose floor-area ratio is under this is flagged.
    pub min_park_far: f64,
    /// An industrial parcel whose floor-area ratio is under this is
    /// low-density (提档升级 candidate).
    pub min_parcel_far: f64,
    /// Vacated land counts as effective only in contiguous blocks of at
    /// least this many mu (after removing protected land).
    pub effective_min_block_mu: f64,
    /// Blocks of at least this many mu count towards the contiguity rate.
    pub contiguity_block_mu: f64,
    /// Relative difference between a vacated record's claimed and measured
    /// area that is reported.
    pub claim_tolerance: f64,
    /// Overlaps between vacated records smaller than this (m²) are
    /// digitising slivers, not double claims.
    pub overlap_min_m2: f64,
    /// Share of a vacated record lying outside every parcel that is
    /// reported.
    pub outside_tolerance: f64,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(name: &str, all: &[&str]) -> RuleSpec {
    RuleSpec {
        name: name.to_string(),
        all: strings(all),
        label: None,
        label_en: None,
    }
}

/// A default target group, with its labels.
fn group(name: &str, all: &[&str], label: &str, label_en: &str) -> RuleSpec {
    RuleSpec {
        label: Some(label.into()),
        label_en: Some(label_en.into()),
        ..rule(name, all)
    }
}

impl Default for Rules {
    fn default() -> Self {
        let mut rules = Rules {
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
            target_spec: vec![
                group(
                    "village_small_low",
                    &["scattered_plot", "grade_c_or_worse", "below_scale"],
                    "村级低小散",
                    "Small, low-yield village firm",
                ),
                group(
                    "d_three_years",
                    &["d_three_years"],
                    "连续三年D类",
                    "Grade D three years running",
                ),
                group(
                    "no_legal_land",
                    &["no_legal_land", "in_village"],
                    "无合法用地",
                    "No legal land",
                ),
                group(
                    "outside_plan",
                    &["outside_plan"],
                    "不符合规划",
                    "Outside the land-use plan",
                ),
                group(
                    "protected",
                    &["in_protected"],
                    "位于保护红线",
                    "In a protected zone",
                ),
                group(
                    "low_yield",
                    &["tax_per_mu_under_1"],
                    "亩均税收低下",
                    "Low tax per mu",
                ),
            ],
            disposition_spec: vec![
                rule("close", &["d_three_years"]),
                rule("close", &["key_industry", "grade_d"]),
                rule("close", &["in_protected"]),
                rule("relocate", &["outside_plan"]),
                rule("into_park", &["scattered_plot"]),
                rule("into_park", &["no_legal_land"]),
                rule("upgrade", &[]),
            ],
            target: Vec::new(),
            disposition: Vec::new(),
            min_park_far: 1.2,
            min_parcel_far: 0.6,
            effective_min_block_mu: 5.0,
            contiguity_block_mu: 50.0,
            claim_tolerance: 0.03,
            overlap_min_m2: 1.0,
            outside_tolerance: 0.05,
        };
        let problems = rules.read_specs(Path::new(""));
        debug_assert!(problems.is_empty(), "{problems:?}");
        rules
    }
}

/// The year's goals, in the district and optionally per township.
/// Defaults: Xiuzhou 2020.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    /// The target year: parks opened in it are new; default the report
    /// date's year.
    pub year: Option<i32>,
    /// Gross vacated land (腾退), mu.
    pub vacated_mu: f64,
    /// Effective vacated land (有效面积), mu.
    pub effective_mu: f64,
    /// Remediated targets (enterprises and workshops), status `done`.
    pub remediated: f64,
    /// Of which enterprises (a company's credit code, `91…`).
    pub remediated_enterprises: f64,
    /// Done targets whose disposition is `upgrade`.
    pub upgraded: f64,
    /// Parks opened in the target year.
    pub new_parks: f64,
    /// Floor area of those parks, m².
    pub new_park_floor_m2: f64,
    /// Done targets whose disposition is `into_park`.
    pub into_parks: f64,
    /// Goals per township code, e.g. `[targets.townships.330411101]`.
    pub townships: std::collections::BTreeMap<String, TownshipGoals>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            year: None,
            vacated_mu: 2000.0,
            effective_mu: 1500.0,
            remediated: 400.0,
            remediated_enterprises: 200.0,
            upgraded: 150.0,
            new_parks: 5.0,
            new_park_floor_m2: 250_000.0,
            into_parks: 200.0,
            townships: Default::default(),
        }
    }
}

impl Targets {
    /// Every goal, in the order reports list them.
    pub fn named(&self) -> [(Goal, f64); 8] {
        [
            (Goal::VacatedMu, self.vacated_mu),
            (Goal::EffectiveMu, self.effective_mu),
            (Goal::Remediated, self.remediated),
            (Goal::RemediatedEnterprises, self.remediated_enterprises),
            (Goal::Upgraded, self.upgraded),
            (Goal::NewParks, self.new_parks),
            (Goal::NewParkFloorM2, self.new_park_floor_m2),
            (Goal::IntoParks, self.into_parks),
        ]
    }
}

/// A township's goals: only those given are tracked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownshipGoals {
    pub name: Option<String>,
    pub vacated_mu: Option<f64>,
    pub effective_mu: Option<f64>,
    pub remediated: Option<f64>,
    pub remediated_enterprises: Option<f64>,
    pub upgraded: Option<f64>,
    pub new_parks: Option<f64>,
    pub new_park_floor_m2: Option<f64>,
    pub into_parks: Option<f64>,
}

impl Targets {
    /// Goals must be positive numbers (progress divides by them).
    pub fn problems(&self, file: &Path) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut check = |key: String, value: f64| {
            if !value.is_finite() || value <= 0.0 {
                problems.push(Problem {
                    at: Location::file(file).field(key),
                    message: format!("a goal must be a positive number, not {value}"),
                });
            }
        };
        for (goal, value) in self.named() {
            check(format!("targets.{}", goal.name()), value);
        }
        for (code, goals) in &self.townships {
            for (goal, value) in goals.named() {
                check(format!("targets.townships.{code}.{}", goal.name()), value);
            }
        }
        problems
    }
}

impl TownshipGoals {
    /// The goals given, in the order of [`Targets::named`].
    pub fn named(&self) -> Vec<(Goal, f64)> {
        [
            (Goal::VacatedMu, self.vacated_mu),
            (Goal::EffectiveMu, self.effective_mu),
            (Goal::Remediated, self.remediated),
            (Goal::RemediatedEnterprises, self.remediated_enterprises),
            (Goal::Upgraded, self.upgraded),
            (Goal::NewParks, self.new_parks),
            (Goal::NewParkFloorM2, self.new_park_floor_m2),
            (Goal::IntoParks, self.into_parks),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

impl Layers {
    /// Every layer's `encoding` must name a known encoding.
    fn encoding_problems(&self, file: &Path) -> Vec<Problem> {
        let l = self;
        [
            ("parcels", Some(&l.parcels.encoding)),
            ("enterprises", l.enterprises.as_ref().map(|s| &s.encoding)),
            ("villages", l.villages.as_ref().map(|s| &s.encoding)),
            ("plan", l.plan.as_ref().map(|s| &s.encoding)),
            ("protected", l.protected.as_ref().map(|s| &s.encoding)),
            ("boundary", l.boundary.as_ref().map(|s| &s.encoding)),
            ("buildings", l.buildings.as_ref().map(|s| &s.encoding)),
            ("parks", l.parks.as_ref().map(|s| &s.encoding)),
            ("vacated", l.vacated.as_ref().map(|s| &s.encoding)),
            ("townships", l.townships.as_ref().map(|s| &s.encoding)),
        ]
        .into_iter()
        .filter_map(|(key, encoding)| {
            let name = encoding?.as_ref()?;
            let at = Location::file(file).field(format!("layers.{key}.encoding"));
            crate::encoding::check_name(name, &at)
        })
        .collect()
    }
}

impl Project {
    /// The files a run reads: the project file and every layer's path.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut layers = self.layers.clone();
        std::iter::once(self.file.clone())
            .chain(layers.paths_mut().into_iter().map(|p| p.clone()))
            .collect()
    }

    /// `path` as seen from the project file's folder (`../shared/x.gpkg`),
    /// for outputs that travel to other machines; unchanged when the two
    /// share no root.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let absolute = |p: &Path| {
            p.canonicalize()
                .or_else(|_| std::path::absolute(p))
                .unwrap_or_else(|_| p.to_path_buf())
        };
        let base = absolute(self.file.parent().unwrap_or(Path::new(".")));
        let target = absolute(path);
        let (b, t): (Vec<_>, Vec<_>) = (base.components().collect(), target.components().collect());
        let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
        if common == 0 {
            return path.to_path_buf();
        }
        let up = std::iter::repeat_n(std::path::Component::ParentDir, b.len() - common);
        up.chain(t[common..].iter().copied()).collect()
    }

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
        project.layers.paths_mut().into_iter().for_each(resolve);
        let mut problems = project.rules.read_specs(path);
        problems.extend(project.rules.problems(path));
        problems.extend(project.layers.encoding_problems(path));
        problems.extend(project.targets.problems(path));
        if let Some(d) = &project.project.as_of_text {
            match Date::parse(d) {
                Some(date) => project.project.as_of = date,
                None => problems.push(Problem {
                    at: at.clone().field("project.as_of"),
                    message: format!("'{d}' is not a date (write it as 2020-12-31)"),
                }),
            }
        }
        if problems.is_empty() {
            Ok(project)
        } else {
            Err(Error::Input(problems))
        }
    }
}

impl Rules {
    /// Reads the target groups and dispositions the file gives into their
    /// typed form; every unknown name is a problem (all of them at once).
    fn read_specs(&mut self, file: &Path) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut say = |key: String, message: String| {
            problems.push(Problem {
                at: Location::file(file).field(format!("rules.{key}")),
                message,
            })
        };
        let known = Predicate::ALL.map(|p| p.name()).join(", ");
        let mut predicates = |key: &str, i: usize, r: &RuleSpec| -> Vec<Predicate> {
            r.all
                .iter()
                .filter_map(|name| {
                    let p = Predicate::from_name(name);
                    if p.is_none() {
                        say(
                            format!("{key}[{}] ({})", i + 1, r.name),
                            format!("unknown predicate '{name}'; known predicates: {known}"),
                        );
                    }
                    p
                })
                .collect()
        };
        self.target = (self.target_spec.iter().enumerate())
            .map(|(i, r)| TargetGroup {
                name: r.name.clone(),
                label: r.label.clone(),
                label_en: r.label_en.clone(),
                all: predicates("target", i, r),
            })
            .collect();
        let dispositions: Vec<(Option<Disposition>, Vec<Predicate>)> =
            (self.disposition_spec.iter().enumerate())
                .map(|(i, r)| {
                    (
                        Disposition::from_name(&r.name),
                        predicates("disposition", i, r),
                    )
                })
                .collect();
        let mut seen = BTreeSet::new();
        for (i, r) in self.target_spec.iter().enumerate() {
            if !seen.insert(&r.name) {
                say(
                    format!("target[{}]", i + 1),
                    format!("target group '{}' is named twice", r.name),
                );
            }
        }
        for (i, r) in self.disposition_spec.iter().enumerate() {
            if dispositions[i].0.is_none() {
                say(
                    format!("disposition[{}]", i + 1),
                    format!(
                        "unknown disposition '{}'; known: {}",
                        r.name,
                        Disposition::ALL.map(|d| d.name()).join(", ")
                    ),
                );
            }
            if r.label.is_some() || r.label_en.is_some() {
                say(
                    format!("disposition[{}]", i + 1),
                    "a disposition's label is tudi's own; only target groups take one".into(),
                );
            }
        }
        self.disposition = dispositions
            .into_iter()
            .filter_map(|(d, all)| {
                Some(DispositionRule {
                    disposition: d?,
                    all,
                })
            })
            .collect();
        problems
    }

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
            ("min_park_far", self.min_park_far),
            ("min_parcel_far", self.min_parcel_far),
            ("effective_min_block_mu", self.effective_min_block_mu),
            ("contiguity_block_mu", self.contiguity_block_mu),
            ("claim_tolerance", self.claim_tolerance),
            ("overlap_min_m2", self.overlap_min_m2),
            ("outside_tolerance", self.outside_tolerance),
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
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_from_the_project_folder() {
        let p = Project::parse(
            "[layers.parcels]\npath = \"p.gpkg\"",
            Path::new("/a/b/project.toml"),
        )
        .unwrap();
        assert_eq!(p.relative(Path::new("/a/b/p.gpkg")), Path::new("p.gpkg"));
        assert_eq!(
            p.relative(Path::new("/a/b/sub/q.csv")),
            Path::new("sub/q.csv")
        );
        assert_eq!(p.relative(Path::new("/a/c/q.csv")), Path::new("../c/q.csv"));
        assert_eq!(
            p.relative(Path::new("/x/q.csv")),
            Path::new("../../x/q.csv")
        );
    }

    fn parse(text: &str) -> Result<Project> {
        Project::parse(text, Path::new("/d/project.toml"))
    }

    #[test]
    fn minimal_file_gets_documented_defaults_and_relative_paths() {
        let p = parse("[layers.parcels]\npath = \"parcels.gpkg\"\n").unwrap();
        assert_eq!(p.layers.parcels.path, PathBuf::from("/d/parcels.gpkg"));
        assert_eq!(p.rules.industrial_codes, ["0601"]);
        assert_eq!(p.rules.target.len(), 6);
        let last = p.rules.disposition.last().unwrap();
        assert_eq!(
            (last.disposition, last.all.len()),
            (Disposition::Upgrade, 0)
        );
        // the default groups carry their labels in both languages
        assert_eq!(p.rules.target[0].label(Lang::Zh), "村级低小散");
        assert_eq!(
            p.rules.target[0].label(Lang::En),
            "Small, low-yield village firm"
        );
        assert_eq!(p.rules.cluster_gap_m, 10.0);
    }

    #[test]
    fn listing_targets_replaces_the_default_list() {
        let p = parse(
            "[layers.parcels]\npath = \"p.gpkg\"\n[[rules.target]]\nname = \"x\"\nall = [\"grade_d\"]\n",
        )
        .unwrap();
        assert_eq!(
            p.rules.target,
            vec![TargetGroup {
                name: "x".into(),
                label: None,
                label_en: None,
                all: vec![Predicate::GradeD],
            }]
        );
        // a group without a label is shown by its name
        assert_eq!(p.rules.target[0].label(Lang::Zh), "x");
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
    fn targets_default_to_xiuzhou_and_bad_goals_and_dates_are_named() {
        let p = parse("[layers.parcels]\npath = \"p\"\n").unwrap();
        assert_eq!(p.targets.vacated_mu, 2000.0);
        assert_eq!(p.targets.effective_mu, 1500.0);
        assert_eq!(p.targets.new_park_floor_m2, 250_000.0);
        let p = parse(
            "[layers.parcels]\npath = \"p\"\n[targets]\nyear = 2020\nvacated_mu = 300\n[targets.townships.330411101]\nname = \"新城街道\"\nvacated_mu = 100\n",
        )
        .unwrap();
        assert_eq!(p.targets.year, Some(2020));
        assert_eq!(
            p.targets.remediated, 400.0,
            "the other goals keep their defaults"
        );
        assert_eq!(
            p.targets.townships["330411101"].named(),
            vec![(Goal::VacatedMu, 100.0)]
        );
        let err = parse(
            "[project]\nas_of = \"2020-13-01\"\n[layers.parcels]\npath = \"p\"\n[targets]\nupgraded = -1\n[targets.townships.330411101]\ninto_parks = 0\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("field targets.upgraded"), "{err}");
        assert!(
            err.contains("field targets.townships.330411101.into_parks"),
            "{err}"
        );
        assert!(
            err.contains("field project.as_of") && err.contains("2020-13-01"),
            "{err}"
        );
        let err = parse("[layers.parcels]\npath = \"p\"\n[targets]\nvacated = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("vacated"), "unknown goal named: {err}");
    }

    #[test]
    fn unknown_encodings_are_errors_listing_the_known_ones() {
        let p = parse("[layers.parcels]\npath = \"p.shp\"\nencoding = \"cp936\"\n").unwrap();
        assert_eq!(p.layers.parcels.encoding.as_deref(), Some("cp936"));
        let err = parse(
            "[layers.parcels]\npath = \"p.shp\"\nencoding = \"GBKK\"\n[layers.villages]\npath = \"v.shp\"\nencoding = \"utf9\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("field layers.parcels.encoding: unknown encoding 'GBKK'; known encodings: UTF-8, GBK"),
            "{err}"
        );
        assert!(
            err.contains("field layers.villages.encoding: unknown encoding 'utf9'"),
            "{err}"
        );
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
