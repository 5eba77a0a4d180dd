//! The zone arithmetic of `tudi_core::crs::zone` against GDAL's own
//! definitions of the zones.

use tudi_core::crs::tm::TransverseMercator;
use tudi_core::crs::zone::*;

use super::{Crs, Transform};

fn tm(definition: &str) -> TransverseMercator {
    match Crs::parse(definition).unwrap().transform {
        Transform::TransverseMercator(tm) => *tm,
        other => panic!("{definition} is {other:?}"),
    }
}

#[test]
fn suggested_codes_are_the_zones_gdal_knows() {
    // each code named as a fix is, by GDAL's own definition, the zone
    // it is named for
    for prefix in ZONES_3DEG.chain(ZONES_6DEG) {
        let (width, cm, code) = prefixed_zone(prefix).unwrap();
        let with = tm(&format!("EPSG:{code}"));
        assert_eq!(with.origin().0, f64::from(cm), "EPSG:{code}");
        assert_eq!(crs_prefix(&with), Some(prefix), "EPSG:{code}");
        let code = unprefixed_code(width, f64::from(cm)).unwrap();
        let without = tm(&format!("EPSG:{code}"));
        assert_eq!(without.origin().0, f64::from(cm), "EPSG:{code}");
        assert_eq!(crs_prefix(&without), Some(0), "EPSG:{code}");
    }
}

#[test]
fn eastings_of_a_zone_are_those_with_its_prefix() {
    assert_eq!(eastings(&tm("EPSG:4528")), Some(40e6..41e6));
    assert_eq!(eastings(&tm("EPSG:4549")), Some(0.0..1e6));
    // UTM is Gauss–Krüger-like (false easting 500 km); a local TM is not
    assert_eq!(eastings(&tm("EPSG:32651")), Some(0.0..1e6));
    let local = "+proj=tmerc +lat_0=30 +lon_0=120.5 +k=1 +x_0=50000 +y_0=0 +ellps=GRS80 +units=m";
    assert_eq!(eastings(&tm(local)), None);
}

#[test]
fn a_neighbouring_zone_names_the_right_one() {
    // zone 40 data under zone 39 (the East China Sea case)
    let m = mismatch(&tm("EPSG:4527"), 40_512_345.0);
    assert!(m.contains("prefix 40") && m.contains("zone 39"), "{m}");
    assert!(m.ends_with("EPSG:4528"), "{m}");
    // the same from a custom PROJ definition of zone 39
    let custom = "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=39500000 +y_0=0 +ellps=GRS80 +units=m";
    assert_eq!(mismatch(&tm(custom), 40_512_345.0), m);
    // 6° zone 19 data under 6° zone 18
    let m = mismatch(&tm("EPSG:4496"), 19_612_345.0);
    assert!(m.ends_with("EPSG:4497"), "{m}");
}

#[test]
fn prefix_present_or_missing_against_the_crs() {
    // prefixed data under a CRS without prefix
    let m = mismatch(&tm("EPSG:4549"), 40_512_345.0);
    assert!(
        m.contains("zone without prefix") && m.ends_with("EPSG:4528"),
        "{m}"
    );
    // data without prefix under a prefixed CRS: the same zone without
    let m = mismatch(&tm("EPSG:4528"), 512_345.0);
    assert!(
        m.contains("no zone prefix") && m.ends_with("EPSG:4549"),
        "{m}"
    );
    let m = mismatch(&tm("EPSG:4497"), 512_345.0);
    assert!(m.ends_with("EPSG:4508"), "6° zone 19 (111°E): {m}");
}

#[test]
fn northings_as_eastings_suggest_swapped_axes() {
    let m = mismatch(&tm("EPSG:4549"), 3_400_000.0);
    assert!(m.contains("3xxxxxx") && m.contains("swapped"), "{m}");
    let m = mismatch(&tm("EPSG:4549"), -700_000.0);
    assert!(m.contains("negative eastings"), "{m}");
    // the same message for every easting of one prefix
    assert_eq!(
        mismatch(&tm("EPSG:4527"), 40_380_000.0),
        mismatch(&tm("EPSG:4527"), 40_620_000.0)
    );
}
