//! Whether the layers agree with each other. A CRS that lands in China but
//! in the wrong place passes every check of a single feature, and then
//! every enterprise is unlocated, every TBMJ wrong and every vacated record
//! "outside", with exit 0. These checks look at whole layers once they are
//! loaded and stop the run when most of a layer disagrees; a handful of
//! outliers stays what it was (counts and warnings of the analyses).
//!
//! The rules, with their defaults:
//! - a layer of items (enterprises, buildings, parks, vacated records,
//!   townships) is off the parcels when more than half (`MOSTLY`) of its
//!   features lie outside the parcels' extent widened by 0.01° (about
//!   1 km, `MARGIN_DEG`);
//! - a layer of areas (boundary, villages, plan, protected) may reach
//!   beyond the district, but is off when none of its features meets that
//!   extent;
//! - TBMJ is implausible when more than half of the parcels giving it
//!   differ from their measured area by more than `area_tolerance` (the
//!   mismatches of `area_mismatches.csv`), among at least 10
//!   (`MIN_OFFICIAL`) parcels. At most 10 000 (`SAMPLE`) parcels, evenly
//!   spread in id order, are measured for it, so `tudi check` stays fast
//!   on a million parcels. A project whose TBMJ is known to be unreliable
//!   raises `area_tolerance`.
//!
//! Duplicate credit codes are warnings: a firm is one firm, so only its
//! first row in the ledger counts towards the targets.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Rect};
use rayon::prelude::*;

use super::parcels;
use crate::config::{Project, Role};
use crate::error::{Location, Problem};
use crate::geodesy::M2_PER_MU;
use crate::model::{union_rect, Enterprise, Model, Parcel};

/// More than this share of a layer off the parcels, or of the parcels off
/// their TBMJ, is an error.
pub(crate) const MOSTLY: f64 = 0.5;
/// The parcels' extent is widened by this (degrees, about 1 km) before
/// asking what lies outside it: an enterprise geocoded to a road just over
/// the district's edge is no sign of a wrong CRS.
pub(crate) const MARGIN_DEG: f64 = 0.01;
/// Fewer parcels with TBMJ than this say nothing about its units.
pub(crate) const MIN_OFFICIAL: usize = 10;
/// At most this many parcels are measured for the TBMJ check.
pub(crate) const SAMPLE: usize = 10_000;

/// What the checks found: errors (exit 2) and warnings.
#[derive(Debug, Default)]
pub struct Findings {
    /// Problems that stop the run: a layer off the parcels, implausible
    /// TBMJ.
    pub errors: Vec<Problem>,
    /// Problems reported but not fatal: duplicate credit codes.
    pub warnings: Vec<Problem>,
}

/// Checks a loaded model: layers off the parcels, implausible TBMJ,
/// duplicate credit codes.
pub fn check(model: &Model, project: &Project) -> Findings {
    let extent = parcels::bounds(model.parcels.par_iter().map(|p| &p.geometry));
    check_surveyed(model, project, extent, false)
}

/// [`check`] of parcels of `extent`, `measured` in the plane fitted to it
/// when they were surveyed as they were read (the outlines of all but
/// the industrial ones are gone).
pub fn check_surveyed(
    model: &Model,
    project: &Project,
    extent: Option<Rect<f64>>,
    measured: bool,
) -> Findings {
    let mut found = Findings::default();
    let at = |role: Role| model.layers.iter().find(|l| l.role == role);
    if let (Some(extent), Some(parcels_at)) = (extent, at(Role::Parcels)) {
        let off = layers_off(model, extent);
        for (role, problem) in &off {
            if let Some(info) = at(*role) {
                found.errors.push(Problem {
                    at: info.at.clone(),
                    message: format!(
                        "{problem}: the {role} layer's CRS {} or the parcels' {} may be wrong, or x/y swapped",
                        info.crs, parcels_at.crs
                    ),
                });
            }
        }
        let others = model
            .layers
            .iter()
            .filter(|l| l.role != Role::Parcels)
            .count();
        if off.len() >= 2 && off.len() == others {
            found.errors.push(Problem {
                at: parcels_at.at.clone(),
                message: format!(
                    "every other layer lies off the parcels: the parcels' CRS {} is the likely fault",
                    parcels_at.crs
                ),
            });
        }
        let tbmj = project.layers.parcels.fields.official_area.as_deref();
        let tbmj_at = parcels_at.at.clone().field(tbmj.unwrap_or("TBMJ"));
        found.errors.extend(
            official_areas(
                &model.parcels,
                extent,
                measured,
                project.rules.area_tolerance,
            )
            .map(|m| Problem {
                at: tbmj_at,
                message: format!(
                    "{m}: the parcels' CRS {} may be wrong (zone or units), or TBMJ is not in m²",
                    parcels_at.crs
                ),
            }),
        );
    }
    if let Some(info) = at(Role::Enterprises) {
        let field = project
            .layers
            .enterprises
            .as_ref()
            .and_then(|s| s.fields.credit_code.as_deref())
            .unwrap_or("credit_code");
        found.warnings.extend(duplicate_warnings(
            &model.enterprises,
            &info.at.clone().field(field),
        ));
    }
    found
}

/// `lo–hi E, lo–hi N`.
fn extent_text(r: Rect<f64>) -> String {
    format!(
        "{:.2}–{:.2} E, {:.2}–{:.2} N",
        r.min().x,
        r.max().x,
        r.min().y,
        r.max().y
    )
}

/// The bounding boxes of a layer's polygons, when the layer was given.
fn boxes<T: Sync>(
    layer: &Option<Vec<T>>,
    geometry: impl Fn(&T) -> &MultiPolygon<f64> + Sync,
) -> Option<Vec<Rect<f64>>> {
    layer.as_ref().map(|items| {
        items
            .par_iter()
            .filter_map(|f| geometry(f).bounding_rect())
            .collect()
    })
}

/// The layers lying off the parcels' `extent`, each with what was seen.
fn layers_off(model: &Model, extent: Rect<f64>) -> Vec<(Role, String)> {
    let margin = Coord::from((MARGIN_DEG, MARGIN_DEG));
    let widened = Rect::new(extent.min() - margin, extent.max() + margin);
    let points = (!model.enterprises.is_empty()).then(|| {
        model
            .enterprises
            .iter()
            .map(|e| Rect::new(e.location, e.location))
            .collect()
    });
    // (role, what its features are called (items) or "" (areas), boxes)
    let layers = [
        (Role::Enterprises, "enterprises", points),
        (
            Role::Buildings,
            "buildings",
            boxes(&model.buildings, |f| &f.geometry),
        ),
        (Role::Parks, "parks", boxes(&model.parks, |f| &f.geometry)),
        (
            Role::Vacated,
            "vacated records",
            boxes(&model.vacated, |f| &f.geometry),
        ),
        (
            Role::Townships,
            "townships",
            boxes(&model.townships, |f| &f.geometry),
        ),
        (Role::Boundary, "", boxes(&model.boundary, |f| &f.geometry)),
        (Role::Villages, "", boxes(&model.villages, |f| &f.geometry)),
        (Role::Plan, "", boxes(&model.plan, |f| &f.geometry)),
        (
            Role::Protected,
            "",
            boxes(&model.protected, |f| &f.geometry),
        ),
    ];
    layers
        .into_iter()
        .filter_map(|(role, noun, rects)| {
            let rects = rects?;
            let outside: Vec<Rect<f64>> = rects
                .iter()
                .filter(|r| !r.intersects(&widened))
                .copied()
                .collect();
            let off = if noun.is_empty() {
                !outside.is_empty() && outside.len() == rects.len()
            } else {
                outside.len() as f64 > MOSTLY * rects.len() as f64
            };
            if !off {
                return None;
            }
            let spread = extent_text(outside.iter().copied().reduce(union_rect)?);
            let seen = if noun.is_empty() {
                format!(
                    "the {role} layer ({spread}) does not overlap the parcels' extent ({})",
                    extent_text(extent)
                )
            } else {
                format!(
                    "{} of {} {noun} lie outside the parcels' extent ({}), at {spread}",
                    outside.len(),
                    rects.len(),
                    extent_text(extent)
                )
            };
            Some((role, seen))
        })
        .collect()
}

/// What the parcels' TBMJ says, when it disagrees with the measured area
/// for most of them: the share and the median ratio measured/official.
fn official_areas(
    parcels: &[Parcel],
    extent: Rect<f64>,
    measured: bool,
    tolerance: f64,
) -> Option<String> {
    let given: Vec<(&Parcel, f64)> = parcels
        .iter()
        .filter_map(|p| Some((p, p.official_area_m2?)))
        .collect();
    if given.len() < MIN_OFFICIAL {
        return None;
    }
    let projection = parcels::projection_over(Some(extent));
    let sample: Vec<&(&Parcel, f64)> = given.iter().step_by(given.len().div_ceil(SAMPLE)).collect();
    let mut relative: Vec<f64> = sample
        .par_iter()
        .map(|(p, official)| {
            let area = if measured {
                p.area_m2
            } else {
                projection.multi_polygon_area(&p.geometry)
            };
            parcels::relative_difference(area, *official)
        })
        .collect();
    let differ = relative.iter().filter(|r| r.abs() > tolerance).count();
    if (differ as f64) <= MOSTLY * sample.len() as f64 {
        return None;
    }
    relative.sort_by(f64::total_cmp);
    let ratio = 1.0 + relative[relative.len() / 2];
    let sampled = if sample.len() < given.len() {
        format!(
            " measured (an even sample of the {} giving TBMJ)",
            given.len()
        )
    } else {
        String::new()
    };
    let near = |unit: f64| (ratio / unit - 1.0).abs() < 0.02;
    let unit = if near(M2_PER_MU) {
        " (TBMJ looks like mu)"
    } else if near(10_000.0) {
        " (TBMJ looks like hectares)"
    } else {
        ""
    };
    Some(format!(
        "{differ} of {} parcels{sampled} ({:.1}%) differ from their official area (TBMJ) by more than {}%; \
         the median ratio measured/official is {ratio:.4}{unit}",
        sample.len(),
        100.0 * differ as f64 / sample.len() as f64,
        tolerance * 100.0
    ))
}

/// For each enterprise, the position of the first enterprise (in ledger
/// order) with the same credit code, when that is another one. Codes are
/// compared trimmed and in upper case; empty codes are no one's duplicate.
pub(crate) fn duplicate_of(enterprises: &[Enterprise]) -> Vec<Option<usize>> {
    let mut first: HashMap<String, usize> = HashMap::new();
    enterprises
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let code = e.credit_code.trim().to_ascii_uppercase();
            if code.is_empty() {
                return None;
            }
            let f = *first.entry(code).or_insert(k);
            (f != k).then_some(f)
        })
        .collect()
}

/// A warning for each later row of a credit code, naming both rows.
fn duplicate_warnings(enterprises: &[Enterprise], at: &Location) -> Vec<Problem> {
    duplicate_of(enterprises)
        .into_iter()
        .enumerate()
        .filter_map(|(k, first)| {
            let (e, f) = (&enterprises[k], &enterprises[first?]);
            Some(Problem {
                at: at.clone().feature(format!("{} ({})", e.feature, e.name)),
                message: format!(
                    "credit code {} is also on feature {} ({}): one firm listed twice; only feature {} counts towards the targets",
                    e.credit_code.trim(),
                    f.feature,
                    f.name,
                    f.feature
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use geo::{polygon, MultiPolygon};

    use super::*;
    use crate::model::Zone;

    /// A lon/lat rectangle.
    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)
        ]])
    }

    fn parcel(geometry: MultiPolygon<f64>, official_area_m2: Option<f64>) -> Parcel {
        Parcel {
            id: "1".into(),
            feature: 1,
            landuse: "0601".into(),
            unit_code: None,
            village: None,
            settlement: None,
            official_area_m2,
            geometry,
            area_m2: 0.0,
        }
    }

    fn firm(feature: usize, code: &str, x: f64, y: f64) -> Enterprise {
        Enterprise::for_test(feature, code, Coord { x, y })
    }

    const EXTENT: (f64, f64, f64, f64) = (120.0, 30.0, 120.1, 30.1);

    fn district(enterprises: Vec<Enterprise>, boundary: MultiPolygon<f64>) -> (Model, Rect<f64>) {
        let (x0, y0, x1, y1) = EXTENT;
        let model = Model {
            parcels: vec![parcel(square(x0, y0, x1, y1), None)],
            enterprises,
            boundary: Some(vec![Zone {
                feature: 1,
                name: None,
                geometry: boundary,
            }]),
            ..Model::default()
        };
        (model, Rect::new((x0, y0), (x1, y1)))
    }

    #[test]
    fn most_items_off_the_parcels_is_an_error_a_few_are_not() {
        let inside = |k| firm(k, "", 120.05, 30.05);
        // just over the edge, within the margin: inside
        let near = |k| firm(k, "", 120.1 + MARGIN_DEG / 2.0, 30.05);
        let far = |k| firm(k, "", 117.6, 30.05);
        let boundary = square(119.9, 29.9, 120.2, 30.2);
        let (m, extent) = district(vec![inside(1), near(2), far(3)], boundary.clone());
        assert!(layers_off(&m, extent).is_empty(), "1 of 3 outside");
        let (m, extent) = district(vec![inside(1), far(2), far(3)], boundary.clone());
        let off = layers_off(&m, extent);
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].0, Role::Enterprises);
        assert_eq!(
            off[0].1,
            "2 of 3 enterprises lie outside the parcels' extent \
             (120.00–120.10 E, 30.00–30.10 N), at 117.60–117.60 E, 30.05–30.05 N"
        );
        // half is not most
        let (m, extent) = district(vec![inside(1), far(2)], boundary);
        assert!(layers_off(&m, extent).is_empty());
    }

    #[test]
    fn an_area_layer_must_meet_the_parcels_somewhere() {
        // a boundary reaching far beyond the parcels, or overlapping a
        // corner, is fine; one beside them is not
        for (b, off) in [
            (square(110.0, 20.0, 130.0, 40.0), false),
            (square(120.09, 30.09, 121.0, 31.0), false),
            (square(120.2, 30.0, 120.5, 30.1), true),
        ] {
            let (m, extent) = district(vec![], b);
            let found = layers_off(&m, extent);
            assert_eq!(found.len(), usize::from(off), "{found:?}");
            if off {
                assert_eq!(
                    found[0].1,
                    "the boundary layer (120.20–120.50 E, 30.00–30.10 N) does not overlap \
                     the parcels' extent (120.00–120.10 E, 30.00–30.10 N)"
                );
            }
        }
    }

    #[test]
    fn tbmj_wrong_for_most_parcels_gives_share_and_median_ratio() {
        let extent = Rect::new((120.0, 30.0), (120.1, 30.1));
        let projection = parcels::projection_over(Some(extent));
        // ten parcels, their official areas given as the check measures
        // them, or off by `factor`
        let shapes: Vec<MultiPolygon<f64>> = (0..10)
            .map(|i| {
                let x = 120.0 + 0.01 * f64::from(i);
                square(x, 30.0, x + 0.005, 30.001 * (1.0 + f64::from(i) * 1e-5))
            })
            .collect();
        let with = |wrong: usize, factor: f64| -> Vec<Parcel> {
            shapes
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let true_m2 = projection.multi_polygon_area(g);
                    let official = if i < wrong { true_m2 * factor } else { true_m2 };
                    parcel(g.clone(), Some(official))
                })
                .collect()
        };
        // 6 of 10 in mu: an error, the median ratio that of the wrong ones
        let m = official_areas(&with(6, 1.0 / M2_PER_MU), extent, false, 0.01).unwrap();
        assert!(m.starts_with("6 of 10 parcels (60.0%) differ"), "{m}");
        assert!(m.ends_with("is 666.6667 (TBMJ looks like mu)"), "{m}");
        // ×15: no unit named
        let m = official_areas(&with(10, 15.0), extent, false, 0.01).unwrap();
        assert!(
            m.ends_with("median ratio measured/official is 0.0667"),
            "{m}"
        );
        // half wrong is not most; too few parcels say nothing
        assert_eq!(official_areas(&with(5, 15.0), extent, false, 0.01), None);
        let mut nine = with(10, 15.0);
        nine.pop();
        assert_eq!(official_areas(&nine, extent, false, 0.01), None);
    }

    #[test]
    fn every_other_layer_off_blames_the_parcels() {
        let far = |k| firm(k, "", 117.6, 30.05);
        let (mut m, _) = district(vec![far(1), far(2)], square(117.5, 30.0, 117.7, 30.1));
        let info = |role, crs: &str| crate::model::LayerInfo {
            role,
            at: Location::file(format!("{role}.gpkg")),
            crs: crs.into(),
            features: 1,
        };
        m.layers = vec![
            info(Role::Parcels, "EPSG:4548"),
            info(Role::Enterprises, "EPSG:4490"),
            info(Role::Boundary, "EPSG:4490"),
        ];
        let project = Project::parse(
            "[layers.parcels]\npath = \"parcels.gpkg\"\n",
            std::path::Path::new("p.toml"),
        )
        .unwrap();
        let found = check(&m, &project);
        let errors: Vec<String> = found.errors.iter().map(Problem::to_string).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("file enterprises.gpkg: 2 of 2 enterprises"));
        assert!(errors[0].ends_with(
            "the enterprises layer's CRS EPSG:4490 or the parcels' EPSG:4548 may be wrong, or x/y swapped"
        ));
        assert!(errors[1].starts_with("file boundary.gpkg: the boundary layer"));
        assert_eq!(
            errors[2],
            "file parcels.gpkg: every other layer lies off the parcels: the parcels' CRS EPSG:4548 is the likely fault"
        );
    }

    #[test]
    fn duplicate_codes_point_at_the_first_row() {
        let codes = ["A1", " a1 ", "", "B2", "A1", ""];
        let firms: Vec<Enterprise> = codes
            .iter()
            .enumerate()
            .map(|(k, c)| firm(k + 1, c, 120.0, 30.0))
            .collect();
        assert_eq!(
            duplicate_of(&firms),
            [None, Some(0), None, None, Some(0), None]
        );
        let w = duplicate_warnings(&firms, &Location::file("e.csv").field("credit_code"));
        assert_eq!(w.len(), 2);
        assert_eq!(
            w[0].to_string(),
            "file e.csv, feature 2 (firm 2), field credit_code: credit code a1 is also on \
             feature 1 (firm 1): one firm listed twice; only feature 1 counts towards the targets"
        );
    }
}
