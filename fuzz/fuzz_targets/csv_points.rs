//! A CSV ledger with coordinate columns as the CSV reader reads it. The
//! first byte picks the layer's settings (encoding, CRS or CRS column);
//! the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tudi_read::{FieldRequest, Source};

#[global_allocator]
static ALLOC: tudi_fuzz::Limited = tudi_fuzz::Limited;

fuzz_target!(|data: &[u8]| {
    let Some((&setting, file)) = data.split_first() else {
        return;
    };
    let source = Source {
        path: "fuzz/enterprises.csv".into(),
        crs: (setting & 1 == 0).then(|| "EPSG:4490".into()),
        crs_field: (setting & 2 != 0).then(|| "coord_sys".into()),
        encoding: match (setting >> 2) % 3 {
            0 => None,
            1 => Some("gbk".into()),
            _ => Some("utf-8".into()),
        },
        ..Default::default()
    };
    let fields: Vec<FieldRequest> = ["credit_code", "name", "revenue", "status"]
        .iter()
        .map(|n| FieldRequest {
            name: n.to_string(),
            key: "test",
            required: setting & 32 != 0 && *n == "name",
            ..FieldRequest::default()
        })
        .collect();
    if let Ok(features) = tudi_read::fuzz::csv(&source, file, &fields) {
        for f in features.iter().flatten() {
            assert_eq!(f.values.len(), fields.len());
            let g = f.geometry.as_ref().expect("a CSV row is a point");
            tudi_fuzz::check_vertices(g, file.len(), 3);
            tudi_fuzz::check_in_china(g);
        }
    }
});
