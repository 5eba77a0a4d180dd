//! A run in parts, for areas too large to hold at once: each part is one
//! county's parcels (its own) and, around them, the other counties'
//! industrial parcels within reach (its halo). A part finds the blocks
//! of its own parcels as far as its halo; a block that reaches past the
//! halo is found in pieces by the parts it crosses, and [`join`] puts
//! the pieces together. The blocks are then exactly those of a run over
//! the whole area: every pair of parcels within the gap has one parcel
//! owned by some part and the other in that part (own or halo), so every
//! link of the whole is seen by some part, and no part sees a link the
//! whole does not.

use geo::Rect;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use geo::{BoundingRect, MultiPolygon};
use rayon::prelude::*;

use super::blocks::{assemble, cluster, BlockRules, Blocks, UnionFind};
use super::ground::{Ground, Things};
use crate::geodesy::EqualArea;
use crate::model::{county_of, Parcel};

/// One part of a partitioned run: positions of the parcels it owns and of
/// its halo, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    /// The county (6-digit code; empty: parcels whose county is unknown).
    pub county: String,
    /// Positions of its own parcels.
    pub own: Vec<usize>,
    /// Positions of other parts' industrial parcels within reach of its own.
    pub halo: Vec<usize>,
}

/// Metres in a degree of latitude, at least (GRS80, at the equator).
const MIN_M_PER_DEGREE_LAT: f64 = 110_574.0;
/// Metres in a degree of longitude on the equator (GRS80).
const M_PER_DEGREE_LON_EQUATOR: f64 = 111_319.0;

/// The parts of `n` parcels by county: `county(i)` is parcel `i`'s (None:
/// unknown), `rect(i)` its envelope in lon/lat degrees and
/// `industrial(i)` whether it joins blocks. A part's halo holds the other
/// parts' industrial parcels whose envelopes come within `reach_m` metres
/// on the ground of one of its own industrial parcels' (a margin in
/// degrees taken generously: a larger halo changes no result). Parts come
/// in order of their county code, the unknown last.
pub fn parts<'a>(
    n: usize,
    county: impl Fn(usize) -> Option<&'a str>,
    rect: impl Fn(usize) -> Option<Rect<f64>>,
    industrial: impl Fn(usize) -> bool,
    reach_m: f64,
) -> Vec<Part> {
    let key = |c: Option<&'a str>| (c.is_none(), c);
    let mut codes: Vec<Option<&str>> = Vec::new();
    let mut part_of: Vec<usize> = Vec::with_capacity(n);
    // parcels of a county come together (ids start with ZLDWDM): the last
    // county looked up is usually the next one's
    let mut last: Option<(Option<&str>, usize)> = None;
    for i in 0..n {
        let c = county(i);
        let k = match last {
            Some((l, k)) if l == c => k,
            _ => match codes.iter().position(|&x| x == c) {
                Some(k) => k,
                None => {
                    codes.push(c);
                    codes.len() - 1
                }
            },
        };
        last = Some((c, k));
        part_of.push(k);
    }
    // parts in code order, the unknown county last
    let mut order: Vec<usize> = (0..codes.len()).collect();
    order.sort_by_key(|&k| key(codes[k]));
    let mut rank = vec![0; codes.len()];
    for (r, &k) in order.iter().enumerate() {
        rank[k] = r;
    }
    for k in part_of.iter_mut() {
        *k = rank[*k];
    }
    let mut parts: Vec<Part> = order
        .iter()
        .map(|&k| Part {
            county: codes[k].unwrap_or_default().to_string(),
            ..Default::default()
        })
        .collect();
    for (i, &k) in part_of.iter().enumerate() {
        parts[k].own.push(i);
    }

    let entries: Vec<GeomWithData<Rect<f64>, usize>> = (0..n)
        .filter(|&i| industrial(i))
        .filter_map(|i| rect(i).map(|r| GeomWithData::new(r, i)))
        .collect();
    let tree = RTree::bulk_load(entries.clone());
    for e in &entries {
        let grown = grow(*e.geom(), reach_m);
        let envelope = AABB::from_corners(grown.min().into(), grown.max().into());
        let mine = part_of[e.data];
        for j in tree.locate_in_envelope_intersecting(&envelope) {
            if part_of[j.data] != mine {
                parts[mine].halo.push(j.data);
            }
        }
    }
    for part in &mut parts {
        part.halo.sort_unstable();
        part.halo.dedup();
    }
    parts
}

/// `r` grown by at least `m` metres on the ground in every direction.
fn grow(r: Rect<f64>, m: f64) -> Rect<f64> {
    let m = m * 1.05 + 0.01;
    let lat = r.min().y.abs().max(r.max().y.abs());
    // a parallel is shortest at the highest latitude the box reaches,
    // after growing it north or south
    let lat = (lat + m / MIN_M_PER_DEGREE_LAT).min(89.0);
    let dy = m / MIN_M_PER_DEGREE_LAT;
    let dx = m / (M_PER_DEGREE_LON_EQUATOR * lat.to_radians().cos());
    Rect::new(
        geo::Coord {
            x: r.min().x - dx,
            y: r.min().y - dy,
        },
        geo::Coord {
            x: r.max().x + dx,
            y: r.max().y + dy,
        },
    )
}

/// The groups of industrial parcels one part finds within `gap_m`:
/// `parcels` are its industrial parcels (own and halo) in ascending
/// position `global`, `own(i)` tells its own. Groups are global
/// positions, ascending; only those holding one of its own parcels are
/// kept (the others are another part's to find).
pub(crate) fn part_groups(
    parcels: &[&Parcel],
    global: &[usize],
    own: impl Fn(usize) -> bool,
    projection: &EqualArea,
    gap_m: f64,
) -> Vec<Vec<usize>> {
    let projected: Vec<MultiPolygon<f64>> = parcels
        .par_iter()
        .map(|p| projection.project_multi_polygon(&p.geometry))
        .collect();
    cluster(&projected, projection, gap_m)
        .into_iter()
        .map(|g| g.into_iter().map(|k| global[k]).collect::<Vec<usize>>())
        .filter(|g| g.iter().any(|&i| own(i)))
        .collect()
}

/// The groups of the whole from the parts' groups (global positions below
/// `n`): groups sharing a parcel are one. Each group ascending; groups in
/// order of their first member, as [`cluster`] gives them.
pub(crate) fn join(n: usize, groups: impl IntoIterator<Item = Vec<usize>>) -> Vec<Vec<usize>> {
    let mut sets = UnionFind::new(n);
    let mut member = vec![false; n];
    for g in groups {
        for w in g.windows(2) {
            sets.union(w[0], w[1]);
        }
        for i in g {
            member[i] = true;
        }
    }
    let mut by_root: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in (0..n).filter(|&i| member[i]) {
        by_root[sets.find(i)].push(i);
    }
    let mut joined: Vec<Vec<usize>> = by_root.into_iter().filter(|g| !g.is_empty()).collect();
    joined.sort_by_key(|g| g[0]);
    joined
}

/// The parts of the parcels by county (their ZLDWDM), with halos for
/// blocks of `rules`.
pub(crate) fn county_parts(ps: &[Parcel], rules: &BlockRules) -> Vec<Part> {
    parts(
        ps.len(),
        |i| ps[i].township().and_then(county_of),
        |i| ps[i].geometry.bounding_rect(),
        |i| ps[i].landuse_in(rules.industrial_codes),
        rules.cluster_gap_m,
    )
}

/// The blocks, found part by part (each with its halo) and joined: the
/// same as [`super::blocks::blocks`] over the whole, found as a run too
/// large for one pass finds them.
pub(crate) fn blocks_in_parts(
    ps: &[Parcel],
    in_village: &[bool],
    projection: &EqualArea,
    rules: &BlockRules,
    parts: &[Part],
) -> Blocks {
    let industrial = |i: usize| ps[i].landuse_in(rules.industrial_codes);
    let mut groups = Vec::new();
    for part in parts {
        let mut members: Vec<usize> = part
            .own
            .iter()
            .chain(&part.halo)
            .copied()
            .filter(|&i| industrial(i))
            .collect();
        members.sort_unstable();
        let refs: Vec<&Parcel> = members.iter().map(|&i| &ps[i]).collect();
        let own = |i: usize| part.own.binary_search(&i).is_ok();
        groups.extend(part_groups(
            &refs,
            &members,
            own,
            projection,
            rules.cluster_gap_m,
        ));
    }
    let groups = join(ps.len(), groups);
    let mut at = vec![usize::MAX; ps.len()];
    let members: Vec<usize> = groups.iter().flatten().copied().collect();
    let projected: Vec<MultiPolygon<f64>> = members
        .par_iter()
        .map(|&i| projection.project_multi_polygon(&ps[i].geometry))
        .collect();
    for (k, &i) in members.iter().enumerate() {
        at[i] = k;
    }
    assemble(
        ps.len(),
        &|i| &ps[i],
        &|i| &projected[at[i]],
        in_village,
        projection,
        rules,
        groups,
    )
}

/// What stands on which parcel ([`Ground`]), found over each part's own
/// parcels and joined: the same as one search over the whole.
pub(crate) fn ground_in_parts(ps: &[Parcel], parts: &[Part], things: &Things) -> Ground {
    parts.iter().fold(Ground::default(), |whole, part| {
        let own: Vec<&Parcel> = part.own.iter().map(|&i| &ps[i]).collect();
        whole.join(Ground::find(&own, &|k| part.own[k], things))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::blocks;
    use crate::analysis::ground::Layers;
    use crate::analysis::parcels;
    use crate::test_rng::SplitMix64 as Rng;
    use geo::{Coord, LineString, Polygon};

    /// A field of rectangles around (120.7°E, 30.7°N), some touching, some
    /// a few metres apart, a third not industrial, in counties split by a
    /// wavy line.
    fn field(seed: u64, n_side: usize) -> Vec<Parcel> {
        let mut rng = Rng(seed);
        let (m_lat, m_lon) = (1.0 / 110_900.0, 1.0 / 95_500.0);
        let mut out = Vec::new();
        for j in 0..n_side {
            for i in 0..n_side {
                // a 30 m cell; the plot fills it up to a random gap of 0–12 m
                let (x0, y0) = (i as f64 * 30.0, j as f64 * 30.0);
                let (w, h) = (30.0 - rng.below(13) as f64, 30.0 - rng.below(13) as f64);
                let c = |x: f64, y: f64| Coord {
                    x: 120.7 + x * m_lon,
                    y: 30.7 + y * m_lat,
                };
                let ring = LineString(vec![
                    c(x0, y0),
                    c(x0 + w, y0),
                    c(x0 + w, y0 + h),
                    c(x0, y0 + h),
                    c(x0, y0),
                ]);
                let wave = (j as f64 * 0.7).sin() * 3.0;
                let county = if (i as f64) < n_side as f64 / 2.0 + wave {
                    "330411"
                } else {
                    "330402"
                };
                let k = out.len();
                out.push(Parcel {
                    id: format!("{k:06}"),
                    feature: k + 1,
                    landuse: if rng.below(3) == 0 { "0101" } else { "0601" }.into(),
                    unit_code: Some(format!("{county}1010010000000").into()),
                    village: None,
                    settlement: None,
                    official_area_m2: None,
                    geometry: MultiPolygon(vec![Polygon::new(ring, vec![])]),
                    area_m2: 0.0,
                });
            }
        }
        out
    }

    const CODES: [&str; 1] = ["0601"];

    fn rules() -> BlockRules<'static> {
        static CODES_OWNED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        BlockRules {
            industrial_codes: CODES_OWNED
                .get_or_init(|| CODES.iter().map(|c| c.to_string()).collect()),
            cluster_gap_m: 8.0,
            scattered_max_mu: 5.0,
        }
    }

    #[test]
    fn blocks_found_in_parts_and_joined_are_the_whole_runs() {
        for seed in [1, 2, 3] {
            let mut ps = field(seed, 24);
            let projection =
                parcels::projection_over(parcels::bounds(ps.par_iter().map(|p| &p.geometry)));
            parcels::measure(&mut ps, &projection);
            let in_village: Vec<bool> = (0..ps.len()).map(|i| i % 2 == 0).collect();
            let whole = blocks::blocks(&ps, &in_village, &projection, &rules());
            let mut parts = county_parts(&ps, &rules());
            assert_eq!(parts.len(), 2);
            let joined = blocks_in_parts(&ps, &in_village, &projection, &rules(), &parts);
            // the field has blocks across the county line
            let crossing = whole
                .blocks
                .iter()
                .filter(|b| {
                    let c = |i: &usize| ps[*i].unit_code.as_deref().unwrap()[..6].to_string();
                    b.parcels.iter().any(|i| c(i) == "330411")
                        && b.parcels.iter().any(|i| c(i) == "330402")
                })
                .count();
            assert!(crossing > 2, "seed {seed}: {crossing} blocks cross");
            assert_eq!(whole.block_of, joined.block_of, "seed {seed}");
            assert_eq!(whole.scattered, joined.scattered, "seed {seed}");
            assert_eq!(whole.blocks.len(), joined.blocks.len());
            for (a, b) in whole.blocks.iter().zip(&joined.blocks) {
                assert_eq!((a.id, &a.parcels), (b.id, &b.parcels));
                assert_eq!(a.area_m2.to_bits(), b.area_m2.to_bits(), "block {}", a.id);
                assert_eq!(a.geometry, b.geometry, "block {}", a.id);
            }
            // without the halo the blocks across the line come apart
            for part in &mut parts {
                part.halo.clear();
            }
            let cut = blocks_in_parts(&ps, &in_village, &projection, &rules(), &parts);
            assert!(cut.blocks.len() > whole.blocks.len());
        }
    }

    #[test]
    fn what_stands_on_the_parcels_found_in_parts_is_the_whole_runs() {
        use crate::analysis::far;
        use crate::model::{Building, Enterprise, Model, Progress, VacatedRecord};
        for seed in [4, 5] {
            let ps = field(seed, 24);
            let mut rng = Rng(seed);
            let (m_lat, m_lon) = (1.0 / 110_900.0, 1.0 / 95_500.0);
            let c = |x: f64, y: f64| Coord {
                x: 120.7 + x * m_lon,
                y: 30.7 + y * m_lat,
            };
            let rect = |x: f64, y: f64, w: f64, h: f64| {
                let ring = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)];
                MultiPolygon(vec![Polygon::new(
                    LineString(ring.iter().map(|&(x, y)| c(x, y)).collect()),
                    vec![],
                )])
            };
            let mut at = |span: u64| rng.below(span) as f64;
            // firms anywhere, a third on the cell corners where plots meet
            let firms: Vec<Enterprise> = (0..600)
                .map(|k| {
                    let (x, y) = if k % 3 == 0 {
                        (at(24) * 30.0, at(24) * 30.0)
                    } else {
                        (at(7200) / 10.0, at(7200) / 10.0)
                    };
                    Enterprise::for_test(k + 1, "x", c(x, y))
                })
                .collect();
            // records and buildings of up to 80 m and 40 m, across plots
            let records: Vec<VacatedRecord> = (0..60)
                .map(|k| VacatedRecord {
                    feature: k + 1,
                    id: format!("v{k}"),
                    status: Progress::Done,
                    done_date: None,
                    claimed_mu: None,
                    township: None,
                    geometry: rect(at(680), at(680), 5.0 + at(75), 5.0 + at(75)),
                    area_m2: 0.0,
                })
                .collect();
            let buildings: Vec<Building> = (0..300)
                .map(|k| Building {
                    feature: k + 1,
                    floors: Some(1.0 + at(5)),
                    given_floor_area_m2: None,
                    geometry: rect(at(700), at(700), 3.0 + at(37), 3.0 + at(37)),
                    footprint_m2: 100.0,
                })
                .collect();
            let model = Model {
                parcels: ps,
                enterprises: firms,
                vacated: Some(records),
                buildings: Some(buildings),
                ..Model::default()
            };
            let ps = &model.parcels;
            let projection =
                parcels::projection_over(parcels::bounds(ps.par_iter().map(|p| &p.geometry)));
            let things = Things::new(&Layers::of(&model), &projection, true);
            let mut whole = Ground::find(ps, &|i| i, &things);
            let parts = county_parts(ps, &rules());
            let mut joined = ground_in_parts(ps, &parts, &things);
            assert_eq!(whole.enterprise_parcel, joined.enterprise_parcel);
            // most firms stand on a plot
            let located = whole.enterprise_parcel.iter().flatten().count();
            assert!(located > 300, "seed {seed}: {located}");
            let bits = |g: &Ground| -> Vec<Vec<(usize, u64)>> {
                g.record_parcels
                    .iter()
                    .map(|r| r.iter().map(|&(p, m2)| (p, m2.to_bits())).collect())
                    .collect()
            };
            assert_eq!(bits(&whole), bits(&joined), "seed {seed}");
            let (a, b): (far::Shares, far::Shares) = (whole.shares(), joined.shares());
            assert!(a == b, "seed {seed}");
            assert!((0..ps.len()).filter(|&i| !a.on(i).is_empty()).count() > 100);
        }
    }

    #[test]
    fn the_halo_reaches_the_gap_on_the_ground_and_no_further() {
        // plots 8 m apart across the line are in each other's halo; 30 m
        // apart they are not (the margin is generous, not unbounded)
        let m_lon = 1.0 / 95_500.0;
        let r = |x: f64| {
            Some(Rect::new(
                Coord {
                    x: 120.7 + x * m_lon,
                    y: 30.7,
                },
                Coord {
                    x: 120.7 + (x + 20.0) * m_lon,
                    y: 30.7001,
                },
            ))
        };
        let rects = [r(0.0), r(28.0), r(78.0)];
        let county = |i: usize| Some(["330411", "330402", "330421"][i]);
        let parts = parts(3, county, |i| rects[i], |_| true, 8.0);
        let halos: Vec<&[usize]> = parts.iter().map(|p| p.halo.as_slice()).collect();
        // parts in code order: 330402 (1), 330411 (0), 330421 (2)
        assert_eq!(halos, [&[0usize][..], &[1], &[]]);
    }

    #[test]
    fn joined_groups_are_ordered_like_clusters() {
        let groups = vec![vec![4, 7], vec![1, 4], vec![2], vec![7, 9], vec![3, 5]];
        assert_eq!(
            join(10, groups),
            vec![vec![1, 4, 7, 9], vec![2], vec![3, 5]]
        );
    }
}
