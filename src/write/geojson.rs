//! RFC 7946 GeoJSON written by hand for stable bytes: longitude/latitude
//! with 7 decimals (~1 cm), counter-clockwise exterior rings, properties in
//! a fixed order, no `crs` member, one feature per line.

use std::io::{self, Write};

use geo::{Coord, LineString, MultiPolygon};
use rayon::prelude::*;

use super::fixed;

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

fn write_json_string(w: &mut dyn Write, s: &str) -> io::Result<()> {
    serde_json::to_writer(w, s).map_err(io::Error::from)
}

/// Writes [`fixed`]`(value, decimals)` without allocating (numbers are most
/// of a GeoJSON file): formatted on the stack, `-0` dropped the same way.
fn write_fixed(w: &mut dyn Write, value: f64, decimals: usize) -> io::Result<()> {
    let mut buf = [0u8; 64];
    let mut cursor = io::Cursor::new(&mut buf[..]);
    if write!(cursor, "{value:.decimals$}").is_err() {
        // does not fit: a number far outside any coordinate or area
        return w.write_all(fixed(value, decimals).as_bytes());
    }
    let len = cursor.position() as usize;
    let text = &buf[..len];
    let negative_zero = text[0] == b'-' && text[1..].iter().all(|&c| c == b'0' || c == b'.');
    w.write_all(if negative_zero { &text[1..] } else { text })
}

fn write_prop(w: &mut dyn Write, p: &Prop) -> io::Result<()> {
    match p {
        Prop::Null => w.write_all(b"null"),
        Prop::Bool(b) => write!(w, "{b}"),
        Prop::Int(i) => write!(w, "{i}"),
        Prop::Num(v, d) if v.is_finite() => write_fixed(w, *v, *d),
        Prop::Num(..) => w.write_all(b"null"),
        Prop::Str(s) => write_json_string(w, s),
        Prop::Strs(list) => {
            w.write_all(b"[")?;
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                write_json_string(w, s)?;
            }
            w.write_all(b"]")
        }
    }
}

/// A geometry to write.
pub enum Shape<'a> {
    Point(Coord<f64>),
    Polygons(&'a MultiPolygon<f64>),
}

fn write_coord(w: &mut dyn Write, c: Coord<f64>) -> io::Result<()> {
    w.write_all(b"[")?;
    write_fixed(w, c.x, 7)?;
    w.write_all(b",")?;
    write_fixed(w, c.y, 7)?;
    w.write_all(b"]")
}

fn write_ring(w: &mut dyn Write, ring: &LineString<f64>) -> io::Result<()> {
    w.write_all(b"[")?;
    for (i, c) in ring.0.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_coord(w, *c)?;
    }
    w.write_all(b"]")
}

fn write_polygon_rings(w: &mut dyn Write, p: &geo::Polygon<f64>) -> io::Result<()> {
    w.write_all(b"[")?;
    write_ring(w, p.exterior())?;
    for hole in p.interiors() {
        w.write_all(b",")?;
        write_ring(w, hole)?;
    }
    w.write_all(b"]")
}

fn write_shape(w: &mut dyn Write, shape: &Shape) -> io::Result<()> {
    match shape {
        Shape::Point(c) => {
            w.write_all(br#"{"type":"Point","coordinates":"#)?;
            write_coord(w, *c)?;
            w.write_all(b"}")
        }
        Shape::Polygons(mp) if mp.0.len() == 1 => {
            w.write_all(br#"{"type":"Polygon","coordinates":"#)?;
            write_polygon_rings(w, &mp.0[0])?;
            w.write_all(b"}")
        }
        Shape::Polygons(mp) => {
            w.write_all(br#"{"type":"MultiPolygon","coordinates":["#)?;
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                write_polygon_rings(w, p)?;
            }
            w.write_all(b"]}")
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
    const BATCH: usize = 8192;
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    for start in (0..count).step_by(BATCH) {
        let rendered: Vec<io::Result<Vec<u8>>> = (start..(start + BATCH).min(count))
            .into_par_iter()
            .map(|i| {
                let (shape, props) = feature(i);
                let mut buf = Vec::with_capacity(512);
                buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                write_feature(&mut buf, &shape, &props)?;
                Ok(buf)
            })
            .collect();
        for r in rendered {
            w.write_all(&r?)?;
        }
    }
    w.write_all(b"\n]}\n")
}

fn write_feature(
    w: &mut dyn Write,
    shape: &Shape,
    props: &[(&'static str, Prop)],
) -> io::Result<()> {
    w.write_all(br#"{"type":"Feature","properties":{"#)?;
    for (k, (key, value)) in props.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        write_json_string(w, key)?;
        w.write_all(b":")?;
        write_prop(w, value)?;
    }
    w.write_all(br#"},"geometry":"#)?;
    write_shape(w, shape)?;
    w.write_all(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn numbers_are_written_as_fixed_gives_them() {
        for v in [
            0.0,
            -0.0,
            -0.00000004,
            -0.00000005,
            -0.00000006,
            120.123456789,
            -33.5,
            1e300,
            -1e300,
            f64::NAN,
        ] {
            for d in [0, 4, 7] {
                let mut out = Vec::new();
                write_fixed(&mut out, v, d).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), fixed(v, d), "{v} {d}");
            }
        }
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
}
