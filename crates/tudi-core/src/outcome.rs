//! What a run found ([`Outcome`], made by [`crate::analysis::run`]) and
//! its figures as `summary.json` gives them ([`Summary`]). Every product
//! is written from these; nothing here writes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::analysis::blocks::Blocks;
use crate::analysis::enterprises::{Assessment, Disposition};
use crate::analysis::far::{self, Far};
use crate::analysis::parcels::AreaMismatch;
use crate::analysis::targets::{self, Goal, TargetReport};
use crate::analysis::townships::{CrossBorder, DivisionRow, Level};
use crate::analysis::vacated::{self, Vacated};
use crate::config::Project;
use crate::date::Date;
use crate::error::Problem;
use crate::geodesy::{m2_to_mu, EqualArea};
use crate::model::{Model, Progress};

/// The stages a run goes through, for progress and timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the project file and the layers (tudi-read).
    Read,
    /// Measuring every polygon on the ellipsoid.
    Measure,
    /// Building the R-trees.
    Index,
    /// Running the analyses.
    Analyse,
    /// Placing targets into parks (a part of the analyses, timed apart).
    Place,
    /// Writing the products (tudi-write).
    Write,
}

impl Stage {
    /// The stage's name as progress messages and `--timings` show it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Measure => "measure",
            Stage::Index => "index",
            Stage::Analyse => "analyse",
            Stage::Place => "place",
            Stage::Write => "write",
        }
    }
}

/// Everything a run found.
///
/// Per-feature vectors are in model order: `x[i]` is about the `i`-th
/// item of the matching list in [`Outcome::model`].
pub struct Outcome {
    /// The project the run answered: its rules and goals.
    pub project: Project,
    /// The loaded layers, measured (every `area_m2` and `footprint_m2` set).
    pub model: Model,
    /// The Albers equal-area projection fitted to the parcels' extent (a
    /// Jiaxing one without parcels), in which areas, unions and clipping
    /// were computed.
    pub projection: EqualArea,
    /// The extent of every parcel, CGCS2000 lon/lat degrees (`None`
    /// without parcels).
    pub parcel_bounds: Option<geo::Rect<f64>>,
    /// Per parcel: in a village area (CZCSXM prefix, else the villages
    /// layer).
    pub in_village: Vec<bool>,
    /// Contiguous industrial blocks and the scattered plots among them.
    pub blocks: Blocks,
    /// Per enterprise: where it stands, its predicates, groups and
    /// disposition.
    pub assessments: Vec<Assessment>,
    /// Parcels whose measured area differs from TBMJ by more than
    /// `area_tolerance`, in model order.
    pub area_mismatches: Vec<AreaMismatch>,
    /// Floor-area ratios of industrial parcels, blocks and parks.
    pub far: Far,
    /// The placement plan (入园安置方案); `None` without a parks layer, when
    /// dispositions stay as the rules gave them.
    pub placement: Option<crate::analysis::placement::Plan>,
    /// Present when the project has a vacated layer.
    pub vacated: Option<Vacated>,
    /// The vacated land once the plan is carried out: the records and the
    /// parcels the plan empties (land only, no checks; see
    /// [`crate::analysis::targets`]); `None` when there is neither.
    pub projected_vacated: Option<Vacated>,
    /// Progress against the year's goals, and the overdue targets.
    pub targets: TargetReport,
    /// Per enterprise: its township code, when known (its parcel's ZLDWDM,
    /// else the townships layer).
    pub enterprise_township: Vec<Option<String>>,
    /// Per park: its township code, when known, found as for enterprises
    /// at an interior point of the park.
    pub park_township: Vec<Option<String>>,
    /// Township names by code, from the townships layer or the targets.
    pub township_names: BTreeMap<String, String>,
    /// County names by code, from the counties layer or the targets.
    pub county_names: BTreeMap<String, String>,
    /// The report date: deadlines before it are overdue.
    pub as_of: Date,
    /// The target year (`targets.year`, else the report date's): parks
    /// opened in it are new.
    pub year: i32,
    /// Wall time of each stage, in run order; [`crate::analysis::run`]
    /// records Measure, Index and Analyse, the caller adds Read and
    /// Write. Never written to a product.
    pub timings: Vec<(Stage, Duration)>,
    /// The parts the parcels were read in (1: all at once). Never written
    /// to a product: the products are the same however they were read.
    pub read_in: usize,
    /// One row per township met in the data, the townships layer or the
    /// targets, then a row with no code for things whose township is
    /// unknown: `townships.csv`, the ledgers, the map and the report all
    /// read it.
    pub townships: Vec<DivisionRow>,
    /// The same per county, when the project spans more than one (met in
    /// the data, the counties layer or the targets); else empty.
    pub counties: Vec<DivisionRow>,
    /// The blocks across county borders, when there is a county table.
    pub cross_border: CrossBorder,
}

// `+ 0.0` turns a rounded -0 into 0.
fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4 + 0.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0 + 0.0
}

fn standings(list: &[(Goal, targets::Standing)]) -> Ordered<StandingSummary> {
    Ordered(
        list.iter()
            .map(|(goal, s)| {
                (
                    goal.name().to_string(),
                    StandingSummary {
                        target: s.target,
                        achieved: s.achieved.map(round4),
                        progress: s.progress.map(round4),
                        projected: s.projected.map(round4),
                        projected_progress: s.projected_progress.map(round4),
                    },
                )
            })
            .collect(),
    )
}

/// A map that keeps its insertion order when serialised (the order the
/// project file lists groups, dispositions and goals in).
#[derive(Debug, PartialEq)]
pub struct Ordered<V>(
    /// The entries, key and value, in the order they serialise.
    pub Vec<(String, V)>,
);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Named counts that keep their first-seen order.
pub type Counts = Ordered<usize>;

impl Counts {
    /// Adds `n` to `name`'s count, appending `name` if it is new.
    ///
    /// ```
    /// use tudi_core::outcome::Counts;
    /// let mut c = Counts::default();
    /// c.add("close", 0);
    /// c.add("upgrade", 2);
    /// c.add("close", 1);
    /// assert_eq!(c.0, [("close".to_string(), 1), ("upgrade".to_string(), 2)]);
    /// ```
    pub fn add(&mut self, name: &str, n: usize) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v += n,
            None => self.0.push((name.to_string(), n)),
        }
    }
}

/// `summary.json`: a run's headline figures. Areas are ellipsoidal, in mu
/// rounded to 4 decimals or m² to 2; ratios to 4 decimals.
#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    /// `project.name` of the project file.
    pub project: String,
    /// In a county's own run (`tudi run --county`), the county's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// The land parcels.
    pub parcels: ParcelSummary,
    /// The contiguous industrial blocks.
    pub blocks: BlockSummary,
    /// The scattered village industrial plots.
    pub scattered: ScatteredSummary,
    /// The enterprises, their target groups and dispositions.
    pub enterprises: EnterpriseSummary,
    /// The report date (deadlines), ISO `YYYY-MM-DD`.
    pub as_of: String,
    /// The target year (new parks).
    pub year: i32,
    /// Floor-area ratio of industrial land; `null` without buildings.
    pub far: Option<FarSummary>,
    /// The micro-enterprise parks (zeros without a parks layer).
    pub parks: ParkSummary,
    /// The placement of targets into parks; `null` without a parks layer.
    pub placement: Option<PlacementSummary>,
    /// The vacated land; `null` without a vacated layer.
    pub vacated: Option<VacatedSummary>,
    /// Every goal of the year: `{target, achieved, progress}`.
    pub targets: Ordered<StandingSummary>,
    /// Goals set per township, by township code.
    pub township_targets: BTreeMap<String, Ordered<StandingSummary>>,
    /// Goals set per county, by county code; left out when none are set.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub county_targets: BTreeMap<String, Ordered<StandingSummary>>,
    /// Each county's figures, when the project spans several (else left
    /// out); the row of things whose county is unknown has code "".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counties: Vec<DivisionSummary>,
    /// Blocks across county borders, with the county table (else left
    /// out): a county's own run cuts them at its border.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_border: Option<CrossBorderSummary>,
    /// Targets not done whose deadline has passed (限时销号).
    pub overdue: usize,
    /// Every warning of the run, one per line, none grouped
    /// ([`Outcome::warnings`] with `all`).
    pub warnings: Vec<String>,
}

/// `summary.json`'s `cross_border`: how many blocks cross a county
/// border.
#[derive(Debug, Serialize, PartialEq)]
pub struct CrossBorderSummary {
    /// Industrial blocks with parcels in two counties or more.
    pub blocks: usize,
    /// Vacated blocks with records in two counties or more.
    pub vacated_blocks: usize,
}

/// `summary.json`'s `counties`: one county's figures, areas in mu.
#[derive(Debug, Serialize, PartialEq)]
pub struct DivisionSummary {
    /// 6-digit county code; "" on the unknown row.
    pub code: String,
    /// Its name, when known.
    pub name: String,
    /// Parcels in it.
    pub parcels: usize,
    /// Their ellipsoidal area.
    pub area_mu: f64,
    /// Of which industrial.
    pub industrial_parcels: usize,
    /// Of which scattered village industrial plots.
    pub scattered_parcels: usize,
    /// Their area.
    pub scattered_mu: f64,
    /// Enterprises in it.
    pub enterprises: usize,
    /// Of which targets.
    pub targets: usize,
    /// Targets whose status is `done`.
    pub targets_done: usize,
    /// Targets not done whose deadline has passed.
    pub overdue: usize,
    /// Parks in it.
    pub parks: usize,
    /// Their land.
    pub park_land_mu: f64,
    /// Its firms the placement plan puts into a park.
    pub placed: usize,
    /// Vacated records in it, any status.
    pub vacated_records: usize,
    /// Gross vacated land (the union of its `done` records).
    pub vacated_gross_mu: f64,
    /// Of which in effective blocks.
    pub vacated_effective_mu: f64,
    /// The county's vacated-land goal, when set.
    pub vacated_target_mu: Option<f64>,
}

impl Outcome {
    /// The division table at `level`, the unknown row included.
    pub fn divisions(&self, level: Level) -> &[DivisionRow] {
        match level {
            Level::Township => &self.townships,
            Level::County => &self.counties,
        }
    }
}

impl DivisionSummary {
    fn of(r: &DivisionRow) -> DivisionSummary {
        let mu = |m2: f64| round4(m2_to_mu(m2));
        let v = r.vacated.clone().unwrap_or_default();
        DivisionSummary {
            code: r.code.clone(),
            name: r.name.clone(),
            parcels: r.parcels,
            area_mu: mu(r.area_m2),
            industrial_parcels: r.industrial_parcels,
            scattered_parcels: r.scattered_parcels,
            scattered_mu: mu(r.scattered_m2),
            enterprises: r.enterprises,
            targets: r.targets,
            targets_done: r.targets_done,
            overdue: r.overdue,
            parks: r.parks,
            park_land_mu: mu(r.park_land_m2),
            placed: r.placed,
            vacated_records: v.records,
            vacated_gross_mu: mu(v.gross_m2),
            vacated_effective_mu: mu(v.effective_m2),
            vacated_target_mu: r.vacated_target_mu,
        }
    }
}

/// `summary.json`'s `far`: built density of the industrial land.
#[derive(Debug, Serialize, PartialEq)]
pub struct FarSummary {
    /// Buildings in the buildings layer.
    pub buildings: usize,
    /// Industrial parcels (DLBM in `industrial_codes`).
    pub industrial_parcels: usize,
    /// Floor area standing on industrial parcels, m².
    pub industrial_floor_area_m2: f64,
    /// Total floor area / total land of the industrial parcels.
    pub industrial_aggregate_far: f64,
    /// Industrial parcels under `min_parcel_far`.
    pub low_density_parcels: usize,
    /// Their area, mu.
    pub low_density_mu: f64,
    /// Floor area of the parts of buildings standing on no parcel, m².
    pub unplaced_floor_area_m2: f64,
}

/// `summary.json`'s `parks`: the micro-enterprise parks together.
#[derive(Debug, Serialize, PartialEq)]
pub struct ParkSummary {
    /// Parks in the parks layer.
    pub count: usize,
    /// Their land, mu.
    pub land_mu: f64,
    /// Floor area standing on them, m² (0 without buildings).
    pub floor_area_m2: f64,
    /// Total floor area / total land.
    pub aggregate_far: f64,
    /// Mean of the parks' own FARs.
    pub mean_far: f64,
    /// Parks under `min_park_far`.
    pub below_min: usize,
    /// Enterprises standing in a park.
    pub enterprises: usize,
    /// Parks opened in the target year.
    pub opened_in_year: usize,
    /// Parks not yet open on the report date (planned supply).
    pub planned: usize,
}

/// `summary.json`'s `placement`: the targets that sought a park
/// (入园安置方案).
#[derive(Debug, Serialize, PartialEq)]
pub struct PlacementSummary {
    /// Targets that sought a park.
    pub sought: usize,
    /// Of which placed.
    pub placed: usize,
    /// Of which not placed.
    pub unplaced: usize,
    /// Unplaced firms by reason, every reason listed.
    pub by_reason: Counts,
    /// Total geodesic move distance of the placed firms, km.
    pub distance_km: f64,
    /// The cost made least: the distance plus `other_township_km` per move
    /// out of a firm's township, km.
    pub cost_km: f64,
    /// A lower bound on that cost for as many firms placed, km.
    pub lower_bound_km: f64,
    /// `(cost − bound) / cost`.
    pub gap: f64,
    /// Every tier's assignment proved optimal.
    pub proved_optimal: bool,
    /// Room in the parks before placement, m² (planned parks included).
    pub room_m2: f64,
    /// Of which in planned parks, m².
    pub planned_room_m2: f64,
    /// Floor area placed, m².
    pub placed_m2: f64,
    /// Floor area of new parks still needed for the `into_park` firms
    /// left without a park (no room, reach or industry), m².
    pub new_floor_needed_m2: f64,
}

/// `summary.json`'s `vacated`: the vacated land (腾退) and its checks.
#[derive(Debug, Serialize, PartialEq)]
pub struct VacatedSummary {
    /// Records in the vacated layer, any status.
    pub records: usize,
    /// Of which `done`.
    pub done: usize,
    /// Gross vacated land: the union of the `done` records, mu.
    pub gross_mu: f64,
    /// Effective land (有效面积): usable land in blocks of at least
    /// `effective_min_block_mu`, mu.
    pub effective_mu: f64,
    /// Share of the gross land in blocks of at least `contiguity_block_mu`.
    pub contiguity_rate: f64,
    /// Land of the `planned` records (their union), mu.
    pub planned_mu: f64,
    /// Land of the `in_progress` records (their union), mu.
    pub in_progress_mu: f64,
    /// Gross land inside protected zones, mu.
    pub protected_mu: f64,
    /// Contiguous blocks of usable vacated land.
    pub blocks: usize,
    /// Of which effective.
    pub effective_blocks: usize,
    /// Pairs of overlapping records.
    pub overlaps: usize,
    /// Land of those overlaps, mu (summed over pairs).
    pub overlap_mu: f64,
    /// Records whose claimed area differs from the measured one beyond
    /// `claim_tolerance`.
    pub claim_mismatches: usize,
    /// Done records with enterprises still on them.
    pub occupied: usize,
    /// Distinct enterprises standing on done records.
    pub occupying_enterprises: usize,
    /// Done records without a `done_date`.
    pub undated: usize,
    /// Records with more than `outside_tolerance` of their area on no parcel.
    pub outside: usize,
}

/// One goal in `summary.json`: `{target, achieved, progress}`.
#[derive(Debug, Serialize, PartialEq)]
pub struct StandingSummary {
    /// The goal, in its unit (mu, m², firms or parks).
    pub target: f64,
    /// What the data shows achieved; `null` when the data cannot tell
    /// (e.g. no vacated layer, or a ledger without `status`).
    pub achieved: Option<f64>,
    /// `achieved / target` (1 = reached), 4 decimals.
    pub progress: Option<f64>,
    /// What the plan delivers once carried out (see
    /// [`crate::analysis::targets`]); `null` when the data cannot tell.
    pub projected: Option<f64>,
    /// `projected / target`, 4 decimals.
    pub projected_progress: Option<f64>,
}

/// `summary.json`'s `parcels`.
#[derive(Debug, Serialize, PartialEq)]
pub struct ParcelSummary {
    /// Parcels in the parcel layer.
    pub count: usize,
    /// Their measured area, mu.
    pub area_mu: f64,
    /// Their measured area, m² (2 decimals).
    pub area_m2: f64,
    /// Industrial parcels (DLBM in `industrial_codes`).
    pub industrial: usize,
    /// Of which in a village area.
    pub village_industrial: usize,
    /// Parcels whose measured area differs from TBMJ beyond the tolerance.
    pub area_mismatches: usize,
}

/// `summary.json`'s `blocks`: the contiguous industrial blocks.
#[derive(Debug, Serialize, PartialEq)]
pub struct BlockSummary {
    /// Number of blocks.
    pub count: usize,
    /// Their dissolved area, mu (overlaps counted once).
    pub area_mu: f64,
}

/// `summary.json`'s `scattered`: the scattered village industrial plots.
#[derive(Debug, Serialize, PartialEq)]
pub struct ScatteredSummary {
    /// Scattered parcels.
    pub parcels: usize,
    /// Blocks holding at least one scattered parcel.
    pub blocks: usize,
    /// Measured area of the scattered parcels, mu.
    pub area_mu: f64,
}

/// `summary.json`'s `enterprises`.
#[derive(Debug, Serialize, PartialEq)]
pub struct EnterpriseSummary {
    /// Rows of the enterprise ledger.
    pub count: usize,
    /// Enterprises standing in no parcel (their parcel predicates are
    /// false).
    pub unlocated: usize,
    /// Enterprises in at least one target group.
    pub targets: usize,
    /// Targets per group, in the order the project file lists the groups
    /// (a target may be in several).
    pub by_group: Counts,
    /// Targets per disposition, in the order the rules first name each.
    pub by_disposition: Counts,
    /// Rows whose credit code fails the GB 32100 check.
    pub invalid_credit_codes: usize,
}

impl Outcome {
    /// Targets per disposition (after placement), every disposition of
    /// the rules in the order the rules first name it.
    pub fn disposition_counts(&self) -> Vec<(Disposition, usize)> {
        let mut counts: Vec<(Disposition, usize)> = Vec::new();
        for r in &self.project.rules.disposition {
            if !counts.iter().any(|(d, _)| *d == r.disposition) {
                counts.push((r.disposition, 0));
            }
        }
        // placement may give a disposition the rules never name
        // (`relocate` firms placed in a park are `into_park`)
        for d in self.assessments.iter().filter_map(|a| a.disposition) {
            match counts.iter_mut().find(|(x, _)| *x == d) {
                Some((_, n)) => *n += 1,
                None => counts.push((d, 1)),
            }
        }
        counts
    }

    pub(crate) fn is_industrial(&self, parcel: usize) -> bool {
        self.blocks.block_of[parcel].is_some()
    }

    /// Every warning of the run, in words: the layers' (files named from
    /// the project file's folder; unless `all`, many alike as one line),
    /// then the analyses'.
    pub fn warnings(&self, all: bool) -> Vec<String> {
        let rules = &self.project.rules;
        // paths as seen from the project file: the summary travels
        let relative: Vec<Problem> = self
            .model
            .warnings
            .iter()
            .map(|w| {
                let mut w = w.clone();
                w.at.file = w.at.file.map(|f| self.project.relative(&f));
                w
            })
            .collect();
        let mut warnings = crate::error::lines(&relative, all);
        if !self.area_mismatches.is_empty() {
            warnings.push(format!(
                "{} parcels differ from their official area (TBMJ) by more than {}%: see area_mismatches.csv",
                self.area_mismatches.len(),
                rules.area_tolerance * 100.0
            ));
        }
        if let Some(v) = &self.vacated {
            let failing = v
                .records
                .iter()
                .filter(|r| !r.failed_checks().is_empty())
                .count();
            if failing > 0 {
                warnings.push(format!(
                    "{failing} vacated-land records fail a check (overlap, claim, occupied, undated or outside): see vacated_checks.csv"
                ));
            }
        }
        let unlocated = self.unlocated();
        if unlocated > 0 {
            warnings.push(format!(
                "{unlocated} enterprises stand in no parcel (unlocated): their parcel predicates are false"
            ));
        }
        warnings
    }

    /// Enterprises in no parcel.
    fn unlocated(&self) -> usize {
        self.assessments
            .iter()
            .filter(|a| a.parcel.is_none())
            .count()
    }

    /// The figures of `summary.json`.
    pub fn summary(&self) -> Summary {
        let parcels = &self.model.parcels;
        let rules = &self.project.rules;
        let sum = |it: &mut dyn Iterator<Item = f64>| it.fold(0.0, |a, b| a + b);
        let area_m2 = sum(&mut parcels.iter().map(|p| p.area_m2));
        let industrial = (0..parcels.len())
            .filter(|&i| self.is_industrial(i))
            .count();
        let village_industrial = (0..parcels.len())
            .filter(|&i| self.is_industrial(i) && self.in_village[i])
            .count();
        let scattered: Vec<usize> = (0..parcels.len())
            .filter(|&i| self.blocks.scattered[i])
            .collect();
        let mut by_group = Counts::default();
        let mut by_disposition = Counts::default();
        for r in &rules.target {
            by_group.add(&r.name, 0);
        }
        for (d, n) in self.disposition_counts() {
            by_disposition.add(d.name(), n);
        }
        for a in &self.assessments {
            for &g in &a.groups {
                by_group.add(&rules.target[g].name, 1);
            }
        }
        let warnings = self.warnings(true);
        let unlocated = self.unlocated();
        Summary {
            project: self.project.project.name.clone(),
            county: self.project.county.clone(),
            parcels: ParcelSummary {
                count: parcels.len(),
                area_mu: round4(m2_to_mu(area_m2)),
                area_m2: (area_m2 * 100.0).round() / 100.0,
                industrial,
                village_industrial,
                area_mismatches: self.area_mismatches.len(),
            },
            blocks: BlockSummary {
                count: self.blocks.blocks.len(),
                area_mu: round4(m2_to_mu(sum(&mut self
                    .blocks
                    .blocks
                    .iter()
                    .map(|b| b.area_m2)))),
            },
            scattered: ScatteredSummary {
                parcels: scattered.len(),
                blocks: self.blocks.blocks.iter().filter(|b| b.scattered).count(),
                area_mu: round4(m2_to_mu(sum(&mut scattered
                    .iter()
                    .map(|&i| parcels[i].area_m2)))),
            },
            enterprises: EnterpriseSummary {
                count: self.assessments.len(),
                unlocated,
                targets: self.assessments.iter().filter(|a| a.is_target()).count(),
                by_group,
                by_disposition,
                invalid_credit_codes: self
                    .model
                    .enterprises
                    .iter()
                    .filter(|e| !e.credit_code_valid)
                    .count(),
            },
            as_of: self.as_of.to_string(),
            year: self.year,
            far: self.far_summary(),
            parks: self.park_summary(),
            placement: self.placement_summary(),
            vacated: self.vacated_summary(),
            targets: standings(&self.targets.district),
            township_targets: self
                .targets
                .townships
                .iter()
                .map(|(code, list)| (code.clone(), standings(list)))
                .collect(),
            county_targets: self
                .targets
                .counties
                .iter()
                .map(|(code, list)| (code.clone(), standings(list)))
                .collect(),
            counties: self.counties.iter().map(DivisionSummary::of).collect(),
            cross_border: (!self.counties.is_empty()).then_some(CrossBorderSummary {
                blocks: self.cross_border.blocks.len(),
                vacated_blocks: self.cross_border.vacated_blocks.len(),
            }),
            overdue: self.targets.overdue.len(),
            warnings,
        }
    }

    fn far_summary(&self) -> Option<FarSummary> {
        let buildings = self.model.buildings.as_ref()?;
        let industrial: Vec<&far::Density> = self.far.parcels.iter().map(|(_, d)| d).collect();
        let land: f64 = industrial.iter().map(|d| d.land_m2).sum();
        let floor: f64 = industrial.iter().map(|d| d.floor_area_m2).sum();
        let parcels = &self.model.parcels;
        Some(FarSummary {
            buildings: buildings.len(),
            industrial_parcels: industrial.len(),
            industrial_floor_area_m2: round2(floor),
            industrial_aggregate_far: round4(if land > 0.0 { floor / land } else { 0.0 }),
            low_density_parcels: self.far.low_density.len(),
            low_density_mu: round4(m2_to_mu(
                self.far
                    .low_density
                    .iter()
                    .map(|&i| parcels[i].area_m2)
                    .sum(),
            )),
            unplaced_floor_area_m2: round2(self.far.unplaced_floor_area_m2),
        })
    }

    fn park_summary(&self) -> ParkSummary {
        let t = &self.far.park_totals;
        let parks = self.model.parks.as_deref().unwrap_or(&[]);
        ParkSummary {
            count: t.count,
            land_mu: round4(m2_to_mu(t.land_m2)),
            floor_area_m2: round2(t.floor_area_m2),
            aggregate_far: round4(t.aggregate_far),
            mean_far: round4(t.mean_far),
            below_min: t.below_min,
            enterprises: self.far.parks.iter().map(|p| p.enterprises.len()).sum(),
            opened_in_year: parks.iter().filter(|p| p.opened == Some(self.year)).count(),
            planned: parks.iter().filter(|p| p.planned(self.as_of)).count(),
        }
    }

    fn placement_summary(&self) -> Option<PlacementSummary> {
        let plan = self.placement.as_ref()?;
        let mut by_reason = Counts::default();
        for (r, n) in plan.by_reason() {
            by_reason.add(r.name(), n);
        }
        let km = |m: f64| round4(m / 1000.0);
        let room = |planned: bool| {
            plan.parks
                .iter()
                .filter(|p| planned || !p.planned)
                .map(|p| p.room_m2)
                .sum::<f64>()
        };
        let all_room = room(true);
        Some(PlacementSummary {
            sought: plan.moves.len(),
            placed: plan.placed,
            unplaced: plan.moves.len() - plan.placed,
            by_reason,
            distance_km: km(plan.distance_m),
            cost_km: km(plan.cost_m),
            lower_bound_km: km(plan.lower_bound_m),
            gap: round4(plan.gap),
            proved_optimal: plan.proved_optimal,
            room_m2: round2(all_room),
            planned_room_m2: round2(all_room - room(false)),
            placed_m2: round2(plan.parks.iter().map(|p| p.placed_m2).sum()),
            new_floor_needed_m2: round2(plan.new_floor_needed_m2),
        })
    }

    fn vacated_summary(&self) -> Option<VacatedSummary> {
        let v = self.vacated.as_ref()?;
        let records = self.model.vacated.as_deref().unwrap_or(&[]);
        let count = |f: &dyn Fn(&vacated::RecordFindings) -> bool| {
            v.records.iter().filter(|r| f(r)).count()
        };
        let mu4 = |m2: f64| round4(m2_to_mu(m2));
        Some(VacatedSummary {
            records: records.len(),
            done: records
                .iter()
                .filter(|r| r.status == Progress::Done)
                .count(),
            gross_mu: mu4(v.gross_m2),
            effective_mu: mu4(v.effective_m2),
            contiguity_rate: round4(v.contiguity_rate),
            planned_mu: mu4(v.planned_m2),
            in_progress_mu: mu4(v.in_progress_m2),
            protected_mu: mu4(v.protected_m2),
            blocks: v.blocks.len(),
            effective_blocks: v.blocks.iter().filter(|b| b.effective).count(),
            overlaps: v.overlaps.len(),
            overlap_mu: mu4(v.overlaps.iter().map(|o| o.area_m2).sum()),
            claim_mismatches: count(&|r| r.claim_mismatch),
            occupied: count(&|r| !r.occupants.is_empty()),
            occupying_enterprises: {
                let mut e: Vec<usize> = v
                    .records
                    .iter()
                    .flat_map(|r| r.occupants.iter().copied())
                    .collect();
                e.sort_unstable();
                e.dedup();
                e.len()
            },
            undated: count(&|r| r.undated),
            outside: count(&|r| r.outside),
        })
    }
}
