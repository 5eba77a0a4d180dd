//! Loading a project whose parcels are read in parts: the other layers
//! first, then the parcels a part at a time, each part surveyed as soon
//! as it is read ([`tudi_core::analysis::survey`]) and then kept without
//! the outlines nothing after the survey needs. Peak memory follows the
//! part, not the area; the model and the survey are those of loading the
//! whole and surveying it in one pass.

use std::cmp::Ordering;

use geo::Rect;
use rayon::prelude::*;

use super::*;
use tudi_core::analysis::ground::Layers as Standing;
use tudi_core::analysis::survey::{Survey, Surveyed, Surveyor};
use tudi_core::analysis::{measure_others, parcels::bounds, plane};

/// Loads a project and surveys its parcels, reading them `part` at a
/// time (0: all at once, in memory); `on_part(k, n)` hears as part `k`
/// of `n` is read. A layer that cannot be read in parts (anything but a
/// plain GeoPackage table), and a ledger that places firms on parcels by
/// id, are read whole.
pub fn load_surveyed(
    project: &Project,
    part: usize,
    on_part: &mut dyn FnMut(usize, usize),
) -> Result<(Model, Surveyed)> {
    let layers = &project.layers;
    let requests = requests(layers);
    let by_parcel_id = layers
        .enterprises
        .as_ref()
        .is_some_and(|s| s.parcel.is_some());
    let span = crate::fid_span(&requests[0].1).filter(|&(_, _, n)| part > 0 && n > part as u64);
    let Some((first, last, n)) = span.filter(|_| !by_parcel_id) else {
        let mut model = load(project)?;
        let surveyed = tudi_core::analysis::survey(project, &mut model);
        return Ok((model, surveyed));
    };
    // FID ranges of about `part` rows each (FIDs may have gaps)
    let count = n.div_ceil(part as u64) as i64;
    let step = (last - first) / count + 1;
    let ranges: Vec<(i64, i64)> = (0..count)
        .map(|k| (first + k * step, (first + (k + 1) * step).min(last + 1)))
        .collect();

    let settlement_field = requests[0].2[PARCEL_SETTLEMENT].name.clone();
    let (_, parcel_source, parcel_fields) = &requests[0];
    // The plane is fitted to the parcels' extent: a first pass over their
    // outlines alone finds it, while the other layers are read, and the
    // parts must end with the same one.
    let (loaded, outlines) = rayon::join(
        || {
            requests[1..]
                .par_iter()
                .map(|(role, source, fields)| {
                    load_layer(*role, source, fields, layers, &settlement_field)
                })
                .collect::<Vec<Loaded>>()
        },
        || outline_extent(parcel_source, &ranges),
    );
    let Collected {
        mut model,
        mut problems,
        build_problems,
        ..
    } = collect(loaded);
    // the parcels' reading problems come first, as their layer does
    let mut extent = outlines.unwrap_or_else(|p| {
        problems.splice(0..0, p);
        None
    });
    if !problems.is_empty() || !build_problems.is_empty() {
        problems.extend(build_problems);
        return Err(Error::Input(problems));
    }
    let read = loop {
        let projection = plane(extent);
        measure_others(&mut model, &projection);
        let read = read_parts(
            project,
            &model,
            (parcel_source, parcel_fields),
            (&ranges, n as usize),
            &projection,
            on_part,
        )?;
        // a repaired outline can lie inside its raw one: then once more
        // in the plane of the extent as built
        if read.extent == extent {
            break read;
        }
        extent = read.extent;
    };
    let Read {
        head,
        info,
        parcels,
        mut survey,
        notes,
        rejected,
        extent,
    } = read;

    let mut build_problems = rejected;
    build_problems.splice(0..0, no_village_status(&head, layers, &settlement_field));
    if info.features == 0 {
        build_problems.push(no_features(&head));
    }
    // file order to id order, the survey with them
    let features: Vec<usize> = parcels.iter().map(|p| p.feature).collect();
    let parcels = in_id_order(vec![parcels], &head, &mut build_problems);
    if !build_problems.is_empty() {
        return Err(Error::Input(build_problems));
    }
    // parts are read in FID order, so the file's features ascend
    let mut at_file = vec![0; parcels.len()];
    for (k, p) in parcels.iter().enumerate() {
        let i = features
            .binary_search(&p.feature)
            .expect("every parcel read, in FID order");
        at_file[i] = k;
    }
    drop(features);
    survey.renumber(&at_file);
    model.parcels = parcels;
    model.layers.insert(0, info);
    // the parcels' warnings first, as their layer comes first
    model.warnings.splice(0..0, notes);

    let found = tudi_core::analysis::plausibility::check_surveyed(&model, project, extent, true);
    if !found.errors.is_empty() {
        return Err(Error::Input(found.errors));
    }
    model.warnings.extend(found.warnings);
    Ok((model, Surveyed::new(extent, survey, ranges.len())))
}

/// The parcels read and surveyed, in file order.
struct Read {
    head: LayerHead,
    info: LayerInfo,
    parcels: Vec<Parcel>,
    survey: Survey,
    notes: Vec<Problem>,
    rejected: Vec<Problem>,
    /// The extent of the parcels as built (repaired where asked).
    extent: Option<Rect<f64>>,
}

/// Reads the `n` parcels part by part (`ranges` of FIDs) and surveys
/// each part in `projection` as it is read.
fn read_parts(
    project: &Project,
    model: &Model,
    (source, fields): (&Source, &Vec<FieldRequest>),
    (ranges, n): (&[(i64, i64)], usize),
    projection: &tudi_core::geodesy::EqualArea,
    on_part: &mut dyn FnMut(usize, usize),
) -> Result<Read> {
    let repair = project.layers.parcels.repair;
    let texts = crate::Interner::default();
    let surveyor = Surveyor::new(&Standing::of(model), projection, &project.rules);
    // sized once: a vector doubling as it grows leaves its old blocks
    // behind, as large as the parcels themselves
    let mut parcels: Vec<Parcel> = Vec::with_capacity(n);
    let mut survey = Survey::default();
    let (mut notes, mut rejected) = (Vec::new(), Vec::new());
    let (mut head, mut extent, mut features) = (None, None, 0);
    for (k, &range) in ranges.iter().enumerate() {
        on_part(k + 1, ranges.len());
        let part_source = Source {
            fids: Some(range),
            ..source.clone()
        };
        let mapped =
            crate::read_layer_with(&part_source, fields, |h, f| parcel(h, f, repair, &texts))
                .map_err(Error::Input)?;
        features += mapped.features();
        let Mapped {
            head: h,
            runs,
            notes: n,
            rejected: r,
        } = mapped;
        notes.extend(n);
        rejected.extend(r);
        let mut part = crate::concat(runs);
        extent = [extent, bounds(part.par_iter().map(|p| &p.geometry))]
            .into_iter()
            .flatten()
            .reduce(tudi_core::model::union_rect);
        let offset = parcels.len();
        let found = surveyor.survey(&mut part, &|i| offset + i);
        parcels.extend(part);
        let before = |a: usize, b: usize| {
            let (a, b) = (&parcels[a], &parcels[b]);
            id_order(&a.id, &b.id).then(a.feature.cmp(&b.feature)) == Ordering::Less
        };
        survey = survey.join(found, &before);
        head.get_or_insert(h);
    }
    let head = head.expect("at least one part");
    let info = LayerInfo {
        role: Role::Parcels,
        at: head.at.clone(),
        crs: head.crs.clone(),
        features,
    };
    Ok(Read {
        head,
        info,
        parcels,
        survey,
        notes,
        rejected,
        extent,
    })
}

/// The extent of the parcels' outlines as read (before any repair), part
/// by part; the problems of reading them.
fn outline_extent(
    source: &Source,
    ranges: &[(i64, i64)],
) -> std::result::Result<Option<Rect<f64>>, Vec<Problem>> {
    let mut extent: Option<Rect<f64>> = None;
    for &range in ranges {
        let part_source = Source {
            fids: Some(range),
            ..source.clone()
        };
        let mapped = crate::read_layer_with(&part_source, &[], |_, f| {
            Ok((
                f.geometry
                    .as_ref()
                    .and_then(geo::BoundingRect::bounding_rect),
                None,
            ))
        })?;
        extent = mapped
            .runs
            .into_iter()
            .flatten()
            .flatten()
            .chain(extent)
            .reduce(tudi_core::model::union_rect);
    }
    Ok(extent)
}
