//! tudi-core: the model of a district and every analysis of it, with no
//! file access and no system library.
//!
//! [`config`] is the project file: the layers it names and the rules.
//! [`model`] holds parcels, enterprises and zones in CGCS2000 lon/lat,
//! measured on the ellipsoid by [`geodesy`]; the crate's own R-trees index
//! them for the analyses; [`analysis::run`] turns a loaded model and the rules into an
//! [`outcome::Outcome`], which every product is written from. Reading
//! (tudi-read) comes before this crate and writing (tudi-write) after it;
//! neither is reachable from here.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis;
pub mod config;
pub mod credit_code;
pub mod crs;
pub mod date;
pub mod encoding;
pub mod error;
pub mod geodesy;
pub(crate) mod index;
pub mod model;
pub mod outcome;
#[cfg(test)]
mod test_rng;
pub mod vocab;
