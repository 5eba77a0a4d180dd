//! A project file (TOML) as `tudi run` reads and validates it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: tudi_fuzz::Limited = tudi_fuzz::Limited;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tudi_core::config::Project::parse(text, std::path::Path::new("fuzz/project.toml"));
    }
});
