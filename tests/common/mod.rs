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

/// A copy of the sample district (data/) in a fresh scratch folder, with
/// `edit` applied; returns the folder.
pub fn sample(name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let dir = scratch(name);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for entry in std::fs::read_dir(data).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    edit(&dir);
    dir
}

/// Runs a project into a fresh folder and returns that folder.
pub fn run_ok(project: &Path, name: &str) -> PathBuf {
    run_ok_with(project, name, &[])
}

/// [`run_ok`] with more arguments (`--county 330402`).
pub fn run_ok_with(project: &Path, name: &str, more: &[&str]) -> PathBuf {
    run_ok_stderr(project, name, more).0
}

/// [`run_ok_with`], and what the run said on stderr.
pub fn run_ok_stderr(project: &Path, name: &str, more: &[&str]) -> (PathBuf, String) {
    let out = scratch(name).join("out");
    let mut args = vec![
        "run",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(more);
    let o = tudi(&args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "tudi run failed: {err}");
    (out, err)
}

/// Every file of a folder (not its hidden entries) and its bytes.
pub fn contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// Copies the fixture folder `fixture_dir` into a scratch folder, applies
/// `edit` to the copy, runs `tudi run` on its project.toml, and returns
/// (exit code, stderr, output folder).
pub fn run_edited(
    fixture_dir: &str,
    name: &str,
    edit: impl FnOnce(&Path),
) -> (i32, String, PathBuf) {
    let dir = scratch(name);
    for entry in std::fs::read_dir(fixture(fixture_dir)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    edit(&dir);
    run_in(&dir)
}

/// `tudi run` on a folder's project.toml into its `out/`: (exit code,
/// stderr, output folder).
pub fn run_in(dir: &Path) -> (i32, String, PathBuf) {
    let out = dir.join("out");
    let o = tudi(&[
        "run",
        dir.join("project.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        out,
    )
}

/// Replaces every `from` in a file, which must hold it.
pub fn replace_all(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Replaces the first `from` in a file, which must hold it.
pub fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A one-polygon Shapefile in Gauss–Krüger metres with no `.prj`: a
/// layer whose CRS nobody gave.
pub fn shapefile_without_prj(path: &Path) {
    use gdal::vector::{LayerAccess, LayerOptions};
    let driver = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").unwrap();
    let mut ds = driver.create_vector_only(path).unwrap();
    let name = path.file_stem().unwrap().to_str().unwrap();
    let mut layer = ds
        .create_layer(LayerOptions {
            name,
            ty: gdal_sys::OGRwkbGeometryType::wkbPolygon,
            ..Default::default()
        })
        .unwrap();
    let g = gdal::vector::Geometry::from_wkt(
        "POLYGON((520000 3400000,521000 3400000,521000 3400600,520000 3400000))",
    )
    .unwrap();
    layer.create_feature(g).unwrap();
}

/// A CSV output's rows (BOM and all), as text by column name.
pub fn csv_table(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    r.records()
        .map(|row| {
            header
                .iter()
                .cloned()
                .zip(row.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}
