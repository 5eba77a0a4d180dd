//! WKB as GDAL hands it over and the GeoPackage reader finds it in a blob.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: tudi_fuzz::Limited = tudi_fuzz::Limited;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = tudi_read::wkb::parse(data) {
        tudi_fuzz::check_vertices(&g, data.len(), 8);
        tudi_fuzz::transform_each_way(&g);
    }
});
