//! The analyses. Each takes the loaded model and returns plain results; none
//! reads files or prints.

pub mod blocks;
pub mod enterprises;
pub mod far;
pub mod parcels;
pub mod plausibility;
pub mod predicates;
pub mod targets;
pub mod townships;
pub mod vacated;
