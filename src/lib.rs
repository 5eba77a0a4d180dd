//! tudi (土地): land remediation analysis for Chinese county planners.
//!
//! The crate is laid out as the pipeline runs:
//! [`config`] (the project file) → [`read`] (layers from any GDAL format,
//! brought to CGCS2000 by [`crs`]) → [`model`] (parcels, enterprises,
//! zones, measured by [`geodesy`]) → [`index`] (R-trees) → [`analysis`]
//! (blocks and scattered plots, enterprise predicates, targets and
//! dispositions) → [`write`] (GeoJSON, CSV, summary). [`pipeline`] ties
//! them together for the CLI.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod area;
pub mod config;
pub mod credit_code;
pub mod crs;
pub mod date;
pub mod error;
pub mod geodesy;
pub mod index;
pub mod load;
pub mod model;
pub mod pipeline;
pub mod read;
pub mod synth;
pub mod write;
