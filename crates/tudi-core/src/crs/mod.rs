//! The coordinate arithmetic that needs no CRS database: Transverse
//! Mercator on GRS80 ([`tm`], with the fast cell inverse in [`tm_cells`]),
//! the GCJ-02/BD-09 web-map offsets ([`china`]) and the Gauss–Krüger zone
//! a false easting implies ([`zone`]). Reading a CRS definition, which
//! takes GDAL, is tudi-read's `crs`.

pub mod china;
pub mod tm;
pub mod tm_cells;
pub mod zone;
