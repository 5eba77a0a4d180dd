//! Polygon validity at scale: a zone of a million vertices is checked in
//! seconds (the pairwise check took 58 s at 300 000 and over 4 minutes with
//! one crossing), and a single crossing among them is found and placed.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// A band winding 40 times around a point of the district, out along one
/// side and back along the other: `n` vertices, simple, and any line
/// through it crosses it some 160 times.
fn spiral(n: usize) -> Vec<[f64; 2]> {
    let (cx, cy, reach, turns) = (120.70, 30.78, 0.004, 40.0);
    let half = n / 2;
    let at = |k: usize, side: f64| {
        let t = k as f64 / half as f64 * turns;
        let r = reach * (0.05 + (t + side * 0.5) / turns);
        let a = t * std::f64::consts::TAU;
        [cx + r * a.cos(), cy + r * a.sin()]
    };
    (0..half)
        .map(|k| at(k, 0.0))
        .chain((0..half).rev().map(|k| at(k, 1.0)))
        .collect()
}

/// Adds a protected zone with this ring to the copy in `dir`.
fn add_zone(dir: &Path, ring: &[[f64; 2]]) {
    let path = dir.join("protected.geojson");
    let text = fs::read_to_string(&path).unwrap();
    let mut coords = String::with_capacity(ring.len() * 40);
    for p in ring.iter().chain(&ring[..1]) {
        write!(coords, "[{},{}],", p[0], p[1]).unwrap();
    }
    coords.pop();
    let feature = format!(
        r#"{{"type":"Feature","properties":{{"kind":"永久基本农田","name":"螺旋保护片"}},"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}"#
    );
    let end = text.rfind(']').unwrap();
    fs::write(
        &path,
        format!("{},\n{feature}{}", &text[..end], &text[end..]),
    )
    .unwrap();
}

fn check(dir: &Path) -> (i32, String, Duration) {
    let t = Instant::now();
    let o = tudi(&["check", dir.join("project.toml").to_str().unwrap()]);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        t.elapsed(),
    )
}

/// A million in release; a debug build reads and checks slower by some
/// tenfold, so it takes 300 000 (the pairwise check took minutes even so).
const N: usize = if cfg!(debug_assertions) {
    300_000
} else {
    1_000_000
};

/// Far above the n log n check's time (under 2 s in release at a million,
/// some 4 s in debug at 300 000), far below the pairwise check's.
const BOUND: Duration = Duration::from_secs(120);

#[test]
fn a_zone_of_a_million_vertices_is_checked_in_seconds() {
    // valid: the whole check, reading included, in seconds
    let dir = sample("spiral-valid", |_| {});
    add_zone(&dir, &spiral(N));
    let (code, err, took) = check(&dir);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no problems found"), "{err}");
    assert!(
        took < BOUND,
        "valid {N}-vertex zone: tudi check took {took:?}"
    );

    // one crossing, near the end of the ring: two vertices swapped
    let dir = sample("spiral-crossing", |_| {});
    let mut ring = spiral(N);
    ring.swap(N - 100, N - 99);
    add_zone(&dir, &ring);
    let (code, err, took) = check(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        took < BOUND,
        "{N}-vertex zone with a crossing: took {took:?}"
    );
    for needle in ["protected.geojson", "feature 27", "invalid polygon"] {
        assert!(err.contains(needle), "'{needle}' missing from: {err}");
    }
    // placed between the two swapped vertices
    let at: Vec<f64> = err
        .split("the exterior ring crosses itself at (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no crossing in: {err}"))
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    let (a, b) = (ring[N - 100], ring[N - 99]);
    for k in 0..2 {
        assert!(
            a[k].min(b[k]) <= at[k] && at[k] <= a[k].max(b[k]),
            "{at:?} not between {a:?} and {b:?}"
        );
    }
}
