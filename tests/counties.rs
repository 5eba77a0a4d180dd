//! A project spanning counties (tests/fixtures/land with its second
//! township moved into another county): the county table — counties.csv,
//! the ledgers' sheet, the report's section, summary.json — holds each
//! county's figures, which are its townships' added up, and county goals
//! are counted in their county; a project in one county shows none.
//! A county run alone (`--county`) counts as its row of the whole run,
//! except where a block crosses its border.

mod common;

use std::path::Path;

use calamine::Reader;
use common::*;

/// The land fixture with township 330411102 (塘汇街道) in county 330402,
/// and goals for both counties.
fn two_counties(dir: &Path) {
    for file in ["parcels.geojson", "townships.geojson"] {
        replace_all(&dir.join(file), "330411102", "330402002");
    }
    let project = dir.join("project.toml");
    let mut text = std::fs::read_to_string(&project).unwrap();
    text.push_str(
        "\n[targets.counties.330411]\nname = \"秀洲区\"\nvacated_mu = 80\n\
         \n[targets.counties.330402]\nname = \"南湖区\"\nvacated_mu = 40\n",
    );
    std::fs::write(&project, text).unwrap();
}

#[test]
fn each_county_adds_up_its_townships_and_counts_its_goals() {
    let (code, err, out) = run_edited("land", "counties", two_counties);
    assert_eq!(code, 0, "{err}");
    let counties = csv_table(&out.join("counties.csv"));
    let townships = csv_table(&out.join("townships.csv"));
    let codes: Vec<&str> = counties.iter().map(|r| r["code"].as_str()).collect();
    assert_eq!(codes, ["330402", "330411"]);
    assert_eq!(counties[0]["name"], "南湖区");

    // every figure of a county is the sum of its townships' (they do not
    // share vacated land, so even the unions add up)
    let numeric = [
        "parcels",
        "area_mu",
        "industrial_parcels",
        "scattered_parcels",
        "scattered_mu",
        "enterprises",
        "targets",
        "targets_done",
        "overdue",
        "parks",
        "park_land_mu",
        "vacated_records",
        "vacated_gross_mu",
        "vacated_effective_mu",
        "vacated_planned_mu",
        "vacated_in_progress_mu",
        "placed",
        "plan_vacated_mu",
    ];
    let num = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    for county in &counties {
        let c = county["code"].as_str();
        let mine: Vec<_> = townships
            .iter()
            .filter(|t| t["code"].as_str().starts_with(c))
            .collect();
        assert_eq!(mine.len(), 1, "one township in {c}");
        for key in numeric {
            let sum: f64 = mine.iter().map(|t| num(t[key].as_str())).sum();
            assert!(
                (num(county[key].as_str()) - sum).abs() < 1e-3,
                "{c} {key}: {} != {sum}",
                county[key].as_str()
            );
        }
    }
    // the goals are the county's: 69.75 mu gross in 330411, 19.8 in 330402
    let s = json(&out.join("summary.json"));
    let goal = |c: &str| s["county_targets"][c]["vacated_mu"].clone();
    for county in &counties {
        let c = county["code"].as_str();
        let achieved = goal(c)["achieved"].as_f64().unwrap();
        assert!((achieved - num(county["vacated_gross_mu"].as_str())).abs() < 1e-3);
        assert_eq!(
            goal(c)["target"].as_f64(),
            Some(num(county["vacated_target_mu"].as_str()))
        );
    }
    assert!((goal("330411")["achieved"].as_f64().unwrap() - 69.75).abs() < 1e-3);
    assert!((goal("330402")["achieved"].as_f64().unwrap() - 19.8).abs() < 1e-3);
    let in_summary: Vec<&str> = s["counties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(in_summary, codes);

    // the ledgers' sheet and the report's section
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("ledgers.xlsx")).unwrap();
    assert!(book.sheet_names().contains(&"县区汇总".to_string()));
    let sheet = book.worksheet_range("县区汇总").unwrap();
    assert_eq!(sheet.height(), 1 + counties.len(), "header and rows");
    assert_eq!(
        sheet.get((1, 0)).map(|c| c.to_string()),
        Some("330402".into())
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("<section id=\"counties\">"));
    assert_eq!(s["cross_border"]["vacated_blocks"], 0);
    assert!(report.contains("没有跨县界的工业连片或腾退连片"));
    assert!(report.contains("南湖区 · "), "the county goal is listed");
}

#[test]
fn a_project_in_one_county_has_no_county_table() {
    let out = run_ok(&fixture("land/project.toml"), "one-county");
    assert!(!out.join("counties.csv").exists());
    let s = json(&out.join("summary.json"));
    assert_eq!(s.get("counties"), None);
    assert_eq!(s.get("county_targets"), None);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!report.contains("id=\"counties\""));
}

/// Each output's record → county, and each vacated block's records.
fn record_counties(out: &Path) -> (Vec<(String, String)>, Vec<Vec<String>>) {
    let records = json(&out.join("vacated.geojson"))["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let township = p["township"].as_str().unwrap_or_default();
            (
                p["id"].as_str().unwrap().to_string(),
                township.get(..6).unwrap_or_default().to_string(),
            )
        })
        .collect();
    let blocks = json(&out.join("vacated_blocks.geojson"))["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["properties"]["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    (records, blocks)
}

/// [`two_counties`] with TT-09, in the block of TT-01 and TT-02,
/// recorded in the other county: a vacated block across the border.
fn across_the_border(dir: &Path) {
    two_counties(dir);
    let path = dir.join("vacated.geojson");
    let mut v = json(&path);
    for f in v["features"].as_array_mut().unwrap() {
        if f["properties"]["id"] == "TT-09" {
            f["properties"]["township"] = "330402002".into();
        }
    }
    std::fs::write(&path, v.to_string()).unwrap();
}

#[test]
fn a_vacated_block_across_a_county_border_is_named() {
    let (code, err, out) = run_edited("land", "cross-border", across_the_border);
    assert_eq!(code, 0, "{err}");
    // worked out from the layers: blocks whose records lie in two counties
    let (records, blocks) = record_counties(&out);
    let county = |id: &str| records.iter().find(|(r, _)| r == id).unwrap().1.clone();
    let crossing: Vec<usize> = blocks
        .iter()
        .enumerate()
        .filter(|(_, ids)| {
            let mut c: Vec<String> = ids.iter().map(|id| county(id)).collect();
            c.sort();
            c.dedup();
            c.len() > 1
        })
        .map(|(k, _)| k + 1)
        .collect();
    assert_eq!(crossing, [1], "the TT-01/TT-02/TT-09 block");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["cross_border"]["vacated_blocks"], 1);
    assert_eq!(s["cross_border"]["blocks"], 0);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("腾退连片 1 (1)"),
        "the block named in the county section"
    );
}

/// `tudi run --county CODE` into a fresh folder.
fn run_county(project: &Path, name: &str, code: &str) -> std::path::PathBuf {
    run_ok_with(project, name, &["--county", code])
}

/// A synthetic city of three counties (seed 7, 8 000 parcels) and its
/// whole run, made once for the tests of this file.
fn synth_city() -> &'static (
    tudi_synth::SynthReport,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    static CITY: std::sync::OnceLock<(
        tudi_synth::SynthReport,
        std::path::PathBuf,
        std::path::PathBuf,
    )> = std::sync::OnceLock::new();
    CITY.get_or_init(|| {
        let dir = scratch("synth-counties-run");
        let report = tudi_synth::generate(&tudi_synth::SynthOptions {
            seed: 7,
            parcels: 8000,
            enterprises: None,
            out: dir.join("city"),
            counties: 3,
        })
        .unwrap();
        let project = dir.join("city/project.toml");
        let out = run_ok(&project, "synth-counties-out");
        (report, project, out)
    })
}

/// A synthetic city of three counties, whose generator knows each
/// county's parcels and the blocks it planted across county borders: the
/// county table and the cross-border counts must find exactly those.
#[test]
fn a_synthetic_city_of_three_counties_is_counted_as_planted() {
    let (report, _, out) = synth_city();
    let inv = &report.inventory;
    assert!(inv.cross_county_blocks > 0 && inv.cross_county_vacated > 0);
    let counties = csv_table(&out.join("counties.csv"));
    let known: Vec<_> = counties.iter().filter(|r| !r["code"].is_empty()).collect();
    let codes: Vec<&str> = known.iter().map(|r| r["code"].as_str()).collect();
    let planted: Vec<&str> = inv.counties.keys().map(String::as_str).collect();
    assert_eq!(codes, planted);
    for row in &known {
        let planted = &inv.counties[row["code"].as_str()];
        assert_eq!(row["name"].as_str(), planted.name);
        assert_eq!(
            row["parcels"].as_str().parse::<usize>().unwrap(),
            planted.parcels,
            "{}",
            planted.name
        );
    }
    let firms: usize = counties
        .iter()
        .map(|r| r["enterprises"].as_str().parse::<usize>().unwrap())
        .sum();
    assert_eq!(firms, report.enterprises, "every firm in one row");
    let s = json(&out.join("summary.json"));
    assert_eq!(
        s["cross_border"]["blocks"].as_u64(),
        Some(inv.cross_county_blocks as u64)
    );
    assert_eq!(
        s["cross_border"]["vacated_blocks"].as_u64(),
        Some(inv.cross_county_vacated as u64)
    );
    assert_eq!(s["county_targets"].as_object().unwrap().len(), 3);
}

/// Each county of the synthetic city run alone: its parcels are those the
/// generator put in it, its goals are its own, and its township table is,
/// cell for cell, its townships' rows of the whole run (the blocks planted
/// across borders are small enough to be scattered, and their vacated
/// pairs too small to be effective, on either side alone or together).
#[test]
fn each_county_run_alone_is_its_row_of_the_whole_run() {
    let (report, project, out) = synth_city();
    let whole = csv_table(&out.join("townships.csv"));
    let whole_counties = csv_table(&out.join("counties.csv"));
    for (code, planted) in &report.inventory.counties {
        let alone = run_county(project, &format!("synth-county-{code}"), code);
        let s = json(&alone.join("summary.json"));
        assert_eq!(s["county"], code.as_str());
        assert_eq!(s["parcels"]["count"].as_u64(), Some(planted.parcels as u64));
        assert!(
            !alone.join("counties.csv").exists(),
            "one county: no county table"
        );
        let row = whole_counties.iter().find(|r| &r["code"] == code).unwrap();
        assert_eq!(
            s["enterprises"]["count"].as_u64().map(|n| n.to_string()),
            Some(row["enterprises"].clone())
        );
        // the ledger's invalid credit codes it warns of are its own firms'
        // (their codes carry the county's code after the two first signs)
        let warning = s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w.as_str())
            .find(|w| w.contains("credit_code"))
            .unwrap_or_default()
            .to_string();
        let codes: Vec<&str> = warning
            .split(['(', ')'])
            .filter(|t| t.len() >= 17 && t.starts_with('9'))
            .collect();
        assert!(!codes.is_empty(), "{code}: {warning}");
        for c in codes {
            assert_eq!(&c[2..8], code.as_str(), "{warning}");
        }
        // the county's goals are the run's goals
        let goal = s["targets"]["vacated_mu"]["target"].as_f64().unwrap();
        assert_eq!(format!("{goal:.2}"), row["vacated_target_mu"]);

        let mine: Vec<_> = whole
            .iter()
            .filter(|r| r["code"].starts_with(code.as_str()))
            .collect();
        let own = csv_table(&alone.join("townships.csv"));
        assert_eq!(
            own.len(),
            mine.len(),
            "{code}: its townships, no unknown row"
        );
        for (a, b) in own.iter().zip(&mine) {
            for (key, value) in b.iter() {
                assert_eq!(&a[key], value, "{code} township {} {key}", b["code"]);
            }
        }
    }
}

/// The vacated block of TT-01, TT-02 (秀洲区) and TT-09 (南湖区) crosses
/// the county border. With blocks effective from 16 mu, the whole run
/// counts TT-09's 15.75 mu as effective (its block has 60.75), while
/// 南湖区's own run sees TT-09 alone, under 16 mu, and says why in its
/// report; 秀洲区's TT-01 and TT-02 (45 mu, their 3 mu of overlap counted
/// once) are effective either way.
#[test]
fn a_county_run_alone_cuts_a_vacated_block_at_its_border() {
    let edit = |dir: &Path| {
        across_the_border(dir);
        let project = dir.join("project.toml");
        let mut text = std::fs::read_to_string(&project).unwrap();
        text.push_str("\n[rules]\neffective_min_block_mu = 16\n");
        std::fs::write(&project, text).unwrap();
    };
    let (code, err, out) = run_edited("land", "cut-whole", edit);
    assert_eq!(code, 0, "{err}");
    let dir = out.parent().unwrap();
    let counties = csv_table(&out.join("counties.csv"));
    let effective = |code: &str| {
        let r = counties.iter().find(|r| r["code"] == code).unwrap();
        r["vacated_effective_mu"].parse::<f64>().unwrap()
    };
    assert_eq!(effective("330402"), 15.75);
    assert_eq!(effective("330411"), 45.0);
    let project = dir.join("project.toml");
    let nanhu = run_county(&project, "cut-330402", "330402");
    let xiuzhou = run_county(&project, "cut-330411", "330411");
    let v = |out: &Path| json(&out.join("summary.json"))["vacated"].clone();
    assert_eq!(v(&nanhu)["effective_mu"], 0.0);
    assert_eq!(v(&nanhu)["records"], 5);
    assert_eq!(v(&xiuzhou)["effective_mu"], 45.0);
    assert_eq!(v(&xiuzhou)["records"], 4);
    // the gross land is each record's own: the same either way
    let gross = |code: &str| {
        let r = counties.iter().find(|r| r["code"] == code).unwrap();
        r["vacated_gross_mu"].parse::<f64>().unwrap()
    };
    assert_eq!(v(&nanhu)["gross_mu"].as_f64(), Some(gross("330402")));
    assert_eq!(v(&xiuzhou)["gross_mu"].as_f64(), Some(gross("330411")));
    // the whole run's map is of the whole area, the county's of the county
    let whole = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(whole.contains("<h2>全域作战图</h2>"));
    let report = std::fs::read_to_string(nanhu.join("report.html")).unwrap();
    assert!(report.contains("<h2>南湖区作战图</h2>"));
    assert!(
        report.contains("南湖区单独一县的运行"),
        "the report says whose run it is"
    );
    assert!(report.contains("跨县界的工业连片和腾退连片在县界处截断"));
}

/// A county run alone on a project that sets it no goals tracks none of
/// the whole project's, and its report says why; its townships' goals stay.
#[test]
fn a_county_without_goals_of_its_own_is_told_so() {
    let out = run_county(&fixture("land/project.toml"), "county-no-goals", "330411");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["targets"].as_object().map(|t| t.len()), Some(0));
    assert!(s["township_targets"]["330411101"]["vacated_mu"].is_object());
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("项目文件未给本县设年度目标（[targets.counties.330411]）"));
    // the whole project's run lists its goals, and no such sentence
    let whole = run_ok(&fixture("land/project.toml"), "county-no-goals-whole");
    let s = json(&whole.join("summary.json"));
    assert!(s["targets"].as_object().is_some_and(|t| t.len() == 8));
    let report = std::fs::read_to_string(whole.join("report.html")).unwrap();
    assert!(!report.contains("项目文件未给本县设年度目标"));
}

#[test]
fn a_county_without_parcels_is_refused_naming_those_with_some() {
    let dir = scratch("no-such-county");
    for entry in std::fs::read_dir(fixture("land")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    two_counties(&dir);
    let project = dir.join("project.toml");
    let run = |code: &str| {
        let o = tudi(&[
            "run",
            project.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
            "--county",
            code,
        ]);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run("330481");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no parcel lies in county 330481"), "{err}");
    assert!(err.contains("330402, 330411"), "{err}");
    let (code, err) = run("33041");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not a county code"), "{err}");
    assert!(!dir.join("out").exists(), "nothing written");
}

/// The county level of the maps: the GeoPackage's `counties` layer holds
/// the county table on the counties' outlines (QGIS draws it with its
/// style), and the report map draws the borders, names the counties and
/// lists the border in its legend; a project in one county has none.
#[test]
fn the_maps_have_a_county_level() {
    let (_, _, out) = synth_city();
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let mut rows: Vec<(String, i64)> = db
        .prepare("SELECT code, parcels FROM counties ORDER BY code")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    let table: Vec<(String, i64)> = csv_table(&out.join("counties.csv"))
        .iter()
        .filter(|r| !r["code"].is_empty())
        .map(|r| (r["code"].clone(), r["parcels"].parse().unwrap()))
        .collect();
    assert_eq!(rows, table);
    let styled: i64 = db
        .query_row(
            "SELECT count(*) FROM layer_styles WHERE f_table_name = 'counties'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(styled, 1);
    let qgs = std::fs::read_to_string(out.join("tudi.qgs")).unwrap();
    assert!(
        qgs.contains("layername=counties"),
        "the QGIS project shows it"
    );
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    assert!(svg.contains(">县（市、区）界</text>"), "in the legend");
    for name in ["南湖区", "秀洲区", "嘉善县"] {
        assert!(
            svg.contains(&format!(">{name}</text>")),
            "{name} named on the map"
        );
    }

    let one = run_ok(&fixture("land/project.toml"), "one-county-maps");
    let db = rusqlite::Connection::open(one.join("tudi.gpkg")).unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM gpkg_contents WHERE table_name = 'counties'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    let svg = std::fs::read_to_string(one.join("map.svg")).unwrap();
    assert!(!svg.contains("县（市、区）界"));
}
