//! `tudi area`: the ellipsoidal area of each polygon of any file.

use geo::{Geometry, MultiPolygon};
use rayon::prelude::*;

use crate::{FieldRequest, Source, Value};
use tudi_core::error::{Error, Location, Problem, Result};
use tudi_core::geodesy::m2_to_mu;

/// One polygon's area.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaRow {
    pub id: String,
    pub area_m2: f64,
    pub area_mu: f64,
}

/// Areas of every polygon in a layer, in file order, and the reader's
/// warnings (a guessed text encoding, say). `id_field` names the id
/// (default: the feature number).
pub fn areas(source: &Source, id_field: Option<&str>) -> Result<(Vec<AreaRow>, Vec<Problem>)> {
    let fields: Vec<FieldRequest> = id_field
        .map(|name| FieldRequest::named(name, "id"))
        .into_iter()
        .collect();
    // Each feature's id and polygons, taken as read (not copied).
    let layer = crate::read_layer_with(source, &fields, |head, f| {
        let polygons = match f.geometry {
            Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
            Some(Geometry::MultiPolygon(mp)) => mp,
            _ => {
                return Err(Problem {
                    at: head.at.clone().feature(f.number.to_string()),
                    message: "not a polygon".into(),
                })
            }
        };
        let id = f.values.first().and_then(Value::text);
        Ok(((id.unwrap_or_else(|| f.number.to_string()), polygons), None))
    })
    .map_err(Error::Input)?;
    if !layer.rejected.is_empty() {
        return Err(Error::Input(layer.rejected));
    }
    let (ids, polygons): (Vec<String>, Vec<MultiPolygon<f64>>) =
        crate::concat(layer.runs).into_iter().unzip();
    if polygons.is_empty() {
        return Err(Error::input(
            Location::file(&source.path),
            "the layer has no features",
        ));
    }
    let projection = tudi_core::analysis::parcels::projection_for(polygons.par_iter());
    let rows = ids
        .into_iter()
        .zip(&polygons)
        .map(|(id, p)| {
            let area_m2 = projection.multi_polygon_area(p);
            AreaRow {
                id,
                area_m2,
                area_mu: m2_to_mu(area_m2),
            }
        })
        .collect();
    Ok((rows, layer.notes))
}
