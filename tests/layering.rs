//! The architecture holds: dependencies point one way (core ← read,
//! core ← write, CLI on top), the core links no system library, and the
//! analyses do no I/O and read no clock (ARCHITECTURE.md, "Invariants").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// Every package each workspace crate reaches through normal (not dev or
/// build) dependencies, by name; and the names of packages that link a
/// native library (`links` in their manifest, and named `*-sys`: rayon-core
/// uses `links` only to stay one copy).
fn closures() -> (BTreeMap<String, BTreeSet<String>>, BTreeSet<String>) {
    // this machine's platform only: the others' crates need not be fetched
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    let host = String::from_utf8(rustc.stdout).unwrap();
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_string();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let native: BTreeSet<String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["links"].is_string() && p["name"].as_str().unwrap().ends_with("-sys"))
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let mut normal: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"].as_array().unwrap().iter().filter(|d| {
            d["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null())
        });
        normal.insert(
            node["id"].as_str().unwrap(),
            deps.map(|d| d["pkg"].as_str().unwrap()).collect(),
        );
    }
    let mut closures = BTreeMap::new();
    for id in meta["workspace_members"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        let mut seen = BTreeSet::new();
        let mut todo = normal[id].clone();
        while let Some(d) = todo.pop() {
            if seen.insert(d) {
                todo.extend(normal[d].iter().copied());
            }
        }
        closures.insert(
            name_of[id].to_string(),
            seen.into_iter().map(|d| name_of[d].to_string()).collect(),
        );
    }
    (closures, native)
}

#[test]
fn dependencies_point_one_way_and_the_core_links_no_system_library() {
    let (closures, native) = closures();
    let reaches = |from: &str, to: &str| closures[from].contains(to);
    // the core builds without GDAL, SQLite or any other native library
    let core_native: Vec<&String> = closures["tudi-core"].intersection(&native).collect();
    assert!(core_native.is_empty(), "tudi-core links {core_native:?}");
    assert!(native.contains("gdal-sys"), "the check sees native crates");
    for (from, to) in [
        ("tudi-core", "tudi-read"),
        ("tudi-core", "tudi-write"),
        ("tudi-core", "tudi-synth"),
        ("tudi-read", "tudi-write"),
        ("tudi-read", "tudi-synth"),
        ("tudi-write", "tudi-read"),
        ("tudi-write", "tudi-synth"),
    ] {
        assert!(!reaches(from, to), "{from} depends on {to}");
    }
    for (from, to) in [
        ("tudi-read", "tudi-core"),
        ("tudi-write", "tudi-core"),
        ("tudi", "tudi-read"),
        ("tudi", "tudi-write"),
    ] {
        assert!(reaches(from, to), "{from} should depend on {to}");
    }
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

#[test]
fn the_analyses_do_no_io_and_read_no_clock() {
    let mut files = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/tudi-core/src");
    sources(&root.join("analysis"), &mut files);
    for f in ["outcome.rs", "index.rs", "geodesy.rs"] {
        files.push((f.into(), std::fs::read_to_string(root.join(f)).unwrap()));
    }
    assert!(files.len() > 10, "the analyses are where this test looks");
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "File::",
        "println!",
        "eprintln!",
        "print!(",
        "today()",
        "SystemTime",
    ];
    for (path, text) in &files {
        // unit tests may read their fixtures
        let code = text.split("#[cfg(test)]").next().unwrap();
        for f in forbidden {
            assert!(!code.contains(f), "{path} uses {f}");
        }
    }
}
