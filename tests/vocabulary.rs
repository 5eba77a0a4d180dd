//! One vocabulary: a Chinese run shows a planner no English word and no
//! internal id in the ledgers' text cells, the report, the map or what
//! QGIS shows of the GeoPackage (titles, aliases, legends), and an
//! English run no Chinese — the district's own names (firms, villages,
//! townships, parks, records, credit codes, the project's name) aside.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::*;

/// Proper names a product may print in either language.
const PROPER_NAMES: [&str; 3] = ["tudi", "CGCS2000", "Albers"];

/// Every name the sample district's files give: what a product may show
/// as it is, in either language.
fn district_names(data: &Path) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut ledger = csv::Reader::from_path(data.join("enterprises.csv")).unwrap();
    let header = ledger.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (name, code) = (col("name"), col("credit_code"));
    for row in ledger.records() {
        let row = row.unwrap();
        // trimmed as tudi reads them (generated ledgers pad some cells)
        names.insert(row[name].trim().to_string());
        names.insert(row[code].trim().to_string());
    }
    let db = rusqlite::Connection::open(data.join("parcels.gpkg")).unwrap();
    let mut q = db.prepare("SELECT ZLDWMC, BSM FROM DLTB").unwrap();
    let rows = q
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    for r in rows {
        let (village, id) = r.unwrap();
        names.extend([village, id]);
    }
    for (file, key) in [
        ("parks.geojson", "name"),
        ("townships.geojson", "name"),
        ("villages.geojson", "name"),
        ("plan.geojson", "name"),
        ("protected.geojson", "name"),
        ("vacated.geojson", "id"),
        ("xiuzhou_boundary.geojson", "name"),
    ] {
        for f in json(&data.join(file))["features"].as_array().unwrap() {
            if let Some(v) = f["properties"][key].as_str() {
                names.insert(v.to_string());
            }
        }
    }
    let project = std::fs::read_to_string(data.join("project.toml")).unwrap();
    let project: toml::Table = project.parse().unwrap();
    names.insert(project["project"]["name"].as_str().unwrap().to_string());
    names.extend(PROPER_NAMES.map(String::from));
    // longest first, so a firm's name goes before the village in it
    let mut names: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names
}

/// Every text cell of every sheet, and the sheet names.
fn workbook_texts(path: &Path) -> Vec<String> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let mut out = wb.sheet_names();
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_range(&sheet).unwrap();
        for cell in range.used_cells() {
            if let Data::String(s) = cell.2 {
                out.push(s.clone());
            }
        }
    }
    out
}

/// The text a reader sees in an HTML or SVG file: text between tags,
/// styles left out, entities decoded.
fn markup_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(end) = rest.find("</style>") {
        let start = rest.find("<style").unwrap();
        out.extend(between_tags(&rest[..start]));
        rest = &rest[end + "</style>".len()..];
    }
    out.extend(between_tags(rest));
    out
}

/// What QGIS shows of tudi.gpkg: the layers' titles and descriptions,
/// the fields' aliases, and the styles' descriptions and legend labels.
fn gpkg_texts(path: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(path).unwrap();
    let column = |sql: &str| -> Vec<String> {
        db.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = column(
        "SELECT identifier FROM gpkg_contents WHERE table_name != 'layer_styles' \
         UNION ALL SELECT description FROM gpkg_contents WHERE table_name != 'layer_styles' \
         UNION ALL SELECT title FROM gpkg_data_columns \
         UNION ALL SELECT description FROM layer_styles",
    );
    for qml in column("SELECT styleQML FROM layer_styles") {
        let doc = roxmltree::Document::parse_with_options(
            &qml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        out.extend(
            doc.descendants()
                .filter(|n| n.has_tag_name("category"))
                .map(|n| n.attribute("label").unwrap().to_string()),
        );
    }
    out
}

fn between_tags(s: &str) -> Vec<String> {
    s.split('<')
        .filter_map(|piece| piece.split_once('>').map(|(_, t)| t))
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// The texts that, the district's names taken out, still hold a word of
/// the other language: for Chinese, two or more Latin letters in a row;
/// for English, any Chinese character.
fn foreign(texts: &[String], names: &[String], chinese: bool) -> Vec<String> {
    let mut found = BTreeSet::new();
    for t in texts {
        let mut rest = t.clone();
        for n in names {
            if rest.contains(n.as_str()) {
                rest = rest.replace(n.as_str(), " ");
            }
        }
        let bad = if chinese {
            rest.split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| w.len() >= 2)
        } else {
            rest.chars().any(is_cjk)
        };
        if bad {
            found.insert(t.clone());
        }
    }
    found.into_iter().collect()
}

/// Runs a district in both languages and checks each product's texts.
fn speaks_only_itself(data: &Path, name: &str) {
    let names = district_names(data);
    let project = data.join("project.toml");
    for (lang, chinese) in [("zh", true), ("en", false)] {
        let out = scratch(&format!("vocabulary-{name}-{lang}")).join("out");
        let o = tudi(&[
            "run",
            project.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--lang",
            lang,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (file, texts) in [
            ("ledgers.xlsx", workbook_texts(&out.join("ledgers.xlsx"))),
            ("report.html", markup_texts(&out.join("report.html"))),
            ("map.svg", markup_texts(&out.join("map.svg"))),
            ("tudi.gpkg", gpkg_texts(&out.join("tudi.gpkg"))),
        ] {
            assert!(
                texts.len() > 20,
                "{name} {lang} {file}: {} texts",
                texts.len()
            );
            let bad = foreign(&texts, &names, chinese);
            assert!(bad.is_empty(), "{name} {lang} {file}: {bad:#?}");
        }
    }
}

#[test]
fn each_language_speaks_only_itself_in_the_ledgers_report_and_map() {
    speaks_only_itself(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        "sample",
    );
}

/// The same on a generated district, whose other mix of targets, checks
/// and dispositions reaches labels the sample does not show.
#[test]
fn a_generated_district_speaks_only_itself_too() {
    let data = scratch("vocabulary-synth").join("district");
    let o = tudi(&[
        "synth",
        "--parcels",
        "3000",
        "--seed",
        "11",
        "--out",
        data.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    speaks_only_itself(&data, "synth");
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let names = vec!["秀洲区".to_string(), "91330411MA2W3FTCXU".to_string()];
    let texts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // ids and English in a Chinese cell; a Chinese word in an English one
    assert_eq!(
        foreign(
            &texts(&["village_small_low；outside_plan", "状态 done"]),
            &names,
            true
        )
        .len(),
        2
    );
    assert_eq!(foreign(&texts(&["Status: 已销号"]), &names, false).len(), 1);
    // names, codes, units and numbers pass
    assert!(foreign(
        &texts(&["秀洲区 91330411MA2W3FTCXU 3.5 亩 ㎡"]),
        &names,
        true
    )
    .is_empty());
    assert!(foreign(&texts(&["秀洲区: 3.5 mu"]), &names, false).is_empty());
}
