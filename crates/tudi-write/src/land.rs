//! The outputs of the parks, floor-area and vacated-land analyses: parks,
//! vacated records and blocks, low-density parcels (GeoJSON); industrial
//! parcels' FAR, the vacated-land checks, the time line and the township
//! table (CSV with BOM). Every file is written on every run, empty when
//! its layer is missing, so a folder never mixes two runs.

use tudi_core::analysis::vacated::{Check, RecordFindings};
use tudi_core::error::Result;
use tudi_core::geodesy::m2_to_mu;
use tudi_core::model::Progress;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{self, CheckDetail, Lang, Term};

use super::geojson::{write_collection, Prop, Shape};
use super::{csv_with_bom, fixed, grouped, percent, Staging};

fn mu(m2: f64) -> Prop {
    Prop::Num(m2_to_mu(m2), 4)
}

fn opt_mu(m2: Option<f64>) -> String {
    m2.map(|v| fixed(m2_to_mu(v), 4)).unwrap_or_default()
}

/// Writes the issue-3 outputs into the staging folder.
pub fn write_land_outputs(o: &Outcome, staging: &Staging) -> Result<()> {
    write_parks(o, staging)?;
    write_far(o, staging)?;
    write_vacated(o, staging)?;
    write_townships(o, staging)
}

fn write_parks(o: &Outcome, staging: &Staging) -> Result<()> {
    let parks = o.model.parks.as_deref().unwrap_or(&[]);
    let known = o.model.buildings.is_some();
    let min = o.project.rules.min_park_far;
    staging.write("parks.geojson", |w| {
        write_collection(w, parks.len(), |k| {
            let (p, s) = (&parks[k], &o.far.parks[k]);
            let d = &s.density;
            (
                Shape::Polygons(&p.geometry),
                vec![
                    ("name", Prop::Str(p.name.clone())),
                    ("township", Prop::opt_str(o.park_township[k].as_deref())),
                    ("star", p.star.map_or(Prop::Null, |s| Prop::Int(s.into()))),
                    (
                        "grade",
                        p.grade
                            .map_or(Prop::Null, |g| Prop::Str(g.letter().to_string())),
                    ),
                    (
                        "opened",
                        p.opened.map_or(Prop::Null, |y| Prop::Int(y.into())),
                    ),
                    ("new", Prop::Bool(p.opened == Some(o.year))),
                    ("land_mu", mu(p.area_m2)),
                    (
                        "floor_area_m2",
                        Prop::opt_num(known.then_some(d.floor_area_m2), 2),
                    ),
                    ("far", Prop::opt_num(known.then(|| d.far()), 4)),
                    (
                        "building_density",
                        Prop::opt_num(known.then(|| d.coverage()), 4),
                    ),
                    ("buildings", Prop::Int(d.buildings as i64)),
                    ("enterprises", Prop::Int(s.enterprises.len() as i64)),
                    ("tax_wan", Prop::Num(s.tax_wan, 2)),
                    ("tax_per_mu", Prop::opt_num(s.tax_per_mu, 4)),
                    ("min_far", Prop::Num(min, 2)),
                    ("far_below_min", Prop::Bool(s.far_below_min)),
                ],
            )
        })
    })
}

fn write_far(o: &Outcome, staging: &Staging) -> Result<()> {
    let parcels = &o.model.parcels;
    let block_id = |i: usize| o.blocks.block_of[i].map(|b| o.blocks.blocks[b].id);
    let low = &o.far.low_density;
    staging.write("low_density_parcels.geojson", |w| {
        write_collection(w, low.len(), |k| {
            let i = low[k];
            let (p, d) = (&parcels[i], o.far.parcels[i].unwrap_or_default());
            (
                Shape::Polygons(&p.geometry),
                vec![
                    ("id", Prop::Str(p.id.clone())),
                    ("dlbm", Prop::Str(p.landuse.clone())),
                    ("village", Prop::opt_str(p.village.as_deref())),
                    ("township", Prop::opt_str(p.township())),
                    ("area_mu", mu(p.area_m2)),
                    ("floor_area_m2", Prop::Num(d.floor_area_m2, 2)),
                    ("footprint_m2", Prop::Num(d.footprint_m2, 2)),
                    ("far", Prop::Num(d.far(), 4)),
                    ("building_density", Prop::Num(d.coverage(), 4)),
                    ("buildings", Prop::Int(d.buildings as i64)),
                    (
                        "block_id",
                        block_id(i).map_or(Prop::Null, |b| Prop::Int(b as i64)),
                    ),
                    ("scattered", Prop::Bool(o.blocks.scattered[i])),
                ],
            )
        })
    })?;
    let industrial: Vec<usize> = (0..parcels.len())
        .filter(|&i| o.far.parcels.get(i).is_some_and(|d| d.is_some()))
        .collect();
    let min = o.project.rules.min_parcel_far;
    staging.write("industrial_far.csv", |w| {
        csv_with_bom(
            w,
            &[
                "id",
                "dlbm",
                "township",
                "village",
                "block_id",
                "area_mu",
                "floor_area_m2",
                "footprint_m2",
                "far",
                "building_density",
                "buildings",
                "block_far",
                "low_density",
            ],
            industrial.iter().map(|&i| {
                let (p, d) = (&parcels[i], o.far.parcels[i].unwrap_or_default());
                let block = o.blocks.block_of[i];
                vec![
                    p.id.clone(),
                    p.landuse.clone(),
                    p.township().unwrap_or_default().to_string(),
                    p.village.clone().unwrap_or_default(),
                    block_id(i).map(|b| b.to_string()).unwrap_or_default(),
                    fixed(m2_to_mu(p.area_m2), 4),
                    fixed(d.floor_area_m2, 2),
                    fixed(d.footprint_m2, 2),
                    fixed(d.far(), 4),
                    fixed(d.coverage(), 4),
                    d.buildings.to_string(),
                    block
                        .map(|b| fixed(o.far.blocks[b].far(), 4))
                        .unwrap_or_default(),
                    (d.far() < min).to_string(),
                ]
            }),
        )
    })
}

fn write_vacated(o: &Outcome, staging: &Staging) -> Result<()> {
    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let empty = Default::default();
    let v = o.vacated.as_ref().unwrap_or(&empty);
    let block_ids = |f: &RecordFindings| -> Vec<String> {
        f.blocks
            .iter()
            .map(|&k| v.blocks[k].id.to_string())
            .collect()
    };
    let overlapping = |k: usize, f: &RecordFindings| -> Vec<String> {
        f.overlaps
            .iter()
            .map(|&x| {
                let ov = &v.overlaps[x];
                let other = if ov.a == k { ov.b } else { ov.a };
                records[other].id.clone()
            })
            .collect()
    };
    let ents = &o.model.enterprises;
    staging.write("vacated.geojson", |w| {
        write_collection(w, records.len(), |k| {
            let (r, f) = (&records[k], &v.records[k]);
            let checks = f.failed_checks();
            (
                Shape::Polygons(&r.geometry),
                vec![
                    ("id", Prop::Str(r.id.clone())),
                    ("status", Prop::Str(r.status.name().into())),
                    (
                        "done_date",
                        Prop::opt_str(r.done_date.map(|d| d.to_string()).as_deref()),
                    ),
                    ("township", Prop::opt_str(f.township.as_deref())),
                    ("claimed_mu", Prop::opt_num(r.claimed_mu, 4)),
                    ("measured_mu", mu(r.area_m2)),
                    ("effective_mu", mu(f.effective_m2)),
                    ("protected_mu", mu(f.protected_m2)),
                    ("outside_mu", mu(f.outside_m2)),
                    ("blocks", Prop::Strs(block_ids(f))),
                    (
                        "claim_difference_percent",
                        Prop::opt_num(f.claim_difference.map(|d| d * 100.0), 2),
                    ),
                    ("claim_mismatch", Prop::Bool(f.claim_mismatch)),
                    ("overlaps", Prop::Strs(overlapping(k, f))),
                    (
                        "occupants",
                        Prop::Strs(f.occupants.iter().map(|&e| ents[e].name.clone()).collect()),
                    ),
                    ("undated", Prop::Bool(f.undated)),
                    ("outside", Prop::Bool(f.outside)),
                    (
                        "checks",
                        Prop::Strs(checks.iter().map(|c| c.name().to_string()).collect()),
                    ),
                    (
                        "check",
                        Prop::Str(checks.first().map_or("ok", |c| c.name()).into()),
                    ),
                ],
            )
        })
    })?;

    staging.write("vacated_blocks.geojson", |w| {
        write_collection(w, v.blocks.len(), |k| {
            let b = &v.blocks[k];
            (
                Shape::Polygons(&b.geometry),
                vec![
                    ("block_id", Prop::Int(b.id as i64)),
                    ("area_mu", mu(b.area_m2)),
                    (
                        "records",
                        Prop::Strs(b.records.iter().map(|&r| records[r].id.clone()).collect()),
                    ),
                    ("effective", Prop::Bool(b.effective)),
                    ("contiguous", Prop::Bool(b.contiguous)),
                ],
            )
        })
    })?;

    let rows = vacated_check_rows(o);
    staging.write("vacated_checks.csv", |w| {
        csv_with_bom(
            w,
            &[
                "check",
                "record_id",
                "status",
                "other",
                "value",
                "unit",
                "detail",
            ],
            rows.iter().map(|r| {
                vec![
                    r.check.name().to_string(),
                    r.record.clone(),
                    r.status.name().to_string(),
                    r.other.clone(),
                    r.value.map(|v| fixed(v, r.decimals)).unwrap_or_default(),
                    r.unit.map_or("", |u| u.en).to_string(),
                    vocab::check_detail(&r.detail, Lang::En),
                ]
            }),
        )
    })?;

    let target = o.project.targets.vacated_mu;
    staging.write("timeline.csv", |w| {
        csv_with_bom(
            w,
            &[
                "month",
                "records",
                "added_mu",
                "cumulative_mu",
                "target_mu",
                "progress",
            ],
            v.timeline.iter().map(|m| {
                vec![
                    m.month.clone(),
                    m.records.to_string(),
                    fixed(m2_to_mu(m.added_m2), 4),
                    fixed(m2_to_mu(m.cumulative_m2), 4),
                    fixed(target, 2),
                    fixed(m2_to_mu(m.cumulative_m2) / target, 4),
                ]
            }),
        )
    })
}

/// One failed check of a vacated-land record, with its figures.
pub struct CheckRow {
    pub check: Check,
    pub record: String,
    pub status: Progress,
    /// The other record of an overlap, or the occupying firm's credit code.
    pub other: String,
    pub value: Option<f64>,
    pub decimals: usize,
    /// The value's unit: mu or percent ([`vocab::MU`], [`vocab::PERCENT`]).
    pub unit: Option<Term>,
    pub detail: CheckDetail,
}

/// Every failed check, grouped by check, records in id order.
pub fn vacated_check_rows(o: &Outcome) -> Vec<CheckRow> {
    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let Some(v) = o.vacated.as_ref() else {
        return Vec::new();
    };
    let ents = &o.model.enterprises;
    let row =
        |check, r: usize, other: String, value: Option<f64>, decimals, unit, detail| CheckRow {
            check,
            record: records[r].id.clone(),
            status: records[r].status,
            other,
            value,
            decimals,
            unit,
            detail,
        };
    let mut rows = Vec::new();
    for ov in &v.overlaps {
        rows.push(row(
            Check::Overlap,
            ov.a,
            records[ov.b].id.clone(),
            Some(m2_to_mu(ov.area_m2)),
            4,
            Some(vocab::MU),
            CheckDetail::Overlap {
                other: records[ov.b].id.clone(),
                mu: grouped(m2_to_mu(ov.area_m2), 2),
            },
        ));
    }
    for (k, (r, f)) in records.iter().zip(&v.records).enumerate() {
        if f.claim_mismatch {
            rows.push(row(
                Check::ClaimMismatch,
                k,
                String::new(),
                f.claim_difference.map(|d| d * 100.0),
                2,
                Some(vocab::PERCENT),
                CheckDetail::Claim {
                    claimed_mu: grouped(r.claimed_mu.unwrap_or(0.0), 2),
                    measured_mu: grouped(m2_to_mu(r.area_m2), 2),
                    difference: format!(
                        "{}{}",
                        if f.claim_difference.unwrap_or(0.0) > 0.0 {
                            "+"
                        } else {
                            ""
                        },
                        percent(f.claim_difference.unwrap_or(0.0))
                    ),
                },
            ));
        }
    }
    for (k, f) in v.records.iter().enumerate() {
        for &e in &f.occupants {
            rows.push(row(
                Check::Occupied,
                k,
                ents[e].credit_code.clone(),
                None,
                0,
                None,
                CheckDetail::Occupied {
                    firm: ents[e].name.clone(),
                    code: ents[e].credit_code.clone(),
                },
            ));
        }
    }
    for (k, f) in v.records.iter().enumerate() {
        if f.undated {
            rows.push(row(
                Check::Undated,
                k,
                String::new(),
                None,
                0,
                None,
                CheckDetail::Undated,
            ));
        }
    }
    for (k, (r, f)) in records.iter().zip(&v.records).enumerate() {
        if f.outside {
            rows.push(row(
                Check::Outside,
                k,
                String::new(),
                Some(m2_to_mu(f.outside_m2)),
                4,
                Some(vocab::MU),
                CheckDetail::Outside {
                    mu: grouped(m2_to_mu(f.outside_m2), 2),
                    share: percent(f.outside_m2 / r.area_m2.max(f64::MIN_POSITIVE)),
                },
            ));
        }
    }
    rows
}

fn write_townships(o: &Outcome, staging: &Staging) -> Result<()> {
    let rows = o.townships.iter().map(|t| {
        let vt = t.vacated.as_ref();
        vec![
            t.code.clone(),
            // the unknown row says so; a township without a name stays blank
            if t.code.is_empty() {
                t.label(Lang::En).to_string()
            } else {
                t.name.clone()
            },
            t.parcels.to_string(),
            fixed(m2_to_mu(t.area_m2), 4),
            t.industrial_parcels.to_string(),
            t.scattered_parcels.to_string(),
            fixed(m2_to_mu(t.scattered_m2), 4),
            t.enterprises.to_string(),
            t.targets.to_string(),
            t.targets_done.to_string(),
            t.overdue.to_string(),
            t.parks.to_string(),
            fixed(m2_to_mu(t.park_land_m2), 4),
            t.vacated_records().to_string(),
            opt_mu(vt.map(|t| t.gross_m2)),
            opt_mu(vt.map(|t| t.effective_m2)),
            opt_mu(vt.map(|t| t.planned_m2)),
            opt_mu(vt.map(|t| t.in_progress_m2)),
            t.vacated_target_mu.map(|g| fixed(g, 2)).unwrap_or_default(),
            t.vacated_progress()
                .map(|p| fixed(p, 4))
                .unwrap_or_default(),
        ]
    });
    staging.write("townships.csv", |w| {
        csv_with_bom(
            w,
            &[
                "code",
                "name",
                "parcels",
                "area_mu",
                "industrial_parcels",
                "scattered_parcels",
                "scattered_mu",
                "enterprises",
                "targets",
                "targets_done",
                "overdue",
                "parks",
                "park_land_mu",
                "vacated_records",
                "vacated_gross_mu",
                "vacated_effective_mu",
                "vacated_planned_mu",
                "vacated_in_progress_mu",
                "vacated_target_mu",
                "vacated_progress",
            ],
            rows,
        )
    })
}
