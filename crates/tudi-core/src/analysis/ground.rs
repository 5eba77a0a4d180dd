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

use geo::{Area, BoundingRect, Coord, Intersects, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::far::{self, Share};
use super::vacated::common_area;
use crate::geodesy::EqualArea;
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

/// The other layers' features, indexed as the search for their parcels
/// needs them: prepared once, searched from every parcel of every set.
pub(crate) struct Things<'a> {
    projection: &'a EqualArea,
    /// The enterprises' and the parks' points (a point inside each park),
    /// each with its position in its layer.
    enterprises: RTree<Spot>,
    parks: RTree<Spot>,
    n_enterprises: usize,
    n_parks: usize,
    /// The vacated records' boxes in degrees, and their outlines in the
    /// equal-area plane.
    record_boxes: RTree<Boxed>,
    records: Vec<MultiPolygon<f64>>,
    /// The buildings (none when shares are not wanted), their boxes, and
    /// their footprints in the equal-area plane with its planar area.
    buildings: &'a [Building],
    building_boxes: RTree<Boxed>,
    footprints: Vec<(MultiPolygon<f64>, f64)>,
}

type Spot = GeomWithData<[f64; 2], usize>;
type Boxed = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn boxed<'b>(
    outlines: impl ParallelIterator<Item = (usize, &'b MultiPolygon<f64>)>,
) -> RTree<Boxed> {
    let entries: Vec<Boxed> = outlines
        .filter_map(|(k, g)| {
            let r = g.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners(r.min().into(), r.max().into()),
                k,
            ))
        })
        .collect();
    RTree::bulk_load(entries)
}

fn spots(points: impl Iterator<Item = (usize, Option<Coord<f64>>)>) -> RTree<Spot> {
    RTree::bulk_load(
        points
            .filter_map(|(k, c)| c.map(|c| GeomWithData::new([c.x, c.y], k)))
            .collect(),
    )
}

impl<'a> Things<'a> {
    /// `layers`' enterprises, parks, vacated records and, when
    /// `with_buildings`, buildings (measured).
    pub fn new(layers: &Layers<'a>, projection: &'a EqualArea, with_buildings: bool) -> Things<'a> {
        let parks: Vec<Option<Coord<f64>>> = layers
            .parks
            .par_iter()
            .map(|p| geo::InteriorPoint::interior_point(&p.geometry).map(|c| c.0))
            .collect();
        let records = layers
            .vacated
            .par_iter()
            .map(|r| projection.project_multi_polygon(&r.geometry))
            .collect();
        let buildings = if with_buildings {
            layers.buildings
        } else {
            &[]
        };
        let footprints = buildings
            .par_iter()
            .map(|b| {
                let f = projection.project_multi_polygon(&b.geometry);
                let planar = f.unsigned_area();
                (f, planar)
            })
            .collect();
        Things {
            projection,
            enterprises: spots(
                layers
                    .enterprises
                    .iter()
                    .map(|e| Some(e.location))
                    .enumerate(),
            ),
            n_enterprises: layers.enterprises.len(),
            parks: spots(parks.into_iter().enumerate()),
            n_parks: layers.parks.len(),
            record_boxes: boxed(layers.vacated.par_iter().map(|r| &r.geometry).enumerate()),
            records,
            building_boxes: boxed(buildings.par_iter().map(|b| &b.geometry).enumerate()),
            buildings,
            footprints,
        }
    }
}

/// What a set of parcels holds. Parcels are named by their position in
/// the whole area: in id order, or in file order until
/// [`Ground::renumber`] puts them in id order.
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
    /// the whole area. Each parcel looks for the things in its box, so
    /// the work grows with the parcels and the things on them, however
    /// the parcels are split into sets.
    pub fn find<P: Borrow<Parcel> + Sync>(
        parcels: &[P],
        position: &(dyn Fn(usize) -> usize + Sync),
        things: &Things,
    ) -> Ground {
        // most parcels hold nothing: only those that do are kept
        let found: Vec<(usize, Found)> = (0..parcels.len())
            .into_par_iter()
            .with_min_len(256)
            .filter_map(|i| Found::on(parcels[i].borrow(), things).map(|f| (i, f)))
            .collect();
        // a point on a shared edge or vertex stands on the smallest id
        let id = |i: usize| parcels[i].borrow().id.as_str();
        let mut enterprise_parcel: Vec<Option<usize>> = vec![None; things.n_enterprises];
        let mut park_parcel: Vec<Option<usize>> = vec![None; things.n_parks];
        let mut record_parcels: Vec<Vec<(usize, f64)>> = vec![Vec::new(); things.records.len()];
        let mut building_pieces = Vec::new();
        for (i, f) in found {
            for (list, on) in [
                (&mut enterprise_parcel, f.enterprises),
                (&mut park_parcel, f.parks),
            ] {
                for k in on {
                    let slot = &mut list[k];
                    if slot.is_none_or(|j| id_order(id(i), id(j)).is_lt()) {
                        *slot = Some(i);
                    }
                }
            }
            for (r, m2) in f.records {
                record_parcels[r].push((position(i), m2));
            }
            building_pieces.extend(f.buildings.into_iter().map(|s| (position(i), s)));
        }
        let at = |p: &mut Option<usize>| *p = p.map(position);
        enterprise_parcel.iter_mut().for_each(at);
        park_parcel.iter_mut().for_each(at);
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
        // the empty ground (a fold's start) holds nothing to keep; a
        // project without firms, parks or records has lists as empty
        if self.holds_nothing() {
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

    fn holds_nothing(&self) -> bool {
        self.enterprise_parcel.is_empty()
            && self.park_parcel.is_empty()
            && self.record_parcels.is_empty()
            && self.building_pieces.is_empty()
    }

    /// The buildings' shares of each parcel, in building order on each.
    pub fn shares(&mut self) -> far::Shares {
        far::Shares::of(std::mem::take(&mut self.building_pieces))
    }
}

/// What stands on one parcel.
struct Found {
    /// Enterprises and parks on it (boundary included), by position.
    enterprises: Vec<usize>,
    parks: Vec<usize>,
    /// Records on it, with the m² in common.
    records: Vec<(usize, f64)>,
    /// The shares of the buildings on it, in building order.
    buildings: Vec<Share>,
}

impl Found {
    /// What stands on `parcel`, when anything does.
    fn on(parcel: &Parcel, things: &Things) -> Option<Found> {
        let mut found = Found {
            enterprises: Vec::new(),
            parks: Vec::new(),
            records: Vec::new(),
            buildings: Vec::new(),
        };
        let outline = &parcel.geometry;
        let r = outline.bounding_rect()?;
        let envelope = AABB::from_corners(r.min().into(), r.max().into());
        let inside = |tree: &RTree<Spot>| -> Vec<usize> {
            tree.locate_in_envelope_intersecting(&envelope)
                .filter(|s| outline.intersects(&Point::new(s.geom()[0], s.geom()[1])))
                .map(|s| s.data)
                .collect()
        };
        found.enterprises = inside(&things.enterprises);
        found.parks = inside(&things.parks);
        let mut records: Vec<usize> = things
            .record_boxes
            .locate_in_envelope_intersecting(&envelope)
            .map(|b| b.data)
            .collect();
        let mut buildings: Vec<usize> = things
            .building_boxes
            .locate_in_envelope_intersecting(&envelope)
            .map(|b| b.data)
            .collect();
        if records.is_empty() && buildings.is_empty() {
            return found.holds_any().then_some(found);
        }
        let projected = things.projection.project_multi_polygon(outline);
        records.sort_unstable();
        found.records = records
            .into_iter()
            .filter_map(|k| {
                let on = common_area(&things.records[k], &projected);
                (on > 0.0).then_some((k, on))
            })
            .collect();
        buildings.sort_unstable();
        found.buildings = buildings
            .into_iter()
            .filter_map(|b| {
                let (footprint, planar) = &things.footprints[b];
                if *planar <= 0.0 {
                    return None;
                }
                far::share(b, &things.buildings[b], footprint, *planar, &projected)
            })
            .collect();
        found.holds_any().then_some(found)
    }

    fn holds_any(&self) -> bool {
        !(self.enterprises.is_empty()
            && self.parks.is_empty()
            && self.records.is_empty()
            && self.buildings.is_empty())
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
        let projection = EqualArea::fitted(geo::Rect::new(at(-10.0, -10.0), at(500.0, 110.0)));
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

        // without firms or parks, the first set's records and buildings
        // are not taken for an empty start
        let bare = Model {
            enterprises: Vec::new(),
            ..model
        };
        let things = Things::new(&Layers::of(&bare), &projection, true);
        let mut joined = (0..3).fold(Ground::default(), |g, i| {
            g.join(Ground::find(&bare.parcels[i..=i], &|_| i, &things))
        });
        assert_eq!(joined.record_parcels, g.record_parcels);
        assert_eq!(joined.shares(), shares);
    }
}
