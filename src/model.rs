//! The loaded district: parcels, enterprises and zones, all in CGCS2000
//! longitude/latitude (EPSG:4490), with exterior rings counter-clockwise.
