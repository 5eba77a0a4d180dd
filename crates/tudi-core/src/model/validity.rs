//! Polygon validity, decided as `geo`'s `Validation` decides it for
//! polygons and multipolygons, in O(n log n) for n vertices (a sweep line,
//! in `sweep`) where `geo` compares every pair of edges.
//!
//! Valid means: each ring has at least 3 distinct points, all finite, and is
//! simple (consecutive edges share only their vertex, so no spike, and no
//! other two edges meet); rings cross no other ring and touch others only at
//! points; holes lie inside their exterior and outside each other; parts
//! lie outside each other (or inside a hole of another). Repeated
//! consecutive points are allowed. As in `geo` (and unlike OGC), holes that
//! touch at points are not checked for cutting the polygon in two. Where
//! `geo` falls short of its own rules this check does not: a ring folding
//! back onto itself is invalid even when it has only three corners.

mod status;
mod sweep;
#[cfg(test)]
mod tests;

use std::fmt;

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, LineString, MultiPolygon};

use sweep::OUTSIDE;

/// Why a polygon is invalid, in words, with a place where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

/// Checks `mp`; the common parcel (one small ring) takes a cheap path.
pub fn check(mp: &MultiPolygon<f64>) -> Result<(), Invalid> {
    if let [p] = mp.0.as_slice() {
        if p.interiors().is_empty() && small_simple_ring(p.exterior()) {
            return Ok(());
        }
    }
    let rings = Rings::new(mp)?;
    let sweep = sweep::Sweep::run(&rings)?;
    rings.nesting(&sweep.parent)
}

/// A coordinate pair for messages: short, and never hundreds of digits.
fn place(c: Coord<f64>) -> String {
    let num = |v: f64| {
        if v != 0.0 && !(1e-5..1e15).contains(&v.abs()) {
            format!("{v:e}")
        } else {
            format!("{v}")
        }
    };
    format!("({}, {})", num(c.x), num(c.y))
}

struct Ring {
    /// its vertices: `pts[start..start + len]`
    start: u32,
    len: u32,
    part: u32,
    hole: Option<u32>,
}

/// Every non-empty ring, without repeated consecutive points and without
/// the closing point, one after the other.
struct Rings {
    pts: Vec<Coord<f64>>,
    ring_of: Vec<u32>,
    rings: Vec<Ring>,
    /// per part, its exterior ring, or `OUTSIDE` for an empty part
    exterior: Vec<u32>,
}

impl Rings {
    fn new(mp: &MultiPolygon<f64>) -> Result<Rings, Invalid> {
        let parts = mp.0.len();
        let total: usize =
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| r.0.len())
                .sum();
        if total >= OUTSIDE as usize {
            return Err(Invalid(format!(
                "{total} points are more than can be checked"
            )));
        }
        let mut out = Rings {
            pts: Vec::with_capacity(total),
            ring_of: Vec::with_capacity(total),
            rings: Vec::new(),
            exterior: Vec::with_capacity(parts),
        };
        for (part, p) in mp.0.iter().enumerate() {
            // as in `geo`, a part without an exterior is empty, holes and all
            if p.exterior().0.is_empty() {
                out.exterior.push(OUTSIDE);
                continue;
            }
            out.exterior.push(out.rings.len() as u32);
            let all = std::iter::once(p.exterior()).chain(p.interiors());
            for (k, ring) in all.enumerate().filter(|(_, r)| !r.0.is_empty()) {
                out.add(ring, part as u32, k.checked_sub(1).map(|h| h as u32), parts)?;
            }
        }
        Ok(out)
    }

    fn add(
        &mut self,
        ring: &LineString<f64>,
        part: u32,
        hole: Option<u32>,
        parts: usize,
    ) -> Result<(), Invalid> {
        let name = || name(part, hole, parts);
        if let Some(k) = ring
            .0
            .iter()
            .position(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Err(Invalid(format!(
                "{} has a coordinate that is not a finite number (point {})",
                name(),
                k + 1
            )));
        }
        let start = self.pts.len();
        for &c in &ring.0 {
            if self.pts.len() == start || self.pts.last() != Some(&c) {
                self.pts.push(c);
            }
        }
        while self.pts.len() > start + 1 && self.pts.last() == Some(&self.pts[start]) {
            self.pts.pop();
        }
        let len = self.pts.len() - start;
        if len < 3 {
            return Err(Invalid(format!(
                "{} has fewer than 3 distinct points",
                name()
            )));
        }
        let r = self.rings.len() as u32;
        self.ring_of.resize(self.pts.len(), r);
        self.rings.push(Ring {
            start: start as u32,
            len: len as u32,
            part,
            hole,
        });
        Ok(())
    }

    fn next(&self, i: u32) -> u32 {
        let r = &self.rings[self.ring_of[i as usize] as usize];
        if i + 1 == r.start + r.len {
            r.start
        } else {
            i + 1
        }
    }

    fn prev(&self, i: u32) -> u32 {
        let r = &self.rings[self.ring_of[i as usize] as usize];
        if i == r.start {
            r.start + r.len - 1
        } else {
            i - 1
        }
    }

    fn name(&self, r: u32) -> String {
        let ring = &self.rings[r as usize];
        name(ring.part, ring.hole, self.exterior.len())
    }

    fn say_one(&self, r: u32, what: &str, at: Coord<f64>) -> Invalid {
        Invalid(format!("{} {what} {}", self.name(r), place(at)))
    }

    fn say_two(&self, r1: u32, r2: u32, what: &str, at: Coord<f64>) -> Invalid {
        let (r1, r2) = (r1.min(r2), r1.max(r2));
        Invalid(format!(
            "{} and {} {what} {}",
            self.name(r1),
            self.name(r2),
            place(at)
        ))
    }

    /// With no rings crossing, `parent` (the ring directly holding each
    /// ring) decides the rest: a hole directly inside its own exterior, an
    /// exterior inside nothing or directly inside a hole.
    fn nesting(&self, parent: &[u32]) -> Result<(), Invalid> {
        for (r, ring) in self.rings.iter().enumerate() {
            let (r, up) = (r as u32, parent[r]);
            let first = self.pts[ring.start as usize];
            let outer = self.exterior[ring.part as usize];
            let holder = self.rings.get(up as usize);
            match (ring.hole, holder) {
                (Some(_), _) if up == outer => {}
                (None, None) => {}
                (None, Some(h)) if h.hole.is_some() => {}
                (None, Some(h)) => {
                    return Err(Invalid(format!(
                        "parts {} and {} overlap: part {} lies inside part {} (from {})",
                        h.part.min(ring.part) + 1,
                        h.part.max(ring.part) + 1,
                        ring.part + 1,
                        h.part + 1,
                        place(first)
                    )))
                }
                (Some(_), _) => {
                    let mut a = up;
                    while a != OUTSIDE && a != outer {
                        a = parent[a as usize];
                    }
                    return Err(match holder {
                        _ if a == OUTSIDE => {
                            self.say_one(r, "is not inside the exterior ring: it starts at", first)
                        }
                        Some(h) if h.part == ring.part => Invalid(format!(
                            "{} lies inside {} (from {})",
                            self.name(r),
                            self.name(up),
                            place(first)
                        )),
                        _ => {
                            let other = holder.map_or(ring.part, |h| h.part);
                            Invalid(format!(
                                "parts {} and {} overlap: {} lies inside part {} (from {})",
                                other.min(ring.part) + 1,
                                other.max(ring.part) + 1,
                                self.name(r),
                                other + 1,
                                place(first)
                            ))
                        }
                    });
                }
            }
        }
        Ok(())
    }
}

fn name(part: u32, hole: Option<u32>, parts: usize) -> String {
    let ring = match hole {
        None => "the exterior ring".to_string(),
        Some(h) => format!("hole {}", h + 1),
    };
    if parts > 1 {
        format!("{ring} of part {}", part + 1)
    } else {
        ring
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

/// Whether a ring of at most 64 edges is certainly simple: closed, finite,
/// at least three corners, no repeated consecutive vertices, and no two
/// edges that touch other than consecutive ones at their shared vertex.
/// Comparing every pair is cheaper than a sweep for so few.
fn small_simple_ring(ring: &LineString<f64>) -> bool {
    let c = &ring.0;
    let n = c.len();
    if n < 4 || c[0] != c[n - 1] || c.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return false;
    }
    if c.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let edges = n - 1;
    let mut on_stack = [(0.0, 0.0, 0.0, 0.0); 64];
    if edges < 3 || edges > on_stack.len() {
        return false;
    }
    // Bounding boxes first: most pairs of a parcel's edges are far apart.
    let boxes = &mut on_stack[..edges];
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
