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
    /// `[project]`: the run's name and report date (optional table).
    #[serde(default)]
    pub project: ProjectMeta,
    /// `[layers]`: the input layers; only `[layers.parcels]` is required.
    pub layers: Layers,
    /// `[rules]`: thresholds, target groups and dispositions; every key
    /// defaults to Xiuzhou district's 2020 criteria.
    #[serde(default)]
    pub rules: Rules,
    /// `[targets]`: the year's goals, in the district and per township;
    /// defaults to Xiuzhou's 2020 goals.
    #[serde(default)]
    pub targets: Targets,
    /// The project file itself (set after parsing).
    #[serde(skip)]
    pub file: PathBuf,
    /// The county a run is cut down to (`tudi run --county`, 6 digits;
    /// see `analysis::county`); `None`: the whole project.
    #[serde(skip)]
    pub county: Option<String>,
}

/// The `[project]` table: what the run is called and the day it reports on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectMeta {
    /// `project.name`: the title products carry (report, map, ledgers,
    /// `summary.json`'s `project`), e.g. `秀洲区 2020`; default empty.
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
    /// `parcels`: land-survey polygons (三调 地类图斑); the one required layer.
    Parcels,
    /// `enterprises`: the enterprise ledger, points or a CSV with coordinates.
    Enterprises,
    /// `villages`: village areas, for parcels without CZCSXM.
    Villages,
    /// `plan`: planned industrial zones (land-use master plan).
    Plan,
    /// `protected`: ecological red line and permanent basic farmland.
    Protected,
    /// `boundary`: the district's outline, for maps.
    Boundary,
    /// `buildings`: building footprints, for floor-area ratios.
    Buildings,
    /// `parks`: micro-enterprise parks (小微企业园).
    Parks,
    /// `vacated`: vacated-land (腾退) records.
    Vacated,
    /// `townships`: township polygons (乡镇/街道), for places without ZLDWDM.
    Townships,
    /// `counties`: county polygons (县/市/区), for their names and outlines
    /// when a project spans several.
    Counties,
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
            Role::Counties => "counties",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The `[layers]` table: one entry per [`Role`]. Only `parcels` is
/// required; without an optional layer the analyses that need it are
/// skipped and its products written empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    /// `[layers.parcels]`: land-survey polygons (三调 地类图斑, layer DLTB).
    pub parcels: LayerSpec<ParcelFields>,
    /// `[layers.enterprises]`: the enterprise ledger, as points or a CSV
    /// with coordinate columns (often GCJ-02/BD-09 web-map geocodes).
    pub enterprises: Option<LayerSpec<EnterpriseFields>>,
    /// `[layers.villages]`: village-area polygons; a parcel without CZCSXM
    /// is in a village when its interior point lies in one.
    pub villages: Option<LayerSpec<ZoneFields>>,
    /// `[layers.plan]`: planned industrial zones; an enterprise outside all
    /// of them is `outside_plan`.
    pub plan: Option<LayerSpec<ZoneFields>>,
    /// `[layers.protected]`: ecological red line and permanent basic
    /// farmland (`in_protected`; not effective vacated land).
    pub protected: Option<LayerSpec<ZoneFields>>,
    /// `[layers.boundary]`: the district's outline, for maps.
    pub boundary: Option<LayerSpec<ZoneFields>>,
    /// `[layers.buildings]`: building footprints, for floor-area ratios.
    pub buildings: Option<LayerSpec<BuildingFields>>,
    /// `[layers.parks]`: micro-enterprise parks (小微企业园).
    pub parks: Option<LayerSpec<ParkFields>>,
    /// `[layers.vacated]`: vacated-land (腾退) records.
    pub vacated: Option<LayerSpec<VacatedFields>>,
    /// `[layers.townships]`: township polygons, for places whose parcel
    /// gives no ZLDWDM.
    pub townships: Option<LayerSpec<DivisionFields>>,
    /// `[layers.counties]`: county polygons (县/市/区) with 6-digit codes,
    /// the first 6 digits of their townships' codes.
    pub counties: Option<LayerSpec<DivisionFields>>,
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
            self.counties.as_mut().map(|s| &mut s.path),
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
    /// `path`: the file (GeoPackage, Shapefile, GeoJSON, CSV, FileGDB…);
    /// relative to the project file's folder as written, absolute once
    /// parsed.
    pub path: PathBuf,
    /// `layer`: the layer's name inside a multi-layer source (GeoPackage,
    /// FileGDB); default the file's only layer (more than one is an error).
    pub layer: Option<String>,
    /// `crs`: CRS of the coordinates when the file has none, or to
    /// override it: anything GDAL understands (`EPSG:4549`), or `gcj02` /
    /// `bd09`. Default the file's own (a CSV has none: give `crs` or
    /// `crs_field`).
    pub crs: Option<String>,
    /// `x`: the column of a CSV holding the easting or longitude; default
    /// `lon`.
    pub x: Option<String>,
    /// `y`: the column of a CSV holding the northing or latitude; default
    /// `lat`.
    pub y: Option<String>,
    /// `crs_field`: a column naming each row's own CRS (e.g. `gcj02` for
    /// geocoded rows, `cgcs2000` for surveyed ones); rows with it empty use
    /// `crs`. Default none.
    pub crs_field: Option<String>,
    /// `parcel` (enterprises only): a column giving the id of the parcel
    /// each row stands on, as the parcels layer's `id` field holds it
    /// (图斑编号, 宗地号); a row without coordinates is placed at a point
    /// inside that parcel. Default none.
    pub parcel: Option<String>,
    /// `encoding`: text encoding of the attributes, winning over the
    /// file's own (`.cpg`); e.g. `GBK` for a Shapefile without `.cpg`, or
    /// a CSV saved by Excel. Default: the file's own, else UTF-8 when the
    /// text is, else GB18030 with a warning.
    pub encoding: Option<String>,
    /// `repair`: repair invalid polygons (GEOS MakeValid) instead of
    /// refusing them. Default `false`.
    #[serde(default)]
    pub repair: bool,
    /// `[layers.<role>.fields]`: the layer's column names, where they
    /// differ from the defaults.
    #[serde(default)]
    pub fields: F,
}

/// A field name: `None` means "the default name, and the field may be
/// absent where it is optional"; `Some` means the user named it, so it must
/// exist.
pub type FieldName = Option<String>;

/// `[layers.parcels.fields]`: column names of the parcel layer; the
/// defaults are the land-survey database's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcelFields {
    /// Parcel id; default `BSM`; required.
    pub id: FieldName,
    /// Land-use code (DLBM, e.g. `0601` industrial); default `DLBM`;
    /// required.
    pub landuse: FieldName,
    /// Unit code, whose first 9 digits are the township; default `ZLDWDM`.
    pub unit_code: FieldName,
    /// Village or unit name; default `ZLDWMC`.
    pub village: FieldName,
    /// Urban/village attribute (203 = village area); default `CZCSXM`.
    pub settlement: FieldName,
    /// Official area in m², checked against the measured one; default `TBMJ`.
    pub official_area: FieldName,
}

/// `[layers.enterprises.fields]`: column names of the enterprise ledger;
/// each defaults to its own key (`credit_code = "credit_code"`…).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFields {
    /// 18-character unified social credit code (GB 32100); required.
    pub credit_code: FieldName,
    /// Enterprise name; required.
    pub name: FieldName,
    /// GB/T 4754 industry code, with or without the section letter;
    /// required.
    pub industry: FieldName,
    /// Annual revenue, 万元/yr; required.
    pub revenue: FieldName,
    /// Annual tax, 万元/yr; required.
    pub tax: FieldName,
    /// Land used, mu (optional; else the parcel's area, shared).
    pub land_mu: FieldName,
    /// Floor area in use (用房面积), m² (optional): the room a move into a
    /// park needs; else the buildings on its parcel, shared, else its land
    /// × `rules.placement.demand_far`.
    pub floor_m2: FieldName,
    /// 亩均 grades A–D, oldest first (`"B,C,D"`); required.
    pub grades: FieldName,
    /// Remediation status: `pending` or `done` (optional).
    pub status: FieldName,
    /// Remediation deadline, a date (optional).
    pub deadline: FieldName,
}

/// Column names of a zone layer (villages, plan, protected, boundary).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFields {
    /// The zone's name (optional); default `name`. Only the boundary's
    /// reaches an output (its layer in `tudi.gpkg`).
    pub name: FieldName,
}

/// `[layers.buildings.fields]`: column names of the building layer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingFields {
    /// Storeys above ground (1 when missing); default `floors`.
    pub floors: FieldName,
    /// Total floor area, m²; wins over footprint × storeys; default
    /// `floor_area`.
    pub floor_area: FieldName,
}

/// `[layers.parks.fields]`: column names of the park layer; all optional,
/// each defaulting to its own key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParkFields {
    /// Park name.
    pub name: FieldName,
    /// Star rating, 1–5.
    pub star: FieldName,
    /// Performance grade, A–D.
    pub grade: FieldName,
    /// Year the park opened (a park opened in the target year is new; one
    /// opening after the report date's year is planned).
    pub opened: FieldName,
    /// Built or not: 已建成 / 在建 / 规划 (`done`, `in_progress`,
    /// `planned`); a park not built is planned supply.
    pub status: FieldName,
    /// Room for new firms (可入驻面积), m²; else the floor area less what
    /// its present firms use.
    pub vacant_m2: FieldName,
    /// GB/T 4754 code prefixes of the industries it takes (入驻行业),
    /// separated by commas; empty: any.
    pub industries: FieldName,
}

/// `[layers.vacated.fields]`: column names of the vacated-land records;
/// each defaults to its own key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacatedFields {
    /// Record id; required.
    pub id: FieldName,
    /// `planned`, `in_progress` or `done` (or 计划 / 实施中 / 已完成);
    /// required.
    pub status: FieldName,
    /// Date the land was vacated (optional; a `done` record without one
    /// fails the `undated` check).
    pub done_date: FieldName,
    /// Area claimed in the ledger, mu: compared, never trusted (optional).
    pub claimed_mu: FieldName,
    /// Township code (optional); else taken from the parcels (ZLDWDM) or
    /// the townships layer.
    pub township: FieldName,
}

/// `[layers.townships.fields]`, `[layers.counties.fields]`: column names
/// of an administrative-division layer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DivisionFields {
    /// The division's code, as the first digits of ZLDWDM: 9 for a
    /// township, 6 for a county; default `code`; required.
    pub code: FieldName,
    /// Its name (optional); default `name`.
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
    /// `name`: the group's id in `summary.json` and the outputs' `groups`
    /// (e.g. `village_small_low`); unique among the groups.
    pub name: String,
    /// `label`: the Chinese name products show (default: `name`).
    pub label: Option<String>,
    /// `label_en`: the English name products show (default: `name`).
    pub label_en: Option<String>,
    /// `all`: the predicates that must all hold (none: every enterprise).
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
    /// `name`: what is done with a target the rule matches.
    pub disposition: Disposition,
    /// `all`: the predicates that must all hold (none: always matches).
    pub all: Vec<Predicate>,
}

/// The `[rules]` table: the district's thresholds and how targets are
/// chosen and dealt with. Every key is optional; the defaults are Xiuzhou
/// district's 2020 criteria. The key in the file is the field's name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// DLBM codes of industrial land (三调 0601 工业用地); at least one.
    /// Default `["0601"]`.
    pub industrial_codes: Vec<String>,
    /// DLBM codes on which an enterprise has legal land: industrial,
    /// mining, logistics and warehousing. Default
    /// `["0601", "0602", "0508"]`.
    pub legal_codes: Vec<String>,
    /// CZCSXM prefixes meaning "village area" (203 村庄, 203A). Default
    /// `["203"]`.
    pub village_settlement_prefixes: Vec<String>,
    /// Industrial parcels this close (metres on the ground) form one block;
    /// vacated land is grouped the same way. Default 10.
    pub cluster_gap_m: f64,
    /// A village industrial block under this many mu is scattered
    /// (ellipsoidal area). Default 5.
    pub scattered_max_mu: f64,
    /// Annual revenue (万元) below which a firm is below designated size
    /// (规模以下, predicate `below_scale`). Default 2000 (20 million yuan).
    pub scale_revenue_wan: f64,
    /// Relative difference |measured − TBMJ| / TBMJ above which a parcel
    /// is reported (`area_mismatches.csv`). Default 0.01 (1 %).
    pub area_tolerance: f64,
    /// Tax per mu (万元) under which land is "低产田" to be remediated
    /// (predicate `tax_per_mu_under_1`). Default 1 (10 000 yuan).
    pub tax_per_mu_remediate_wan: f64,
    /// Tax per mu (万元) under which an upgrade must start
    /// (predicate `tax_per_mu_under_3`). Default 3 (30 000 yuan).
    pub tax_per_mu_upgrade_wan: f64,
    /// GB/T 4754 code prefixes of the six key industries (printing and
    /// dyeing, weaving, chemicals, chemical fibres, paper, flat glass;
    /// predicate `key_industry`). Default `["1712", "1713", "1722", "1723",
    /// "1732", "1733", "1742", "1743", "1751", "1752", "26", "28", "22",
    /// "3041"]`.
    pub key_industries: Vec<String>,
    /// Target groups as the file gives them (read into `target`).
    #[serde(rename = "target")]
    target_spec: Vec<RuleSpec>,
    /// Dispositions as the file gives them (read into `disposition`).
    #[serde(rename = "disposition")]
    disposition_spec: Vec<RuleSpec>,
    /// `[[rules.target]]`: target groups; an enterprise is a target when
    /// any group matches. Listing any replaces the six default groups
    /// (`village_small_low`, `d_three_years`, `no_legal_land`,
    /// `outside_plan`, `protected`, `low_yield`).
    #[serde(skip)]
    pub target: Vec<TargetGroup>,
    /// `[[rules.disposition]]`: dispositions for targets, first match
    /// wins. Listing any replaces the defaults, which end in `upgrade`
    /// with no predicate (always matches).
    #[serde(skip)]
    pub disposition: Vec<DispositionRule>,
    /// A park whose floor-area ratio is under this is flagged
    /// (`far_below_min`). Default 1.2.
    pub min_park_far: f64,
    /// An industrial parcel whose floor-area ratio is under this is
    /// low-density (提档升级 candidate). Default 0.6.
    pub min_parcel_far: f64,
    /// Vacated land counts as effective only in contiguous blocks of at
    /// least this many mu (after removing protected land). Default 5.
    pub effective_min_block_mu: f64,
    /// Vacated blocks of at least this many mu count towards the
    /// contiguity rate. Default 50.
    pub contiguity_block_mu: f64,
    /// Relative difference |claimed − measured| / measured above which a
    /// vacated record is reported (`claim_mismatch`). Default 0.03.
    pub claim_tolerance: f64,
    /// Overlaps between vacated records smaller than this (m²) are
    /// digitising slivers, not double claims. Default 1.
    pub overlap_min_m2: f64,
    /// Share of a vacated record's area lying on no parcel above which it
    /// is reported (`outside`). Default 0.05.
    pub outside_tolerance: f64,
    /// `[rules.placement]`: how targets are placed into parks.
    pub placement: PlacementRules,
}

/// `[rules.placement]`: which targets seek a park and which parks they may
/// go to (入园安置). Every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlacementRules {
    /// A firm moves at most this far, km on the ellipsoid from where it
    /// stands to the park. Default 15 (a county's reach: a workforce that
    /// can still commute).
    pub max_move_km: f64,
    /// A move out of the firm's own township counts this many km more when
    /// choosing (a preference, not a ban; the distances reported are the
    /// real ones). Default 0: townships do not matter.
    pub other_township_km: f64,
    /// Whether a firm may move into a park in another county (of a project
    /// spanning several). Default false: a county places its own firms in
    /// its own parks (their land, tax and park are the county's), so a
    /// county's own run places them as the project does.
    pub across_counties: bool,
    /// The floor-area ratio a firm's land is taken at when neither the
    /// ledger (`floor_m2`) nor buildings on its parcel tell its floor area:
    /// demand = land × this. Default 1.0 (one storey covering the plot,
    /// the village workshop).
    pub demand_far: f64,
    /// Dispositions as the file names them (read into `seek`).
    #[serde(rename = "seek")]
    seek_spec: Vec<String>,
    /// Predicates as the file names them (read into `exclude`).
    #[serde(rename = "exclude")]
    exclude_spec: Vec<String>,
    /// `seek`: the dispositions whose firms seek a park, in priority order:
    /// every firm of the first is placed before any of the next gets the
    /// room left. A placed firm becomes `into_park`; an unplaced one
    /// falls to its next disposition. Default `["into_park",
    /// "relocate"]`.
    #[serde(skip)]
    pub seek: Vec<Disposition>,
    /// `exclude`: a firm for which any of these predicates holds goes into
    /// no park. Default `["key_industry"]` (the polluting key industries
    /// are closed or moved out, never into a multi-storey park).
    #[serde(skip)]
    pub exclude: Vec<Predicate>,
}

impl Default for PlacementRules {
    fn default() -> Self {
        PlacementRules {
            max_move_km: 15.0,
            other_township_km: 0.0,
            across_counties: false,
            demand_far: 1.0,
            seek_spec: strings(&["into_park", "relocate"]),
            exclude_spec: strings(&["key_industry"]),
            // read from the specs, as the file's are (`Rules::read_specs`)
            seek: Vec::new(),
            exclude: Vec::new(),
        }
    }
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
                rule("into_park", &["scattered_plot"]),
                rule("into_park", &["no_legal_land"]),
                rule("relocate", &["outside_plan"]),
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
            placement: PlacementRules::default(),
        };
        let problems = rules.read_specs(Path::new(""));
        debug_assert!(problems.is_empty(), "{problems:?}");
        rules
    }
}

/// The `[targets]` table: the year's goals, in the district and
/// optionally per township. Each key is the field's name (and
/// [`Goal::name`]); the defaults are Xiuzhou's 2020 goals. Goals must be
/// positive.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    /// The target year: parks opened in it are new; default the report
    /// date's year.
    pub year: Option<i32>,
    /// Gross vacated land (腾退), mu. Default 2000.
    pub vacated_mu: f64,
    /// Effective vacated land (有效面积), mu. Default 1500.
    pub effective_mu: f64,
    /// Remediated targets (enterprises and workshops), status `done`.
    /// Default 400.
    pub remediated: f64,
    /// Of which enterprises (a company's credit code, `91…`). Default 200.
    pub remediated_enterprises: f64,
    /// Done targets whose disposition is `upgrade`. Default 150.
    pub upgraded: f64,
    /// Parks opened in the target year. Default 5.
    pub new_parks: f64,
    /// Floor area of those parks, m². Default 250 000.
    pub new_park_floor_m2: f64,
    /// Done targets whose disposition is `into_park`. Default 200.
    pub into_parks: f64,
    /// Goals per 9-digit township code, e.g.
    /// `[targets.townships.330411101]`; default none.
    pub townships: std::collections::BTreeMap<String, LocalGoals>,
    /// Goals per 6-digit county code, e.g. `[targets.counties.330411]`,
    /// for a project spanning several counties; default none.
    pub counties: std::collections::BTreeMap<String, LocalGoals>,
    /// In a county's own run (`tudi run --county`), that county's goals:
    /// they replace the district's (only those it gives are tracked).
    #[serde(skip)]
    pub own_county: Option<LocalGoals>,
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
            counties: Default::default(),
            own_county: None,
        }
    }
}

impl Targets {
    /// The goals of the run's whole area: the district's, or in a
    /// county's own run that county's.
    pub fn whole(&self) -> Vec<(Goal, f64)> {
        match &self.own_county {
            Some(goals) => goals.named(),
            None => self.named().to_vec(),
        }
    }

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

/// A township's or a county's goals (`[targets.townships.<code>]`,
/// `[targets.counties.<code>]`): only those given are tracked; each means
/// what the district goal of the same key means, counted in the township
/// or county.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalGoals {
    /// The division's name, used where its layer gives none.
    pub name: Option<String>,
    /// Gross vacated land, mu.
    pub vacated_mu: Option<f64>,
    /// Effective vacated land, mu.
    pub effective_mu: Option<f64>,
    /// Remediated targets, status `done`.
    pub remediated: Option<f64>,
    /// Of which enterprises (credit code `91…`).
    pub remediated_enterprises: Option<f64>,
    /// Done targets whose disposition is `upgrade`.
    pub upgraded: Option<f64>,
    /// Parks opened in the target year.
    pub new_parks: Option<f64>,
    /// Floor area of those parks, m².
    pub new_park_floor_m2: Option<f64>,
    /// Done targets whose disposition is `into_park`.
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
        for (level, list) in [("townships", &self.townships), ("counties", &self.counties)] {
            for (code, goals) in list {
                for (goal, value) in goals.named() {
                    check(format!("targets.{level}.{code}.{}", goal.name()), value);
                }
            }
        }
        for code in self.counties.keys() {
            if !crate::model::is_county_code(code) {
                problems.push(Problem {
                    at: Location::file(file).field(format!("targets.counties.{code}")),
                    message: "a county code is 6 digits (the first 6 of ZLDWDM)".into(),
                });
            }
        }
        problems
    }
}

impl LocalGoals {
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
    /// `parcel` places the rows of a ledger; no other layer takes it.
    fn parcel_problems(&self, file: &Path) -> Vec<Problem> {
        let l = self;
        [
            ("parcels", l.parcels.parcel.is_some()),
            (
                "villages",
                l.villages.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            ("plan", l.plan.as_ref().is_some_and(|s| s.parcel.is_some())),
            (
                "protected",
                l.protected.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "boundary",
                l.boundary.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "buildings",
                l.buildings.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "parks",
                l.parks.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "vacated",
                l.vacated.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "townships",
                l.townships.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
            (
                "counties",
                l.counties.as_ref().is_some_and(|s| s.parcel.is_some()),
            ),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(key, _)| Problem {
            at: Location::file(file).field(format!("layers.{key}.parcel")),
            message: "only the enterprises layer is placed on parcels by a parcel column".into(),
        })
        .collect()
    }

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
            ("counties", l.counties.as_ref().map(|s| &s.encoding)),
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

    /// Parses project-file text as if it were read from `path`. Every
    /// problem (unknown key, bad value, unknown predicate…) is reported
    /// at once, each with its place in the file.
    ///
    /// ```
    /// use std::path::Path;
    /// use tudi_core::config::Project;
    /// let text = r#"
    ///     [project]
    ///     as_of = "2020-12-31"
    ///     [layers.parcels]
    ///     path = "parcels.gpkg"
    ///     [rules]
    ///     scattered_max_mu = 3
    /// "#;
    /// let p = Project::parse(text, Path::new("/data/xiuzhou/project.toml")).unwrap();
    /// assert_eq!(p.layers.parcels.path, Path::new("/data/xiuzhou/parcels.gpkg"));
    /// assert_eq!(p.project.as_of.to_string(), "2020-12-31");
    /// assert_eq!(p.rules.scattered_max_mu, 3.0);
    /// // everything not given has its documented default
    /// assert_eq!(p.rules.cluster_gap_m, 10.0);
    /// assert_eq!(p.rules.target.len(), 6);
    /// assert_eq!(p.targets.vacated_mu, 2000.0);
    ///
    /// let bad = "[layers.parcels]\npath = \"p.gpkg\"\n[rules]\ncluster_gap_m = -1\n";
    /// let err = Project::parse(bad, Path::new("project.toml")).unwrap_err();
    /// assert!(err.is_input());
    /// assert_eq!(
    ///     err.to_string(),
    ///     "file project.toml, field rules.cluster_gap_m: must be a non-negative number, not -1"
    /// );
    /// ```
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
        problems.extend(project.layers.parcel_problems(path));
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
        let placement = &mut self.placement;
        placement.seek = placement
            .seek_spec
            .iter()
            .filter_map(|name| {
                let d = Disposition::from_name(name);
                if d.is_none() {
                    say(
                        "placement.seek".into(),
                        format!(
                            "unknown disposition '{name}'; known: {}",
                            Disposition::ALL.map(|d| d.name()).join(", ")
                        ),
                    );
                }
                d
            })
            .collect();
        placement.exclude = placement
            .exclude_spec
            .iter()
            .filter_map(|name| {
                let p = Predicate::from_name(name);
                if p.is_none() {
                    say(
                        "placement.exclude".into(),
                        format!("unknown predicate '{name}'; known predicates: {known}"),
                    );
                }
                p
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
            ("placement.max_move_km", self.placement.max_move_km),
            (
                "placement.other_township_km",
                self.placement.other_township_km,
            ),
            ("placement.demand_far", self.placement.demand_far),
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
        let err = parse(
            "[layers.parcels]\npath = \"p\"\n[targets.counties.330411]\nvacated_mu = 0\n[targets.counties.3304111]\nvacated_mu = 5\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("field targets.counties.330411.vacated_mu"),
            "{err}"
        );
        assert!(
            err.contains("field targets.counties.3304111") && err.contains("6 digits"),
            "{err}"
        );
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
    fn only_the_enterprises_are_placed_by_a_parcel_column() {
        let p = parse(
            "[layers.parcels]\npath = \"p.shp\"\n[layers.enterprises]\npath = \"e.xlsx\"\nparcel = \"图斑编号\"\n",
        )
        .unwrap();
        assert_eq!(
            p.layers.enterprises.unwrap().parcel.as_deref(),
            Some("图斑编号")
        );
        let err = parse("[layers.parcels]\npath = \"p.shp\"\n[layers.parks]\npath = \"k.shp\"\nparcel = \"BSM\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("field layers.parks.parcel: only the enterprises layer"),
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
