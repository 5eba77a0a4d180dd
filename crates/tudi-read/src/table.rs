//! Points from a table with coordinate columns, whatever the table came
//! from: a CSV, a spreadsheet (`.xlsx`, `.xls`, `.ods`), or any layer GDAL
//! reads without a geometry (a `.dbf`). The x and y columns are the
//! project file's `x`/`y`, else `lon`/`lat` or the usual Chinese headers
//! (经度/纬度); the CRS is the layer's `crs`, or per row from `crs_field`.

use std::collections::HashMap;

use geo::{Geometry, Point};
use rayon::prelude::*;

use super::headers::{self, Column};
use super::{find_field, missing_field, problem, FieldRequest, LayerHead, RawFeature, RawLayer};
use super::{Source, Value};
use crate::crs::Crs;
use tudi_core::error::{Location, Problem};

/// Names the x and y columns go by when the project file names none.
pub(crate) const X_NAMES: [&str; 5] = ["lon", "经度", "longitude", "lng", "东经"];
pub(crate) const Y_NAMES: [&str; 4] = ["lat", "纬度", "latitude", "北纬"];

/// A table as its reader gives it: the header row and each row's values,
/// as many as there are headers (or the problem that kept the row from
/// being read), by row number.
pub(crate) struct Table {
    pub at: Location,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Result<Vec<Value>, Problem>)>,
    pub notes: Vec<Problem>,
}

/// The column a requested field is read from: its name, else (when the
/// project file did not name it) an alias.
pub(crate) fn column(available: &[String], f: &FieldRequest) -> Option<Column> {
    find_field(available, &f.name)
        .map(Column::One)
        .or_else(|| headers::by_alias(available, f.aliases, f.yearly))
}

/// The names a field was found under, for messages.
fn found_name(available: &[String], c: &Option<Column>) -> Option<String> {
    match c {
        None => None,
        Some(Column::One(i)) => Some(available[*i].clone()),
        Some(Column::Years(v)) => Some(
            v.iter()
                .map(|&i| available[i].as_str())
                .collect::<Vec<_>>()
                .join("+"),
        ),
    }
}

/// The features of a table: each row a point at its coordinates, with the
/// requested values (a yearly field's columns joined oldest first).
pub(crate) fn points(
    source: &Source,
    table: Table,
    fields: &[FieldRequest],
) -> Result<RawLayer, Vec<Problem>> {
    let Table {
        at,
        headers,
        rows,
        notes,
    } = table;
    let mut problems = Vec::new();
    let mut coordinate =
        |given: &Option<String>, names: &'static [&'static str], key: &'static str| {
            let request = FieldRequest {
                name: given.clone().unwrap_or_else(|| names[0].to_string()),
                key,
                required: true,
                aliases: if given.is_some() { &[] } else { &names[1..] },
                ..FieldRequest::default()
            };
            match column(&headers, &request) {
                Some(Column::One(i)) => Some(i),
                // a ledger placed by parcel may have no coordinates at all
                _ if given.is_none() && source.parcel.is_some() => None,
                _ => {
                    problems.push(missing_field(&at, &request, &headers));
                    None
                }
            }
        };
    let x = coordinate(&source.x, &X_NAMES, "x");
    let y = coordinate(&source.y, &Y_NAMES, "y");
    let crs_col = source.crs_field.as_ref().and_then(|name| {
        let i = find_field(&headers, name);
        if i.is_none() {
            problems.push(missing_field(
                &at,
                &FieldRequest::named(name, "crs_field"),
                &headers,
            ));
        }
        i
    });
    let columns: Vec<Option<Column>> = fields
        .iter()
        .map(|f| {
            let c = column(&headers, f);
            if c.is_none() && f.required {
                problems.push(missing_field(&at, f, &headers));
            }
            c
        })
        .collect();
    let default_crs = match &source.crs {
        Some(text) => match Crs::parse(text) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(problem(&at.clone().field("crs"), e));
                None
            }
        },
        None => None,
    };
    let located = x.is_some() && y.is_some();
    let crs = match (&source.crs, &source.crs_field) {
        (Some(c), Some(f)) => format!("{c} (rows may override in column {f})"),
        (Some(c), None) => c.clone(),
        (None, Some(f)) => format!("per row, column {f}"),
        (None, None) if !located => "none: rows placed on their parcels".to_string(),
        (None, None) => {
            problems.push(problem(
                &at,
                "a table has no CRS of its own: set crs = \"EPSG:4490\" (or gcj02 / bd09), or crs_field naming a column that gives each row's CRS",
            ));
            String::new()
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }

    // Each distinct CRS named in the CRS column is parsed once.
    let mut crs_by_name: HashMap<String, Result<Crs, String>> = HashMap::new();
    if let Some(c) = crs_col {
        for values in rows.iter().filter_map(|(_, r)| r.as_ref().ok()) {
            if let Some(name) = values[c].text() {
                crs_by_name
                    .entry(name.clone())
                    .or_insert_with(|| Crs::parse(&name));
            }
        }
    }
    let crs_field_name = source.crs_field.clone().unwrap_or_default();
    // a row's point, from its coordinates in its CRS
    let point = |x: usize,
                 y: usize,
                 values: &[Value],
                 fat: &dyn Fn() -> Location|
     -> Result<Geometry<f64>, Problem> {
        let row_crs = match crs_col.and_then(|c| values[c].text()) {
            Some(name) => crs_by_name[&name]
                .as_ref()
                .map_err(|e| problem(&fat().field(&crs_field_name), e.clone()))?,
            None => default_crs.as_ref().ok_or_else(|| {
                problem(
                    &fat().field(&crs_field_name),
                    "no CRS for this row and no crs for the layer",
                )
            })?,
        };
        let coordinate = |i: usize| -> Result<f64, Problem> {
            let at = || fat().field(&headers[i]);
            let n = values[i]
                .number()
                .map_err(|v| problem(&at(), format!("not a number: '{v}'")))?
                .ok_or_else(|| problem(&at(), "no coordinate"))?;
            if n.abs() > super::MAX_COORDINATE {
                return Err(problem(
                    &at(),
                    format!("{} is out of range for {}", super::compact(n), row_crs.name),
                ));
            }
            Ok(n)
        };
        let mut g = Geometry::Point(Point::new(coordinate(x)?, coordinate(y)?));
        super::to_cgcs2000(&mut g, row_crs).map_err(|e| problem(&fat(), e))?;
        Ok(g)
    };
    let features = rows
        .into_par_iter()
        .map(|(number, values)| {
            let values = values?;
            let fat = || at.clone().feature(number.to_string());
            let geometry = match (x, y) {
                (Some(x), Some(y)) if values[x].text().is_some() || values[y].text().is_some() => {
                    Some(point(x, y, &values, &fat)?)
                }
                // placed on its parcel once the parcels are read
                _ if source.parcel.is_some() => None,
                (Some(x), Some(y)) => {
                    return Err(problem(
                        &fat().field(&headers[x]),
                        format!("no location: {} and {} are empty", headers[x], headers[y]),
                    ))
                }
                _ => None,
            };
            let values = columns
                .iter()
                .map(|c| match c {
                    None => Value::Null,
                    Some(Column::One(i)) => values[*i].clone(),
                    Some(Column::Years(cols)) => Value::Text(
                        cols.iter()
                            .filter_map(|&i| values[i].text())
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                })
                .collect();
            Ok(RawFeature {
                number,
                geometry,
                values,
                guessed: None,
            })
        })
        .collect();
    Ok(RawLayer {
        head: LayerHead {
            at,
            crs,
            found: columns.iter().map(|c| found_name(&headers, c)).collect(),
        },
        features,
        notes,
    })
}
