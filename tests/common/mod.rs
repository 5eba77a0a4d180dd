//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tudi-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn tudi(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tudi"))
        .args(args)
        .output()
        .expect("tudi runs")
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs a project into a fresh folder and returns that folder.
pub fn run_ok(project: &Path, name: &str) -> PathBuf {
    let out = scratch(name).join("out");
    let o = tudi(&[
        "run",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        o.status.success(),
        "tudi run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
