//! What the fuzz targets share: an allocator that refuses runaway
//! requests, and checks on what the readers give back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use geo::{CoordsIter, Geometry};
use tudi_read::crs::{Crs, Transform};
use tudi_read::to_cgcs2000;

/// Inputs are at most 64 KiB (scripts/fuzz passes -max_len); a reader that
/// asks for more than this at once, or holds more than `MAX_LIVE` in all,
/// is running away (a claimed count believed before the bytes are there).
/// Refusing the request aborts through Rust's allocation-failure path,
/// which libFuzzer reports as a crash with the input; its own
/// -malloc_limit_mb needs a sanitizer's malloc hooks, which a stable
/// toolchain build lacks.
const MAX_ONE: usize = 64 << 20;
const MAX_LIVE: usize = 512 << 20;

pub struct Limited;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc(layout);
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc_zeroed(layout);
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && !reserve(new_size - layout.size()) {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        if p.is_null() {
            if new_size > layout.size() {
                LIVE.fetch_sub(new_size - layout.size(), Ordering::Relaxed);
            }
        } else if new_size < layout.size() {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        p
    }
}

fn reserve(size: usize) -> bool {
    if size > MAX_ONE {
        return false;
    }
    let before = LIVE.fetch_add(size, Ordering::Relaxed);
    if before + size > MAX_LIVE {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    true
}

/// A geometry read from `len` input bytes holds at most one vertex per
/// `per_vertex` of them: more would be vertices the input does not have.
/// (WKB: 16 bytes a vertex, but a 20-byte ring of one gains a closing
/// vertex, so 8; JSON: `[1,2]` and its comma, less for closing, so 4.)
pub fn check_vertices(g: &Geometry<f64>, len: usize, per_vertex: usize) {
    let n = g.coords_count();
    assert!(n <= len / per_vertex, "{n} vertices from {len} bytes");
}

/// What a reader gives back, brought to CGCS2000: finite, in China.
pub fn check_in_china(g: &Geometry<f64>) {
    for c in g.coords_iter() {
        assert!(Transform::check_bounds(c).is_ok(), "vertex {c:?}");
    }
}

/// The geometry brought to CGCS2000 from each kind of CRS, as the readers
/// do after parsing (WKB holds any f64: NaN, infinities, 1e308).
pub fn transform_each_way(g: &Geometry<f64>) {
    static CRSS: OnceLock<Vec<Crs>> = OnceLock::new();
    let crss = CRSS.get_or_init(|| {
        ["EPSG:4490", "gcj02", "bd09", "EPSG:4527"]
            .iter()
            .map(|c| Crs::parse(c).expect("a CRS tudi knows"))
            .collect()
    });
    for crs in crss {
        let mut g = g.clone();
        if to_cgcs2000(&mut g, crs).is_ok() {
            check_in_china(&g);
        }
    }
}
