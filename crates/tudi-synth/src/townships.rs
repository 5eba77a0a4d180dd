//! Township polygons: the union of each township's tiles, outlined along
//! the centre lines of the strips between tiles (like the village
//! polygons), so every parcel of a tile lies in its township and a road or
//! river strip between two townships is split down the middle. The
//! window's outer edge is drawn 2 m outside the parcels.

use std::collections::HashMap;

use super::lattice::ring_area;
use super::layout::{Layout, Theme};
use super::output::GeoFeature;

/// A corner of the tile grid, and a directed edge between two.
type Corner = (i64, i64);
type Edge = (Corner, Corner);

/// A tile's township: the town's for town-centre tiles, else its village's.
pub fn tile_township(layout: &Layout, i: usize, j: usize) -> u32 {
    match layout.theme(i, j) {
        Theme::Town(t) => t,
        _ => layout.villages[layout.tile_village[j * layout.tiles_x + i] as usize].township,
    }
}

/// One feature per township with tiles in the window, in township order,
/// with `code` and `name`.
pub fn features(layout: &Layout) -> Vec<GeoFeature> {
    let (w, h) = (layout.tiles_x, layout.tiles_y);
    let of = |i: i64, j: i64| {
        (i >= 0 && j >= 0 && (i as usize) < w && (j as usize) < h)
            .then(|| tile_township(layout, i as usize, j as usize))
    };
    // boundary edges between tile corners, counter-clockwise around each
    // township (its tiles on the left)
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
    let lat = &layout.lat;
    // the window's outline 2 m outside its parcels, whose vertices are
    // jittered by up to 0.8 m
    let at = |axis: &super::lattice::Axis, k: i64| match k as usize {
        0 => -2.0,
        k if k == axis.tiles => axis.len() + 2.0,
        k => axis.line_after(k - 1),
    };
    let nominal = |c: Corner| [at(&lat.x, c.0), at(&lat.y, c.1)];
    let mut codes: Vec<u32> = edges.keys().copied().collect();
    codes.sort();
    codes
        .into_iter()
        .map(|t| {
            let rings = trace(&edges[&t]);
            let gk: Vec<Vec<[f64; 2]>> = rings
                .iter()
                .map(|r| lat.nominal_ring(&r.iter().map(|&c| nominal(c)).collect::<Vec<_>>()))
                .collect();
            let tw = &layout.townships[t as usize];
            GeoFeature {
                polygons: polygons(gk),
                props: vec![
                    ("code", tw.code9.clone().into()),
                    ("name", tw.name.clone().into()),
                ],
            }
        })
        .collect()
}

/// Closed rings (corners only, first repeated last) from directed boundary
/// edges; at a corner where two pieces touch, turn left, keeping the pieces
/// apart.
fn trace(edges: &[Edge]) -> Vec<Vec<Corner>> {
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
        let mut ring = vec![start];
        let mut k = s;
        loop {
            used[k] = true;
            let (a, b) = edges[k];
            let d = (b.0 - a.0, b.1 - a.1);
            // keep only corners where the direction changes
            let n = ring.len();
            if n >= 2 {
                let p = ring[n - 2];
                if (a.0 - p.0).signum() == d.0.signum() && (a.1 - p.1).signum() == d.1.signum() {
                    ring.pop();
                }
            }
            ring.push(b);
            if b == start {
                break;
            }
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
        // the closing corner may be collinear with the start
        let n = ring.len();
        if n >= 4 {
            let (p, a, b) = (ring[n - 2], ring[0], ring[1]);
            if (a.0 - p.0).signum() == (b.0 - a.0).signum()
                && (a.1 - p.1).signum() == (b.1 - a.1).signum()
            {
                ring.remove(0);
                ring[n - 2] = ring[0];
            }
        }
        rings.push(ring);
    }
    rings
}

/// Outer rings (counter-clockwise) with the holes (clockwise) inside them.
fn polygons(rings: Vec<Vec<[f64; 2]>>) -> Vec<Vec<Vec<[f64; 2]>>> {
    let (outer, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| ring_area(r) > 0.0);
    let mut polys: Vec<Vec<Vec<[f64; 2]>>> = outer.into_iter().map(|r| vec![r]).collect();
    for hole in holes {
        let p = hole[0];
        // the smallest outer ring around the hole
        let owner = (0..polys.len())
            .filter(|&k| super::point_in_rings(&polys[k][..1], p))
            .min_by(|&a, &b| ring_area(&polys[a][0]).total_cmp(&ring_area(&polys[b][0])));
        if let Some(k) = owner {
            polys[k].push(hole);
        }
    }
    polys
}
