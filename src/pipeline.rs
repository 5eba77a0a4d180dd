//! The whole run: load → measure → index → analyse → write. The CLI is a
//! thin layer over [`analyse`] and [`write_outputs`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use std::collections::BTreeMap;

use crate::analysis::blocks::{self, BlockRules, Blocks};
use crate::analysis::enterprises::{self, Assessment, Context};
use crate::analysis::far::{self, Far, FarRules};
use crate::analysis::parcels::{self, AreaMismatch};
use crate::analysis::predicates::Predicate;
use crate::analysis::targets::{self, TargetReport};
use crate::analysis::townships::Places;
use crate::analysis::vacated::{self, Vacated, VacatedContext, VacatedRules};
use crate::config::Project;
use crate::date::Date;
use crate::error::{Error, Problem, Result};
use crate::geodesy::{m2_to_mu, EqualArea};
use crate::index::{PolygonIndex, ZoneIndex};
use crate::load;
use crate::model::{id_order, Model, Progress};
use crate::write::geojson::{write_collection, Prop, Shape};
use crate::write::land::TownshipRow;
use crate::write::report::ReportOptions;
use crate::write::{csv_with_bom, fixed, Staging};

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
    /// The township table, summed on first use (the CSV, the ledgers, the
    /// map and the report all read it).
    township_table: std::sync::OnceLock<Vec<TownshipRow>>,
    /// The maps' frame, found on first use (the report's map and the QGIS
    /// layout both frame it).
    frame: std::sync::OnceLock<Option<geo::Rect<f64>>>,
}

/// Runs every analysis on a project. `on_stage` hears of each stage as it
/// starts.
pub fn analyse(project: Project, on_stage: &mut dyn FnMut(Stage)) -> Result<Outcome> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: Stage, timings: &mut Vec<(Stage, Duration)>| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };

    on_stage(Stage::Read);
    let mut model = load::load(&project)?;
    lap(Stage::Read, &mut timings);

    let as_of = match &project.project.as_of {
        Some(d) => Date::parse(d).expect("checked when the project was read"),
        None => Date::today(),
    };
    let year = project.targets.year.unwrap_or(as_of.year);

    on_stage(Stage::Measure);
    let parcel_bounds = parcels::bounds(model.parcels.par_iter().map(|p| &p.geometry));
    let projection = parcels::projection_over(parcel_bounds);
    parcels::measure(&mut model.parcels, &projection);
    if let Some(b) = model.buildings.as_mut() {
        far::measure_buildings(b, &projection);
    }
    if let Some(parks) = model.parks.as_mut() {
        parks
            .par_iter_mut()
            .for_each(|p| p.area_m2 = projection.multi_polygon_area(&p.geometry));
    }
    if let Some(v) = model.vacated.as_mut() {
        vacated::measure(v, &projection);
    }
    let area_mismatches = parcels::area_mismatches(&model.parcels, project.rules.area_tolerance);
    lap(Stage::Measure, &mut timings);

    on_stage(Stage::Index);
    let (parcel_index, (villages, (plan, protected))) = rayon::join(
        || PolygonIndex::new(model.parcels.iter().map(|p| &p.geometry)),
        || {
            rayon::join(
                || model.villages.as_deref().map(ZoneIndex::new),
                || {
                    rayon::join(
                        || model.plan.as_deref().map(ZoneIndex::new),
                        || model.protected.as_deref().map(ZoneIndex::new),
                    )
                },
            )
        },
    );
    lap(Stage::Index, &mut timings);

    on_stage(Stage::Analyse);
    let rules = &project.rules;
    let in_village = parcels::in_village(
        &model.parcels,
        villages.as_ref(),
        &rules.village_settlement_prefixes,
    );
    let blocks = blocks::blocks(
        &model.parcels,
        &in_village,
        &projection,
        &BlockRules {
            industrial_codes: &rules.industrial_codes,
            cluster_gap_m: rules.cluster_gap_m,
            scattered_max_mu: rules.scattered_max_mu,
        },
    );
    let assessments = enterprises::assess(
        &model,
        &Context {
            parcel_index: &parcel_index,
            in_village: &in_village,
            scattered: &blocks.scattered,
            plan: plan.as_ref(),
            protected: protected.as_ref(),
        },
        rules,
    );

    let parks = model.parks.as_deref().unwrap_or(&[]);
    let far = far::far(
        &model.parcels,
        &parcel_index,
        &blocks,
        model.buildings.as_deref(),
        parks,
        &model.enterprises,
        &projection,
        &FarRules {
            min_park_far: rules.min_park_far,
            min_parcel_far: rules.min_parcel_far,
        },
    );
    let places = Places::new(model.townships.as_deref(), &project.targets);
    let township_at = |c: geo::Coord<f64>, parcel: Option<usize>| -> Option<String> {
        parcel
            .and_then(|p| model.parcels[p].township())
            .or_else(|| places.township_at(c))
            .map(String::from)
    };
    let enterprise_township: Vec<Option<String>> = model
        .enterprises
        .iter()
        .zip(&assessments)
        .map(|(e, a)| township_at(e.location, a.parcel))
        .collect();
    let park_township: Vec<Option<String>> = parks
        .iter()
        .map(|p| {
            let c = geo::InteriorPoint::interior_point(&p.geometry)?.0;
            let parcel = parcel_index
                .containing(|i| &model.parcels[i].geometry, c)
                .min_by(|&a, &b| id_order(&model.parcels[a].id, &model.parcels[b].id));
            township_at(c, parcel)
        })
        .collect();
    let disposition_names: Vec<String> = rules.disposition.iter().map(|d| d.name.clone()).collect();
    let vacated = model.vacated.as_deref().map(|records| {
        // An enterprise marked done has been dealt with: on vacated land
        // that means it has left. Pending ones still stand where they are.
        let standing: Vec<bool> = model
            .enterprises
            .iter()
            .map(|e| e.status != Some(Progress::Done))
            .collect();
        vacated::vacated(
            records,
            &VacatedContext {
                parcels: &model.parcels,
                parcel_index: &parcel_index,
                protected: model.protected.as_deref(),
                enterprises: &model.enterprises,
                standing: &standing,
                places: &places,
                projection: &projection,
            },
            &VacatedRules {
                cluster_gap_m: rules.cluster_gap_m,
                effective_min_block_mu: rules.effective_min_block_mu,
                contiguity_block_mu: rules.contiguity_block_mu,
                claim_tolerance: rules.claim_tolerance,
                overlap_min_m2: rules.overlap_min_m2,
                outside_tolerance: rules.outside_tolerance,
            },
        )
    });
    let target_report = targets::report(&targets::Inputs {
        targets: &project.targets,
        year,
        as_of,
        enterprises: &model.enterprises,
        assessments: &assessments,
        dispositions: &disposition_names,
        enterprise_township: &enterprise_township,
        parks,
        park_stats: &far.parks,
        floor_areas_known: model.buildings.is_some(),
        park_township: &park_township,
        vacated: vacated.as_ref(),
    });
    let township_names: BTreeMap<String, String> = places
        .known_codes()
        .filter_map(|c| places.name(c).map(|n| (c.to_string(), n.to_string())))
        .collect();
    lap(Stage::Analyse, &mut timings);

    Ok(Outcome {
        project,
        model,
        projection,
        parcel_bounds,
        in_village,
        blocks,
        assessments,
        area_mismatches,
        far,
        vacated,
        targets: target_report,
        enterprise_township,
        park_township,
        township_names,
        as_of,
        year,
        timings,
        township_table: Default::default(),
        frame: Default::default(),
    })
}

// `+ 0.0` turns a rounded -0 into 0.
fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4 + 0.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0 + 0.0
}

fn standings(list: &[(&'static str, targets::Standing)]) -> Ordered<StandingSummary> {
    Ordered(
        list.iter()
            .map(|(name, s)| {
                (
                    name.to_string(),
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
    /// One row per township (see [`crate::write::land::township_rows`]).
    pub fn township_rows(&self) -> &[TownshipRow] {
        self.township_table
            .get_or_init(|| crate::write::land::township_rows(self))
    }

    /// The extent maps of the run frame (see [`crate::write::map::map_extent`]).
    pub fn map_frame(&self) -> Option<geo::Rect<f64>> {
        *self
            .frame
            .get_or_init(|| crate::write::map::map_extent(self))
    }

    pub fn is_industrial(&self, parcel: usize) -> bool {
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
        for r in &rules.disposition {
            by_disposition.add(&r.name, 0);
        }
        for a in &self.assessments {
            for &g in &a.groups {
                by_group.add(&rules.target[g].name, 1);
            }
            if let Some(d) = a.disposition {
                by_disposition.add(&rules.disposition[d].name, 1);
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

fn mu(m2: f64) -> Prop {
    Prop::Num(m2_to_mu(m2), 4)
}

/// Writes every output into `out` as one set, the report in Chinese.
pub fn write_outputs(o: &Outcome, out: &Path) -> Result<Vec<PathBuf>> {
    let staging = Staging::guarding(out, &o.project.inputs(), &mut |_| {})?;
    write_outputs_with(o, staging, &ReportOptions::default())
}

/// Writes every output into `staging` and commits it: the files replace
/// the output folder's as one set (see [`Staging`]). Returns the files.
pub fn write_outputs_with(
    o: &Outcome,
    staging: Staging,
    report: &ReportOptions,
) -> Result<Vec<PathBuf>> {
    let summary = o.summary();
    // Each product is its own set of files: they are written side by side.
    let (core, (land, (ledgers, (maps, report)))) = rayon::join(
        || write_core(o, &staging, &summary),
        || {
            rayon::join(
                || crate::write::land::write_land_outputs(o, &staging),
                || {
                    rayon::join(
                        || write_ledgers(o, &staging),
                        || {
                            rayon::join(
                                || {
                                    crate::write::maps::write(
                                        &staging,
                                        o,
                                        o.model.boundary.as_deref(),
                                        report.lang,
                                    )
                                },
                                || {
                                    crate::write::report::write_report(
                                        o, &summary, report, &staging,
                                    )
                                },
                            )
                        },
                    )
                },
            )
        },
    );
    core.and(land).and(ledgers).and(maps).and(report)?;
    staging.commit()
}

fn write_ledgers(o: &Outcome, staging: &Staging) -> Result<()> {
    let xlsx = crate::write::ledgers::ledgers(o).map_err(|e| Error::Write {
        path: staging.dir().join("ledgers.xlsx"),
        source: std::io::Error::other(e.to_string()),
    })?;
    staging.write("ledgers.xlsx", |w| w.write_all(&xlsx))
}

/// summary.json and the core issue's GeoJSON and CSV outputs.
fn write_core(o: &Outcome, staging: &Staging, summary: &Summary) -> Result<()> {
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    staging.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, summary)?;
        w.write_all(b"\n")
    })?;

    let scattered: Vec<usize> = (0..parcels.len())
        .filter(|&i| o.blocks.scattered[i])
        .collect();
    staging.write("scattered_parcels.geojson", |w| {
        write_collection(w, scattered.len(), |k| {
            let p = &parcels[scattered[k]];
            let b = &o.blocks.blocks
                [o.blocks.block_of[scattered[k]].expect("scattered parcels are industrial")];
            (
                Shape::Polygons(&p.geometry),
                vec![
                    ("id", Prop::Str(p.id.clone())),
                    ("dlbm", Prop::Str(p.landuse.clone())),
                    ("village", Prop::opt_str(p.village.as_deref())),
                    ("township", Prop::opt_str(p.township())),
                    ("area_mu", mu(p.area_m2)),
                    ("block_id", Prop::Int(b.id as i64)),
                    ("block_mu", mu(b.area_m2)),
                ],
            )
        })
    })?;

    staging.write("blocks.geojson", |w| {
        write_collection(w, o.blocks.blocks.len(), |k| {
            let b = &o.blocks.blocks[k];
            (
                Shape::Polygons(&b.geometry),
                vec![
                    ("block_id", Prop::Int(b.id as i64)),
                    ("area_mu", mu(b.area_m2)),
                    ("parcels", Prop::Int(b.parcels.len() as i64)),
                    ("in_village", Prop::Bool(b.in_village)),
                    ("scattered", Prop::Bool(b.scattered)),
                    (
                        "floor_area_m2",
                        Prop::opt_num(o.far.blocks.get(k).map(|d| d.floor_area_m2), 2),
                    ),
                    (
                        "far",
                        Prop::opt_num(o.far.blocks.get(k).map(|d| d.far()), 4),
                    ),
                ],
            )
        })
    })?;

    let group_names = |a: &Assessment| -> Vec<String> {
        a.groups
            .iter()
            .map(|&g| rules.target[g].name.clone())
            .collect()
    };
    let disposition_name =
        |a: &Assessment| a.disposition.map(|d| rules.disposition[d].name.clone());
    let duplicate_rows =
        |a: &Assessment| -> Vec<String> { a.duplicate_rows.iter().map(usize::to_string).collect() };
    let grades = |e: &crate::model::Enterprise| {
        e.grades
            .iter()
            .map(|g| g.letter().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };

    staging.write("enterprises.geojson", |w| {
        write_collection(w, o.model.enterprises.len(), |k| {
            let (e, a) = (&o.model.enterprises[k], &o.assessments[k]);
            let mut props = vec![
                ("credit_code", Prop::Str(e.credit_code.clone())),
                ("credit_code_valid", Prop::Bool(e.credit_code_valid)),
                ("name", Prop::Str(e.name.clone())),
                ("industry", Prop::Str(e.industry.clone())),
                ("grades", Prop::Str(grades(e))),
                (
                    "parcel_id",
                    Prop::opt_str(a.parcel.map(|p| parcels[p].id.as_str())),
                ),
                ("unlocated", Prop::Bool(a.parcel.is_none())),
                (
                    "township",
                    Prop::opt_str(o.enterprise_township[k].as_deref()),
                ),
            ];
            for p in Predicate::ALL {
                props.push((p.name(), Prop::Bool(a.facts.has(p))));
            }
            props.extend([
                ("land_mu", Prop::opt_num(a.land_mu, 4)),
                ("tax_per_mu", Prop::opt_num(a.tax_per_mu, 4)),
                ("target", Prop::Bool(a.is_target())),
                (
                    "duplicate_of",
                    a.duplicate_of.map_or(Prop::Null, |f| Prop::Int(f as i64)),
                ),
                ("duplicate_rows", Prop::Strs(duplicate_rows(a))),
                ("groups", Prop::Strs(group_names(a))),
                ("disposition", Prop::opt_str(disposition_name(a).as_deref())),
                (
                    "status",
                    Prop::opt_str(e.status.map(|s| s.enterprise_name())),
                ),
                (
                    "deadline",
                    Prop::opt_str(e.deadline.map(|d| d.to_string()).as_deref()),
                ),
                (
                    "overdue",
                    Prop::Bool(o.targets.overdue.binary_search(&k).is_ok()),
                ),
            ]);
            (Shape::Point(e.location), props)
        })
    })?;

    staging.write("targets.csv", |w| {
        csv_with_bom(
            w,
            &[
                "credit_code",
                "name",
                "industry",
                "township",
                "village",
                "parcel_id",
                "dlbm",
                "lon",
                "lat",
                "revenue_wan",
                "tax_wan",
                "land_mu",
                "tax_per_mu",
                "grades",
                "groups",
                "disposition",
                "status",
                "deadline",
                "overdue",
                "credit_code_valid",
                "duplicate_rows",
            ],
            o.model
                .enterprises
                .iter()
                .zip(&o.assessments)
                .enumerate()
                .filter(|(_, (_, a))| a.is_target())
                .map(|(k, (e, a))| {
                    let parcel = a.parcel.map(|p| &parcels[p]);
                    let opt = |v: Option<f64>, d: usize| v.map(|v| fixed(v, d)).unwrap_or_default();
                    vec![
                        e.credit_code.clone(),
                        e.name.clone(),
                        e.industry.clone(),
                        o.enterprise_township[k].clone().unwrap_or_default(),
                        parcel.and_then(|p| p.village.clone()).unwrap_or_default(),
                        parcel.map(|p| p.id.clone()).unwrap_or_default(),
                        parcel.map(|p| p.landuse.clone()).unwrap_or_default(),
                        fixed(e.location.x, 7),
                        fixed(e.location.y, 7),
                        opt(e.revenue_wan, 2),
                        opt(e.tax_wan, 2),
                        opt(a.land_mu, 4),
                        opt(a.tax_per_mu, 4),
                        grades(e),
                        group_names(a).join(";"),
                        disposition_name(a).unwrap_or_default(),
                        e.status
                            .map(|s| s.enterprise_name())
                            .unwrap_or_default()
                            .to_string(),
                        e.deadline.map(|d| d.to_string()).unwrap_or_default(),
                        o.targets.overdue.binary_search(&k).is_ok().to_string(),
                        e.credit_code_valid.to_string(),
                        duplicate_rows(a).join(";"),
                    ]
                }),
        )
    })?;

    staging.write("area_mismatches.csv", |w| {
        csv_with_bom(
            w,
            &[
                "id",
                "dlbm",
                "village",
                "measured_m2",
                "official_m2",
                "difference_percent",
            ],
            o.area_mismatches.iter().map(|m| {
                let p = &parcels[m.parcel];
                vec![
                    p.id.clone(),
                    p.landuse.clone(),
                    p.village.clone().unwrap_or_default(),
                    fixed(m.measured_m2, 2),
                    fixed(m.official_m2, 2),
                    fixed(m.relative * 100.0, 3),
                ]
            }),
        )
    })?;

    Ok(())
}
