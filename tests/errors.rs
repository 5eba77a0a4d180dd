//! Bad input: each case gives a clear error naming the file, layer, feature
//! and field, exits 2, and leaves no output behind.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// Runs the hand-made district after `edit`: (exit code, stderr, output).
fn run_broken(name: &str, edit: impl FnOnce(&Path)) -> (i32, String, PathBuf) {
    run_edited("district", name, edit)
}

fn assert_clean_failure(code: i32, err: &str, out: &Path, needles: &[&str]) {
    assert_eq!(code, 2, "exit code; stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "'{n}' missing from: {err}");
    }
    assert!(!out.exists(), "no output on failure");
    let leftovers: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tudi-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folder left behind");
}

#[test]
fn missing_file() {
    let (code, err, out) = run_broken("missing-file", |d| {
        fs::remove_file(d.join("plan.geojson")).unwrap()
    });
    assert_clean_failure(code, &err, &out, &["plan.geojson", "file not found"]);
}

#[test]
fn unknown_layer_lists_the_layers_there_are() {
    let (code, err, out) = run_broken("unknown-layer", |d| {
        replace(
            &d.join("project.toml"),
            "path = \"parcels.geojson\"",
            "path = \"parcels.geojson\"\nlayer = \"DLTB\"",
        )
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "parcels.geojson",
            "layer DLTB",
            "no such layer",
            "the file has: parcels",
        ],
    );
}

#[test]
fn csv_without_crs() {
    let (code, err, out) = run_broken("no-crs", |d| {
        let p = d.join("project.toml");
        let text = fs::read_to_string(&p).unwrap();
        let text = text.replacen(
            "path = \"enterprises.csv\"\ncrs = \"EPSG:4549\"",
            "path = \"enterprises.csv\"",
            1,
        );
        fs::write(p, text).unwrap();
    });
    assert_clean_failure(code, &err, &out, &["enterprises.csv", "no CRS", "crs = "]);
}

#[test]
fn shapefile_without_prj_is_refused_not_guessed() {
    let (code, err, out) = run_broken("no-prj", |d| {
        shapefile_without_prj(&d.join("plan.shp"));
        let p = d.join("project.toml");
        let text = fs::read_to_string(&p).unwrap();
        fs::write(
            p,
            text.replacen(
                "path = \"plan.geojson\"\ncrs = \"EPSG:4549\"",
                "path = \"plan.shp\"",
                1,
            ),
        )
        .unwrap();
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "plan.shp",
            "layer plan",
            "has no CRS",
            "in the project file",
        ],
    );
}

#[test]
fn misspelt_field_lists_the_fields_there_are() {
    let (code, err, out) = run_broken("misspelt", |d| {
        replace(&d.join("project.toml"), "crs = \"EPSG:4549\"\n\n[layers.enterprises]", "crs = \"EPSG:4549\"\n[layers.parcels.fields]\nlanduse = \"DLBN\"\n\n[layers.enterprises]")
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "parcels.geojson",
            "field DLBN",
            "no field 'DLBN' (for landuse)",
            "DLBM",
        ],
    );
}

#[test]
fn missing_required_field() {
    let (code, err, out) = run_broken("missing-field", |d| {
        let p = d.join("enterprises.csv");
        let text = fs::read_to_string(&p)
            .unwrap()
            .replacen("revenue,", "turnover,", 1);
        fs::write(p, text).unwrap();
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &["enterprises.csv", "field revenue", "no field 'revenue'"],
    );
}

#[test]
fn non_numeric_revenue_names_the_row_and_field() {
    let (code, err, out) = run_broken("non-numeric", |d| {
        replace(&d.join("enterprises.csv"), ",C1713,5000,", ",C1713,五千,")
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "enterprises.csv",
            "feature 2",
            "field revenue",
            "not a number: '五千'",
        ],
    );
}

#[test]
fn invalid_polygon_is_reported_and_repaired_on_request() {
    // parcel 102 becomes a bow-tie
    let bow_tie = |d: &Path| {
        let path = d.join("parcels.geojson");
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let ring = v["features"][2]["geometry"]["coordinates"][0]
            .as_array_mut()
            .unwrap();
        ring.swap(2, 3);
        fs::write(&path, v.to_string()).unwrap();
    };
    let (code, err, out) = run_broken("invalid", bow_tie);
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "parcels.geojson",
            "feature 3 (id 102)",
            "invalid polygon",
            "repair = true",
        ],
    );

    let (code, err, out) = run_broken("repaired", |d| {
        bow_tie(d);
        replace(
            &d.join("project.toml"),
            "path = \"parcels.geojson\"",
            "path = \"parcels.geojson\"\nrepair = true",
        );
    });
    assert_eq!(code, 0, "{err}");
    let summary = json(&out.join("summary.json"));
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("feature 3 (id 102)") && warnings.contains("repaired"),
        "{warnings}"
    );
}

#[test]
fn empty_layer() {
    let (code, err, out) = run_broken("empty", |d| {
        fs::write(
            d.join("protected.geojson"),
            r#"{"type":"FeatureCollection","features":[]}"#,
        )
        .unwrap()
    });
    assert_clean_failure(code, &err, &out, &["protected.geojson", "no features"]);
}

#[test]
fn every_problem_is_listed_at_once() {
    let (code, err, out) = run_broken("many", |d| {
        fs::remove_file(d.join("plan.geojson")).unwrap();
        replace(&d.join("enterprises.csv"), ",C1713,5000,", ",C1713,abc,");
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &["2 problems", "plan.geojson", "not a number: 'abc'"],
    );
}

#[test]
fn wrong_crs_says_so() {
    // Gauss–Krüger metres read as longitude/latitude
    let (code, err, out) = run_broken("wrong-crs", |d| {
        let p = d.join("project.toml");
        let text = fs::read_to_string(&p).unwrap();
        fs::write(
            p,
            text.replacen(
                "path = \"parcels.geojson\"\ncrs = \"EPSG:4549\"",
                "path = \"parcels.geojson\"",
                1,
            ),
        )
        .unwrap();
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &["parcels.geojson", "outside China", "wrong CRS"],
    );
}

#[test]
fn unknown_predicate_in_project_file() {
    let (code, err, out) = run_broken("bad-rule", |d| {
        let p = d.join("project.toml");
        let mut text = fs::read_to_string(&p).unwrap();
        text.push_str("\n[[rules.target]]\nname = \"x\"\nall = [\"scatered_plot\"]\n");
        fs::write(p, text).unwrap();
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "project.toml",
            "unknown predicate 'scatered_plot'",
            "scattered_plot",
        ],
    );
}

#[test]
fn a_failed_run_keeps_the_previous_outputs() {
    let dir = scratch("keep");
    let out = dir.join("out");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("summary.json"), "previous").unwrap();
    let o = tudi(&[
        "run",
        "/nonexistent/project.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(out.join("summary.json")).unwrap(),
        "previous"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tudi(&["run"]).status.code(), Some(2));
    assert_eq!(tudi(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn check_lists_every_layer_or_every_problem() {
    let o = tudi(&["check", fixture("district/project.toml").to_str().unwrap()]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("parcels: 17 features, CRS EPSG:4549"), "{err}");
    assert!(err.contains("enterprises: 15 features"), "{err}");

    let dir = scratch("check-broken");
    for entry in fs::read_dir(fixture("district")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    fs::remove_file(dir.join("protected.geojson")).unwrap();
    replace(&dir.join("enterprises.csv"), ",\"D,D,D\",", ",\"D,E,D\",");
    let o = tudi(&["check", dir.join("project.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 problems") && err.contains("protected.geojson: file not found"),
        "{err}"
    );
    assert!(
        err.contains("feature 2, field grades: grades must be A, B, C or D"),
        "{err}"
    );
}

#[test]
fn duplicate_parcel_ids() {
    let (code, err, out) = run_broken("dup-id", |d| {
        replace(
            &d.join("parcels.geojson"),
            "\"BSM\": \"116\"",
            "\"BSM\": \"100\"",
        )
    });
    assert_clean_failure(
        code,
        &err,
        &out,
        &[
            "parcels.geojson",
            "field BSM",
            "id 100 is also used by feature 1",
        ],
    );
}
