//! The Transverse Mercator inverse by cells: the plane is cut into square
//! cells of `CELL` metres, and in each cell the exact inverse
//! ([`TransverseMercator::inverse`], a dozen transcendental functions per
//! point) is replaced by its tensor Chebyshev interpolant of degree
//! `DEGREE`, fitted through (DEGREE + 1)² exact points.
//!
//! Longitude and latitude vary on the scale of the earth's radius R, so the
//! interpolation error is about 2·(CELL / 4R)^(DEGREE+1) / (DEGREE+1)!
//! radians, some 10⁻²⁰: the result is the exact inverse to within floating
//! point rounding (measured over a whole zone: 10⁻¹³ degrees, 10 nm; the
//! tests hold it under 10⁻¹²). A survey layer's vertices fall in a few cells per
//! square kilometre, so each cell's 25 exact points are paid once and every
//! vertex then costs two small polynomials.

use std::collections::HashMap;

use super::tm::TransverseMercator;

/// Cell side, metres.
const CELL: f64 = 4096.0;
/// Degree of the interpolant in each direction.
const DEGREE: usize = 4;
const NODES: usize = DEGREE + 1;
/// Beyond this many cells (points scattered over a continent, or garbage
/// coordinates) new cells are not kept: their points get the exact inverse.
const MAX_CELLS: usize = 1 << 16;

/// Monomial coefficients in the cell's local coordinates u, v ∈ [-1, 1]:
/// `c[m][q]` multiplies u^m·v^q.
type Coefficients = [[f64; NODES]; NODES];

struct Cell {
    /// Centre, metres.
    centre: (f64, f64),
    /// Longitude less the central meridian, and latitude, degrees.
    dlon: Coefficients,
    lat: Coefficients,
}

/// The cells of one projection, made as points reach them.
pub struct CellInverse {
    tm: TransverseMercator,
    basis: Basis,
    index: HashMap<(i64, i64), u32>,
    cells: Vec<Cell>,
    /// The cell of the last point: consecutive vertices share cells.
    last: Option<((i64, i64), u32)>,
}

/// The interpolation basis, the same for every cell: Chebyshev nodes of
/// the first kind on [-1, 1], the Chebyshev polynomials' values there and
/// their monomial coefficients.
struct Basis {
    nodes: [f64; NODES],
    /// `at_nodes[k][j]` = T_j(nodes[k]).
    at_nodes: [[f64; NODES]; NODES],
    /// `monomials[j][m]`: the coefficient of x^m in T_j.
    monomials: [[f64; NODES]; NODES],
}

impl Basis {
    fn new() -> Self {
        let nodes: [f64; NODES] =
            std::array::from_fn(|k| (std::f64::consts::PI * (k as f64 + 0.5) / NODES as f64).cos());
        // T_0 = 1, T_1 = x, T_{j+1} = 2x·T_j − T_{j−1}, as values and as
        // coefficients.
        let mut at_nodes = [[0.0; NODES]; NODES];
        let mut monomials = [[0.0; NODES]; NODES];
        monomials[0][0] = 1.0;
        monomials[1][1] = 1.0;
        for (t, &x) in at_nodes.iter_mut().zip(&nodes) {
            (t[0], t[1]) = (1.0, x);
        }
        for j in 2..NODES {
            for t in at_nodes.iter_mut() {
                t[j] = 2.0 * t[1] * t[j - 1] - t[j - 2];
            }
            for m in 0..NODES {
                let up = if m > 0 {
                    2.0 * monomials[j - 1][m - 1]
                } else {
                    0.0
                };
                monomials[j][m] = up - monomials[j - 2][m];
            }
        }
        Basis {
            nodes,
            at_nodes,
            monomials,
        }
    }

    /// The tensor interpolant of `values[a][b]` (at nodes a along u, b
    /// along v) as monomial coefficients.
    fn interpolant(&self, values: &[[f64; NODES]; NODES]) -> Coefficients {
        let t = &self.at_nodes;
        // Chebyshev coefficients by discrete orthogonality.
        let mut cheb = [[0.0; NODES]; NODES];
        let scale = (2.0 / NODES as f64).powi(2);
        for (j, row) in cheb.iter_mut().enumerate() {
            for (l, c) in row.iter_mut().enumerate() {
                let mut s = 0.0;
                for a in 0..NODES {
                    for b in 0..NODES {
                        s += values[a][b] * t[a][j] * t[b][l];
                    }
                }
                let half = match (j, l) {
                    (0, 0) => 0.25,
                    (0, _) | (_, 0) => 0.5,
                    _ => 1.0,
                };
                *c = s * scale * half;
            }
        }
        let t = &self.monomials;
        let mut mono = [[0.0; NODES]; NODES];
        for (m, row) in mono.iter_mut().enumerate() {
            for (q, c) in row.iter_mut().enumerate() {
                let mut s = 0.0;
                for j in 0..NODES {
                    for l in 0..NODES {
                        s += cheb[j][l] * t[j][m] * t[l][q];
                    }
                }
                *c = s;
            }
        }
        mono
    }
}

/// Σ c[m][q]·u^m·v^q by Horner's rule.
fn evaluate(c: &Coefficients, u: f64, v: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, row| {
        acc * u + row.iter().rev().fold(0.0, |r, &k| r * v + k)
    })
}

impl CellInverse {
    /// An empty set of cells for `tm`; cells are fitted as points reach
    /// them.
    pub fn new(tm: TransverseMercator) -> Self {
        CellInverse {
            tm,
            basis: Basis::new(),
            index: HashMap::new(),
            cells: Vec::new(),
            last: None,
        }
    }

    /// The projection this inverts.
    pub fn projection(&self) -> &TransverseMercator {
        &self.tm
    }

    fn make_cell(&self, key: (i64, i64)) -> Cell {
        let centre = ((key.0 as f64 + 0.5) * CELL, (key.1 as f64 + 0.5) * CELL);
        let half = CELL / 2.0;
        let x = &self.basis.nodes;
        let lon0 = self.tm.origin().0;
        let mut dlon = [[0.0; NODES]; NODES];
        let mut lat = [[0.0; NODES]; NODES];
        for a in 0..NODES {
            for b in 0..NODES {
                let (lo, la) = self
                    .tm
                    .inverse(centre.0 + half * x[a], centre.1 + half * x[b]);
                dlon[a][b] = lo - lon0;
                lat[a][b] = la;
            }
        }
        Cell {
            centre,
            dlon: self.basis.interpolant(&dlon),
            lat: self.basis.interpolant(&lat),
        }
    }

    /// (easting, northing) metres → (lon, lat) degrees.
    pub fn inverse(&mut self, easting: f64, northing: f64) -> (f64, f64) {
        if !(easting.is_finite() && northing.is_finite()) {
            return self.tm.inverse(easting, northing);
        }
        let key = (
            (easting / CELL).floor() as i64,
            (northing / CELL).floor() as i64,
        );
        let slot = match self.last {
            Some((k, slot)) if k == key => slot,
            _ => match self.index.get(&key) {
                Some(&slot) => slot,
                None if self.cells.len() < MAX_CELLS => {
                    let cell = self.make_cell(key);
                    let slot = self.cells.len() as u32;
                    self.cells.push(cell);
                    self.index.insert(key, slot);
                    slot
                }
                None => return self.tm.inverse(easting, northing),
            },
        };
        self.last = Some((key, slot));
        let cell = &self.cells[slot as usize];
        let half = CELL / 2.0;
        let (u, v) = (
            (easting - cell.centre.0) / half,
            (northing - cell.centre.1) / half,
        );
        (
            self.tm.origin().0 + evaluate(&cell.dlon, u, v),
            evaluate(&cell.lat, u, v),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::SplitMix64 as Rng;

    #[test]
    fn the_interpolant_reproduces_polynomials_of_its_degree() {
        let basis = Basis::new();
        let x = basis.nodes;
        let f =
            |u: f64, v: f64| 3.0 - 2.0 * u + u * u * v - 0.5 * v.powi(4) + u.powi(4) * v.powi(3);
        let mut values = [[0.0; NODES]; NODES];
        for a in 0..NODES {
            for b in 0..NODES {
                values[a][b] = f(x[a], x[b]);
            }
        }
        let c = basis.interpolant(&values);
        for (u, v) in [(0.3, -0.7), (-1.0, 1.0), (0.99, 0.01), (0.0, 0.0)] {
            assert!((evaluate(&c, u, v) - f(u, v)).abs() < 1e-13, "{u} {v}");
        }
    }

    /// Over the whole of a 3° zone, in China's latitudes and 1° beyond the
    /// zone's edges, the cells agree with the exact inverse to 10⁻¹²
    /// degrees (0.1 µm), at random points and at cell corners and edges.
    #[test]
    fn cells_agree_with_the_exact_inverse_across_a_zone() {
        for tm in [
            TransverseMercator::gauss_kruger_3deg(40, false),
            TransverseMercator::gauss_kruger_3deg(40, true),
        ] {
            let mut cells = CellInverse::new(tm);
            let mut rng = Rng(2020);
            let mut worst: f64 = 0.0;
            for i in 0..200_000 {
                let lon = 120.0 + (rng.unit() - 0.5) * 5.0;
                let lat = 18.0 + rng.unit() * 36.0;
                let (mut e, mut n) = tm.forward(lon, lat);
                if i % 4 == 0 {
                    // on a cell corner or edge
                    e = (e / CELL).round() * CELL;
                    if i % 8 == 0 {
                        n = (n / CELL).round() * CELL;
                    }
                }
                let (x0, y0) = tm.inverse(e, n);
                let (x1, y1) = cells.inverse(e, n);
                worst = worst.max((x0 - x1).abs()).max((y0 - y1).abs());
            }
            assert!(worst < 1e-12, "worst difference {worst:e} degrees");
        }
    }

    #[test]
    fn points_beyond_the_cell_budget_get_the_exact_inverse() {
        let tm = TransverseMercator::gauss_kruger_3deg(40, false);
        let mut cells = CellInverse::new(tm);
        cells.cells.reserve(MAX_CELLS);
        let mut k = 0;
        while cells.cells.len() < MAX_CELLS {
            cells.inverse(
                400_000.0 + CELL * (k % 256) as f64,
                3_000_000.0 + CELL * (k / 256) as f64,
            );
            k += 1;
        }
        let far = (300_000.5, 2_500_000.25);
        assert_eq!(cells.inverse(far.0, far.1), tm.inverse(far.0, far.1));
        assert_eq!(cells.cells.len(), MAX_CELLS);
        let bad = cells.inverse(f64::NAN, 1.0);
        assert!(bad.0.is_nan() || bad.1.is_nan());
    }
}
