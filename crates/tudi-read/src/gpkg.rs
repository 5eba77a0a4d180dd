//! A direct GeoPackage reader: SQLite rows straight into tudi's values and
//! geometries, several connections at once over FID ranges. It skips
//! GDAL's feature objects, which cost more than the rest of reading a
//! million parcels. GDAL still opens the file first (layer, CRS, fields);
//! anything this reader does not handle falls back to GDAL.

use std::path::Path;

use rayon::prelude::*;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::text::Decoder;
use super::{quote_identifier as quote, Undecoded, Value};

/// The table's primary key and geometry column, when the layer is a plain
/// GeoPackage features table.
pub(super) struct Table {
    name: String,
    fid: String,
    geometry: String,
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Pages straight from the page cache, not copied by read(2) into
    // SQLite's own cache (SQLite falls back to reads where it cannot map).
    db.pragma_update(None, "mmap_size", 1i64 << 40)?;
    Ok(db)
}

/// Looks the layer up in the GeoPackage's own tables.
pub(super) fn table(path: &Path, layer: &str) -> Option<Table> {
    let db = connect(path).ok()?;
    let geometry: String = db
        .query_row(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1",
            [layer],
            |r| r.get(0),
        )
        .ok()?;
    let mut pragma = db
        .prepare(&format!("PRAGMA table_info({})", quote(layer)))
        .ok()?;
    let fid = pragma
        .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))
        .ok()?
        .filter_map(Result::ok)
        .find(|(_, pk)| *pk == 1)?
        .0;
    Some(Table {
        name: layer.to_string(),
        fid,
        geometry,
    })
}

/// The smallest and largest FID of the layer's rows and their number,
/// when it is a plain features table this reader reads (`layer`: the
/// file's only features table when not named).
pub(super) fn span(path: &Path, layer: Option<&str>) -> Option<(i64, i64, u64)> {
    let db = connect(path).ok()?;
    let layer = match layer {
        Some(l) => l.to_string(),
        None => {
            let mut names = db
                .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
                .ok()?;
            let names: Vec<String> = names
                .query_map([], |r| r.get(0))
                .ok()?
                .filter_map(Result::ok)
                .collect();
            match &names[..] {
                [one] => one.clone(),
                _ => return None,
            }
        }
    };
    let table = table(path, &layer)?;
    let (fid, name) = (quote(&table.fid), quote(&table.name));
    db.query_row(
        &format!(
            "SELECT (SELECT MIN({fid}) FROM {name}), (SELECT MAX({fid}) FROM {name}), (SELECT COUNT(*) FROM {name})"
        ),
        [],
        |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, i64>(2)?)),
    )
    .ok()
    .and_then(|(a, b, n)| Some((a?, b?, u64::try_from(n).ok()?)))
}

/// The WKB inside a GeoPackage geometry blob (header: "GP", version,
/// flags, SRS id, optional envelope); `None` for an empty geometry, `Err`
/// for an extended (non-standard) geometry this reader does not know.
pub(super) fn wkb_of(blob: &[u8]) -> Result<Option<&[u8]>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob".into());
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("extended GeoPackage geometry".into());
    }
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("bad envelope code {e}")),
    };
    blob.get(8 + envelope..)
        .map(Some)
        .ok_or_else(|| "truncated GeoPackage geometry".to_string())
}

/// Reads every row of `table` (those with FIDs in `fids` when given, a
/// half-open range), `columns` by name (`None`: the layer lacks it), in
/// parallel chunks of FIDs: each chunk starts a run (`start`, given
/// the most rows it can hold) that takes its rows in FID order (`take`);
/// the runs come back in FID order.
pub(super) fn read<R: Send>(
    path: &Path,
    table: &Table,
    fids: Option<(i64, i64)>,
    columns: &[Option<String>],
    decoder: Decoder,
    start: impl Fn(usize) -> R + Sync,
    take: impl Fn(&mut R, Undecoded<'_>) + Sync,
) -> rusqlite::Result<Vec<R>> {
    let db = connect(path)?;
    // One aggregate per query: SQLite answers a lone MIN or MAX from the
    // key's B-tree, but scans the whole table for both at once.
    let (min, max): (Option<i64>, Option<i64>) = db.query_row(
        &format!(
            "SELECT (SELECT MIN({0}) FROM {1}), (SELECT MAX({0}) FROM {1})",
            quote(&table.fid),
            quote(&table.name)
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(mut min), Some(mut max)) = (min, max) else {
        return Ok(Vec::new());
    };
    if let Some((from, to)) = fids {
        (min, max) = (min.max(from), max.min(to - 1));
        if min > max {
            return Ok(Vec::new());
        }
    }
    let wanted: Vec<&String> = columns.iter().flatten().collect();
    let mut select = format!("SELECT {}, {}", quote(&table.fid), quote(&table.geometry));
    for c in &wanted {
        select.push_str(", ");
        select.push_str(&quote(c));
    }
    select.push_str(&format!(
        " FROM {} WHERE {} >= ?1 AND {} < ?2 ORDER BY 1",
        quote(&table.name),
        quote(&table.fid),
        quote(&table.fid)
    ));
    // Many small chunks, so that no thread is left with a long last one.
    let chunks = (rayon::current_num_threads() as i64 * 16).max(1);
    let step = (max - min) / chunks + 1;
    let parts: Vec<rusqlite::Result<R>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let db = connect(path)?;
            let mut stmt = db.prepare(&select)?;
            let mut rows = stmt.query([min + c * step, (min + (c + 1) * step).min(max + 1)])?;
            // at most `step` rows: no regrowing in the common dense case
            let mut run = start(usize::try_from(step).map_or(0, |s| s.min(1 << 20)));
            while let Some(row) = rows.next()? {
                let fid: i64 = row.get(0)?;
                let wkb = match row.get_ref(1)? {
                    ValueRef::Null => Ok(None),
                    ValueRef::Blob(b) => wkb_of(b),
                    _ => Err("the geometry column holds no blob".to_string()),
                };
                let mut values = Vec::with_capacity(columns.len());
                let mut guessed = None;
                let mut next = 2;
                for (k, c) in columns.iter().enumerate() {
                    if c.is_none() {
                        values.push(Value::Null);
                        continue;
                    }
                    values.push(match row.get_ref(next)? {
                        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                        ValueRef::Integer(i) => Value::Int(i),
                        ValueRef::Real(r) => Value::Real(r),
                        ValueRef::Text(t) => {
                            // GeoPackage text is UTF-8; tools that ignore
                            // that write GBK
                            let (text, g) = decoder.decode(t);
                            if g {
                                guessed.get_or_insert(k);
                            }
                            Value::Text(text)
                        }
                    });
                    next += 1;
                }
                take(&mut run, (fid as usize, wkb, values, guessed));
            }
            Ok(run)
        })
        .collect();
    parts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_blob_headers() {
        let mut blob = b"GP\0\x01\xe6\x10\0\0".to_vec();
        blob.extend([1, 1, 0, 0, 0]);
        assert_eq!(wkb_of(&blob).unwrap(), Some(&[1u8, 1, 0, 0, 0][..]));
        // little-endian header with an xy envelope (flags 0b011)
        let mut with_env = b"GP\0\x03\xe6\x10\0\0".to_vec();
        with_env.extend([0u8; 32]);
        with_env.extend([1, 1, 0, 0, 0]);
        assert_eq!(wkb_of(&with_env).unwrap(), Some(&[1u8, 1, 0, 0, 0][..]));
        assert_eq!(wkb_of(b"GP\0\x11\xe6\x10\0\0").unwrap(), None, "empty flag");
        assert!(wkb_of(b"GP\0\x21\xe6\x10\0\0").is_err(), "extended");
        assert!(wkb_of(b"XX\0\x01\xe6\x10\0\0").is_err());
    }
}
