//! A fast validity check for the common case: a polygon with one ring and
//! no holes, as nearly every survey parcel is. It answers "valid" only
//! when sure; anything else goes to `geo`'s full validation, which also
//! words the reason.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, LineString, MultiPolygon};

/// True when `mp` is certainly valid: a single polygon without holes whose
/// ring is closed, finite, has at least three distinct corners, no
/// repeated consecutive vertices and no two edges that touch other than
/// consecutive ones at their shared vertex.
pub fn certainly_valid(mp: &MultiPolygon<f64>) -> bool {
    match mp.0.as_slice() {
        [p] if p.interiors().is_empty() => simple_ring(p.exterior()),
        _ => false,
    }
}

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(p, q, r)
}

/// r lies on the closed segment p–q, given that p, q, r are collinear.
fn on_segment(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> bool {
    r.x >= p.x.min(q.x) && r.x <= p.x.max(q.x) && r.y >= p.y.min(q.y) && r.y <= p.y.max(q.y)
}

/// Whether closed segments a–b and c–d share any point.
fn segments_touch(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> bool {
    use Orientation::Collinear;
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    if o1 != o2
        && o3 != o4
        && o1 != Collinear
        && o2 != Collinear
        && o3 != Collinear
        && o4 != Collinear
    {
        return true;
    }
    (o1 == Collinear && on_segment(a, b, c))
        || (o2 == Collinear && on_segment(a, b, d))
        || (o3 == Collinear && on_segment(c, d, a))
        || (o4 == Collinear && on_segment(c, d, b))
}

/// Whether edge a–b and the next one d–e (b = d) or, with `wrap`, the
/// ring's first and last edges (a = e) fold back onto each other:
/// consecutive edges may only share their vertex. The box tests go first:
/// they nearly always fail, and cost far less than the exact orientation.
fn folds_back(a: Coord<f64>, b: Coord<f64>, d: Coord<f64>, e: Coord<f64>, wrap: bool) -> bool {
    let shared = if wrap { a } else { b };
    let (far_i, far_j) = if wrap { (b, d) } else { (a, e) };
    (on_segment(a, b, far_j) || on_segment(d, e, far_i))
        && orient(far_i, shared, far_j) == Orientation::Collinear
}

fn simple_ring(ring: &LineString<f64>) -> bool {
    let c = &ring.0;
    let n = c.len();
    if n < 4 || c[0] != c[n - 1] || c.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return false;
    }
    if c.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let edges = n - 1;
    if edges < 3 {
        return false;
    }
    // Bounding boxes first: most pairs of a parcel's edges are far apart.
    // Parcels have a few dozen edges at most: keep their boxes on the stack.
    let mut on_stack = [(0.0, 0.0, 0.0, 0.0); 64];
    let mut on_heap = Vec::new();
    let boxes = if edges <= on_stack.len() {
        &mut on_stack[..edges]
    } else {
        on_heap.resize(edges, (0.0, 0.0, 0.0, 0.0));
        &mut on_heap[..]
    };
    for (b, w) in boxes.iter_mut().zip(c.windows(2)) {
        *b = (
            w[0].x.min(w[1].x),
            w[0].x.max(w[1].x),
            w[0].y.min(w[1].y),
            w[0].y.max(w[1].y),
        );
    }
    let edge = |k: usize| (c[k], c[k + 1]);
    for i in 0..edges {
        let (a, b) = edge(i);
        if i + 1 < edges {
            let (d, e) = edge(i + 1);
            if folds_back(a, b, d, e, false) {
                return false;
            }
        }
        if i == 0 {
            let (d, e) = edge(edges - 1);
            if folds_back(a, b, d, e, true) {
                return false;
            }
        }
        // the other edges, but for the last one when pairing with the first
        let bi = boxes[i];
        let end = if i == 0 { edges - 1 } else { edges };
        for (k, bj) in boxes.get(i + 2..end).unwrap_or_default().iter().enumerate() {
            if bi.1 < bj.0 || bj.1 < bi.0 || bi.3 < bj.2 || bj.3 < bi.2 {
                continue;
            }
            let (d, e) = edge(i + 2 + k);
            if segments_touch(a, b, d, e) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Validation};

    fn mp(p: geo::Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn agrees_with_geo_on_valid_and_invalid_rings() {
        let square = mp(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]);
        let bow_tie = mp(polygon![(x: 0., y: 0.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 1.)]);
        // touches itself at a vertex (an "inverted" ring)
        let pinched = mp(
            polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 1., y: 1.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 1., y: 1.)],
        );
        let spike = mp(
            polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 3., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.)],
        );
        let concave = mp(
            polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 1.), (x: 0., y: 4.)],
        );
        assert!(certainly_valid(&square) && square.is_valid());
        assert!(certainly_valid(&concave) && concave.is_valid());
        for bad in [&bow_tie, &pinched, &spike] {
            assert!(!certainly_valid(bad), "{bad:?}");
            assert!(!bad.is_valid(), "geo agrees it is invalid: {bad:?}");
        }
    }

    #[test]
    fn never_says_valid_where_geo_says_invalid_on_random_rings() {
        // seeded random small rings, many of them self-intersecting
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % 8) as f64
        };
        let mut both_valid = 0;
        for _ in 0..5000 {
            let pts: Vec<(f64, f64)> = (0..5).map(|_| (next(), next())).collect();
            let p = mp(geo::Polygon::new(LineString::from(pts), vec![]));
            if certainly_valid(&p) {
                assert!(p.is_valid(), "{p:?}");
                both_valid += 1;
            }
        }
        assert!(
            both_valid > 100,
            "the fast path must accept ordinary rings ({both_valid})"
        );
    }
}
