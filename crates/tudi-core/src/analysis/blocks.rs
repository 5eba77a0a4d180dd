//! Contiguous industrial blocks and scattered plots.
//!
//! Industrial parcels that touch or lie within `cluster_gap_m` of each
//! other (on the ground) form one block, transitively. A village industrial
//! parcel is scattered when its block's ellipsoidal area is under
//! `scattered_max_mu`: a 3-mu village plot touching a 200-mu zone is not.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon};
use rayon::prelude::*;

use crate::geodesy::{self, EqualArea};
use crate::index::PolygonIndex;
use crate::model::{id_order, Parcel};

/// One contiguous industrial block.
#[derive(Debug, Clone)]
pub struct Block {
    /// 1-based, ordered by the smallest parcel id in the block.
    pub id: usize,
    /// Positions of its parcels in the model, in id order.
    pub parcels: Vec<usize>,
    /// The dissolved outline, CGCS2000 longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal area of the dissolved outline, m² (land claimed twice by
    /// overlapping parcels counts once).
    pub area_m2: f64,
    /// At least one of its parcels is in a village area.
    pub in_village: bool,
    /// Holds at least one scattered parcel.
    pub scattered: bool,
}

/// Every industrial block, and each parcel's place in them.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    /// The blocks, in order of their `id` (position k holds id k + 1).
    pub blocks: Vec<Block>,
    /// For each parcel of the model, the position of its block in
    /// `blocks`; `None` when the parcel is not industrial.
    pub block_of: Vec<Option<usize>>,
    /// For each parcel of the model: a scattered village industrial plot.
    pub scattered: Vec<bool>,
}

/// What the block analysis needs to know.
pub(crate) struct BlockRules<'a> {
    /// DLBM codes of industrial land (`rules.industrial_codes`).
    pub industrial_codes: &'a [String],
    /// Parcels this close on the ground, metres, join one block.
    pub cluster_gap_m: f64,
    /// A village block under this many mu is scattered.
    pub scattered_max_mu: f64,
}

/// Builds the blocks. `in_village[i]` tells whether parcel `i` is in a
/// village area.
pub(crate) fn blocks(
    parcels: &[Parcel],
    in_village: &[bool],
    projection: &EqualArea,
    rules: &BlockRules,
) -> Blocks {
    let industrial: Vec<usize> = (0..parcels.len())
        .filter(|&i| parcels[i].landuse_in(rules.industrial_codes))
        .collect();
    let projected: Vec<MultiPolygon<f64>> = industrial
        .par_iter()
        .map(|&i| projection.project_multi_polygon(&parcels[i].geometry))
        .collect();
    let groups: Vec<Vec<usize>> = cluster(&projected, projection, rules.cluster_gap_m)
        .into_iter()
        .map(|members| members.into_iter().map(|k| industrial[k]).collect())
        .collect();
    let projected_of = |i: usize| {
        let k = industrial.binary_search(&i).expect("an industrial parcel");
        &projected[k]
    };
    assemble(
        parcels.len(),
        &|i| &parcels[i],
        &projected_of,
        in_village,
        projection,
        rules,
        groups,
    )
}

/// The blocks of `groups` (each a cluster of parcel positions, ascending)
/// among `n` parcels: `parcel(i)` and `projected(i)` give parcel `i` and
/// its outline in the equal-area plane.
pub(crate) fn assemble<'a>(
    n: usize,
    parcel: &(dyn Fn(usize) -> &'a Parcel + Sync),
    projected: &(dyn Fn(usize) -> &'a MultiPolygon<f64> + Sync),
    in_village: &[bool],
    projection: &EqualArea,
    rules: &BlockRules,
    groups: Vec<Vec<usize>>,
) -> Blocks {
    let mut blocks: Vec<Block> = groups
        .into_par_iter()
        .map(|members| {
            let dissolved = if members.len() == 1 {
                projected(members[0]).clone()
            } else {
                let polys: Vec<&geo::Polygon<f64>> = members
                    .iter()
                    .flat_map(|&i| projected(i).0.iter())
                    .collect();
                geo::unary_union(polys)
            };
            let mut parcel_ids = members;
            parcel_ids.sort_by(|&a, &b| id_order(&parcel(a).id, &parcel(b).id));
            let area_m2 = planar_area(&dissolved);
            let in_village = parcel_ids.iter().any(|&i| in_village[i]);
            Block {
                id: 0,
                geometry: geo::orient::Orient::orient(
                    &projection.unproject_multi_polygon(&dissolved),
                    geo::orient::Direction::Default,
                ),
                parcels: parcel_ids,
                area_m2,
                in_village,
                scattered: in_village && geodesy::m2_to_mu(area_m2) < rules.scattered_max_mu,
            }
        })
        .collect();
    blocks.sort_by(|a, b| id_order(&parcel(a.parcels[0]).id, &parcel(b.parcels[0]).id));

    let mut block_of = vec![None; n];
    let mut scattered = vec![false; n];
    for (pos, b) in blocks.iter_mut().enumerate() {
        b.id = pos + 1;
        for &i in &b.parcels {
            block_of[i] = Some(pos);
            scattered[i] = b.scattered && in_village[i];
        }
    }
    Blocks {
        blocks,
        block_of,
        scattered,
    }
}

/// Area of a polygon in the equal-area plane (m²).
fn planar_area(mp: &MultiPolygon<f64>) -> f64 {
    use geo::Area;
    mp.unsigned_area()
}

/// Groups the (projected) polygons into clusters of polygons within `gap`
/// metres on the ground, transitively. Each cluster lists positions in
/// `polygons`, ascending; clusters come in order of their first member.
pub(crate) fn cluster(
    polygons: &[MultiPolygon<f64>],
    projection: &EqualArea,
    gap: f64,
) -> Vec<Vec<usize>> {
    // The equal-area plane is not conformal: its distances are off the
    // ground's by well under 1 % at province scale. Candidates get that
    // margin; the decision is made on the ground (geodesic distance).
    let reach = gap * 1.02 + 0.01;
    let refs: Vec<&MultiPolygon<f64>> = polygons.iter().collect();
    linked(&refs, reach, |a, b| {
        within(&polygons[a], &polygons[b], projection, gap, reach)
    })
}

/// Groups of polygons joined, transitively, by `joined(a, b)`, asked only
/// of pairs whose envelopes come within `reach` of each other. Each group
/// lists positions in `polygons`, ascending; groups come in order of their
/// first member.
pub(crate) fn linked(
    polygons: &[&MultiPolygon<f64>],
    reach: f64,
    joined: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<Vec<usize>> {
    let index = PolygonIndex::new(polygons.iter().copied());
    let edges: Vec<(usize, usize)> = (0..polygons.len())
        .into_par_iter()
        .flat_map_iter(|k| {
            let mut near = Vec::new();
            if let Some(r) = polygons[k].bounding_rect() {
                let grow = Coord { x: reach, y: reach };
                for j in index.candidates_in(r.min() - grow, r.max() + grow) {
                    if j > k && joined(k, j) {
                        near.push((k, j));
                    }
                }
            }
            near
        })
        .collect();
    let mut sets = UnionFind::new(polygons.len());
    for (a, b) in edges {
        sets.union(a, b);
    }
    let mut by_root: Vec<Vec<usize>> = vec![Vec::new(); polygons.len()];
    for i in 0..polygons.len() {
        by_root[sets.find(i)].push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_root.into_iter().filter(|c| !c.is_empty()).collect();
    groups.sort_by_key(|c| c[0]);
    groups
}

/// True when two projected polygons touch, overlap, or come within `gap`
/// metres on the ground.
fn within(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
    projection: &EqualArea,
    gap: f64,
    reach: f64,
) -> bool {
    if a.intersects(b) {
        return true;
    }
    match closest_pair(a, b, reach) {
        Some((pa, pb, planar)) if planar <= reach => {
            geodesy::geodesic_distance(projection.inverse(pa), projection.inverse(pb)) <= gap
        }
        _ => false,
    }
}

fn segments(mp: &MultiPolygon<f64>) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])))
}

/// The closest points of two disjoint polygons' boundaries, and their
/// distance, considering only segments within `reach` of the other's
/// envelope.
fn closest_pair(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
    reach: f64,
) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let (ra, rb) = (a.bounding_rect()?, b.bounding_rect()?);
    let near = |r: geo::Rect<f64>, (p, q): (Coord<f64>, Coord<f64>)| {
        p.x.min(q.x) <= r.max().x + reach
            && p.x.max(q.x) >= r.min().x - reach
            && p.y.min(q.y) <= r.max().y + reach
            && p.y.max(q.y) >= r.min().y - reach
    };
    let sb: Vec<_> = segments(b).filter(|&s| near(ra, s)).collect();
    let mut best: Option<(Coord<f64>, Coord<f64>, f64)> = None;
    for s in segments(a).filter(|&s| near(rb, s)) {
        for &t in &sb {
            let (p, q) = segment_closest(s, t);
            let d = (p - q).x.hypot((p - q).y);
            if best.is_none_or(|(_, _, bd)| d < bd) {
                best = Some((p, q, d));
            }
        }
    }
    best
}

/// Closest points between two segments that do not cross.
fn segment_closest(
    (a0, a1): (Coord<f64>, Coord<f64>),
    (b0, b1): (Coord<f64>, Coord<f64>),
) -> (Coord<f64>, Coord<f64>) {
    let onto = |p: Coord<f64>, s0: Coord<f64>, s1: Coord<f64>| {
        let d = s1 - s0;
        let len2 = d.x * d.x + d.y * d.y;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p - s0).x * d.x + (p - s0).y * d.y) / len2).clamp(0.0, 1.0)
        };
        s0 + d * t
    };
    let dist = |p: Coord<f64>, q: Coord<f64>| (p - q).x.hypot((p - q).y);
    // For non-crossing segments the minimum is at an endpoint of one.
    [
        (a0, onto(a0, b0, b1)),
        (a1, onto(a1, b0, b1)),
        (onto(b0, a0, a1), b0),
        (onto(b1, a0, a1), b1),
    ]
    .into_iter()
    .min_by(|x, y| dist(x.0, x.1).total_cmp(&dist(y.0, y.1)))
    .expect("four candidates")
}

pub(crate) struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    pub(crate) fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller root wins, so the result does not depend on edge order.
        if ra < rb {
            self.parent[rb] = ra;
        } else if rb < ra {
            self.parent[ra] = rb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, Rect};
    use geographiclib_rs::{DirectGeodesic, Geodesic};

    /// A square of `side` metres whose south-west corner is `west_m`
    /// metres east of (120.7°E, 30.7°N), along geodesics.
    fn square(west_m: f64, side: f64) -> MultiPolygon<f64> {
        square_at(west_m, 0.0, side)
    }

    fn square_at(west_m: f64, south_m: f64, side: f64) -> MultiPolygon<f64> {
        let g = Geodesic::new(geodesy::GRS80_A, geodesy::GRS80_F);
        let at = |east: f64, north: f64| {
            let (lat, lon, _): (f64, f64, f64) = g.direct(30.7, 120.7, 0.0, north);
            let (lat, lon, _): (f64, f64, f64) = g.direct(lat, lon, 90.0, east);
            Coord { x: lon, y: lat }
        };
        let (w, s) = (west_m, south_m);
        let ring = vec![
            at(w, s),
            at(w + side, s),
            at(w + side, s + side),
            at(w, s + side),
            at(w, s),
        ];
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
    }

    fn clusters_of(parts: &[MultiPolygon<f64>], gap: f64) -> Vec<Vec<usize>> {
        let projection = EqualArea::fitted(Rect::new((120.6, 30.6), (120.8, 30.8)));
        let projected: Vec<_> = parts
            .iter()
            .map(|p| projection.project_multi_polygon(p))
            .collect();
        cluster(&projected, &projection, gap)
    }

    #[test]
    fn the_gap_is_judged_in_metres_on_the_ground() {
        let a = square(0.0, 40.0);
        assert_eq!(
            clusters_of(&[a.clone(), square(49.98, 40.0)], 10.0),
            vec![vec![0, 1]]
        );
        assert_eq!(
            clusters_of(&[a.clone(), square(50.02, 40.0)], 10.0),
            vec![vec![0], vec![1]]
        );
        // touching counts, whatever the gap
        assert_eq!(
            clusters_of(&[a.clone(), square(40.0, 40.0)], 0.0),
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn clusters_are_transitive_and_ordered() {
        // 0 —8 m— 1 —8 m— 2, and 3 far away: {0, 1, 2}, {3}
        let parts = [
            square(0.0, 40.0),
            square(48.0, 40.0),
            square(96.0, 40.0),
            square(500.0, 40.0),
        ];
        assert_eq!(clusters_of(&parts, 10.0), vec![vec![0, 1, 2], vec![3]]);
        let reversed: Vec<_> = parts.iter().rev().cloned().collect();
        assert_eq!(clusters_of(&reversed, 10.0), vec![vec![0], vec![1, 2, 3]]);
    }

    #[test]
    fn a_parcel_inside_another_ones_hole_is_contiguous() {
        let outer = square_at(0.0, 0.0, 100.0);
        let hole = square_at(30.0, 30.0, 40.0);
        let mut ring = outer.0[0].clone();
        ring.interiors_push(hole.0[0].exterior().clone());
        let ring = MultiPolygon(vec![ring]);
        // islands 5 m and 15 m from the hole's edge
        let near = square_at(35.0, 35.0, 30.0);
        let far = square_at(45.0, 45.0, 10.0);
        assert_eq!(clusters_of(&[ring.clone(), near], 10.0), vec![vec![0, 1]]);
        assert_eq!(clusters_of(&[ring, far], 10.0), vec![vec![0], vec![1]]);
    }
}
