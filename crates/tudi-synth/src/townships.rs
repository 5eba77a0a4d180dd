//! Township polygons: the union of each township's tiles, outlined along
//! the centre lines of the strips between tiles (like the village
//! polygons), so every parcel of a tile lies in its township and a road or
//! river strip between two townships is split down the middle. The
//! window's outer edge is drawn 2 m outside the parcels. Counties (of a
//! district of several) and the district's outline are drawn the same
//! way, through every tile corner, and so are the townships then: a
//! township's outline and its county's share their vertices.

use std::collections::HashMap;

use super::layout::{Layout, Theme};
use super::output::GeoFeature;

/// A corner of the tile grid, and a directed edge between two.
type Corner = (i64, i64);
type Edge = (Corner, Corner);
/// Polygons (GK): each an outer ring, then its holes.
type Polygons = Vec<Vec<Vec<[f64; 2]>>>;

/// A tile's township: the town's for town-centre tiles, else its village's.
pub fn tile_township(layout: &Layout, i: usize, j: usize) -> u32 {
    match layout.theme(i, j) {
        Theme::Town(t) => t,
        _ => layout.villages[layout.tile_village[j * layout.tiles_x + i] as usize].township,
    }
}

/// A tile's county.
pub fn tile_county(layout: &Layout, i: usize, j: usize) -> u32 {
    layout.townships[tile_township(layout, i, j) as usize].county
}

/// One feature per township with tiles in the window, in township order,
/// with `code` and `name`.
pub fn features(layout: &Layout) -> Vec<GeoFeature> {
    let every_corner = !layout.counties.is_empty();
    outlines(layout, |i, j| tile_township(layout, i, j), every_corner)
        .into_iter()
        .map(|(t, polygons)| {
            let tw = &layout.townships[t as usize];
            GeoFeature {
                polygons,
                props: vec![
                    ("code", tw.code9.clone().into()),
                    ("name", tw.name.clone().into()),
                ],
            }
        })
        .collect()
}

/// One feature per county of a district of several, in code order of
/// [`Layout::counties`], with `code` and `name`.
pub fn county_features(layout: &Layout) -> Vec<GeoFeature> {
    outlines(layout, |i, j| tile_county(layout, i, j), true)
        .into_iter()
        .map(|(c, polygons)| {
            let county = layout.counties[c as usize];
            GeoFeature {
                polygons,
                props: vec![("code", county.code.into()), ("name", county.name.into())],
            }
        })
        .collect()
}

/// The outline of the whole window, drawn like the counties: their union.
pub fn window_outline(layout: &Layout) -> Polygons {
    outlines(layout, |_, _| 0, true)
        .pop()
        .map(|(_, polygons)| polygons)
        .unwrap_or_default()
}

/// The polygons (GK) of each group of tiles, in group order; with
/// `every_corner`, through every tile corner on their outlines.
fn outlines(
    layout: &Layout,
    group: impl Fn(usize, usize) -> u32,
    every_corner: bool,
) -> Vec<(u32, Polygons)> {
    let edges = boundary_edges(layout.tiles_x, layout.tiles_y, group);
    let lat = &layout.lat;
    // the window's outline 2 m outside its parcels, whose vertices are
    // jittered by up to 0.8 m
    let at = |axis: &super::lattice::Axis, k: i64| match k as usize {
        0 => -2.0,
        k if k == axis.tiles => axis.len() + 2.0,
        k => axis.line_after(k - 1),
    };
    let nominal = |c: Corner| [at(&lat.x, c.0), at(&lat.y, c.1)];
    let gk = |r: &Vec<Corner>| lat.nominal_ring(&r.iter().map(|&c| nominal(c)).collect::<Vec<_>>());
    let mut ids: Vec<u32> = edges.keys().copied().collect();
    ids.sort();
    ids.into_iter()
        .map(|t| {
            let polygons = polygons(trace(&edges[&t], every_corner))
                .iter()
                .map(|p| p.iter().map(gk).collect())
                .collect();
            (t, polygons)
        })
        .collect()
}

/// Boundary edges between tile corners of each group of tiles in a
/// `w` × `h` window, counter-clockwise around the group (its tiles on the
/// left).
fn boundary_edges(
    w: usize,
    h: usize,
    group: impl Fn(usize, usize) -> u32,
) -> HashMap<u32, Vec<Edge>> {
    let of = |i: i64, j: i64| {
        (i >= 0 && j >= 0 && (i as usize) < w && (j as usize) < h)
            .then(|| group(i as usize, j as usize))
    };
    let mut edges: HashMap<u32, Vec<Edge>> = HashMap::new();
    for j in 0..h as i64 {
        for i in 0..w as i64 {
            let t = of(i, j).expect("inside");
            let sides = [
                ((i, j - 1), (i, j), (i + 1, j)),
                ((i + 1, j), (i + 1, j), (i + 1, j + 1)),
                ((i, j + 1), (i + 1, j + 1), (i, j + 1)),
                ((i - 1, j), (i, j + 1), (i, j)),
            ];
            for (nb, a, b) in sides {
                if of(nb.0, nb.1) != Some(t) {
                    edges.entry(t).or_default().push((a, b));
                }
            }
        }
    }
    edges
}

/// Simple closed rings (corners only, first repeated last) from directed
/// boundary edges. At a corner where two pieces of the township touch, the
/// walk turns left, keeping the pieces apart; it may then go on around
/// the land on the other side of that corner (a hole touching the outline,
/// or two holes touching) and come back to the corner — such a loop is cut
/// off as a ring of its own, so no ring passes a corner twice. Without
/// `every_corner`, only the corners where a ring turns are kept.
fn trace(edges: &[Edge], every_corner: bool) -> Vec<Vec<Corner>> {
    let mut from: HashMap<Corner, Vec<usize>> = HashMap::new();
    for (k, e) in edges.iter().enumerate() {
        from.entry(e.0).or_default().push(k);
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for s in 0..edges.len() {
        if used[s] {
            continue;
        }
        let start = edges[s].0;
        // the walk so far, and where each corner on it stands
        let mut walk = vec![start];
        let mut on_walk: HashMap<Corner, usize> = HashMap::from([(start, 0)]);
        let mut k = s;
        loop {
            used[k] = true;
            let (a, b) = edges[k];
            if let Some(&at) = on_walk.get(&b) {
                // back at a corner already passed: the loop since is a ring
                let mut ring = walk.split_off(at + 1);
                for c in &ring {
                    on_walk.remove(c);
                }
                ring.insert(0, b);
                ring.push(b);
                rings.push(if every_corner { ring } else { simplify(ring) });
                if b == start && walk.len() == 1 {
                    break;
                }
            } else {
                on_walk.insert(b, walk.len());
                walk.push(b);
            }
            let d = (b.0 - a.0, b.1 - a.1);
            let left = (-d.1, d.0);
            let next = from[&b]
                .iter()
                .copied()
                .filter(|&e| !used[e])
                .max_by_key(|&e| {
                    let (c, q) = edges[e];
                    let dd = (q.0 - c.0, q.1 - c.1);
                    // left 2, straight 1, right 0
                    if dd == left {
                        2
                    } else if dd == d {
                        1
                    } else {
                        0
                    }
                });
            match next {
                Some(e) => k = e,
                None => break,
            }
        }
    }
    rings
}

/// A closed ring of corners without the corners where the direction does
/// not change (the start included).
fn simplify(ring: Vec<Corner>) -> Vec<Corner> {
    let dir = |p: Corner, q: Corner| ((q.0 - p.0).signum(), (q.1 - p.1).signum());
    let mut out: Vec<Corner> = Vec::with_capacity(ring.len());
    for &c in &ring {
        if let [.., p, a] = out[..] {
            if dir(p, a) == dir(a, c) {
                out.pop();
            }
        }
        out.push(c);
    }
    let n = out.len();
    if n >= 4 && dir(out[n - 2], out[0]) == dir(out[0], out[1]) {
        out.remove(0);
        out[n - 2] = out[0];
    }
    out
}

/// Twice the signed area of a closed ring of corners (positive when
/// counter-clockwise).
fn corner_area2(ring: &[Corner]) -> i64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

/// Is the point `(x, y)`, off every grid line, inside the ring?
fn inside(ring: &[Corner], x: f64, y: f64) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        // vertical edges only cross a horizontal ray
        if x0 == x1 && (x0 as f64) > x && ((y0 as f64) < y) != ((y1 as f64) < y) {
            inside = !inside;
        }
    }
    inside
}

/// Outer rings (counter-clockwise) with the holes (clockwise) inside them.
/// A hole is placed by the centre of the tile on the right of its first
/// edge — a tile of the hole, never on any ring, unlike the hole's corners,
/// which may lie on its outer ring.
fn polygons(rings: Vec<Vec<Corner>>) -> Vec<Vec<Vec<Corner>>> {
    let (outer, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| corner_area2(r) > 0);
    let mut polys: Vec<Vec<Vec<Corner>>> = outer.into_iter().map(|r| vec![r]).collect();
    for hole in holes {
        let (a, b) = (hole[0], hole[1]);
        let d = ((b.0 - a.0).signum() as f64, (b.1 - a.1).signum() as f64);
        let (x, y) = (
            a.0 as f64 + 0.5 * d.0 + 0.5 * d.1,
            a.1 as f64 + 0.5 * d.1 - 0.5 * d.0,
        );
        // the smallest outer ring around the hole
        let owner = (0..polys.len())
            .filter(|&k| inside(&polys[k][0], x, y))
            .min_by_key(|&k| corner_area2(&polys[k][0]));
        if let Some(k) = owner {
            polys[k].push(hole);
        }
    }
    polys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gk;
    use crate::lattice::ring_area;
    use geo::{Area, Coord, LineString, MultiPolygon, Polygon};
    use tudi_core::model::validity;

    fn to_geo(polygons: &[Vec<Vec<[f64; 2]>>]) -> MultiPolygon<f64> {
        let ls = |r: &Vec<[f64; 2]>| {
            LineString::from(
                r.iter()
                    .map(|p| Coord { x: p[0], y: p[1] })
                    .collect::<Vec<_>>(),
            )
        };
        MultiPolygon(
            polygons
                .iter()
                .map(|p| Polygon::new(ls(&p[0]), p[1..].iter().map(ls).collect()))
                .collect(),
        )
    }

    /// Every township polygon of `generate`'s window for `parcels` parcels
    /// in `counties` counties is valid as tudi decides it (geo's rules), in
    /// GK and in lon/lat at the 7 decimals written; together they cover
    /// the window once. So do the counties, when several, each one piece
    /// of about equal tiles, holding the townships numbered under its code.
    fn check(seed: u64, parcels: usize, counties: usize) {
        let (tx, ty) = crate::first_window(parcels);
        let mut layout = crate::layout::townships_only(seed, tx, ty, counties);
        layout.lat.origin = crate::place_in_xiuzhou(&layout).unwrap();
        let to_ll = gk::transform(gk::EPSG_GK40, gk::EPSG_CGCS2000).unwrap();
        let (w, h) = layout.lat.size();
        let outline = ring_area(&layout.lat.nominal_rect(-2.0, -2.0, w + 2.0, h + 2.0));
        let at = format!("seed {seed}, {parcels} parcels, {counties} counties");
        let covers = |what: &str, fs: &[GeoFeature]| {
            let mut area = 0.0;
            for (k, f) in fs.iter().enumerate() {
                let at = format!("{at}, {what} {k} {:?}", f.props);
                let mp = to_geo(&f.polygons);
                validity::check(&mp).unwrap_or_else(|e| panic!("{at}: {e}"));
                area += mp.unsigned_area();
                let mut ll = f.polygons.clone();
                for r in ll.iter_mut().flatten() {
                    gk::apply(&to_ll, r).unwrap();
                    for q in r.iter_mut() {
                        *q = q.map(|v| (v * 1e7).round() / 1e7);
                    }
                }
                validity::check(&to_geo(&ll)).unwrap_or_else(|e| panic!("{at} in lon/lat: {e}"));
            }
            // no hole lost, none counted twice: the window and its 2 m margin
            assert!(
                (area - outline).abs() < 1e-9 * outline,
                "{at}: {area} m² of {what} in {outline}"
            );
        };
        let townships = features(&layout);
        assert!(townships.len() > 1);
        covers("townships", &townships);
        if counties == 1 {
            return;
        }
        let cs = county_features(&layout);
        assert_eq!(cs.len(), counties, "{at}");
        covers("counties", &cs);
        covers(
            "outline",
            &[GeoFeature {
                polygons: window_outline(&layout),
                props: Vec::new(),
            }],
        );
        let mut tiles = vec![0usize; counties];
        for j in 0..layout.tiles_y {
            for i in 0..layout.tiles_x {
                tiles[tile_county(&layout, i, j) as usize] += 1;
            }
        }
        let mean = (layout.tiles_x * layout.tiles_y) as f64 / counties as f64;
        // one piece, but where a township of it is in pieces itself (a
        // few of the largest districts' are)
        let county_of: HashMap<&str, usize> = layout
            .townships
            .iter()
            .map(|t| (t.code9.as_str(), t.county as usize))
            .collect();
        let mut pieces = vec![1; counties];
        for f in &townships {
            pieces[county_of[f.props[0].1.as_str().unwrap()]] += f.polygons.len() - 1;
        }
        for (c, f) in cs.iter().enumerate() {
            assert!(
                f.polygons.len() <= pieces[c],
                "{at}: {:?} in {} pieces",
                f.props,
                f.polygons.len()
            );
            assert!(
                (0.75..1.25).contains(&(tiles[c] as f64 / mean)),
                "{at}: {} tiles of {mean} in {:?}",
                tiles[c],
                f.props
            );
        }
        let mut codes = std::collections::HashSet::new();
        for t in &layout.townships {
            assert!(t.code9.starts_with(layout.counties[t.county as usize].code));
            assert!(codes.insert(&t.code9), "{at}: {} twice", t.code9);
        }
    }

    /// The polygons of group 1 in a picture of tiles (`#` group 1, other
    /// characters group 0; the first line is the top row).
    fn pieces(picture: &[&str]) -> Vec<Vec<Vec<Corner>>> {
        let h = picture.len();
        let rows: Vec<&[u8]> = picture.iter().rev().map(|r| r.as_bytes()).collect();
        let edges = boundary_edges(rows[0].len(), h, |i, j| u32::from(rows[j][i] == b'#'));
        polygons(trace(&edges[&1], false))
    }

    fn no_corner_twice(ring: &[Corner]) {
        let mut seen = std::collections::HashSet::new();
        assert!(
            ring[..ring.len() - 1].iter().all(|c| seen.insert(*c)),
            "{ring:?}"
        );
        assert_eq!(ring.first(), ring.last());
    }

    #[test]
    fn a_hole_touching_the_outside_is_a_hole_of_its_own() {
        // the 10 000 000-parcel case: the hole's top-right corner is the
        // outside's bottom-left one
        let p = pieces(&["##..", "#.##", "####"]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 2, "{p:?}");
        p[0].iter().for_each(|r| no_corner_twice(r));
        assert_eq!(p[0][1].len(), 5, "a one-tile hole: {:?}", p[0][1]);
        assert!(corner_area2(&p[0][0]) > 0 && corner_area2(&p[0][1]) < 0);
        assert!(p[0][1].contains(&(2, 2)) && p[0][0].contains(&(2, 2)));
    }

    #[test]
    fn holes_touching_each_other_stay_apart() {
        let p = pieces(&["####", "#.##", "##.#", "####"]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 3, "{p:?}");
        p[0].iter().for_each(|r| no_corner_twice(r));
        assert_eq!(p[0].iter().map(|r| corner_area2(r)).sum::<i64>(), 2 * 14);
    }

    #[test]
    fn pieces_touching_at_a_corner_stay_apart() {
        let p = pieces(&["#.", ".#"]);
        assert_eq!(p.len(), 2, "{p:?}");
        p.iter().for_each(|q| {
            assert_eq!(q.len(), 1);
            no_corner_twice(&q[0]);
        });
        // and an island in a hole belongs to itself, not to the hole's owner
        let p = pieces(&["#####", "#...#", "#.#.#", "#...#", "#####"]);
        assert_eq!(p.len(), 2);
        assert_eq!(p.iter().map(|q| q.len()).collect::<Vec<_>>(), [2, 1]);
    }

    /// Sizes up to 10 000 000 parcels, where a township once touched its
    /// own outline at a corner (seed 2020: a hole meeting the outside).
    const SIZES: [usize; 4] = [6_000, 100_000, 1_000_000, 10_000_000];

    #[test]
    fn townships_are_valid_at_every_size() {
        for parcels in SIZES {
            check(2020, parcels, 1);
        }
    }

    #[test]
    fn townships_are_valid_for_other_seeds() {
        for parcels in SIZES {
            check(5, parcels, 1);
        }
        for parcels in &SIZES[..3] {
            check(11, *parcels, 1);
        }
    }

    #[test]
    fn counties_are_valid_and_even() {
        for (seed, parcels, counties) in [
            (2020, 100_000, 2),
            (5, 100_000, 3),
            (2020, 1_000_000, 5),
            (11, 1_000_000, 7),
            (2020, 10_000_000, 15),
        ] {
            check(seed, parcels, counties);
        }
    }
}
