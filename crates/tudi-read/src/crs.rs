//! Coordinate reference systems: every layer is brought to CGCS2000
//! longitude/latitude (EPSG:4490).
//!
//! The common cases are done here in Rust, fast and exactly: geographic
//! coordinates on GRS80/WGS84 (CGCS2000 and WGS84 agree to a few cm, far
//! below parcel accuracy), any Transverse Mercator on those ellipsoids
//! (Gauss–Krüger zones, UTM), and the GCJ-02/BD-09 web-map offsets.
//! Anything else (Xi'an 1980, Beijing 1954, other projections) goes
//! through PROJ via GDAL. Coordinates are always taken in the order the
//! file stores them (easting/longitude first), whatever axis order the EPSG
//! database gives the CRS: that is how GeoPackage, Shapefile and GeoJSON
//! store them, and the bounds check in [`Transform::check_bounds`] catches a
//! file whose axes are swapped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::Coord;

use tudi_core::crs::tm::TransverseMercator;
use tudi_core::crs::tm_cells::CellInverse;
use tudi_core::crs::{china, zone};

/// How a layer's coordinates become CGCS2000 longitude/latitude.
#[derive(Debug, Clone)]
pub enum Transform {
    /// Already longitude/latitude on GRS80 or WGS84.
    Identity,
    TransverseMercator(Box<TransverseMercator>),
    /// GCJ-02 (AMap, Tencent): iterative inverse of the offset.
    Gcj02,
    /// BD-09 (Baidu).
    Bd09,
    /// Anything else, through PROJ; holds the source CRS as WKT.
    Proj(Arc<str>),
}

/// A CRS as written in a project file or a CSV's CRS column, with the name
/// it is reported by.
#[derive(Debug, Clone)]
pub struct Crs {
    pub name: String,
    pub transform: Transform,
}

impl Crs {
    pub fn cgcs2000() -> Crs {
        Crs {
            name: "EPSG:4490".into(),
            transform: Transform::Identity,
        }
    }

    /// Parses a user's CRS: `gcj02`, `bd09`, `cgcs2000`, `wgs84`, or anything
    /// GDAL understands (`EPSG:4549`, a bare EPSG number, WKT, PROJ string).
    ///
    /// ```
    /// use tudi_read::crs::{Crs, Transform};
    /// let mut c = [geo::Coord { x: 40_500_000.0, y: 3_400_000.0 }];
    /// Crs::parse("EPSG:4528").unwrap().transform.apply(&mut c).unwrap();
    /// // on the central meridian, 120°E, about 30.7°N
    /// assert!((c[0].x - 120.0).abs() < 1e-9 && (c[0].y - 30.72).abs() < 0.01);
    /// assert!(matches!(Crs::parse("gcj02").unwrap().transform, Transform::Gcj02));
    /// ```
    pub fn parse(text: &str) -> Result<Crs, String> {
        let t = text.trim();
        let key = t.to_ascii_lowercase().replace(['-', '_', ' '], "");
        let named = match key.as_str() {
            "gcj02" | "gcj" | "amap" | "mars" => Some(Transform::Gcj02),
            "bd09" | "bd09ll" | "baidu" => Some(Transform::Bd09),
            "cgcs2000" | "wgs84" | "crs84" => Some(Transform::Identity),
            _ => None,
        };
        if let Some(transform) = named {
            return Ok(Crs {
                name: t.to_string(),
                transform,
            });
        }
        if t.is_empty() {
            return Err("empty CRS".into());
        }
        let definition = if t.chars().all(|c| c.is_ascii_digit()) {
            format!("EPSG:{t}")
        } else {
            t.to_string()
        };
        crate::silence_gdal();
        let srs = SpatialRef::from_definition(&definition)
            .map_err(|e| format!("unknown CRS '{t}': {e}"))?;
        Crs::from_srs(&srs, t)
    }

    /// The transform for a CRS read from a file.
    pub fn from_srs(srs: &SpatialRef, name: &str) -> Result<Crs, String> {
        Ok(Crs {
            name: name.to_string(),
            transform: transform_for(srs)?,
        })
    }

    /// A short name for a file's own CRS (its EPSG code when it has one).
    pub fn srs_name(srs: &SpatialRef) -> String {
        match (srs.auth_name(), srs.auth_code()) {
            (Some(a), Ok(c)) => format!("{a}:{c}"),
            _ => srs.name().unwrap_or_else(|| "unnamed CRS".into()),
        }
    }
}

/// GRS80 (CGCS2000) and WGS84 share a = 6378137 m and differ in 1/f by
/// 1e-6; both are treated as CGCS2000. Returns (a, f) with f exactly the
/// ellipsoid's defining value (GDAL's semi-minor axis loses the last bits).
fn is_grs80_like(srs: &SpatialRef) -> Option<(f64, f64)> {
    const WGS84_INV_F: f64 = 298.257_223_563;
    let a = srs.semi_major().ok()?;
    let b = srs.semi_minor().ok()?;
    if (a - tudi_core::geodesy::GRS80_A).abs() > 1e-3 {
        return None;
    }
    let inv_f = a / (a - b);
    if (inv_f - 1.0 / tudi_core::geodesy::GRS80_F).abs() < 1e-6 {
        Some((a, tudi_core::geodesy::GRS80_F))
    } else if (inv_f - WGS84_INV_F).abs() < 1e-6 {
        Some((a, 1.0 / WGS84_INV_F))
    } else {
        None
    }
}

/// True when the geographic CRS's datum is CGCS2000 or WGS84 (or one of
/// its realisations); other datums on the same ellipsoid need PROJ.
fn datum_is_cgcs2000_or_wgs84(srs: &SpatialRef) -> bool {
    let datum = srs
        .get_attr_value("DATUM", 0)
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase();
    datum.contains("china") && datum.contains("2000")
        || datum.contains("cgcs")
        || datum.contains("wgs") && datum.contains("84")
        || datum.contains("world geodetic system 1984")
        || datum.contains("grs") && datum.contains("80") && !datum.contains("nad")
}

fn transform_for(srs: &SpatialRef) -> Result<Transform, String> {
    let wkt = srs.to_wkt().map_err(|e| e.to_string())?;
    let proj = || Ok(Transform::Proj(Arc::from(wkt.as_str())));
    let grs80 = is_grs80_like(srs);
    if srs.is_geographic() {
        let degrees = (srs.angular_units() - 1f64.to_radians()).abs() < 1e-12;
        if grs80.is_some() && degrees && datum_is_cgcs2000_or_wgs84(srs) {
            return Ok(Transform::Identity);
        }
        return proj();
    }
    if srs.is_projected() {
        let projection = srs
            .get_attr_value("PROJECTION", 0)
            .ok()
            .flatten()
            .unwrap_or_default();
        let geog = srs.geog_cs().ok();
        let datum_ok = geog.as_ref().is_some_and(datum_is_cgcs2000_or_wgs84);
        if let (Some((a, f)), true, "Transverse_Mercator") = (grs80, datum_ok, projection.as_str())
        {
            let p = |name: &str| srs.get_proj_param(name).ok().flatten().unwrap_or(0.0);
            let unit = srs.linear_units();
            let k0 = srs
                .get_proj_param("scale_factor")
                .ok()
                .flatten()
                .unwrap_or(1.0);
            let tm = TransverseMercator::new(
                a,
                f,
                p("central_meridian"),
                p("latitude_of_origin"),
                k0,
                p("false_easting") * unit,
                p("false_northing") * unit,
            );
            if (unit - 1.0).abs() < 1e-12 {
                return Ok(Transform::TransverseMercator(Box::new(tm)));
            }
        }
        return proj();
    }
    Err(
        "neither geographic nor projected (a local or engineering CRS cannot be placed on the map)"
            .into(),
    )
}

thread_local! {
    /// GDAL coordinate transformations are not thread-safe: one per thread
    /// and source CRS.
    static PROJ_CACHE: RefCell<HashMap<Arc<str>, CoordTransform>> = RefCell::new(HashMap::new());
}

fn with_proj<R>(wkt: &Arc<str>, f: impl FnOnce(&CoordTransform) -> R) -> Result<R, String> {
    PROJ_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(wkt) {
            let mut src = SpatialRef::from_wkt(wkt).map_err(|e| e.to_string())?;
            src.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            let mut dst = SpatialRef::from_epsg(4490).map_err(|e| e.to_string())?;
            dst.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            let ct = CoordTransform::new(&src, &dst).map_err(|e| e.to_string())?;
            cache.insert(wkt.clone(), ct);
        }
        Ok(f(&cache[wkt]))
    })
}

thread_local! {
    /// Each thread's cells of the last Transverse Mercator it inverted.
    static INVERSE_CELLS: RefCell<Option<CellInverse>> = const { RefCell::new(None) };
}

impl Transform {
    /// Converts coordinates in place to CGCS2000 longitude/latitude.
    pub fn apply(&self, coords: &mut [Coord<f64>]) -> Result<(), String> {
        match self {
            Transform::Identity => {}
            Transform::TransverseMercator(tm) => {
                // another zone's eastings (or a prefix where the CRS has
                // none) would land hundreds of km off, often still in China
                if let Some(zone) = zone::eastings(tm) {
                    if let Some(c) = coords
                        .iter()
                        .find(|c| c.x.is_finite() && !zone.contains(&c.x))
                    {
                        return Err(zone::mismatch(tm, c.x));
                    }
                }
                INVERSE_CELLS.with_borrow_mut(|cells| {
                    let cells = match cells {
                        Some(c) if c.projection() == &**tm => c,
                        _ => cells.insert(CellInverse::new(**tm)),
                    };
                    for c in coords.iter_mut() {
                        let (x, y) = cells.inverse(c.x, c.y);
                        *c = Coord { x, y };
                    }
                })
            }
            Transform::Gcj02 => {
                for c in coords.iter_mut() {
                    let (lon, lat) = china::gcj02_to_wgs84(c.x, c.y);
                    *c = Coord { x: lon, y: lat };
                }
            }
            Transform::Bd09 => {
                for c in coords.iter_mut() {
                    let (lon, lat) = china::bd09_to_wgs84(c.x, c.y);
                    *c = Coord { x: lon, y: lat };
                }
            }
            Transform::Proj(wkt) => {
                let mut xs: Vec<f64> = coords.iter().map(|c| c.x).collect();
                let mut ys: Vec<f64> = coords.iter().map(|c| c.y).collect();
                let mut zs = vec![0.0; coords.len()];
                with_proj(wkt, |ct| ct.transform_coords(&mut xs, &mut ys, &mut zs))?
                    .map_err(|e| format!("PROJ cannot transform these coordinates: {e}"))?;
                for (c, (x, y)) in coords.iter_mut().zip(xs.into_iter().zip(ys)) {
                    *c = Coord { x, y };
                }
            }
        }
        Ok(())
    }

    /// After transforming: longitude/latitude must be finite and plausible
    /// for China (with a wide margin). A failure here nearly always means
    /// a wrong CRS, swapped axes or a missing zone prefix, so say that.
    pub fn check_bounds(c: Coord<f64>) -> Result<(), String> {
        if c.x.is_finite()
            && c.y.is_finite()
            && (60.0..=150.0).contains(&c.x)
            && (0.0..=60.0).contains(&c.y)
        {
            Ok(())
        } else {
            Err(format!(
                "coordinates land at lon {:.4}, lat {:.4}, outside China: wrong CRS, swapped x/y (northing first?) or a missing/extra Gauss–Krüger zone prefix",
                c.x, c.y
            ))
        }
    }
}

#[cfg(test)]
mod zone_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_crs_are_recognised() {
        assert!(matches!(
            Crs::parse("gcj02").unwrap().transform,
            Transform::Gcj02
        ));
        assert!(matches!(
            Crs::parse("GCJ-02").unwrap().transform,
            Transform::Gcj02
        ));
        assert!(matches!(
            Crs::parse("bd09").unwrap().transform,
            Transform::Bd09
        ));
        assert!(matches!(
            Crs::parse("EPSG:4490").unwrap().transform,
            Transform::Identity
        ));
        assert!(matches!(
            Crs::parse("4326").unwrap().transform,
            Transform::Identity
        ));
    }

    #[test]
    fn gauss_kruger_codes_become_transverse_mercator_with_their_false_easting() {
        let Transform::TransverseMercator(with) = Crs::parse("EPSG:4528").unwrap().transform else {
            panic!("EPSG:4528 is a Transverse Mercator")
        };
        assert_eq!(*with, TransverseMercator::gauss_kruger_3deg(40, true));
        let Transform::TransverseMercator(without) = Crs::parse("EPSG:4549").unwrap().transform
        else {
            panic!("EPSG:4549 is a Transverse Mercator")
        };
        assert_eq!(*without, TransverseMercator::gauss_kruger_3deg(40, false));
    }

    #[test]
    fn other_datums_go_through_proj_and_unknown_codes_fail() {
        // Xi'an 1980 / 3-degree GK CM 120E
        assert!(matches!(
            Crs::parse("EPSG:2385").unwrap().transform,
            Transform::Proj(_)
        ));
        assert!(Crs::parse("EPSG:999999").is_err());
    }

    #[test]
    fn proj_fallback_agrees_with_the_rust_transverse_mercator() {
        let mut via_proj = [Coord {
            x: 40_523_456.0,
            y: 3_401_234.0,
        }];
        let wkt = SpatialRef::from_epsg(4528).unwrap().to_wkt().unwrap();
        Transform::Proj(Arc::from(wkt.as_str()))
            .apply(&mut via_proj)
            .unwrap();
        let mut via_rust = [Coord {
            x: 40_523_456.0,
            y: 3_401_234.0,
        }];
        Crs::parse("EPSG:4528")
            .unwrap()
            .transform
            .apply(&mut via_rust)
            .unwrap();
        assert!(
            (via_proj[0].x - via_rust[0].x).abs() < 1e-8,
            "{via_proj:?} {via_rust:?}"
        );
        assert!(
            (via_proj[0].y - via_rust[0].y).abs() < 1e-8,
            "{via_proj:?} {via_rust:?}"
        );
    }

    #[test]
    fn transformed_vertices_are_the_inverses_and_repeat_exactly() {
        // repeats, two projections taking turns on one thread
        let zones = [
            TransverseMercator::gauss_kruger_3deg(40, true),
            TransverseMercator::gauss_kruger_3deg(41, true),
        ];
        for round in 0..2 {
            for tm in zones {
                let (fe, _) = tm.forward(tm.origin().0, 30.0);
                let coords: Vec<Coord<f64>> = (0..20_000u32)
                    .map(|i| Coord {
                        x: fe + f64::from(i % 7_000) * 3.7,
                        y: 3_400_000.0 + f64::from(i % 5_000) * 1.3 + f64::from(round),
                    })
                    .collect();
                let mut got = coords.clone();
                Transform::TransverseMercator(Box::new(tm))
                    .apply(&mut got)
                    .unwrap();
                for (c, g) in coords.iter().zip(&got) {
                    let (x, y) = tm.inverse(c.x, c.y);
                    assert!((g.x - x).abs() < 1e-12 && (g.y - y).abs() < 1e-12);
                }
                // a vertex shared by neighbours, transformed on another
                // thread (cells of its own), lands on the same point
                let mut again = coords[..500].to_vec();
                let again = std::thread::spawn(move || {
                    Transform::TransverseMercator(Box::new(tm))
                        .apply(&mut again)
                        .map(|()| again)
                })
                .join()
                .unwrap()
                .unwrap();
                assert_eq!(&again[..], &got[..500]);
            }
        }
    }
}
