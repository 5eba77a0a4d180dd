//! Layers that load but disagree (issue 11, "never end silently wrong"): a
//! CRS of the wrong Gauss–Krüger zone, layers off the parcels, TBMJ in
//! other units stop the run with exit 2 and a message that names the
//! layer, what was seen and the likely fix; duplicate credit codes are
//! warned about and counted once. Each case edits a copy of the sample in
//! data/.

mod common;

use std::fs;
use std::path::Path;

use common::{json, replace, sample, tudi};
use serde_json::Value;

/// `tudi <command>` on the copy's project: (exit code, stderr).
fn tudi_on(dir: &Path, command: &str) -> (i32, String) {
    let project = dir.join("project.toml");
    let out = dir.join("out");
    let args = match command {
        "run" => vec![
            "run",
            project.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        _ => vec![command, project.to_str().unwrap()],
    };
    let o = tudi(&args);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Both `tudi check` and `tudi run` stop with exit 2, leaving no output,
/// and say every one of `needles`.
fn assert_refused(dir: &Path, needles: &[&str]) {
    for command in ["check", "run"] {
        let (code, err) = tudi_on(dir, command);
        assert_eq!(code, 2, "{command}: {err}");
        for n in needles {
            assert!(err.contains(n), "{command}: '{n}' not in: {err}");
        }
    }
    assert!(!dir.join("out").exists());
}

/// Moves every coordinate of a GeoJSON file by `dlon` degrees.
fn shift_geojson(path: &Path, dlon: f64) {
    fn shift(v: &mut Value, dlon: f64) {
        match v {
            Value::Array(a) if a.first().is_some_and(Value::is_number) => {
                a[0] = (a[0].as_f64().unwrap() + dlon).into();
            }
            Value::Array(a) => a.iter_mut().for_each(|c| shift(c, dlon)),
            _ => {}
        }
    }
    let mut g = json(path);
    for f in g["features"].as_array_mut().unwrap() {
        shift(&mut f["geometry"]["coordinates"], dlon);
    }
    fs::write(path, g.to_string()).unwrap();
}

/// The enterprise ledger's rows (header first), the BOM dropped.
fn ledger(dir: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(dir.join("enterprises.csv")).unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn write_ledger(dir: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(dir.join("enterprises.csv")).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
}

#[test]
fn a_neighbouring_zone_is_refused_naming_the_zone_of_the_prefix() {
    // the case: zone-40 parcels under zone 39 landed in the sea
    let dir = sample("zone39", |d| {
        replace(
            &d.join("project.toml"),
            "layer = \"DLTB\"",
            "layer = \"DLTB\"\ncrs = \"EPSG:4527\"",
        )
    });
    assert_refused(
        &dir,
        &["parcels.gpkg", "zone prefix 40", "zone 39", "EPSG:4528"],
    );
}

#[test]
fn a_crs_without_prefix_on_prefixed_eastings_is_refused() {
    // EPSG:4549 is zone 40 without prefix; the sample's eastings carry one
    let dir = sample("noprefix", |d| {
        replace(
            &d.join("project.toml"),
            "layer = \"DLTB\"",
            "layer = \"DLTB\"\ncrs = \"EPSG:4549\"",
        )
    });
    assert_refused(&dir, &["parcels.gpkg", "zone without prefix", "EPSG:4528"]);
}

#[test]
fn enterprises_in_a_wrong_crs_are_refused_naming_the_layer() {
    // the ledger in zone-40 metres without prefix, declared zone 39
    // (117°E): every firm lands 300 km west, still in China
    let zone40 = tudi_core::crs::tm::TransverseMercator::gauss_kruger_3deg(40, false);
    let dir = sample("ent-crs", |d| {
        let mut rows = ledger(d);
        let (lon, lat) = (8, 9);
        assert_eq!(
            (rows[0][lon].as_str(), rows[0][lat].as_str()),
            ("lon", "lat")
        );
        for r in &mut rows[1..] {
            let (x, y) = zone40.forward(r[lon].parse().unwrap(), r[lat].parse().unwrap());
            (r[lon], r[lat]) = (format!("{x:.2}"), format!("{y:.2}"));
        }
        write_ledger(d, &rows);
        replace(
            &d.join("project.toml"),
            "crs = \"EPSG:4490\"",
            "crs = \"EPSG:4548\"",
        );
        replace(&d.join("project.toml"), "crs_field = \"coord_sys\"", "");
    });
    assert_refused(
        &dir,
        &[
            "enterprises.csv",
            "600 of 600 enterprises lie outside the parcels' extent",
            "EPSG:4548",
            "x/y swapped",
        ],
    );
}

#[test]
fn enterprises_with_swapped_lon_lat_are_refused_naming_the_layer() {
    let dir = sample("ent-swap", |d| {
        replace(
            &d.join("project.toml"),
            "x = \"lon\"\ny = \"lat\"",
            "x = \"lat\"\ny = \"lon\"",
        );
    });
    assert_refused(&dir, &["enterprises.csv", "swapped x/y"]);
}

#[test]
fn a_boundary_far_away_is_refused() {
    // the district outline 1.5° (140 km) east of the parcels
    let dir = sample("boundary", |d| {
        shift_geojson(&d.join("xiuzhou_boundary.geojson"), 1.5)
    });
    assert_refused(
        &dir,
        &[
            "xiuzhou_boundary.geojson",
            "the boundary layer (122.",
            "does not overlap the parcels' extent (120.",
        ],
    );
}

#[test]
fn official_areas_in_other_units_are_refused() {
    // TBMJ multiplied by 15 (hectares read as mu): no parcel agrees
    let dir = sample("tbmj", |d| {
        let ds = gdal::Dataset::open_ex(
            d.join("parcels.gpkg"),
            gdal::DatasetOptions {
                open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE
                    | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
                ..Default::default()
            },
        )
        .unwrap();
        ds.execute_sql(
            "UPDATE DLTB SET TBMJ = TBMJ * 15",
            None,
            gdal::vector::sql::Dialect::DEFAULT,
        )
        .unwrap();
    });
    assert_refused(
        &dir,
        &[
            "parcels.gpkg, layer DLTB, field TBMJ",
            "6000 of 6000 parcels (100.0%) differ from their official area",
            "median ratio measured/official is 0.0667",
        ],
    );
}

#[test]
fn a_firm_listed_twice_is_warned_about_and_counted_once() {
    let base = sample("dup-base", |_| {});
    assert_eq!(tudi_on(&base, "run").0, 0);
    let before = json(&base.join("out/summary.json"));
    // the ledger's first target, listed again under another name
    let ents = json(&base.join("out/enterprises.geojson"));
    let first = ents["features"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["properties"]["target"] == true)
        .unwrap();
    let rows = ledger(&base);
    let (feature, name) = (first + 1, rows[first + 1][1].clone());
    let dir = sample("dup", |d| {
        let mut rows = rows.clone();
        let mut again = rows[feature].clone();
        again[1] = format!("{name}（二）");
        rows.push(again);
        write_ledger(d, &rows);
    });
    let dup = rows.len();
    let warning = format!(
        "feature {dup} ({name}（二）), field credit_code: credit code {} is also on feature {feature} ({name})",
        rows[feature][0]
    );
    let (code, err) = tudi_on(&dir, "check");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&warning), "{warning} not in {err}");
    assert_eq!(tudi_on(&dir, "run").0, 0);
    let after = json(&dir.join("out/summary.json"));
    assert!(
        after["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(&warning)),
        "{}",
        after["warnings"]
    );
    // one more row, the same targets, dispositions and achievements
    assert_eq!(after["enterprises"]["count"], 601);
    for key in ["targets", "by_group", "by_disposition"] {
        assert_eq!(
            after["enterprises"][key], before["enterprises"][key],
            "{key}"
        );
    }
    assert_eq!(after["targets"], before["targets"]);
    // both rows marked where a planner looks
    let ents = json(&dir.join("out/enterprises.geojson"));
    let props = |k: usize| &ents["features"][k - 1]["properties"];
    assert_eq!(props(dup)["duplicate_of"], feature);
    assert_eq!(props(dup)["target"], false);
    assert_eq!(
        props(feature)["duplicate_rows"],
        serde_json::json!([dup.to_string()])
    );
    let targets = fs::read_to_string(dir.join("out/targets.csv")).unwrap();
    let line = targets
        .lines()
        .find(|l| l.contains(&name))
        .expect("the firm is a target");
    assert!(line.ends_with(&format!(",{dup}")), "{line}");
}
