//! The hand-made parks / FAR / vacated-land fixture (tests/fixtures/land,
//! see make_land.py). Its rectangles sit on the Gauss–Krüger central
//! meridian, where the grid scale is 1 to within 2e-8, so every area below
//! is a rectangle's area worked out by hand (1 mu = 666.67 m²).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const PROJECT: &str = "land/project.toml";

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    assert!(
        (a - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "{what}: {a} != {expected}"
    );
}

fn features(path: &std::path::Path, key: &str) -> BTreeMap<String, Value> {
    json(path)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let k = match &f["properties"][key] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k, f["properties"].clone())
        })
        .collect()
}

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    text.lines()
        .map(|l| {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes())
                .records()
                .next()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn a_building_straddling_two_parcels_is_split_by_its_footprint() {
    let out = run_ok(&fixture(PROJECT), "land-far");
    let rows = csv_rows(&out.join("industrial_far.csv"));
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    // 201: 1 600 m² × 3 + half of 1 600 m² × 2 = 6 400 m² on 10 000 m².
    assert_eq!(row("201")[6], "6400.00");
    assert_eq!(row("201")[8], "0.6400");
    assert_eq!(row("201")[10], "2", "two buildings stand (partly) on 201");
    // 202: the other half (1 600) + a ledger floor area of 10 000 (wins
    // over 1 600 m² × 4 storeys) = 11 600 m².
    assert_eq!(row("202")[6], "11600.00");
    assert_eq!(row("202")[7], "2400.00", "footprint 800 + 1 600");
    // Their block: 18 000 m² on 20 000 m², the straddler counted once.
    assert_eq!(row("201")[11], "0.9000");
    // 203: one storey when storeys are unknown: 400 / 6 000.
    assert_eq!(row("203")[8], "0.0667");
    let s = json(&out.join("summary.json"));
    close(
        &s["far"]["industrial_floor_area_m2"],
        18_400.0,
        "floor area",
    );
    assert_eq!(s["far"]["low_density_parcels"], 3, "203, 204 and 205");
    close(
        &s["far"]["low_density_mu"],
        9.0 + 99.0 + 3.6,
        "low-density mu",
    );
    close(
        &s["far"]["unplaced_floor_area_m2"],
        114_400.0,
        "park buildings",
    );
    let low = features(&out.join("low_density_parcels.geojson"), "id");
    assert_eq!(low.keys().collect::<Vec<_>>(), ["203", "204", "205"]);
}

#[test]
fn aggregate_and_mean_park_far_are_both_reported_and_differ() {
    let out = run_ok(&fixture(PROJECT), "land-parks");
    let s = json(&out.join("summary.json"));
    let p = &s["parks"];
    assert_eq!(p["count"], 2);
    close(&p["land_mu"], 157.5, "150 + 7.5 mu");
    close(&p["floor_area_m2"], 114_400.0, "100 000 + 14 400");
    // (100 000 + 14 400) / 105 000 m², against (1.00 + 2.88) / 2.
    close(&p["aggregate_far"], 1.0895, "aggregate FAR");
    close(&p["mean_far"], 1.94, "mean FAR");
    assert_eq!(p["below_min"], 1);
    assert_eq!(p["opened_in_year"], 1);
    let parks = features(&out.join("parks.geojson"), "name");
    let a = &parks["新城小微园"];
    close(&a["far"], 1.0, "park A FAR");
    close(&a["building_density"], 0.2, "park A density");
    assert_eq!(a["far_below_min"], true);
    assert_eq!(a["enterprises"], 1);
    close(&a["tax_per_mu"], 0.2, "30 万元 on 150 mu");
    assert_eq!(a["township"], "330411101");
    let b = &parks["塘汇小微园"];
    close(&b["far"], 2.88, "park B FAR");
    assert_eq!(b["far_below_min"], false);
    close(&b["tax_per_mu"], 1.6, "12 万元 on 7.5 mu");
}

#[test]
fn vacated_land_counts_overlaps_once_and_only_large_blocks_as_effective() {
    let out = run_ok(&fixture(PROJECT), "land-vacated");
    let s = json(&out.join("summary.json"));
    let v = &s["vacated"];
    // TT-01 ∪ TT-02 = 45 mu (they share 3), TT-09 15.75, TT-03 9, TT-04
    // 2.4, TT-05 15, TT-06 2.4.
    close(&v["gross_mu"], 89.55, "gross");
    // TT-03 loses 1.5 mu to the red line and falls apart into two 3.75-mu
    // halves 20 m apart; effective: the 60.75-mu block and TT-05's 15.
    close(&v["protected_mu"], 1.5, "protected");
    close(&v["effective_mu"], 75.75, "effective");
    close(&v["contiguity_rate"], 0.6784, "60.75 / 89.55");
    close(&v["planned_mu"], 4.5, "planned");
    close(&v["in_progress_mu"], 7.5, "in progress");
    assert_eq!(v["blocks"], 6);
    assert_eq!(v["effective_blocks"], 2);
    assert_eq!(v["overlaps"], 1);
    close(&v["overlap_mu"], 3.0, "overlap");
    assert_eq!(v["claim_mismatches"], 1);
    assert_eq!(v["occupied"], 1);
    assert_eq!(v["undated"], 1);
    assert_eq!(v["outside"], 1);

    let records = features(&out.join("vacated.geojson"), "id");
    let checks = |id: &str| records[id]["checks"].clone();
    assert_eq!(checks("TT-01"), serde_json::json!(["overlap", "occupied"]));
    assert_eq!(records["TT-01"]["occupants"], serde_json::json!(["仍在厂"]));
    assert_eq!(
        checks("TT-02"),
        serde_json::json!(["overlap"]),
        "-1.96 % is within 3 %"
    );
    assert_eq!(checks("TT-04"), serde_json::json!(["claim_mismatch"]));
    close(
        &records["TT-04"]["claim_difference_percent"],
        25.0,
        "3 vs 2.4 mu",
    );
    assert_eq!(
        checks("TT-05"),
        serde_json::json!(["undated"]),
        "the firm on it left for a park"
    );
    assert_eq!(checks("TT-06"), serde_json::json!(["outside"]));
    assert_eq!(checks("TT-03"), serde_json::json!([]));
    close(&records["TT-03"]["protected_mu"], 1.5, "TT-03 protected");
    close(&records["TT-03"]["effective_mu"], 0.0, "TT-03 effective");
    close(&records["TT-02"]["effective_mu"], 25.5, "TT-02 effective");
    assert_eq!(records["TT-03"]["blocks"], serde_json::json!(["2", "3"]));
    assert_eq!(records["TT-02"]["township"], "330411101", "from its parcel");
    assert_eq!(
        records["TT-06"]["township"], "330411102",
        "from the townships layer"
    );

    let blocks = features(&out.join("vacated_blocks.geojson"), "block_id");
    close(&blocks["1"]["area_mu"], 60.75, "block 1");
    assert_eq!(
        blocks["1"]["records"],
        serde_json::json!(["TT-01", "TT-02", "TT-09"])
    );
    assert_eq!(blocks["1"]["contiguous"], true);
    close(&blocks["2"]["area_mu"], 3.75, "half of TT-03");
    assert_eq!(blocks["2"]["effective"], false);

    let checks_csv = csv_rows(&out.join("vacated_checks.csv"));
    assert_eq!(checks_csv[0][0], "check");
    let first: Vec<&str> = checks_csv[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        first,
        [
            "overlap",
            "claim_mismatch",
            "occupied",
            "undated",
            "outside"
        ]
    );
    assert_eq!(checks_csv[1][1..4], ["TT-01", "done", "TT-02"]);
}

#[test]
fn the_time_line_accumulates_the_union_month_by_month() {
    let out = run_ok(&fixture(PROJECT), "land-timeline");
    let rows = csv_rows(&out.join("timeline.csv"));
    let got: Vec<(String, String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[3].clone()))
        .collect();
    let want = [
        ("2020-03", "1", "22.5000"),
        // TT-02 adds 25.5 − 3 shared, TT-09 15.75
        ("2020-04", "2", "60.7500"),
        ("2020-05", "0", "60.7500"),
        ("2020-06", "3", "74.5500"),
    ];
    assert_eq!(
        got,
        want.map(|(m, n, c)| (m.to_string(), n.to_string(), c.to_string()))
    );
}

#[test]
fn targets_progress_and_overdue_come_from_the_data() {
    let out = run_ok(&fixture(PROJECT), "land-targets");
    let s = json(&out.join("summary.json"));
    let t = &s["targets"];
    close(&t["vacated_mu"]["achieved"], 89.55, "vacated");
    close(&t["vacated_mu"]["progress"], 0.0448, "89.55 / 2000");
    close(&t["effective_mu"]["achieved"], 75.75, "effective");
    // done targets: 已入园 (company, into_park) and 小作坊 (workshop, upgrade)
    close(&t["remediated"]["achieved"], 2.0, "remediated");
    close(&t["remediated_enterprises"]["achieved"], 1.0, "companies");
    close(&t["upgraded"]["achieved"], 1.0, "upgraded");
    close(&t["into_parks"]["achieved"], 1.0, "into parks");
    close(&t["new_parks"]["achieved"], 1.0, "opened in 2020");
    close(
        &t["new_park_floor_m2"]["achieved"],
        100_000.0,
        "its floor area",
    );
    close(&t["new_parks"]["progress"], 0.2, "1 of 5");
    // 仍在厂: pending, deadline 2020-09-30 before 2020-12-31. 三年D is in
    // progress with a 2021 deadline: not overdue.
    assert_eq!(s["overdue"], 1);
    close(
        &s["township_targets"]["330411101"]["vacated_mu"]["achieved"],
        69.75,
        "新城街道: TT-01/02/09 and TT-03",
    );
    let towns = csv_rows(&out.join("townships.csv"));
    assert_eq!(towns[1][..2], ["330411101", "新城街道"]);
    assert_eq!(towns[1][10], "1", "one overdue target");
    assert_eq!(towns[1][14..16], ["69.7500", "60.7500"]);
    assert_eq!(towns[1][18..20], ["100.00", "0.6975"]);
    assert_eq!(towns[2][..2], ["330411102", "塘汇街道"]);
    assert_eq!(towns[2][14..18], ["19.8000", "15.0000", "4.5000", "0.0000"]);
    let targets = csv_rows(&out.join("targets.csv"));
    let overdue_col = targets[0].iter().position(|h| h == "overdue").unwrap();
    let overdue: Vec<&str> = targets[1..]
        .iter()
        .filter(|r| r[overdue_col] == "true")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(overdue, ["仍在厂"]);
}

#[test]
fn as_of_on_the_command_line_overrides_the_project() {
    let dir = scratch("land-as-of");
    let out = dir.join("out");
    let o = tudi(&[
        "run",
        fixture(PROJECT).to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2020-09-01",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = json(&out.join("summary.json"));
    assert_eq!(s["as_of"], "2020-09-01");
    assert_eq!(s["overdue"], 0, "2020-09-30 has not passed yet");
}

#[test]
fn bad_vacated_records_are_named() {
    let (code, err, out) = run_edited("land", "land-bad", |dir| {
        let records = dir.join("vacated.geojson");
        replace(&records, "\"2020-06-15\"", "\"2020-06-31\"");
        replace(&records, "\"in_progress\"", "\"halfway\"");
    });
    assert_eq!(code, 2);
    assert!(
        err.contains("vacated.geojson")
            && err.contains("feature 4 (id TT-04)")
            && err.contains("field done_date")
            && err.contains("2020-06-31"),
        "{err}"
    );
    assert!(
        err.contains("feature 7 (id TT-07)") && err.contains("unknown status 'halfway'"),
        "{err}"
    );
    assert!(!out.exists(), "no output on bad input");
}

#[test]
fn the_seeds_twelve_parks_come_out_at_the_published_totals() {
    // Xiuzhou's 12 parks: 1 088 300 m² of floor area at FAR 1.26, rebuilt
    // from footprints × storeys (tests/fixtures/make_parks12.py). The grid
    // scale 4.8 km off the meridian makes the ellipsoidal figures 6e-7
    // smaller than the grid's, well under a square metre.
    let out = run_ok(&fixture("parks12/project.toml"), "parks12");
    let s = json(&out.join("summary.json"));
    let p = &s["parks"];
    assert_eq!(p["count"], 12);
    let floor = p["floor_area_m2"].as_f64().unwrap();
    assert!((floor - 1_088_300.0).abs() < 1.0, "{floor}");
    assert_eq!(
        p["aggregate_far"].as_f64().map(|f| (f * 100.0).round()),
        Some(126.0)
    );
    let land_m2 = p["land_mu"].as_f64().unwrap() * 10_000.0 / 15.0;
    assert!((land_m2 - 863_700.0).abs() < 1.0, "{land_m2}");
    // the parks' own FARs average 1.33: the mean is not the aggregate
    assert!((p["mean_far"].as_f64().unwrap() - 1.3328).abs() < 1e-4);
    assert_eq!(
        p["below_min"], 5,
        "0.8, 0.9, 1.0, 1.1 and the last park's 0.79"
    );
}

#[test]
fn a_misspelt_field_of_a_new_layer_is_named_with_its_file() {
    let (code, err, out) = run_edited("land", "land-field", |dir| {
        replace(
            &dir.join("project.toml"),
            "[layers.buildings]\npath = \"buildings.geojson\"\n",
            "[layers.buildings]\npath = \"buildings.geojson\"\nfields = { floors = \"storeys\" }\n",
        )
    });
    assert_eq!(code, 2);
    assert!(
        err.contains("buildings.geojson") && err.contains("storeys"),
        "{err}"
    );
    assert!(!out.exists());
}
