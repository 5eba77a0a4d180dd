//! Every product of a run, written side by side into one staging folder
//! and committed as one set; and the core products: `summary.json`, the
//! scattered parcels, blocks and enterprises (GeoJSON), the targets and
//! the area mismatches (CSV).

use std::path::{Path, PathBuf};

use tudi_core::analysis::enterprises::Assessment;
use tudi_core::analysis::predicates::Predicate;
use tudi_core::error::{Error, Result};
use tudi_core::geodesy::m2_to_mu;
use tudi_core::outcome::{Outcome, Summary};
use tudi_core::vocab::Lang;

use crate::geojson::{write_collection, Prop, Shape};
use crate::report::ReportOptions;
use crate::{csv_with_bom, fixed, Staging};

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
                || crate::land::write_land_outputs(o, &staging),
                || {
                    rayon::join(
                        || write_ledgers(o, &staging, report.lang),
                        || {
                            rayon::join(
                                || {
                                    crate::maps::write(
                                        &staging,
                                        o,
                                        o.model.boundary.as_deref(),
                                        report.lang,
                                    )
                                },
                                || crate::report::write_report(o, &summary, report, &staging),
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

fn write_ledgers(o: &Outcome, staging: &Staging, lang: Lang) -> Result<()> {
    let xlsx = crate::ledgers::ledgers(o, lang).map_err(|e| Error::Write {
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
    let disposition_name = |a: &Assessment| a.disposition.map(|d| d.name().to_string());
    let duplicate_rows =
        |a: &Assessment| -> Vec<String> { a.duplicate_rows.iter().map(usize::to_string).collect() };
    let grades = |e: &tudi_core::model::Enterprise| {
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
