//! `tudi area`: the ellipsoidal area of each polygon of any file.

use geo::{Geometry, MultiPolygon};
use rayon::prelude::*;

use crate::error::{Error, Location, Problem, Result};
use crate::geodesy::m2_to_mu;
use crate::read::{self, FieldRequest, Source};

/// One polygon's area.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaRow {
    pub id: String,
    pub area_m2: f64,
    pub area_mu: f64,
}

/// Areas of every polygon in a layer, in file order. `id_field` names the
/// id (default: the feature number).
pub fn areas(source: &Source, id_field: Option<&str>) -> Result<Vec<AreaRow>> {
    let fields: Vec<FieldRequest> = id_field
        .map(|name| FieldRequest {
            name: name.to_string(),
            key: "id",
            required: true,
        })
        .into_iter()
        .collect();
    let layer = read::read_layer(source, &fields).map_err(Error::Input)?;
    let mut polygons = Vec::with_capacity(layer.features.len());
    let mut problems = Vec::new();
    for f in &layer.features {
        match &f.geometry {
            Some(Geometry::Polygon(p)) => polygons.push(MultiPolygon(vec![p.clone()])),
            Some(Geometry::MultiPolygon(mp)) => polygons.push(mp.clone()),
            _ => problems.push(Problem {
                at: layer.feature_at(f.number),
                message: "not a polygon".into(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    if polygons.is_empty() {
        return Err(Error::input(
            Location::file(&source.path),
            "the layer has no features",
        ));
    }
    let projection = crate::analysis::parcels::projection_for(polygons.par_iter());
    Ok(layer
        .features
        .iter()
        .zip(&polygons)
        .map(|(f, p)| {
            let area_m2 = projection.multi_polygon_area(p);
            AreaRow {
                id: f
                    .values
                    .first()
                    .and_then(|v| v.text())
                    .unwrap_or_else(|| f.number.to_string()),
                area_m2,
                area_mu: m2_to_mu(area_m2),
            }
        })
        .collect())
}
