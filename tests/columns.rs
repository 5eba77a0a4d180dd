//! One column table per output layer: every layer written in several
//! formats has the same columns in the same order in each — the GeoJSON
//! properties (read by GDAL), the CSV header, the GeoPackage's columns
//! (read by SQLite) — and the workbook's header and the GeoPackage's
//! aliases are those columns' labels, in the run's language.

mod common;

use std::collections::HashMap;
use std::path::Path;

use calamine::{open_workbook, Reader, Xlsx};
use common::*;
use gdal::vector::LayerAccess;
use tudi_core::analysis::townships::Level;
use tudi_core::outcome::Outcome;
use tudi_core::vocab::Lang;
use tudi_write::table::Table;
use tudi_write::{land, outputs, placement};

/// A layer's formats: its GeoJSON and CSV files, whether the GeoPackage
/// holds it, and its sheet in the workbook (Chinese name).
struct Formats {
    table: &'static str,
    geojson: Option<&'static str>,
    csv: Option<&'static str>,
    gpkg: bool,
    sheet: Option<(&'static str, &'static str)>,
}

const LAYERS: [Formats; 11] = [
    Formats {
        table: "enterprises",
        geojson: Some("enterprises.geojson"),
        csv: None,
        gpkg: true,
        sheet: None,
    },
    Formats {
        table: "targets",
        geojson: None,
        csv: Some("targets.csv"),
        gpkg: false,
        sheet: Some(("整治对象台账", "Targets")),
    },
    Formats {
        table: "parks",
        geojson: Some("parks.geojson"),
        csv: None,
        gpkg: true,
        sheet: Some(("小微园", "Parks")),
    },
    Formats {
        table: "townships",
        geojson: None,
        csv: Some("townships.csv"),
        gpkg: true,
        sheet: Some(("乡镇汇总", "Townships")),
    },
    Formats {
        table: "scattered_parcels",
        geojson: Some("scattered_parcels.geojson"),
        csv: None,
        gpkg: true,
        sheet: Some(("零散地块", "Scattered plots")),
    },
    Formats {
        table: "vacated_checks",
        geojson: None,
        csv: Some("vacated_checks.csv"),
        gpkg: false,
        sheet: Some(("腾退核查", "Vacated-land checks")),
    },
    Formats {
        table: "vacated",
        geojson: Some("vacated.geojson"),
        csv: None,
        gpkg: true,
        sheet: None,
    },
    Formats {
        table: "vacated_blocks",
        geojson: Some("vacated_blocks.geojson"),
        csv: None,
        gpkg: true,
        sheet: None,
    },
    Formats {
        table: "blocks",
        geojson: Some("blocks.geojson"),
        csv: None,
        gpkg: true,
        sheet: None,
    },
    Formats {
        table: "placements",
        geojson: Some("placements.geojson"),
        csv: Some("placements.csv"),
        gpkg: true,
        sheet: Some(("入园安置方案", "Placement plan")),
    },
    Formats {
        table: "low_density_parcels",
        geojson: Some("low_density_parcels.geojson"),
        csv: None,
        gpkg: true,
        sheet: None,
    },
];

fn columns<R: Sync>(t: Table<'_, R>, lang: Lang) -> Vec<(String, String)> {
    t.columns
        .iter()
        .map(|c| (c.name.to_string(), c.label.get(lang).to_string()))
        .collect()
}

/// The library's table of that name: its columns' names and labels.
fn table(o: &Outcome, name: &str, lang: Lang) -> Vec<(String, String)> {
    match name {
        "enterprises" => columns(outputs::enterprises(o, lang), lang),
        "targets" => columns(outputs::targets(o, lang), lang),
        "scattered_parcels" => columns(outputs::scattered_parcels(o), lang),
        "blocks" => columns(outputs::blocks(o), lang),
        "parks" => columns(land::parks(o), lang),
        "townships" => columns(
            land::divisions(
                Level::Township,
                lang,
                land::division_rows(o, Level::Township),
            ),
            lang,
        ),
        "vacated" => columns(land::vacated(o, lang), lang),
        "vacated_blocks" => columns(land::vacated_blocks(o), lang),
        "vacated_checks" => columns(land::vacated_checks(o, lang), lang),
        "low_density_parcels" => columns(land::low_density_parcels(o), lang),
        "placements" => columns(placement::placements(o, lang), lang),
        other => panic!("no table {other}"),
    }
}

/// The properties of a GeoJSON file's features, in order, as GDAL reads them.
fn geojson_fields(path: &Path) -> Vec<String> {
    let ds = gdal::Dataset::open(path).unwrap();
    let layer = ds.layer(0).unwrap();
    assert!(layer.feature_count() > 0, "{}: no features", path.display());
    layer.defn().fields().map(|f| f.name()).collect()
}

fn csv_header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    let names: Vec<String> = header.iter().map(String::from).collect();
    let first = names[0].trim_start_matches('\u{feff}').to_string();
    [vec![first], names[1..].to_vec()].concat()
}

/// A GeoPackage table's columns (geometry and fid aside) with their aliases.
fn gpkg_columns(db: &rusqlite::Connection, table: &str) -> Vec<(String, String)> {
    let names: Vec<String> = db
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(1))
        .unwrap()
        .map(Result::unwrap)
        .filter(|n| n != "fid" && n != "geom")
        .collect();
    let aliases: HashMap<String, String> = db
        .prepare("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = ?1")
        .unwrap()
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names
        .into_iter()
        .map(|n| {
            let alias = aliases[&n].clone();
            (n, alias)
        })
        .collect()
}

fn sheet_header(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str) -> Vec<String> {
    let range = wb.worksheet_range(sheet).unwrap();
    let header = range.rows().next().unwrap();
    header.iter().map(|c| c.to_string()).collect()
}

/// Every format of a layer shows the same columns in the same order, and
/// the workbook and the GeoPackage label them alike, in each language.
#[test]
fn every_format_of_a_layer_has_the_same_columns_in_the_same_order() {
    let project_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml");
    let project = tudi_core::config::Project::load(&project_file).unwrap();
    let model = tudi_read::load::load(&project).unwrap();
    let o = tudi_core::analysis::run(project, model, &mut |_| {});
    for (lang, flag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let out = scratch(&format!("columns-{flag}")).join("out");
        let run = tudi(&[
            "run",
            project_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--lang",
            flag,
            "--quiet",
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
        let mut wb: Xlsx<_> = open_workbook(out.join("ledgers.xlsx")).unwrap();
        for l in &LAYERS {
            let want = table(&o, l.table, lang);
            let names: Vec<String> = want.iter().map(|(n, _)| n.clone()).collect();
            let labels: Vec<String> = want.iter().map(|(_, a)| a.clone()).collect();
            let formats = [
                l.geojson.is_some(),
                l.csv.is_some(),
                l.gpkg,
                l.sheet.is_some(),
            ];
            assert!(formats.iter().filter(|f| **f).count() >= 2, "{}", l.table);
            if let Some(file) = l.geojson {
                assert_eq!(geojson_fields(&out.join(file)), names, "{file}");
            }
            if let Some(file) = l.csv {
                assert_eq!(csv_header(&out.join(file)), names, "{file}");
            }
            if l.gpkg {
                assert_eq!(gpkg_columns(&db, l.table), want, "tudi.gpkg {}", l.table);
            }
            if let Some((zh, en)) = l.sheet {
                let sheet = lang.pick(zh, en);
                assert_eq!(sheet_header(&mut wb, sheet), labels, "ledgers.xlsx {sheet}");
            }
            // a label names one column
            let mut distinct = labels.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), labels.len(), "{}: {labels:?}", l.table);
        }
    }
}

/// The rows a GeoPackage table holds.
fn gpkg_count(db: &rusqlite::Connection, table: &str) -> i64 {
    db.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn the_placement_plan_keeps_every_firm_in_its_tables_and_maps_the_placed_ones() {
    // the placement fixture: 14 firms sought a park, 9 were placed; the
    // CSV and the sheet list all 14, the GeoPackage's layer (lines) the 9,
    // with the CSV's columns
    let out = run_ok(&fixture("placement/project.toml"), "columns-placement");
    let mut csv = csv::Reader::from_path(out.join("placements.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 14);
    let header = csv_header(&out.join("placements.csv"));
    let park = header.iter().position(|h| h == "park").unwrap();
    let placed = rows.iter().filter(|r| !r[park].is_empty()).count();
    assert_eq!(placed, 9);
    let mut wb: Xlsx<_> = open_workbook(out.join("ledgers.xlsx")).unwrap();
    let sheet = wb.worksheet_range("入园安置方案").unwrap();
    assert_eq!(sheet.height() - 1, 14);
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    assert_eq!(gpkg_count(&db, "placements"), 9);
    let lines = json(&out.join("placements.geojson"));
    let lines = lines["features"].as_array().unwrap();
    assert_eq!(lines.len(), 9);
    assert!(lines.iter().all(|f| f["geometry"]["type"] == "LineString"));
    let names: Vec<String> = gpkg_columns(&db, "placements")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, header);
}
