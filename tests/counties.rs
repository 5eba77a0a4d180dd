//! A project spanning counties (tests/fixtures/land with its second
//! township moved into another county): the county table — counties.csv,
//! the ledgers' sheet, the report's section, summary.json — holds each
//! county's figures, which are its townships' added up, and county goals
//! are counted in their county; a project in one county shows none.

mod common;

use std::path::Path;

use calamine::Reader;
use common::*;

/// The land fixture with township 330411102 (塘汇街道) in county 330402,
/// and goals for both counties.
fn two_counties(dir: &Path) {
    for file in ["parcels.geojson", "townships.geojson"] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("330411102"));
        std::fs::write(&path, text.replace("330411102", "330402002")).unwrap();
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

#[test]
fn a_vacated_block_across_a_county_border_is_named() {
    // TT-09, in the block of TT-01 and TT-02, recorded in the other county
    let (code, err, out) = run_edited("land", "cross-border", |dir| {
        two_counties(dir);
        let path = dir.join("vacated.geojson");
        let mut v = json(&path);
        for f in v["features"].as_array_mut().unwrap() {
            if f["properties"]["id"] == "TT-09" {
                f["properties"]["township"] = "330402002".into();
            }
        }
        std::fs::write(&path, v.to_string()).unwrap();
    });
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

/// A synthetic city of three counties, whose generator knows each
/// county's parcels and the blocks it planted across county borders: the
/// county table and the cross-border counts must find exactly those.
#[test]
fn a_synthetic_city_of_three_counties_is_counted_as_planted() {
    let dir = scratch("synth-counties-run");
    let report = tudi_synth::generate(&tudi_synth::SynthOptions {
        seed: 7,
        parcels: 8000,
        enterprises: None,
        out: dir.join("city"),
        counties: 3,
    })
    .unwrap();
    let inv = &report.inventory;
    assert!(inv.cross_county_blocks > 0 && inv.cross_county_vacated > 0);
    let out = run_ok(&dir.join("city/project.toml"), "synth-counties-out");
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
