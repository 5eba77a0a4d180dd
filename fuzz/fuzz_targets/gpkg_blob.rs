//! A GeoPackage geometry blob (header, envelope, WKB) as the direct
//! GeoPackage reader decodes each row's geometry.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: tudi_fuzz::Limited = tudi_fuzz::Limited;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(g)) = tudi_read::fuzz::gpkg_geometry(data) {
        tudi_fuzz::check_vertices(&g, data.len(), 8);
        tudi_fuzz::transform_each_way(&g);
    }
});
