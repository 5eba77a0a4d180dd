//! The map products of a run: `tudi.gpkg` (every output layer, styled) and
//! `tudi.qgs` (a QGIS project with a print layout) — the planners'
//! 挂图作战 map. Each layer here is a description over the run's
//! [`Outcome`], with the same values as the GeoJSON outputs.

use crate::analysis::predicates::Predicate;
use crate::error::Result;
use crate::model::Zone;
use crate::pipeline::Outcome;

use super::gpkg::{write_gpkg, Field, FieldKind, Geometry, GeometryKind, Layer, Value};
use super::qgis::{project_xml, ProjectInput};
use super::styles;
use super::Staging;

pub const GPKG: &str = "tudi.gpkg";
pub const PROJECT: &str = "tudi.qgs";

/// The boundary layer's table, which frames the map when present.
const BOUNDARY: &str = "district";

/// Chinese column titles of the predicates, as the ledgers name them.
fn predicate_alias(p: Predicate) -> &'static str {
    match p {
        Predicate::InVillage => "位于村庄",
        Predicate::ScatteredPlot => "零散地块",
        Predicate::GradeCOrWorse => "亩均C类及以下",
        Predicate::GradeD => "亩均D类",
        Predicate::BelowScale => "规模以下",
        Predicate::DThreeYears => "连续三年D类",
        Predicate::NoLegalLand => "无合法用地",
        Predicate::OutsidePlan => "不符合规划",
        Predicate::InProtected => "位于保护红线",
        Predicate::TaxPerMuUnder1 => "亩均税收低于整治线",
        Predicate::TaxPerMuUnder3 => "亩均税收低于提升线",
        Predicate::KeyIndustry => "重点行业",
    }
}

fn mu(m2: f64) -> Value {
    Value::Real(crate::geodesy::m2_to_mu(m2))
}

/// The layers of a run, top of the map first.
pub fn layers<'a>(o: &'a Outcome, boundary: Option<&'a [Zone]>) -> Vec<Layer<'a>> {
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
        fields.push(Field::new(p.name(), predicate_alias(p), FieldKind::Bool));
    }
    fields.extend([
        Field::new("land_mu", "用地面积（亩）", FieldKind::Real(4)),
        Field::new("tax_per_mu", "亩均税收（万元）", FieldKind::Real(4)),
        Field::new("target", "整治对象", FieldKind::Bool),
        Field::new("groups", "整治类别", FieldKind::Text),
        Field::new("disposition", "处置方式", FieldKind::Text),
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
            v.extend([
                Value::opt_real(a.land_mu),
                Value::opt_real(a.tax_per_mu),
                Value::Bool(a.is_target()),
                Value::Text(groups.join(";")),
                Value::opt_text(a.disposition.map(|d| rules.disposition[d].name.as_str())),
            ]);
            (Geometry::Point(e.location), v)
        }),
        styles: vec![
            styles::enterprises_by_disposition(),
            styles::enterprises_by_grade(),
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
        fields: vec![
            Field::new("id", "图斑标识码", FieldKind::Text),
            Field::new("dlbm", "地类编码", FieldKind::Text),
            Field::new("village", "坐落单位名称", FieldKind::Text),
            Field::new("township", "乡镇代码", FieldKind::Text),
            Field::new("area_mu", "面积（亩）", FieldKind::Real(4)),
            Field::new("block_id", "地块群编号", FieldKind::Int),
            Field::new("block_mu", "地块群面积（亩）", FieldKind::Real(4)),
        ],
        count: scattered.len(),
        feature: Box::new(move |k| {
            let p = &parcels[scattered[k]];
            let b = &o.blocks.blocks
                [o.blocks.block_of[scattered[k]].expect("scattered parcels are industrial")];
            (
                Geometry::Polygons(&p.geometry),
                vec![
                    Value::Text(p.id.clone()),
                    Value::Text(p.landuse.clone()),
                    Value::opt_text(p.village.as_deref()),
                    Value::opt_text(p.township()),
                    mu(p.area_m2),
                    Value::Int(b.id as i64),
                    mu(b.area_m2),
                ],
            )
        }),
        styles: vec![styles::scattered_parcels()],
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
                ],
            )
        }),
        styles: vec![styles::blocks()],
    });

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
            styles: vec![styles::boundary()],
        });
    }
    out
}

/// Writes `tudi.gpkg` and `tudi.qgs` into the staging folder. `boundary`,
/// the district outline, frames the map when given.
pub fn write(staging: &mut Staging, o: &Outcome, boundary: Option<&[Zone]>) -> Result<()> {
    let layers = layers(o, boundary);
    let mut extents = Vec::new();
    staging.write_at(GPKG, |path| {
        extents = write_gpkg(path, &layers)?;
        Ok(())
    })?;
    let title = format!("{} 低散乱整治作战图", o.project.project.name);
    let (xml, _) = project_xml(&ProjectInput {
        title: &title,
        gpkg: GPKG,
        layers: &layers,
        extents: &extents,
        frame: boundary.map(|_| BOUNDARY),
    })?;
    staging.write(PROJECT, |w| w.write_all(xml.as_bytes()))
}
