//! The map products of a run: `tudi.gpkg` (every output layer, styled) and
//! `tudi.qgs` (a QGIS project with a print layout) — the planners'
//! 挂图作战 map. Each layer here is a description over the run's
//! [`Outcome`], with the same values as the GeoJSON outputs.

use tudi_core::analysis::predicates::Predicate;
use tudi_core::error::Result;
use tudi_core::geodesy::m2_to_mu;
use tudi_core::model::{Parcel, Zone};
use tudi_core::outcome::Outcome;

use super::gpkg::{write_gpkg, Field, FieldKind, Geometry, GeometryKind, Layer, Value};
use super::qgis::{project_xml, ProjectInput};
use super::styles;
use super::Staging;
use tudi_core::vocab::Lang;

pub const GPKG: &str = "tudi.gpkg";
pub const PROJECT: &str = "tudi.qgs";

/// The boundary layer's table, which frames the map when present.
const BOUNDARY: &str = "district";

/// The survey fields every parcel layer starts with.
fn parcel_fields() -> Vec<Field> {
    vec![
        Field::new("id", "图斑标识码", FieldKind::Text),
        Field::new("dlbm", "地类编码", FieldKind::Text),
        Field::new("village", "坐落单位名称", FieldKind::Text),
        Field::new("township", "乡镇代码", FieldKind::Text),
        Field::new("area_mu", "面积（亩）", FieldKind::Real(4)),
    ]
}

/// A parcel's values for [`parcel_fields`].
fn parcel_values(p: &Parcel) -> Vec<Value> {
    vec![
        Value::Text(p.id.clone()),
        Value::Text(p.landuse.clone()),
        Value::opt_text(p.village.as_deref()),
        Value::opt_text(p.township()),
        mu(p.area_m2),
    ]
}

fn mu(m2: f64) -> Value {
    Value::Real(tudi_core::geodesy::m2_to_mu(m2))
}

/// The layers of a run, top of the map first.
pub fn layers<'a>(o: &'a Outcome, boundary: Option<&'a [Zone]>, lang: Lang) -> Vec<Layer<'a>> {
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    let mut out = Vec::new();

    let mut fields = vec![
        Field::new("credit_code", "统一社会信用代码", FieldKind::Text),
        Field::new("credit_code_valid", "信用代码有效", FieldKind::Bool),
        Field::new("name", "企业名称", FieldKind::Text),
        Field::new("industry", "行业代码", FieldKind::Text),
        Field::new("grades", "历年亩均等级", FieldKind::Text),
        Field::new("grade", "最新亩均等级", FieldKind::Text),
        Field::new("parcel_id", "所在图斑", FieldKind::Text),
        Field::new("unlocated", "未落入图斑", FieldKind::Bool),
    ];
    for p in Predicate::ALL {
        fields.push(Field::new(p.name(), p.term().zh, FieldKind::Bool));
    }
    fields.extend([
        Field::new("land_mu", "用地面积（亩）", FieldKind::Real(4)),
        Field::new("tax_per_mu", "亩均税收（万元）", FieldKind::Real(4)),
        Field::new("target", "整治对象", FieldKind::Bool),
        Field::new("duplicate_of", "重复于行号", FieldKind::Int),
        Field::new("duplicate_rows", "重复行号", FieldKind::Text),
        Field::new("groups", "整治类别", FieldKind::Text),
        Field::new("disposition", "处置方式", FieldKind::Text),
        Field::new("township", "乡镇代码", FieldKind::Text),
        Field::new("status", "整治状态", FieldKind::Text),
        Field::new("deadline", "销号期限", FieldKind::Date),
        Field::new("overdue", "逾期未销号", FieldKind::Bool),
    ]);
    out.push(Layer {
        name: "enterprises",
        title: "企业".into(),
        description: "全部企业（纠偏后位置）及整治判定、处置方式".into(),
        group: "整治对象",
        geometry: GeometryKind::Point,
        fields,
        count: o.model.enterprises.len(),
        feature: Box::new(move |k| {
            let (e, a) = (&o.model.enterprises[k], &o.assessments[k]);
            let grades: Vec<String> = e.grades.iter().map(|g| g.letter().to_string()).collect();
            let mut v = vec![
                Value::Text(e.credit_code.clone()),
                Value::Bool(e.credit_code_valid),
                Value::Text(e.name.clone()),
                Value::Text(e.industry.clone()),
                Value::Text(grades.join(",")),
                Value::opt_text(grades.last().map(String::as_str)),
                Value::opt_text(a.parcel.map(|p| parcels[p].id.as_str())),
                Value::Bool(a.parcel.is_none()),
            ];
            v.extend(Predicate::ALL.iter().map(|&p| Value::Bool(a.facts.has(p))));
            let groups: Vec<&str> = a
                .groups
                .iter()
                .map(|&g| rules.target[g].name.as_str())
                .collect();
            let duplicate_rows: Vec<String> =
                a.duplicate_rows.iter().map(usize::to_string).collect();
            v.extend([
                Value::opt_real(a.land_mu),
                Value::opt_real(a.tax_per_mu),
                Value::Bool(a.is_target()),
                a.duplicate_of.map_or(Value::Null, |f| Value::Int(f as i64)),
                Value::Text(duplicate_rows.join(";")),
                Value::Text(groups.join(";")),
                Value::opt_text(a.disposition.map(|d| d.name())),
                Value::opt_text(o.enterprise_township[k].as_deref()),
                Value::opt_text(e.status.map(|s| s.enterprise_name())),
                e.deadline
                    .map_or(Value::Null, |d| Value::Date(d.to_string())),
                Value::Bool(o.targets.overdue.binary_search(&k).is_ok()),
            ]);
            (Geometry::Point(e.location), v)
        }),
        styles: vec![
            styles::enterprises_by_disposition(lang),
            styles::enterprises_by_grade(lang),
        ],
    });

    let scattered: Vec<usize> = (0..parcels.len())
        .filter(|&i| o.blocks.scattered[i])
        .collect();
    out.push(Layer {
        name: "scattered_parcels",
        title: "零散工业地块".into(),
        description: format!(
            "连片面积不足 {} 亩的村级工业用地图斑",
            rules.scattered_max_mu
        ),
        group: "用地",
        geometry: GeometryKind::MultiPolygon,
        fields: [
            parcel_fields(),
            vec![
                Field::new("block_id", "地块群编号", FieldKind::Int),
                Field::new("block_mu", "地块群面积（亩）", FieldKind::Real(4)),
            ],
        ]
        .concat(),
        count: scattered.len(),
        feature: Box::new(move |k| {
            let p = &parcels[scattered[k]];
            let b = &o.blocks.blocks
                [o.blocks.block_of[scattered[k]].expect("scattered parcels are industrial")];
            (
                Geometry::Polygons(&p.geometry),
                [
                    parcel_values(p),
                    vec![Value::Int(b.id as i64), mu(b.area_m2)],
                ]
                .concat(),
            )
        }),
        styles: vec![styles::scattered_parcels(rules.scattered_max_mu, lang)],
    });

    out.push(Layer {
        name: "blocks",
        title: "工业地块群".into(),
        description: format!(
            "间距 {} 米内相连的工业用地图斑合并而成的地块群",
            rules.cluster_gap_m
        ),
        group: "用地",
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            Field::new("block_id", "地块群编号", FieldKind::Int),
            Field::new("area_mu", "面积（亩）", FieldKind::Real(4)),
            Field::new("parcels", "图斑数", FieldKind::Int),
            Field::new("in_village", "位于村庄", FieldKind::Bool),
            Field::new("scattered", "零散", FieldKind::Bool),
            Field::new("floor_area_m2", "建筑面积（㎡）", FieldKind::Real(2)),
            Field::new("far", "容积率", FieldKind::Real(4)),
        ],
        count: o.blocks.blocks.len(),
        feature: Box::new(move |k| {
            let b = &o.blocks.blocks[k];
            (
                Geometry::Polygons(&b.geometry),
                vec![
                    Value::Int(b.id as i64),
                    mu(b.area_m2),
                    Value::Int(b.parcels.len() as i64),
                    Value::Bool(b.in_village),
                    Value::Bool(b.scattered),
                    Value::opt_real(o.far.blocks.get(k).map(|d| d.floor_area_m2)),
                    Value::opt_real(o.far.blocks.get(k).map(|d| d.far())),
                ],
            )
        }),
        styles: vec![styles::blocks(lang)],
    });

    out.extend(land_layers(o, lang));

    if let Some(zones) = boundary {
        out.push(Layer {
            name: BOUNDARY,
            title: "行政区界".into(),
            description: "区县行政区域界线".into(),
            group: "底图",
            geometry: GeometryKind::MultiPolygon,
            fields: vec![Field::new("name", "名称", FieldKind::Text)],
            count: zones.len(),
            feature: Box::new(move |k| {
                (
                    Geometry::Polygons(&zones[k].geometry),
                    vec![Value::opt_text(zones[k].name.as_deref())],
                )
            }),
            styles: vec![styles::boundary(lang)],
        });
    }
    // Top of the map first: the targets, then parks and vacated land, then
    // the land they lie on (industrial blocks beneath the parcels in
    // them), then the base map.
    let rank = |group: &str| {
        ["整治对象", "小微园与腾退", "用地", "底图"]
            .iter()
            .position(|g| *g == group)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(|l| (rank(l.group), l.name == "blocks"));
    out
}

/// The parks, floor-area, vacated-land and township layers, each when its
/// input layer is given, with the values of their GeoJSON files (lists
/// joined with `;`).
fn land_layers(o: &Outcome, lang: Lang) -> Vec<Layer<'_>> {
    fn has(present: bool, layer: Layer<'_>) -> Option<Layer<'_>> {
        present.then_some(layer)
    }
    let parcels = &o.model.parcels;
    let rules = &o.project.rules;
    let mut out = Vec::new();

    let parks = o.model.parks.as_deref().unwrap_or(&[]);
    let known = o.model.buildings.is_some();
    out.extend(has(
        o.model.parks.is_some(),
        Layer {
            name: "parks",
            title: "小微企业园".into(),
            description: format!("小微企业园，容积率低于 {} 红框", rules.min_park_far),
            group: "小微园与腾退",
            geometry: GeometryKind::MultiPolygon,
            fields: vec![
                Field::new("name", "园区名称", FieldKind::Text),
                Field::new("township", "乡镇代码", FieldKind::Text),
                Field::new("star", "星级", FieldKind::Int),
                Field::new("grade", "评价等级", FieldKind::Text),
                Field::new("opened", "建成年份", FieldKind::Int),
                Field::new("new", "当年新建", FieldKind::Bool),
                Field::new("land_mu", "用地面积（亩）", FieldKind::Real(4)),
                Field::new("floor_area_m2", "建筑面积（㎡）", FieldKind::Real(2)),
                Field::new("far", "容积率", FieldKind::Real(4)),
                Field::new("building_density", "建筑密度", FieldKind::Real(4)),
                Field::new("buildings", "楼栋数", FieldKind::Int),
                Field::new("enterprises", "入园企业数", FieldKind::Int),
                Field::new("tax_wan", "税收（万元）", FieldKind::Real(2)),
                Field::new("tax_per_mu", "亩均税收（万元）", FieldKind::Real(4)),
                Field::new("min_far", "容积率下限", FieldKind::Real(2)),
                Field::new("far_below_min", "容积率不达标", FieldKind::Bool),
            ],
            count: parks.len(),
            feature: Box::new(move |k| {
                let (p, s) = (&parks[k], &o.far.parks[k]);
                let d = &s.density;
                (
                    Geometry::Polygons(&p.geometry),
                    vec![
                        Value::Text(p.name.clone()),
                        Value::opt_text(o.park_township[k].as_deref()),
                        p.star.map_or(Value::Null, |s| Value::Int(s.into())),
                        p.grade
                            .map_or(Value::Null, |g| Value::Text(g.letter().to_string())),
                        p.opened.map_or(Value::Null, |y| Value::Int(y.into())),
                        Value::Bool(p.opened == Some(o.year)),
                        mu(p.area_m2),
                        Value::opt_real(known.then_some(d.floor_area_m2)),
                        Value::opt_real(known.then(|| d.far())),
                        Value::opt_real(known.then(|| d.coverage())),
                        Value::Int(d.buildings as i64),
                        Value::Int(s.enterprises.len() as i64),
                        Value::Real(s.tax_wan),
                        Value::opt_real(s.tax_per_mu),
                        Value::Real(rules.min_park_far),
                        Value::Bool(s.far_below_min),
                    ],
                )
            }),
            styles: vec![styles::parks_by_far(rules.min_park_far, known, lang)],
        },
    ));

    let records = o.model.vacated.as_deref().unwrap_or(&[]);
    let findings = o.vacated.as_ref().map_or(&[][..], |v| &v.records[..]);
    let blocks = o.vacated.as_ref().map_or(&[][..], |v| &v.blocks[..]);
    let overlaps = o.vacated.as_ref().map_or(&[][..], |v| &v.overlaps[..]);
    let vacated = o.vacated.is_some();
    out.extend(has(
        vacated,
        Layer {
            name: "vacated",
            title: "腾退地块".into(),
            description: "腾退记录及核查结果".into(),
            group: "小微园与腾退",
            geometry: GeometryKind::MultiPolygon,
            fields: vec![
                Field::new("id", "腾退编号", FieldKind::Text),
                Field::new("status", "腾退状态", FieldKind::Text),
                Field::new("done_date", "完成日期", FieldKind::Date),
                Field::new("township", "乡镇代码", FieldKind::Text),
                Field::new("claimed_mu", "上报面积（亩）", FieldKind::Real(4)),
                Field::new("measured_mu", "实测面积（亩）", FieldKind::Real(4)),
                Field::new("effective_mu", "有效面积（亩）", FieldKind::Real(4)),
                Field::new("protected_mu", "红线内面积（亩）", FieldKind::Real(4)),
                Field::new("outside_mu", "图斑外面积（亩）", FieldKind::Real(4)),
                Field::new("blocks", "所在连片区块", FieldKind::Text),
                Field::new(
                    "claim_difference_percent",
                    "上报偏差（%）",
                    FieldKind::Real(2),
                ),
                Field::new("claim_mismatch", "面积不符", FieldKind::Bool),
                Field::new("overlaps", "重叠记录", FieldKind::Text),
                Field::new("occupants", "仍在生产企业", FieldKind::Text),
                Field::new("undated", "缺完成日期", FieldKind::Bool),
                Field::new("outside", "超出地块范围", FieldKind::Bool),
                Field::new("checks", "核查问题", FieldKind::Text),
                Field::new("check", "首要问题", FieldKind::Text),
            ],
            count: findings.len(),
            feature: Box::new(move |k| {
                let (r, f) = (&records[k], &findings[k]);
                let checks = f.failed_checks();
                let join = |v: Vec<String>| Value::Text(v.join(";"));
                (
                    Geometry::Polygons(&r.geometry),
                    vec![
                        Value::Text(r.id.clone()),
                        Value::Text(r.status.name().into()),
                        r.done_date
                            .map_or(Value::Null, |d| Value::Date(d.to_string())),
                        Value::opt_text(f.township.as_deref()),
                        Value::opt_real(r.claimed_mu),
                        mu(r.area_m2),
                        mu(f.effective_m2),
                        mu(f.protected_m2),
                        mu(f.outside_m2),
                        join(f.blocks.iter().map(|&b| blocks[b].id.to_string()).collect()),
                        Value::opt_real(f.claim_difference.map(|d| d * 100.0)),
                        Value::Bool(f.claim_mismatch),
                        join(
                            f.overlaps
                                .iter()
                                .map(|&x| {
                                    let ov = &overlaps[x];
                                    records[if ov.a == k { ov.b } else { ov.a }].id.clone()
                                })
                                .collect(),
                        ),
                        join(
                            f.occupants
                                .iter()
                                .map(|&e| o.model.enterprises[e].name.clone())
                                .collect(),
                        ),
                        Value::Bool(f.undated),
                        Value::Bool(f.outside),
                        join(checks.iter().map(|c| c.name().to_string()).collect()),
                        Value::Text(checks.first().map_or("ok", |c| c.name()).into()),
                    ],
                )
            }),
            styles: vec![
                styles::vacated_by_status(lang),
                styles::vacated_by_check(lang),
            ],
        },
    ));

    out.extend(has(
        vacated,
        Layer {
            name: "vacated_blocks",
            title: "腾退连片区块".into(),
            description: format!(
                "扣除保护红线后相连的腾退用地，{} 亩以上计入有效面积",
                rules.effective_min_block_mu
            ),
            group: "小微园与腾退",
            geometry: GeometryKind::MultiPolygon,
            fields: vec![
                Field::new("block_id", "区块编号", FieldKind::Int),
                Field::new("area_mu", "面积（亩）", FieldKind::Real(4)),
                Field::new("records", "腾退记录", FieldKind::Text),
                Field::new("effective", "计入有效面积", FieldKind::Bool),
                Field::new("contiguous", "连片", FieldKind::Bool),
            ],
            count: blocks.len(),
            feature: Box::new(move |k| {
                let b = &blocks[k];
                let ids: Vec<&str> = b.records.iter().map(|&r| records[r].id.as_str()).collect();
                (
                    Geometry::Polygons(&b.geometry),
                    vec![
                        Value::Int(b.id as i64),
                        mu(b.area_m2),
                        Value::Text(ids.join(";")),
                        Value::Bool(b.effective),
                        Value::Bool(b.contiguous),
                    ],
                )
            }),
            styles: vec![styles::vacated_blocks(lang)],
        },
    ));

    let low = &o.far.low_density;
    out.extend(has(
        known,
        Layer {
            name: "low_density_parcels",
            title: "低效工业用地".into(),
            description: format!("容积率低于 {} 的工业用地图斑", rules.min_parcel_far),
            group: "用地",
            geometry: GeometryKind::MultiPolygon,
            fields: [
                parcel_fields(),
                vec![
                    Field::new("floor_area_m2", "建筑面积（㎡）", FieldKind::Real(2)),
                    Field::new("footprint_m2", "基底面积（㎡）", FieldKind::Real(2)),
                    Field::new("far", "容积率", FieldKind::Real(4)),
                    Field::new("building_density", "建筑密度", FieldKind::Real(4)),
                    Field::new("buildings", "楼栋数", FieldKind::Int),
                    Field::new("block_id", "地块群编号", FieldKind::Int),
                    Field::new("scattered", "零散", FieldKind::Bool),
                ],
            ]
            .concat(),
            count: low.len(),
            feature: Box::new(move |k| {
                let i = low[k];
                let (p, d) = (&parcels[i], o.far.parcels[i].unwrap_or_default());
                (
                    Geometry::Polygons(&p.geometry),
                    [
                        parcel_values(p),
                        vec![
                            Value::Real(d.floor_area_m2),
                            Value::Real(d.footprint_m2),
                            Value::Real(d.far()),
                            Value::Real(d.coverage()),
                            Value::Int(d.buildings as i64),
                            o.blocks.block_of[i]
                                .map_or(Value::Null, |b| Value::Int(o.blocks.blocks[b].id as i64)),
                            Value::Bool(o.blocks.scattered[i]),
                        ],
                    ]
                    .concat(),
                )
            }),
            styles: vec![styles::low_density_parcels(rules.min_parcel_far, lang)],
        },
    ));

    let townships = o.model.townships.as_deref().unwrap_or(&[]);
    let rows: std::collections::HashMap<&str, &tudi_core::analysis::townships::TownshipRow> =
        if townships.is_empty() {
            Default::default()
        } else {
            o.townships.iter().map(|r| (r.code.as_str(), r)).collect()
        };
    out.extend(has(
        o.model.townships.is_some(),
        Layer {
            name: "townships",
            title: "乡镇（街道）".into(),
            description: "乡镇（街道）界线及整治、腾退汇总".into(),
            group: "底图",
            geometry: GeometryKind::MultiPolygon,
            fields: vec![
                Field::new("code", "乡镇代码", FieldKind::Text),
                Field::new("name", "乡镇名称", FieldKind::Text),
                Field::new("scattered_parcels", "零散地块数", FieldKind::Int),
                Field::new("targets", "整治对象数", FieldKind::Int),
                Field::new("overdue", "逾期未销号", FieldKind::Int),
                Field::new("vacated_gross_mu", "腾退面积（亩）", FieldKind::Real(4)),
                Field::new("vacated_effective_mu", "有效面积（亩）", FieldKind::Real(4)),
            ],
            count: townships.len(),
            feature: Box::new(move |k| {
                let t = &townships[k];
                let row = rows.get(t.code.as_str()).copied();
                let int = |f: fn(&tudi_core::analysis::townships::TownshipRow) -> usize| {
                    Value::Int(row.map_or(0, f) as i64)
                };
                (
                    Geometry::Polygons(&t.geometry),
                    vec![
                        Value::Text(t.code.clone()),
                        Value::opt_text(t.name.as_deref()),
                        int(|r| r.scattered_parcels),
                        int(|r| r.targets),
                        int(|r| r.overdue),
                        Value::opt_real(
                            row.and_then(|r| r.vacated.as_ref())
                                .map(|v| m2_to_mu(v.gross_m2)),
                        ),
                        Value::opt_real(
                            row.and_then(|r| r.vacated.as_ref())
                                .map(|v| m2_to_mu(v.effective_m2)),
                        ),
                    ],
                )
            }),
            styles: vec![styles::townships(lang)],
        },
    ));
    out
}

/// Writes `tudi.gpkg` and `tudi.qgs` into the staging folder. `boundary`,
/// the district outline, frames the map when given.
pub fn write(staging: &Staging, o: &Outcome, boundary: Option<&[Zone]>, lang: Lang) -> Result<()> {
    let layers = layers(o, boundary, lang);
    let mut extents = Vec::new();
    staging.write_at(GPKG, |path| {
        extents = write_gpkg(path, &layers)?;
        Ok(())
    })?;
    let title = format!(
        "{} {}",
        o.project.project.name,
        lang.pick("低散乱整治作战图", "remediation map")
    );
    let (xml, _) = project_xml(&ProjectInput {
        title: &title,
        gpkg: GPKG,
        layers: &layers,
        extents: &extents,
        frame: super::map::map_extent(o),
        lang,
        date: &o.as_of.to_string(),
    })?;
    staging.write(PROJECT, |w| w.write_all(xml.as_bytes()))
}
