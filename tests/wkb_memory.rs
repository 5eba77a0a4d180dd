//! WKB that claims more items than it has bytes for is refused before
//! anything is allocated for the claim (issue 11, found by fuzzing: a
//! 93-byte polygon claiming 16 777 217 rings asked for 400 MB).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Records the largest single request; the system allocator does the rest.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// A claim of `n` items (rings of a polygon, parts of a multi or a
/// collection) followed by an empty first item and too few bytes for more.
fn claim(code: u32, n: u32) -> Vec<u8> {
    let mut b = vec![1u8];
    b.extend(code.to_le_bytes());
    b.extend(n.to_le_bytes());
    b.extend([0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0]);
    b
}

// One test in this file, so no other test's allocations are counted.
#[test]
fn claimed_counts_allocate_nothing_for_the_claim() {
    for n in [0x0100_0001, u32::MAX] {
        // polygon, polygon Z, multipoint, multipolygon, collection
        for code in [3, 1003, 4, 6, 7] {
            let wkb = claim(code, n);
            LARGEST.store(0, Ordering::Relaxed);
            assert!(tudi_read::wkb::parse(&wkb).is_err());
            let largest = LARGEST.load(Ordering::Relaxed);
            assert!(
                largest < 4096,
                "type {code}, {n} claimed: {largest} bytes asked"
            );
        }
    }
}
