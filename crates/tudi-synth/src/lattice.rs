//! The jittered lattice every parcel is cut from.
//!
//! The window is a grid of *tiles* (12 × 12 cells of 20–30 m, so about
//! 300 m square) separated by *strips* (roads, ditches and rivers 5–30 m
//! wide). Along each axis the cell and strip widths form one sequence, so
//! the whole window is a tensor-product grid: vertex `(c, r)` is shared by
//! every parcel that has it as a corner. Its position is the nominal grid
//! position, bent by a smooth warp (gentle curves of a few metres to a
//! few tens of metres over kilometres, gradient below 0.05) and moved by a
//! per-vertex jitter of at most 8 % of the neighbouring widths (≤ 0.8 m).
//! Positions are a pure function of `(c, r)`, computed afresh wherever
//! needed and rounded to the millimetre, so neighbours share bit-identical
//! vertices and no coordinate table has to be kept.
//!
//! Every cell stays convex and positively oriented, hence any rectangle of
//! cells, walked through all the lattice vertices on its outline, is a
//! simple polygon, and two such rectangles that do not share cells meet
//! only along common edges with the very same vertices.

use super::rng::{hash, unit};

/// Cells along a tile side.
pub const CELLS: usize = 12;
/// Global cell-index step from one tile to the next (its cells + a strip).
pub const STEP: usize = CELLS + 1;

/// Strip widths (m) and their weights.
const STRIP_WIDTHS: [(f64, f64); 6] = [
    (5.0, 0.38),
    (7.0, 0.20),
    (12.0, 0.16),
    (18.0, 0.06),
    (24.0, 0.10),
    (30.0, 0.10),
];

/// A sum of sines: a smooth, slowly varying offset.
#[derive(Clone, Debug)]
pub struct Wave {
    parts: Vec<(f64, f64, f64)>, // amplitude, angular frequency, phase
}

impl Wave {
    fn new(seed: u64, id: u64) -> Wave {
        let u = |k: u64| unit(hash(seed, &[0x3A7E, id, k]));
        // Short, small bends and long, larger ones; max slope
        // 2π·4/1800 + 2π·22/7000 ≈ 0.034.
        let specs = [(1.5, 4.0, 1800.0, 3500.0), (8.0, 22.0, 7000.0, 16000.0)];
        let parts = specs
            .iter()
            .enumerate()
            .map(|(i, &(a0, a1, l0, l1))| {
                let k = i as u64 * 3;
                let amp = a0 + (a1 - a0) * u(k);
                let lambda = l0 + (l1 - l0) * u(k + 1);
                let phase = std::f64::consts::TAU * u(k + 2);
                (amp, std::f64::consts::TAU / lambda, phase)
            })
            .collect();
        Wave { parts }
    }

    pub fn at(&self, t: f64) -> f64 {
        self.parts
            .iter()
            .map(|&(a, w, p)| a * (w * t + p).sin())
            .sum()
    }
}

/// One axis of the tensor grid.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Number of tiles along the axis.
    pub tiles: usize,
    /// Cell size of each tile (m).
    pub cell: Vec<f64>,
    /// Width of the strip after each tile (m); `tiles - 1` entries.
    pub strip: Vec<f64>,
    /// Nominal position of every vertex (len = cells + 1), from 0.
    pub pos: Vec<f64>,
    /// Jitter amplitude of every vertex index.
    pub jit: Vec<f64>,
}

impl Axis {
    fn new(seed: u64, id: u64, tiles: usize) -> Axis {
        let cell: Vec<f64> = (0..tiles)
            .map(|t| {
                let u = unit(hash(seed, &[0xCE11, id, t as u64]));
                (40.0 + 20.0 * u).round() / 2.0
            })
            .collect();
        let mut strip: Vec<f64> = (0..tiles.saturating_sub(1))
            .map(|t| {
                let u = unit(hash(seed, &[0x57A1, id, t as u64]));
                let total: f64 = STRIP_WIDTHS.iter().map(|w| w.1).sum();
                let mut x = u * total;
                for &(w, p) in &STRIP_WIDTHS {
                    if x < p {
                        return w;
                    }
                    x -= p;
                }
                STRIP_WIDTHS[0].0
            })
            .collect();
        // The narrow-road scenario needs at least one 5 m strip.
        if !strip.is_empty() && !strip.contains(&5.0) {
            let mid = strip.len() / 2;
            strip[mid] = 5.0;
        }
        let mut widths = Vec::with_capacity(tiles * STEP);
        for t in 0..tiles {
            widths.extend(std::iter::repeat_n(cell[t], CELLS));
            if t + 1 < tiles {
                widths.push(strip[t]);
            }
        }
        let mut pos = Vec::with_capacity(widths.len() + 1);
        let mut acc = 0.0;
        pos.push(0.0);
        for w in &widths {
            acc += w;
            pos.push(acc);
        }
        let n = widths.len();
        let jit = (0..=n)
            .map(|v| {
                let left = if v > 0 { widths[v - 1] } else { f64::INFINITY };
                let right = if v < n { widths[v] } else { f64::INFINITY };
                (0.08 * left.min(right)).min(0.8)
            })
            .collect();
        Axis {
            tiles,
            cell,
            strip,
            pos,
            jit,
        }
    }

    /// Total nominal length (m).
    pub fn len(&self) -> f64 {
        *self.pos.last().unwrap()
    }

    /// Nominal position of the centre line of the strip after tile `t`, or
    /// of the outer edge when `t` is the last tile (for `after`) — the
    /// lines zone, village and protected polygons are drawn along.
    pub fn line_after(&self, t: usize) -> f64 {
        let v = t * STEP + CELLS;
        if t + 1 < self.tiles {
            (self.pos[v] + self.pos[v + 1]) / 2.0
        } else {
            self.pos[v]
        }
    }

    /// Like [`Axis::line_after`], before tile `t`.
    pub fn line_before(&self, t: usize) -> f64 {
        if t == 0 {
            0.0
        } else {
            self.line_after(t - 1)
        }
    }
}

/// Positions from `a` to `b` (a < b) at every lattice line between them
/// and at least every 40 m, both ends included.
fn stops(axis: &Axis, a: f64, b: f64) -> Vec<f64> {
    let mut v = vec![a];
    for &p in &axis.pos {
        if p > a + 0.5 && p < b - 0.5 {
            v.push(p);
        }
    }
    v.push(b);
    let mut out = vec![v[0]];
    for w in v.windows(2) {
        let n = ((w[1] - w[0]) / 40.0).ceil().max(1.0) as usize;
        for k in 1..=n {
            out.push(w[0] + (w[1] - w[0]) * k as f64 / n as f64);
        }
    }
    out
}

/// The lattice of a window, placed in Gauss–Krüger zone 40 (EPSG:4528).
#[derive(Clone, Debug)]
pub struct Lattice {
    pub seed: u64,
    pub x: Axis,
    pub y: Axis,
    /// GK position of nominal (0, 0).
    pub origin: (f64, f64),
    stretch_x: Wave,
    stretch_y: Wave,
    shear_x: Wave,
    shear_y: Wave,
    // Cached warp terms per vertex column / row.
    col_dx: Vec<f64>,
    col_dy: Vec<f64>,
    row_dx: Vec<f64>,
    row_dy: Vec<f64>,
}

fn mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl Lattice {
    pub fn new(seed: u64, tiles_x: usize, tiles_y: usize) -> Lattice {
        let x = Axis::new(seed, 1, tiles_x);
        let y = Axis::new(seed, 2, tiles_y);
        let stretch_x = Wave::new(seed, 11);
        let stretch_y = Wave::new(seed, 12);
        let shear_x = Wave::new(seed, 13);
        let shear_y = Wave::new(seed, 14);
        let col_dx = x.pos.iter().map(|&p| stretch_x.at(p)).collect();
        let col_dy = x.pos.iter().map(|&p| shear_y.at(p)).collect();
        let row_dx = y.pos.iter().map(|&p| shear_x.at(p)).collect();
        let row_dy = y.pos.iter().map(|&p| stretch_y.at(p)).collect();
        Lattice {
            seed,
            x,
            y,
            origin: (0.0, 0.0),
            stretch_x,
            stretch_y,
            shear_x,
            shear_y,
            col_dx,
            col_dy,
            row_dx,
            row_dy,
        }
    }

    /// Nominal size of the window (m).
    pub fn size(&self) -> (f64, f64) {
        (self.x.len(), self.y.len())
    }

    /// GK position of lattice vertex `(c, r)`.
    #[inline]
    pub fn vertex(&self, c: usize, r: usize) -> [f64; 2] {
        let h = hash(self.seed, &[0x7E47, c as u64, r as u64]);
        let jx = (unit(h) * 2.0 - 1.0) * self.x.jit[c];
        let jy = (unit(h.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15)) * 2.0 - 1.0)
            * self.y.jit[r];
        [
            mm(self.origin.0 + self.x.pos[c] + self.col_dx[c] + self.row_dx[r] + jx),
            mm(self.origin.1 + self.y.pos[r] + self.row_dy[r] + self.col_dy[c] + jy),
        ]
    }

    /// GK position of a nominal point (the warp without the jitter).
    pub fn warp(&self, nx: f64, ny: f64) -> [f64; 2] {
        [
            self.origin.0 + nx + self.stretch_x.at(nx) + self.shear_x.at(ny),
            self.origin.1 + ny + self.stretch_y.at(ny) + self.shear_y.at(nx),
        ]
    }

    /// The closed, counter-clockwise ring of the block of cells
    /// `c0..c1 × r0..r1` (vertex indices), through every lattice vertex on
    /// its outline.
    pub fn ring(&self, c0: usize, r0: usize, c1: usize, r1: usize) -> Vec<[f64; 2]> {
        let mut ring = Vec::with_capacity(2 * (c1 - c0 + r1 - r0) + 1);
        for c in c0..c1 {
            ring.push(self.vertex(c, r0));
        }
        for r in r0..r1 {
            ring.push(self.vertex(c1, r));
        }
        for c in (c0 + 1..=c1).rev() {
            ring.push(self.vertex(c, r1));
        }
        for r in (r0 + 1..=r1).rev() {
            ring.push(self.vertex(c0, r));
        }
        ring.push(ring[0]);
        ring
    }

    /// A point inside cell `(c, r)` at fractions `(u, v)` of its width and
    /// height (bilinear in its four jittered corners).
    pub fn cell_point(&self, c: usize, r: usize, u: f64, v: f64) -> [f64; 2] {
        let a = self.vertex(c, r);
        let b = self.vertex(c + 1, r);
        let cc = self.vertex(c + 1, r + 1);
        let d = self.vertex(c, r + 1);
        let lerp = |k: usize| {
            (1.0 - u) * (1.0 - v) * a[k]
                + u * (1.0 - v) * b[k]
                + u * v * cc[k]
                + (1.0 - u) * v * d[k]
        };
        [lerp(0), lerp(1)]
    }

    /// The closed counter-clockwise ring (GK) of a nominal rectangle,
    /// following the warp, with a point at every lattice line it crosses
    /// and at least every 40 m.
    pub fn nominal_rect(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
        let xs = stops(&self.x, x0, x1);
        let ys = stops(&self.y, y0, y1);
        let mut ring = Vec::new();
        for &x in &xs[..xs.len() - 1] {
            ring.push(self.warp(x, y0));
        }
        for &y in &ys[..ys.len() - 1] {
            ring.push(self.warp(x1, y));
        }
        for &x in xs[1..].iter().rev() {
            ring.push(self.warp(x, y1));
        }
        for &y in ys[1..].iter().rev() {
            ring.push(self.warp(x0, y));
        }
        ring.push(ring[0]);
        ring
    }

    /// The closed ring (GK) of a closed axis-parallel nominal ring given
    /// by its corners, following the warp like [`Lattice::nominal_rect`].
    pub fn nominal_ring(&self, corners: &[[f64; 2]]) -> Vec<[f64; 2]> {
        let mut ring = Vec::new();
        for w in corners.windows(2) {
            let (a, b) = (w[0], w[1]);
            let k = usize::from(a[0] == b[0]);
            let (axis, lo, hi) = if k == 0 {
                (&self.x, a[0].min(b[0]), a[0].max(b[0]))
            } else {
                (&self.y, a[1].min(b[1]), a[1].max(b[1]))
            };
            let mut v = stops(axis, lo, hi);
            if a[k] > b[k] {
                v.reverse();
            }
            for &t in &v[..v.len() - 1] {
                ring.push(if k == 0 {
                    self.warp(t, a[1])
                } else {
                    self.warp(a[0], t)
                });
            }
        }
        ring.push(ring[0]);
        ring
    }
}

/// Shoelace area of a closed ring (positive when counter-clockwise),
/// computed relative to its first vertex to keep precision at GK magnitudes.
pub fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let [ox, oy] = ring[0];
    let mut s = 0.0;
    for w in ring.windows(2) {
        let (x0, y0) = (w[0][0] - ox, w[0][1] - oy);
        let (x1, y1) = (w[1][0] - ox, w[1][1] - oy);
        s += x0 * y1 - x1 * y0;
    }
    s / 2.0
}

/// Mean of a closed ring's vertices (the closing vertex not counted twice).
pub fn ring_mean(ring: &[[f64; 2]]) -> [f64; 2] {
    let n = (ring.len() - 1).max(1) as f64;
    let (sx, sy) = ring[..ring.len() - 1]
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p[0], b + p[1]));
    [sx / n, sy / n]
}
