//! R-trees over polygon envelopes, bulk-loaded, with exact tests behind
//! them.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::model::Zone;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An index of polygons by their envelopes: one R-tree per vertical strip,
/// as rstar's bulk load is sequential and strips load in parallel. A query
/// asks every tree; those of other strips answer at their root.
pub(crate) struct PolygonIndex {
    trees: Vec<RTree<Entry>>,
}

/// Below this many polygons one tree loads fast enough.
const STRIP_MIN: usize = 1 << 16;

fn centre_x(e: &Entry) -> f64 {
    let (lo, hi) = (e.geom().lower(), e.geom().upper());
    0.5 * (lo[0] + hi[0])
}

/// Splits `entries` into `strips` strips by the centre of their envelopes
/// and loads a tree for each, in parallel.
fn load(mut entries: Vec<Entry>, strips: usize) -> Vec<RTree<Entry>> {
    if strips <= 1 || entries.len() < STRIP_MIN {
        return vec![RTree::bulk_load(entries)];
    }
    let mid = entries.len() / 2;
    entries.select_nth_unstable_by(mid, |a, b| centre_x(a).total_cmp(&centre_x(b)));
    let right = entries.split_off(mid);
    let (mut left, right) = rayon::join(
        || load(entries, strips / 2),
        || load(right, strips - strips / 2),
    );
    left.extend(right);
    left
}

fn rect(mp: &MultiPolygon<f64>) -> Option<Rectangle<[f64; 2]>> {
    let r = mp.bounding_rect()?;
    Some(Rectangle::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

impl PolygonIndex {
    /// Indexes `polygons`; results are positions in that slice.
    pub fn new<'a>(polygons: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let polygons: Vec<&MultiPolygon<f64>> = polygons.collect();
        let entries: Vec<Entry> = polygons
            .par_iter()
            .enumerate()
            .filter_map(|(i, mp)| rect(mp).map(|r| GeomWithData::new(r, i)))
            .collect();
        PolygonIndex {
            trees: load(entries, rayon::current_num_threads()),
        }
    }

    /// Positions of polygons whose envelope contains the point.
    pub(crate) fn candidates_at(&self, c: Coord<f64>) -> impl Iterator<Item = usize> + '_ {
        self.trees
            .iter()
            .flat_map(move |t| t.locate_all_at_point(&[c.x, c.y]))
            .map(|e| e.data)
    }

    /// Positions of polygons whose envelope intersects the box.
    pub(crate) fn candidates_in(
        &self,
        min: Coord<f64>,
        max: Coord<f64>,
    ) -> impl Iterator<Item = usize> + '_ {
        let envelope = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        self.trees
            .iter()
            .flat_map(move |t| t.locate_in_envelope_intersecting(&envelope))
            .map(|e| e.data)
    }

    /// Positions of polygons that contain the point, boundary included;
    /// `polygon(i)` gives the indexed polygon at position `i`.
    pub(crate) fn containing<'a, F>(
        &'a self,
        polygon: F,
        c: Coord<f64>,
    ) -> impl Iterator<Item = usize> + 'a
    where
        F: Fn(usize) -> &'a MultiPolygon<f64> + 'a,
    {
        self.candidates_at(c)
            .filter(move |&i| polygon(i).intersects(&Point(c)))
    }
}

/// Positions of `points` in Z-order (Morton order) of their coordinates.
/// Lookups made in this order touch the R-trees and the polygons behind
/// them region by region: at millions of features the cache, not the
/// number of lookups, is their cost, and file order is random in space.
pub(crate) fn z_order(points: &[Coord<f64>]) -> Vec<usize> {
    let bounds = points
        .iter()
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .map(|&c| geo::Rect::new(c, c))
        .reduce(crate::model::union_rect);
    let (lo, hi) = bounds.map_or((Coord::zero(), Coord::zero()), |r| (r.min(), r.max()));
    let cell = |v: f64, lo: f64, hi: f64| -> u64 {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
        // NaN and out-of-range values clamp to the edges
        (t.clamp(0.0, 1.0) * 65535.0) as u64
    };
    // spreads 16 bits over the even bits of 32
    let spread = |mut v: u64| {
        v = (v | (v << 8)) & 0x00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333;
        (v | (v << 1)) & 0x5555_5555
    };
    let mut keyed: Vec<(u64, usize)> = points
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            (
                spread(cell(c.x, lo.x, hi.x)) | spread(cell(c.y, lo.y, hi.y)) << 1,
                i,
            )
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// `f` of every position `0..order.len()`, worked out in parallel in
/// `order`, returned in position order.
pub(crate) fn map_in_order<T: Send>(order: &[usize], f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut found: Vec<(usize, T)> = order.par_iter().map(|&i| (i, f(i))).collect();
    found.par_sort_unstable_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, t)| t).collect()
}

/// A zone layer (villages, plan, protected) with its index.
pub(crate) struct ZoneIndex<'a> {
    zones: &'a [Zone],
    index: PolygonIndex,
}

impl<'a> ZoneIndex<'a> {
    /// Indexes the zones' bounding boxes in an R-tree.
    pub fn new(zones: &'a [Zone]) -> Self {
        let index = PolygonIndex::new(zones.iter().map(|z| &z.geometry));
        ZoneIndex { zones, index }
    }

    /// True when a zone contains the point (its boundary counts as inside).
    pub fn contains(&self, c: Coord<f64>) -> bool {
        self.index
            .containing(|i| &self.zones[i].geometry, c)
            .next()
            .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn boundary_points_belong_to_both_neighbours_and_holes_to_neither() {
        let left = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        let right = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
        ]);
        let ring = MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![
                (3.0, 0.0),
                (6.0, 0.0),
                (6.0, 3.0),
                (3.0, 3.0),
                (3.0, 0.0),
            ]),
            vec![geo::LineString::from(vec![
                (4.0, 1.0),
                (5.0, 1.0),
                (5.0, 2.0),
                (4.0, 2.0),
                (4.0, 1.0),
            ])],
        )]);
        let polys = [left, right, ring];
        let idx = PolygonIndex::new(polys.iter());
        let at = |x, y| {
            let mut v: Vec<_> = idx.containing(|i| &polys[i], Coord { x, y }).collect();
            v.sort();
            v
        };
        assert_eq!(at(0.5, 0.5), vec![0]);
        assert_eq!(at(1.0, 0.5), vec![0, 1]);
        assert_eq!(at(4.5, 1.5), Vec::<usize>::new());
        assert_eq!(at(3.5, 0.5), vec![2]);
        assert_eq!(at(9.0, 9.0), Vec::<usize>::new());
    }

    #[test]
    fn z_order_visits_quadrants_in_turn_and_results_keep_their_places() {
        let points: Vec<Coord<f64>> = [
            (9.0, 9.0),
            (0.0, 0.0),
            (9.0, 0.0),
            (0.0, 9.0),
            (1.0, 1.0),
            (f64::NAN, 5.0),
        ]
        .iter()
        .map(|&(x, y)| Coord { x, y })
        .collect();
        let order = z_order(&points);
        // south-west first (both), then south-east, north-west, north-east;
        // a NaN clamps to the lowest x
        assert_eq!(order, vec![1, 4, 2, 5, 3, 0]);
        let doubled = map_in_order(&order, |i| i * 2);
        assert_eq!(doubled, vec![0, 2, 4, 6, 8, 10]);
    }
}
