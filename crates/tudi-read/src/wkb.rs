//! A small reader for the well-known binary geometries tudi needs (points,
//! polygons and their multi forms, with or without Z/M), so geometries leave
//! GDAL in one call instead of one FFI call per vertex.

use geo::{Coord, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.pos + N;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| "truncated WKB".to_string())?;
        self.pos = end;
        Ok(bytes.try_into().expect("slice of length N"))
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self, le: bool) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
    /// A count of items of at least `size` bytes each: more than the bytes
    /// left could hold is truncated WKB, never an allocation.
    fn count(&mut self, le: bool, size: usize) -> Result<usize, String> {
        let n = self.u32(le)? as usize;
        if n > (self.buf.len() - self.pos) / size {
            return Err("truncated WKB".into());
        }
        Ok(n)
    }
    fn f64(&mut self, le: bool) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }
}

/// Geometry type and number of ordinates per vertex, from ISO (1000s),
/// EWKB (high bits) or plain 2-D type codes.
fn decode_type(code: u32) -> Result<(u32, usize), String> {
    let ewkb_z = code & 0x8000_0000 != 0;
    let ewkb_m = code & 0x4000_0000 != 0;
    let code = code & 0x0fff_ffff;
    let (base, iso_dims) = (code % 1000, code / 1000);
    let dims = match (iso_dims, ewkb_z, ewkb_m) {
        (0, false, false) => 2,
        (0, true, false) | (0, false, true) | (1, _, _) | (2, _, _) => 3,
        (0, true, true) | (3, _, _) => 4,
        _ => return Err(format!("unknown WKB geometry type {code}")),
    };
    Ok((base, dims))
}

fn coord(r: &mut Reader, le: bool, dims: usize) -> Result<Coord<f64>, String> {
    let x = r.f64(le)?;
    let y = r.f64(le)?;
    for _ in 2..dims {
        r.f64(le)?;
    }
    Ok(Coord { x, y })
}

fn ring(r: &mut Reader, le: bool, dims: usize) -> Result<LineString<f64>, String> {
    let n = r.count(le, 8 * dims)?;
    let mut coords = Vec::with_capacity(n);
    for _ in 0..n {
        coords.push(coord(r, le, dims)?);
    }
    Ok(LineString(coords))
}

fn polygon_body(r: &mut Reader, le: bool, dims: usize) -> Result<Polygon<f64>, String> {
    let rings = r.count(le, 4)?;
    if rings == 0 {
        return Ok(Polygon::new(LineString(vec![]), vec![]));
    }
    let exterior = ring(r, le, dims)?;
    let mut holes = Vec::with_capacity(rings - 1);
    for _ in 1..rings {
        holes.push(ring(r, le, dims)?);
    }
    Ok(Polygon::new(exterior, holes))
}

/// Collections in collections deeper than this are no planner's data; the
/// limit keeps a crafted blob from overflowing the reading thread's stack.
const MAX_DEPTH: usize = 32;

fn geometry(r: &mut Reader, depth: usize) -> Result<Geometry<f64>, String> {
    if depth > MAX_DEPTH {
        return Err(format!("WKB collections nested deeper than {MAX_DEPTH}"));
    }
    let le = match r.u8()? {
        0 => false,
        1 => true,
        b => return Err(format!("bad WKB byte order {b}")),
    };
    let (base, dims) = decode_type(r.u32(le)?)?;
    match base {
        1 => Ok(Geometry::Point(Point(coord(r, le, dims)?))),
        3 => Ok(Geometry::Polygon(polygon_body(r, le, dims)?)),
        4 | 6 | 7 => {
            // each part at least a byte order, a type and a count
            let n = r.count(le, 9)?;
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                parts.push(geometry(r, depth + 1)?);
            }
            Ok(match base {
                4 => Geometry::MultiPoint(MultiPoint(
                    parts
                        .into_iter()
                        .map(|g| match g {
                            Geometry::Point(p) => Ok(p),
                            _ => Err("MultiPoint holds a non-point".to_string()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                6 => Geometry::MultiPolygon(MultiPolygon(
                    parts
                        .into_iter()
                        .map(|g| match g {
                            Geometry::Polygon(p) => Ok(p),
                            _ => Err("MultiPolygon holds a non-polygon".to_string()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                _ => Geometry::GeometryCollection(geo::GeometryCollection(parts)),
            })
        }
        2 | 5 => Err("a line geometry (each layer holds polygons or points)".into()),
        8..=12 | 15..=17 => Err(format!(
            "curved or surface geometry (WKB type {base}): convert it to polygons first, e.g. ogr2ogr -nlt CONVERT_TO_LINEAR"
        )),
        _ => Err(format!("unsupported WKB geometry type {base}")),
    }
}

/// Parses one WKB geometry.
pub fn parse(buf: &[u8]) -> Result<Geometry<f64>, String> {
    geometry(&mut Reader { buf, pos: 0 }, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_polygon(dims_code: u32, ords: usize) -> Vec<u8> {
        let mut b = vec![1u8];
        b.extend(dims_code.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(4u32.to_le_bytes());
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            b.extend(f64::to_le_bytes(x));
            b.extend(f64::to_le_bytes(y));
            for _ in 2..ords {
                b.extend(f64::to_le_bytes(9.0));
            }
        }
        b
    }

    #[test]
    fn reads_2d_z_and_zm_polygons_alike() {
        let expected = Geometry::Polygon(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]),
            vec![],
        ));
        assert_eq!(parse(&le_polygon(3, 2)).unwrap(), expected);
        assert_eq!(parse(&le_polygon(1003, 3)).unwrap(), expected);
        assert_eq!(parse(&le_polygon(3003, 4)).unwrap(), expected);
        assert_eq!(parse(&le_polygon(0x8000_0003, 3)).unwrap(), expected);
    }

    /// Found by fuzzing (fuzz/README.md): a polygon claiming 16 777 217
    /// rings in 93 bytes asked for 400 MB before reading its second ring
    /// (2^32 - 1 rings: 103 GB). tests/wkb_memory.rs measures the request;
    /// this is the answer.
    #[test]
    fn counts_the_bytes_cannot_hold_are_truncation_not_allocation() {
        let claim = |code: u32, n: u32| {
            let mut b = vec![1u8];
            b.extend(code.to_le_bytes());
            b.extend(n.to_le_bytes());
            // an empty exterior ring (a part's byte order), then too few
            // bytes for a hole or a part
            b.extend([0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0]);
            b
        };
        for n in [0x0100_0001, u32::MAX] {
            for code in [3, 1003, 4, 6, 7] {
                let e = parse(&claim(code, n)).unwrap_err();
                assert!(e.contains("truncated"), "{code} {n}: {e}");
            }
        }
    }

    /// A blob of collections nested ever deeper (9 bytes a level) is an
    /// error, not a stack overflow on the reading thread.
    #[test]
    fn deep_nesting_is_an_error() {
        let levels = 200_000;
        let mut b = Vec::with_capacity(levels * 9);
        for _ in 0..levels {
            b.extend([1, 7, 0, 0, 0, 1, 0, 0, 0]);
        }
        b.extend([1, 7, 0, 0, 0, 0, 0, 0, 0]);
        // the reader's threads are rayon's, with Rust's 2 MiB stacks
        let e = std::thread::spawn(move || parse(&b).unwrap_err())
            .join()
            .unwrap();
        assert!(e.contains("nested"), "{e}");
    }

    #[test]
    fn big_endian_point_and_errors() {
        let mut b = vec![0u8];
        b.extend(1u32.to_be_bytes());
        b.extend(120.5f64.to_be_bytes());
        b.extend(30.25f64.to_be_bytes());
        assert_eq!(
            parse(&b).unwrap(),
            Geometry::Point(Point::new(120.5, 30.25))
        );
        assert!(parse(&b[..10]).unwrap_err().contains("truncated"));
        let mut line = vec![1u8];
        line.extend(2u32.to_le_bytes());
        assert!(parse(&line).unwrap_err().contains("line"));
    }
}
