//! What stands on which parcel: the parcel under each enterprise and each
//! park, the parcels under each vacated record and the buildings' shares
//! of each parcel.
//!
//! This is the one step after measuring that reads the parcels' outlines.
//! It runs over any set of parcels — the whole area, or one county — and
//! the sets' findings join into exactly those of one pass over all of
//! them ([`Ground::join`]), so a run in parts finds the same as a run in
//! one piece, and the analyses after it need no parcel outline.

use std::borrow::Borrow;

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rayon::prelude::*;

use super::far::{self, Share};
use super::vacated::common_area;
use crate::geodesy::EqualArea;
use crate::index::{map_in_order, z_order, PolygonIndex};
use crate::model::{id_order, Building, Enterprise, Model, Parcel, Park, VacatedRecord, Zone};

/// The layers that stand on the parcels, borrowed apart from the parcels
/// (which the survey measures as it goes).
#[derive(Clone, Copy)]
pub struct Layers<'a> {
    /// The enterprise ledger's rows.
    pub enterprises: &'a [Enterprise],
    /// The parks (none without the layer).
    pub parks: &'a [Park],
    /// The vacated-land records (none without the layer).
    pub vacated: &'a [VacatedRecord],
    /// The buildings (none without the layer).
    pub buildings: &'a [Building],
    /// The village areas, when given.
    pub villages: Option<&'a [Zone]>,
}

impl<'a> Layers<'a> {
    /// The model's layers that stand on its parcels.
    pub fn of(model: &'a Model) -> Layers<'a> {
        Layers::from_parts(
            &model.enterprises,
            &model.parks,
            &model.vacated,
            &model.buildings,
            &model.villages,
        )
    }

    /// The model's parcels, to survey, and its other layers beside them.
    pub fn split(model: &'a mut Model) -> (&'a mut Vec<Parcel>, Layers<'a>) {
        let Model {
            parcels,
            enterprises,
            parks,
            vacated,
            buildings,
            villages,
            ..
        } = model;
        let layers = Layers::from_parts(enterprises, parks, vacated, buildings, villages);
        (parcels, layers)
    }

    fn from_parts(
        enterprises: &'a [Enterprise],
        parks: &'a Option<Vec<Park>>,
        vacated: &'a Option<Vec<VacatedRecord>>,
        buildings: &'a Option<Vec<Building>>,
        villages: &'a Option<Vec<Zone>>,
    ) -> Layers<'a> {
        Layers {
            enterprises,
            parks: parks.as_deref().unwrap_or(&[]),
            vacated: vacated.as_deref().unwrap_or(&[]),
            buildings: buildings.as_deref().unwrap_or(&[]),
            villages: villages.as_deref(),
        }
    }
}

/// The other layers' features, as the search for their parcels needs
/// them: prepared once, searched by every set of parcels.
pub(crate) struct Things<'a> {
    projection: &'a EqualArea,
    enterprises: Vec<Coord<f64>>,
    /// The enterprises in Z-order (see [`z_order`]).
    order: Vec<usize>,
    /// A point inside each park.
    parks: Vec<Option<Coord<f64>>>,
    /// The vacated records' outlines in the equal-area plane, with their
    /// boxes in degrees.
    records: Vec<(MultiPolygon<f64>, Option<Rect<f64>>)>,
    /// The buildings and their footprints in the equal-area plane (none
    /// when shares are not wanted).
    buildings: &'a [Building],
    projected_buildings: Vec<MultiPolygon<f64>>,
}

impl<'a> Things<'a> {
    /// `layers`' enterprises, parks, vacated records and, when
    /// `with_buildings`, buildings (measured).
    pub fn new(layers: &Layers<'a>, projection: &'a EqualArea, with_buildings: bool) -> Things<'a> {
        let enterprises: Vec<Coord<f64>> = layers.enterprises.iter().map(|e| e.location).collect();
        let order = z_order(&enterprises);
        let parks = layers
            .parks
            .par_iter()
            .map(|p| geo::InteriorPoint::interior_point(&p.geometry).map(|c| c.0))
            .collect();
        let records = layers
            .vacated
            .par_iter()
            .map(|r| {
                (
                    projection.project_multi_polygon(&r.geometry),
                    r.geometry.bounding_rect(),
                )
            })
            .collect();
        let buildings = if with_buildings {
            layers.buildings
        } else {
            &[]
        };
        let projected_buildings = buildings
            .par_iter()
            .map(|b| projection.project_multi_polygon(&b.geometry))
            .collect();
        Things {
            projection,
            enterprises,
            order,
            parks,
            records,
            buildings,
            projected_buildings,
        }
    }
}

/// What a set of parcels holds. Parcels are named by their position in
/// the whole area's id order, so "the smallest id" is the smallest
/// position, whichever set found it.
#[derive(Debug, Default)]
pub(crate) struct Ground {
    /// Per enterprise: the parcel it stands in; on a shared edge or
    /// vertex, the one with the smallest id.
    pub enterprise_parcel: Vec<Option<usize>>,
    /// Per park: the parcel under its interior point, as for enterprises.
    pub park_parcel: Vec<Option<usize>>,
    /// Per vacated record: (parcel, m² of the record on it) for the
    /// parcels it covers, by parcel.
    pub record_parcels: Vec<Vec<(usize, f64)>>,
    /// The buildings' shares of the parcels, as (parcel, share).
    building_pieces: Vec<(usize, Share)>,
}

impl Ground {
    /// What `parcels` hold; `position(i)` is the place of `parcels[i]` in
    /// the whole area.
    pub fn find<P: Borrow<Parcel> + Sync>(
        parcels: &[P],
        position: &(dyn Fn(usize) -> usize + Sync),
        things: &Things,
    ) -> Ground {
        let outline = |i: usize| &parcels[i].borrow().geometry;
        let index = PolygonIndex::new((0..parcels.len()).map(outline));
        let under = |c: Coord<f64>| {
            index
                .containing(outline, c)
                .min_by(|&a, &b| id_order(&parcels[a].borrow().id, &parcels[b].borrow().id))
                .map(position)
        };
        let enterprise_parcel = map_in_order(&things.order, |k| under(things.enterprises[k]));
        let park_parcel = things.parks.par_iter().map(|c| c.and_then(under)).collect();
        let record_parcels = things
            .records
            .par_iter()
            .map(|(projected, bbox)| {
                let Some(r) = bbox else {
                    return Vec::new();
                };
                let mut near: Vec<usize> = index.candidates_in(r.min(), r.max()).collect();
                near.sort_unstable();
                near.into_iter()
                    .filter_map(|i| {
                        let parcel = things.projection.project_multi_polygon(outline(i));
                        let on = common_area(projected, &parcel);
                        (on > 0.0).then(|| (position(i), on))
                    })
                    .collect()
            })
            .collect();
        let building_pieces = if things.buildings.is_empty() {
            Vec::new()
        } else {
            let outlines: Vec<&MultiPolygon<f64>> = (0..parcels.len()).map(outline).collect();
            far::pieces(
                things.buildings,
                &things.projected_buildings,
                &outlines,
                &index,
                things.projection,
                position,
            )
        };
        Ground {
            enterprise_parcel,
            park_parcel,
            record_parcels,
            building_pieces,
        }
    }

    /// Adds what another set of parcels (none of this one's) holds.
    pub fn join(self, other: Ground) -> Ground {
        self.join_by(other, &|a, b| a < b)
    }

    /// [`Ground::join`], parcel `a` coming before `b` in id order when
    /// `before(a, b)` (while positions are not yet those of id order).
    pub fn join_by(mut self, other: Ground, before: &dyn Fn(usize, usize) -> bool) -> Ground {
        if self.enterprise_parcel.is_empty() && self.park_parcel.is_empty() {
            return other;
        }
        let first = |a: &mut Option<usize>, b: Option<usize>| {
            *a = match (*a, b) {
                (Some(x), Some(y)) => Some(if before(y, x) { y } else { x }),
                (x, y) => x.or(y),
            };
        };
        for (a, b) in self
            .enterprise_parcel
            .iter_mut()
            .zip(other.enterprise_parcel)
        {
            first(a, b);
        }
        for (a, b) in self.park_parcel.iter_mut().zip(other.park_parcel) {
            first(a, b);
        }
        for (a, b) in self.record_parcels.iter_mut().zip(other.record_parcels) {
            if !b.is_empty() {
                a.extend(b);
                a.sort_by_key(|&(p, _)| p);
            }
        }
        self.building_pieces.extend(other.building_pieces);
        self
    }

    /// Renames every parcel `p` to `to[p]` (positions in file order to
    /// those in id order), and puts each record's parcels in the new order.
    pub fn renumber(&mut self, to: &[usize]) {
        let rename = |p: &mut Option<usize>| *p = p.map(|p| to[p]);
        self.enterprise_parcel.iter_mut().for_each(rename);
        self.park_parcel.iter_mut().for_each(rename);
        self.record_parcels.par_iter_mut().for_each(|r| {
            r.iter_mut().for_each(|(p, _)| *p = to[*p]);
            r.sort_by_key(|&(p, _)| p);
        });
        self.building_pieces
            .par_iter_mut()
            .for_each(|(p, _)| *p = to[*p]);
    }

    /// The buildings' shares of each parcel, in building order on each.
    pub fn shares(&mut self) -> far::Shares {
        far::Shares::of(std::mem::take(&mut self.building_pieces))
    }
}

#[cfg(test)]
mod tests {
    use geo::{LineString, Polygon};

    use super::*;
    use crate::model::{Building, Enterprise, Progress, VacatedRecord};

    /// Metres east and north of (120.7°E, 30.7°N) in degrees, near enough.
    fn at(x: f64, y: f64) -> Coord<f64> {
        Coord {
            x: 120.7 + x / 95_500.0,
            y: 30.7 + y / 110_900.0,
        }
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        let ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
        let ring = LineString(ring.iter().map(|&(x, y)| at(x, y)).collect());
        MultiPolygon(vec![Polygon::new(ring, vec![])])
    }

    fn parcel(id: &str, geometry: MultiPolygon<f64>) -> Parcel {
        Parcel {
            id: id.into(),
            feature: 1,
            landuse: "0601".into(),
            unit_code: Some("330411101001".into()),
            village: None,
            settlement: None,
            official_area_m2: None,
            geometry,
            area_m2: 0.0,
        }
    }

    fn record(id: &str, geometry: MultiPolygon<f64>) -> VacatedRecord {
        VacatedRecord {
            feature: 1,
            id: id.into(),
            status: Progress::Done,
            done_date: None,
            claimed_mu: None,
            township: None,
            geometry,
            area_m2: 0.0,
        }
    }

    #[test]
    fn firms_records_and_buildings_find_their_parcels() {
        // two 100 m squares side by side, a third apart
        let model = Model {
            parcels: vec![
                parcel("1", rect(0.0, 0.0, 100.0, 100.0)),
                parcel("2", rect(100.0, 0.0, 200.0, 100.0)),
                parcel("3", rect(300.0, 0.0, 400.0, 100.0)),
            ],
            enterprises: vec![
                // on the shared edge: the smaller id
                Enterprise::for_test(1, "a", at(100.0, 50.0)),
                Enterprise::for_test(2, "b", at(150.0, 50.0)),
                // between the parcels: none
                Enterprise::for_test(3, "c", at(250.0, 50.0)),
            ],
            // 40 m × 20 m, three quarters on the first parcel; another
            // half off any parcel
            vacated: Some(vec![
                record("v1", rect(70.0, 40.0, 110.0, 60.0)),
                record("v2", rect(380.0, 40.0, 420.0, 60.0)),
            ]),
            buildings: Some(vec![Building {
                feature: 1,
                floors: Some(2.0),
                given_floor_area_m2: None,
                geometry: rect(90.0, 10.0, 130.0, 30.0),
                footprint_m2: 800.0,
            }]),
            ..Model::default()
        };
        let projection = EqualArea::fitted(Rect::new(at(-10.0, -10.0), at(500.0, 110.0)));
        let things = Things::new(&Layers::of(&model), &projection, true);
        let mut g = Ground::find(&model.parcels, &|i| i, &things);
        assert_eq!(g.enterprise_parcel, vec![Some(0), Some(1), None]);
        let v1 = &g.record_parcels[0];
        assert_eq!(v1.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1]);
        assert!(
            (v1[0].1 / (v1[0].1 + v1[1].1) - 0.75).abs() < 1e-6,
            "{v1:?}"
        );
        let v2 = &g.record_parcels[1];
        assert_eq!(v2.len(), 1);
        assert!((v2[0].1 / (v1[0].1 + v1[1].1) - 0.5).abs() < 1e-6, "{v2:?}");
        // a quarter of the building on the first parcel, the rest on the
        // second
        let shares = g.shares();
        let (a, b) = (shares.on(0), shares.on(1));
        assert_eq!((a.len(), b.len(), shares.on(2).len()), (1, 1, 0));
        assert!((a[0].floor_area_m2 - 400.0).abs() < 1e-3, "{a:?}");
        assert!((b[0].floor_area_m2 - 1200.0).abs() < 1e-3, "{b:?}");

        // found parcel by parcel and joined, the same
        let mut joined = (0..3).fold(Ground::default(), |g, i| {
            g.join(Ground::find(&model.parcels[i..=i], &|_| i, &things))
        });
        assert_eq!(joined.enterprise_parcel, g.enterprise_parcel);
        assert_eq!(joined.record_parcels, g.record_parcels);
        assert_eq!(joined.shares(), shares);
    }
}
