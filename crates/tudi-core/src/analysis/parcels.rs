//! Per-parcel facts: ellipsoidal area, official-area check, village status.

use geo::{Centroid, Contains, Coord, InteriorPoint, MultiPolygon, Rect};
use rayon::prelude::*;

use crate::geodesy::EqualArea;
use crate::index::ZoneIndex;
use crate::model::{union_rect, Parcel};

/// The extent of some valid polygons (`None` when there are none): of
/// their exterior rings, which hold the holes.
pub fn bounds<'a>(
    polygons: impl ParallelIterator<Item = &'a MultiPolygon<f64>>,
) -> Option<Rect<f64>> {
    let extent = |coords: &[Coord<f64>]| -> Option<Rect<f64>> {
        let first = *coords.first()?;
        let (lo, hi) = coords.iter().fold((first, first), |(lo, hi), c| {
            (
                Coord {
                    x: lo.x.min(c.x),
                    y: lo.y.min(c.y),
                },
                Coord {
                    x: hi.x.max(c.x),
                    y: hi.y.max(c.y),
                },
            )
        });
        Some(Rect::new(lo, hi))
    };
    polygons
        .flat_map_iter(|mp| mp.0.iter().filter_map(|p| extent(&p.exterior().0)))
        .reduce_with(union_rect)
}

/// The equal-area projection fitted to an extent (used for areas and for
/// metric work), or one for Jiaxing when there is none.
pub(crate) fn projection_over(bounds: Option<Rect<f64>>) -> EqualArea {
    EqualArea::fitted(bounds.unwrap_or(Rect::new((120.0, 30.0), (121.0, 31.0))))
}

/// The equal-area projection fitted to the extent of some polygons'
/// exterior rings (lon/lat degrees), or one fitted to Jiaxing (120–121°E,
/// 30–31°N) when there are none.
pub fn projection_for<'a>(
    polygons: impl ParallelIterator<Item = &'a MultiPolygon<f64>>,
) -> EqualArea {
    projection_over(bounds(polygons))
}

/// Sets every parcel's ellipsoidal area (m²).
pub(crate) fn measure(parcels: &mut [Parcel], projection: &EqualArea) {
    parcels.par_iter_mut().with_min_len(4096).for_each_init(
        || projection.memo(),
        |memo, p| p.area_m2 = projection.multi_polygon_area_memo(&p.geometry, memo),
    );
}

/// A parcel whose measured area differs from its official TBMJ.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaMismatch {
    /// Position of the parcel in the model.
    pub parcel: usize,
    /// Its ellipsoidal area, m².
    pub measured_m2: f64,
    /// Its TBMJ, m².
    pub official_m2: f64,
    /// (measured − official) / official.
    pub relative: f64,
}

/// (measured − official) / official; infinite when the official area is
/// not positive.
pub(crate) fn relative_difference(measured_m2: f64, official_m2: f64) -> f64 {
    if official_m2 > 0.0 {
        (measured_m2 - official_m2) / official_m2
    } else {
        f64::INFINITY
    }
}

/// Parcels whose measured area differs from TBMJ by more than `tolerance`
/// (relative), in model order.
pub(crate) fn area_mismatches(parcels: &[Parcel], tolerance: f64) -> Vec<AreaMismatch> {
    parcels
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let official = p.official_area_m2?;
            let relative = relative_difference(p.area_m2, official);
            (relative.abs() > tolerance).then_some(AreaMismatch {
                parcel: i,
                measured_m2: p.area_m2,
                official_m2: official,
                relative,
            })
        })
        .collect()
}

/// A point inside the polygon: its centroid when that lies inside (nearly
/// always, for parcels, and far cheaper), else `geo`'s interior point.
pub fn inside_point(mp: &MultiPolygon<f64>) -> Option<geo::Coord<f64>> {
    mp.centroid()
        .filter(|c| mp.contains(c))
        .or_else(|| mp.interior_point())
        .map(|p| p.0)
}

/// Whether each parcel is in a village area: its CZCSXM starts with one of
/// `prefixes` (203, 203A), or, where it has no CZCSXM, its interior point
/// lies in the villages layer.
pub(crate) fn in_village(
    parcels: &[Parcel],
    villages: Option<&ZoneIndex>,
    prefixes: &[String],
) -> Vec<bool> {
    parcels
        .par_iter()
        .map(|p| match (&p.settlement, villages) {
            (Some(s), _) => prefixes.iter().any(|pre| s.starts_with(pre.as_str())),
            (None, Some(v)) => inside_point(&p.geometry).is_some_and(|pt| v.contains(pt)),
            (None, None) => false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use geo::{polygon, BoundingRect};

    use super::*;

    #[test]
    fn bounds_are_geos_bounding_rect() {
        let with_hole = polygon!(
            exterior: [(x: 120.0, y: 30.0), (x: 120.3, y: 30.0), (x: 120.3, y: 30.2), (x: 120.0, y: 30.2)],
            interiors: [[(x: 120.1, y: 30.05), (x: 120.2, y: 30.05), (x: 120.2, y: 30.1)]],
        );
        let far = polygon![(x: 121.0, y: 29.5), (x: 121.1, y: 29.5), (x: 121.05, y: 29.6)];
        let polygons = [
            MultiPolygon(vec![with_hole]),
            MultiPolygon(vec![]),
            MultiPolygon(vec![far]),
        ];
        let want = polygons
            .iter()
            .filter_map(|p| p.bounding_rect())
            .reduce(union_rect);
        assert_eq!(bounds(polygons.par_iter()), want);
        assert_eq!(bounds(polygons[1..2].par_iter()), None);
    }
}
