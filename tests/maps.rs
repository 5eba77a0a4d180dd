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
        (Some(other), _) => panic!("unexpected {other:?}"),
    }
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
        let mut lyr = ds.layer_by_name(layer).unwrap();
        assert_eq!(Some(lyr.feature_count()), count.as_u64(), "{layer}");
        assert_eq!(lyr.spatial_ref().unwrap().auth_code().unwrap(), 4490);
        let features = json(&out.join(geojson));
        let features = features["features"].as_array().unwrap();
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
