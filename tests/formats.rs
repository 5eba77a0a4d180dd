//! The same hand-made district in the formats planners hand over — a GBK
//! Shapefile with its .prj and .cpg, FlatGeobuf, GeoPackage — must give
//! exactly the answers of the GeoJSON original.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, FieldValue, Geometry, LayerAccess, LayerOptions};
use gdal_sys::OGRFieldType;

/// Copies the fixture's parcels (Gauss–Krüger metres, no CRS in the file)
/// into `path` with GDAL's `driver`, declaring EPSG:4549.
fn convert_parcels(driver: &str, path: &Path, options: &[&str]) {
    let src = gdal::Dataset::open(fixture("district/parcels.geojson")).unwrap();
    let mut src_layer = src.layer(0).unwrap();
    let srs = SpatialRef::from_epsg(4549).unwrap();
    let mut dst = gdal::DriverManager::get_driver_by_name(driver)
        .unwrap()
        .create_vector_only(path)
        .unwrap();
    let layer = dst
        .create_layer(LayerOptions {
            name: "DLTB",
            srs: Some(&srs),
            ty: gdal_sys::OGRwkbGeometryType::wkbPolygon,
            options: Some(options),
        })
        .unwrap();
    let fields = ["BSM", "DLBM", "ZLDWDM", "ZLDWMC", "CZCSXM"];
    let mut defs: Vec<(&str, u32)> = fields
        .iter()
        .map(|f| (*f, OGRFieldType::OFTString))
        .collect();
    defs.push(("TBMJ", OGRFieldType::OFTReal));
    layer.create_defn_fields(&defs).unwrap();
    for f in src_layer.features() {
        let mut out = Feature::new(layer.defn()).unwrap();
        for (i, name) in fields.iter().enumerate() {
            let v = f.field(f.field_index(name).unwrap()).unwrap().unwrap();
            out.set_field(i, &v).unwrap();
        }
        let tbmj = f.field(f.field_index("TBMJ").unwrap()).unwrap().unwrap();
        out.set_field(5, &FieldValue::RealValue(tbmj.into_real().unwrap()))
            .unwrap();
        let wkb = f.geometry().unwrap().wkb().unwrap();
        out.set_geometry(Geometry::from_wkb(&wkb).unwrap()).unwrap();
        out.create(&layer).unwrap();
    }
}

/// Runs the district with its parcels converted; returns (data folder,
/// output folder).
fn run_with_parcels(name: &str, driver: &str, file: &str, options: &[&str]) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    for entry in fs::read_dir(fixture("district")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    convert_parcels(driver, &dir.join(file), options);
    let project = dir.join("project.toml");
    let text = fs::read_to_string(&project).unwrap().replacen(
        "path = \"parcels.geojson\"\ncrs = \"EPSG:4549\"",
        &format!("path = \"{file}\""),
        1,
    );
    fs::write(&project, text).unwrap();
    let out = run_ok(&project, &format!("{name}-run"));
    (dir, out)
}

fn assert_same_answers(a: &Path, b: &Path) {
    let summary = |d: &Path| {
        let mut v = json(&d.join("summary.json"));
        v.as_object_mut().unwrap().remove("warnings");
        v
    };
    assert_eq!(summary(a), summary(b));
    for f in [
        "scattered_parcels.geojson",
        "blocks.geojson",
        "enterprises.geojson",
        "targets.csv",
    ] {
        let text = |d: &Path| fs::read_to_string(d.join(f)).unwrap();
        assert!(text(a) == text(b), "{f} differs");
    }
}

#[test]
fn gbk_shapefile_gives_the_same_answers() {
    let reference = run_ok(&fixture("district/project.toml"), "fmt-ref");
    let (dir, out) = run_with_parcels(
        "fmt-shp",
        "ESRI Shapefile",
        "parcels.shp",
        &["ENCODING=GBK"],
    );
    // the .dbf really holds GBK: 东村 is B6 AB B4 E5
    let dbf = fs::read(dir.join("parcels.dbf")).unwrap();
    assert!(
        dbf.windows(4).any(|w| w == [0xB6, 0xAB, 0xB4, 0xE5]),
        "GBK bytes in the .dbf"
    );
    assert_eq!(
        fs::read_to_string(dir.join("parcels.cpg")).unwrap().trim(),
        "GBK"
    );
    assert_same_answers(&reference, &out);
    let scattered = fs::read_to_string(out.join("scattered_parcels.geojson")).unwrap();
    assert!(scattered.contains("东村"), "village names decoded from GBK");
}

#[test]
fn flatgeobuf_and_geopackage_give_the_same_answers() {
    let reference = run_ok(&fixture("district/project.toml"), "fmt-ref2");
    // FlatGeobuf's spatial index reorders the features: outputs must not
    // depend on input order
    let (_, fgb) = run_with_parcels("fmt-fgb", "FlatGeobuf", "parcels.fgb", &[]);
    assert_same_answers(&reference, &fgb);
    let (_, gpkg) = run_with_parcels("fmt-gpkg", "GPKG", "parcels.gpkg", &[]);
    assert_same_answers(&reference, &gpkg);
}
