//! Tables from a CSV, as enterprise ledgers come out of Excel: UTF-8 with
//! or without BOM, or GBK/GB18030 when Excel saved it the Chinese-Windows
//! way. The rows become points in [`super::table`].

use super::table::{self, Table};
use super::text::{self, Decoder};
use super::{problem, FieldRequest, RawLayer, Source, Value};
use tudi_core::error::{Location, Problem};

pub(super) fn read(
    source: &Source,
    fields: &[FieldRequest],
    decoder: Decoder,
) -> Result<RawLayer, Vec<Problem>> {
    let at = Location::file(&source.path);
    let bytes =
        std::fs::read(&source.path).map_err(|e| vec![problem(&at, format!("cannot read: {e}"))])?;
    read_bytes(source, &bytes, fields, decoder)
}

/// [`read`] on the file's bytes (also the fuzz target's entry).
pub(super) fn read_bytes(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
    decoder: Decoder,
) -> Result<RawLayer, Vec<Problem>> {
    let at = Location::file(&source.path);
    // Not UTF-8 and no encoding given: Excel on Chinese Windows writes GBK.
    let (text, guessed) = decoder.decode_file(bytes);
    if text.trim().is_empty() {
        return Err(vec![problem(
            &at,
            "the file is empty: no header row, no rows",
        )]);
    }
    let notes: Vec<Problem> = guessed
        .then(|| text::guessed_file(&at))
        .into_iter()
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| vec![problem(&at, format!("cannot read the header row: {e}"))])?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let width = headers.len();
    let rows = reader
        .records()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .filter_map(|(n, r)| match r {
            Ok(r) if r.iter().all(|c| c.trim().is_empty()) => None,
            Ok(r) => {
                // a short row's missing cells are empty, a long row's extra
                // cells have no header to be read under
                let cell = |i: usize| Value::Text(r.get(i).unwrap_or("").trim().to_string());
                Some((n, Ok((0..width).map(cell).collect())))
            }
            Err(e) => Some((
                n,
                Err(problem(&at.clone().feature(n.to_string()), e.to_string())),
            )),
        })
        .collect();
    table::points(
        source,
        Table {
            at,
            headers,
            rows,
            notes,
        },
        fields,
    )
}
