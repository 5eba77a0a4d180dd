//! Each reader's parsing on bytes, for the fuzz targets in `fuzz/`; not
//! part of tudi's API.

use geo::Geometry;

use super::{csv_points, geojson, gpkg, wkb, FieldRequest, RawFeature, Source};
use tudi_core::error::Problem;

/// A GeoPackage geometry blob as the GeoPackage reader decodes it.
pub fn gpkg_geometry(blob: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    gpkg::wkb_of(blob)?.map(wkb::parse).transpose()
}

/// Each feature read, or the problem with it.
pub type Features = Vec<Result<RawFeature, Problem>>;

/// A GeoJSON file's bytes as the direct GeoJSON reader reads them (`None`:
/// left to GDAL).
pub fn geojson(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
) -> Option<Result<Features, Vec<Problem>>> {
    geojson::read_bytes(source, bytes, fields, super::decoder(source))
        .map(|layer| layer.map(|l| l.features))
}

/// A CSV file's bytes as the CSV points reader reads them.
pub fn csv(
    source: &Source,
    bytes: &[u8],
    fields: &[FieldRequest],
) -> Result<Features, Vec<Problem>> {
    csv_points::read_bytes(source, bytes, fields, super::decoder(source)).map(|l| l.features)
}
