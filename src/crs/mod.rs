//! Coordinate reference systems: every layer is brought to CGCS2000
//! longitude/latitude (EPSG:4490).

pub mod china;
pub mod tm;
