//! Ellipsoidal measurement on CGCS2000 (GRS80).
//!
//! Official Chinese land areas (三调 `TBMJ`) are ellipsoidal, so a parcel's
//! area must be measured on the ellipsoid, not in a Gauss–Krüger plane or in
//! square degrees. GeographicLib's geodesic polygon area is the reference but
//! costs ~12 µs per parcel; [`EqualArea`] (an Albers conic fitted to the data)
//! gives the same answer to well below 1 ppm for a fraction of that, and
//! also serves as the metric plane for distances and unions.

use std::sync::OnceLock;

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};
use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};

/// CGCS2000 / GRS80 semi-major axis (m).
pub const GRS80_A: f64 = 6_378_137.0;
/// CGCS2000 flattening; GRS80's differs by ~1e-16 relative, far below
/// anything measured here, so one constant serves both.
pub const GRS80_F: f64 = 1.0 / 298.257_222_101;
/// Square metres per 亩 (mu): 15 mu = 1 ha.
pub(crate) const M2_PER_MU: f64 = 10000.0 / 15.0;

/// Edges longer than this (measured in the projection, whose scale is within
/// a few parts per thousand of 1 where it is fitted) are densified along the
/// geodesic before projecting: a straight edge in the projection is not a
/// geodesic, and the area between the two grows with the cube of the edge
/// length. Measured: at 500 m spacing a district (Xiuzhou) or a 70 km
/// quadrilateral is within ~1e-9 of GeographicLib on a province fit (2e-9
/// on a nationwide fit), shrinking with the square of the spacing; parcel
/// edges are almost all shorter, so the hot path rarely takes this branch.
pub(crate) const DENSIFY_M: f64 = 500.0;

/// Converts square metres to mu (1 mu = 10000/15 m²).
///
/// ```
/// use tudi_core::geodesy::m2_to_mu;
/// assert_eq!(m2_to_mu(10_000.0), 15.0); // a hectare
/// assert_eq!(m2_to_mu(1_000_000.0), 1500.0); // a square kilometre
/// assert!((m2_to_mu(3335.0) - 5.0025).abs() < 1e-12); // just over 5 mu
/// ```
pub fn m2_to_mu(m2: f64) -> f64 {
    m2 / M2_PER_MU
}

/// The GRS80 geodesic, built once (its series coefficients are not free).
fn grs80() -> &'static Geodesic {
    static G: OnceLock<Geodesic> = OnceLock::new();
    G.get_or_init(|| Geodesic::new(GRS80_A, GRS80_F))
}

/// The latest values of a costly function of a vertex, by the bits of the
/// vertex: neighbouring parcels share their boundary vertices and files
/// list neighbours close together, so over half of a survey's vertices were
/// seen moments before. Direct-mapped: a slot holds the last vertex that
/// hashed to it. A memo serves one function only.
pub(crate) struct VertexMemo {
    slots: Vec<(u64, u64, Coord<f64>)>,
}

impl VertexMemo {
    /// 4096 slots (128 KiB) catch nearly every repeat a memo can.
    const BITS: u32 = 12;

    /// A memo of `f`; every slot starts holding a true entry, f at (0, 0).
    pub(crate) fn new(f: impl FnOnce(Coord<f64>) -> Coord<f64>) -> Self {
        let zero = Coord { x: 0.0, y: 0.0 };
        VertexMemo {
            slots: vec![(0f64.to_bits(), 0f64.to_bits(), f(zero)); 1 << Self::BITS],
        }
    }

    /// f(c), from the memo when c was seen last in its slot.
    #[inline]
    pub(crate) fn get(
        &mut self,
        c: Coord<f64>,
        f: impl FnOnce(Coord<f64>) -> Coord<f64>,
    ) -> Coord<f64> {
        let (xb, yb) = (c.x.to_bits(), c.y.to_bits());
        let hash = (xb ^ yb.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &mut self.slots[(hash >> (64 - Self::BITS)) as usize];
        if slot.0 != xb || slot.1 != yb {
            *slot = (xb, yb, f(c));
        }
        slot.2
    }
}

/// Geodesic distance in metres on GRS80 between two lon/lat points (degrees).
///
/// ```
/// use geo::Coord;
/// use tudi_core::geodesy::geodesic_distance;
/// // One degree of the meridian from the equator: 110 574.389 m on GRS80
/// // (the meridian-arc integral), against 111 195 m on a sphere.
/// let d = geodesic_distance(Coord { x: 120.0, y: 0.0 }, Coord { x: 120.0, y: 1.0 });
/// assert!((d - 110_574.389).abs() < 0.001, "{d}");
/// ```
pub fn geodesic_distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    grs80().inverse(a.y, a.x, b.y, b.x)
}

/// Terms of the series atanh(z)/z = Σ z^{2k}/(2k+1), z = e·sin φ: with
/// |z| ≤ e ≈ 0.082 nine terms reach f64 precision (the last is < 1e-20), and
/// a polynomial is cheaper than the logarithm.
const Q_TERMS: usize = 9;

/// Albers equal-area conic on the GRS80 ellipsoid, standard parallels fitted
/// to the data's latitude range (e.g. at 1/6 and 5/6 of it; handle a
/// zero-height range), origin at the range's centre. Used for fast
/// ellipsoidal areas (shoelace on projected coords, computed relative to a
/// local origin for precision) and for metric work (distances, unions) at
/// parcel scale.
///
/// Fitting keeps the scale error within a few parts per thousand over a
/// province, which keeps projected straight edges close to geodesics.
/// Very near the equator (|n| < 1e-3) the cone degenerates and the
/// cylindrical equal-area limit is used instead.
///
/// ```
/// use geo::{polygon, MultiPolygon, Rect};
/// use tudi_core::geodesy::{m2_to_mu, EqualArea};
/// // A 0.01° × 0.01° cell at 120°E, 30°N. The closed-form area of a
/// // longitude–latitude quadrangle on GRS80 (authalic latitude) is
/// // 1 069 521.173 m²; the cell's geodesic edges change that by
/// // under 0.01 m².
/// let cell = polygon![
///     (x: 120.0, y: 30.0), (x: 120.01, y: 30.0), (x: 120.01, y: 30.01), (x: 120.0, y: 30.01),
/// ];
/// let plane = EqualArea::fitted(Rect::new((119.5, 29.5), (121.5, 31.5)));
/// let area = plane.multi_polygon_area(&MultiPolygon(vec![cell]));
/// assert!((area - 1_069_521.173).abs() < 0.01, "{area}");
/// assert_eq!(format!("{:.2}", m2_to_mu(area)), "1604.28");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct EqualArea {
    lon0: f64,
    /// Cone constant; 0 marks the cylindrical case.
    n: f64,
    /// Snyder's C = m1² + n·q1.
    c: f64,
    /// a / n.
    a_over_n: f64,
    /// ρ at the origin latitude (conic), or q at the origin (cylindrical).
    rho0: f64,
    /// Cylindrical case: scale on the standard parallel.
    k0: f64,
    /// (1 − e²), e² and the series coefficients of q(sin φ).
    one_m_e2: f64,
    e2: f64,
    q_coef: [f64; Q_TERMS],
    /// q at the pole, to clamp rounding in the inverse.
    qp: f64,
    /// Densification threshold (m) and its square.
    densify: f64,
    densify2: f64,
}

impl EqualArea {
    /// Fits the projection to `bounds` (lon/lat degrees).
    pub fn fitted(bounds: Rect<f64>) -> Self {
        let (min, max) = (bounds.min(), bounds.max());
        let lat_c = 0.5 * (min.y + max.y);
        let h = max.y - min.y;
        let lon_c = 0.5 * (min.x + max.x);
        Self::new(lon_c, lat_c, min.y + h / 6.0, max.y - h / 6.0)
    }

    /// Albers with origin (`lon0`, `lat0`) and standard parallels `lat1`,
    /// `lat2` (degrees); equal parallels give the one-parallel form.
    pub fn new(lon0: f64, lat0: f64, lat1: f64, lat2: f64) -> Self {
        let f = GRS80_F;
        let e2 = f * (2.0 - f);
        let mut q_coef = [0.0; Q_TERMS];
        for (k, c) in q_coef.iter_mut().enumerate() {
            *c = 1.0 / (2 * k + 1) as f64;
        }
        let mut ea = EqualArea {
            lon0,
            n: 0.0,
            c: 0.0,
            a_over_n: 0.0,
            rho0: 0.0,
            k0: 1.0,
            one_m_e2: 1.0 - e2,
            e2,
            q_coef,
            qp: 0.0,
            densify: DENSIFY_M,
            densify2: DENSIFY_M * DENSIFY_M,
        };
        ea.qp = ea.q(1.0);
        let m = |lat: f64| {
            let (s, c) = lat.to_radians().sin_cos();
            c / (1.0 - e2 * s * s).sqrt()
        };
        let sin = |lat: f64| lat.to_radians().sin();
        let (m1, m2) = (m(lat1), m(lat2));
        let (q1, q2, q0) = (ea.q(sin(lat1)), ea.q(sin(lat2)), ea.q(sin(lat0)));
        let n = if (lat1 - lat2).abs() > 1e-9 {
            (m1 * m1 - m2 * m2) / (q2 - q1)
        } else {
            sin(lat1)
        };
        if n.abs() < 1e-3 {
            // Cylindrical limit, standard parallel at the origin latitude.
            ea.k0 = m(lat0);
            ea.rho0 = q0;
        } else {
            ea.n = n;
            ea.c = m1 * m1 + n * q1;
            ea.a_over_n = GRS80_A / n;
            ea.rho0 = ea.a_over_n * (ea.c - n * q0).max(0.0).sqrt();
        }
        ea
    }

    /// Snyder's q as a function of sin φ (authalic-latitude quantity).
    #[inline(always)]
    fn q(&self, s: f64) -> f64 {
        let x = self.e2 * s * s;
        let mut poly = 0.0;
        for &c in self.q_coef.iter().rev() {
            poly = poly * x + c;
        }
        self.one_m_e2 * (s / (1.0 - x) + s * poly)
    }

    /// Longitude difference from the origin, wrapped to [−180°, 180°).
    #[inline(always)]
    fn dlon(&self, lon: f64) -> f64 {
        let mut d = lon - self.lon0;
        if !(-180.0..180.0).contains(&d) {
            d = (d + 180.0).rem_euclid(360.0) - 180.0;
        }
        d
    }

    /// lon/lat degrees → projected metres.
    #[inline]
    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        let q = self.q(c.y.to_radians().sin());
        let dl = self.dlon(c.x).to_radians();
        if self.n == 0.0 {
            return Coord {
                x: GRS80_A * self.k0 * dl,
                y: GRS80_A * (q - self.rho0) / (2.0 * self.k0),
            };
        }
        let rho = self.a_over_n * (self.c - self.n * q).max(0.0).sqrt();
        let (st, ct) = (self.n * dl).sin_cos();
        Coord {
            x: rho * st,
            y: self.rho0 - rho * ct,
        }
    }

    /// Projected metres → lon/lat degrees.
    pub fn inverse(&self, c: Coord<f64>) -> Coord<f64> {
        let (q, dl) = if self.n == 0.0 {
            (
                2.0 * self.k0 * c.y / GRS80_A + self.rho0,
                c.x / (GRS80_A * self.k0),
            )
        } else {
            let sgn = self.n.signum();
            let (dx, dy) = (c.x * sgn, (self.rho0 - c.y) * sgn);
            let rho = dx.hypot(dy);
            let theta = dx.atan2(dy);
            let r = rho / self.a_over_n;
            ((self.c - r * r) / self.n, theta / self.n)
        };
        Coord {
            x: self.lon0 + dl.to_degrees(),
            y: self.lat_from_q(q).to_degrees(),
        }
    }

    /// Latitude (radians) from q by Newton's iteration on sin φ: dq/ds is
    /// 2(1 − e²)/(1 − e²s²)², so a handful of steps reach f64 precision.
    fn lat_from_q(&self, q: f64) -> f64 {
        let q = q.clamp(-self.qp, self.qp);
        if (self.qp - q.abs()) < 1e-15 {
            return std::f64::consts::FRAC_PI_2.copysign(q);
        }
        let mut s = (q / self.qp).clamp(-1.0, 1.0); // sin of authalic latitude
        for _ in 0..8 {
            let w = 1.0 - self.e2 * s * s;
            let ds = (q - self.q(s)) * w * w / (2.0 * self.one_m_e2);
            s = (s + ds).clamp(-1.0, 1.0);
            if ds.abs() < 1e-17 {
                break;
            }
        }
        s.asin()
    }

    /// Twice the signed area of a ring in the projection, relative to its
    /// first vertex; edges longer than [`DENSIFY_M`] are densified along the
    /// geodesic. Streams the vertices: no allocation.
    fn ring_area2(
        &self,
        ring: &LineString<f64>,
        forward: &mut impl FnMut(Coord<f64>) -> Coord<f64>,
    ) -> f64 {
        let pts = ring.0.as_slice();
        if pts.len() < 3 {
            return 0.0;
        }
        let origin = forward(pts[0]);
        let mut prev_ll = pts[0];
        let (mut px, mut py) = (0.0, 0.0);
        let mut sum = 0.0;
        // The closing edge back to pts[0] is included whether or not the
        // ring repeats its first vertex.
        let closed = pts.first() == pts.last();
        for &c in pts[1..].iter().chain((!closed).then_some(&pts[0])) {
            let p = forward(c);
            let (x, y) = (p.x - origin.x, p.y - origin.y);
            let (dx, dy) = (x - px, y - py);
            if dx * dx + dy * dy > self.densify2 {
                sum += self.densified_edge_area2(prev_ll, c, origin, (px, py), (x, y));
            } else {
                sum += px * y - x * py;
            }
            (px, py) = (x, y);
            prev_ll = c;
        }
        sum
    }

    /// Twice the signed area contribution of a long edge a→b, following the
    /// geodesic through intermediate points no more than [`DENSIFY_M`] apart.
    #[cold]
    fn densified_edge_area2(
        &self,
        a: Coord<f64>,
        b: Coord<f64>,
        origin: Coord<f64>,
        pa: (f64, f64),
        pb: (f64, f64),
    ) -> f64 {
        let g = grs80();
        let (s12, azi1, _azi2, _a12): (f64, f64, f64, f64) = g.inverse(a.y, a.x, b.y, b.x);
        let n = (s12 / self.densify).ceil().max(1.0) as usize;
        let (mut px, mut py) = pa;
        let mut sum = 0.0;
        for k in 1..n {
            let (lat, lon): (f64, f64) = g.direct(a.y, a.x, azi1, s12 * k as f64 / n as f64);
            let p = self.forward(Coord { x: lon, y: lat });
            let (x, y) = (p.x - origin.x, p.y - origin.y);
            sum += px * y - x * py;
            (px, py) = (x, y);
        }
        sum + px * pb.1 - pb.0 * py
    }

    /// Ellipsoidal area (m²): |exterior| − Σ|holes|, independent of ring
    /// orientation.
    pub(crate) fn polygon_area(&self, p: &Polygon<f64>) -> f64 {
        self.polygon_area_by(p, &mut |c| self.forward(c))
    }

    fn polygon_area_by(
        &self,
        p: &Polygon<f64>,
        forward: &mut impl FnMut(Coord<f64>) -> Coord<f64>,
    ) -> f64 {
        let mut a2 = self.ring_area2(p.exterior(), forward).abs();
        for h in p.interiors() {
            a2 -= self.ring_area2(h, forward).abs();
        }
        0.5 * a2
    }

    /// Sum of the areas of the parts (m²).
    pub fn multi_polygon_area(&self, mp: &MultiPolygon<f64>) -> f64 {
        mp.0.iter().map(|p| self.polygon_area(p)).sum()
    }

    /// A memo for [`EqualArea::multi_polygon_area_memo`] with this projection.
    pub(crate) fn memo(&self) -> VertexMemo {
        VertexMemo::new(|c| self.forward(c))
    }

    /// [`EqualArea::multi_polygon_area`], the same to the bit, taking the
    /// projected vertices from `memo` (made by [`EqualArea::memo`]) when
    /// neighbours projected them first.
    pub(crate) fn multi_polygon_area_memo(
        &self,
        mp: &MultiPolygon<f64>,
        memo: &mut VertexMemo,
    ) -> f64 {
        mp.0.iter()
            .map(|p| self.polygon_area_by(p, &mut |c| memo.get(c, |c| self.forward(c))))
            .sum()
    }

    fn map_ring(ring: &LineString<f64>, f: impl Fn(Coord<f64>) -> Coord<f64>) -> LineString<f64> {
        LineString(ring.0.iter().map(|&c| f(c)).collect())
    }

    fn map_polygon(p: &Polygon<f64>, f: impl Fn(Coord<f64>) -> Coord<f64> + Copy) -> Polygon<f64> {
        Polygon::new(
            Self::map_ring(p.exterior(), f),
            p.interiors().iter().map(|r| Self::map_ring(r, f)).collect(),
        )
    }

    /// Projects a lon/lat polygon to metres, vertex by vertex (no
    /// densification: at parcel scale the edges stay straight enough).
    pub(crate) fn project_polygon(&self, p: &Polygon<f64>) -> Polygon<f64> {
        Self::map_polygon(p, |c| self.forward(c))
    }

    /// Projects a lon/lat multipolygon to metres, vertex by vertex.
    pub(crate) fn project_multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(mp.0.iter().map(|p| self.project_polygon(p)).collect())
    }

    /// Brings a projected multipolygon back to lon/lat degrees.
    pub(crate) fn unproject_multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(
            mp.0.iter()
                .map(|p| Self::map_polygon(p, |c| self.inverse(c)))
                .collect(),
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::coord;
    use geographiclib_rs::{PolygonArea, Winding};

    /// Signed GeographicLib area of one ring (positive counter-clockwise).
    fn geodesic_ring_area(ring: &LineString<f64>) -> f64 {
        let mut pts = ring.0.as_slice();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts = &pts[..pts.len() - 1];
        }
        if pts.len() < 3 {
            return 0.0;
        }
        let mut pa = PolygonArea::new(grs80(), Winding::CounterClockwise);
        for c in pts {
            pa.add_point(c.y, c.x);
        }
        // `sign = true`: a clockwise ring gives a negative area instead of the
        // Earth's area minus the ring, so `abs` makes it orientation-independent.
        pa.compute(true).1
    }

    /// Reference ellipsoidal area (m²) of a lon/lat polygon with geodesic edges,
    /// by GeographicLib: |exterior| − Σ|holes|, whatever the ring orientation.
    /// About 20× slower than [`EqualArea::polygon_area`]; the tests' reference.
    fn geodesic_polygon_area(p: &Polygon<f64>) -> f64 {
        geodesic_ring_area(p.exterior()).abs()
            - p.interiors()
                .iter()
                .map(|r| geodesic_ring_area(r).abs())
                .sum::<f64>()
    }

    pub(crate) use crate::test_rng::SplitMix64;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 })
    }

    fn zhejiang() -> Rect<f64> {
        rect(118.0, 27.0, 123.0, 31.5)
    }

    /// A star-shaped counter-clockwise ring of `n` vertices at geodesic
    /// distances `r_min..r_max` metres from `centre`, built with
    /// GeographicLib's direct problem so its shape is exact on the ellipsoid.
    pub(crate) fn parcel_ring(
        rng: &mut SplitMix64,
        centre: Coord<f64>,
        n: usize,
        r_min: f64,
        r_max: f64,
    ) -> LineString<f64> {
        let mut az: Vec<f64> = (0..n).map(|_| rng.uniform(0.0, 360.0)).collect();
        // Counter-clockwise = decreasing azimuth (azimuth runs clockwise).
        az.sort_by(|a, b| b.total_cmp(a));
        let mut pts: Vec<Coord<f64>> = az
            .iter()
            .map(|&a| {
                let r = rng.uniform(r_min, r_max);
                let (lat, lon): (f64, f64) = grs80().direct(centre.y, centre.x, a, r);
                coord! { x: lon, y: lat }
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn units() {
        assert!((m2_to_mu(10_000.0) - 15.0).abs() < 1e-12);
        assert!((m2_to_mu(1_000_000.0) - 1500.0).abs() < 1e-9);
    }

    #[test]
    fn geodesic_distance_matches_pyproj() {
        // Geod(ellps="GRS80").inv(120.7555, 30.7460, 120.1551, 30.2741)[2]
        // and .inv(120.75, 30.76, 120.7501, 30.7601)[2], pyproj 3.7.2.
        let d = geodesic_distance(
            coord! { x: 120.7555, y: 30.7460 },
            coord! { x: 120.1551, y: 30.2741 },
        );
        assert!((d - 77834.93474514334).abs() < 1e-6, "{d}");
        let d = geodesic_distance(
            coord! { x: 120.75, y: 30.76 },
            coord! { x: 120.7501, y: 30.7601 },
        );
        assert!((d - 14.648468856052205).abs() < 1e-9, "{d}");
    }

    #[test]
    fn areas_match_pyproj_literals() {
        // Geod(ellps="GRS80").polygon_area_perimeter(lons, lats), pyproj 3.7.2
        // (PROJ 9.5.1, GeographicLib C): a ~0.57 ha parcel in Jiaxing...
        let parcel = Polygon::new(
            LineString::from(vec![
                (120.75012, 30.76543),
                (120.75071, 30.76531),
                (120.75098, 30.76580),
                (120.75063, 30.76622),
                (120.75041, 30.76610),
                (120.75005, 30.76577),
            ]),
            vec![],
        );
        let expected = 5680.038211021572;
        let ea = EqualArea::fitted(zhejiang());
        assert!(rel(ea.polygon_area(&parcel), expected) < 1e-9);
        assert!(rel(geodesic_polygon_area(&parcel), expected) < 1e-12);

        // ...and a 0.7° × 0.6° quadrilateral with 60–70 km geodesic edges,
        // which only comes out right if the edges are densified.
        let quad = Polygon::new(
            LineString::from(vec![
                (120.2, 30.3),
                (120.9, 30.3),
                (120.9, 30.9),
                (120.2, 30.9),
            ]),
            vec![],
        );
        let expected = 4465343501.055908;
        assert!(rel(geodesic_polygon_area(&quad), expected) < 1e-12);
        let got = ea.polygon_area(&quad);
        assert!(rel(got, expected) < 1e-9, "{}", rel(got, expected));
        // Without densification the straight projected edges miss by far
        // more than the tolerance, so the test above does exercise it.
        let mut raw = ea;
        raw.densify = f64::INFINITY;
        raw.densify2 = f64::INFINITY;
        assert!(rel(raw.polygon_area(&quad), expected) > 1e-7);
    }

    /// Random parcels (20–200 m across, ~20 vertices) in province-sized
    /// extents all over China, each extent with its own fitted projection.
    #[test]
    fn parcels_match_geographiclib() {
        let mut rng = SplitMix64(0x7564_6931);
        let mut worst: f64 = 0.0;
        for _ in 0..12 {
            let (lon0, lat0) = (rng.uniform(75.0, 130.0), rng.uniform(18.0, 49.0));
            let ext = rect(lon0, lat0, lon0 + 5.0, lat0 + 4.5);
            let ea = EqualArea::fitted(ext);
            for _ in 0..150 {
                let centre = coord! {
                    x: rng.uniform(lon0, lon0 + 5.0),
                    y: rng.uniform(lat0, lat0 + 4.5),
                };
                let size = rng.uniform(10.0, 100.0);
                let n = 18 + (rng.next_u64() % 6) as usize;
                let p = Polygon::new(parcel_ring(&mut rng, centre, n, 0.6 * size, size), vec![]);
                let r = rel(ea.polygon_area(&p), geodesic_polygon_area(&p));
                worst = worst.max(r);
            }
        }
        eprintln!("parcels: max relative error vs GeographicLib {worst:.3e}");
        assert!(worst < 1e-6, "{worst}");
    }

    /// On a tiny (133 m²), spiky parcel GeographicLib itself is only good to
    /// ~5e-7: its per-edge area terms carry ~1e-5 m² of rounding whatever
    /// the edge length. Independent equal-area projections agree with
    /// `EqualArea` to 1e-10 here, so the parcel tolerance of 1e-6 above is
    /// mostly the reference's noise on the smallest parcels.
    #[test]
    fn tiny_parcel_vs_independent_projection() {
        let ring: Vec<(f64, f64)> = vec![
            (104.36058712904872, 26.329860793983695),
            (104.36058526248509, 26.32984541600002),
            (104.36055695205545, 26.329893876892992),
            (104.36052669418088, 26.329861883620826),
            (104.36055217665023, 26.32984383488402),
            (104.36049817129805, 26.3298606568308),
            (104.36055982814081, 26.32982446139236),
            (104.36055920997006, 26.329813995885704),
            (104.36052826153775, 26.329802028985004),
            (104.36050557090644, 26.329754185854924),
            (104.36054969301746, 26.32976920525127),
            (104.36056237281024, 26.329776406172),
            (104.36060016270675, 26.329781483367967),
            (104.3606455915841, 26.329782052314595),
            (104.3606437355615, 26.329785746690103),
            (104.36067317408263, 26.329822242403594),
            (104.36067421006308, 26.329834082542884),
            (104.3606980238142, 26.329859216357626),
            (104.36064794252856, 26.329837931507587),
            (104.36066112897755, 26.329884678835906),
            (104.36061590276398, 26.32985848916527),
            (104.36060026256662, 26.329861300883213),
            (104.36058712904872, 26.329860793983695),
        ];
        let p = Polygon::new(LineString::from(ring), vec![]);
        // pyproj 3.7.2: shoelace on Proj("+proj=laea +lat_0=26.33
        // +lon_0=104.36 +ellps=GRS80") coordinates (an independent
        // equal-area projection; edges of a few metres are straight in it).
        let laea = 132.87243992651557;
        // Geod(ellps="GRS80").polygon_area_perimeter (GeographicLib C).
        let geodesic = 132.87236725786352;
        let ea = EqualArea::fitted(rect(102.0, 24.0, 107.0, 28.5));
        assert!(rel(ea.polygon_area(&p), laea) < 1e-9);
        assert!(rel(geodesic_polygon_area(&p), geodesic) < 1e-10);
        assert!(rel(ea.polygon_area(&p), geodesic) < 1e-6);
    }

    /// One projection fitted to all of China (18–53°N) is only ~1e-6 good on
    /// parcels (its scale is off by up to ~4 %, so straight projected edges
    /// stray further from geodesics): the reason to fit per district or
    /// province. Guards against the error growing beyond that.
    #[test]
    fn parcels_with_a_nationwide_fit() {
        let mut rng = SplitMix64(42);
        let ea = EqualArea::fitted(rect(73.0, 18.0, 135.0, 53.0));
        let mut worst: f64 = 0.0;
        for _ in 0..1000 {
            let centre = coord! { x: rng.uniform(75.0, 133.0), y: rng.uniform(18.0, 53.0) };
            let p = Polygon::new(parcel_ring(&mut rng, centre, 22, 60.0, 100.0), vec![]);
            worst = worst.max(rel(ea.polygon_area(&p), geodesic_polygon_area(&p)));
        }
        eprintln!("parcels, nationwide fit: max relative error {worst:.3e}");
        assert!(worst < 2e-6, "{worst}");
    }

    #[test]
    fn orientation_and_holes() {
        let mut rng = SplitMix64(7);
        let ea = EqualArea::fitted(zhejiang());
        let centre = coord! { x: 120.7, y: 30.75 };
        let outer = parcel_ring(&mut rng, centre, 20, 150.0, 200.0);
        let hole = parcel_ring(&mut rng, centre, 12, 20.0, 60.0);
        let ccw = Polygon::new(outer.clone(), vec![]);
        let mut cw_ring = outer.clone();
        cw_ring.0.reverse();
        let cw = Polygon::new(cw_ring.clone(), vec![]);
        assert!(rel(ea.polygon_area(&cw), ea.polygon_area(&ccw)) < 1e-12);
        assert!(rel(geodesic_polygon_area(&cw), geodesic_polygon_area(&ccw)) < 1e-12);
        // A clockwise ring must not come back as "the Earth minus the parcel".
        assert!(geodesic_polygon_area(&cw) < 2e5);

        let hole_only = ea.polygon_area(&Polygon::new(hole.clone(), vec![]));
        assert!(hole_only > 500.0);
        // Hole given in the same (wrong for a hole) orientation as the shell,
        // and in the shell's opposite: both are subtracted.
        for (shell, h) in [(outer.clone(), hole.clone()), (cw_ring, hole.clone())] {
            let p = Polygon::new(shell, vec![h]);
            let with_hole = ea.polygon_area(&p);
            assert!((with_hole - (ea.polygon_area(&ccw) - hole_only)).abs() < 1e-6);
            assert!(rel(with_hole, geodesic_polygon_area(&p)) < 1e-6);
        }
        // An unclosed ring is closed implicitly.
        let mut open = outer.clone();
        open.0.pop();
        let open = Polygon::new(open, vec![]);
        assert!(rel(ea.polygon_area(&open), ea.polygon_area(&ccw)) < 1e-13);
        // MultiPolygon sums its parts.
        let mp = MultiPolygon(vec![ccw.clone(), ccw.clone()]);
        assert!(rel(ea.multi_polygon_area(&mp), 2.0 * ea.polygon_area(&ccw)) < 1e-15);
    }

    #[test]
    fn round_trip() {
        let mut rng = SplitMix64(99);
        for ext in [
            zhejiang(),
            rect(73.0, 18.0, 135.0, 53.0),
            rect(120.0, 30.0, 121.0, 30.0),
        ] {
            let ea = EqualArea::fitted(ext);
            for _ in 0..2000 {
                let c = coord! {
                    x: rng.uniform(ext.min().x - 2.0, ext.max().x + 2.0),
                    y: rng.uniform(ext.min().y - 2.0, ext.max().y + 2.0),
                };
                let back = ea.inverse(ea.forward(c));
                assert!(
                    (back.x - c.x).abs() < 1e-9 && (back.y - c.y).abs() < 1e-9,
                    "{c:?} {back:?}"
                );
            }
        }
        // The origin is the centre of the fitted range.
        let ea = EqualArea::fitted(zhejiang());
        let o = ea.forward(coord! { x: 120.5, y: 29.25 });
        assert!(o.x.abs() < 1e-6 && o.y.abs() < 1e-6, "{o:?}");
    }

    #[test]
    fn zero_height_and_equatorial_fits() {
        // A single-latitude extent (one point, or an east–west line) and an
        // extent symmetric about the equator (cone constant 0 → cylindrical).
        let mut rng = SplitMix64(5);
        for (ext, centre) in [
            (
                rect(120.7, 30.75, 120.7, 30.75),
                coord! { x: 120.7, y: 30.75 },
            ),
            (rect(-1.0, -1.0, 1.0, 1.0), coord! { x: 0.3, y: -0.4 }),
        ] {
            let ea = EqualArea::fitted(ext);
            let p = Polygon::new(parcel_ring(&mut rng, centre, 22, 30.0, 100.0), vec![]);
            let r = rel(ea.polygon_area(&p), geodesic_polygon_area(&p));
            assert!(r < 1e-7, "{ext:?}: {r}");
            let back = ea.inverse(ea.forward(centre));
            assert!((back.x - centre.x).abs() < 1e-9 && (back.y - centre.y).abs() < 1e-9);
        }
    }

    fn xiuzhou() -> (MultiPolygon<f64>, f64) {
        // A real district boundary (1154 vertices, edges up to several km):
        // proves the densified projection converges to the geodesic area on
        // a polygon far larger than a parcel.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/xiuzhou_330411_wgs84.geojson"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let fc = geojson::FeatureCollection::try_from(text.parse::<geojson::GeoJson>().unwrap())
            .unwrap();
        let f = &fc.features[0];
        let km2 = f.property("area_km2_geodesic").unwrap().as_f64().unwrap();
        let geom = f.geometry.as_ref().unwrap();
        let mp = MultiPolygon::<f64>::try_from(&geom.value).unwrap();
        (mp, km2 * 1e6)
    }

    #[test]
    fn xiuzhou_district() {
        use geo::BoundingRect;
        let (mp, file_m2) = xiuzhou();
        let reference: f64 = mp.0.iter().map(geodesic_polygon_area).sum();
        // Geod(ellps="GRS80").polygon_area_perimeter on the fixture's ring,
        // pyproj 3.7.2: GeographicLib C and geographiclib-rs agree exactly.
        assert!(rel(reference, 542509050.1092863) < 1e-12, "{reference}");
        // The file's own `area_km2_geodesic` is 8.9 m² (1.6e-8) larger,
        // presumably measured before its coordinates were rounded to 1e-7°.
        assert!(rel(reference, file_m2) < 1e-7, "{reference} vs {file_m2}");
        for ext in [mp.bounding_rect().unwrap(), zhejiang()] {
            let ea = EqualArea::fitted(ext);
            let got = ea.multi_polygon_area(&mp);
            let r = rel(got, reference);
            eprintln!("Xiuzhou, fit {ext:?}: {got:.3} m², relative error {r:.3e}");
            assert!(r < 1e-9, "{r}");
            assert!(rel(got, file_m2) < 1e-7);
        }
    }

    #[test]
    fn project_and_unproject() {
        let (mp, _) = xiuzhou();
        use geo::{Area, BoundingRect};
        let ea = EqualArea::fitted(mp.bounding_rect().unwrap());
        let projected = ea.project_multi_polygon(&mp);
        // Planar area of the projected outline ≈ ellipsoidal area (the
        // projection is equal-area; only edge curvature differs).
        assert!(rel(projected.unsigned_area(), ea.multi_polygon_area(&mp)) < 1e-6);
        let back = ea.unproject_multi_polygon(&projected);
        for (a, b) in mp.0[0]
            .exterior()
            .0
            .iter()
            .zip(back.0[0].exterior().0.iter())
        {
            assert!((a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9);
        }
        // Projected distances are metric at parcel scale.
        let (a, b) = (
            coord! { x: 120.75, y: 30.76 },
            coord! { x: 120.7512, y: 30.7603 },
        );
        let (pa, pb) = (ea.forward(a), ea.forward(b));
        let planar = (pa.x - pb.x).hypot(pa.y - pb.y);
        assert!(rel(planar, geodesic_distance(a, b)) < 2e-3);
    }
}
