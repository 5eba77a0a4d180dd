//! Text in every encoding a delivery comes in, and every problem of every
//! layer said at once, in words: end to end through the CLI, on copies of
//! the sample district in data/.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use gdal::vector::{Feature, LayerAccess, LayerOptions};

/// `tudi check` (with `args`) on the copy: exit code and stderr.
fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let project = dir.join("project.toml");
    let mut all = vec!["check", project.to_str().unwrap()];
    all.extend(args);
    let o = tudi(&all);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The sample's park names, in file order.
fn park_names() -> Vec<String> {
    let parks = json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/parks.geojson"));
    parks["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// The park names tudi wrote.
fn names_written(out: &Path) -> Vec<String> {
    let parks = json(&out.join("parks.geojson"));
    let mut names: Vec<String> = parks["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// No output file holds U+FFFD.
fn assert_no_replacement_character(out: &Path) {
    for entry in fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // tudi's own .tudi/
        }
        let bytes = fs::read(path).unwrap();
        assert!(
            !bytes.windows(3).any(|w| w == "\u{FFFD}".as_bytes()),
            "U+FFFD in the outputs"
        );
    }
}

/// Writes the sample's parks as a Shapefile whose text is GBK (GDAL
/// writes a .cpg saying so, and no code page in the .dbf).
fn parks_as_gbk_shapefile(dir: &Path) {
    let src = gdal::Dataset::open(dir.join("parks.geojson")).unwrap();
    let mut from = src.layer(0).unwrap();
    let driver = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").unwrap();
    let mut ds = driver.create_vector_only(dir.join("parks.shp")).unwrap();
    let srs = from.spatial_ref();
    let to = ds
        .create_layer(LayerOptions {
            name: "parks",
            srs: srs.as_ref(),
            ty: gdal_sys::OGRwkbGeometryType::wkbPolygon,
            options: Some(&["ENCODING=CP936"]),
        })
        .unwrap();
    let fields: Vec<(String, u32)> = from
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect();
    for (name, ty) in &fields {
        to.create_defn_fields(&[(name.as_str(), *ty)]).unwrap();
    }
    for f in from.features() {
        let mut g = Feature::new(to.defn()).unwrap();
        for i in 0..fields.len() {
            if let Some(v) = f.field(i).unwrap() {
                g.set_field(i, &v).unwrap();
            }
        }
        g.set_geometry(f.geometry().unwrap().clone()).unwrap();
        g.create(&to).unwrap();
    }
    drop(ds);
    let dbf = fs::read(dir.join("parks.dbf")).unwrap();
    assert_eq!(dbf[29], 0, "no code page in the .dbf");
    let gbk = encoding_rs::GBK.encode(&park_names()[0]).0.into_owned();
    assert!(dbf.windows(gbk.len()).any(|w| w == gbk), "GBK text");
    fs::remove_file(dir.join("parks.geojson")).unwrap();
    replace(
        &dir.join("project.toml"),
        "path = \"parks.geojson\"",
        "path = \"parks.shp\"",
    );
}

#[test]
fn a_gbk_shapefile_without_cpg_reads_right_and_says_so() {
    // a 三调 delivery: GBK, neither .cpg nor code page
    let dir = sample("gbk-shp", |d| {
        parks_as_gbk_shapefile(d);
        fs::remove_file(d.join("parks.cpg")).unwrap();
    });
    let (code, err, out) = run_in(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names_written(&out), sorted(park_names()));
    assert_no_replacement_character(&out);
    let warnings = json(&out.join("summary.json"))["warnings"].to_string();
    let (_, checked) = check(&dir, &[]);
    for w in [&warnings, &checked] {
        assert!(
            w.contains("parks.shp, layer parks, feature 1, field name: text is not UTF-8")
                && w.contains("read as GB18030"),
            "{w}"
        );
    }
    // tudi area names it too, with the right names as ids
    let o = tudi(&[
        "area",
        dir.join("parks.shp").to_str().unwrap(),
        "--id",
        "name",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("read as GB18030"), "{stderr}");
    assert!(stdout.contains(&park_names()[0]) && !stdout.contains('\u{FFFD}'));
}

#[test]
fn a_shapefile_that_says_its_encoding_or_is_given_one_reads_right_quietly() {
    // its .cpg says CP936
    let dir = sample("gbk-cpg", parks_as_gbk_shapefile);
    let (code, err, out) = run_in(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names_written(&out), sorted(park_names()));
    assert!(!err.contains("GB18030"), "{err}");
    // no .cpg, but the project file names the encoding
    let dir = sample("gbk-given", |d| {
        parks_as_gbk_shapefile(d);
        fs::remove_file(d.join("parks.cpg")).unwrap();
        replace(
            &d.join("project.toml"),
            "path = \"parks.shp\"",
            "path = \"parks.shp\"\nencoding = \"GBK\"",
        );
    });
    let (code, err, out) = run_in(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names_written(&out), sorted(park_names()));
    assert!(!err.contains("GB18030"), "{err}");
}

#[test]
fn an_unknown_encoding_is_an_error_listing_the_known_ones() {
    let dir = sample("gbkk", |d| {
        replace(
            &d.join("project.toml"),
            "path = \"parks.geojson\"",
            "path = \"parks.geojson\"\nencoding = \"GBKK\"",
        )
    });
    let (code, err, out) = run_in(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("field layers.parks.encoding: unknown encoding 'GBKK'; known encodings: UTF-8, GBK (CP936), GB18030"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn gbk_geojson_csv_and_geopackage_text_reads_right_and_says_so() {
    let dir = sample("gbk-others", |d| {
        let parks = d.join("parks.geojson");
        let text = fs::read_to_string(&parks).unwrap();
        fs::write(&parks, encoding_rs::GBK.encode(&text).0).unwrap();
        // feature ids: read by GDAL, not tudi's own GeoJSON reader
        let townships = d.join("townships.geojson");
        let text = fs::read_to_string(&townships)
            .unwrap()
            .replace("{\"type\":\"Feature\",", "{\"type\":\"Feature\",\"id\":1,");
        fs::write(&townships, encoding_rs::GBK.encode(&text).0).unwrap();
        let ledger = d.join("enterprises.csv");
        let text = fs::read_to_string(&ledger).unwrap();
        let text = text.trim_start_matches('\u{FEFF}');
        fs::write(&ledger, encoding_rs::GBK.encode(text).0).unwrap();
        // village names (ZLDWMC) stored as GBK bytes in SQLite text
        let db = rusqlite::Connection::open(d.join("parcels.gpkg")).unwrap();
        // the R-tree triggers call SpatiaLite functions this SQLite lacks
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for t in triggers {
            db.execute_batch(&format!("DROP TRIGGER \"{t}\"")).unwrap();
        }
        let names: Vec<String> = db
            .prepare("SELECT DISTINCT ZLDWMC FROM DLTB WHERE ZLDWMC IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for n in names {
            db.execute(
                "UPDATE DLTB SET ZLDWMC = CAST(?1 AS TEXT) WHERE ZLDWMC = ?2",
                rusqlite::params![encoding_rs::GBK.encode(&n).0.as_ref(), n],
            )
            .unwrap();
        }
    });
    let (code, err, out) = run_in(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names_written(&out), sorted(park_names()));
    assert_no_replacement_character(&out);
    let reference = run_ok(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "gbk-reference",
    );
    for file in [
        "enterprises.geojson",
        "scattered_parcels.geojson",
        "townships.csv",
    ] {
        assert_eq!(
            fs::read(out.join(file)).unwrap(),
            fs::read(reference.join(file)).unwrap(),
            "{file}: names as from UTF-8"
        );
    }
    let warnings = json(&out.join("summary.json"))["warnings"].to_string();
    assert!(
        warnings.contains("parks.geojson, layer parks: the file is not UTF-8"),
        "{warnings}"
    );
    assert!(
        warnings.contains("enterprises.csv: the file is not UTF-8"),
        "{warnings}"
    );
    assert!(
        warnings.contains("townships.geojson: the file is not UTF-8"),
        "{warnings}"
    );
    assert!(
        warnings.contains("parcels.gpkg, layer DLTB, feature 1, field ZLDWMC: text in"),
        "{warnings}"
    );
}

#[test]
fn text_already_garbled_is_warned_about() {
    // a GeoJSON made from a garbled Shapefile: valid UTF-8 holding U+FFFD
    let dir = sample("garbled", |d| {
        replace(&d.join("parks.geojson"), "塘汇街道", "\u{FFFD}\u{FFFD}街道")
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("parks.geojson, layer parks, feature 1, field name: text holds the replacement character"),
        "{err}"
    );
}

/// Vacated records: feature 1 a line, 2 a NaN coordinate, 4 the id of
/// 3, 5 a bow-tie.
fn four_problems(d: &Path) {
    let path = d.join("vacated.geojson");
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let f = v["features"].as_array_mut().unwrap();
    let ring = f[0]["geometry"]["coordinates"][0].clone();
    f[0]["geometry"] = serde_json::json!({"type": "LineString", "coordinates": ring});
    f[1]["geometry"]["coordinates"][0][1][0] = serde_json::json!("NaN-here");
    let id = f[2]["properties"]["id"].clone();
    f[3]["properties"]["id"] = id;
    let corner = &f[4]["geometry"]["coordinates"][0][0];
    let (x, y) = (corner[0].as_f64().unwrap(), corner[1].as_f64().unwrap());
    let d = 0.001;
    f[4]["geometry"]["coordinates"] =
        serde_json::json!([[[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]]);
    // JSON has no NaN; GDAL's parser takes it
    let text = v.to_string().replace("\"NaN-here\"", "NaN");
    fs::write(&path, text).unwrap();
}

#[test]
fn check_shows_every_problem_of_a_layer_at_once() {
    let dir = sample("four", four_problems);
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    for needle in [
        "4 problems",
        "vacated.geojson, layer vacated, feature 1: a line geometry",
        "feature 2: coordinate x is not a number (NaN)",
        "feature 4, field id: id TT2020-0003 is also used by feature 3",
        "feature 5 (id TT2020-0005): invalid polygon",
    ] {
        assert!(err.contains(needle), "'{needle}' missing from: {err}");
    }
}

#[test]
fn every_feature_of_the_wrong_type_is_named() {
    // villages: a point, a line and a multi-line where polygons belong
    let dir = sample("mixed", |d| {
        let path = d.join("villages.geojson");
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let f = v["features"].as_array_mut().unwrap();
        let ring = f[0]["geometry"]["coordinates"][0].clone();
        f[0]["geometry"] = serde_json::json!({"type": "Point", "coordinates": ring[0]});
        f[1]["geometry"] = serde_json::json!({"type": "LineString", "coordinates": ring});
        f[2]["geometry"] = serde_json::json!({"type": "MultiLineString", "coordinates": [ring]});
        fs::write(&path, v.to_string()).unwrap();
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("3 problems"), "{err}");
    assert!(
        err.contains("feature 1: a point where a polygon was expected"),
        "{err}"
    );
    assert!(err.contains("feature 2: a line geometry"), "{err}");
    assert!(err.contains("feature 3: a line geometry"), "{err}");
}

#[test]
fn empty_files_are_said_to_be_empty() {
    // a GeoPackage, a GeoJSON and a CSV of 0 bytes, all three at once
    let dir = sample("empty-files", |d| {
        for f in ["buildings.gpkg", "parks.geojson", "enterprises.csv"] {
            fs::write(d.join(f), "").unwrap();
        }
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("3 problems"), "{err}");
    for f in ["buildings.gpkg", "parks.geojson", "enterprises.csv"] {
        assert!(err.contains(&format!("{f}: the file is empty")), "{err}");
    }
    assert!(
        !err.contains("NULL pointer") && !err.contains("no field"),
        "{err}"
    );
}

#[test]
fn a_geojson_syntax_error_says_line_column_and_feature() {
    let dir = sample("syntax", |d| {
        replace(
            &d.join("parks.geojson"),
            "\"name\":\"新城街道小微企业园\"",
            "\"name\":\"新城街道小微企业园\" \"x\"",
        )
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("parks.geojson: not valid JSON: expected `,` or `}` at line")
            && err.contains("in feature 2 or just after it"),
        "{err}"
    );
}

#[test]
fn a_null_geometry_is_no_geometry_of_a_named_feature() {
    let dir = sample("null-geometry", |d| {
        let path = d.join("vacated.geojson");
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        v["features"][6]["geometry"] = serde_json::Value::Null;
        fs::write(&path, v.to_string()).unwrap();
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("vacated.geojson, layer vacated, feature 7 (id TT2020-0007): no geometry"),
        "{err}"
    );
}

#[test]
fn a_shapefile_without_its_dbf_is_said_to_lack_it() {
    let dir = sample("no-dbf", |d| {
        parks_as_gbk_shapefile(d);
        fs::remove_file(d.join("parks.dbf")).unwrap();
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("parks.shp: the Shapefile's .dbf (its attribute table) is missing"),
        "{err}"
    );
}

#[test]
fn a_huge_coordinate_is_printed_short_and_out_of_range() {
    let dir = sample("huge", |d| {
        let path = d.join("enterprises.csv");
        let text = fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // the third row's lon, in a surveyed (cgcs2000) row
        let lon = lines[3].split(',').rev().nth(4).unwrap().to_string();
        lines[3] = lines[3].replacen(&format!(",{lon},"), ",1e308,", 1);
        fs::write(&path, lines.join("\n")).unwrap();
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("enterprises.csv, feature 3, field lon: 1e308 is out of range for"),
        "{err}"
    );
    assert!(err.len() < 400, "{err}");
}

#[test]
fn many_problems_alike_are_one_line_and_all_on_request() {
    // a ledger whose 600 rows all lack a location
    let dir = sample("no-locations", |d| {
        let path = d.join("enterprises.csv");
        let mut rows: Vec<csv::StringRecord> = csv::Reader::from_path(&path)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect();
        let header = csv::Reader::from_path(&path)
            .unwrap()
            .headers()
            .unwrap()
            .clone();
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(&header).unwrap();
        for r in &mut rows {
            let mut cells: Vec<&str> = r.iter().collect();
            cells[8] = "";
            cells[9] = "";
            w.write_record(&cells).unwrap();
        }
    });
    let (code, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("600 problems with the input:\n  - file ")
            && err.contains("enterprises.csv, field lon: no location: lon and lat are empty (600 features: 1, 2, 3, 4, 5, …; tudi check --all lists every one)"),
        "{err}"
    );
    let (code, err) = check(&dir, &["--all"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 601, "{err}");
    assert!(
        err.contains("enterprises.csv, feature 600, field lon: no location"),
        "{err}"
    );
}
