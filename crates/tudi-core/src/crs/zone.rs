//! Gauss–Krüger zone prefixes. Chinese survey data gives eastings either
//! with the zone number in front (zone 40: 40 500 000 m on the central
//! meridian, EPSG:4528) or without (500 000 m, EPSG:4549). A CRS of the
//! neighbouring zone, or one with a prefix where the data has none (or the
//! reverse), can still land in or near China, so the bounds check misses
//! it and the district ends up in the sea. What eastings a projection can
//! hold is decided from its definition (false easting, origin), so custom
//! PROJ and WKT definitions are checked too; the EPSG codes below only
//! name the likely fix. Tested against GDAL's own zone definitions in
//! tudi-read (`crs::zone_tests`).

use std::ops::{Range, RangeInclusive};

use super::tm::TransverseMercator;

/// Eastings of consecutive zone prefixes differ by this.
const PREFIX_STEP: f64 = 1_000_000.0;
/// The false easting of a Gauss–Krüger zone past its prefix; its eastings
/// keep within this of the false easting (a 6° zone reaches 340 km from
/// its central meridian at the equator), while another prefix lies a
/// whole step away.
const HALF_STEP: f64 = 500_000.0;
/// Zone numbers of the CGCS2000 3° Gauss–Krüger zones over China (central
/// meridians 75°E–135°E, zone n at 3n°E). The 3° and 6° ranges do not
/// overlap, so a prefix tells the zone's width.
pub const ZONES_3DEG: RangeInclusive<u32> = 25..=45;
/// Zone numbers of the CGCS2000 6° Gauss–Krüger zones over China (central
/// meridians 75°E–135°E, zone n at 6n − 3 °E).
pub const ZONES_6DEG: RangeInclusive<u32> = 13..=23;

/// The zone prefix of a Gauss–Krüger-like projection (origin on the
/// equator, no false northing, false easting k·10⁶ + 500 000 m): k, 0 when
/// it has none. `None` for any other Transverse Mercator.
pub fn crs_prefix(tm: &TransverseMercator) -> Option<u32> {
    let (fe, fnorth) = tm.false_origin();
    let k = ((fe - HALF_STEP) / PREFIX_STEP).round();
    let gk = tm.origin().1 == 0.0
        && fnorth == 0.0
        && (0.0..=99.0).contains(&k)
        && (fe - (k * PREFIX_STEP + HALF_STEP)).abs() < 1e-6;
    gk.then_some(k as u32)
}

/// The eastings `tm` can hold when it is Gauss–Krüger-like: those carrying
/// its own zone prefix (none, for a projection without one). `None` for
/// other Transverse Mercators, whose reach this cannot tell.
pub fn eastings(tm: &TransverseMercator) -> Option<Range<f64>> {
    crs_prefix(tm).map(|_| {
        let fe = tm.false_origin().0;
        fe - HALF_STEP..fe + HALF_STEP
    })
}

/// The CGCS2000 zone with `prefix` in its eastings: (width in degrees,
/// central meridian, EPSG code).
pub fn prefixed_zone(prefix: u32) -> Option<(u32, u32, u32)> {
    if ZONES_3DEG.contains(&prefix) {
        Some((3, 3 * prefix, 4513 + prefix - ZONES_3DEG.start()))
    } else if ZONES_6DEG.contains(&prefix) {
        Some((6, 6 * prefix - 3, 4491 + prefix - ZONES_6DEG.start()))
    } else {
        None
    }
}

/// The EPSG code of the CGCS2000 zone without prefix on central meridian
/// `cm`, `width` degrees wide.
pub fn unprefixed_code(width: u32, cm: f64) -> Option<u32> {
    let cm = (cm.fract() == 0.0 && (75.0..=135.0).contains(&cm)).then_some(cm as u32)?;
    match width {
        3 if cm % 3 == 0 => Some(4534 + (cm - 75) / 3),
        6 if (cm + 3) % 6 == 0 => Some(4502 + (cm - 75) / 6),
        _ => None,
    }
}

/// Why `easting`, outside [`eastings`], does not fit `tm`, and the likely
/// fix. The message depends on the easting's prefix only, so every feature
/// of a layer gets the same one.
pub fn mismatch(tm: &TransverseMercator, easting: f64) -> String {
    let cm = tm.origin().0;
    let own = crs_prefix(tm).unwrap_or(0);
    let this = if own > 0 {
        format!("zone {own} (central meridian {cm}°E, eastings {own}xxxxxx m)")
    } else {
        format!("a zone without prefix (central meridian {cm}°E, eastings under 1000000 m)")
    };
    let seen = (easting / PREFIX_STEP).floor();
    let zone = (1.0..=99.0)
        .contains(&seen)
        .then(|| prefixed_zone(seen as u32))
        .flatten();
    if let Some((width, zone_cm, code)) = zone {
        return format!(
            "eastings carry Gauss–Krüger zone prefix {seen} ({seen}xxxxxx m), but the CRS is {this}: \
             the data is likely zone {seen} with prefix ({width}°, central meridian {zone_cm}°E), EPSG:{code}"
        );
    }
    if seen == 0.0 && own > 0 {
        // the width of the CRS's own zone, from its central meridian
        let width = [3, 6]
            .into_iter()
            .find(|w| cm == f64::from(w * own) - if *w == 6 { 3.0 } else { 0.0 });
        let fix = width
            .and_then(|w| unprefixed_code(w, cm))
            .map_or(String::new(), |code| format!(", EPSG:{code}"));
        return format!(
            "eastings have no zone prefix (under 1000000 m), but the CRS is {this}: \
             the data is likely the same zone without prefix{fix}"
        );
    }
    let what = if seen < 0.0 {
        "negative eastings".to_string()
    } else {
        format!("eastings of {seen}xxxxxx m")
    };
    format!(
        "{what} lie more than 500 km from the central meridian of the CRS ({this}): \
         wrong CRS, or x/y swapped (northings read as eastings?)"
    )
}
