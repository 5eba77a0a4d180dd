//! The outputs of the parks, floor-area and vacated-land analyses, and
//! their tables: parks, vacated records and blocks, low-density parcels
//! (GeoJSON); industrial parcels' FAR, the vacated-land checks, the time
//! line and the township table (CSV with BOM). Every file is written on
//! every run, empty when its layer is missing, so a folder never mixes two
//! runs.

use std::borrow::Cow;

use geo::MultiPolygon;
use tudi_core::analysis::townships::{DivisionRow, Level};
use tudi_core::analysis::vacated::{Check, DivisionVacated, Vacated};
use tudi_core::error::Result;
use tudi_core::geodesy::m2_to_mu;
use tudi_core::model::Progress;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{self, CheckDetail, Lang, Term};

use crate::geojson::Shape;
use crate::gpkg::GeometryKind;
use crate::outputs::{letter, parcel_columns, township};
use crate::palette;
use crate::table::{col, term, Column, Kind, Table, Value};
use crate::{grouped, percent, Staging};

fn mu(m2: f64) -> Value<'static> {
    Value::Num(m2_to_mu(m2))
}

/// Writes the parks, FAR, vacated-land and township outputs into the
/// staging folder.
pub fn write_land_outputs(o: &Outcome, staging: &Staging, lang: Lang) -> Result<()> {
    staging.write("parks.geojson", |w| parks(o).write_geojson(w))?;
    staging.write("low_density_parcels.geojson", |w| {
        low_density_parcels(o).write_geojson(w)
    })?;
    staging.write("industrial_far.csv", |w| industrial_far(o).write_csv(w))?;
    staging.write("vacated.geojson", |w| vacated(o, lang).write_geojson(w))?;
    staging.write("vacated_blocks.geojson", |w| {
        vacated_blocks(o).write_geojson(w)
    })?;
    staging.write("vacated_checks.csv", |w| {
        vacated_checks(o, lang).write_csv(w)
    })?;
    staging.write("timeline.csv", |w| timeline(o).write_csv(w))?;
    // the county table only for a project spanning several
    for level in [Level::Township, Level::County] {
        if level == Level::Township || !o.counties.is_empty() {
            staging.write(&format!("{}.csv", level.table()), |w| {
                divisions(level, lang, division_rows(o, level)).write_csv(w)
            })?;
        }
    }
    Ok(())
}

/// The columns every park table starts with, each spelled once; rows are
/// parks' positions in the model.
pub(crate) mod park {
    use super::*;

    pub fn name(o: &Outcome) -> Column<'_, usize> {
        let parks = o.model.parks.as_deref().unwrap_or(&[]);
        col(
            "name",
            term("园区名称", "Park"),
            Kind::Text,
            |&k: &usize| Value::text(&parks[k].name),
        )
        .width(22.0)
    }
    pub fn township(o: &Outcome) -> Column<'_, usize> {
        col("township", vocab::TOWNSHIP, Kind::Code, |&k: &usize| {
            super::township(o, o.park_township[k].as_deref())
        })
        .width(12.0)
    }
    /// Not open on the report date.
    pub fn planned(o: &Outcome) -> Column<'_, usize> {
        let parks = o.model.parks.as_deref().unwrap_or(&[]);
        col(
            "planned",
            term("规划在建", "Planned"),
            Kind::Bool,
            |&k: &usize| Value::Bool(parks[k].planned(o.as_of)),
        )
    }
}

/// The parks with their density, firms and taxes.
pub fn parks(o: &Outcome) -> Table<'_, usize> {
    let parks = o.model.parks.as_deref().unwrap_or(&[]);
    let stats = &o.far.parks;
    // without buildings a park's density is unknown, not zero
    let known = o.model.buildings.is_some();
    // nor is a park's that is not built yet
    let planned = move |k: usize| parks[k].planned(o.as_of);
    let density = move |k: usize| (known && !planned(k)).then_some(&stats[k].density);
    let min = o.project.rules.min_park_far;
    let columns = vec![
        park::name(o),
        park::township(o),
        col("star", term("星级", "Stars"), Kind::Int, |&k: &usize| {
            Value::opt_int(parks[k].star)
        })
        .width(6.0),
        col(
            "grade",
            term("评价等级", "Grade"),
            Kind::Text,
            |&k: &usize| letter(parks[k].grade.as_ref()),
        )
        .width(8.0),
        col(
            "opened",
            term("建成年份", "Opened"),
            Kind::Int,
            |&k: &usize| Value::opt_int(parks[k].opened),
        ),
        col(
            "new",
            term("当年新建", "New this year"),
            Kind::Bool,
            |&k: &usize| Value::Bool(parks[k].opened == Some(o.year)),
        ),
        park::planned(o),
        col(
            "land_mu",
            term("用地面积（亩）", "Land (mu)"),
            Kind::MU,
            |&k: &usize| mu(parks[k].area_m2),
        ),
        col(
            "floor_area_m2",
            term("建筑面积（㎡）", "Floor area (m²)"),
            Kind::M2,
            move |&k: &usize| Value::opt_num(density(k).map(|d| d.floor_area_m2)),
        )
        .width(12.0),
        col("far", vocab::FAR, Kind::real(4), move |&k: &usize| {
            Value::opt_num(density(k).map(|d| d.far()))
        })
        .width(8.0),
        col(
            "building_density",
            term("建筑密度", "Building density"),
            Kind::SHARE,
            move |&k: &usize| Value::opt_num(density(k).map(|d| d.coverage())),
        )
        .width(8.0),
        col(
            "buildings",
            term("楼栋数", "Buildings"),
            Kind::Int,
            |&k: &usize| Value::Int(stats[k].density.buildings as i64),
        )
        .width(7.0),
        col(
            "enterprises",
            term("入园企业数", "Firms"),
            Kind::Int,
            |&k: &usize| Value::Int(stats[k].enterprises.len() as i64),
        )
        .width(9.0),
        col(
            "tax_wan",
            term("税收（万元）", "Tax (10k yuan)"),
            Kind::real(2),
            |&k: &usize| Value::Num(stats[k].tax_wan),
        ),
        col(
            "tax_per_mu",
            term("亩均税收（万元/亩）", "Tax per mu (10k yuan)"),
            Kind::real(4),
            |&k: &usize| Value::opt_num(stats[k].tax_per_mu),
        ),
        col(
            "min_far",
            term("容积率下限", "Minimum FAR"),
            Kind::real(2),
            move |_: &usize| Value::Num(min),
        ),
        col(
            "far_below_min",
            term("容积率低于下限", "FAR under minimum"),
            Kind::Bool,
            |&k: &usize| Value::Bool(stats[k].far_below_min),
        ),
    ];
    Table::new(
        "parks",
        term("小微企业园", "Micro-enterprise parks"),
        columns,
        (0..parks.len()).collect(),
    )
    .located(GeometryKind::MultiPolygon, move |&k: &usize| {
        Some(Shape::Polygons(&parks[k].geometry))
    })
}

/// Industrial parcels whose FAR is under the minimum.
pub fn low_density_parcels(o: &Outcome) -> Table<'_, usize> {
    let blocks = &o.blocks;
    let mut columns = parcel_columns(o);
    columns.extend(density_columns(o));
    columns.extend([
        col(
            "block_id",
            term("地块群编号", "Block"),
            Kind::Int,
            |&i: &usize| Value::opt_int(blocks.block_of[i].map(|b| blocks.blocks[b].id as i64)),
        ),
        col(
            "scattered",
            term("零散", "Scattered"),
            Kind::Bool,
            |&i: &usize| Value::Bool(blocks.scattered[i]),
        ),
    ]);
    let parcels = &o.model.parcels;
    Table::new(
        "low_density_parcels",
        term("低效工业用地", "Low-density industrial land"),
        columns,
        o.far.low_density.clone(),
    )
    .located(GeometryKind::MultiPolygon, move |&i: &usize| {
        Some(Shape::Polygons(&parcels[i].geometry))
    })
}

/// A parcel's buildings: floor area, footprint, FAR, density and count.
fn density_columns(o: &Outcome) -> Vec<Column<'_, usize>> {
    let density = |i: usize| o.far.parcels.get(i).unwrap_or_default();
    vec![
        col(
            "floor_area_m2",
            term("建筑面积（㎡）", "Floor area (m²)"),
            Kind::M2,
            move |&i: &usize| Value::Num(density(i).floor_area_m2),
        ),
        col(
            "footprint_m2",
            term("基底面积（㎡）", "Footprint (m²)"),
            Kind::M2,
            move |&i: &usize| Value::Num(density(i).footprint_m2),
        ),
        col("far", vocab::FAR, Kind::real(4), move |&i: &usize| {
            Value::Num(density(i).far())
        }),
        col(
            "building_density",
            term("建筑密度", "Building density"),
            Kind::SHARE,
            move |&i: &usize| Value::Num(density(i).coverage()),
        ),
        col(
            "buildings",
            term("楼栋数", "Buildings"),
            Kind::Int,
            move |&i: &usize| Value::Int(density(i).buildings as i64),
        ),
    ]
}

/// Every industrial parcel's floor area and FAR.
pub fn industrial_far(o: &Outcome) -> Table<'_, usize> {
    let p = &o.model.parcels;
    let density = |i: usize| o.far.parcels.get(i).unwrap_or_default();
    let blocks = &o.blocks;
    let min = o.project.rules.min_parcel_far;
    let mut columns = vec![
        col(
            "id",
            term("图斑标识码", "Parcel"),
            Kind::Text,
            |&i: &usize| Value::text(&p[i].id),
        ),
        col(
            "dlbm",
            term("地类编码", "Land use"),
            Kind::Text,
            |&i: &usize| Value::text(&p[i].landuse),
        ),
        col("township", vocab::TOWNSHIP, Kind::Code, |&i: &usize| {
            township(o, p[i].township())
        }),
        col(
            "village",
            term("坐落单位名称", "Village"),
            Kind::Text,
            |&i: &usize| Value::opt_text(p[i].village.as_deref()),
        ),
        col(
            "block_id",
            term("地块群编号", "Block"),
            Kind::Int,
            |&i: &usize| Value::opt_int(blocks.block_of[i].map(|b| blocks.blocks[b].id as i64)),
        ),
        col(
            "area_mu",
            term("面积（亩）", "Area (mu)"),
            Kind::MU,
            |&i: &usize| mu(p[i].area_m2),
        ),
    ];
    columns.extend(density_columns(o));
    columns.extend([
        col(
            "block_far",
            term("地块群容积率", "Block FAR"),
            Kind::real(4),
            |&i: &usize| Value::opt_num(blocks.block_of[i].map(|b| o.far.blocks[b].far())),
        ),
        col(
            "low_density",
            term("低效", "Low density"),
            Kind::Bool,
            move |&i: &usize| Value::Bool(density(i).far() < min),
        ),
    ]);
    let rows = o.far.parcels.iter().map(|(i, _)| i).collect();
    Table::new(
        "industrial_far",
        term("工业用地容积率", "Industrial FAR"),
        columns,
        rows,
    )
}

/// The vacated-land findings; none when the run has no vacated layer.
fn vacated_outcome(o: &Outcome) -> &Vacated {
    static EMPTY: std::sync::OnceLock<Vacated> = std::sync::OnceLock::new();
    o.vacated
        .as_ref()
        .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
}

/// The vacated-land records and what their checks found.
pub fn vacated(o: &Outcome, lang: Lang) -> Table<'_, usize> {
    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let v = vacated_outcome(o);
    let f = &v.records;
    let ents = &o.model.enterprises;
    let columns = vec![
        col(
            "id",
            term("腾退编号", "Record"),
            Kind::Text,
            |&k: &usize| Value::text(&records[k].id),
        ),
        col(
            "status",
            term("腾退状态", "Status"),
            Kind::Code,
            move |&k: &usize| {
                let s = records[k].status;
                Value::term(s.name(), s.vacated_term(), lang)
            },
        ),
        col(
            "done_date",
            term("完成日期", "Done on"),
            Kind::Date,
            |&k: &usize| Value::opt_date(records[k].done_date),
        ),
        col("township", vocab::TOWNSHIP, Kind::Code, |&k: &usize| {
            township(o, f[k].township.as_deref())
        }),
        col(
            "claimed_mu",
            term("上报面积（亩）", "Claimed (mu)"),
            Kind::MU,
            |&k: &usize| Value::opt_num(records[k].claimed_mu),
        ),
        col(
            "measured_mu",
            term("实测面积（亩）", "Measured (mu)"),
            Kind::MU,
            |&k: &usize| mu(records[k].area_m2),
        ),
        col(
            "effective_mu",
            term("有效面积（亩）", "Effective (mu)"),
            Kind::MU,
            |&k: &usize| mu(f[k].effective_m2),
        ),
        col(
            "protected_mu",
            term("红线内面积（亩）", "In protected zones (mu)"),
            Kind::MU,
            |&k: &usize| mu(f[k].protected_m2),
        ),
        col(
            "outside_mu",
            term("图斑外面积（亩）", "Outside the parcels (mu)"),
            Kind::MU,
            |&k: &usize| mu(f[k].outside_m2),
        ),
        col(
            "blocks",
            term("所在连片区块", "Blocks"),
            Kind::List,
            |&k: &usize| Value::plain_list(f[k].blocks.iter().map(|&b| v.blocks[b].id.to_string())),
        ),
        col(
            "claim_difference_percent",
            term("上报偏差（%）", "Claim difference (%)"),
            Kind::POINTS,
            |&k: &usize| Value::opt_num(f[k].claim_difference.map(|d| d * 100.0)),
        ),
        col(
            "claim_mismatch",
            Check::ClaimMismatch.term(),
            Kind::Bool,
            |&k: &usize| Value::Bool(f[k].claim_mismatch),
        ),
        col(
            "overlaps",
            Check::Overlap.term(),
            Kind::List,
            |&k: &usize| {
                Value::plain_list(f[k].overlaps.iter().map(|&x| {
                    let ov = &v.overlaps[x];
                    records[if ov.a == k { ov.b } else { ov.a }].id.clone()
                }))
            },
        ),
        col(
            "occupants",
            Check::Occupied.term(),
            Kind::List,
            |&k: &usize| Value::plain_list(f[k].occupants.iter().map(|&e| ents[e].name.clone())),
        ),
        col(
            "undated",
            Check::Undated.term(),
            Kind::Bool,
            |&k: &usize| Value::Bool(f[k].undated),
        ),
        col(
            "outside",
            Check::Outside.term(),
            Kind::Bool,
            |&k: &usize| Value::Bool(f[k].outside),
        ),
        col(
            "checks",
            term("核查问题", "Failed checks"),
            Kind::List,
            move |&k: &usize| {
                Value::List(
                    f[k].failed_checks()
                        .iter()
                        .map(|c| (Cow::Borrowed(c.name()), Cow::Borrowed(c.term().get(lang))))
                        .collect(),
                )
            },
        ),
        col(
            "check",
            term("首要问题", "First failed check"),
            Kind::Code,
            move |&k: &usize| match f[k].failed_checks().first() {
                Some(c) => Value::term(c.name(), c.term(), lang),
                None => Value::Code(
                    Some(Cow::Borrowed("ok")),
                    Cow::Owned(palette::vacated_check()[0].label(lang).to_string()),
                ),
            },
        ),
    ];
    Table::new(
        "vacated",
        term("腾退地块", "Vacated land"),
        columns,
        (0..f.len()).collect(),
    )
    .located(GeometryKind::MultiPolygon, move |&k: &usize| {
        Some(Shape::Polygons(&records[k].geometry))
    })
}

/// The vacated blocks: vacated land joined, protected zones taken out.
pub fn vacated_blocks(o: &Outcome) -> Table<'_, usize> {
    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let b = &vacated_outcome(o).blocks;
    let columns = vec![
        col(
            "block_id",
            term("区块编号", "Block"),
            Kind::Int,
            |&k: &usize| Value::Int(b[k].id as i64),
        ),
        col(
            "area_mu",
            term("面积（亩）", "Area (mu)"),
            Kind::MU,
            |&k: &usize| mu(b[k].area_m2),
        ),
        col(
            "records",
            term("腾退记录", "Records"),
            Kind::List,
            |&k: &usize| Value::plain_list(b[k].records.iter().map(|&r| records[r].id.clone())),
        ),
        col(
            "effective",
            term("计入有效面积", "Counted as effective"),
            Kind::Bool,
            |&k: &usize| Value::Bool(b[k].effective),
        ),
        col(
            "contiguous",
            term("连片", "Contiguous"),
            Kind::Bool,
            |&k: &usize| Value::Bool(b[k].contiguous),
        ),
    ];
    Table::new(
        "vacated_blocks",
        term("腾退连片区块", "Vacated blocks"),
        columns,
        (0..b.len()).collect(),
    )
    .located(GeometryKind::MultiPolygon, move |&k: &usize| {
        Some(Shape::Polygons(&b[k].geometry))
    })
}

/// Every failed check of the vacated-land records.
pub fn vacated_checks(o: &Outcome, lang: Lang) -> Table<'_, CheckRow> {
    let columns = vec![
        col(
            "check",
            term("核查项", "Check"),
            Kind::Code,
            move |r: &CheckRow| Value::term(r.check.name(), r.check.term(), lang),
        )
        .width(14.0),
        col(
            "record_id",
            term("腾退编号", "Record"),
            Kind::Text,
            |r: &CheckRow| Value::Text(Cow::Owned(r.record.clone())),
        )
        .width(14.0),
        col(
            "status",
            term("状态", "Status"),
            Kind::Code,
            move |r: &CheckRow| Value::term(r.status.name(), r.status.vacated_term(), lang),
        ),
        col(
            "other",
            term("关联（记录/企业）", "Other record or firm"),
            Kind::Text,
            |r: &CheckRow| Value::Text(Cow::Owned(r.other.clone())),
        )
        .width(22.0),
        // mu or percentage points by row, which the unit column says
        col(
            "value",
            term("数值", "Value"),
            Kind::MU,
            |r: &CheckRow| r.value.map_or(Value::Null, |v| Value::NumAs(v, r.kind)),
        ),
        col(
            "unit",
            term("单位", "Unit"),
            Kind::Code,
            move |r: &CheckRow| r.unit.map_or(Value::Null, |u| Value::term(u.en, u, lang)),
        )
        .width(6.0),
        col(
            "detail",
            term("说明", "Detail"),
            Kind::Code,
            move |r: &CheckRow| {
                // the CSV, read by programs, says it in English
                Value::Code(
                    Some(Cow::Owned(vocab::check_detail(&r.detail, Lang::En))),
                    Cow::Owned(vocab::check_detail(&r.detail, lang)),
                )
            },
        )
        .width(44.0),
    ];
    Table::new(
        "vacated_checks",
        term("腾退核查", "Vacated-land checks"),
        columns,
        vacated_check_rows(o),
    )
}

/// Vacated land month by month against the goal.
pub fn timeline(o: &Outcome) -> Table<'_, usize> {
    let t = &vacated_outcome(o).timeline;
    let target = o.project.targets.vacated_mu;
    let columns = vec![
        col(
            "month",
            term("月份", "Month"),
            Kind::Text,
            |&k: &usize| Value::text(&t[k].month),
        ),
        col(
            "records",
            term("腾退记录", "Records"),
            Kind::Int,
            |&k: &usize| Value::Int(t[k].records as i64),
        ),
        col(
            "added_mu",
            term("新增（亩）", "Added (mu)"),
            Kind::MU,
            |&k: &usize| mu(t[k].added_m2),
        ),
        col(
            "cumulative_mu",
            term("累计（亩）", "Cumulative (mu)"),
            Kind::MU,
            |&k: &usize| mu(t[k].cumulative_m2),
        ),
        col(
            "target_mu",
            term("目标（亩）", "Goal (mu)"),
            Kind::real(2),
            move |_: &usize| Value::Num(target),
        ),
        col(
            "progress",
            term("完成进度", "Progress"),
            Kind::SHARE,
            move |&k: &usize| Value::Num(m2_to_mu(t[k].cumulative_m2) / target),
        ),
    ];
    Table::new(
        "timeline",
        term("腾退进度", "Vacated land by month"),
        columns,
        (0..t.len()).collect(),
    )
}

/// One failed check of a vacated-land record, with its figures.
pub struct CheckRow {
    pub check: Check,
    pub record: String,
    pub status: Progress,
    /// The other record of an overlap, or the occupying firm's credit code.
    pub other: String,
    pub value: Option<f64>,
    /// The value's kind: mu or percentage points.
    pub kind: Kind,
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
    let row = |check, r: usize, other: String, value: Option<f64>, kind, unit, detail| CheckRow {
        check,
        record: records[r].id.clone(),
        status: records[r].status,
        other,
        value,
        kind,
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
            Kind::MU,
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
                Kind::POINTS,
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
                Kind::MU,
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
                Kind::MU,
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
                Kind::MU,
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

/// A township's or county's row where it lies: the rows of [`divisions`].
pub struct DivRow<'a> {
    pub row: &'a DivisionRow,
    pub shape: Option<&'a MultiPolygon<f64>>,
}

/// The table's rows at `level`, the row of unknown division included.
pub fn division_rows(o: &Outcome, level: Level) -> Vec<DivRow<'_>> {
    o.divisions(level)
        .iter()
        .map(|row| DivRow { row, shape: None })
        .collect()
}

/// The polygons of the divisions' layer at `level`, each with its row.
pub fn division_polygons(o: &Outcome, level: Level) -> Vec<DivRow<'_>> {
    let polygons = match level {
        Level::Township => o.model.townships.as_deref(),
        Level::County => o.model.counties.as_deref(),
    };
    let rows = o.divisions(level);
    polygons
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| {
            let row = rows.iter().find(|r| r.code == t.code)?;
            Some(DivRow {
                row,
                shape: Some(&t.geometry),
            })
        })
        .collect()
}

/// A township table's count.
fn count<'a>(
    name: &'static str,
    label: Term,
    f: fn(&DivisionRow) -> usize,
) -> Column<'a, DivRow<'a>> {
    col(name, label, Kind::Int, move |r: &DivRow| {
        Value::Int(f(r.row) as i64)
    })
}

/// A township table's area, given in m², shown in mu.
fn area<'a>(
    name: &'static str,
    label: Term,
    f: impl Fn(&DivisionRow) -> Option<f64> + Send + Sync + 'a,
) -> Column<'a, DivRow<'a>> {
    col(name, label, Kind::MU, move |r: &DivRow| {
        Value::opt_num(f(r.row).map(m2_to_mu))
    })
}

/// The division's name; files name the unknown row in English, and a
/// division without a name stays blank.
fn division_name<'a>(level: Level, lang: Lang) -> Column<'a, DivRow<'a>> {
    col("name", level.term(), Kind::Code, move |r: &DivRow| {
        let t = r.row;
        let id = match t.code.is_empty() {
            true => t.label(Lang::En),
            false => t.name.as_str(),
        };
        let id = (!id.is_empty()).then_some(Cow::Borrowed(id));
        Value::Code(id, Cow::Borrowed(t.label(lang)))
    })
    .width(12.0)
}

/// The township or county table: each division's parcels, firms, parks
/// and vacated land, over `rows`.
pub fn divisions(level: Level, lang: Lang, rows: Vec<DivRow<'_>>) -> Table<'_, DivRow<'_>> {
    let code = match level {
        Level::Township => term("乡镇代码", "Code"),
        Level::County => term("县区代码", "Code"),
    };
    let vacated = |f: fn(&DivisionVacated) -> f64| move |t: &DivisionRow| t.vacated.as_ref().map(f);
    let columns = vec![
        col("code", code, Kind::Text, |r: &DivRow| {
            Value::text(&r.row.code)
        })
        .width(11.0),
        division_name(level, lang),
        count("parcels", term("图斑数", "Parcels"), |t| t.parcels),
        area("area_mu", term("面积（亩）", "Area (mu)"), |t| {
            Some(t.area_m2)
        })
        .width(11.0),
        count(
            "industrial_parcels",
            term("工业图斑", "Industrial parcels"),
            |t| t.industrial_parcels,
        ),
        count(
            "scattered_parcels",
            term("零散地块", "Scattered plots"),
            |t| t.scattered_parcels,
        ),
        area(
            "scattered_mu",
            term("零散面积（亩）", "Scattered (mu)"),
            |t| Some(t.scattered_m2),
        ),
        count("enterprises", term("企业数", "Firms"), |t| t.enterprises).width(7.0),
        count("targets", term("整治对象", "Targets"), |t| t.targets),
        count("targets_done", term("已销号", "Done"), |t| {
            t.targets_done
        })
        .width(7.0),
        count("overdue", term("逾期未销号", "Overdue"), |t| t.overdue),
        count("parks", term("小微园", "Parks"), |t| t.parks).width(7.0),
        area(
            "park_land_mu",
            term("园区用地（亩）", "Park land (mu)"),
            |t| Some(t.park_land_m2),
        ),
        count(
            "vacated_records",
            term("腾退记录", "Vacated records"),
            |t| t.vacated_records(),
        ),
        area(
            "vacated_gross_mu",
            term("腾退面积（亩）", "Vacated (mu)"),
            vacated(|v| v.gross_m2),
        ),
        area(
            "vacated_effective_mu",
            term("有效面积（亩）", "Effective (mu)"),
            vacated(|v| v.effective_m2),
        ),
        area(
            "vacated_planned_mu",
            term("计划腾退（亩）", "Planned (mu)"),
            vacated(|v| v.planned_m2),
        ),
        area(
            "vacated_in_progress_mu",
            term("腾退中（亩）", "Vacating (mu)"),
            vacated(|v| v.in_progress_m2),
        ),
        col(
            "vacated_target_mu",
            term("腾退目标（亩）", "Vacated goal (mu)"),
            Kind::real(2),
            |r: &DivRow| Value::opt_num(r.row.vacated_target_mu),
        ),
        col(
            "vacated_progress",
            term("腾退进度", "Vacated progress"),
            Kind::SHARE,
            |r: &DivRow| Value::opt_num(r.row.vacated_progress()),
        )
        .width(9.0),
        // where the plan takes the township
        count("placed", term("安置入园", "Placed in parks"), |t| {
            t.placed
        }),
        area(
            "plan_vacated_mu",
            term("按方案腾退（亩）", "Plan: vacated (mu)"),
            |t| t.plan_vacated.as_ref().map(|v| v.gross_m2),
        ),
        area(
            "plan_effective_mu",
            term("按方案有效（亩）", "Plan: effective (mu)"),
            |t| t.plan_vacated.as_ref().map(|v| v.effective_m2),
        ),
    ];
    Table::new(level.table(), level.plural(), columns, rows)
        .located(GeometryKind::MultiPolygon, |r: &DivRow| {
            r.shape.map(Shape::Polygons)
        })
}
