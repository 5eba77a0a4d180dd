//! What a Shapefile's `.dbf` says of its text. GDAL recodes a Shapefile's
//! text from the encoding its `.cpg` file or the `.dbf`'s code-page byte
//! (LDID) names; when neither does, it hands over the bytes as they are,
//! and the `gdal` crate replaces whatever is not UTF-8 with U+FFFD. This
//! finds the first text that is not UTF-8, so that GDAL can be asked to
//! read the file as GB18030 instead.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// What the `.dbf` beside a `.shp` holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Text {
    /// A `.cpg` file or the code-page byte names the encoding: GDAL's.
    Declared,
    /// No encoding named, and all text is UTF-8 (or there is no `.dbf`).
    Utf8,
    /// No encoding named, and this record (1-based) of this field is not
    /// UTF-8 (record `None`: a field's name).
    NotUtf8 {
        record: Option<usize>,
        field: Vec<u8>,
    },
}

/// The file beside `shp` with extension `ext` in lower or upper case.
pub(super) fn sibling(shp: &Path, ext: &str) -> Option<std::path::PathBuf> {
    [ext.to_string(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.exists())
}

/// UTF-8, or cut short inside a character by the field's width.
fn is_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

pub(super) fn text(shp: &Path) -> Text {
    if sibling(shp, "cpg").is_some() {
        return Text::Declared;
    }
    let Some(file) = sibling(shp, "dbf").and_then(|p| File::open(p).ok()) else {
        return Text::Utf8;
    };
    scan(BufReader::new(file)).unwrap_or(Text::Utf8)
}

/// Reads the header and records; `None` when the file is not a `.dbf`
/// this understands (GDAL then says what is wrong with it).
fn scan(mut r: impl Read) -> Option<Text> {
    let mut head = [0u8; 32];
    r.read_exact(&mut head).ok()?;
    if head[29] != 0 {
        return Some(Text::Declared);
    }
    let records = u32::from_le_bytes(head[4..8].try_into().ok()?) as usize;
    let header_len = u16::from_le_bytes(head[8..10].try_into().ok()?) as usize;
    let record_len = u16::from_le_bytes(head[10..12].try_into().ok()?) as usize;
    let mut rest = vec![0u8; header_len.checked_sub(32)?];
    r.read_exact(&mut rest).ok()?;
    // Field descriptors, 32 bytes each, up to the 0x0D terminator: name
    // (11 bytes, NUL-padded), type, and width at byte 16.
    let mut text_fields = Vec::new();
    let mut offset = 1; // after the deletion flag
    for d in rest.chunks_exact(32).take_while(|d| d[0] != 0x0D) {
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        let name = &d[..name_end];
        if !is_utf8(name) {
            return Some(Text::NotUtf8 {
                record: None,
                field: name.to_vec(),
            });
        }
        let width = d[16] as usize;
        if d[11] == b'C' {
            text_fields.push((name.to_vec(), offset, width));
        }
        offset += width;
    }
    if text_fields.is_empty() || offset > record_len {
        return Some(Text::Utf8);
    }
    let mut record = vec![0u8; record_len];
    for n in 1..=records {
        if r.read_exact(&mut record).is_err() {
            break;
        }
        for (name, at, width) in &text_fields {
            if !is_utf8(&record[*at..at + width]) {
                return Some(Text::NotUtf8 {
                    record: Some(n),
                    field: name.clone(),
                });
            }
        }
    }
    Some(Text::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .dbf with the fields (name, type, width) and records given.
    fn dbf(ldid: u8, fields: &[(&[u8], u8, u8)], records: &[Vec<&[u8]>]) -> Vec<u8> {
        let header_len = 32 + 32 * fields.len() + 1;
        let record_len = 1 + fields.iter().map(|f| f.2 as usize).sum::<usize>();
        let mut b = vec![3u8, 126, 1, 1];
        b.extend((records.len() as u32).to_le_bytes());
        b.extend((header_len as u16).to_le_bytes());
        b.extend((record_len as u16).to_le_bytes());
        b.resize(32, 0);
        b[29] = ldid;
        for (name, ty, width) in fields {
            let mut d = [0u8; 32];
            d[..name.len()].copy_from_slice(name);
            d[11] = *ty;
            d[16] = *width;
            b.extend(d);
        }
        b.push(0x0D);
        for r in records {
            b.push(b' ');
            for (value, (_, _, width)) in r.iter().zip(fields) {
                let mut cell = value.to_vec();
                cell.resize(*width as usize, b' ');
                b.extend(cell);
            }
        }
        b.push(0x1A);
        b
    }

    #[test]
    fn finds_the_first_text_that_is_not_utf8() {
        let gbk = encoding_rs::GBK.encode("竹家村").0.into_owned();
        let fields: &[(&[u8], u8, u8)] = &[(b"CODE", b'N', 4), (b"NAME", b'C', 10)];
        let utf8 = "竹家村".as_bytes();
        let rows = vec![vec![&b"1"[..], utf8], vec![&b"2"[..], &gbk[..]]];
        assert_eq!(
            scan(&dbf(0, fields, &rows)[..]),
            Some(Text::NotUtf8 {
                record: Some(2),
                field: b"NAME".to_vec()
            })
        );
        assert_eq!(scan(&dbf(0x4D, fields, &rows)[..]), Some(Text::Declared));
        // UTF-8 cut short by the field's width is still UTF-8
        let cut = [b"1".as_slice(), &utf8[..8]];
        let narrow: &[(&[u8], u8, u8)] = &[(b"CODE", b'N', 4), (b"NAME", b'C', 8)];
        assert_eq!(scan(&dbf(0, narrow, &[cut.to_vec()])[..]), Some(Text::Utf8));
        let gbk_name: &[(&[u8], u8, u8)] = &[(&encoding_rs::GBK.encode("名称").0, b'C', 8)];
        assert!(matches!(
            scan(&dbf(0, gbk_name, &[])[..]),
            Some(Text::NotUtf8 { record: None, .. })
        ));
        assert_eq!(scan(&b"short"[..]), None);
    }
}
