//! How ledgers name their columns. An enterprise ledger (亩均效益评价台账)
//! comes from Excel with Chinese headers, in many variants: a year in
//! front (`2020年营业收入`), a unit in brackets (`用地面积（平方米）`),
//! spaces and full-width brackets. A field the project file does not name
//! is looked for under its default name, then under its aliases with the
//! year and unit taken off; the unit is read so that figures are scaled
//! to the unit tudi counts in, and an unknown unit is refused, not guessed.

use super::{FieldRequest, Value};
use tudi_core::error::{Location, Problem};

/// A header taken apart for matching.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    /// The name without spaces, year and bracketed unit, ASCII in lower case.
    pub key: String,
    /// The year in front (`2020年`, `2020年度`, `2020`), if any.
    pub year: Option<u16>,
    /// The text of a trailing bracket (`万元` of `营业收入（万元）`).
    pub unit: Option<String>,
}

impl Header {
    pub(crate) fn parse(header: &str) -> Header {
        let mut s: String = header
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let mut unit = None;
        if s.ends_with(')') {
            if let Some(open) = s.rfind('(') {
                let inner = s[open + 1..s.len() - 1].to_string();
                s.truncate(open);
                unit = (!inner.is_empty()).then_some(inner);
            }
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut year = None;
        if digits == 4 {
            let rest = &s[4..];
            let rest = rest
                .strip_prefix("年度")
                .or_else(|| rest.strip_prefix('年'))
                .unwrap_or(rest);
            if !rest.is_empty() {
                year = s[..4].parse().ok();
                s = rest.to_string();
            }
        }
        Header { key: s, year, unit }
    }
}

/// Where a field the project file does not name is read from: the
/// default name itself, else the columns whose header, year and unit
/// taken off, is one of the aliases (in the aliases' order of preference).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    /// One column (of several years, the latest).
    One(usize),
    /// One column per year, oldest first (yearly grades).
    Years(Vec<usize>),
}

/// The column(s) an unnamed field is read from, by its aliases; `yearly`
/// fields gather every year's column.
pub(crate) fn by_alias(available: &[String], aliases: &[&str], yearly: bool) -> Option<Column> {
    let parsed: Vec<Header> = available.iter().map(|h| Header::parse(h)).collect();
    for alias in aliases {
        let alias = Header::parse(alias).key;
        let mut hits: Vec<(Option<u16>, usize)> = parsed
            .iter()
            .enumerate()
            .filter(|(_, h)| h.key == alias)
            .map(|(i, h)| (h.year, i))
            .collect();
        if hits.is_empty() {
            continue;
        }
        // oldest first; a column without a year after every dated one
        hits.sort_by_key(|&(y, i)| (y.unwrap_or(u16::MAX), i));
        let dated: Vec<usize> = hits
            .iter()
            .filter(|(y, _)| y.is_some())
            .map(|&(_, i)| i)
            .collect();
        return Some(if yearly && dated.len() > 1 {
            Column::Years(dated)
        } else {
            // the latest year's figures, or the undated column
            Column::One(hits.last().expect("not empty").1)
        });
    }
    None
}

/// What a figure is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Money, counted in 万元.
    Money,
    /// Land area, counted in mu.
    Area,
    /// Floor area, counted in m².
    Floor,
}

/// How a figure read under a header is brought to tudi's unit: `(times,
/// over)`, so that a figure in 元 divided by 10 000 is the very number
/// its 万元 would read as.
pub(crate) type Scale = (f64, f64);

/// Each requested field's scale, from the unit the header it was found
/// under gives (every format alike); an unknown unit of money or area is a
/// problem naming the header, once for the layer.
pub(crate) fn scales(
    at: &Location,
    fields: &[FieldRequest],
    found: &[Option<String>],
) -> Result<Vec<Scale>, Vec<Problem>> {
    let mut problems = Vec::new();
    let scales = fields
        .iter()
        .zip(found)
        .map(|(f, name)| match (f.quantity, name) {
            (Some(q), Some(name)) => scale(name, q).unwrap_or_else(|e| {
                problems.push(Problem {
                    at: at.clone().field(name),
                    message: e,
                });
                (1.0, 1.0)
            }),
            _ => (1.0, 1.0),
        })
        .collect();
    if problems.is_empty() {
        Ok(scales)
    } else {
        Err(problems)
    }
}

/// Brings a feature's figures to tudi's units; text that is no number
/// stays as it is, for the reader's message.
pub(crate) fn apply(values: &mut [Value], scales: &[Scale]) {
    for (v, &(times, over)) in values.iter_mut().zip(scales) {
        if (times, over) != (1.0, 1.0) {
            if let Ok(Some(n)) = v.number() {
                *v = Value::Real(n * times / over);
            }
        }
    }
}

/// A unit's name and the fraction that brings it to tudi's unit.
type Unit = (&'static str, f64, f64);

/// The scale that brings a column's figures to the unit tudi counts in,
/// from the unit its header gives; `(1, 1)` when it gives none. A bracket that
/// names another unit of the same kind is an error, never a guess.
pub(crate) fn scale(header: &str, quantity: Quantity) -> Result<Scale, String> {
    let Some(unit) = Header::parse(header).unit else {
        return Ok((1.0, 1.0));
    };
    let (known, of_kind): (&[Unit], fn(&str) -> bool) = match quantity {
        Quantity::Money => (
            &[
                ("万元", 1.0, 1.0),
                ("元", 1.0, 10_000.0),
                ("千元", 1.0, 10.0),
                ("亿元", 10_000.0, 1.0),
            ],
            |u| u.contains('元'),
        ),
        // 1 mu = 10 000 / 15 m²
        Quantity::Area => (
            &[
                ("亩", 1.0, 1.0),
                ("平方米", 15.0, 10_000.0),
                ("㎡", 15.0, 10_000.0),
                ("m2", 15.0, 10_000.0),
                ("m²", 15.0, 10_000.0),
                ("公顷", 15.0, 1.0),
                ("ha", 15.0, 1.0),
                ("平方公里", 1500.0, 1.0),
                ("km2", 1500.0, 1.0),
                ("km²", 1500.0, 1.0),
            ],
            |u| {
                ["亩", "米", "平方", "公里", "㎡", "m2", "m²", "公顷", "ha"]
                    .iter()
                    .any(|k| u.contains(k))
            },
        ),
        Quantity::Floor => (
            &[
                ("平方米", 1.0, 1.0),
                ("㎡", 1.0, 1.0),
                ("m2", 1.0, 1.0),
                ("m²", 1.0, 1.0),
                ("万平方米", 10_000.0, 1.0),
            ],
            |u| {
                ["米", "平方", "㎡", "m2", "m²", "亩", "公顷"]
                    .iter()
                    .any(|k| u.contains(k))
            },
        ),
    };
    if let Some(&(_, m, d)) = known.iter().find(|(name, ..)| *name == unit) {
        return Ok((m, d));
    }
    if of_kind(&unit) {
        let names: Vec<&str> = known.iter().map(|(n, ..)| *n).collect();
        return Err(format!(
            "the header gives the unit '{unit}', which tudi does not know: use {}",
            names.join(", ")
        ));
    }
    // a bracket that is not a unit (`营业收入（2020年）`)
    Ok((1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_lose_year_unit_spaces_and_case() {
        assert_eq!(
            Header::parse(" 2020年度 营业收入（万元）"),
            Header {
                key: "营业收入".into(),
                year: Some(2020),
                unit: Some("万元".into())
            }
        );
        assert_eq!(Header::parse("Lon").key, "lon");
        assert_eq!(Header::parse("2019亩均效益评价等级").year, Some(2019));
        // a number alone is a name, not a year
        assert_eq!(Header::parse("2020").key, "2020");
        assert_eq!(Header::parse("2020").year, None);
    }

    #[test]
    fn aliases_pick_the_latest_year_or_every_year() {
        let h = cols(&[
            "序号",
            "2019年营业收入（万元）",
            "2020年营业收入（万元）",
            "2018年评价等级",
            "2020年评价等级",
            "2019年评价等级",
        ]);
        assert_eq!(
            by_alias(&h, &["主营业务收入", "营业收入"], false),
            Some(Column::One(2))
        );
        assert_eq!(
            by_alias(&h, &["评价等级"], true),
            Some(Column::Years(vec![3, 5, 4]))
        );
        // a yearly field with one column is that column
        assert_eq!(
            by_alias(
                &cols(&["综合评价等级"]),
                &["评价等级", "综合评价等级"],
                true
            ),
            Some(Column::One(0))
        );
        assert_eq!(by_alias(&h, &["经度"], false), None);
    }

    #[test]
    fn units_scale_to_wan_yuan_and_mu_and_unknown_ones_are_refused() {
        let in_unit = |h: &str, q, v: f64| scale(h, q).map(|(m, d)| v * m / d);
        assert_eq!(in_unit("营业收入", Quantity::Money, 380.97), Ok(380.97));
        // 元 divided exactly: the same number as 380.97 read as text
        assert_eq!(
            in_unit("营业收入(元)", Quantity::Money, 3_809_700.0),
            Ok(380.97)
        );
        assert_eq!(
            in_unit("营业收入（亿元）", Quantity::Money, 1.5),
            Ok(15_000.0)
        );
        assert_eq!(
            in_unit("用地面积（平方米）", Quantity::Area, 10_000.0),
            Ok(15.0)
        );
        assert_eq!(in_unit("用地面积（公顷）", Quantity::Area, 2.0), Ok(30.0));
        assert_eq!(
            in_unit("用地面积(平方公里)", Quantity::Area, 1.0),
            Ok(1500.0)
        );
        assert!(scale("营业收入（美元）", Quantity::Money)
            .unwrap_err()
            .contains("'美元'"));
        assert!(scale("用地面积(平方英尺)", Quantity::Area).is_err());
        assert_eq!(scale("营业收入（2020年）", Quantity::Money), Ok((1.0, 1.0)));
    }
}
