//! Every product of a run, written side by side into one staging folder
//! and committed as one set; and the core products: `summary.json`, the
//! scattered parcels, blocks and enterprises (GeoJSON), the targets and
//! the area mismatches (CSV).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use tudi_core::analysis::predicates::Predicate;
use tudi_core::error::{Error, Result};
use tudi_core::geodesy::m2_to_mu;
use tudi_core::model::Progress;
use tudi_core::outcome::{Outcome, Summary};
use tudi_core::vocab::{self, Lang};

use crate::geojson::Shape;
use crate::gpkg::GeometryKind;
use crate::report::ReportOptions;
use crate::table::{col, term, Column, Kind, Table, Value};
use crate::Staging;

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
        || write_core(o, &staging, &summary, report.lang),
        || {
            rayon::join(
                || crate::land::write_land_outputs(o, &staging, report.lang),
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
    let xlsx = crate::ledgers::ledgers(o, lang, staging.dir()).map_err(|e| Error::Write {
        path: staging.dir().join("ledgers.xlsx"),
        source: std::io::Error::other(e.to_string()),
    })?;
    staging.write("ledgers.xlsx", |w| w.write_all(&xlsx))
}

/// summary.json and the core layers: scattered parcels, blocks and
/// enterprises (GeoJSON), the targets and the area mismatches (CSV).
fn write_core(o: &Outcome, staging: &Staging, summary: &Summary, lang: Lang) -> Result<()> {
    staging.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, summary)?;
        w.write_all(b"\n")
    })?;
    staging.write("scattered_parcels.geojson", |w| {
        scattered_parcels(o).write_geojson(w)
    })?;
    staging.write("blocks.geojson", |w| blocks(o).write_geojson(w))?;
    staging.write("enterprises.geojson", |w| {
        enterprises(o, lang).write_geojson(w)
    })?;
    staging.write("targets.csv", |w| targets(o, lang).write_csv(w))?;
    let placements = crate::placement::placements(o, lang);
    staging.write("placements.csv", |w| placements.write_csv(w))?;
    // the map layer: a line from each placed firm to its park
    staging.write("placements.geojson", |w| placements.write_geojson(w))?;
    staging.write("area_mismatches.csv", |w| area_mismatches(o).write_csv(w))
}

/// A township by its code, which a person reads as its name.
pub(crate) fn township<'a>(o: &'a Outcome, code: Option<&'a str>) -> Value<'a> {
    division(&o.township_names, code)
}

/// A county by its code, which a person reads as its name.
pub(crate) fn county<'a>(o: &'a Outcome, code: Option<&'a str>) -> Value<'a> {
    division(&o.county_names, code)
}

fn division<'a>(
    names: &'a std::collections::BTreeMap<String, String>,
    code: Option<&'a str>,
) -> Value<'a> {
    match code {
        Some(c) => Value::Code(
            Some(Cow::Borrowed(c)),
            Cow::Borrowed(names.get(c).map_or(c, String::as_str)),
        ),
        None => Value::Null,
    }
}

/// The survey columns every parcel layer starts with; rows are parcels'
/// positions in the model.
pub(crate) fn parcel_columns(o: &Outcome) -> Vec<Column<'_, usize>> {
    let p = &o.model.parcels;
    vec![
        col(
            "id",
            term("图斑标识码", "Parcel"),
            Kind::Text,
            |&i: &usize| Value::text(&p[i].id),
        )
        .width(14.0),
        col(
            "dlbm",
            term("地类编码", "Land use"),
            Kind::Text,
            |&i: &usize| Value::text(&p[i].landuse),
        )
        .width(8.0),
        col(
            "village",
            term("坐落单位名称", "Village"),
            Kind::Text,
            |&i: &usize| Value::opt_text(p[i].village.as_deref()),
        ),
        col("township", vocab::TOWNSHIP, Kind::Code, |&i: &usize| {
            township(o, p[i].township())
        })
        .width(12.0),
        col(
            "area_mu",
            term("面积（亩）", "Area (mu)"),
            Kind::MU,
            |&i: &usize| Value::Num(m2_to_mu(p[i].area_m2)),
        ),
    ]
}

/// A grade's letter.
pub(crate) fn letter<'a>(grade: Option<&tudi_core::model::Grade>) -> Value<'a> {
    grade.map_or(Value::Null, |g| {
        Value::Text(Cow::Owned(g.letter().to_string()))
    })
}

/// Polygons of the parcels the rows are positions of.
fn parcel_shape<'a>(o: &'a Outcome) -> impl Fn(&usize) -> Option<Shape<'a>> + Send + Sync + 'a {
    move |&i: &usize| Some(Shape::Polygons(&o.model.parcels[i].geometry))
}

/// Scattered parcels: village industrial parcels in too small a block.
pub fn scattered_parcels(o: &Outcome) -> Table<'_, usize> {
    let blocks = &o.blocks;
    let block = move |i: usize| &blocks.blocks[blocks.block_of[i].unwrap_or_default()];
    let mut columns = parcel_columns(o);
    columns.extend([
        col(
            "block_id",
            term("地块群编号", "Block"),
            Kind::Int,
            move |&i: &usize| Value::Int(block(i).id as i64),
        ),
        col(
            "block_mu",
            term("地块群面积（亩）", "Block area (mu)"),
            Kind::MU,
            move |&i: &usize| Value::Num(m2_to_mu(block(i).area_m2)),
        )
        .width(12.0),
        col("far", vocab::FAR, Kind::real(4), |&i: &usize| {
            Value::opt_num(o.far.parcels.get(i).map(|d| d.far()))
        })
        .width(8.0),
    ]);
    let rows = (0..o.model.parcels.len())
        .filter(|&i: &usize| blocks.scattered[i] && blocks.block_of[i].is_some())
        .collect();
    Table::new(
        "scattered_parcels",
        term("零散工业地块", "Scattered industrial plots"),
        columns,
        rows,
    )
    .located(GeometryKind::MultiPolygon, parcel_shape(o))
}

/// Industrial blocks: industrial parcels joined within the gap.
pub fn blocks(o: &Outcome) -> Table<'_, usize> {
    let b = &o.blocks.blocks;
    let density = |k: usize| o.far.blocks.get(k);
    let columns = vec![
        col(
            "block_id",
            term("地块群编号", "Block"),
            Kind::Int,
            |&k: &usize| Value::Int(b[k].id as i64),
        ),
        col(
            "area_mu",
            term("面积（亩）", "Area (mu)"),
            Kind::MU,
            |&k: &usize| Value::Num(m2_to_mu(b[k].area_m2)),
        ),
        col(
            "parcels",
            term("图斑数", "Parcels"),
            Kind::Int,
            |&k: &usize| Value::Int(b[k].parcels.len() as i64),
        ),
        col(
            "in_village",
            term("位于村庄", "In a village"),
            Kind::Bool,
            |&k: &usize| Value::Bool(b[k].in_village),
        ),
        col(
            "scattered",
            term("零散", "Scattered"),
            Kind::Bool,
            |&k: &usize| Value::Bool(b[k].scattered),
        ),
        col(
            "floor_area_m2",
            term("建筑面积（㎡）", "Floor area (m²)"),
            Kind::M2,
            move |&k: &usize| Value::opt_num(density(k).map(|d| d.floor_area_m2)),
        ),
        col("far", vocab::FAR, Kind::real(4), move |&k: &usize| {
            Value::opt_num(density(k).map(|d| d.far()))
        }),
    ];
    Table::new(
        "blocks",
        term("工业地块群", "Industrial blocks"),
        columns,
        (0..b.len()).collect(),
    )
    .located(GeometryKind::MultiPolygon, move |&k: &usize| {
        Some(Shape::Polygons(&b[k].geometry))
    })
}

/// An enterprise's column; rows are positions of enterprises.
type Firm<'a> = Column<'a, usize>;

/// The columns the enterprises layer and the targets ledger share, each
/// spelled once.
pub(crate) mod firm {
    use super::*;
    use tudi_core::model::Parcel;

    pub fn credit_code(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "credit_code",
            term("统一社会信用代码", "Credit code"),
            Kind::Text,
            |&k: &usize| Value::text(&e[k].credit_code),
        )
        .width(22.0)
    }
    pub fn credit_code_valid(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "credit_code_valid",
            term("信用代码有效", "Credit code valid"),
            Kind::Bool,
            |&k: &usize| Value::Bool(e[k].credit_code_valid),
        )
    }
    pub fn name(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "name",
            term("企业名称", "Name"),
            Kind::Text,
            |&k: &usize| Value::text(&e[k].name),
        )
        .width(28.0)
    }
    pub fn industry(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "industry",
            term("行业代码", "Industry"),
            Kind::Text,
            |&k: &usize| Value::text(&e[k].industry),
        )
        .width(8.0)
    }
    /// Grade letters by year, oldest first, as one text (`A,B`).
    pub fn grades(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "grades",
            term("历年亩均等级", "Grades by year"),
            Kind::Text,
            |&k: &usize| {
                let letters: Vec<String> =
                    e[k].grades.iter().map(|g| g.letter().to_string()).collect();
                Value::Text(Cow::Owned(letters.join(",")))
            },
        )
        .width(10.0)
    }
    /// The latest grade, which the map's style by grade reads.
    pub fn grade(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "grade",
            term("最新亩均等级", "Latest grade"),
            Kind::Text,
            |&k: &usize| letter(e[k].grades.last()),
        )
        .width(8.0)
    }
    fn parcel(o: &Outcome, k: usize) -> Option<&Parcel> {
        o.assessments[k].parcel.map(|i| &o.model.parcels[i])
    }
    pub fn parcel_id(o: &Outcome) -> Firm<'_> {
        col(
            "parcel_id",
            term("所在图斑", "Parcel"),
            Kind::Text,
            move |&k: &usize| Value::opt_text(parcel(o, k).map(|p| p.id.as_str())),
        )
    }
    pub fn village(o: &Outcome) -> Firm<'_> {
        col(
            "village",
            term("村", "Village"),
            Kind::Text,
            move |&k: &usize| Value::opt_text(parcel(o, k).and_then(|p| p.village.as_deref())),
        )
    }
    pub fn dlbm(o: &Outcome) -> Firm<'_> {
        col(
            "dlbm",
            term("地类", "Land use"),
            Kind::Text,
            move |&k: &usize| Value::opt_text(parcel(o, k).map(|p| &*p.landuse)),
        )
        .width(6.0)
    }
    pub fn unlocated(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "unlocated",
            term("未落入图斑", "Not on a parcel"),
            Kind::Bool,
            |&k: &usize| Value::Bool(a[k].parcel.is_none()),
        )
    }
    pub fn township(o: &Outcome) -> Firm<'_> {
        col(
            "township",
            vocab::TOWNSHIP,
            Kind::Code,
            move |&k: &usize| super::township(o, o.enterprise_township[k].as_deref()),
        )
        .width(12.0)
    }
    /// Whether each predicate holds, one column each.
    pub fn predicates(o: &Outcome) -> impl Iterator<Item = Firm<'_>> {
        let a = &o.assessments;
        Predicate::ALL.into_iter().map(move |p| {
            col(p.name(), p.term(), Kind::Bool, move |&k: &usize| {
                Value::Bool(a[k].facts.has(p))
            })
        })
    }
    pub fn lon_lat(o: &Outcome) -> [Firm<'_>; 2] {
        let e = &o.model.enterprises;
        [
            col(
                "lon",
                term("经度", "Longitude"),
                Kind::DEGREES,
                |&k: &usize| Value::Num(e[k].location.x),
            ),
            col(
                "lat",
                term("纬度", "Latitude"),
                Kind::DEGREES,
                |&k: &usize| Value::Num(e[k].location.y),
            ),
        ]
    }
    pub fn revenue_and_tax(o: &Outcome) -> [Firm<'_>; 2] {
        let e = &o.model.enterprises;
        [
            col(
                "revenue_wan",
                term("营业收入（万元）", "Revenue (10k yuan)"),
                Kind::real(2),
                |&k: &usize| Value::opt_num(e[k].revenue_wan),
            ),
            col(
                "tax_wan",
                term("税收（万元）", "Tax (10k yuan)"),
                Kind::real(2),
                |&k: &usize| Value::opt_num(e[k].tax_wan),
            ),
        ]
    }
    pub fn land_mu(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "land_mu",
            term("用地面积（亩）", "Land (mu)"),
            Kind::MU,
            |&k: &usize| Value::opt_num(a[k].land_mu),
        )
    }
    pub fn tax_per_mu(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "tax_per_mu",
            term("亩均税收（万元/亩）", "Tax per mu (10k yuan)"),
            Kind::real(4),
            |&k: &usize| Value::opt_num(a[k].tax_per_mu),
        )
    }
    pub fn target(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "target",
            term("整治对象", "Target"),
            Kind::Bool,
            |&k: &usize| Value::Bool(a[k].is_target()),
        )
    }
    pub fn duplicate_of(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "duplicate_of",
            term("重复于行号", "Duplicate of row"),
            Kind::Int,
            |&k: &usize| Value::opt_int(a[k].duplicate_of.map(|f| f as i64)),
        )
    }
    pub fn duplicate_rows(o: &Outcome) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "duplicate_rows",
            term("重复行号", "Duplicate rows"),
            Kind::List,
            |&k: &usize| Value::plain_list(a[k].duplicate_rows.iter().map(usize::to_string)),
        )
        .width(10.0)
    }
    /// The target groups: the project's names, read by their labels.
    pub fn groups(o: &Outcome, lang: Lang) -> Firm<'_> {
        let (a, rules) = (&o.assessments, &o.project.rules);
        col(
            "groups",
            term("整治类别", "Target groups"),
            Kind::List,
            move |&k: &usize| {
                Value::List(
                    a[k].groups
                        .iter()
                        .map(|&g| {
                            let g = &rules.target[g];
                            (Cow::Borrowed(g.name.as_str()), Cow::Borrowed(g.label(lang)))
                        })
                        .collect(),
                )
            },
        )
        .width(24.0)
    }
    pub fn disposition(o: &Outcome, lang: Lang) -> Firm<'_> {
        let a = &o.assessments;
        col(
            "disposition",
            term("处置方式", "Disposition"),
            Kind::Code,
            move |&k: &usize| {
                a[k].disposition
                    .map_or(Value::Null, |d| Value::term(d.name(), d.term(), lang))
            },
        )
    }
    /// The remediation status; `unset` is what a person reads when the
    /// ledger gives none.
    pub fn status(o: &Outcome, lang: Lang, unset: Option<Progress>) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "status",
            term("整治状态", "Status"),
            Kind::Code,
            move |&k: &usize| {
                let label = e[k]
                    .status
                    .or(unset)
                    .map_or("", |s| s.enterprise_term().get(lang));
                Value::Code(
                    e[k].status.map(|s| Cow::Borrowed(s.enterprise_name())),
                    Cow::Borrowed(label),
                )
            },
        )
        .width(8.0)
    }
    pub fn deadline(o: &Outcome) -> Firm<'_> {
        let e = &o.model.enterprises;
        col(
            "deadline",
            term("销号期限", "Deadline"),
            Kind::Date,
            |&k: &usize| Value::opt_date(e[k].deadline),
        )
    }
    pub fn overdue(o: &Outcome) -> Firm<'_> {
        let overdue = &o.targets.overdue;
        col(
            "overdue",
            term("逾期未销号", "Overdue"),
            Kind::Bool,
            |&k: &usize| Value::Bool(overdue.binary_search(&k).is_ok()),
        )
    }
}

/// Every enterprise, where it stands and what is to be done with it.
pub fn enterprises(o: &Outcome, lang: Lang) -> Table<'_, usize> {
    let mut columns = vec![
        firm::credit_code(o),
        firm::credit_code_valid(o),
        firm::name(o),
        firm::industry(o),
        firm::grades(o),
        firm::grade(o),
        firm::parcel_id(o),
        firm::unlocated(o),
        firm::township(o),
    ];
    columns.extend(firm::predicates(o));
    columns.extend([
        firm::land_mu(o),
        firm::tax_per_mu(o),
        firm::target(o),
        firm::duplicate_of(o),
        firm::duplicate_rows(o),
        firm::groups(o, lang),
        firm::disposition(o, lang),
        firm::status(o, lang, None),
        firm::deadline(o),
        firm::overdue(o),
    ]);
    let e = &o.model.enterprises;
    Table::new(
        "enterprises",
        term("企业", "Enterprises"),
        columns,
        (0..e.len()).collect(),
    )
    .located(GeometryKind::Point, move |&k: &usize| {
        Some(Shape::Point(e[k].location))
    })
}

/// The targets ledger: the firms to remediate.
pub fn targets(o: &Outcome, lang: Lang) -> Table<'_, usize> {
    let mut columns = vec![
        firm::credit_code(o),
        firm::name(o),
        firm::industry(o),
        firm::township(o),
        firm::village(o),
        firm::parcel_id(o),
        firm::dlbm(o),
    ];
    columns.extend(firm::lon_lat(o));
    columns.extend(firm::revenue_and_tax(o));
    columns.extend([
        firm::land_mu(o),
        firm::tax_per_mu(o),
        firm::grades(o),
        firm::groups(o, lang),
        firm::disposition(o, lang),
        // a target without a status is still to be done
        firm::status(o, lang, Some(Progress::Planned)),
        firm::deadline(o),
        firm::overdue(o),
        firm::credit_code_valid(o),
        firm::duplicate_rows(o),
    ]);
    let rows = (0..o.assessments.len())
        .filter(|&k: &usize| o.assessments[k].is_target())
        .collect();
    Table::new("targets", term("整治对象台账", "Targets"), columns, rows)
}

/// Parcels whose measured area differs from the survey's.
pub fn area_mismatches(o: &Outcome) -> Table<'_, usize> {
    let (m, p) = (&o.area_mismatches, &o.model.parcels);
    let columns = vec![
        col(
            "id",
            term("图斑标识码", "Parcel"),
            Kind::Text,
            |&k: &usize| Value::text(&p[m[k].parcel].id),
        ),
        col(
            "dlbm",
            term("地类编码", "Land use"),
            Kind::Text,
            |&k: &usize| Value::text(&p[m[k].parcel].landuse),
        ),
        col(
            "village",
            term("坐落单位名称", "Village"),
            Kind::Text,
            |&k: &usize| Value::opt_text(p[m[k].parcel].village.as_deref()),
        ),
        col(
            "measured_m2",
            term("实测面积（㎡）", "Measured (m²)"),
            Kind::M2,
            |&k: &usize| Value::Num(m[k].measured_m2),
        ),
        col(
            "official_m2",
            term("图斑面积（㎡）", "Official (m²)"),
            Kind::M2,
            |&k: &usize| Value::Num(m[k].official_m2),
        ),
        col(
            "difference_percent",
            term("差异（%）", "Difference (%)"),
            Kind::Real {
                decimals: 3,
                shown: crate::table::Shown::Points,
            },
            |&k: &usize| Value::Num(m[k].relative * 100.0),
        ),
    ];
    Table::new(
        "area_mismatches",
        term("面积不符图斑", "Area mismatches"),
        columns,
        (0..m.len()).collect(),
    )
}
