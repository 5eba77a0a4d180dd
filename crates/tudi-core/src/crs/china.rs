//! The Chinese web-map coordinate offsets: GCJ-02 ("Mars coordinates") and
//! BD-09 (Baidu). Geocoded addresses come back in these; the tool converts
//! them back to WGS84/CGCS2000 before any join.

use std::f64::consts::PI;

/// Krasovsky 1940, the ellipsoid the published GCJ-02 formula uses.
const KRASOVSKY_A: f64 = 6378245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// GCJ-02 applies only inside China's rough bounding box.
pub(crate) fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// WGS84 → GCJ-02 (the published forward formula).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * radlat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * radlat.cos() * PI);
    (lon + dlon, lat + dlat)
}

const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// GCJ-02 → BD-09 (Baidu's published forward formula).
pub(crate) fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// WGS84 → BD-09. Identity outside China, like GCJ-02: there is no offset
/// to undo on data that never went through a Chinese web map.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let (glon, glat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(glon, glat)
}

/// Iteration cap for the inverses. Each step shrinks the error by a factor
/// of ~1e-3 (the offsets vary slowly), so 3–4 steps reach 1e-12°; the cap
/// only guards against non-finite input.
const MAX_ITER: usize = 10;
/// Stop when a step moves the point less than this (degrees, ~1e-5 m).
const STEP_TOL: f64 = 1e-10;

/// Solves `forward(p) = target` by fixed-point iteration p ← p + (target −
/// forward(p)), which converges because `forward` is the identity plus a
/// slowly varying offset. The common one-step inverse (2·target −
/// forward(target)) is the first iterate and leaves 0.7–1.7 m of error.
fn invert(
    target: (f64, f64),
    start: (f64, f64),
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> (f64, f64) {
    let (mut x, mut y) = start;
    for _ in 0..MAX_ITER {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (target.0 - fx, target.1 - fy);
        x += dx;
        y += dy;
        if dx.abs() < STEP_TOL && dy.abs() < STEP_TOL {
            break;
        }
    }
    (x, y)
}

/// GCJ-02 → WGS84: iterative inverse of [`wgs84_to_gcj02`], residual far
/// below 1e-7° (~1 cm). Identity outside China.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    invert((lon, lat), (lon, lat), wgs84_to_gcj02)
}

/// BD-09 → GCJ-02: Baidu's published approximate inverse, refined by
/// iteration into an exact inverse of [`gcj02_to_bd09`].
pub(crate) fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    invert(
        (lon, lat),
        (z * theta.cos(), z * theta.sin()),
        gcj02_to_bd09,
    )
}

/// BD-09 → WGS84. Identity outside China.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let (glon, glat) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::geodesic_distance;
    use crate::geodesy::tests::SplitMix64;
    use geo::coord;

    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        geodesic_distance(coord! { x: a.0, y: a.1 }, coord! { x: b.0, y: b.1 })
    }

    /// Seeded random points over Zhejiang (118–123°E, 27–31.5°N).
    fn zhejiang_points(seed: u64, n: usize) -> Vec<(f64, f64)> {
        let mut rng = SplitMix64(seed);
        (0..n)
            .map(|_| (rng.uniform(118.0, 123.0), rng.uniform(27.0, 31.5)))
            .collect()
    }

    #[test]
    fn forward_matches_coord_convert() {
        // PyPI coord-convert 0.2.1 (same Krasovsky constants):
        // transform.wgs2gcj(lon, lat) and transform.wgs2bd(lon, lat).
        let cases = [
            (
                (120.7555, 30.7460),
                (120.75981944008637, 30.74369993201002),
                (120.76638313509623, 30.749526434706546),
            ),
            (
                (116.391, 39.907),
                (116.39724095859891, 39.9084011088464),
                (116.40361442376565, 39.91474390075958),
            ),
            (
                (121.4737, 31.2304),
                (121.47822305927693, 31.22845773757727),
                (121.484781468503, 31.234310593689997),
            ),
        ];
        for (wgs, gcj, bd) in cases {
            let g = wgs84_to_gcj02(wgs.0, wgs.1);
            let b = wgs84_to_bd09(wgs.0, wgs.1);
            assert!(
                (g.0 - gcj.0).abs() < 1e-12 && (g.1 - gcj.1).abs() < 1e-12,
                "{g:?}"
            );
            assert!(
                (b.0 - bd.0).abs() < 1e-12 && (b.1 - bd.1).abs() < 1e-12,
                "{b:?}"
            );
        }
    }

    #[test]
    fn inverses_round_trip_over_zhejiang() {
        let mut worst: f64 = 0.0;
        for p in zhejiang_points(2024, 2000) {
            // Inverse of forward, and forward of inverse (the residual).
            let g = wgs84_to_gcj02(p.0, p.1);
            worst = worst.max(metres(gcj02_to_wgs84(g.0, g.1), p));
            let w = gcj02_to_wgs84(p.0, p.1);
            let r = wgs84_to_gcj02(w.0, w.1);
            assert!((r.0 - p.0).abs() < 1e-7 && (r.1 - p.1).abs() < 1e-7);
            worst = worst.max(metres(r, p));

            let b = gcj02_to_bd09(p.0, p.1);
            worst = worst.max(metres(bd09_to_gcj02(b.0, b.1), p));
            let b = wgs84_to_bd09(p.0, p.1);
            worst = worst.max(metres(bd09_to_wgs84(b.0, b.1), p));
            let w = bd09_to_wgs84(p.0, p.1);
            worst = worst.max(metres(wgs84_to_bd09(w.0, w.1), p));
        }
        assert!(worst < 0.05, "{worst} m");
        // The one-step inverse would not pass: the iteration is what matters.
        let (mut one_step_worst, g) = (0.0f64, wgs84_to_gcj02);
        for p in zhejiang_points(7, 200) {
            let q = g(p.0, p.1);
            let f = g(q.0, q.1);
            one_step_worst = one_step_worst.max(metres((2.0 * q.0 - f.0, 2.0 * q.1 - f.1), p));
        }
        assert!(one_step_worst > 0.05, "{one_step_worst}");
    }

    /// domain.md quotes 480–585 m (GCJ-02) and 1.1–1.2 km (BD-09) for
    /// Jiaxing; over Jiaxing's bounding box the formulas give 471–509 m and
    /// 1077–1161 m (cross-checked with coord-convert + pyproj `Geod.inv` on
    /// 5000 points), so the bounds below are the measured ones: the shift is
    /// ~0.5 km and ~1.1 km, larger than most parcels.
    #[test]
    fn shift_sizes_in_jiaxing() {
        // Jiaxing city's extent (from its boundary in the shared data).
        let mut rng = SplitMix64(330400);
        for _ in 0..500 {
            let p = (rng.uniform(120.29, 121.34), rng.uniform(30.26, 31.03));
            let g = metres(wgs84_to_gcj02(p.0, p.1), p);
            let b = metres(wgs84_to_bd09(p.0, p.1), p);
            assert!((465.0..=515.0).contains(&g), "GCJ-02 shift {g} m at {p:?}");
            assert!((1070.0..=1170.0).contains(&b), "BD-09 shift {b} m at {p:?}");
        }
    }

    #[test]
    fn identity_outside_china() {
        for p in [
            (139.69, 35.69),
            (2.35, 48.86),
            (151.2, -33.87),
            (-74.0, 40.7),
        ] {
            assert!(out_of_china(p.0, p.1));
            assert_eq!(wgs84_to_gcj02(p.0, p.1), p);
            assert_eq!(gcj02_to_wgs84(p.0, p.1), p);
            assert_eq!(wgs84_to_bd09(p.0, p.1), p);
            assert_eq!(bd09_to_wgs84(p.0, p.1), p);
        }
        assert!(!out_of_china(120.75, 30.75));
    }
}
