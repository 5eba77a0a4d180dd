//! The hand-made district (tests/fixtures/district, see make_district.py):
//! every count, block, predicate, group and disposition below was worked
//! out by hand from the fixture's geometry and ledger.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn by_name(enterprises: &Value) -> BTreeMap<String, Value> {
    enterprises["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["properties"]["name"]
                .as_str()
                .unwrap()
                .trim_end_matches("有限公司")
                .to_string();
            (name, f["properties"].clone())
        })
        .collect()
}

fn groups(p: &Value) -> Vec<&str> {
    p["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect()
}

#[test]
fn summary_counts_match_the_hand_worked_answers() {
    let out = run_ok(&fixture("district/project.toml"), "summary");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["parcels"]["count"], 17);
    // Z, B, A, C1–C3, G1–G2, F1–F2, H1–H3, P, Q
    assert_eq!(s["parcels"]["industrial"], 15);
    // all but the zone Z and the town plot Q (CZCSXM 202)
    assert_eq!(s["parcels"]["village_industrial"], 13);
    // Z+B, A, C, G, F1, F2, H, P, Q
    assert_eq!(s["blocks"]["count"], 9);
    // A, G1, G2, F1, F2, P in blocks A, G, F1, F2, P
    assert_eq!(s["scattered"]["parcels"], 6);
    assert_eq!(s["scattered"]["blocks"], 5);
    // 2000 + 4 × 1000 + 2000 m² of Gauss–Krüger plane = 12 mu; the plane
    // overstates the ellipsoid by ~(20 km)²/2R² ≈ 5 ppm here.
    let mu = s["scattered"]["area_mu"].as_f64().unwrap();
    assert!((mu - 12.0).abs() < 12.0 * 2e-5, "{mu}");
    assert_eq!(s["parcels"]["area_mismatches"], 1);
    let e = &s["enterprises"];
    assert_eq!(e["count"], 15);
    assert_eq!(e["unlocated"], 1);
    assert_eq!(e["targets"], 9);
    assert_eq!(e["invalid_credit_codes"], 1);
    let expected_groups = serde_json::json!({
        "village_small_low": 3, "d_three_years": 1, "no_legal_land": 1,
        "outside_plan": 1, "protected": 1, "low_yield": 5
    });
    assert_eq!(e["by_group"], expected_groups);
    let expected_dispositions =
        serde_json::json!({"close": 3, "relocate": 1, "into_park": 4, "upgrade": 1});
    assert_eq!(e["by_disposition"], expected_dispositions);
    // the project file's order is kept
    let order: Vec<&String> = e["by_group"].as_object().unwrap().keys().collect();
    assert_eq!(
        order,
        [
            "village_small_low",
            "d_three_years",
            "no_legal_land",
            "outside_plan",
            "protected",
            "low_yield"
        ]
    );
}

#[test]
fn each_enterprise_gets_its_hand_worked_groups_and_disposition() {
    let out = run_ok(&fixture("district/project.toml"), "enterprises");
    let e = by_name(&json(&out.join("enterprises.geojson")));
    let expect = |name: &str, parcel: Option<&str>, g: &[&str], d: Option<&str>| {
        let p = &e[name];
        assert_eq!(p["parcel_id"].as_str(), parcel, "{name} parcel");
        assert_eq!(groups(p), g, "{name} groups");
        assert_eq!(p["disposition"].as_str(), d, "{name} disposition");
        assert_eq!(
            p["target"].as_bool().unwrap(),
            !g.is_empty(),
            "{name} target"
        );
    };
    expect(
        "E1",
        Some("102"),
        &["village_small_low", "low_yield"],
        Some("into_park"),
    );
    expect("E2", Some("100"), &["d_three_years"], Some("close"));
    expect("E3", Some("114"), &["no_legal_land"], Some("into_park"));
    expect("E4", Some("111"), &["outside_plan"], Some("relocate"));
    expect("E5", Some("108"), &["protected"], Some("close"));
    expect("E6", None, &[], None);
    // on the vertex C1 and C2 share: the smaller id wins
    expect("E7", Some("103"), &[], None);
    expect("E8", Some("100"), &[], None);
    expect(
        "E9",
        Some("106"),
        &["village_small_low", "low_yield"],
        Some("into_park"),
    );
    expect(
        "E10",
        Some("106"),
        &["village_small_low", "low_yield"],
        Some("into_park"),
    );
    expect("E11", Some("116"), &[], None);
    // key industry with a D grade, but in no target group: no disposition
    expect("E12", Some("105"), &[], None);
    expect("E13", Some("104"), &["low_yield"], Some("close"));
    expect("E14", Some("100"), &["low_yield"], Some("upgrade"));
    // 2 万元 per mu: under 3 but not under 1, and in no group
    expect("E15", Some("116"), &[], None);

    // predicates one by one
    let t = |name: &str, pred: &str| e[name][pred].as_bool().unwrap();
    assert!(t("E1", "scattered_plot") && t("E1", "in_village") && t("E1", "below_scale"));
    assert!(t("E1", "grade_c_or_worse") && !t("E1", "grade_d"));
    assert!(t("E2", "d_three_years") && t("E2", "key_industry") && t("E2", "grade_d"));
    assert!(!t("E2", "in_village") && !t("E2", "below_scale"));
    assert!(t("E3", "no_legal_land") && t("E3", "in_village") && !t("E3", "scattered_plot"));
    assert!(
        t("E4", "outside_plan") && !t("E4", "scattered_plot"),
        "H chain of 8 m gaps is 5.4 mu"
    );
    assert!(t("E5", "in_protected") && t("E5", "scattered_plot"));
    assert!(!t("E6", "in_village") && !t("E6", "outside_plan") && t("E6", "unlocated"));
    assert!(!t("E7", "scattered_plot"), "C chain adds up to 5.4 mu");
    assert!(!t("E11", "credit_code_valid") && !t("E11", "in_village"));
    assert!(t("E12", "key_industry") && t("E12", "grade_d") && !t("E12", "d_three_years"));
    assert!(t("E13", "key_industry"), "C2211 is paper (22)");
    assert!(t("E13", "tax_per_mu_under_1") && t("E13", "tax_per_mu_under_3"));
    assert!(!t("E5", "tax_per_mu_under_3") && !t("E5", "tax_per_mu_under_1"));
    assert!(t("E15", "tax_per_mu_under_3") && !t("E15", "tax_per_mu_under_1"));
    // E9 and E10 share G1's 1.5 mu equally: 0.6 万元 / 0.75 mu
    let tpm = e["E9"]["tax_per_mu"].as_f64().unwrap();
    assert!((tpm - 0.8).abs() < 1e-3, "{tpm}");
    // E1 alone on A's 3 mu: 2 / 3
    let tpm = e["E1"]["tax_per_mu"].as_f64().unwrap();
    assert!((tpm - 2.0 / 3.0).abs() < 1e-3, "{tpm}");
    // E8 gives land_mu: 500 / 50
    assert_eq!(e["E8"]["tax_per_mu"].as_f64().unwrap(), 10.0);
    assert!(e["E6"]["tax_per_mu"].is_null());
}

#[test]
fn blocks_and_scattered_parcels_are_the_hand_worked_ones() {
    let out = run_ok(&fixture("district/project.toml"), "blocks");
    let scattered = json(&out.join("scattered_parcels.geojson"));
    let ids: Vec<(&str, i64)> = scattered["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["id"].as_str().unwrap(),
                f["properties"]["block_id"].as_i64().unwrap(),
            )
        })
        .collect();
    // blocks are numbered by their smallest parcel id
    assert_eq!(
        ids,
        [
            ("102", 2),
            ("106", 4),
            ("107", 4),
            ("108", 5),
            ("109", 6),
            ("113", 8)
        ]
    );
    let g1 = &scattered["features"][1]["properties"];
    assert_eq!(g1["township"], "330411102");
    assert_eq!(g1["village"], "西村");
    assert!((g1["block_mu"].as_f64().unwrap() - 3.0).abs() < 1e-3);

    let blocks = json(&out.join("blocks.geojson"));
    let b: Vec<&Value> = blocks["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .collect();
    let summary: Vec<(i64, i64, bool, bool)> = b
        .iter()
        .map(|p| {
            (
                p["block_id"].as_i64().unwrap(),
                p["parcels"].as_i64().unwrap(),
                p["in_village"].as_bool().unwrap(),
                p["scattered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, 2, true, false),
            (2, 1, true, true),
            (3, 3, true, false),
            (4, 2, true, true),
            (5, 1, true, true),
            (6, 1, true, true),
            (7, 3, true, false),
            (8, 1, true, true),
            (9, 1, false, false)
        ]
    );
    // Z (133 600 m²) and B (2 000 m²) dissolve into one polygon of 203.4 mu
    assert_eq!(blocks["features"][0]["geometry"]["type"], "Polygon");
    assert!((b[0]["area_mu"].as_f64().unwrap() - 203.4).abs() < 203.4 * 2e-5);
    // the 5-m pair stays two polygons in one block
    assert_eq!(blocks["features"][3]["geometry"]["type"], "MultiPolygon");
    let c = b[2]["area_mu"].as_f64().unwrap();
    assert!((c - 5.4).abs() < 1e-3, "{c}");

    let mismatches = std::fs::read_to_string(out.join("area_mismatches.csv")).unwrap();
    let rows: Vec<&str> = mismatches.lines().skip(1).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].starts_with("115,0702,东村,"), "{}", rows[0]);
}

#[test]
fn a_villages_layer_gives_the_same_answers_as_czcsxm() {
    let a = run_ok(&fixture("district/project.toml"), "v-a");
    let b = run_ok(&fixture("district/project_villages.toml"), "v-b");
    let strip = |v: Value| {
        let mut v = v;
        v.as_object_mut().unwrap().remove("project");
        v
    };
    assert_eq!(
        strip(json(&a.join("summary.json"))),
        strip(json(&b.join("summary.json")))
    );
    for f in [
        "scattered_parcels.geojson",
        "enterprises.geojson",
        "blocks.geojson",
        "targets.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn two_runs_give_identical_bytes() {
    // this district and the parks / vacated-land one: every output,
    // GeoPackage and workbook included
    for (k, project) in ["district/project.toml", "land/project.toml"]
        .into_iter()
        .enumerate()
    {
        let a = run_ok(&fixture(project), &format!("det-a{k}"));
        let b = run_ok(&fixture(project), &format!("det-b{k}"));
        let mut names: Vec<_> = std::fs::read_dir(&a)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != ".tudi")
            .collect();
        names.sort();
        assert!(names.len() >= 16, "{names:?}");
        for n in names {
            assert_eq!(
                std::fs::read(a.join(&n)).unwrap(),
                std::fs::read(b.join(&n)).unwrap(),
                "{project}: {n:?}"
            );
        }
    }
}

#[test]
fn outputs_are_rfc7946_and_excel_ready() {
    let out = run_ok(&fixture("district/project.toml"), "formats");
    let blocks = json(&out.join("blocks.geojson"));
    assert!(blocks.get("crs").is_none());
    // exterior rings counter-clockwise (positive shoelace in lon/lat)
    for f in blocks["features"].as_array().unwrap() {
        let polys = match f["geometry"]["type"].as_str().unwrap() {
            "Polygon" => vec![f["geometry"]["coordinates"].clone()],
            _ => f["geometry"]["coordinates"].as_array().unwrap().clone(),
        };
        for p in polys {
            let ring = p[0].as_array().unwrap();
            let pts: Vec<(f64, f64)> = ring
                .iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect();
            let s: f64 = pts
                .windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum();
            assert!(
                s > 0.0,
                "clockwise exterior in block {}",
                f["properties"]["block_id"]
            );
            assert!(
                (110.0..130.0).contains(&pts[0].0) && (20.0..40.0).contains(&pts[0].1),
                "lon/lat order"
            );
        }
    }
    let csv = std::fs::read(out.join("targets.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 1 + 9, "header and nine targets");
    assert!(text.contains("E13有限公司"));
}
