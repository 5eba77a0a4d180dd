//! A GeoJSON file as the direct GeoJSON reader reads it. The first byte
//! picks the layer's settings (CRS given or the file's, fields required or
//! not); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use tudi_read::{FieldRequest, Source};

#[derive(serde::Deserialize)]
struct Collection {
    r#type: String,
    features: Vec<IgnoredAny>,
}

#[global_allocator]
static ALLOC: tudi_fuzz::Limited = tudi_fuzz::Limited;

fuzz_target!(|data: &[u8]| {
    let Some((&setting, file)) = data.split_first() else {
        return;
    };
    let source = Source {
        path: "fuzz/layer.geojson".into(),
        crs: match setting % 3 {
            0 => None,
            1 => Some("EPSG:4527".into()),
            _ => Some("gcj02".into()),
        },
        ..Default::default()
    };
    let fields: Vec<FieldRequest> = ["name", "BSM", "TBMJ", "opened", "n"]
        .iter()
        .map(|n| FieldRequest {
            name: n.to_string(),
            key: "test",
            required: setting & 4 != 0 && *n == "name",
            ..FieldRequest::default()
        })
        .collect();
    let Some(Ok(features)) = tudi_read::fuzz::geojson(&source, file, &fields) else {
        return;
    };
    // What the reader takes must be JSON (its grammar, checked by
    // serde_json, which skips what it ignores without parsing numbers: a
    // Z of 1e9999 is still JSON), a FeatureCollection with as many features
    // as it read, each value a field asked for.
    // The file as the reader decodes it: UTF-8 (after a BOM), else GB18030,
    // where a lead byte can take a `\` as its second byte.
    let bytes = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0,
    };
    let json: Collection =
        serde_json::from_str(&text).expect("the reader took text that is not JSON");
    assert_eq!(json.r#type, "FeatureCollection");
    assert_eq!(json.features.len(), features.len());
    for f in features.iter().flatten() {
        assert_eq!(f.values.len(), fields.len());
        if let Some(g) = &f.geometry {
            tudi_fuzz::check_vertices(g, file.len(), 4);
            tudi_fuzz::check_in_china(g);
        }
    }
});
