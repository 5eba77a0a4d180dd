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
use crate::analysis::townships::TownshipRow;
use crate::analysis::vacated::{self, Vacated};
use crate::config::Project;
use crate::date::Date;
use crate::error::Problem;
use crate::geodesy::{m2_to_mu, EqualArea};
use crate::model::{Model, Progress};

/// The stages a run goes through, for progress and timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Read,
    Measure,
    Index,
    Analyse,
    Write,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Measure => "measure",
            Stage::Index => "index",
            Stage::Analyse => "analyse",
            Stage::Write => "write",
        }
    }
}

/// Everything a run found.
pub struct Outcome {
    pub project: Project,
    pub model: Model,
    pub projection: EqualArea,
    /// The extent of every parcel (`None` without parcels).
    pub parcel_bounds: Option<geo::Rect<f64>>,
    pub in_village: Vec<bool>,
    pub blocks: Blocks,
    pub assessments: Vec<Assessment>,
    pub area_mismatches: Vec<AreaMismatch>,
    pub far: Far,
    /// Present when the project has a vacated layer.
    pub vacated: Option<Vacated>,
    pub targets: TargetReport,
    /// Per enterprise and per park: the township code, when known.
    pub enterprise_township: Vec<Option<String>>,
    pub park_township: Vec<Option<String>>,
    /// Township names known from the townships layer or the targets.
    pub township_names: BTreeMap<String, String>,
    /// The report date and the target year.
    pub as_of: Date,
    pub year: i32,
    pub timings: Vec<(Stage, Duration)>,
    /// One row per township (see [`crate::analysis::townships::table`]):
    /// the CSV, the ledgers, the map and the report all read it.
    pub townships: Vec<TownshipRow>,
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
                    },
                )
            })
            .collect(),
    )
}

/// A map that keeps its insertion order when serialised (the order the
/// project file lists groups, dispositions and goals in).
#[derive(Debug, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

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
    pub fn add(&mut self, name: &str, n: usize) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v += n,
            None => self.0.push((name.to_string(), n)),
        }
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    pub project: String,
    pub parcels: ParcelSummary,
    pub blocks: BlockSummary,
    pub scattered: ScatteredSummary,
    pub enterprises: EnterpriseSummary,
    /// The report date (deadlines) and the target year (new parks).
    pub as_of: String,
    pub year: i32,
    /// Floor-area ratio of industrial land; `null` without buildings.
    pub far: Option<FarSummary>,
    pub parks: ParkSummary,
    /// `null` without a vacated layer.
    pub vacated: Option<VacatedSummary>,
    /// Every goal of the year: `{target, achieved, progress}`.
    pub targets: Ordered<StandingSummary>,
    /// Goals set per township, by township code.
    pub township_targets: BTreeMap<String, Ordered<StandingSummary>>,
    /// Targets not done whose deadline has passed (限时销号).
    pub overdue: usize,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct FarSummary {
    pub buildings: usize,
    pub industrial_parcels: usize,
    pub industrial_floor_area_m2: f64,
    /// Total floor area / total land of the industrial parcels.
    pub industrial_aggregate_far: f64,
    /// Industrial parcels under `min_parcel_far`.
    pub low_density_parcels: usize,
    pub low_density_mu: f64,
    /// Floor area of buildings standing on no parcel.
    pub unplaced_floor_area_m2: f64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ParkSummary {
    pub count: usize,
    pub land_mu: f64,
    pub floor_area_m2: f64,
    /// Total floor area / total land.
    pub aggregate_far: f64,
    /// Mean of the parks' own FARs.
    pub mean_far: f64,
    /// Parks under `min_park_far`.
    pub below_min: usize,
    pub enterprises: usize,
    pub opened_in_year: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct VacatedSummary {
    pub records: usize,
    pub done: usize,
    pub gross_mu: f64,
    pub effective_mu: f64,
    /// Share of the gross land in blocks of at least `contiguity_block_mu`.
    pub contiguity_rate: f64,
    pub planned_mu: f64,
    pub in_progress_mu: f64,
    /// Gross land inside protected zones.
    pub protected_mu: f64,
    pub blocks: usize,
    pub effective_blocks: usize,
    /// Pairs of overlapping records.
    pub overlaps: usize,
    pub overlap_mu: f64,
    pub claim_mismatches: usize,
    /// Done records with enterprises still on them.
    pub occupied: usize,
    pub occupying_enterprises: usize,
    pub undated: usize,
    pub outside: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct StandingSummary {
    pub target: f64,
    pub achieved: Option<f64>,
    pub progress: Option<f64>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ParcelSummary {
    pub count: usize,
    pub area_mu: f64,
    pub area_m2: f64,
    pub industrial: usize,
    pub village_industrial: usize,
    /// Parcels whose measured area differs from TBMJ beyond the tolerance.
    pub area_mismatches: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct BlockSummary {
    pub count: usize,
    pub area_mu: f64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ScatteredSummary {
    pub parcels: usize,
    pub blocks: usize,
    pub area_mu: f64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct EnterpriseSummary {
    pub count: usize,
    pub unlocated: usize,
    pub targets: usize,
    /// Counts in the order the project file lists the groups.
    pub by_group: Counts,
    pub by_disposition: Counts,
    pub invalid_credit_codes: usize,
}

impl Outcome {
    /// Targets per disposition, every disposition of the rules in the
    /// order the rules first name it.
    pub fn disposition_counts(&self) -> Vec<(Disposition, usize)> {
        let mut counts: Vec<(Disposition, usize)> = Vec::new();
        for r in &self.project.rules.disposition {
            if !counts.iter().any(|(d, _)| *d == r.disposition) {
                counts.push((r.disposition, 0));
            }
        }
        for d in self.assessments.iter().filter_map(|a| a.disposition) {
            if let Some((_, n)) = counts.iter_mut().find(|(x, _)| *x == d) {
                *n += 1;
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
            vacated: self.vacated_summary(),
            targets: standings(&self.targets.district),
            township_targets: self
                .targets
                .townships
                .iter()
                .map(|(code, list)| (code.clone(), standings(list)))
                .collect(),
            overdue: self.targets.overdue.len(),
            warnings,
        }
    }

    fn far_summary(&self) -> Option<FarSummary> {
        let buildings = self.model.buildings.as_ref()?;
        let industrial: Vec<&far::Density> = self.far.parcels.iter().flatten().collect();
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
        }
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
