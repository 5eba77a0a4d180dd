//! A direct reader for plain GeoJSON FeatureCollections, the form tudi's
//! own and most planners' layers take. GDAL's GeoJSON driver parses a file
//! twice through generic JSON objects, several times slower than the rest
//! of reading it. This reader takes only what it can read exactly as GDAL
//! would (same fields, types, values, CRS and feature numbers); for
//! anything else (a `crs` or `name` member, feature ids, mixed or nested
//! property values, other geometry types, JSON it does not parse) it
//! answers `None` and GDAL reads the file.

use std::borrow::Cow;

use gdal::spatial_ref::SpatialRef;
use geo::{Coord, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

use super::text::{self, Decoder};
use super::{
    found_names, layer_crs, match_fields, problem, to_cgcs2000, FieldRequest, LayerHead,
    RawFeature, RawLayer, Source, Value,
};
use tudi_core::error::{Location, Problem};

/// A parsed JSON value; numbers keep their text, so that they are parsed
/// exactly (correctly rounded) once their use is known.
#[derive(Debug, PartialEq)]
enum Json<'a> {
    Null,
    Bool,
    Num(&'a str),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Nesting deeper than this is not GeoJSON a planner has.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.skip_space();
        (self.bytes().get(self.pos) == Some(&b)).then(|| self.pos += 1)
    }

    fn value(&mut self, depth: usize) -> Option<Json<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let rest = &self.bytes()[self.pos..];
        match rest.first()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.eat(b'}').is_some() {
                    return Some(Json::Obj(members));
                }
                loop {
                    self.skip_space();
                    let key = self.string()?;
                    self.eat(b':')?;
                    members.push((key, self.value(depth + 1)?));
                    if self.eat(b',').is_none() {
                        self.eat(b'}')?;
                        return Some(Json::Obj(members));
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_some() {
                    return Some(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b',').is_none() {
                        self.eat(b']')?;
                        return Some(Json::Arr(items));
                    }
                }
            }
            b'"' => self.string().map(Json::Str),
            b'n' if rest.starts_with(b"null") => {
                self.pos += 4;
                Some(Json::Null)
            }
            b't' if rest.starts_with(b"true") => {
                self.pos += 4;
                Some(Json::Bool)
            }
            b'f' if rest.starts_with(b"false") => {
                self.pos += 5;
                Some(Json::Bool)
            }
            _ => self.number().map(Json::Num),
        }
    }

    /// A number as JSON's grammar has it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    fn number(&mut self) -> Option<&'a str> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        if b.get(i) == Some(&b'0') {
            i += 1;
        } else if !digits(&mut i) {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        self.pos = i;
        Some(&self.text[start..i])
    }

    /// A string, borrowed from the text unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let b = self.bytes();
        if b.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match *b.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    return Some(Cow::Borrowed(&self.text[start..i]));
                }
                b'\\' => break,
                c if c < 0x20 => return None,
                _ => i += 1,
            }
        }
        let mut s = self.text[start..i].to_string();
        loop {
            match *b.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    return Some(Cow::Owned(s));
                }
                b'\\' => {
                    let c = match *b.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = |at: usize| {
                                let h = self.text.get(at..at + 4)?;
                                u32::from_str_radix(h, 16)
                                    .ok()
                                    .filter(|_| h.bytes().all(|c| c.is_ascii_hexdigit()))
                            };
                            let hi = hex(i + 2)?;
                            i += 6;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.text.get(i..i + 2)? != "\\u" {
                                    return None;
                                }
                                let lo = hex(i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))?;
                                i += 6;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            // GDAL's C strings end at a NUL: such text is left to GDAL
                            s.push(char::from_u32(code).filter(|&c| c != '\0')?);
                            continue;
                        }
                        _ => return None,
                    };
                    s.push(c);
                    i += 2;
                }
                c if c < 0x20 => return None,
                _ => {
                    let run = b[i..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .map_or(b.len(), |n| i + n);
                    s.push_str(&self.text[i..run]);
                    i = run;
                }
            }
        }
    }
}

/// Parses a whole JSON text; `None` when it is not JSON this parser takes.
fn parse(text: &str) -> Option<Json<'_>> {
    let mut p = Parser { text, pos: 0 };
    let v = p.value(0)?;
    p.skip_space();
    (p.pos == text.len()).then_some(v)
}

/// The members of an object, when it has exactly the keys `allowed`
/// (`required` of them at least), each once.
fn members<'j, 'a>(
    json: &'j Json<'a>,
    allowed: &[&str],
    required: usize,
) -> Option<Vec<Option<&'j Json<'a>>>> {
    let Json::Obj(members) = json else {
        return None;
    };
    let mut found = vec![None; allowed.len()];
    for (k, v) in members {
        let slot = &mut found[allowed.iter().position(|a| a == k)?];
        if slot.replace(v).is_some() {
            return None;
        }
    }
    found[..required]
        .iter()
        .all(Option::is_some)
        .then_some(found)
}

fn position(json: &Json) -> Option<Coord<f64>> {
    match json {
        // GDAL keeps a third ordinate as Z, which tudi drops.
        Json::Arr(p) if (2..=3).contains(&p.len()) => {
            let mut ords = p.iter().map(|o| match o {
                Json::Num(t) => t.parse::<f64>().ok(),
                _ => None,
            });
            let (x, y) = (ords.next()??, ords.next()??);
            ords.next().unwrap_or(Some(0.0))?;
            Some(Coord { x, y })
        }
        _ => None,
    }
}

fn array<'j, 'a>(json: &'j Json<'a>) -> Option<&'j [Json<'a>]> {
    match json {
        Json::Arr(items) if !items.is_empty() => Some(items),
        _ => None,
    }
}

fn polygon(json: &Json) -> Option<Polygon<f64>> {
    let mut rings = array(json)?.iter().map(|r| {
        let coords = array(r)?.iter().map(position).collect::<Option<Vec<_>>>()?;
        (coords.len() >= 4).then_some(LineString(coords))
    });
    let exterior = rings.next()??;
    Some(Polygon::new(exterior, rings.collect::<Option<_>>()?))
}

/// Points and polygons, single or multi: what tudi's layers hold. A null
/// geometry is left to GDAL, which words its own problem with it.
fn geometry(json: &Json) -> Option<Geometry<f64>> {
    let m = members(json, &["type", "coordinates"], 2)?;
    let (Some(Json::Str(kind)), Some(c)) = (m[0], m[1]) else {
        return None;
    };
    let g = match kind.as_ref() {
        "Point" => Geometry::Point(Point(position(c)?)),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(
            array(c)?
                .iter()
                .map(|p| position(p).map(Point))
                .collect::<Option<_>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            array(c)?.iter().map(polygon).collect::<Option<_>>()?,
        )),
        _ => return None,
    };
    Some(g)
}

/// A field's values as GDAL types them: all strings, or all numbers
/// (integers alone stay integers); anything else is left to GDAL. A
/// feature without the property has the field unset, which the `gdal`
/// crate reads as an empty string or zero, not null.
fn field_values(values: &[Option<&Json>]) -> Option<Vec<Value>> {
    let present = || values.iter().flatten().filter(|v| ***v != Json::Null);
    let integer = |t: &str| !t.contains(['.', 'e', 'E']);
    let strings = present().all(|v| matches!(v, Json::Str(_)));
    let numbers = present().all(|v| matches!(v, Json::Num(_)));
    let reals = present().any(|v| matches!(v, Json::Num(t) if !integer(t)));
    let unset = match (present().next(), strings, reals) {
        // the type GDAL gives a field it saw no value of: left to GDAL
        (None, ..) if values.contains(&None) => return None,
        (_, true, _) => Value::Text(String::new()),
        (_, _, true) => Value::Real(0.0),
        _ => Value::Int(0),
    };
    values
        .iter()
        .map(|v| match v {
            None => Some(unset.clone()),
            Some(Json::Null) => Some(Value::Null),
            Some(Json::Str(s)) if strings => Some(Value::Text(s.to_string())),
            Some(Json::Num(t)) if numbers && integer(t) => {
                let i = t.parse::<i64>().ok()?;
                Some(if reals {
                    Value::Real(i as f64)
                } else {
                    Value::Int(i)
                })
            }
            Some(Json::Num(t)) if numbers => t.parse::<f64>().ok().map(Value::Real),
            _ => None,
        })
        .collect()
}

/// True when the path is one this reader tries.
fn is_geojson(source: &Source) -> bool {
    source.layer.is_none() && is_json_path(&source.path)
}

/// True for a `.geojson` or `.json` file.
pub(super) fn is_json_path(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"))
}

/// Where a JSON file breaks JSON's syntax, in words: line, column and the
/// feature it is in (counting `"Feature"` members before it); `None` when
/// it is valid JSON.
pub(super) fn syntax_error(bytes: &[u8]) -> Option<String> {
    let (text, _) = Decoder { given: None }.decode_file(bytes);
    if text.trim().is_empty() {
        return Some("the file is empty (white space only)".into());
    }
    let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) else {
        return Some(
            "valid JSON, but not GeoJSON GDAL reads (a FeatureCollection, a Feature or a geometry)"
                .into(),
        );
    };
    let (line, column) = (e.line(), e.column());
    let what = e.to_string();
    let what = what
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&what);
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + column;
    let before = text.get(..offset.min(text.len())).unwrap_or(&text);
    let feature = before.matches("\"Feature\"").count();
    let near = if feature > 0 {
        format!(", in feature {feature} or just after it")
    } else {
        String::new()
    };
    Some(format!(
        "not valid JSON: {what} at line {line}, column {column}{near}"
    ))
}

/// Reads a plain GeoJSON FeatureCollection as GDAL would; `None` when the
/// file is not one this reader takes exactly.
pub(super) fn read(
    source: &Source,
    fields: &[FieldRequest],
    decoder: Decoder,
) -> Option<Result<RawLayer, Vec<Problem>>> {
    if !is_geojson(source) {
        return None;
    }
    let bytes = std::fs::read(&source.path).ok()?;
    read_bytes(source, &bytes, fields, decoder)
}

/// [`read`] on the file's bytes (also the fuzz target's entry).
pub(super) fn read_bytes(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
    decoder: Decoder,
) -> Option<Result<RawLayer, Vec<Problem>>> {
    // GeoJSON is UTF-8, but Chinese tools write GBK too.
    let (text, guessed) = decoder.decode_file(bytes);
    let json = parse(&text)?;
    let top = members(&json, &["type", "features"], 2)?;
    let (Some(Json::Str(kind)), Some(Json::Arr(items))) = (top[0], top[1]) else {
        return None;
    };
    if kind != "FeatureCollection" {
        return None;
    }
    // Per feature: geometry and properties; the fields in order of first
    // appearance, as GDAL lists them.
    let mut available: Vec<String> = Vec::new();
    let mut features = Vec::with_capacity(items.len());
    for item in items {
        let m = members(item, &["type", "geometry", "properties"], 2)?;
        if !matches!(m[0], Some(Json::Str(k)) if k == "Feature") {
            return None;
        }
        let properties: &[(Cow<str>, Json)] = match m[2] {
            None | Some(Json::Null) => &[],
            Some(Json::Obj(p)) => p,
            Some(_) => return None,
        };
        for (i, (k, _)) in properties.iter().enumerate() {
            if properties[..i].iter().any(|(j, _)| j == k) {
                return None;
            }
            if !available.iter().any(|a| a == k) {
                // GDAL matches field names ignoring case.
                if available.iter().any(|a| a.eq_ignore_ascii_case(k)) {
                    return None;
                }
                available.push(k.to_string());
            }
        }
        features.push((geometry(m[1]?)?, properties));
    }

    // GDAL gives a GeoJSON file without `crs` WGS 84 and names the layer
    // after the file.
    let layer_name = source.path.file_stem()?.to_string_lossy().into_owned();
    let at = Location::file(&source.path).layer(&layer_name);
    let wgs84 = SpatialRef::from_epsg(4326).ok()?;
    let crs = match layer_crs(source, Some(&wgs84), &at) {
        Ok(crs) => crs,
        Err(p) => return Some(Err(vec![p])),
    };
    let indexes = match match_fields(&at, fields, &available) {
        Ok(indexes) => indexes,
        Err(problems) => return Some(Err(problems)),
    };
    let mut columns = Vec::new();
    for idx in &indexes {
        columns.push(match idx {
            None => vec![Value::Null; features.len()],
            Some(i) => {
                let name = &available[*i];
                let values: Vec<Option<&Json>> = features
                    .iter()
                    .map(|(_, p)| p.iter().find(|(k, _)| k == name).map(|(_, v)| v))
                    .collect();
                field_values(&values)?
            }
        });
    }

    let mut columns: Vec<_> = columns.into_iter().map(Vec::into_iter).collect();
    let mut raw = Vec::with_capacity(features.len());
    for (i, (mut geometry, _)) in features.into_iter().enumerate() {
        let number = i + 1;
        let values = columns
            .iter_mut()
            .map(|c| c.next().expect("one value per feature"))
            .collect();
        raw.push(match to_cgcs2000(&mut geometry, &crs) {
            Ok(()) => Ok(RawFeature {
                number,
                geometry: Some(geometry),
                values,
                guessed: None,
            }),
            Err(e) => Err(problem(&at.clone().feature(number.to_string()), e)),
        });
    }
    let notes = guessed
        .then(|| text::guessed_file(&at))
        .into_iter()
        .collect();
    Some(Ok(RawLayer {
        head: LayerHead {
            at,
            crs: crs.name,
            found: found_names(&indexes, &available),
        },
        features: raw,
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn parses_json_exactly() {
        let j =
            parse(r#" {"a": [1, -2.5e3, "x\"\u00e9\ud83d\ude00", null, true], "b": {}} "#).unwrap();
        let Json::Obj(m) = j else { panic!() };
        assert_eq!(m[0].0, "a");
        assert_eq!(
            m[0].1,
            Json::Arr(vec![
                Json::Num("1"),
                Json::Num("-2.5e3"),
                Json::Str("x\"é😀".into()),
                Json::Null,
                Json::Bool,
            ])
        );
        assert_eq!(m[1].1, Json::Obj(vec![]));
        for bad in [
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "\"\\ud800\"",
            "[1] x",
            "NaN",
            "+1",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        let text = "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"geometry\":null,\"properties\":{}},\n{\"type\":\"Feature\",\"geometry\":null \"properties\":{}}]}";
        assert_eq!(
            syntax_error(text.as_bytes()).unwrap(),
            "not valid JSON: expected `,` or `}` at line 3, column 35, in feature 2 or just after it"
        );
        assert!(syntax_error(b"  \n").unwrap().contains("empty"));
        assert!(syntax_error(b"{\"a\": 1}").unwrap().contains("not GeoJSON"));
    }

    #[test]
    fn fields_are_typed_as_gdal_types_them() {
        let (one, half, s, null) = (
            Json::Num("1"),
            Json::Num("0.5"),
            Json::Str("a".into()),
            Json::Null,
        );
        assert_eq!(
            field_values(&[Some(&one), None, Some(&null)]),
            Some(vec![Value::Int(1), Value::Int(0), Value::Null])
        );
        assert_eq!(
            field_values(&[Some(&one), Some(&half), None]),
            Some(vec![Value::Real(1.0), Value::Real(0.5), Value::Real(0.0)])
        );
        assert_eq!(
            field_values(&[Some(&s), None]),
            Some(vec![Value::Text("a".into()), Value::Text(String::new())])
        );
        assert_eq!(field_values(&[Some(&null)]), Some(vec![Value::Null]));
        assert_eq!(field_values(&[Some(&null), None]), None, "untyped: GDAL's");
        assert_eq!(field_values(&[Some(&s), Some(&one)]), None, "mixed: GDAL's");
        assert_eq!(field_values(&[Some(&Json::Bool)]), None, "booleans: GDAL's");
    }

    /// A layer as read: head, features, and the features' problems; or
    /// the layer's problems.
    type Read = Result<(LayerHead, Vec<RawFeature>, Vec<Problem>), Vec<Problem>>;

    fn direct(source: &Source, fields: &[FieldRequest]) -> Option<Read> {
        let read = read(source, fields, Decoder { given: None })?;
        Some(read.map(|l| {
            let (ok, bad): (Vec<_>, Vec<_>) = l.features.into_iter().partition(Result::is_ok);
            (
                l.head,
                ok.into_iter().map(Result::unwrap).collect(),
                bad.into_iter().map(Result::unwrap_err).collect(),
            )
        }))
    }

    fn via_gdal(source: &Source, fields: &[FieldRequest]) -> Read {
        super::super::read_gdal_raw(source, fields, false)
            .map(|m| (m.head, super::super::concat(m.runs), m.rejected))
    }

    fn requests(names: &[&str]) -> Vec<FieldRequest> {
        names
            .iter()
            .map(|n| FieldRequest {
                name: n.to_string(),
                key: "test",
                ..FieldRequest::default()
            })
            .collect()
    }

    /// Every GeoJSON file of the sample and the test fixtures reads the same
    /// here as through GDAL (or is left to GDAL).
    #[test]
    fn matches_gdal_on_every_fixture() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut files = Vec::new();
        for dir in [
            "data",
            "tests/fixtures",
            "tests/fixtures/district",
            "tests/fixtures/land",
            "tests/fixtures/parks12",
        ] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|e| e == "geojson") {
                    files.push(p);
                }
            }
        }
        // and one with what the fixtures lack: date-times, escapes, mixed
        // numbers, Z, holes, multi-geometries, no properties
        let dir = std::env::temp_dir().join(format!("tudi-geojson-all-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let odd = dir.join("odd.json");
        std::fs::write(
            &odd,
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"when":"2020-06-30T12:00:00","n":1,"name":"a\u00e9\n"},
 "geometry":{"type":"Polygon","coordinates":[[[120,30,5],[121,30,5],[121,31,5],[120,30,5]],
  [[120.5,30.2],[120.6,30.2],[120.6,30.3],[120.5,30.2]]]}},
{"type":"Feature","properties":{"n":2.5,"when":"2020-07-01"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[120,30],[121,30],[121,31],[120,30]]]]}},
{"type":"Feature","properties":null,"geometry":{"type":"MultiPoint","coordinates":[[120.1,30.1]]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[120,30]},"properties":{"n":null}}]}"#,
        )
        .unwrap();
        files.push(odd);
        // and one in GBK, as Chinese tools write it
        let gbk = dir.join("gbk.geojson");
        let villages = std::fs::read_to_string(root.join("data/villages.geojson")).unwrap();
        std::fs::write(&gbk, encoding_rs::GBK.encode(&villages).0).unwrap();
        files.push(gbk);
        let mut direct_files = 0;
        for path in files {
            let source = Source {
                path: path.clone(),
                ..Default::default()
            };
            let fields = requests(&[
                "name",
                "NAME",
                "id",
                "BSM",
                "DLBM",
                "ZLDWDM",
                "ZLDWMC",
                "CZCSXM",
                "TBMJ",
                "star",
                "grade",
                "opened",
                "floors",
                "floor_area",
                "status",
                "done_date",
                "claimed_mu",
                "township",
                "code",
                "when",
                "n",
                "nosuch",
            ]);
            let Some(direct) = direct(&source, &fields) else {
                continue;
            };
            direct_files += 1;
            let gdal = via_gdal(&source, &fields);
            let ((d_head, d_features, d_problems), (g_head, g_features, g_problems)) =
                match (direct, gdal) {
                    (Ok(direct), Ok(gdal)) => (direct, gdal),
                    // projected coordinates without a `crs`: the same problems
                    (Err(direct), Err(gdal)) => {
                        assert_eq!(direct, gdal, "{path:?}");
                        continue;
                    }
                    (direct, gdal) => panic!("{path:?}: {direct:?}\nbut GDAL: {gdal:?}"),
                };
            assert_eq!(d_head.at, g_head.at, "{path:?}");
            assert_eq!(d_head.crs, g_head.crs, "{path:?}");
            assert_eq!(d_head.found, g_head.found, "{path:?}");
            assert_eq!(d_problems, g_problems, "{path:?}");
            assert_eq!(d_features.len(), g_features.len(), "{path:?}");
            for (a, b) in d_features.iter().zip(&g_features) {
                assert_eq!(a.number, b.number, "{path:?}");
                assert_eq!(a.geometry, b.geometry, "{path:?} {}", a.number);
                assert_eq!(a.values, b.values, "{path:?} {}", a.number);
            }
        }
        assert!(direct_files >= 12, "{direct_files}");
        // a null geometry is left to GDAL
        let null = dir.join("null.geojson");
        std::fs::write(
            &null,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}}]}"#,
        )
        .unwrap();
        let source = Source {
            path: null,
            ..Default::default()
        };
        assert!(direct(&source, &[]).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn problems_are_worded_as_through_gdal() {
        let dir = std::env::temp_dir().join(format!("tudi-geojson-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zones.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[120.5,30.5]},"properties":{"name":"a","n":1}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[3400000.0,40500000.0]},"properties":{"name":null}}]}"#,
        )
        .unwrap();
        let source = Source {
            path,
            ..Default::default()
        };
        let mut fields = requests(&["name", "missing"]);
        fields[1].required = true;
        let problems = |r: Read| match r {
            Ok((_, _, problems)) | Err(problems) => {
                problems.iter().map(ToString::to_string).collect::<Vec<_>>()
            }
        };
        let missing = direct(&source, &fields).map(problems).unwrap();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing, problems(via_gdal(&source, &fields)));
        fields.pop();
        let outside = direct(&source, &fields).map(problems).unwrap();
        assert!(outside[0].contains("feature 2"), "{outside:?}");
        assert_eq!(outside, problems(via_gdal(&source, &fields)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
