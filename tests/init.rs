//! `tudi init DIR`: a project file from the files alone, that `tudi check`
//! accepts and `tudi run` runs to the sample's own figures; a FileGDB of
//! several layers; questions where it cannot decide.

mod common;

use std::path::Path;

use common::{json, run_ok, sample, scratch, tudi};
use gdal::vector::{Feature, FieldDefn, LayerAccess, LayerOptions, OGRwkbGeometryType};

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

/// `tudi init DIR`: its exit code, stderr and the project file's text.
fn init(dir: &Path, force: bool) -> (i32, String, String) {
    let mut args = vec!["init", dir.to_str().unwrap()];
    if force {
        args.push("--force");
    }
    let o = tudi(&args);
    let text = std::fs::read_to_string(dir.join("project.toml")).unwrap_or_default();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        text,
    )
}

/// Whether a project file holds a question of init's.
fn asks(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("# ?"))
}

fn check(dir: &Path) -> (i32, String) {
    let o = tudi(&["check", dir.join("project.toml").to_str().unwrap()]);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The sample's files without their project file: init finds every layer,
/// and the run gives the sample's own figures. The sample's project file
/// also carries its name, its report date and goals scaled to it, which no
/// file implies: the report date is given to the run, and of the goals
/// only what was achieved is compared (init writes the default goals).
#[test]
fn the_sample_from_its_files_alone_gives_its_own_figures() {
    let dir = sample("init-sample", |d| {
        std::fs::remove_file(d.join("project.toml")).unwrap();
    });
    let (code, err, text) = init(&dir, false);
    assert_eq!(code, 0, "{err}");
    assert!(!asks(&text), "{text}");
    for role in [
        "parcels",
        "enterprises",
        "villages",
        "plan",
        "protected",
        "boundary",
        "buildings",
        "parks",
        "vacated",
        "townships",
    ] {
        assert!(text.contains(&format!("[layers.{role}]")), "{role}\n{text}");
    }
    assert!(text.contains("path = \"xiuzhou_boundary.geojson\""));
    // the ledger has no CRS of its own: guessed from its degrees, and said so
    assert!(text.contains("crs = \"EPSG:4490\"             # guessed: a table gives no CRS; longitude/latitude degrees in China"), "{text}");
    assert!(text.contains("crs_field = \"coord_sys\""));
    assert!(text.contains("# CRS EPSG:4528, the file's own"));
    assert!(text.contains("[rules]\n# industrial_codes = [\"0601\"]"));
    assert!(text.contains("[targets]\n# year = 2020"));
    let (code, err) = check(&dir);
    assert_eq!(code, 0, "{err}");
    // the report date, as a planner sets it: the line uncommented
    common::replace(
        &dir.join("project.toml"),
        "# as_of = \"2020-12-31\"",
        "as_of = \"2020-12-31\"",
    );

    let mine = json(&run_ok(&dir.join("project.toml"), "init-sample-run").join("summary.json"));
    let theirs =
        json(&run_ok(&data().join("project.toml"), "init-sample-data").join("summary.json"));
    let (mine, theirs) = (mine.as_object().unwrap(), theirs.as_object().unwrap());
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (key, value) in theirs {
        match key.as_str() {
            "project" | "township_targets" => {}
            "as_of" => assert_eq!(mine[key], *value),
            "targets" => {
                for (goal, v) in value.as_object().unwrap() {
                    assert_eq!(mine[key][goal]["achieved"], v["achieved"], "{goal}");
                }
            }
            // the warnings name the files by the same relative names
            _ => assert_eq!(mine[key], *value, "{key}"),
        }
    }
    assert!(mine["warnings"].as_array().unwrap().len() > 3);

    // never over an existing project file, unless told; the same files give
    // the same bytes
    let edited = std::fs::read_to_string(dir.join("project.toml")).unwrap();
    let (code, err, again) = init(&dir, false);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("project.toml") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(again, edited);
    let (code, err, again) = init(&dir, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, text);
}

/// Copies a layer into a dataset under `name`, fields renamed as `renames` says.
fn copy_layer<L: LayerAccess>(
    src: &mut L,
    dst: &mut gdal::Dataset,
    name: &str,
    renames: &[(&str, &str)],
) {
    let fields: Vec<(String, u32)> = src
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect();
    let srs = src.spatial_ref();
    let out = dst
        .create_layer(LayerOptions {
            name,
            srs: srs.as_ref(),
            ty: OGRwkbGeometryType::wkbMultiPolygon,
            options: None,
        })
        .unwrap();
    for (n, t) in &fields {
        let n = renames
            .iter()
            .find(|(from, _)| from == n)
            .map_or(n.as_str(), |(_, to)| to);
        FieldDefn::new(n, *t).unwrap().add_to_layer(&out).unwrap();
    }
    for f in src.features() {
        let mut copy = Feature::new(out.defn()).unwrap();
        let g = f.geometry().unwrap().clone();
        copy.set_geometry(g).unwrap();
        for i in 0..fields.len() {
            if let Ok(Some(v)) = f.field(i) {
                copy.set_field(i, &v).unwrap();
            }
        }
        copy.create(&out).unwrap();
    }
}

/// The 三调 extract as it comes, a File Geodatabase of several layers
/// (written here with GDAL's OpenFileGDB driver): the parcels are its DLTB
/// layer, the townships its XZQ layer under the survey's field names.
#[test]
fn a_file_geodatabase_of_several_layers_gives_its_dltb_layer() {
    let dir = scratch("init-gdb");
    {
        let driver = gdal::DriverManager::get_driver_by_name("OpenFileGDB").unwrap();
        let mut gdb = driver.create_vector_only(dir.join("三调.gdb")).unwrap();
        let towns = gdal::Dataset::open(data().join("townships.geojson")).unwrap();
        copy_layer(
            &mut towns.layer(0).unwrap(),
            &mut gdb,
            "XZQ",
            &[("code", "XZQDM"), ("name", "XZQMC")],
        );
        let parcels = gdal::Dataset::open(data().join("parcels.gpkg")).unwrap();
        copy_layer(
            &mut parcels.layer_by_name("DLTB").unwrap(),
            &mut gdb,
            "DLTB",
            &[],
        );
    }
    std::fs::copy(data().join("enterprises.csv"), dir.join("台账.csv")).unwrap();
    let (code, err, text) = init(&dir, false);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("[layers.parcels]  # 6000 polygons; fields BSM")
            && text.contains("path = \"三调.gdb\"\nlayer = \"DLTB\""),
        "{text}"
    );
    assert!(
        text.contains("layer = \"XZQ\"")
            && text.contains("[layers.townships.fields]\ncode = \"XZQDM\"\nname = \"XZQMC\""),
        "{text}"
    );
    assert!(!asks(&text), "{text}");
    let (code, err) = check(&dir);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("parcels: 6000 features, CRS EPSG:4528")
            && err.contains("townships: 8 features"),
        "{err}"
    );
}

/// Two files that both look like the parcel layer: init asks which, and
/// `tudi check` shows the question and fails until it is answered.
#[test]
fn two_parcel_layers_are_a_question_check_shows() {
    let dir = sample("init-two", |d| {
        std::fs::remove_file(d.join("project.toml")).unwrap();
        std::fs::copy(d.join("parcels.gpkg"), d.join("parcels_2019.gpkg")).unwrap();
    });
    let (code, err, text) = init(&dir, false);
    assert_eq!(code, 0, "{err}");
    let question =
        "# ? which of parcels.gpkg, parcels_2019.gpkg is the parcel layer (三调 地类图斑)?";
    assert!(text.contains(question), "{text}");
    assert!(err.contains("1 question"), "{err}");
    let (code, err) = check(&dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 10: tudi init asks: which of parcels.gpkg, parcels_2019.gpkg"),
        "{err}"
    );
    // answered: the first one's lines uncommented, the question deleted
    let mut first = true;
    let answered = text
        .lines()
        .filter(|l| !l.starts_with("# ?"))
        .map(|l| {
            if l.starts_with("# [layers.parcels]") && first {
                first = false;
                &l[2..]
            } else if l == "# path = \"parcels.gpkg\"" {
                &l[2..]
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("project.toml"), answered).unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("asks"), "{err}");
}

/// A ledger without coordinates but with each firm's parcel number
/// (图斑编号) is placed by it: `parcel = "图斑编号"`, no CRS asked.
#[test]
fn a_ledger_of_parcel_numbers_gets_its_parcel_column() {
    let placed =
        json(&run_ok(&data().join("project.toml"), "init-parcel-data").join("enterprises.geojson"));
    let dir = sample("init-parcel", |d| {
        std::fs::remove_file(d.join("project.toml")).unwrap();
        let mut w = csv::Writer::from_path(d.join("enterprises.csv")).unwrap();
        w.write_record([
            "统一社会信用代码",
            "企业名称",
            "行业代码",
            "营业收入",
            "实缴税金",
            "评价等级",
            "图斑编号",
        ])
        .unwrap();
        // the sample's rows, in the order the run placed them
        let mut rows = csv::Reader::from_path(data().join("enterprises.csv")).unwrap();
        let features = placed["features"].as_array().unwrap();
        for (row, f) in rows.records().zip(features) {
            let row = row.unwrap();
            let Some(parcel) = f["properties"]["parcel_id"].as_str() else {
                continue;
            };
            // credit_code, name, industry, revenue, tax, grades
            let mut out: Vec<&str> = [0, 1, 2, 3, 4, 7].iter().map(|&i| &row[i]).collect();
            out.push(parcel);
            w.write_record(out).unwrap();
        }
    });
    let (code, err, text) = init(&dir, false);
    assert_eq!(code, 0, "{err}");
    let start = text.find("[layers.enterprises]").unwrap();
    let section = &text[start..start + text[start..].find("\n\n").unwrap()];
    assert!(section.contains("\nparcel = \"图斑编号\""), "{section}");
    assert!(!section.contains("crs") && !asks(&text), "{section}");
    let (code, err) = check(&dir);
    assert_eq!(code, 0, "{err}");
}
