//! Park placement (入园安置方案) on the hand-made fixture
//! `tests/fixtures/placement` (see its `make_placement.py`): every answer
//! below is worked out by hand from round Gauss–Krüger metres near the
//! central meridian, where grid distances are geodesic to within 4e-5.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// placements.csv's rows, by the firm's name.
struct Rows(BTreeMap<String, BTreeMap<String, String>>);

impl Rows {
    /// The `key` cell of firm `firm` (企业`firm`).
    fn get(&self, firm: &str, key: &str) -> &str {
        &self.0[&format!("企业{firm}")][key]
    }

    fn has(&self, firm: &str) -> bool {
        self.0.contains_key(&format!("企业{firm}"))
    }
}

fn placements(out: &Path) -> Rows {
    let text = std::fs::read_to_string(out.join("placements.csv")).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    Rows(
        lines
            .map(|l| {
                let row: BTreeMap<String, String> = header
                    .iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect();
                (row["name"].clone(), row)
            })
            .collect(),
    )
}

fn fixture_project() -> std::path::PathBuf {
    fixture("placement/project.toml")
}

#[test]
fn the_optimal_placement_is_found_and_every_unplaced_firm_says_why() {
    let out = run_ok(&fixture_project(), "placement");
    let rows = placements(&out);
    // 甲园 has room for one of F01, F02 (600 m² each) and F03 (450 m²).
    // Greedy would give it F01 (1 km); the optimum gives it F03 (6 km),
    // whose only other park is the planned 丁园 10 km away, and sends F01
    // and F02 to 乙园 (4 + 3.5 km): 13.5 km against 14.5.
    assert_eq!(rows.get("F03", "park"), "甲园");
    assert_eq!(rows.get("F01", "park"), "乙园");
    assert_eq!(rows.get("F02", "park"), "乙园");
    // the planned park (opens 2021, 在建) is supply
    assert_eq!(rows.get("F04", "park"), "丁园");
    // land × demand_far: a 2 500 m² plot × 0.4
    assert_eq!(rows.get("F13", "floor_m2"), "1000.00");
    assert_eq!(rows.get("F13", "floor_source"), "land_far");
    // two firms share one 800 m² building on their parcel
    assert_eq!(rows.get("F14", "floor_source"), "buildings");
    assert!((rows.get("F14", "floor_m2").parse::<f64>().unwrap() - 400.0).abs() < 0.1);
    assert_eq!(rows.get("F15", "park"), "丙园");
    // room from the floor area (5 000 m²) less the firm inside (4 000 m²)
    assert_eq!(rows.get("F16", "park"), "戊园");
    // a relocate firm takes the room the into_park firms left, and goes in
    assert_eq!(rows.get("F09", "sought"), "relocate");
    assert_eq!(rows.get("F09", "park"), "丙园");
    assert_eq!(rows.get("F09", "disposition"), "into_park");

    // the unplaced, each with its reason, fall to their next disposition
    for (firm, reason, then) in [
        ("F05", "excluded", "upgrade"),       // chemicals, a key industry
        ("F06", "distance", "upgrade"),       // 20 km from the nearest park
        ("F07", "industry", "upgrade"),       // garments; only electronics within reach
        ("F08", "no_room", "upgrade"),        // 12 000 m², bigger than any room
        ("F12", "unknown_floor", "relocate"), // no floor, no parcel, no land
    ] {
        assert_eq!(rows.get(firm, "unplaced"), reason, "{firm}");
        assert_eq!(rows.get(firm, "park"), "", "{firm}");
        assert_eq!(rows.get(firm, "disposition"), then, "{firm}");
    }
    // done (F10) and already in a park (F11): they seek nothing
    assert!(!rows.has("F10") && !rows.has("F11"));

    let s = json(&out.join("summary.json"));
    let p = &s["placement"];
    assert_eq!(p["sought"], 14);
    assert_eq!(p["placed"], 9);
    assert_eq!(p["unplaced"], 5);
    for reason in [
        "no_room",
        "industry",
        "distance",
        "excluded",
        "unknown_floor",
    ] {
        assert_eq!(p["by_reason"][reason], 1, "{reason}");
    }
    // F03 6, F01 4, F02 3.5, F04 1, F13 0.2, F16 1, F14 1.118, F15 1.109
    // (into_park), F09 1 (relocate)
    let want = 6000.0
        + 4000.0
        + 3500.0
        + 1000.0
        + 200.0
        + 1000.0
        + 1000.0
        + (500f64.powi(2) + 1000f64.powi(2)).sqrt()
        + (480f64.powi(2) + 1000f64.powi(2)).sqrt();
    let km = p["distance_km"].as_f64().unwrap();
    assert!((km * 1000.0 - want).abs() < want * 1e-4, "{km} km");
    // few firms: the branch-and-bound proves it, the bound is the distance
    assert_eq!(p["proved_optimal"], true);
    assert_eq!(p["gap"], 0.0);
    // F06 + F07 + F08 want new park floor; F05 is kept out of parks
    assert_eq!(p["new_floor_needed_m2"], 13500.0);
    assert_eq!(p["planned_room_m2"], 2000.0);
    assert_eq!(s["parks"]["planned"], 1);
    // into_park: the nine placed and F10, done
    assert_eq!(s["enterprises"]["by_disposition"]["into_park"], 10);
    assert_eq!(s["enterprises"]["by_disposition"]["upgrade"], 5);
    assert_eq!(s["enterprises"]["by_disposition"]["relocate"], 1);

    // where the plan takes the goals: the eight parcels it empties (3.75 mu
    // each: F01–F04, F09, F13, F16 and the one F14 and F15 share; F05–F08
    // stay to upgrade, F10 has gone already) are vacated, none in a block
    // of 5 mu; every target is remediated; ten firms are in parks
    let goal = |g: &str, key: &str| s["targets"][g][key].as_f64();
    assert_eq!(goal("vacated_mu", "achieved"), None, "no vacated layer");
    assert!((goal("vacated_mu", "projected").unwrap() - 30.0).abs() < 0.01);
    assert_eq!(goal("effective_mu", "projected"), Some(0.0));
    assert_eq!(goal("remediated", "achieved"), Some(1.0));
    assert_eq!(goal("remediated", "projected"), Some(16.0));
    assert_eq!(goal("into_parks", "projected"), Some(10.0));
    assert_eq!(goal("upgraded", "projected"), Some(5.0));
    // the planned park opens in 2021, after the target year
    assert_eq!(goal("new_parks", "projected"), Some(0.0));

    // the planned park: no FAR yet, not flagged, drawn as planned
    let parks = json(&out.join("parks.geojson"));
    let ding = parks["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["name"] == "丁园")
        .unwrap();
    assert_eq!(ding["planned"], true);
    assert_eq!(ding["far"], serde_json::Value::Null);
    assert_eq!(ding["far_below_min"], false);
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    assert!(svg.contains("规划在建小微园"), "the map's legend");

    // and per township: F01–F04, F13 and F16 stand in 330411101, F09,
    // F14 and F15 in 330411102; the parcels they leave (3.75 mu each: six
    // in the first, F09's and the one F14 and F15 share in the second)
    let towns = std::fs::read_to_string(out.join("townships.csv")).unwrap();
    let mut lines = towns.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let by_code: BTreeMap<String, Vec<String>> = lines
        .map(|l| {
            let row: Vec<String> = l.split(',').map(String::from).collect();
            (row[at("code")].clone(), row)
        })
        .collect();
    for (code, placed, mu) in [("330411101", "6", 22.5), ("330411102", "3", 7.5)] {
        let row = &by_code[code];
        assert_eq!(row[at("placed")], placed, "{code}");
        let got: f64 = row[at("plan_vacated_mu")].parse().unwrap();
        assert!((got - mu).abs() < 0.01, "{code}: {got} mu");
    }

    // the report says it in words, beside the parks' room
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("安置入园 <b>9</b> 家"), "placement sentence");
    assert!(html.contains("仍需新建园区用房 <b>13,500</b> ㎡"));
    assert!(
        html.contains("按方案 <b>16</b>（4.0%）"),
        "remediated, projected"
    );
}

/// The fixture with `from` replaced by `to` in one of its files, run.
fn run_with(name: &str, file: &str, from: &str, to: &str) -> std::path::PathBuf {
    let (code, stderr, out) =
        run_edited("placement", name, |dir| replace(&dir.join(file), from, to));
    assert_eq!(code, 0, "{stderr}");
    out
}

#[test]
fn a_tighter_reach_and_a_township_preference_change_the_plan() {
    // max 3.6 km: F01 (4 km to 乙园) and F03 (6 km to 甲园) lose those
    // parks; F01 now takes 甲园 (1 km), F02 keeps 乙园 (3.5 km), and F03
    // (garments) has only 乙园 (plastics and metal) within reach
    let out = run_with(
        "placement-reach",
        "project.toml",
        "demand_far = 0.4",
        "demand_far = 0.4\nmax_move_km = 3.6",
    );
    let rows = placements(&out);
    assert_eq!(rows.get("F01", "park"), "甲园");
    assert_eq!(rows.get("F02", "park"), "乙园");
    assert_eq!(rows.get("F03", "unplaced"), "industry");
    assert_eq!(rows.get("F04", "park"), "丁园", "1 km away");

    // 乙园 lies in the other township. At 50 km for leaving one's
    // township, the least cost that still places every firm (a count comes
    // before any distance) sends one firm across the line, F04 (metal) to
    // 乙园, and fills the planned 丁园 with F01, F02 and F03 (1 650 of
    // 2 000 m²) and 甲园 with F13 (1 000 m²); any plan keeping F04 in 丁园
    // leaves 2 650 m² of firms for 1 500 m² of room.
    let out = run_with(
        "placement-township",
        "project.toml",
        "demand_far = 0.4",
        "demand_far = 0.4\nother_township_km = 50",
    );
    let rows = placements(&out);
    assert_eq!(rows.get("F04", "park"), "乙园");
    for firm in ["F01", "F02", "F03"] {
        assert_eq!(rows.get(firm, "park"), "丁园", "{firm}");
    }
    assert_eq!(rows.get("F13", "park"), "甲园");
    let s = json(&out.join("summary.json"));
    let p = &s["placement"];
    assert_eq!(p["placed"], 9);
    let h = |dx: f64, dy: f64| (dx * dx + dy * dy).sqrt() / 1000.0;
    let distance = 5.2
        + h(1000.0, 8000.0)
        + h(1500.0, 8000.0)
        + 10.0
        + h(5000.0, 9000.0)
        // F09, F16, F14, F15 as before
        + 2.0
        + h(500.0, 1000.0)
        + h(480.0, 1000.0);
    let near = |key: &str, want: f64| {
        let got = p[key].as_f64().unwrap();
        assert!(
            (got - want).abs() < want * 1e-4,
            "{key}: {got} against {want}"
        );
    };
    near("distance_km", distance);
    near("cost_km", distance + 50.0);
}

#[test]
fn a_park_whose_firms_floor_area_is_unknown_takes_nobody() {
    // 戊园 gives no vacant_m2; without the floor area of F11, the firm in
    // it, its room is unknown, and F16, whose only park within reach it
    // is, finds no room
    let out = run_with(
        "placement-unknown-room",
        "enterprises.csv",
        ",4000,480000.0,",
        ",,480000.0,",
    );
    let rows = placements(&out);
    assert_eq!(rows.get("F16", "unplaced"), "no_room");
    assert_eq!(rows.get("F16", "park"), "");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["placement"]["placed"], 8);
}

/// The placement fixture with its second township (丙园, 乙园 and the
/// firms F06–F09, F14, F15) in another county, 330402.
fn second_township_in_another_county(dir: &Path) {
    replace_all(&dir.join("parcels.geojson"), "330411102", "330402002");
}

#[test]
fn firms_stay_in_their_county_unless_the_rules_let_them_leave() {
    let one = placements(&run_ok(&fixture_project(), "placement-one-county"));
    let placed = |rows: &Rows| rows.0.values().filter(|r| !r["park"].is_empty()).count();

    // by default no firm moves into a park of another county: F01, F02
    // and F13 lose 乙园 across the line and share 甲园 and 丁园 with the
    // firms of 330411, leaving F04 no room
    let (code, err, cut) = run_edited(
        "placement",
        "placement-county",
        second_township_in_another_county,
    );
    assert_eq!(code, 0, "{err}");
    let rows = placements(&cut);
    for (firm, r) in &rows.0 {
        if !r["park"].is_empty() {
            assert_eq!(r["township"][..6], r["park_township"][..6], "{firm}");
        }
    }
    assert_eq!(rows.get("F13", "park"), "甲园");
    assert_eq!(rows.get("F04", "unplaced"), "no_room");
    assert_eq!(placed(&rows) + 1, placed(&one));

    // allowed to leave, the plan is the one-county plan: county lines then
    // weigh no more than township lines, which cost nothing by default
    let (code, err, across) = run_edited("placement", "placement-across", |dir| {
        second_township_in_another_county(dir);
        replace(
            &dir.join("project.toml"),
            "demand_far = 0.4",
            "demand_far = 0.4\nacross_counties = true",
        );
    });
    assert_eq!(code, 0, "{err}");
    let across = placements(&across);
    for (firm, r) in &one.0 {
        assert_eq!(across.0[firm]["park"], r["park"], "{firm}");
    }
}
