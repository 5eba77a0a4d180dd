//! tudi.gpkg and tudi.qgs of a run on the hand-made district: the
//! GeoPackage holds the GeoJSON outputs' features with the same values,
//! booleans as booleans, and its styles; the project opens it.

mod common;

use common::*;
use gdal::vector::{FieldValue, LayerAccess};
use serde_json::Value;

fn as_json(v: Option<FieldValue>, want: &Value) -> Value {
    match (v, want) {
        (None, _) => Value::Null,
        (Some(FieldValue::IntegerValue(i)), Value::Bool(_)) => Value::Bool(i != 0),
        (Some(FieldValue::IntegerValue(i)), _) => i.into(),
        (Some(FieldValue::Integer64Value(i)), _) => i.into(),
        (Some(FieldValue::RealValue(r)), _) => serde_json::Number::from_f64(r).unwrap().into(),
        (Some(FieldValue::StringValue(s)), Value::Array(_)) => Value::Array(
            s.split(';')
                .filter(|g| !g.is_empty())
                .map(|g| g.into())
                .collect(),
        ),
        (Some(FieldValue::StringValue(s)), _) => s.into(),
        (Some(FieldValue::DateValue(d)), _) => d.to_string().into(),
        (Some(other), _) => panic!("unexpected {other:?}"),
    }
}

/// Every feature of `layer` in the GeoPackage has its GeoJSON twin's
/// values, in the same order.
fn same_as_geojson(
    ds: &gdal::Dataset,
    out: &std::path::Path,
    layer: &str,
    geojson: &str,
    count: &Value,
) {
    let mut lyr = ds.layer_by_name(layer).unwrap();
    assert_eq!(Some(lyr.feature_count()), count.as_u64(), "{layer}");
    assert_eq!(lyr.spatial_ref().unwrap().auth_code().unwrap(), 4490);
    let features = json(&out.join(geojson));
    let features = features["features"].as_array().unwrap();
    assert_eq!(features.len() as u64, lyr.feature_count(), "{layer}");
    for (f, g) in lyr.features().zip(features) {
        for (key, want) in g["properties"].as_object().unwrap() {
            let idx = f.field_index(key).unwrap();
            let got = as_json(f.field(idx).unwrap(), want);
            let same = match (&got, want) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                _ => &got == want,
            };
            assert!(same, "{layer} {key}: {got} != {want}");
        }
    }
}

#[test]
fn parks_vacated_land_and_low_density_parcels_are_in_the_geopackage_too() {
    let out = run_ok(&fixture("land/project.toml"), "maps-land");
    let s = json(&out.join("summary.json"));
    let ds = gdal::Dataset::open(out.join("tudi.gpkg")).unwrap();
    same_as_geojson(&ds, &out, "parks", "parks.geojson", &s["parks"]["count"]);
    same_as_geojson(
        &ds,
        &out,
        "vacated",
        "vacated.geojson",
        &s["vacated"]["records"],
    );
    same_as_geojson(
        &ds,
        &out,
        "vacated_blocks",
        "vacated_blocks.geojson",
        &s["vacated"]["blocks"],
    );
    same_as_geojson(
        &ds,
        &out,
        "low_density_parcels",
        "low_density_parcels.geojson",
        &s["far"]["low_density_parcels"],
    );
    same_as_geojson(
        &ds,
        &out,
        "enterprises",
        "enterprises.geojson",
        &s["enterprises"]["count"],
    );
    let mut towns = ds.layer_by_name("townships").unwrap();
    let got: Vec<(String, f64)> = towns
        .features()
        .map(|f| {
            (
                f.field_as_string(f.field_index("name").unwrap())
                    .unwrap()
                    .unwrap(),
                f.field_as_double(f.field_index("vacated_gross_mu").unwrap())
                    .unwrap()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("新城街道".to_string(), 69.75),
            ("塘汇街道".to_string(), 19.8)
        ]
    );
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let styles: i64 = db
        .query_row(
            "SELECT count(*) FROM layer_styles WHERE f_table_name = 'vacated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(styles, 2, "by status (default) and by check");
    let defaults: Vec<String> = db
        .prepare("SELECT f_table_name || ':' || styleName FROM layer_styles WHERE useAsDefault ORDER BY fid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        defaults,
        [
            "enterprises:disposition",
            "parks:far",
            "vacated:status",
            "vacated_blocks:effective",
            "scattered_parcels:scattered",
            "low_density_parcels:low_density",
            "blocks:scattered",
            "townships:outline",
        ]
    );
}

#[test]
fn the_geopackage_holds_every_output_layer_with_the_geojson_values() {
    let out = run_ok(&fixture("district/project.toml"), "maps");
    let summary = json(&out.join("summary.json"));
    let ds = gdal::Dataset::open(out.join("tudi.gpkg")).unwrap();
    for (layer, geojson, count) in [
        (
            "enterprises",
            "enterprises.geojson",
            &summary["enterprises"]["count"],
        ),
        (
            "scattered_parcels",
            "scattered_parcels.geojson",
            &summary["scattered"]["parcels"],
        ),
        ("blocks", "blocks.geojson", &summary["blocks"]["count"]),
    ] {
        same_as_geojson(&ds, &out, layer, geojson, count);
    }
    // each layer has its default style
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let styled: Vec<(String, String)> = db
        .prepare("SELECT f_table_name, styleName FROM layer_styles WHERE useAsDefault ORDER BY fid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let styled: Vec<(&str, &str)> = styled
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        styled,
        [
            ("enterprises", "disposition"),
            ("scattered_parcels", "scattered"),
            ("blocks", "scattered")
        ]
    );
    let qgs = std::fs::read_to_string(out.join("tudi.qgs")).unwrap();
    for layer in ["enterprises", "scattered_parcels", "blocks"] {
        assert!(qgs.contains(&format!(
            "<datasource>./tudi.gpkg|layername={layer}</datasource>"
        )));
    }
    // Gauss–Krüger zone 40 without prefix: the fixture lies near 120°E
    assert!(qgs.contains("<authid>EPSG:4549</authid>"));
}
