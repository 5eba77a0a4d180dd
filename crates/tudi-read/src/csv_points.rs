//! Points from a CSV with coordinate columns, as enterprise ledgers come
//! out of Excel: UTF-8 with or without BOM, or GBK/GB18030 when Excel saved
//! it the Chinese-Windows way; optionally a column giving each row's CRS
//! (geocoded rows in GCJ-02 next to surveyed ones in CGCS2000).

use std::collections::HashMap;

use geo::{Geometry, Point};
use rayon::prelude::*;

use super::text::{self, Decoder};
use super::{
    find_field, found_names, missing_field, problem, FieldRequest, LayerHead, RawFeature, RawLayer,
    Source, Value,
};
use super::{DEFAULT_X, DEFAULT_Y};
use crate::crs::Crs;
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

    let mut problems = Vec::new();
    let mut column = |name: &str, key: &'static str, required: bool| {
        let idx = find_field(&headers, name);
        if idx.is_none() && required {
            problems.push(missing_field(
                &at,
                &FieldRequest {
                    name: name.to_string(),
                    key,
                    required,
                },
                &headers,
            ));
        }
        idx
    };
    let x = column(source.x.as_deref().unwrap_or(DEFAULT_X), "x", true);
    let y = column(source.y.as_deref().unwrap_or(DEFAULT_Y), "y", true);
    let crs_col = source
        .crs_field
        .as_deref()
        .and_then(|name| column(name, "crs_field", true));
    let indexes: Vec<Option<usize>> = fields
        .iter()
        .map(|f| column(&f.name, f.key, f.required))
        .collect();

    let default_crs = match &source.crs {
        Some(text) => {
            Some(Crs::parse(text).map_err(|e| vec![problem(&at.clone().field("crs"), e)])?)
        }
        None if crs_col.is_some() => None,
        None => {
            problems.push(problem(
                &at,
                "a CSV has no CRS of its own: set crs = \"EPSG:4490\" (or gcj02 / bd09), or crs_field naming a column that gives each row's CRS",
            ));
            None
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }

    let records: Vec<(usize, Result<csv::StringRecord, Problem>)> = reader
        .records()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .filter_map(|(n, r)| match r {
            Ok(r) if r.iter().all(|c| c.trim().is_empty()) => None,
            Ok(r) => Some((n, Ok(r))),
            Err(e) => Some((
                n,
                Err(problem(&at.clone().feature(n.to_string()), e.to_string())),
            )),
        })
        .collect();

    // Each distinct CRS named in the CRS column is parsed once.
    let mut crs_by_name: HashMap<String, Result<Crs, String>> = HashMap::new();
    if let Some(c) = crs_col {
        for r in records.iter().filter_map(|(_, r)| r.as_ref().ok()) {
            let name = r.get(c).unwrap_or("").trim();
            if !name.is_empty() && !crs_by_name.contains_key(name) {
                crs_by_name.insert(name.to_string(), Crs::parse(name));
            }
        }
    }

    let crs_field_name = source.crs_field.clone().unwrap_or_default();
    let features: Vec<Result<RawFeature, Problem>> = records
        .into_par_iter()
        .map(|(number, record)| {
            let record = record?;
            let fat = || at.clone().feature(number.to_string());
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let row_crs = match crs_col.map(cell).filter(|s| !s.is_empty()) {
                Some(name) => crs_by_name[name]
                    .as_ref()
                    .map_err(|e| problem(&fat().field(&crs_field_name), e.clone()))?,
                None => default_crs.as_ref().ok_or_else(|| {
                    problem(
                        &fat().field(&crs_field_name),
                        "no CRS for this row and no crs for the layer",
                    )
                })?,
            };
            let (xi, yi) = (x.expect("checked"), y.expect("checked"));
            if cell(xi).is_empty() && cell(yi).is_empty() {
                return Err(problem(
                    &fat().field(&headers[xi]),
                    format!("no location: {} and {} are empty", headers[xi], headers[yi]),
                ));
            }
            let coordinate = |i: usize| -> Result<f64, Problem> {
                let (v, at) = (cell(i), || fat().field(&headers[i]));
                if v.is_empty() {
                    return Err(problem(&at(), "no coordinate"));
                }
                let n = v
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| problem(&at(), format!("not a number: '{v}'")))?;
                if n.abs() > super::MAX_COORDINATE {
                    return Err(problem(
                        &at(),
                        format!("{} is out of range for {}", super::compact(n), row_crs.name),
                    ));
                }
                Ok(n)
            };
            let mut g = Geometry::Point(Point::new(coordinate(xi)?, coordinate(yi)?));
            super::to_cgcs2000(&mut g, row_crs).map_err(|e| problem(&fat(), e))?;
            let values = indexes
                .iter()
                .map(|idx| match idx {
                    Some(i) => Value::Text(cell(*i).to_string()),
                    None => Value::Null,
                })
                .collect();
            Ok(RawFeature {
                number,
                geometry: Some(g),
                values,
                guessed: None,
            })
        })
        .collect();
    let crs = match (&source.crs, &source.crs_field) {
        (Some(c), Some(f)) => format!("{c} (rows may override in column {f})"),
        (Some(c), None) => c.clone(),
        (None, Some(f)) => format!("per row, column {f}"),
        (None, None) => unreachable!("checked above"),
    };
    Ok(RawLayer {
        head: LayerHead {
            at,
            crs,
            found: found_names(&indexes, &headers),
        },
        features,
        notes,
    })
}
