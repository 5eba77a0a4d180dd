//! Each reader's parsing on bytes, for the fuzz targets in `fuzz/`; not
//! part of tudi's API.

use geo::Geometry;

use super::{csv_points, geojson, gpkg, wkb, FieldRequest, RawLayer, Source};
use crate::error::Problem;

/// A GeoPackage geometry blob as the GeoPackage reader decodes it.
pub fn gpkg_geometry(blob: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    gpkg::wkb_of(blob)?.map(wkb::parse).transpose()
}

/// A GeoJSON file's bytes as the direct GeoJSON reader reads them (`None`:
/// left to GDAL).
pub fn geojson(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
) -> Option<Result<RawLayer, Vec<Problem>>> {
    geojson::read_bytes(source, bytes, fields)
}

/// A CSV file's bytes as the CSV points reader reads them.
pub fn csv(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
) -> Result<RawLayer, Vec<Problem>> {
    csv_points::read_bytes(source, bytes, fields)
}
