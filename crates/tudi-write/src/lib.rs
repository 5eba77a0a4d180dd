//! tudi-write: every product of a run, written from its
//! [`tudi_core::outcome::Outcome`]: RFC 7946 GeoJSON, CSV and workbooks
//! Excel opens, the summary, the GeoPackage with its QGIS styles and
//! project, the report and its map; all into a staging folder that
//! replaces the outputs as one set only once everything is written (see
//! [`Staging`] and [`outputs::write_outputs`]).

pub mod geojson;
pub mod gpkg;
pub mod land;
pub mod ledgers;
pub mod map;
pub mod maps;
pub mod outputs;
pub mod palette;
pub mod placement;
pub mod qgis;
pub mod report;
mod rtree;
mod staging;
pub mod styles;
pub mod table;

use std::borrow::Cow;
use std::io::{self, Write};

pub use staging::{abandon_unfinished, Busy, Staging};

/// An SQL identifier, double-quoted (table and column names in
/// GeoPackages are the user's, and may hold anything).
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A number with fixed decimals and thousands separators, as the report
/// and the checks' sentences print it.
pub fn grouped(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    let (sign, rest) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A share as a percentage with one decimal.
pub fn percent(ratio: f64) -> String {
    format!("{}%", fixed(ratio * 100.0, 1))
}

/// Escapes text for HTML and XML, in content and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with a fixed count of decimals, as JSON/CSV text (no `-0`).
pub fn fixed(value: f64, decimals: usize) -> String {
    let mut out = Vec::with_capacity(24);
    push_fixed(&mut out, value, decimals);
    String::from_utf8(out).expect("digits are ASCII")
}

/// Appends [`fixed`]`(value, decimals)`: the same text as Rust's
/// `{:.decimals$}` (the exact binary value rounded half to even), minus a
/// `-` on zero. Numbers are most of a GeoJSON file, so the common case
/// rounds `value · 10^decimals` in integers; a product within its rounding
/// error of a half, or too large for that, goes to the formatter.
pub fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: usize) {
    if let Some((negative, units)) = fixed_units(value, decimals) {
        let one = 10u64.pow(decimals as u32);
        if negative && units > 0 {
            out.push(b'-');
        }
        push_u64(out, units / one);
        if decimals > 0 {
            out.push(b'.');
            let mut digits = [b'0'; 9];
            let mut rest = units % one;
            for d in digits[..decimals].iter_mut().rev() {
                *d = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            out.extend_from_slice(&digits[..decimals]);
        }
        return;
    }
    let s = format!("{value:.decimals$}");
    let negative_zero = s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.');
    out.extend_from_slice(if negative_zero {
        &s.as_bytes()[1..]
    } else {
        s.as_bytes()
    });
}

/// The number [`fixed`]`(value, decimals)` prints, as an `f64` (what
/// parsing that text gives): an exact integer divided by an exact power of
/// ten is correctly rounded, as parsing is.
pub fn round_fixed(value: f64, decimals: usize) -> f64 {
    match fixed_units(value, decimals) {
        Some((_, 0)) => 0.0,
        Some((negative, units)) => {
            let v = units as f64 / 10f64.powi(decimals as i32);
            if negative {
                -v
            } else {
                v
            }
        }
        None => fixed(value, decimals).parse().unwrap_or(value),
    }
}

/// `|value| · 10^decimals` rounded to an integer, with the sign, when that
/// is certain to be how the exact value rounds; `None` otherwise.
fn fixed_units(value: f64, decimals: usize) -> Option<(bool, u64)> {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    if decimals >= POW10.len() || !value.is_finite() {
        return None;
    }
    let scaled = value.abs() * POW10[decimals];
    // |scaled − exact| ≤ scaled · 2⁻⁵³: away from a half by more than
    // that, the exact value rounds the same way.
    let fraction = scaled - scaled.floor();
    (scaled < 4e15 && (fraction - 0.5).abs() > scaled * f64::EPSILON + f64::MIN_POSITIVE)
        .then(|| (value < 0.0, scaled.round() as u64))
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Writes a CSV that Excel opens with Chinese text intact: UTF-8 with BOM.
pub fn csv_with_bom(
    w: &mut dyn Write,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut c = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    c.write_record(header)?;
    for row in rows {
        c.write_record(row.iter().map(|cell| excel_safe(cell).into_owned()))?;
    }
    c.flush()
}

/// A CSV cell that Excel shows as text, never runs as a formula (OWASP's
/// rule for CSV injection): text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`. Numbers such as `-1.5` stay
/// numbers.
pub fn excel_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !cell.parse::<f64>().is_ok_and(f64::is_finite) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_numbers_as_numbers() {
        for (cell, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+86 573", "'+86 573"),
            ("-", "'-"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-inf", "'-inf"),
            ("-1.5", "-1.5"),
            ("+2", "+2"),
            ("秀洲区=1", "秀洲区=1"),
            ("", ""),
        ] {
            assert_eq!(excel_safe(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn fixed_decimals_never_print_negative_zero() {
        assert_eq!(fixed(1.23456, 4), "1.2346");
        assert_eq!(fixed(-0.00001, 4), "0.0000");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(-0.0, 7), "0.0000000");
        assert_eq!(fixed(f64::NAN, 2), "NaN");
    }

    /// The integer fast path prints what Rust's formatter prints, ties and
    /// near-ties included, for seeded random values at every scale.
    #[test]
    fn fixed_matches_the_formatter_everywhere() {
        let reference = |v: f64, d: usize| {
            let s = format!("{v:.d$}");
            if s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.') {
                s[1..].to_string()
            } else {
                s
            }
        };
        let mut seed = 2020u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed
        };
        let mut values = vec![
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            1e15,
            4e15,
            9.99999995,
            120.00000005,
            1e300,
            5e-324,
        ];
        for _ in 0..200_000 {
            let bits = next();
            let mantissa = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let exponent = (next() % 40) as i32 - 20;
            let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
            values.push(sign * mantissa * 10f64.powi(exponent));
            // ties and near-ties at a few decimals
            let k = (next() % 1_000_000) as f64;
            values.push((k + 0.5) / 10f64.powi((next() % 8) as i32));
        }
        for v in values {
            for d in [0, 1, 2, 4, 7, 9] {
                let text = reference(v, d);
                assert_eq!(fixed(v, d), text, "{v:e} to {d} decimals");
                let parsed: f64 = text.parse().unwrap();
                assert_eq!(
                    round_fixed(v, d).to_bits(),
                    parsed.to_bits(),
                    "{v:e} to {d}"
                );
            }
        }
    }
}
