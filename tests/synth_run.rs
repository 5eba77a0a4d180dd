//! Whole runs against expected summaries: a synthetic district's generator
//! plants scenarios (scattered groups, unlocated firms, wrong TBMJ, ...)
//! and reports how many it planted; the analysis, which knows nothing of
//! the plan, must find exactly those.

mod common;

use common::*;
use tudi::synth::{generate, SynthOptions};

fn check_seed(seed: u64, parcels: usize) {
    let dir = scratch(&format!("synth-{seed}"));
    let report = generate(&SynthOptions {
        seed,
        parcels,
        enterprises: None,
        out: dir.join("district"),
    })
    .unwrap();
    let inv = &report.inventory;
    let out = run_ok(
        &dir.join("district/project.toml"),
        &format!("synth-{seed}-run"),
    );
    let s = json(&out.join("summary.json"));
    let n = |section: &str, key: &str| s[section][key].as_u64().unwrap() as usize;
    assert_eq!(n("parcels", "count"), report.parcels, "seed {seed}");
    assert_eq!(n("enterprises", "count"), report.enterprises, "seed {seed}");
    assert_eq!(
        n("scattered", "blocks"),
        inv.expected_scattered,
        "seed {seed}: scattered blocks"
    );
    assert_eq!(
        n("enterprises", "unlocated"),
        inv.ent_outside,
        "seed {seed}: unlocated"
    );
    assert_eq!(
        n("enterprises", "invalid_credit_codes"),
        inv.ent_invalid_code,
        "seed {seed}"
    );
    assert_eq!(
        n("parcels", "area_mismatches"),
        inv.tbmj_off,
        "seed {seed}: TBMJ"
    );
    assert_eq!(
        s["enterprises"]["by_group"]["d_three_years"]
            .as_u64()
            .unwrap() as usize,
        inv.ent_ddd,
        "seed {seed}"
    );

    // village blocks of 5 mu or more outside the parks: chains, road pairs
    // and large cropland clusters
    let blocks = json(&out.join("blocks.geojson"));
    let large_village = blocks["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let p = &f["properties"];
            p["in_village"].as_bool().unwrap() && !p["scattered"].as_bool().unwrap()
        })
        .count();
    assert!(
        large_village >= inv.expected_large_village,
        "seed {seed}: {large_village} large village blocks"
    );
}

#[test]
fn planted_scenarios_are_found_for_several_seeds() {
    for seed in [1, 7, 2020] {
        check_seed(seed, 3000);
    }
}

#[test]
fn the_committed_sample_matches_its_readme() {
    // data/README.md: seed 20200, 6 000 parcels; 84 village clusters under
    // 5 mu, 6 firms outside every parcel, 12 invalid credit codes, 45
    // parcels with TBMJ 2–10 % off, 25 firms graded D three years running
    let out = run_ok(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml"),
        "sample",
    );
    let s = json(&out.join("summary.json"));
    assert_eq!(s["parcels"]["count"], 6000);
    assert_eq!(s["scattered"]["blocks"], 84);
    assert_eq!(s["enterprises"]["count"], 600);
    assert_eq!(s["enterprises"]["unlocated"], 6);
    assert_eq!(s["enterprises"]["invalid_credit_codes"], 12);
    assert_eq!(s["parcels"]["area_mismatches"], 45);
    assert_eq!(s["enterprises"]["by_group"]["d_three_years"], 25);
}
