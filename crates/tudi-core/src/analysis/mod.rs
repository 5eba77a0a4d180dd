//! The analyses. Each takes the loaded model and returns plain results; none
//! reads files or prints. [`run`] runs them all, in order.

pub mod blocks;
pub mod county;
pub mod enterprises;
pub mod far;
pub mod ground;
pub mod parcels;
pub mod partition;
pub mod placement;
pub mod plausibility;
pub mod predicates;
pub mod survey;
pub mod targets;
pub mod townships;
pub mod vacated;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Project;
use crate::geodesy::EqualArea;
use crate::index::ZoneIndex;
use crate::model::{Model, Progress};
use crate::outcome::{Outcome, Stage};

use blocks::BlockRules;
use enterprises::Context;
use far::FarRules;
use ground::Layers;
use survey::{Survey, Surveyed, Surveyor};
use townships::{Level, Places};
use vacated::{VacatedContext, VacatedRules};

/// Runs every analysis on a loaded model: measures it on the ellipsoid,
/// surveys its parcels, indexes it and answers the project's questions.
/// `on_stage` hears of each stage as it starts. No file is read or
/// written.
pub fn run(project: Project, mut model: Model, on_stage: &mut dyn FnMut(Stage)) -> Outcome {
    let clock = Instant::now();
    on_stage(Stage::Measure);
    let parts = county_parts(&project, &model);
    let surveyed = survey_in(&project, &mut model, parts.as_deref());
    let measured = clock.elapsed();
    let mut outcome = analyse(project, model, surveyed, parts, on_stage);
    outcome.timings[0].1 += measured;
    outcome
}

/// Measures a loaded model's layers in the plane fitted to its parcels'
/// extent and surveys its parcels ([`survey`]), all in memory.
pub fn survey(project: &Project, model: &mut Model) -> Surveyed {
    let parts = county_parts(project, model);
    survey_in(project, model, parts.as_deref())
}

/// [`survey`], what stands on the parcels of several counties found
/// county by county (`parts`) and joined across borders, as a run too
/// large for one pass must (the same as one pass over the whole).
fn survey_in(project: &Project, model: &mut Model, parts: Option<&[partition::Part]>) -> Surveyed {
    let bounds = parcels::bounds(model.parcels.par_iter().map(|p| &p.geometry));
    let projection = plane(bounds);
    measure_others(model, &projection);
    let (parcels, layers) = Layers::split(model);
    let survey = Surveyor::new(&layers, &projection, &project.rules).survey_whole(parcels, parts);
    Surveyed::new(bounds, survey, 1)
}

/// Runs the analyses after the survey on a model whose parcels were
/// surveyed as they were read ([`Surveyed`]), and the other layers
/// measured in the plane fitted to the parcels' extent
/// ([`measure_others`]).
pub fn run_surveyed(
    project: Project,
    model: Model,
    surveyed: Surveyed,
    on_stage: &mut dyn FnMut(Stage),
) -> Outcome {
    on_stage(Stage::Measure);
    let parts = county_parts(&project, &model);
    analyse(project, model, surveyed, parts, on_stage)
}

/// The plane every area of a run is measured in: the equal-area plane
/// fitted to the parcels' extent.
pub fn plane(parcel_bounds: Option<geo::Rect<f64>>) -> EqualArea {
    parcels::projection_over(parcel_bounds)
}

/// The parts of a project of several counties (none for one): their
/// blocks are found county by county and joined across borders.
fn county_parts(project: &Project, model: &Model) -> Option<Vec<partition::Part>> {
    townships::several(model.parcels.iter().map(|p| p.township()))
        .then(|| partition::county_parts(&model.parcels, &block_rules(&project.rules)))
}

fn block_rules(rules: &crate::config::Rules) -> BlockRules<'_> {
    BlockRules {
        industrial_codes: &rules.industrial_codes,
        cluster_gap_m: rules.cluster_gap_m,
        scattered_max_mu: rules.scattered_max_mu,
    }
}

fn analyse(
    project: Project,
    model: Model,
    surveyed: Surveyed,
    parts: Option<Vec<partition::Part>>,
    on_stage: &mut dyn FnMut(Stage),
) -> Outcome {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: Stage, timings: &mut Vec<(Stage, Duration)>| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };

    let as_of = project.project.as_of;
    let year = project.targets.year.unwrap_or(as_of.year);
    let Surveyed {
        bounds: parcel_bounds,
        survey: Survey {
            in_village,
            mut ground,
        },
        parts: read_in,
    } = surveyed;
    let projection = plane(parcel_bounds);
    let area_mismatches = parcels::area_mismatches(&model.parcels, project.rules.area_tolerance);
    lap(Stage::Measure, &mut timings);

    on_stage(Stage::Index);
    let Indexes { plan, protected } = Indexes::new(&model);
    lap(Stage::Index, &mut timings);

    on_stage(Stage::Analyse);
    let rules = &project.rules;
    let block_rules = block_rules(rules);
    let blocks = match &parts {
        Some(parts) => partition::blocks_in_parts(
            &model.parcels,
            &in_village,
            &projection,
            &block_rules,
            parts,
        ),
        None => blocks::blocks(&model.parcels, &in_village, &projection, &block_rules),
    };
    drop(parts);
    let mut assessments = enterprises::assess(
        &model,
        &Context {
            parcel_of: &ground.enterprise_parcel,
            in_village: &in_village,
            scattered: &blocks.scattered,
            plan: plan.as_ref(),
            protected: protected.as_ref(),
        },
        rules,
    );

    let parks = model.parks.as_deref().unwrap_or(&[]);
    let far = far::far(
        &model.parcels,
        ground.shares(),
        &blocks,
        model.buildings.as_deref(),
        parks,
        &model.enterprises,
        &projection,
        &FarRules {
            min_park_far: rules.min_park_far,
            min_parcel_far: rules.min_parcel_far,
            as_of,
        },
    );
    let places = Places::new(model.townships.as_deref(), &project.targets);
    let (enterprise_township, park_township) =
        townships_of(&model, &assessments, &ground.park_parcel, &places);
    let placing = Instant::now();
    let placement = model.parks.is_some().then(|| {
        let plan = placement::plan(&placement::Inputs {
            model: &model,
            assessments: &assessments,
            far: &far,
            buildings_known: model.buildings.is_some(),
            enterprise_township: &enterprise_township,
            park_township: &park_township,
            as_of,
            rules: &rules.placement,
        });
        placement::settle(&plan, &mut assessments);
        plan
    });
    let placing = placing.elapsed();
    // An enterprise marked done has been dealt with: on vacated land that
    // means it has left. Pending ones still stand where they are.
    let standing: Vec<bool> = model
        .enterprises
        .iter()
        .map(|e| e.status != Some(Progress::Done))
        .collect();
    let vacated_ctx = VacatedContext {
        parcels: &model.parcels,
        on_parcels: &ground.record_parcels,
        protected: model.protected.as_deref(),
        enterprises: &model.enterprises,
        standing: &standing,
        places: &places,
        projection: &projection,
    };
    let vacated_rules = VacatedRules::of(rules);
    let vacated = model
        .vacated
        .as_deref()
        .map(|records| vacated::vacated(records, &vacated_ctx, &vacated_rules));
    // what the plan delivers: the vacated records and the land it empties
    let emptied = targets::emptied_parcels(
        &model.parcels,
        |p| blocks.block_of[p].is_some(),
        &model.enterprises,
        &assessments,
    );
    let projected_vacated = (model.vacated.is_some() || !emptied.is_empty()).then(|| {
        let mut records = model.vacated.clone().unwrap_or_default();
        records.extend(
            emptied
                .iter()
                .map(|&p| targets::plan_record(&model.parcels[p])),
        );
        // the land a plan empties is its parcel's, whole
        let mut on_parcels = ground.record_parcels.clone();
        on_parcels.extend(emptied.iter().map(|&p| vec![(p, model.parcels[p].area_m2)]));
        let ctx = VacatedContext {
            on_parcels: &on_parcels,
            ..vacated_ctx
        };
        vacated::land(&records, &ctx, &vacated_rules)
    });
    let target_report = targets::report(&targets::Inputs {
        targets: &project.targets,
        year,
        as_of,
        enterprises: &model.enterprises,
        assessments: &assessments,
        enterprise_township: &enterprise_township,
        parks,
        park_stats: &far.parks,
        floor_areas_known: model.buildings.is_some(),
        park_township: &park_township,
        vacated: vacated.as_ref(),
        projected_vacated: projected_vacated.as_ref(),
        rooms: placement.as_ref().map_or(&[], |p| &p.parks),
    });
    let township_names: BTreeMap<String, String> = places
        .known_codes()
        .filter_map(|c| places.name(c).map(|n| (c.to_string(), n.to_string())))
        .collect();
    let mut county_names = townships::names(
        model.counties.as_deref().unwrap_or(&[]),
        &project.targets.counties,
    );
    // a county's own run keeps the name its goals give
    let own = project
        .targets
        .own_county
        .as_ref()
        .and_then(|g| g.name.clone());
    if let (Some(code), Some(name)) = (&project.county, own) {
        county_names.entry(code.clone()).or_insert(name);
    }
    lap(Stage::Analyse, &mut timings);
    // placement is timed apart from the analyses around it
    if let Some((_, analyse)) = timings.last_mut() {
        *analyse = analyse.saturating_sub(placing);
    }
    timings.push((Stage::Place, placing));

    let mut outcome = Outcome {
        project,
        model,
        projection,
        parcel_bounds,
        in_village,
        blocks,
        assessments,
        area_mismatches,
        far,
        placement,
        vacated,
        projected_vacated,
        targets: target_report,
        enterprise_township,
        park_township,
        township_names,
        county_names,
        as_of,
        year,
        timings,
        read_in,
        townships: Vec::new(),
        counties: Vec::new(),
        cross_border: Default::default(),
    };
    outcome.townships = townships::table(&outcome, Level::Township);
    let counties = townships::table(&outcome, Level::County);
    // one county's table is its total: shown only for several
    if counties.iter().filter(|r| !r.code.is_empty()).count() > 1 {
        outcome.counties = counties;
        outcome.cross_border = townships::cross_border(&outcome);
    }
    outcome
}

/// Measures the layers other than the parcels on the ellipsoid, in the
/// run's plane ([`plane`]); the survey measures the parcels.
pub fn measure_others(model: &mut Model, projection: &EqualArea) {
    if let Some(b) = model.buildings.as_mut() {
        far::measure_buildings(b, projection);
    }
    if let Some(parks) = model.parks.as_mut() {
        parks
            .par_iter_mut()
            .for_each(|p| p.area_m2 = projection.multi_polygon_area(&p.geometry));
    }
    if let Some(v) = model.vacated.as_mut() {
        vacated::measure(v, projection);
    }
}

/// The zone layers' R-trees the enterprise analysis queries (the survey
/// indexes the parcels and the villages itself).
struct Indexes<'a> {
    plan: Option<ZoneIndex<'a>>,
    protected: Option<ZoneIndex<'a>>,
}

impl<'a> Indexes<'a> {
    /// Every index, built side by side.
    fn new(model: &'a Model) -> Indexes<'a> {
        let zones = |z: &'a Option<Vec<crate::model::Zone>>| z.as_deref().map(ZoneIndex::new);
        let (plan, protected) = rayon::join(|| zones(&model.plan), || zones(&model.protected));
        Indexes { plan, protected }
    }
}

/// The township of each enterprise and each park: that of the parcel it
/// stands on (a park: the parcel under an interior point, the first in id
/// order), else of the townships layer.
fn townships_of(
    model: &Model,
    assessments: &[enterprises::Assessment],
    park_parcel: &[Option<usize>],
    places: &Places,
) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let township_at = |c: geo::Coord<f64>, parcel: Option<usize>| -> Option<String> {
        parcel
            .and_then(|p| model.parcels[p].township())
            .or_else(|| places.township_at(c))
            .map(String::from)
    };
    let enterprises = model
        .enterprises
        .iter()
        .zip(assessments)
        .map(|(e, a)| township_at(e.location, a.parcel))
        .collect();
    let parks = model
        .parks
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .zip(park_parcel)
        .map(|(p, &under)| {
            let c = geo::InteriorPoint::interior_point(&p.geometry)?.0;
            township_at(c, under)
        })
        .collect();
    (enterprises, parks)
}
