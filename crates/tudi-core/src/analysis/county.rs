//! A county's own run in a project of several (`tudi run --county CODE`):
//! the model and the goals cut down to what the whole run counts in that
//! county, by the rules of the county table (a parcel by its ZLDWDM, a
//! firm or a park by the parcel it stands on, else the townships layer, a
//! vacated record by its township, else the parcels under most of it).
//! The county's figures are then its row of the whole run's, except where
//! a block or vacated land crosses its border: its own run cuts those at
//! the border.

use std::collections::HashSet;

use geo::{BoundingRect, Intersects, Rect};
use rayon::prelude::*;

use super::ground::{Ground, Layers, Things};
use super::parcels;
use super::townships::Places;
use super::vacated::{self, VacatedContext};
use crate::config::Project;
use crate::error::{Error, Location, Result};
use crate::index::PolygonIndex;
use crate::model::{county_of, union_rect, Model};

/// Cuts `model` down to `project.county` (no change without one), and
/// the goals with it: the county's own goals (`[targets.counties.CODE]`)
/// become the run's, those of its townships stay, the others go.
///
/// Errors: [`Error::Input`] when no parcel lies in the county, naming
/// the counties that have some.
pub fn restrict(project: &mut Project, mut model: Model) -> Result<Model> {
    let Some(code) = project.county.clone() else {
        return Ok(model);
    };
    let code = code.as_str();
    let in_county = |t: Option<&str>| t.and_then(county_of) == Some(code);

    let projection = parcels::projection_over(parcels::bounds(
        model.parcels.par_iter().map(|p| &p.geometry),
    ));
    let things = Things::new(&Layers::of(&model), &projection, false);
    let ground = Ground::find(&model.parcels, &|i| i, &things);
    let places = Places::new(model.townships.as_deref(), &project.targets);
    let parcel_list = &model.parcels;
    let township_at = |c: geo::Coord<f64>, parcel: Option<usize>| {
        parcel
            .and_then(|p| parcel_list[p].township())
            .or_else(|| places.township_at(c))
    };
    let firms: Vec<bool> = model
        .enterprises
        .par_iter()
        .zip(&ground.enterprise_parcel)
        .map(|(e, &p)| in_county(township_at(e.location, p)))
        .collect();
    let parks: Option<Vec<bool>> = model.parks.as_ref().map(|parks| {
        parks
            .par_iter()
            .zip(&ground.park_parcel)
            .map(|(p, &under)| {
                geo::InteriorPoint::interior_point(&p.geometry)
                    .is_some_and(|c| in_county(township_at(c.0, under)))
            })
            .collect()
    });
    let records: Option<Vec<bool>> = model.vacated.as_ref().map(|records| {
        let ctx = VacatedContext {
            parcels: parcel_list,
            on_parcels: &ground.record_parcels,
            protected: None,
            enterprises: &[],
            standing: &[],
            places: &places,
            projection: &projection,
        };
        vacated::townships(records, &ctx)
            .iter()
            .map(|t| in_county(t.as_deref()))
            .collect()
    });
    drop(places);
    drop(ground);
    drop(things);

    let parcels_kept: Vec<bool> = model
        .parcels
        .iter()
        .map(|p| in_county(p.township()))
        .collect();
    if !parcels_kept.contains(&true) {
        return Err(no_parcels(&model, code));
    }
    keep(&mut model.parcels, &parcels_kept);
    keep(&mut model.enterprises, &firms);
    if let (Some(p), Some(k)) = (model.parks.as_mut(), parks) {
        keep(p, &k);
    }
    if let (Some(r), Some(k)) = (model.vacated.as_mut(), records) {
        keep(r, &k);
    }
    if let Some(t) = model.townships.as_mut() {
        t.retain(|t| in_county(Some(&t.code)));
    }
    if let Some(c) = model.counties.as_mut() {
        c.retain(|c| c.code == code);
    }

    // What lies on the county's land or around what it counts: buildings
    // on its parcels, zones meeting the extent of all it keeps.
    let kept = PolygonIndex::new(model.parcels.iter().map(|p| &p.geometry));
    if let Some(b) = model.buildings.as_mut() {
        b.retain(|b| {
            b.geometry
                .bounding_rect()
                .is_some_and(|r| kept.candidates_in(r.min(), r.max()).next().is_some())
        });
    }
    let extent = extent(&model);
    for zones in [
        &mut model.villages,
        &mut model.plan,
        &mut model.protected,
        &mut model.boundary,
    ]
    .into_iter()
    .flatten()
    {
        zones.retain(|z| {
            let r = z.geometry.bounding_rect();
            r.zip(extent).is_some_and(|(r, e)| r.intersects(&e))
        });
    }

    model.warnings = own_warnings(&model);

    let targets = &mut project.targets;
    let own = targets.counties.remove(code).unwrap_or_default();
    targets.counties.clear();
    targets.townships.retain(|t, _| in_county(Some(t)));
    targets.own_county = Some(own);
    Ok(model)
}

/// The load's warnings about what the county still holds: one about a
/// feature another county's run holds is that run's to give; warnings
/// about no feature (a whole layer) stay.
fn own_warnings(model: &Model) -> Vec<crate::error::Problem> {
    use crate::config::Role;
    let features = |role: Role| -> Option<HashSet<usize>> {
        let items: Vec<usize> = match role {
            Role::Parcels => model.parcels.iter().map(|p| p.feature).collect(),
            Role::Enterprises => model.enterprises.iter().map(|e| e.feature).collect(),
            Role::Parks => model.parks.iter().flatten().map(|p| p.feature).collect(),
            Role::Vacated => model.vacated.iter().flatten().map(|r| r.feature).collect(),
            Role::Buildings => model
                .buildings
                .iter()
                .flatten()
                .map(|b| b.feature)
                .collect(),
            // zones and divisions: kept or not, their warnings describe the layer
            _ => return None,
        };
        Some(items.into_iter().collect())
    };
    let kept: Vec<(&Location, Option<HashSet<usize>>)> = model
        .layers
        .iter()
        .map(|l| (&l.at, features(l.role)))
        .collect();
    model
        .warnings
        .iter()
        .filter(|w| {
            // a feature is written "N" or "N (id)"
            let feature = w.at.feature.as_deref().and_then(|f| {
                f.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
            });
            let layer = kept
                .iter()
                .find(|(at, _)| at.file == w.at.file && at.layer == w.at.layer);
            match (feature, layer) {
                (Some(n), Some((_, Some(features)))) => features.contains(&n),
                _ => true,
            }
        })
        .cloned()
        .collect()
}

/// Keeps the items whose flag is set.
fn keep<T>(items: &mut Vec<T>, flags: &[bool]) {
    let mut k = flags.iter();
    items.retain(|_| k.next().copied().unwrap_or(false));
}

/// The extent of the parcels, firms, parks and vacated records.
fn extent(model: &Model) -> Option<Rect<f64>> {
    let polygons = model
        .parcels
        .iter()
        .map(|p| &p.geometry)
        .chain(model.parks.iter().flatten().map(|p| &p.geometry))
        .chain(model.vacated.iter().flatten().map(|r| &r.geometry))
        .filter_map(|g| g.bounding_rect());
    let points = model
        .enterprises
        .iter()
        .filter(|e| e.location.x.is_finite() && e.location.y.is_finite())
        .map(|e| Rect::new(e.location, e.location));
    polygons.chain(points).reduce(union_rect)
}

/// No parcel in the county: the counties that have some.
fn no_parcels(model: &Model, code: &str) -> Error {
    let mut counties: Vec<&str> = model
        .parcels
        .iter()
        .filter_map(|p| p.township().and_then(county_of))
        .collect();
    counties.sort_unstable();
    counties.dedup();
    let have = if counties.is_empty() {
        "no parcel's ZLDWDM names a county".to_string()
    } else {
        format!("the parcels lie in {}", counties.join(", "))
    };
    Error::input(
        Location::default().field("county"),
        format!("no parcel lies in county {code}: {have}"),
    )
}
