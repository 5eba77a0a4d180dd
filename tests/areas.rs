//! Areas against independent methods: GeographicLib (geographiclib-rs, a
//! port of Karney's library, the reference pyproj uses) on the real
//! Xiuzhou boundary, read as WGS84, as Gauss–Krüger metres projected by
//! PROJ, and as the GCJ-02 original.

mod common;

use common::*;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{LayerAccess, LayerOptions, ToGdal};
use geo::{Coord, MultiPolygon, Polygon};
use geographiclib_rs::{Geodesic, PolygonArea, Winding};

/// GeographicLib's ellipsoidal area on GRS80 (CGCS2000).
fn geographiclib_area(mp: &MultiPolygon<f64>) -> f64 {
    let g = Geodesic::new(6_378_137.0, 1.0 / 298.257_222_101);
    let ring_area = |ring: &geo::LineString<f64>| {
        let mut pa = PolygonArea::new(&g, Winding::CounterClockwise);
        for c in &ring.0[..ring.0.len() - 1] {
            pa.add_point(c.y, c.x);
        }
        // signed: a clockwise ring gives minus its area, not the Earth less it
        let (_, area, _) = pa.compute(true);
        area.abs()
    };
    mp.0.iter()
        .map(|p| ring_area(p.exterior()) - p.interiors().iter().map(ring_area).sum::<f64>())
        .sum()
}

fn read_boundary(path: &std::path::Path) -> MultiPolygon<f64> {
    let v = json(path);
    let g: geojson::Geometry =
        serde_json::from_value(v["features"][0]["geometry"].clone()).unwrap();
    let geo: geo::Geometry<f64> = g.try_into().unwrap();
    match geo {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        _ => panic!("a polygon"),
    }
}

fn tudi_area(args: &[&str]) -> f64 {
    let o = tudi(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,area_m2,area_mu"));
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let m2: f64 = row[1].parse().unwrap();
    let mu: f64 = row[2].parse().unwrap();
    assert!(
        (mu - m2 * 15.0 / 10000.0).abs() < 1e-4,
        "mu = m² × 15/10000"
    );
    m2
}

#[test]
fn district_area_agrees_with_geographiclib_to_1e6() {
    let path = fixture("xiuzhou_330411_wgs84.geojson");
    let reference = geographiclib_area(&read_boundary(&path));
    // the file's own reference figure, computed independently (pyproj's
    // Geod; its 1.6e-8 difference is WGS84's flattening against GRS80's)
    let published = json(&path)["features"][0]["properties"]["area_km2_geodesic"]
        .as_f64()
        .unwrap()
        * 1e6;
    assert!(
        (reference - published).abs() / published < 1e-7,
        "{reference} vs {published}"
    );
    let ours = tudi_area(&["area", path.to_str().unwrap(), "--id", "adcode"]);
    assert!(
        (ours - reference).abs() / reference < 1e-6,
        "tudi {ours} vs GeographicLib {reference}"
    );
    // 542.51 km²
    assert!((ours / 1e6 - 542.51).abs() < 0.01);
}

/// Writes the boundary into a GeoPackage in a Gauss–Krüger CRS, projected
/// by PROJ (through GDAL), the way survey data arrives.
fn write_gauss_kruger(epsg: u32, name: &str) -> std::path::PathBuf {
    let mp = read_boundary(&fixture("xiuzhou_330411_wgs84.geojson"));
    let mut src = SpatialRef::from_epsg(4490).unwrap();
    src.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut dst = SpatialRef::from_epsg(epsg).unwrap();
    dst.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let ct = CoordTransform::new(&src, &dst).unwrap();
    let project = |ring: &geo::LineString<f64>| {
        let mut xs: Vec<f64> = ring.0.iter().map(|c| c.x).collect();
        let mut ys: Vec<f64> = ring.0.iter().map(|c| c.y).collect();
        let mut zs = vec![0.0; xs.len()];
        ct.transform_coords(&mut xs, &mut ys, &mut zs).unwrap();
        geo::LineString(
            xs.into_iter()
                .zip(ys)
                .map(|(x, y)| Coord { x, y })
                .collect(),
        )
    };
    let projected = MultiPolygon(
        mp.0.iter()
            .map(|p| {
                Polygon::new(
                    project(p.exterior()),
                    p.interiors().iter().map(project).collect(),
                )
            })
            .collect(),
    );
    let path = scratch(name).join("xiuzhou.gpkg");
    let driver = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
    let mut ds = driver.create_vector_only(&path).unwrap();
    let mut layer = ds
        .create_layer(LayerOptions {
            name: "boundary",
            srs: Some(&dst),
            ty: gdal_sys::OGRwkbGeometryType::wkbMultiPolygon,
            ..Default::default()
        })
        .unwrap();
    layer.create_feature(projected.to_gdal().unwrap()).unwrap();
    path
}

#[test]
fn gauss_kruger_input_with_and_without_zone_prefix() {
    let reference = geographiclib_area(&read_boundary(&fixture("xiuzhou_330411_wgs84.geojson")));
    for (epsg, name) in [(4549, "gk4549"), (4528, "gk4528")] {
        let path = write_gauss_kruger(epsg, name);
        // EPSG:4549/4528 are northing-first in the EPSG database; the file
        // stores easting first, as GeoPackages do.
        let ours = tudi_area(&["area", path.to_str().unwrap()]);
        assert!(
            (ours - reference).abs() / reference < 1e-6,
            "EPSG:{epsg}: {ours} vs {reference}"
        );
        // the planar Gauss–Krüger area is measurably different (≈ +106 ppm)
        let planar = json(&fixture("xiuzhou_330411_wgs84.geojson"))["features"][0]["properties"]
            ["area_km2_epsg4549"]
            .as_f64()
            .unwrap()
            * 1e6;
        assert!(
            (planar - ours) / ours > 5e-5,
            "tudi must not return the plane area"
        );
    }
}

#[test]
fn gauss_kruger_with_the_wrong_zone_prefix_is_refused() {
    let path = write_gauss_kruger(4528, "gk-wrong");
    let o = tudi(&["area", path.to_str().unwrap(), "--crs", "EPSG:4549"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("zone prefix 40") && err.contains("EPSG:4528"),
        "{err}"
    );
}

#[test]
fn gcj02_input_lands_on_the_converted_boundary() {
    let gcj = fixture("xiuzhou_330411_gcj02.geojson");
    let gcj_mp = read_boundary(&gcj);
    let ours = tudi_area(&["area", gcj.to_str().unwrap(), "--crs", "gcj02"]);

    // Convert every vertex back, check the published forward formula takes
    // it to the GCJ-02 input again (< 1 cm), and measure the result with
    // GeographicLib.
    let back = MultiPolygon(
        gcj_mp
            .0
            .iter()
            .map(|p| {
                let ring = geo::LineString(
                    p.exterior()
                        .0
                        .iter()
                        .map(|c| {
                            let (lon, lat) = tudi_core::crs::china::gcj02_to_wgs84(c.x, c.y);
                            let (fx, fy) = tudi_core::crs::china::wgs84_to_gcj02(lon, lat);
                            assert!((fx - c.x).abs() < 1e-7 && (fy - c.y).abs() < 1e-7);
                            Coord { x: lon, y: lat }
                        })
                        .collect(),
                );
                Polygon::new(ring, vec![])
            })
            .collect(),
    );
    let reference = geographiclib_area(&back);
    assert!(
        (ours - reference).abs() / reference < 1e-6,
        "{ours} vs {reference}"
    );

    // Read as if it were WGS84, the district is 0.13 % too big.
    let raw = geographiclib_area(&gcj_mp);
    assert!((raw - ours) / ours > 1e-3, "{raw} vs {ours}");

    // The shared WGS84 copy was made with the one-step inverse: it lies
    // within 1–2 m of ours, and its area differs by 1.4e-5 (the one-step
    // error is not area-preserving).
    let one_step = read_boundary(&fixture("xiuzhou_330411_wgs84.geojson"));
    let g = Geodesic::wgs84();
    use geographiclib_rs::InverseGeodesic;
    for (ours, theirs) in back.0[0]
        .exterior()
        .0
        .iter()
        .zip(&one_step.0[0].exterior().0)
    {
        let residual: f64 = g.inverse(ours.y, ours.x, theirs.y, theirs.x);
        assert!(residual < 3.0, "{residual} m from the one-step conversion");
    }
    for (a, b) in gcj_mp.0[0].exterior().0.iter().zip(&back.0[0].exterior().0) {
        let shift: f64 = g.inverse(a.y, a.x, b.y, b.x);
        assert!((400.0..600.0).contains(&shift), "GCJ-02 shift {shift} m");
    }
    let one_step_area = geographiclib_area(&one_step);
    assert!((one_step_area - ours).abs() / ours < 2e-5);
}

/// `tudi area` on a file without a CRS suggests its own flag, not a key
/// of a project file the user of `area` does not have.
#[test]
fn a_file_without_a_crs_is_given_one_with_the_crs_flag() {
    let dir = scratch("area-no-crs");
    let path = dir.join("plan.shp");
    shapefile_without_prj(&path);
    let o = tudi(&["area", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("has no CRS") && err.contains("--crs EPSG:") && !err.contains("project file"),
        "{err}"
    );
}
