//! The map products of a run: `tudi.gpkg` (every output layer, styled) and
//! `tudi.qgs` (a QGIS project with a print layout) — the planners'
//! 挂图作战 map. Each layer is an output table (see [`crate::table`]),
//! the same the GeoJSON, CSV and workbook write, with its place in the
//! project and its styles.

use tudi_core::analysis::townships::Level;
use tudi_core::error::Result;
use tudi_core::model::Zone;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::{Lang, Term};

use super::geojson::Shape;
use super::gpkg::{write_gpkg, GeometryKind, Layer};
use super::qgis::{project_xml, ProjectInput};
use super::table::{col, Kind, Table, Value};
use super::{land, outputs, styles, Staging};

pub const GPKG: &str = "tudi.gpkg";
pub const PROJECT: &str = "tudi.qgs";

/// The boundary layer's table, which frames the map when present.
const BOUNDARY: &str = "district";

/// The project's layer groups, top of the map first: the targets, then
/// parks and vacated land, then the land they lie on, then the base map.
const TARGETS: usize = 0;
const PARKS_AND_VACATED: usize = 1;
const LAND: usize = 2;
const BASE: usize = 3;
const GROUPS: [Term; 4] = [
    Term::new("整治对象", "Targets"),
    Term::new("小微园与腾退", "Parks and vacated land"),
    Term::new("用地", "Land"),
    Term::new("底图", "Base map"),
];

/// The layers of a run, top of the map first.
pub fn layers<'a>(o: &'a Outcome, boundary: Option<&'a [Zone]>, lang: Lang) -> Vec<Layer<'a>> {
    let rules = &o.project.rules;
    let mut out = vec![
        outputs::enterprises(o, lang).layer(
            lang,
            GROUPS[TARGETS].get(lang),
            lang.pick(
                "全部企业（纠偏后位置）及整治判定、处置方式",
                "Every firm (corrected location), its findings and disposition",
            )
            .into(),
            vec![
                styles::enterprises_by_disposition(lang),
                styles::enterprises_by_grade(lang),
            ],
        ),
        outputs::scattered_parcels(o).layer(
            lang,
            GROUPS[LAND].get(lang),
            match lang {
                Lang::Zh => format!(
                    "连片面积不足 {} 亩的村级工业用地图斑",
                    rules.scattered_max_mu
                ),
                Lang::En => format!(
                    "Village industrial parcels in blocks under {} mu",
                    rules.scattered_max_mu
                ),
            },
            vec![styles::scattered_parcels(rules.scattered_max_mu, lang)],
        ),
        outputs::blocks(o).layer(
            lang,
            GROUPS[LAND].get(lang),
            match lang {
                Lang::Zh => format!(
                    "间距 {} 米内相连的工业用地图斑合并而成的地块群",
                    rules.cluster_gap_m
                ),
                Lang::En => format!(
                    "Industrial parcels joined when within {} m of each other",
                    rules.cluster_gap_m
                ),
            },
            vec![styles::blocks(lang)],
        ),
    ];
    out.extend(land_layers(o, lang));
    out.extend(boundary.map(|zones| boundary_layer(zones, lang)));
    // In the groups' order; industrial blocks beneath the parcels in them.
    let rank = |group: &str| GROUPS.iter().position(|g| g.get(lang) == group);
    out.sort_by_key(|l| (rank(l.group), l.name == "blocks"));
    out
}

/// The district's outline, which frames the map.
fn boundary_layer(zones: &[Zone], lang: Lang) -> Layer<'_> {
    let columns = vec![col(
        "name",
        Term::new("名称", "Name"),
        Kind::Text,
        |&k: &usize| Value::opt_text(zones[k].name.as_deref()),
    )];
    Table::new(
        BOUNDARY,
        Term::new("行政区界", "District boundary"),
        columns,
        (0..zones.len()).collect(),
    )
    .located(GeometryKind::MultiPolygon, |&k| {
        Some(Shape::Polygons(&zones[k].geometry))
    })
    .layer(
        lang,
        GROUPS[BASE].get(lang),
        lang.pick("区县行政区域界线", "The district's boundary")
            .into(),
        vec![styles::boundary(lang)],
    )
}

/// The parks (and the moves into them), floor-area, vacated-land and
/// township layers, each when its input layer is given.
fn land_layers(o: &Outcome, lang: Lang) -> Vec<Layer<'_>> {
    let rules = &o.project.rules;
    let m = &o.model;
    let known = m.buildings.is_some();
    let vacated = o.vacated.is_some();
    let mut out = Vec::new();
    if m.parks.is_some() {
        // the moves over the parks they go to
        out.push(
            crate::placement::placements(o, lang).layer(
                lang,
                GROUPS[PARKS_AND_VACATED].get(lang),
                lang.pick(
                    "入园安置路线：企业现址至安置园区",
                    "Moves into parks: each placed firm to its park",
                )
                .into(),
                vec![styles::move_lines(&rules.placement.seek, lang)],
            ),
        );
        out.push(land::parks(o).layer(
            lang,
            GROUPS[PARKS_AND_VACATED].get(lang),
            match lang {
                Lang::Zh => format!("小微企业园，容积率低于 {} 红框", rules.min_park_far),
                Lang::En => format!(
                    "Micro-enterprise parks, red when FAR is under {}",
                    rules.min_park_far
                ),
            },
            vec![styles::parks_by_far(rules.min_park_far, known, lang)],
        ));
    }
    if vacated {
        out.push(
            land::vacated(o, lang).layer(
                lang,
                GROUPS[PARKS_AND_VACATED].get(lang),
                lang.pick(
                    "腾退记录及核查结果",
                    "Vacated-land records and their checks",
                )
                .into(),
                vec![
                    styles::vacated_by_status(lang),
                    styles::vacated_by_check(lang),
                ],
            ),
        );
        out.push(land::vacated_blocks(o).layer(
            lang,
            GROUPS[PARKS_AND_VACATED].get(lang),
            match lang {
                Lang::Zh => format!(
                    "扣除保护红线后相连的腾退用地，{} 亩以上计入有效面积",
                    rules.effective_min_block_mu
                ),
                Lang::En => format!(
                    "Vacated land joined outside protected zones; blocks of {} mu or more count as effective",
                    rules.effective_min_block_mu
                ),
            },
            vec![styles::vacated_blocks(lang)],
        ));
    }
    if known {
        out.push(land::low_density_parcels(o).layer(
            lang,
            GROUPS[LAND].get(lang),
            match lang {
                Lang::Zh => format!("容积率低于 {} 的工业用地图斑", rules.min_parcel_far),
                Lang::En => format!("Industrial parcels with FAR under {}", rules.min_parcel_far),
            },
            vec![styles::low_density_parcels(rules.min_parcel_far, lang)],
        ));
    }
    // the townships, and the counties when the project spans several and
    // outlines them
    for (level, shown) in [
        (Level::Township, m.townships.is_some()),
        (
            Level::County,
            m.counties.is_some() && !o.counties.is_empty(),
        ),
    ] {
        if !shown {
            continue;
        }
        let term = level.term();
        out.push(
            land::divisions(level, lang, land::division_polygons(o, level)).layer(
                lang,
                GROUPS[BASE].get(lang),
                match lang {
                    Lang::Zh => format!("{}界线及整治、腾退汇总", term.zh),
                    Lang::En => format!(
                        "{} boundaries with their remediation and vacated-land figures",
                        term.en
                    ),
                },
                vec![styles::divisions(level, lang)],
            ),
        );
    }
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
