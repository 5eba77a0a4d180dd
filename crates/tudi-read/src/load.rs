//! From a project file to a [`Model`]: reads every layer (in parallel),
//! interprets the fields, checks the geometries, and collects every problem
//! before giving up, so a planner fixes them all in one go.

use gdal::cpl::CslStringList;
use gdal::vector::ToGdal;
use geo::winding_order::Winding;
use geo::{Coord, Geometry, MultiPolygon};
use rayon::prelude::*;

mod parts;

pub use parts::load_surveyed;

use crate::headers::Quantity;
use crate::{Built, FieldRequest, LayerHead, Mapped, RawFeature, Source, Value};
use tudi_core::config::{
    BuildingFields, DivisionFields, EnterpriseFields, FieldName, LayerSpec, Layers, ParcelFields,
    ParkFields, Project, Role, VacatedFields, ZoneFields,
};
use tudi_core::credit_code;
use tudi_core::date::Date;
use tudi_core::error::{Error, Location, Problem, Result};
use tudi_core::model::{
    id_order, is_county_code, Building, Division, Enterprise, Grade, LayerInfo, Model, Parcel,
    Park, Progress, VacatedRecord, Zone,
};

fn problem(at: Location, message: impl Into<String>) -> Problem {
    Problem {
        at,
        message: message.into(),
    }
}

fn source<F>(spec: &LayerSpec<F>) -> Source {
    Source {
        path: spec.path.clone(),
        layer: spec.layer.clone(),
        crs: spec.crs.clone(),
        x: spec.x.clone(),
        y: spec.y.clone(),
        crs_field: spec.crs_field.clone(),
        parcel: spec.parcel.clone(),
        encoding: spec.encoding.clone(),
        fids: None,
        given_by: crate::GivenBy::ProjectFile,
    }
}

/// A field request: the user's name (then it must exist) or the default
/// (then it must exist only if `required`).
fn field(key: &'static str, name: &FieldName, default: &str, required: bool) -> FieldRequest {
    FieldRequest {
        name: name.clone().unwrap_or_else(|| default.to_string()),
        key,
        required: required || name.is_some(),
        ..FieldRequest::default()
    }
}

/// A field a ledger may give under Chinese headers: read under `aliases`
/// (year and bracketed unit taken off) when the project file names none.
fn ledger_field(
    key: &'static str,
    name: &FieldName,
    required: bool,
    aliases: &'static [&'static str],
) -> FieldRequest {
    FieldRequest {
        aliases: if name.is_some() { &[] } else { aliases },
        ..field(key, name, key, required)
    }
}

const PARCEL_ID: usize = 0;
const PARCEL_LANDUSE: usize = 1;
const PARCEL_UNIT: usize = 2;
const PARCEL_VILLAGE: usize = 3;
const PARCEL_SETTLEMENT: usize = 4;
const PARCEL_AREA: usize = 5;

fn parcel_fields(f: &ParcelFields) -> Vec<FieldRequest> {
    vec![
        field("id", &f.id, "BSM", true),
        field("landuse", &f.landuse, "DLBM", true),
        field("unit_code", &f.unit_code, "ZLDWDM", false),
        field("village", &f.village, "ZLDWMC", false),
        field("settlement", &f.settlement, "CZCSXM", false),
        field("official_area", &f.official_area, "TBMJ", false),
    ]
}

const ENT_CODE: usize = 0;
const ENT_NAME: usize = 1;
const ENT_INDUSTRY: usize = 2;
const ENT_REVENUE: usize = 3;
const ENT_TAX: usize = 4;
const ENT_LAND: usize = 5;
const ENT_GRADES: usize = 6;
const ENT_STATUS: usize = 7;
const ENT_DEADLINE: usize = 8;
const ENT_FLOOR: usize = 9;
/// Requested only when the layer names a `parcel` column.
const ENT_PARCEL: usize = 10;

/// The headers of 亩均效益 ledgers (经信局) and their usual variants, in
/// order of preference, for each enterprise field.
const CREDIT_CODE_HEADERS: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "统一信用代码",
    "信用代码",
    "纳税人识别号",
];
const NAME_HEADERS: &[&str] = &["企业名称", "单位名称", "纳税人名称", "企业名", "名称"];
const INDUSTRY_HEADERS: &[&str] = &[
    "行业代码",
    "国民经济行业代码",
    "行业分类代码",
    "所属行业代码",
    "国标行业代码",
];
const REVENUE_HEADERS: &[&str] = &["营业收入", "主营业务收入", "销售收入", "营业总收入"];
const TAX_HEADERS: &[&str] = &[
    "实缴税金",
    "实缴税收",
    "实缴税额",
    "税收实际贡献",
    "实际缴纳税金",
    "纳税额",
    "税收",
];
const LAND_HEADERS: &[&str] = &["用地面积", "占地面积", "实际用地面积", "土地面积"];
const GRADE_HEADERS: &[&str] = &[
    "亩均效益评价等级",
    "亩均效益综合评价等级",
    "亩均评价等级",
    "综合评价等级",
    "评价等级",
    "评价结果",
    "等级",
];
const FLOOR_HEADERS: &[&str] = &[
    "用房面积",
    "厂房面积",
    "使用面积",
    "生产用房面积",
    "租用面积",
    "建筑面积",
];
const STATUS_HEADERS: &[&str] = &["整治状态", "整治进度", "销号状态", "状态"];
const DEADLINE_HEADERS: &[&str] = &[
    "销号期限",
    "整治期限",
    "整治时限",
    "完成时限",
    "计划完成时间",
];

pub(crate) fn enterprise_fields(f: &EnterpriseFields, parcel: Option<&str>) -> Vec<FieldRequest> {
    let mut fields = vec![
        ledger_field("credit_code", &f.credit_code, true, CREDIT_CODE_HEADERS),
        ledger_field("name", &f.name, true, NAME_HEADERS),
        ledger_field("industry", &f.industry, true, INDUSTRY_HEADERS),
        FieldRequest {
            quantity: Some(Quantity::Money),
            ..ledger_field("revenue", &f.revenue, true, REVENUE_HEADERS)
        },
        FieldRequest {
            quantity: Some(Quantity::Money),
            ..ledger_field("tax", &f.tax, true, TAX_HEADERS)
        },
        FieldRequest {
            quantity: Some(Quantity::Area),
            ..ledger_field("land_mu", &f.land_mu, false, LAND_HEADERS)
        },
        FieldRequest {
            yearly: true,
            ..ledger_field("grades", &f.grades, true, GRADE_HEADERS)
        },
        ledger_field("status", &f.status, false, STATUS_HEADERS),
        ledger_field("deadline", &f.deadline, false, DEADLINE_HEADERS),
        FieldRequest {
            quantity: Some(Quantity::Floor),
            ..ledger_field("floor_m2", &f.floor_m2, false, FLOOR_HEADERS)
        },
    ];
    if let Some(name) = parcel {
        fields.push(FieldRequest::named(name, "parcel"));
    }
    fields
}

fn zone_fields(f: &ZoneFields) -> Vec<FieldRequest> {
    vec![field("name", &f.name, "name", false)]
}

const BUILDING_FLOORS: usize = 0;
const BUILDING_FLOOR_AREA: usize = 1;

fn building_fields(f: &BuildingFields) -> Vec<FieldRequest> {
    vec![
        field("floors", &f.floors, "floors", false),
        field("floor_area", &f.floor_area, "floor_area", false),
    ]
}

const PARK_NAME: usize = 0;
const PARK_STAR: usize = 1;
const PARK_GRADE: usize = 2;
const PARK_OPENED: usize = 3;
const PARK_STATUS: usize = 4;
const PARK_VACANT: usize = 5;
const PARK_INDUSTRIES: usize = 6;

fn park_fields(f: &ParkFields) -> Vec<FieldRequest> {
    vec![
        field("name", &f.name, "name", false),
        field("star", &f.star, "star", false),
        field("grade", &f.grade, "grade", false),
        field("opened", &f.opened, "opened", false),
        ledger_field("status", &f.status, false, &["建设状态", "状态"]),
        FieldRequest {
            quantity: Some(Quantity::Floor),
            ..ledger_field(
                "vacant_m2",
                &f.vacant_m2,
                false,
                &["可入驻面积", "空置面积", "可招商面积", "剩余面积"],
            )
        },
        ledger_field(
            "industries",
            &f.industries,
            false,
            &["入驻行业", "准入行业", "主导产业"],
        ),
    ]
}

const VACATED_ID: usize = 0;
const VACATED_STATUS: usize = 1;
const VACATED_DATE: usize = 2;
const VACATED_CLAIMED: usize = 3;
const VACATED_TOWNSHIP: usize = 4;

fn vacated_fields(f: &VacatedFields) -> Vec<FieldRequest> {
    vec![
        field("id", &f.id, "id", true),
        field("status", &f.status, "status", true),
        field("done_date", &f.done_date, "done_date", false),
        field("claimed_mu", &f.claimed_mu, "claimed_mu", false),
        field("township", &f.township, "township", false),
    ]
}

fn division_fields(f: &DivisionFields) -> Vec<FieldRequest> {
    vec![
        field("code", &f.code, "code", true),
        field("name", &f.name, "name", false),
    ]
}

/// The layers a project names, with what to read from each.
fn requests(layers: &Layers) -> Vec<(Role, Source, Vec<FieldRequest>)> {
    let mut out = vec![(
        Role::Parcels,
        source(&layers.parcels),
        parcel_fields(&layers.parcels.fields),
    )];
    if let Some(s) = &layers.enterprises {
        let fields = enterprise_fields(&s.fields, s.parcel.as_deref());
        out.push((Role::Enterprises, source(s), fields));
    }
    for (role, spec) in [
        (Role::Villages, &layers.villages),
        (Role::Plan, &layers.plan),
        (Role::Protected, &layers.protected),
        (Role::Boundary, &layers.boundary),
    ] {
        if let Some(s) = spec {
            out.push((role, source(s), zone_fields(&s.fields)));
        }
    }
    if let Some(s) = &layers.buildings {
        out.push((Role::Buildings, source(s), building_fields(&s.fields)));
    }
    if let Some(s) = &layers.parks {
        out.push((Role::Parks, source(s), park_fields(&s.fields)));
    }
    if let Some(s) = &layers.vacated {
        out.push((Role::Vacated, source(s), vacated_fields(&s.fields)));
    }
    if let Some(s) = &layers.townships {
        out.push((Role::Townships, source(s), division_fields(&s.fields)));
    }
    if let Some(s) = &layers.counties {
        out.push((Role::Counties, source(s), division_fields(&s.fields)));
    }
    out
}

fn repair<F>(spec: &Option<LayerSpec<F>>) -> bool {
    spec.as_ref().is_some_and(|s| s.repair)
}

/// Loads every layer of a project. All problems found in all layers are
/// returned together.
pub fn load(project: &Project) -> Result<Model> {
    let layers = &project.layers;
    let requests = requests(layers);
    let settlement_field = requests[0].2[PARCEL_SETTLEMENT].name.clone();
    let requests_parcel_id = requests[0].2[PARCEL_ID].name.clone();
    // Every layer is read at once, the big ones in parallel inside, and
    // built as soon as it is read: the small layers are built while the
    // parcels are still being read.
    let loaded: Vec<Loaded> = requests
        .into_par_iter()
        .map(|(role, source, fields)| load_layer(role, &source, &fields, layers, &settlement_field))
        .collect();

    let Collected {
        mut model,
        mut problems,
        mut build_problems,
        pending,
    } = collect(loaded);
    if problems.is_empty() && build_problems.is_empty() {
        build_problems.extend(place_on_parcels(&mut model, pending, &requests_parcel_id));
    }
    problems.extend(build_problems);
    let found = tudi_core::analysis::plausibility::check(&model, project);
    problems.extend(found.errors);
    model.warnings.extend(found.warnings);
    if problems.is_empty() {
        Ok(model)
    } else {
        Err(Error::Input(problems))
    }
}

/// Layers read and built, put together.
struct Collected {
    /// Their items, layers and warnings, in layer order.
    model: Model,
    /// Reading problems, then building ones, each in layer order.
    problems: Vec<Problem>,
    build_problems: Vec<Problem>,
    pending: Vec<Pending>,
}

fn collect(loaded: Vec<Loaded>) -> Collected {
    let mut c = Collected {
        model: Model::default(),
        problems: Vec::new(),
        build_problems: Vec::new(),
        pending: Vec::new(),
    };
    for l in loaded {
        c.model.layers.extend(l.info);
        c.problems.extend(l.read_problems);
        c.build_problems.extend(l.build_problems);
        c.model.warnings.extend(l.warnings);
        c.pending.extend(l.pending);
        absorb(&mut c.model, l.part);
    }
    c
}

/// Parcels that say nothing of village areas, in a project without a
/// villages layer.
fn no_village_status(head: &LayerHead, layers: &Layers, settlement_field: &str) -> Option<Problem> {
    (head.found[PARCEL_SETTLEMENT].is_none() && layers.villages.is_none()).then(|| problem(
        head.at.clone().field(settlement_field),
        "parcels have no urban/village attribute (CZCSXM) and no villages layer is given: say which parcels are in village areas with one or the other",
    ))
}

fn no_features(head: &LayerHead) -> Problem {
    problem(head.at.clone(), "the layer has no features")
}

/// An enterprise a ledger places by its parcel's id.
struct Pending {
    /// Its index among the enterprises.
    index: usize,
    /// The parcel's id, as the parcels' id field holds it.
    id: String,
    /// The ledger's row and parcel column, for messages.
    at: Location,
}

/// Places each pending enterprise at a point inside its parcel (the
/// point the analyses take as the parcel's: its centroid when inside);
/// an id no parcel has is a problem naming the row.
fn place_on_parcels(model: &mut Model, pending: Vec<Pending>, id_field: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for p in pending {
        // parcels are in id order (checked unique when read)
        let found = model
            .parcels
            .binary_search_by(|parcel| id_order(&parcel.id, &p.id))
            .ok()
            .and_then(|i| tudi_core::analysis::parcels::inside_point(&model.parcels[i].geometry));
        match found {
            Some(c) => model.enterprises[p.index].location = c,
            None => problems.push(problem(
                p.at,
                format!(
                    "no parcel has the id '{}' (field {id_field} of the parcels layer)",
                    p.id
                ),
            )),
        }
    }
    problems
}

/// One layer read and built: what it adds to the model.
#[derive(Default)]
struct Loaded {
    /// Enterprises to be placed on their parcels, once those are read.
    pending: Vec<Pending>,
    info: Option<LayerInfo>,
    read_problems: Vec<Problem>,
    build_problems: Vec<Problem>,
    warnings: Vec<Problem>,
    /// A model holding this layer's items only.
    part: Model,
}

/// Reads one layer, making its items as it is read.
fn load_layer(
    role: Role,
    source: &Source,
    fields: &[FieldRequest],
    layers: &Layers,
    settlement_field: &str,
) -> Loaded {
    let mut loaded = Loaded::default();
    let l = &mut loaded;
    match role {
        Role::Parcels => {
            let repair = layers.parcels.repair;
            let texts = crate::Interner::default();
            let Some((head, items)) =
                read_runs(role, source, fields, l, |h, f| parcel(h, f, repair, &texts))
            else {
                return loaded;
            };
            if let Some(p) = no_village_status(&head, layers, settlement_field) {
                l.build_problems.insert(0, p);
            }
            let parcels = in_id_order(items, &head, &mut l.build_problems);
            if l.build_problems.is_empty() {
                l.part.parcels = parcels;
            }
        }
        Role::Enterprises => {
            if let Some((head, rows)) = read_items(role, source, fields, l, enterprise) {
                if l.build_problems.is_empty() {
                    let mut items = Vec::with_capacity(rows.len());
                    for (i, (e, parcel)) in rows.into_iter().enumerate() {
                        if let Some(id) = parcel {
                            l.pending.push(Pending {
                                index: i,
                                id,
                                at: head
                                    .at
                                    .clone()
                                    .feature(e.feature.to_string())
                                    .field(field_name(&head.found[ENT_PARCEL])),
                            });
                        }
                        items.push(e);
                    }
                    l.warnings.extend(credit_code_warnings(&items, &head));
                    l.part.enterprises = items;
                }
            }
        }
        Role::Villages | Role::Plan | Role::Protected | Role::Boundary => {
            let repair = repair(match role {
                Role::Villages => &layers.villages,
                Role::Plan => &layers.plan,
                Role::Protected => &layers.protected,
                _ => &layers.boundary,
            });
            let zones = read_kept(role, source, fields, l, |h, f| zone(h, f, repair));
            match role {
                Role::Villages => l.part.villages = zones,
                Role::Plan => l.part.plan = zones,
                Role::Protected => l.part.protected = zones,
                _ => l.part.boundary = zones,
            }
        }
        Role::Buildings => {
            let repair = repair(&layers.buildings);
            l.part.buildings = read_kept(role, source, fields, l, |h, f| building(h, f, repair));
        }
        Role::Parks => {
            let repair = repair(&layers.parks);
            l.part.parks = read_kept(role, source, fields, l, |h, f| park(h, f, repair));
        }
        Role::Vacated => {
            let repair = repair(&layers.vacated);
            if let Some((head, mut records)) =
                read_items(role, source, fields, l, |h, f| vacated_record(h, f, repair))
            {
                records.sort_by(|a, b| id_order(&a.id, &b.id).then(a.feature.cmp(&b.feature)));
                l.build_problems.extend(duplicate_ids(
                    &records,
                    |r| (r.id.as_str(), r.feature),
                    &head.at,
                    field_name(&head.found[VACATED_ID]),
                ));
                l.part.vacated = l.build_problems.is_empty().then_some(records);
            }
        }
        Role::Townships => {
            let repair = repair(&layers.townships);
            l.part.townships = read_kept(role, source, fields, l, |h, f| {
                division(h, f, repair, "no township code")
            });
        }
        Role::Counties => {
            let repair = repair(&layers.counties);
            l.part.counties = read_kept(role, source, fields, l, |h, f| {
                let (county, repaired) = division(h, f, repair, "no county code")?;
                if !is_county_code(&county.code) {
                    let at = h.at.clone().feature(county.feature.to_string());
                    return Err(problem(
                        at.field(field_name(&h.found[0])),
                        format!(
                            "county code {:?} is not 6 digits (the first 6 of ZLDWDM)",
                            county.code
                        ),
                    ));
                }
                Ok((county, repaired))
            });
        }
    }
    loaded
}

/// [`read_items`], the items kept only when the layer has no problem.
fn read_kept<T: Send>(
    role: Role,
    source: &Source,
    fields: &[FieldRequest],
    loaded: &mut Loaded,
    make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
) -> Option<Vec<T>> {
    let (_, items) = read_items(role, source, fields, loaded, make)?;
    loaded.build_problems.is_empty().then_some(items)
}

/// [`read_runs`], the runs joined.
fn read_items<T: Send>(
    role: Role,
    source: &Source,
    fields: &[FieldRequest],
    loaded: &mut Loaded,
    make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
) -> Option<(LayerHead, Vec<T>)> {
    read_runs(role, source, fields, loaded, make).map(|(head, runs)| (head, crate::concat(runs)))
}

/// Reads a layer, making an item of each feature (`make`) as it is read;
/// what the reading and making found goes into `loaded`. The items come in
/// file order, in the runs they were read in; `None` when the layer could
/// not be read.
fn read_runs<T: Send>(
    role: Role,
    source: &Source,
    fields: &[FieldRequest],
    loaded: &mut Loaded,
    make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
) -> Option<(LayerHead, Vec<Vec<T>>)> {
    let mapped = match crate::read_layer_with(source, fields, make) {
        Ok(mapped) => mapped,
        Err(problems) => {
            loaded.read_problems = problems;
            return None;
        }
    };
    let features = mapped.features();
    let Mapped {
        head,
        runs,
        notes,
        rejected,
    } = mapped;
    loaded.info = Some(LayerInfo {
        role,
        at: head.at.clone(),
        crs: head.crs.clone(),
        features,
    });
    if features == 0 {
        loaded.build_problems.push(no_features(&head));
    }
    loaded.build_problems.extend(rejected);
    loaded.warnings.extend(notes);
    Some((head, runs))
}

/// Moves a layer's items (the only ones `part` holds) into `model`.
fn absorb(model: &mut Model, part: Model) {
    let Model {
        layers: _,
        parcels,
        enterprises,
        villages,
        plan,
        protected,
        boundary,
        buildings,
        parks,
        vacated,
        townships,
        counties,
        warnings: _,
    } = part;
    // moved, not copied: one part holds them all
    if !parcels.is_empty() {
        model.parcels = parcels;
    }
    if !enterprises.is_empty() {
        model.enterprises = enterprises;
    }
    for (to, from) in [
        (&mut model.villages, villages),
        (&mut model.plan, plan),
        (&mut model.protected, protected),
        (&mut model.boundary, boundary),
    ] {
        *to = to.take().or(from);
    }
    model.buildings = model.buildings.take().or(buildings);
    model.parks = model.parks.take().or(parks);
    model.vacated = model.vacated.take().or(vacated);
    model.townships = model.townships.take().or(townships);
    model.counties = model.counties.take().or(counties);
}

/// Checks a polygonal geometry, repairing it when asked; returns it with
/// exterior rings counter-clockwise (RFC 7946, and what area needs).
fn polygons(
    geometry: Option<Geometry<f64>>,
    at: &dyn Fn() -> Location,
    repair: bool,
) -> std::result::Result<(MultiPolygon<f64>, Option<Problem>), Problem> {
    let mp = match geometry {
        Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Some(Geometry::MultiPolygon(mp)) => mp,
        Some(other) => {
            return Err(problem(
                at(),
                format!("a {} where a polygon was expected", geometry_name(&other)),
            ))
        }
        None => return Err(problem(at(), "no geometry")),
    };
    if mp.0.is_empty() || mp.0.iter().all(|p| p.exterior().0.is_empty()) {
        return Err(problem(at(), "empty geometry"));
    }
    let mut repaired = None;
    let mut mp = match tudi_core::model::validity::check(&mp) {
        Ok(()) => mp,
        Err(e) if repair => {
            repaired = Some(problem(at(), format!("invalid polygon ({e}) repaired")));
            make_valid(&mp).map_err(|r| {
                problem(
                    at(),
                    format!("invalid polygon ({e}) that cannot be repaired: {r}"),
                )
            })?
        }
        Err(e) => {
            return Err(problem(
                at(),
                format!("invalid polygon: {e} (set repair = true for this layer to repair it)"),
            ))
        }
    };
    // In place, as `geo`'s `Orient` would with `Direction::Default`, without
    // copying every ring.
    for p in &mut mp.0 {
        p.exterior_mut(|r| r.make_ccw_winding());
        p.interiors_mut(|rings| rings.iter_mut().for_each(|r| r.make_cw_winding()));
    }
    Ok((mp, repaired))
}

/// GEOS's MakeValid through GDAL, keeping the polygonal parts.
fn make_valid(mp: &MultiPolygon<f64>) -> std::result::Result<MultiPolygon<f64>, String> {
    let g = mp.to_gdal().map_err(|e| e.to_string())?;
    let valid = g
        .make_valid(&CslStringList::new())
        .map_err(|e| e.to_string())?;
    let wkb = valid.wkb().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    collect_polygons(crate::wkb::parse(&wkb)?, &mut out);
    let mp = MultiPolygon(out);
    if mp.0.is_empty() {
        return Err("nothing polygonal is left".into());
    }
    tudi_core::model::validity::check(&mp).map_err(|e| e.to_string())?;
    Ok(mp)
}

fn collect_polygons(g: Geometry<f64>, out: &mut Vec<geo::Polygon<f64>>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => gc.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "point",
        Geometry::MultiPoint(_) => "multipoint",
        Geometry::Polygon(_) => "polygon",
        Geometry::MultiPolygon(_) => "multipolygon",
        Geometry::LineString(_) | Geometry::Line(_) => "line",
        Geometry::MultiLineString(_) => "multiline",
        _ => "geometry collection",
    }
}

/// A field's name as the file spells it, for messages ("?" when the file
/// lacks the field: only required fields are named, and they are checked).
fn field_name(field: &Option<String>) -> &str {
    field.as_deref().unwrap_or("?")
}

/// A value that must be there, taken out as text; `missing` says what is
/// missing when it is blank.
fn required_text(
    v: &mut Value,
    at: impl FnOnce() -> Location,
    field: &Option<String>,
    missing: &str,
) -> std::result::Result<String, Problem> {
    v.take_text()
        .ok_or_else(|| problem(at().field(field_name(field)), missing))
}

fn number(
    v: &Value,
    at: &dyn Fn() -> Location,
    field: &Option<String>,
) -> std::result::Result<Option<f64>, Problem> {
    v.number().map_err(|bad| {
        problem(
            at().field(field_name(field)),
            format!("not a number: '{bad}'"),
        )
    })
}

fn date(
    v: &Value,
    at: &dyn Fn() -> Location,
    field: &Option<String>,
) -> std::result::Result<Option<Date>, Problem> {
    let Some(text) = v.text() else {
        return Ok(None);
    };
    Date::parse(&text).map(Some).ok_or_else(|| {
        problem(
            at().field(field_name(field)),
            format!("not a date: '{text}' (write it as 2020-06-30)"),
        )
    })
}

fn progress(
    v: &Value,
    at: &dyn Fn() -> Location,
    field: &Option<String>,
) -> std::result::Result<Option<Progress>, Problem> {
    let Some(text) = v.text() else {
        return Ok(None);
    };
    Progress::parse(&text).map(Some).ok_or_else(|| {
        problem(
            at().field(field_name(field)),
            format!("unknown status '{text}': use planned (or pending), in_progress or done"),
        )
    })
}

/// A whole number within `range` (a star rating, a year).
fn whole(
    v: &Value,
    at: &dyn Fn() -> Location,
    field: &Option<String>,
    range: std::ops::RangeInclusive<i64>,
) -> std::result::Result<Option<i64>, Problem> {
    let bad = |text: String| {
        problem(
            at().field(field_name(field)),
            format!(
                "'{text}' is not a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )
    };
    match v.number().map_err(&bad)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && range.contains(&(n as i64)) => Ok(Some(n as i64)),
        Some(n) => Err(bad(n.to_string())),
    }
}

/// A number that must not be negative (storeys, areas).
fn non_negative(
    v: &Value,
    at: &dyn Fn() -> Location,
    field: &Option<String>,
) -> std::result::Result<Option<f64>, Problem> {
    match number(v, at, field)? {
        Some(n) if n < 0.0 => Err(problem(
            at().field(field_name(field)),
            format!("must not be negative: {n}"),
        )),
        n => Ok(n),
    }
}

/// Names every id used twice in items sorted by id.
fn duplicate_ids<T: Sync>(
    sorted: &[T],
    key: impl Fn(&T) -> (&str, usize) + Sync,
    at: &Location,
    field: &str,
) -> Vec<Problem> {
    sorted
        .par_windows(2)
        .filter_map(|pair| {
            let ((id0, feature0), (id1, feature1)) = (key(&pair[0]), key(&pair[1]));
            (id0 == id1).then(|| {
                problem(
                    at.clone().feature(feature1.to_string()).field(field),
                    format!("id {id1} is also used by feature {feature0}: ids must be unique"),
                )
            })
        })
        .collect()
}

/// A parcel of a feature.
fn parcel(
    head: &LayerHead,
    mut f: RawFeature,
    repair: bool,
    texts: &crate::Interner,
) -> Built<Parcel> {
    let (at, found) = (&head.at, &head.found);
    let n = f.number;
    let id = required_text(
        &mut f.values[PARCEL_ID],
        || at.clone().feature(n.to_string()),
        &found[PARCEL_ID],
        "no id",
    )?;
    let fat = || at.clone().feature(format!("{n} (id {id})"));
    let landuse = required_text(
        &mut f.values[PARCEL_LANDUSE],
        fat,
        &found[PARCEL_LANDUSE],
        "no land-use code",
    )?;
    let official_area_m2 = number(&f.values[PARCEL_AREA], &fat, &found[PARCEL_AREA])?;
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let parcel = Parcel {
        id,
        feature: f.number,
        landuse: texts.intern(landuse),
        unit_code: f.values[PARCEL_UNIT].take_text().map(|t| texts.intern(t)),
        village: f.values[PARCEL_VILLAGE]
            .take_text()
            .map(|t| texts.intern(t)),
        settlement: f.values[PARCEL_SETTLEMENT]
            .take_text()
            .map(|t| texts.intern(t)),
        official_area_m2,
        geometry,
        area_m2: 0.0,
    };
    Ok((parcel, repaired))
}

/// Parcels in id order, each id used twice named in `problems`.
fn in_id_order(
    runs: Vec<Vec<Parcel>>,
    head: &LayerHead,
    problems: &mut Vec<Problem>,
) -> Vec<Parcel> {
    // Parcels are kept in id order, so nothing downstream (block numbers,
    // sums, output order) depends on the order of the file: FlatGeobuf's
    // spatial index, for one, reorders features.
    // BSMs are digit strings, ordered by id_order as (significant digits,
    // digits, text): comparing those tuples skips its per-call scans.
    let digits = |p: &Parcel| !p.id.is_empty() && p.id.bytes().all(|c| c.is_ascii_digit());
    let parcels = if runs.par_iter().flatten().all(digits) {
        fn key(p: &Parcel) -> (usize, &str, &str, usize) {
            let significant = p.id.trim_start_matches('0');
            (significant.len(), significant, &p.id, p.feature)
        }
        sorted_by(runs, |a, b| key(a).cmp(&key(b)))
    } else {
        sorted_by(runs, |a, b| {
            id_order(&a.id, &b.id).then(a.feature.cmp(&b.feature))
        })
    };
    problems.extend(duplicate_ids(
        &parcels,
        |p| (p.id.as_str(), p.feature),
        &head.at,
        field_name(&head.found[PARCEL_ID]),
    ));
    parcels
}

/// The items of `runs` sorted by `order`, a total order (feature numbers
/// break ties). Survey files are usually in id order already, or nearly:
/// that costs one pass, or a sort of positions and then swaps along the
/// cycles of that order, so items already in place never move and the
/// items are never copied whole a second time.
fn sorted_by<T: Send + Sync>(
    runs: Vec<Vec<T>>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
) -> Vec<T> {
    let mut items = crate::concat(runs);
    if items.par_windows(2).all(|w| order(&w[0], &w[1]).is_le()) {
        return items;
    }
    // from[k]: where the item to stand at k stands now
    let mut from: Vec<usize> = (0..items.len()).collect();
    from.par_sort_by(|&a, &b| order(&items[a], &items[b]));
    for start in 0..items.len() {
        let mut at = start;
        while from[at] != start {
            let next = from[at];
            items.swap(at, next);
            from[at] = at;
            at = next;
        }
        from[at] = at;
    }
    items
}

/// Grades as ledgers write them: `B,C,D`, `B，C，D`, `B、C、D`, `B/C/D`,
/// `BCD`.
fn parse_grades(s: &str) -> Option<Vec<Grade>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(vec![]);
    }
    let parts: Vec<&str> = if s.contains([',', '，', '、', '/', ';', '；', ' ']) {
        s.split([',', '，', '、', '/', ';', '；', ' '])
            .filter(|p| !p.trim().is_empty())
            .collect()
    } else {
        s.split("").filter(|p| !p.is_empty()).collect()
    };
    // ledgers write the class as 类, 档 or 级 after the letter (A类)
    parts
        .into_iter()
        .map(|p| Grade::parse(p.trim().trim_end_matches(['类', '档', '级'])))
        .collect()
}

/// GB/T 4754 code without the section letter.
fn industry_code(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(s)
        .to_string()
}

/// An enterprise of a feature.
/// An enterprise of a feature, and the id of the parcel to place it on
/// when the row gives that instead of coordinates.
fn enterprise(head: &LayerHead, mut f: RawFeature) -> Built<(Enterprise, Option<String>)> {
    let (at, found) = (&head.at, &head.found);
    let fat = || at.clone().feature(f.number.to_string());
    let mut parcel = None;
    let location = match f.geometry {
        Some(Geometry::Point(p)) => p.0,
        Some(Geometry::MultiPoint(mp)) if mp.0.len() == 1 => mp.0[0].0,
        Some(other) => {
            return Err(problem(
                fat(),
                format!("a {} where a point was expected", geometry_name(&other)),
            ))
        }
        // to be placed on its parcel, once the parcels are read
        None => match f.values.get_mut(ENT_PARCEL).and_then(Value::take_text) {
            Some(id) => {
                parcel = Some(id);
                Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                }
            }
            None if f.values.len() > ENT_PARCEL => {
                return Err(problem(
                    fat(),
                    "no location: neither coordinates nor a parcel",
                ))
            }
            None => return Err(problem(fat(), "no location")),
        },
    };
    let credit_code = f.values[ENT_CODE].take_text().unwrap_or_default();
    let grades_text = f.values[ENT_GRADES].take_text().unwrap_or_default();
    let grades = parse_grades(&grades_text).ok_or_else(|| {
        problem(
            fat().field(field_name(&found[ENT_GRADES])),
            format!("grades must be A, B, C or D, oldest first (e.g. B,C,D), not '{grades_text}'"),
        )
    })?;
    let enterprise = Enterprise {
        feature: f.number,
        credit_code_valid: credit_code::is_valid(&credit_code),
        credit_code,
        name: f.values[ENT_NAME].take_text().unwrap_or_default(),
        industry: industry_code(&f.values[ENT_INDUSTRY].take_text().unwrap_or_default()),
        revenue_wan: number(&f.values[ENT_REVENUE], &fat, &found[ENT_REVENUE])?,
        tax_wan: number(&f.values[ENT_TAX], &fat, &found[ENT_TAX])?,
        land_mu: number(&f.values[ENT_LAND], &fat, &found[ENT_LAND])?,
        floor_m2: non_negative(&f.values[ENT_FLOOR], &fat, &found[ENT_FLOOR])?,
        grades,
        location,
        status: progress(&f.values[ENT_STATUS], &fat, &found[ENT_STATUS])?,
        deadline: date(&f.values[ENT_DEADLINE], &fat, &found[ENT_DEADLINE])?,
    };
    Ok(((enterprise, parcel), None))
}

/// A warning for each invalid credit code: a typo in a ledger, not a
/// reason to stop.
fn credit_code_warnings(enterprises: &[Enterprise], head: &LayerHead) -> Vec<Problem> {
    enterprises
        .iter()
        .filter(|e| !e.credit_code_valid)
        .map(|e| {
            problem(
                // the code beside the row, so that a ledger's many typos
                // are one line of the report (`tudi check --all` lists each)
                head.at
                    .clone()
                    .feature(format!("{} ({})", e.feature, e.credit_code))
                    .field(field_name(&head.found[ENT_CODE])),
                "not a valid unified social credit code (GB 32100 check character)",
            )
        })
        .collect()
}

fn zone(head: &LayerHead, mut f: RawFeature, repair: bool) -> Built<Zone> {
    let fat = || head.at.clone().feature(f.number.to_string());
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let zone = Zone {
        feature: f.number,
        name: f.values[0].take_text(),
        geometry,
    };
    Ok((zone, repaired))
}

fn building(head: &LayerHead, f: RawFeature, repair: bool) -> Built<Building> {
    let (at, found) = (&head.at, &head.found);
    let fat = || at.clone().feature(f.number.to_string());
    let floors = non_negative(&f.values[BUILDING_FLOORS], &fat, &found[BUILDING_FLOORS])?;
    let given_floor_area_m2 = non_negative(
        &f.values[BUILDING_FLOOR_AREA],
        &fat,
        &found[BUILDING_FLOOR_AREA],
    )?;
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let building = Building {
        feature: f.number,
        floors,
        given_floor_area_m2,
        geometry,
        footprint_m2: 0.0,
    };
    Ok((building, repaired))
}

fn park(head: &LayerHead, mut f: RawFeature, repair: bool) -> Built<Park> {
    let (at, found) = (&head.at, &head.found);
    let fat = || at.clone().feature(f.number.to_string());
    let grade = match f.values[PARK_GRADE].text() {
        None => None,
        Some(g) => Some(Grade::parse(&g).ok_or_else(|| {
            problem(
                fat().field(field_name(&found[PARK_GRADE])),
                format!("a park's grade is A, B, C or D, not '{g}'"),
            )
        })?),
    };
    let star = whole(&f.values[PARK_STAR], &fat, &found[PARK_STAR], 1..=5)?;
    let opened = whole(
        &f.values[PARK_OPENED],
        &fat,
        &found[PARK_OPENED],
        1900..=2200,
    )?;
    let status = progress(&f.values[PARK_STATUS], &fat, &found[PARK_STATUS])?;
    let vacant_m2 = non_negative(&f.values[PARK_VACANT], &fat, &found[PARK_VACANT])?;
    let industries = f.values[PARK_INDUSTRIES]
        .take_text()
        .map(|t| {
            t.split([',', '，', '、', ';', '；', '/', ' '])
                .map(industry_code)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let park = Park {
        feature: f.number,
        name: f.values[PARK_NAME]
            .take_text()
            .unwrap_or_else(|| format!("park {}", f.number)),
        star: star.map(|s| s as u8),
        grade,
        opened: opened.map(|y| y as i32),
        status,
        vacant_m2,
        industries,
        geometry,
        area_m2: 0.0,
    };
    Ok((park, repaired))
}

fn vacated_record(head: &LayerHead, mut f: RawFeature, repair: bool) -> Built<VacatedRecord> {
    let (at, found) = (&head.at, &head.found);
    let n = f.number;
    let id = required_text(
        &mut f.values[VACATED_ID],
        || at.clone().feature(n.to_string()),
        &found[VACATED_ID],
        "no id",
    )?;
    let fat = || at.clone().feature(format!("{n} (id {id})"));
    let status =
        progress(&f.values[VACATED_STATUS], &fat, &found[VACATED_STATUS])?.ok_or_else(|| {
            problem(
                fat().field(field_name(&found[VACATED_STATUS])),
                "no status: use planned, in_progress or done",
            )
        })?;
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let record = VacatedRecord {
        feature: f.number,
        status,
        done_date: date(&f.values[VACATED_DATE], &fat, &found[VACATED_DATE])?,
        claimed_mu: non_negative(&f.values[VACATED_CLAIMED], &fat, &found[VACATED_CLAIMED])?,
        township: f.values[VACATED_TOWNSHIP].take_text(),
        geometry,
        area_m2: 0.0,
        id: id.clone(),
    };
    Ok((record, repaired))
}

fn division(head: &LayerHead, mut f: RawFeature, repair: bool, no_code: &str) -> Built<Division> {
    let (at, found) = (&head.at, &head.found);
    let fat = || at.clone().feature(f.number.to_string());
    let code = required_text(&mut f.values[0], fat, &found[0], no_code)?;
    let (geometry, repaired) = polygons(f.geometry, &fat, repair)?;
    let division = Division {
        feature: f.number,
        code,
        name: f.values[1].take_text(),
        geometry,
    };
    Ok((division, repaired))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_position_names_its_field() {
        // the positions read from a feature's values are those of the
        // requests (a field added to one and not the other fails here)
        let key = |requests: Vec<FieldRequest>, at: usize| requests[at].key;
        let parcel = || parcel_fields(&ParcelFields::default());
        for (at, want) in [
            (PARCEL_ID, "id"),
            (PARCEL_LANDUSE, "landuse"),
            (PARCEL_UNIT, "unit_code"),
            (PARCEL_VILLAGE, "village"),
            (PARCEL_SETTLEMENT, "settlement"),
            (PARCEL_AREA, "official_area"),
        ] {
            assert_eq!(key(parcel(), at), want);
        }
        let ent = || enterprise_fields(&EnterpriseFields::default(), Some("图斑编号"));
        for (at, want) in [
            (ENT_CODE, "credit_code"),
            (ENT_NAME, "name"),
            (ENT_INDUSTRY, "industry"),
            (ENT_REVENUE, "revenue"),
            (ENT_TAX, "tax"),
            (ENT_LAND, "land_mu"),
            (ENT_GRADES, "grades"),
            (ENT_STATUS, "status"),
            (ENT_DEADLINE, "deadline"),
            (ENT_FLOOR, "floor_m2"),
            (ENT_PARCEL, "parcel"),
        ] {
            assert_eq!(key(ent(), at), want);
        }
        let building = || building_fields(&BuildingFields::default());
        assert_eq!(key(building(), BUILDING_FLOORS), "floors");
        assert_eq!(key(building(), BUILDING_FLOOR_AREA), "floor_area");
        let park = || park_fields(&ParkFields::default());
        for (at, want) in [
            (PARK_NAME, "name"),
            (PARK_STAR, "star"),
            (PARK_GRADE, "grade"),
            (PARK_OPENED, "opened"),
            (PARK_STATUS, "status"),
            (PARK_VACANT, "vacant_m2"),
            (PARK_INDUSTRIES, "industries"),
        ] {
            assert_eq!(key(park(), at), want);
        }
        let vacated = || vacated_fields(&VacatedFields::default());
        for (at, want) in [
            (VACATED_ID, "id"),
            (VACATED_STATUS, "status"),
            (VACATED_DATE, "done_date"),
            (VACATED_CLAIMED, "claimed_mu"),
            (VACATED_TOWNSHIP, "township"),
        ] {
            assert_eq!(key(vacated(), at), want);
        }
    }

    #[test]
    fn grades_in_every_ledger_spelling() {
        use Grade::*;
        for s in ["B,C,D", "B，C，D", "B、C、D", "B/C/D", "BCD", " b , c ,d "] {
            assert_eq!(parse_grades(s), Some(vec![B, C, D]), "{s}");
        }
        assert_eq!(parse_grades(""), Some(vec![]));
        assert_eq!(parse_grades("B,E"), None);
    }

    #[test]
    fn sorting_moves_each_item_once_into_order() {
        let order = |a: &(u32, usize), b: &(u32, usize)| a.cmp(b);
        let shuffled: Vec<(u32, usize)> =
            (0..1000).map(|i| ((i * 7919) % 13, i as usize)).collect();
        let mut expected = shuffled.clone();
        expected.sort();
        assert_eq!(sorted_by(vec![shuffled.clone()], order), expected);
        assert_eq!(sorted_by(vec![expected.clone()], order), expected);
        assert!(sorted_by(Vec::new(), order).is_empty());
        assert!(sorted_by(vec![Vec::new(), Vec::new()], order).is_empty());
        // runs each in order but overlapping, runs in order with empty
        // ones between, and shuffled runs
        let (a, b) = expected.split_at(400);
        let (odd, even): (Vec<_>, Vec<_>) = expected.iter().copied().partition(|x| x.1 % 2 == 1);
        assert_eq!(sorted_by(vec![odd, even], order), expected);
        assert_eq!(
            sorted_by(vec![a.to_vec(), vec![], b.to_vec()], order),
            expected
        );
        assert_eq!(sorted_by(vec![b.to_vec(), a.to_vec()], order), expected);
        let chunks: Vec<Vec<_>> = shuffled.chunks(77).map(<[_]>::to_vec).collect();
        assert_eq!(sorted_by(chunks, order), expected);
    }

    #[test]
    fn industry_codes_lose_their_section_letter() {
        assert_eq!(industry_code("C1713"), "1713");
        assert_eq!(industry_code("1713"), "1713");
        assert_eq!(industry_code(" c2614 "), "2614");
    }
}
