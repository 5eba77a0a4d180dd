//! RFC 7946 GeoJSON written by hand for stable bytes: longitude/latitude
//! with 7 decimals (~1 cm), counter-clockwise exterior rings, properties in
//! a fixed order, no `crs` member, one feature per line.

use std::io::{self, Write};

use geo::{Coord, LineString, MultiPolygon};
use rayon::prelude::*;

use super::push_fixed;

/// A property value.
#[derive(Debug, Clone)]
pub enum Prop {
    Null,
    Bool(bool),
    Int(i64),
    /// A number with a fixed count of decimals.
    Num(f64, usize),
    Str(String),
    Strs(Vec<String>),
}

impl Prop {
    pub fn opt_str(s: Option<&str>) -> Prop {
        s.map_or(Prop::Null, |s| Prop::Str(s.to_string()))
    }
    pub fn opt_num(v: Option<f64>, decimals: usize) -> Prop {
        v.map_or(Prop::Null, |v| Prop::Num(v, decimals))
    }
}

/// A JSON string as serde_json writes it; most need no escaping and are
/// copied as they are.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to memory");
    }
}

fn push_prop(out: &mut Vec<u8>, p: &Prop) {
    match p {
        Prop::Null => out.extend_from_slice(b"null"),
        Prop::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Prop::Int(i) => {
            if *i < 0 {
                out.push(b'-');
            }
            super::push_u64(out, i.unsigned_abs());
        }
        Prop::Num(v, d) if v.is_finite() => push_fixed(out, *v, *d),
        Prop::Num(..) => out.extend_from_slice(b"null"),
        Prop::Str(s) => push_json_string(out, s),
        Prop::Strs(list) => {
            out.push(b'[');
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_json_string(out, s);
            }
            out.push(b']');
        }
    }
}

pub enum Shape<'a> {
    Point(Coord<f64>),
    /// Two or more positions.
    Line(LineString<f64>),
    Polygons(&'a MultiPolygon<f64>),
}

fn push_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.push(b'[');
    push_fixed(out, c.x, 7);
    out.push(b',');
    push_fixed(out, c.y, 7);
    out.push(b']');
}

/// A ring's or a line's positions.
fn push_ring(out: &mut Vec<u8>, ring: &LineString<f64>) {
    out.push(b'[');
    for (i, c) in ring.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_coord(out, *c);
    }
    out.push(b']');
}

fn push_polygon_rings(out: &mut Vec<u8>, p: &geo::Polygon<f64>) {
    out.push(b'[');
    push_ring(out, p.exterior());
    for hole in p.interiors() {
        out.push(b',');
        push_ring(out, hole);
    }
    out.push(b']');
}

fn push_shape(out: &mut Vec<u8>, shape: &Shape) {
    match shape {
        Shape::Point(c) => {
            out.extend_from_slice(br#"{"type":"Point","coordinates":"#);
            push_coord(out, *c);
            out.push(b'}');
        }
        Shape::Line(line) => {
            out.extend_from_slice(br#"{"type":"LineString","coordinates":"#);
            push_ring(out, line);
            out.push(b'}');
        }
        Shape::Polygons(mp) if mp.0.len() == 1 => {
            out.extend_from_slice(br#"{"type":"Polygon","coordinates":"#);
            push_polygon_rings(out, &mp.0[0]);
            out.push(b'}');
        }
        Shape::Polygons(mp) => {
            out.extend_from_slice(br#"{"type":"MultiPolygon","coordinates":["#);
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_polygon_rings(out, p);
            }
            out.extend_from_slice(b"]}");
        }
    }
}

/// Writes a FeatureCollection of `count` features; `feature(i)` gives the
/// i-th. Features are rendered in parallel, in batches, and written in
/// order. Polygons must already be oriented (exterior counter-clockwise),
/// as the model and analyses keep them.
pub fn write_collection<'a, F>(w: &mut dyn Write, count: usize, feature: F) -> io::Result<()>
where
    F: Fn(usize) -> (Shape<'a>, Vec<(&'static str, Prop)>) + Sync,
{
    // Features are rendered in parallel, a batch into one buffer each.
    const BATCH: usize = 8192;
    const CHUNK: usize = 256;
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let rendered: Vec<Vec<u8>> = (start..end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let mut buf = Vec::with_capacity(CHUNK * 512);
                for i in from..(from + CHUNK).min(end) {
                    let (shape, props) = feature(i);
                    buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                    push_feature(&mut buf, &shape, &props);
                }
                buf
            })
            .collect();
        for r in rendered {
            w.write_all(&r)?;
        }
    }
    w.write_all(b"\n]}\n")
}

fn push_feature(out: &mut Vec<u8>, shape: &Shape, props: &[(&'static str, Prop)]) {
    out.extend_from_slice(br#"{"type":"Feature","properties":{"#);
    for (k, (key, value)) in props.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        push_json_string(out, key);
        out.push(b':');
        push_prop(out, value);
    }
    out.extend_from_slice(br#"},"geometry":"#);
    push_shape(out, shape);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn strings_and_integers_are_written_as_serde_json_writes_them() {
        for text in [
            "",
            "秀洲区",
            "a\"b",
            "back\\slash",
            "tab\t",
            "nul\u{0}",
            "\u{1f}",
            "é/<>",
        ] {
            let mut out = Vec::new();
            push_prop(&mut out, &Prop::Str(text.into()));
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for i in [0, 7, -7, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_prop(&mut out, &Prop::Int(i));
            assert_eq!(String::from_utf8(out).unwrap(), i.to_string());
        }
        let mut out = Vec::new();
        push_prop(&mut out, &Prop::Num(f64::NAN, 4));
        assert_eq!(out, b"null");
    }

    #[test]
    fn writes_valid_geojson_with_fixed_decimals() {
        let mp = MultiPolygon(vec![
            polygon![(x: 120.0, y: 30.0), (x: 120.001, y: 30.0), (x: 120.0, y: 30.001)],
        ]);
        let mut out = Vec::new();
        write_collection(&mut out, 2, |i| match i {
            0 => (
                Shape::Polygons(&mp),
                vec![
                    ("id", Prop::Str("甲\"1".into())),
                    ("mu", Prop::Num(1.0 / 3.0, 4)),
                ],
            ),
            _ => (
                Shape::Point(Coord { x: 120.5, y: 30.25 }),
                vec![
                    ("ok", Prop::Bool(true)),
                    ("g", Prop::Strs(vec!["a".into()])),
                ],
            ),
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["features"][0]["properties"]["id"], "甲\"1");
        assert_eq!(v["features"][0]["properties"]["mu"].to_string(), "0.3333");
        assert!(text.contains("[120.0010000,30.0000000]"));
        assert_eq!(v["features"][1]["geometry"]["type"], "Point");
        assert!(v.get("crs").is_none());
    }

    #[test]
    fn a_line_is_a_linestring_of_its_positions_in_order() {
        let line = LineString::from(vec![(120.5, 30.25), (120.123_456_78, 30.0)]);
        let mut out = Vec::new();
        write_collection(&mut out, 1, |_| (Shape::Line(line.clone()), vec![])).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                r#""geometry":{"type":"LineString","coordinates":[[120.5000000,30.2500000],[120.1234568,30.0000000]]}"#
            ),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["features"][0]["geometry"]["coordinates"][1][0],
            120.1234568
        );
    }
}
