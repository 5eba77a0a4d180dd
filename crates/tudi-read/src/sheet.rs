//! Tables from spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`),
//! read with calamine: GDAL reads no `.xls`, the format many offices still
//! send, and takes a title row above the headers (秀洲区2020年亩均效益评价
//! 台账) for the header row. Rows are numbered as the spreadsheet shows
//! them, so a message's row is the one the planner finds in Excel.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Range, Reader};

use super::table::{self, Table};
use super::{problem, FieldRequest, RawLayer, Source, Value};
use tudi_core::error::{Location, Problem};

/// How far down a sheet the header row is looked for.
const HEADER_SEARCH_ROWS: usize = 30;

/// Whether tudi reads the file as a spreadsheet.
pub(super) fn is_sheet(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["xlsx", "xlsm", "xlsb", "xls", "ods"]
            .iter()
            .any(|k| e.eq_ignore_ascii_case(k))
    })
}

pub(super) fn read(source: &Source, fields: &[FieldRequest]) -> Result<RawLayer, Vec<Problem>> {
    let file_at = Location::file(&source.path);
    let mut book = open(&source.path).map_err(|p| vec![p])?;
    let names = book.sheet_names();
    let (name, range) = match &source.layer {
        Some(name) => {
            if !names.contains(name) {
                return Err(vec![problem(
                    &file_at.clone().layer(name),
                    format!("no such sheet; the workbook has: {}", names.join(", ")),
                )]);
            }
            let range = book.worksheet_range(name).map_err(|e| {
                vec![problem(
                    &file_at.clone().layer(name),
                    format!("cannot read the sheet: {e}"),
                )]
            })?;
            (name.clone(), range)
        }
        None => {
            // the one sheet that holds anything, each sheet read once
            let mut filled: Vec<(String, Range<Data>)> = names
                .iter()
                .filter_map(|n| {
                    let range = book.worksheet_range(n).ok()?;
                    (!range.is_empty()).then(|| (n.clone(), range))
                })
                .collect();
            match filled.len() {
                1 => filled.pop().expect("one sheet"),
                0 => {
                    return Err(vec![problem(
                        &file_at,
                        "every sheet of the workbook is empty",
                    )])
                }
                n => {
                    let names: Vec<&str> = filled.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(vec![problem(
                        &file_at,
                        format!(
                            "the workbook has {n} sheets with data ({}); say which with layer = \"...\"",
                            names.join(", ")
                        ),
                    )]);
                }
            }
        }
    };
    let at = file_at.layer(&name);
    table::points(source, table(range, at, source, fields)?, fields)
}

/// The workbook at `path`, whatever its kind.
fn open(path: &Path) -> Result<calamine::Sheets<std::io::BufReader<std::fs::File>>, Problem> {
    open_workbook_auto(path).map_err(|e| {
        problem(
            &Location::file(path),
            format!("cannot read the workbook: {e}"),
        )
    })
}

/// Every sheet of a workbook that holds anything, as a table whose
/// header row names the most of `fields` (for `tudi init`).
pub(crate) fn tables(path: &Path, fields: &[FieldRequest]) -> Result<Vec<Table>, Problem> {
    let file_at = Location::file(path);
    let mut book = open(path)?;
    let source = Source::default();
    let mut tables = Vec::new();
    for name in book.sheet_names() {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        if let Ok(t) = table(range, file_at.clone().layer(&name), &source, fields) {
            tables.push(t);
        }
    }
    Ok(tables)
}

/// The sheet as a table: the header row is the first of the top rows that
/// names the most of the wanted fields (a title row names none).
fn table(
    range: Range<Data>,
    at: Location,
    source: &Source,
    fields: &[FieldRequest],
) -> Result<Table, Vec<Problem>> {
    let Some((top, _)) = range.start() else {
        return Err(vec![problem(&at, "the sheet is empty")]);
    };
    let texts = |row: &[Data]| -> Vec<String> {
        row.iter()
            .map(|c| value(c).text().unwrap_or_default())
            .collect()
    };
    let score = |headers: &[String]| {
        let coordinates = [source.x.as_deref(), source.y.as_deref()]
            .into_iter()
            .flatten()
            .chain(table::X_NAMES.iter().chain(&table::Y_NAMES).copied())
            .filter(|n| super::find_field(headers, n).is_some())
            .count();
        coordinates
            + fields
                .iter()
                .filter(|f| table::column(headers, f).is_some())
                .count()
    };
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in range.rows().take(HEADER_SEARCH_ROWS).enumerate() {
        let s = score(&texts(row));
        if s > 0 && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    // no row names a wanted field: the first row, whose names the
    // missing-field message then lists
    let head = best.map_or(0, |(i, _)| i);
    let mut rows = range.rows().skip(head);
    let headers: Vec<String> = rows.next().map(texts).unwrap_or_default();
    let rows = rows
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| value(c).text().is_some()))
        .map(|(i, r)| {
            // the row as the spreadsheet numbers it
            let number = top as usize + head + i + 2;
            (number, Ok(r.iter().map(value).collect()))
        })
        .collect();
    Ok(Table {
        at,
        headers,
        rows,
        notes: Vec::new(),
    })
}

/// A cell's value: dates as `YYYY-MM-DD` text (what tudi's date parser
/// reads), error cells as their text (`#N/A`), so that a number expected
/// there is reported with it.
fn value(cell: &Data) -> Value {
    match cell {
        Data::Empty => Value::Null,
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Real(*f),
        Data::String(s) => Value::Text(s.clone()),
        Data::Bool(b) => Value::Text(b.to_string()),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            Value::Text(format!("{y:04}-{m:02}-{day:02}"))
        }
        Data::DateTime(d) => Value::Real(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Text(e.to_string()),
    }
}
