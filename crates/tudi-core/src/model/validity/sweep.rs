//! The sweep behind [`super::check`]: one pass over every vertex of every
//! ring in lexicographic (x, then y) order, keeping the edges that cross the
//! sweep line ordered from bottom to top (Shamos–Hoey), in [`Status`].
//!
//! Every predicate is exact (`orient2d` of the robust kernel, and plain
//! comparisons of input coordinates), so touching and collinear cases are
//! decided without tolerance. Until the first bad configuration the edges on
//! the sweep line do not cross, so their order is well defined; the sweep
//! stops at the first one it meets, and it meets one if there is any:
//! - two edges crossing away from any vertex are neighbours on the sweep line
//!   just before the crossing, and neighbours are tested when they become so;
//! - everything else (a ring through its own vertex, rings crossing or
//!   touching along a line at a vertex, a spike) happens at a vertex, where
//!   all edges through that point are looked at together.
//!
//! With no crossing, rings are nested or apart; the edge just below a ring's
//! first vertex tells which ring directly holds it, and the nesting decides
//! holes inside their exterior, holes apart from each other, parts apart.

use std::cmp::Ordering;

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::Coord;

use super::status::{Status, NIL};
use super::{Invalid, Rings};

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(a, b, c)
}

/// Sweep order: by x, then y. Coordinates are finite here; -0 equals 0.
fn lex(a: Coord<f64>, b: Coord<f64>) -> Ordering {
    a.x.partial_cmp(&b.x)
        .unwrap_or(Ordering::Equal)
        .then(a.y.partial_cmp(&b.y).unwrap_or(Ordering::Equal))
}

/// The bits of a finite `v` as an integer in the same order (-0 as 0).
fn sortable(v: f64) -> u64 {
    let bits = (v + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Whether the direction from `p` to `q` lies in the half-turn [0°, 180°).
fn upper(p: Coord<f64>, q: Coord<f64>) -> bool {
    q.y > p.y || (q.y == p.y && q.x > p.x)
}

/// Counter-clockwise order of the directions from `p` to `q1` and to `q2`,
/// starting at due east; `Equal` for the same direction.
fn by_angle(p: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> Ordering {
    match (upper(p, q1), upper(p, q2)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => match orient(p, q1, q2) {
            Orientation::CounterClockwise => Ordering::Less,
            Orientation::Clockwise => Ordering::Greater,
            Orientation::Collinear => Ordering::Equal,
        },
    }
}

/// Edge `e` from its first to its last end in sweep order.
fn seg(rings: &Rings, e: u32) -> (Coord<f64>, Coord<f64>) {
    let (s, t) = (rings.pts[e as usize], rings.pts[rings.next(e) as usize]);
    if lex(s, t) == Ordering::Less {
        (s, t)
    } else {
        (t, s)
    }
}

/// Bottom-to-top order of two edges that both cross the sweep line, compared
/// where the later of them starts (they do not cross before that).
fn edge_order(rings: &Rings, e1: u32, e2: u32) -> Ordering {
    let (s, t) = (seg(rings, e1), seg(rings, e2));
    let (first, second, flip) = if lex(s.0, t.0) != Ordering::Greater {
        (s, t, false)
    } else {
        (t, s, true)
    };
    let side = match orient(first.0, first.1, second.0) {
        Orientation::Collinear => orient(first.0, first.1, second.1),
        o => o,
    };
    let order = match side {
        Orientation::CounterClockwise => Ordering::Less,
        Orientation::Clockwise => Ordering::Greater,
        // overlapping edges never share the sweep line: it stops first
        Orientation::Collinear => e1.cmp(&e2),
    };
    if flip {
        order.reverse()
    } else {
        order
    }
}

/// No ring holds this one.
pub(super) const OUTSIDE: u32 = u32::MAX;

/// One pass of a ring through the current point: through its vertex there,
/// or through the inside of one of its edges.
#[derive(Clone, Copy)]
struct Visit {
    ring: u32,
    /// the vertex, or the edge
    at: u32,
    vertex: bool,
}

pub(super) struct Sweep<'r> {
    rings: &'r Rings,
    status: Status,
    /// per ring: seen yet, counter-clockwise, directly inside which ring
    seen: Vec<bool>,
    ccw: Vec<bool>,
    pub(super) parent: Vec<u32>,
    // scratch, reused from point to point
    visits: Vec<Visit>,
    rays: Vec<(Coord<f64>, u32)>,
    stack: Vec<u32>,
    fresh: Vec<(u32, u32)>,
    ending: Vec<u32>,
    starting: Vec<u32>,
}

impl<'r> Sweep<'r> {
    /// Runs the sweep; afterwards `parent` holds the nesting of the rings.
    pub(super) fn run(rings: &'r Rings) -> Result<Sweep<'r>, Invalid> {
        let n = rings.pts.len();
        // sorted as integers: far quicker than comparing pairs of floats
        let mut keyed: Vec<(u128, u32)> = (rings.pts.iter().zip(0..n as u32))
            .map(|(c, i)| ((sortable(c.x) as u128) << 64 | sortable(c.y) as u128, i))
            .collect();
        keyed.sort_unstable();
        let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
        let count = rings.rings.len();
        let mut sweep = Sweep {
            rings,
            status: Status::new(n),
            seen: vec![false; count],
            ccw: vec![false; count],
            parent: vec![OUTSIDE; count],
            visits: Vec::new(),
            rays: Vec::new(),
            stack: Vec::new(),
            fresh: Vec::new(),
            ending: Vec::new(),
            starting: Vec::new(),
        };
        let mut k = 0;
        while k < n {
            let p = rings.pts[order[k] as usize];
            let mut m = k + 1;
            while m < n && rings.pts[order[m] as usize] == p {
                m += 1;
            }
            sweep.point(p, &order[k..m])?;
            k = m;
        }
        Ok(sweep)
    }

    /// Whether edge `e` (if any) runs through `p`.
    fn touches(&self, e: u32, p: Coord<f64>) -> bool {
        if e == NIL {
            return false;
        }
        let (a, b) = seg(self.rings, e);
        orient(a, b, p) == Orientation::Collinear
    }

    /// The vertices `here`, all at `p`, and the edges through `p`.
    fn point(&mut self, p: Coord<f64>, here: &[u32]) -> Result<(), Invalid> {
        let rings = self.rings;
        let pts = &rings.pts;
        self.ending.clear();
        self.starting.clear();
        for &i in here {
            for (edge, other) in [(rings.prev(i), rings.prev(i)), (i, rings.next(i))] {
                if lex(pts[other as usize], p) == Ordering::Less {
                    self.ending.push(edge);
                } else {
                    self.starting.push(edge);
                }
            }
        }
        let status = &self.status;
        if let ([_], &[old], &[new]) = (here, &self.ending[..], &self.starting[..]) {
            // the common case: a ring passes p, nothing else does
            let (below, above) = (status.prev(old), status.next(old));
            if !self.touches(below, p) && !self.touches(above, p) {
                self.status.replace(old, new);
                self.cross(below, new)?;
                return self.cross(new, above);
            }
        }

        // the edges through p, between `below` and `above`
        let (below, above) = if let Some(&e) = self.ending.first() {
            let (mut lo, mut hi) = (e, e);
            while self.touches(status.prev(lo), p) {
                lo = status.prev(lo);
            }
            while self.touches(status.next(hi), p) {
                hi = status.next(hi);
            }
            (status.prev(lo), status.next(hi))
        } else {
            let below = status.last_where(|x| {
                let (a, b) = seg(rings, x);
                orient(a, b, p) == Orientation::CounterClockwise
            });
            let mut above = if below == NIL {
                status.first()
            } else {
                status.next(below)
            };
            while self.touches(above, p) {
                above = status.next(above);
            }
            (below, above)
        };
        self.visits.clear();
        let mut x = if below == NIL {
            status.first()
        } else {
            status.next(below)
        };
        while x != above {
            if seg(rings, x).1 != p {
                self.visits.push(Visit {
                    ring: rings.ring_of[x as usize],
                    at: x,
                    vertex: false,
                });
            }
            x = status.next(x);
        }
        if let ([i], true) = (here, self.visits.is_empty()) {
            // one vertex, no other edge through it
            let (q1, q2) = (pts[rings.prev(*i) as usize], pts[rings.next(*i) as usize]);
            if by_angle(p, q1, q2) == Ordering::Equal {
                return Err(rings.say_one(
                    rings.ring_of[*i as usize],
                    "runs back along itself (a spike or fold) from",
                    p,
                ));
            }
        } else {
            for &i in here {
                self.visits.push(Visit {
                    ring: rings.ring_of[i as usize],
                    at: i,
                    vertex: true,
                });
            }
            self.around(p)?;
        }

        for &e in &self.ending {
            self.status.remove(e);
        }
        for &e in &self.starting {
            self.status.insert(e, |e1, e2| edge_order(rings, e1, e2));
        }
        let status = &self.status;
        let lowest = if below == NIL {
            status.first()
        } else {
            status.next(below)
        };
        if lowest == above {
            self.cross(below, above)?;
        } else {
            let highest = if above == NIL {
                status.last()
            } else {
                status.prev(above)
            };
            self.cross(below, lowest)?;
            self.cross(highest, above)?;
        }
        self.nest(p, here);
        Ok(())
    }

    /// All rings through `p`, from `self.visits`: no two may run along the
    /// same line from `p`, cross there, or (the same ring) meet there.
    fn around(&mut self, p: Coord<f64>) -> Result<(), Invalid> {
        let rings = self.rings;
        let pts = &rings.pts;
        self.rays.clear();
        for (k, v) in self.visits.iter().enumerate() {
            let (q1, q2) = if v.vertex {
                (rings.prev(v.at), rings.next(v.at))
            } else {
                (v.at, rings.next(v.at))
            };
            self.rays.push((pts[q1 as usize], k as u32));
            self.rays.push((pts[q2 as usize], k as u32));
        }
        self.rays.sort_unstable_by(|r1, r2| by_angle(p, r1.0, r2.0));
        let visits = &self.visits;
        for w in self.rays.windows(2) {
            if by_angle(p, w[0].0, w[1].0) == Ordering::Equal {
                let (v1, v2) = (visits[w[0].1 as usize], visits[w[1].1 as usize]);
                return Err(if v1.ring != v2.ring {
                    rings.say_two(v1.ring, v2.ring, "run along the same line from", p)
                } else {
                    rings.say_one(v1.ring, "runs back along itself (a spike or fold) from", p)
                });
            }
        }
        // each pass takes two rays; passes may nest around p but not cross
        self.stack.clear();
        let mut open = vec![false; visits.len()];
        for &(_, k) in &self.rays {
            match self.stack.last() {
                Some(&top) if top == k => {
                    self.stack.pop();
                }
                // k's other ray is further down: the pass on top crosses it
                Some(&top) if open[k as usize] => {
                    let (r1, r2) = (visits[k as usize].ring, visits[top as usize].ring);
                    return Err(if r1 == r2 {
                        rings.say_one(r1, "crosses itself at", p)
                    } else {
                        rings.say_two(r1, r2, "cross at", p)
                    });
                }
                _ => {
                    open[k as usize] = true;
                    self.stack.push(k);
                }
            }
        }
        self.stack.clear();
        self.stack.extend(visits.iter().map(|v| v.ring));
        self.stack.sort_unstable();
        match self.stack.windows(2).find(|w| w[0] == w[1]) {
            Some(w) => Err(rings.say_one(w[0], "touches itself at", p)),
            None => Ok(()),
        }
    }

    /// Two neighbours on the sweep line must not cross away from their
    /// ends (touching at an end is looked at when the sweep gets there).
    fn cross(&self, e1: u32, e2: u32) -> Result<(), Invalid> {
        if e1 == NIL || e2 == NIL {
            return Ok(());
        }
        let rings = self.rings;
        let (s, t) = (seg(rings, e1), seg(rings, e2));
        use Orientation::{Clockwise as Cw, CounterClockwise as Ccw};
        let opposite = |o1, o2| matches!((o1, o2), (Cw, Ccw) | (Ccw, Cw));
        if opposite(orient(s.0, s.1, t.0), orient(s.0, s.1, t.1))
            && opposite(orient(t.0, t.1, s.0), orient(t.0, t.1, s.1))
        {
            let (r1, r2) = (rings.ring_of[e1 as usize], rings.ring_of[e2 as usize]);
            let at = crossing(s, t);
            return Err(if r1 == r2 {
                rings.say_one(r1, "crosses itself at", at)
            } else {
                rings.say_two(r1, r2, "cross at", at)
            });
        }
        Ok(())
    }

    /// Rings whose first vertex is at `p`: which ring directly holds each.
    /// Lowest first, as one ring may lie on another starting here too.
    fn nest(&mut self, p: Coord<f64>, here: &[u32]) {
        let rings = self.rings;
        let pts = &rings.pts;
        self.fresh.clear();
        for &i in here {
            let r = rings.ring_of[i as usize];
            if self.seen[r as usize] {
                continue;
            }
            self.seen[r as usize] = true;
            // the first vertex of a simple ring is convex: its turn is the
            // ring's orientation
            let (q1, q2) = (pts[rings.prev(i) as usize], pts[rings.next(i) as usize]);
            self.ccw[r as usize] = orient(q1, p, q2) == Orientation::CounterClockwise;
            let lower = match edge_order(rings, rings.prev(i), i) {
                Ordering::Less => rings.prev(i),
                _ => i,
            };
            self.fresh.push((lower, r));
        }
        self.fresh
            .sort_unstable_by(|x, y| edge_order(rings, x.0, y.0));
        for &(lower, r) in &self.fresh {
            self.parent[r as usize] = match self.status.prev(lower) {
                NIL => OUTSIDE,
                s => {
                    let holder = rings.ring_of[s as usize];
                    let rightward = seg(rings, s).0 == pts[s as usize];
                    // a ring's inside lies left of its edges if it turns
                    // counter-clockwise: above the rightward ones
                    if rightward == self.ccw[holder as usize] {
                        holder
                    } else {
                        self.parent[holder as usize]
                    }
                }
            };
        }
    }
}

/// Where two crossing edges cross, to the precision of f64.
type Seg = (Coord<f64>, Coord<f64>);
fn crossing(s: Seg, t: Seg) -> Coord<f64> {
    let (d1, d2) = (s.1 - s.0, t.1 - t.0);
    let denom = d1.x * d2.y - d1.y * d2.x;
    let w = t.0 - s.0;
    let u = (w.x * d2.y - w.y * d2.x) / denom;
    if u.is_finite() {
        s.0 + d1 * u.clamp(0.0, 1.0)
    } else {
        t.0
    }
}
