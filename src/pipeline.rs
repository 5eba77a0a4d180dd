//! The whole run: load → measure → index → analyse → write. The CLI is a
//! thin layer over [`analyse`] and [`write_outputs`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::blocks::{self, BlockRules, Blocks};
use crate::analysis::enterprises::{self, Assessment, Context};
use crate::analysis::parcels::{self, AreaMismatch};
use crate::analysis::predicates::Predicate;
use crate::config::Project;
use crate::error::{Problem, Result};
use crate::geodesy::{m2_to_mu, EqualArea};
use crate::index::{PolygonIndex, ZoneIndex};
use crate::load;
use crate::model::Model;
use crate::write::geojson::{write_collection, Prop, Shape};
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
    pub in_village: Vec<bool>,
    pub blocks: Blocks,
    pub assessments: Vec<Assessment>,
    pub area_mismatches: Vec<AreaMismatch>,
    pub timings: Vec<(Stage, Duration)>,
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

    on_stage(Stage::Measure);
    let projection = parcels::projection_for(model.parcels.par_iter().map(|p| &p.geometry));
    parcels::measure(&mut model.parcels, &projection);
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
    lap(Stage::Analyse, &mut timings);

    Ok(Outcome {
        project,
        model,
        projection,
        in_village,
        blocks,
        assessments,
        area_mismatches,
        timings,
    })
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// Named counts that keep their first-seen order.
#[derive(Debug, Default, PartialEq)]
pub struct Counts(pub Vec<(String, usize)>);

impl Counts {
    pub fn add(&mut self, name: &str, n: usize) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v += n,
            None => self.0.push((name.to_string(), n)),
        }
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    pub project: String,
    pub parcels: ParcelSummary,
    pub blocks: BlockSummary,
    pub scattered: ScatteredSummary,
    pub enterprises: EnterpriseSummary,
    pub warnings: Vec<String>,
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
    pub fn is_industrial(&self, parcel: usize) -> bool {
        self.blocks.block_of[parcel].is_some()
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
        let mut warnings: Vec<String> =
            self.model.warnings.iter().map(Problem::to_string).collect();
        if !self.area_mismatches.is_empty() {
            warnings.push(format!(
                "{} parcels differ from their official area (TBMJ) by more than {}%: see area_mismatches.csv",
                self.area_mismatches.len(),
                rules.area_tolerance * 100.0
            ));
        }
        let unlocated = self
            .assessments
            .iter()
            .filter(|a| a.parcel.is_none())
            .count();
        if unlocated > 0 {
            warnings.push(format!(
                "{unlocated} enterprises stand in no parcel (unlocated): their parcel predicates are false"
            ));
        }
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
            warnings,
        }
    }
}

fn mu(m2: f64) -> Prop {
    Prop::Num(m2_to_mu(m2), 4)
}

/// Writes every output into `out` (atomically) and returns the files.
pub fn write_outputs(o: &Outcome, out: &Path) -> Result<Vec<PathBuf>> {
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    let mut staging = Staging::new(out)?;

    let summary = o.summary();
    staging.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
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
            ];
            for p in Predicate::ALL {
                props.push((p.name(), Prop::Bool(a.facts.has(p))));
            }
            props.extend([
                ("land_mu", Prop::opt_num(a.land_mu, 4)),
                ("tax_per_mu", Prop::opt_num(a.tax_per_mu, 4)),
                ("target", Prop::Bool(a.is_target())),
                ("groups", Prop::Strs(group_names(a))),
                ("disposition", Prop::opt_str(disposition_name(a).as_deref())),
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
                "credit_code_valid",
            ],
            o.model
                .enterprises
                .iter()
                .zip(&o.assessments)
                .filter(|(_, a)| a.is_target())
                .map(|(e, a)| {
                    let parcel = a.parcel.map(|p| &parcels[p]);
                    let opt = |v: Option<f64>, d: usize| v.map(|v| fixed(v, d)).unwrap_or_default();
                    vec![
                        e.credit_code.clone(),
                        e.name.clone(),
                        e.industry.clone(),
                        parcel
                            .and_then(|p| p.township())
                            .unwrap_or_default()
                            .to_string(),
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
                        e.credit_code_valid.to_string(),
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

    crate::write::maps::write(&mut staging, o, None)?;
    staging.commit()
}
