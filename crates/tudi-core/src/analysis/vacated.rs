//! Vacated land (腾退): how much has been vacated, how much of it is
//! effective, and whether the records hold up.
//!
//! - **Gross** area is the ellipsoidal area of the union of the `done`
//!   records: land claimed twice counts once.
//! - **Usable** land is the gross land minus protected zones (red line,
//!   basic farmland). Its pieces that touch or lie within `cluster_gap_m`
//!   of each other form vacated blocks; a protected strip wider than the
//!   gap splits a block in two.
//! - **Effective** area (有效面积) is the usable land in blocks of at least
//!   `effective_min_block_mu`; the **contiguity rate** is the share of the
//!   gross land in blocks of at least `contiguity_block_mu`.
//!
//! All geometry work happens in the equal-area plane, whose planar areas
//! are ellipsoidal areas.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, BoundingRect, Coord, Intersects, MultiPolygon, Polygon};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use crate::geodesy::{m2_to_mu, EqualArea};
use crate::index::PolygonIndex;
use crate::model::{id_order, union_rect, Enterprise, Parcel, Progress, VacatedRecord, Zone};

use super::blocks::{cluster, linked};
use super::townships::{Level, Places};

/// The thresholds of the vacated-land analysis, from `[rules]` (see
/// [`crate::config::Rules`] for each one's meaning and default).
pub(crate) struct VacatedRules {
    /// Usable pieces this close on the ground, metres, join one block.
    pub cluster_gap_m: f64,
    /// Blocks of at least this many mu are effective.
    pub effective_min_block_mu: f64,
    /// Blocks of at least this many mu count towards the contiguity rate.
    pub contiguity_block_mu: f64,
    /// |claimed − measured| / measured above this is a claim mismatch.
    pub claim_tolerance: f64,
    /// Shared land up to this many m² is a sliver, not an overlap.
    pub overlap_min_m2: f64,
    /// A record with more than this share of its area on no parcel is
    /// `outside`.
    pub outside_tolerance: f64,
}

impl VacatedRules {
    /// The project's rules for vacated land.
    pub fn of(rules: &crate::config::Rules) -> VacatedRules {
        VacatedRules {
            cluster_gap_m: rules.cluster_gap_m,
            effective_min_block_mu: rules.effective_min_block_mu,
            contiguity_block_mu: rules.contiguity_block_mu,
            claim_tolerance: rules.claim_tolerance,
            overlap_min_m2: rules.overlap_min_m2,
            outside_tolerance: rules.outside_tolerance,
        }
    }
}

/// Two records claiming the same land.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// Position of the record first in id order.
    pub a: usize,
    /// Position of the other record.
    pub b: usize,
    /// The land they share, m² (above `overlap_min_m2`).
    pub area_m2: f64,
}

/// What was found about one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordFindings {
    /// Part inside protected zones, m² (`done` records).
    pub protected_m2: f64,
    /// Part in effective blocks, m² (`done` records).
    pub effective_m2: f64,
    /// Positions of the vacated blocks it lies in.
    pub blocks: Vec<usize>,
    /// Township code: the record's own, else the parcels' under most of
    /// it, else the townships layer at its interior.
    pub township: Option<String>,
    /// (claimed − measured) / measured, when a claim is given.
    pub claim_difference: Option<f64>,
    /// |`claim_difference`| exceeds `claim_tolerance`.
    pub claim_mismatch: bool,
    /// Positions in [`Vacated::overlaps`].
    pub overlaps: Vec<usize>,
    /// Enterprises still standing on it (`done` records).
    pub occupants: Vec<usize>,
    /// A `done` record without a `done_date`.
    pub undated: bool,
    /// Part lying on no parcel of the district, m².
    pub outside_m2: f64,
    /// `outside_m2` exceeds `outside_tolerance` of the record's area.
    pub outside: bool,
}

impl RecordFindings {
    /// The names of the checks the record fails, in a fixed order.
    pub fn failed_checks(&self) -> Vec<Check> {
        [
            (Check::Overlap, !self.overlaps.is_empty()),
            (Check::ClaimMismatch, self.claim_mismatch),
            (Check::Occupied, !self.occupants.is_empty()),
            (Check::Undated, self.undated),
            (Check::Outside, self.outside),
        ]
        .into_iter()
        .filter_map(|(n, failed)| failed.then_some(n))
        .collect()
    }
}

/// A check of a vacated-land record (腾退核查).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// It overlaps another record: land claimed twice.
    Overlap,
    /// Its claimed area differs from the measured one.
    ClaimMismatch,
    /// Done, with firms still standing on it.
    Occupied,
    /// Done, without a completion date.
    Undated,
    /// Part of it lies on no parcel of the district.
    Outside,
}

impl Check {
    /// Every check, in the order products list them.
    pub const ALL: [Check; 5] = [
        Check::Overlap,
        Check::ClaimMismatch,
        Check::Occupied,
        Check::Undated,
        Check::Outside,
    ];

    /// The name machine-readable outputs use.
    pub fn name(self) -> &'static str {
        match self {
            Check::Overlap => "overlap",
            Check::ClaimMismatch => "claim_mismatch",
            Check::Occupied => "occupied",
            Check::Undated => "undated",
            Check::Outside => "outside",
        }
    }
}

/// A contiguous block of usable vacated land.
#[derive(Debug, Clone, PartialEq)]
pub struct VacatedBlock {
    /// 1-based, in order of the smallest record id in the block.
    pub id: usize,
    /// Positions of the records with land in it, in id order.
    pub records: Vec<usize>,
    /// CGCS2000 longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal area, m².
    pub area_m2: f64,
    /// At least `effective_min_block_mu`: its land counts as effective.
    pub effective: bool,
    /// At least `contiguity_block_mu`: counts towards the contiguity rate.
    pub contiguous: bool,
}

/// Vacated land done by the end of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Records done in the month.
    pub records: usize,
    /// Land added in the month (not already vacated), m².
    pub added_m2: f64,
    /// Land vacated by the month's end, m².
    pub cumulative_m2: f64,
}

/// Vacated land of one township or county.
///
/// Areas are of the union of the division's records of each status, m².
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DivisionVacated {
    /// Records in the division, any status.
    pub records: usize,
    /// Gross vacated land (`done` records).
    pub gross_m2: f64,
    /// Of which in effective blocks.
    pub effective_m2: f64,
    /// Land of `planned` records.
    pub planned_m2: f64,
    /// Land of `in_progress` records.
    pub in_progress_m2: f64,
}

/// Everything the vacated-land analysis found. Areas are ellipsoidal, m²;
/// "gross" land is the union of the `done` records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vacated {
    /// Per record of the model.
    pub records: Vec<RecordFindings>,
    /// Contiguous blocks of usable land, in order of their `id`.
    pub blocks: Vec<VacatedBlock>,
    /// Pairs of records (any status) sharing land, in id order.
    pub overlaps: Vec<Overlap>,
    /// Gross vacated land.
    pub gross_m2: f64,
    /// Gross land outside protected zones.
    pub usable_m2: f64,
    /// Usable land in effective blocks (有效面积).
    pub effective_m2: f64,
    /// Gross land inside protected zones (`gross_m2 − usable_m2`).
    pub protected_m2: f64,
    /// Land of the `planned` records (their union).
    pub planned_m2: f64,
    /// Land of the `in_progress` records (their union).
    pub in_progress_m2: f64,
    /// Share of the gross land in blocks of at least `contiguity_block_mu`.
    pub contiguity_rate: f64,
    /// Vacated land by month of `done_date`, every month from the first to
    /// the last (undated records left out).
    pub timeline: Vec<Month>,
    /// By township code; records whose township is unknown are under "".
    pub by_township: BTreeMap<String, DivisionVacated>,
    /// By county code (a township code's first 6 digits); records whose
    /// county is unknown are under "".
    pub by_county: BTreeMap<String, DivisionVacated>,
}

/// What the vacated-land analysis needs besides the records.
pub(crate) struct VacatedContext<'a> {
    /// The district's parcels (measured).
    pub parcels: &'a [Parcel],
    /// Per record analysed: the parcels it covers, with the m² on each
    /// (see [`super::ground::Ground::record_parcels`]).
    pub on_parcels: &'a [Vec<(usize, f64)>],
    /// The protected zones, when the project has them.
    pub protected: Option<&'a [Zone]>,
    /// The enterprise ledger.
    pub enterprises: &'a [Enterprise],
    /// Per enterprise: still standing where it is (not closed, relocated
    /// or moved into a park).
    pub standing: &'a [bool],
    /// The townships, for records whose parcels give none.
    pub places: &'a Places<'a>,
    /// The run's equal-area plane.
    pub projection: &'a EqualArea,
}

/// Sets every record's ellipsoidal area (m²).
pub(crate) fn measure(records: &mut [VacatedRecord], projection: &EqualArea) {
    records
        .par_iter_mut()
        .for_each(|r| r.area_m2 = projection.multi_polygon_area(&r.geometry));
}

fn union(polygons: impl Iterator<Item = Polygon<f64>>) -> MultiPolygon<f64> {
    let polys: Vec<Polygon<f64>> = polygons.collect();
    match polys.len() {
        0 => MultiPolygon(vec![]),
        1 => MultiPolygon(polys),
        _ => geo::unary_union(&polys),
    }
}

fn union_of(projected: &[MultiPolygon<f64>], members: &[usize]) -> MultiPolygon<f64> {
    union(members.iter().flat_map(|&i| projected[i].0.iter().cloned()))
}

fn bbox_overlap(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(a), Some(b)) => {
            a.min().x <= b.max().x
                && b.min().x <= a.max().x
                && a.min().y <= b.max().y
                && b.min().y <= a.max().y
        }
        _ => false,
    }
}

/// Area of `a` ∩ `b` (planar, m²), skipping the clip when the boxes miss.
pub(crate) fn common_area(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    if bbox_overlap(a, b) {
        a.intersection(b).unsigned_area()
    } else {
        0.0
    }
}

/// The whole vacated-land analysis.
pub(crate) fn vacated(
    records: &[VacatedRecord],
    ctx: &VacatedContext,
    rules: &VacatedRules,
) -> Vacated {
    analyse(records, ctx, rules, true)
}

/// The land alone: gross, usable and effective land, its blocks and its
/// townships, without the records' checks (overlaps, off-parcel land,
/// occupants) or the time line, which a projection has no use for and
/// which cost the most when the records are many.
pub(crate) fn land(
    records: &[VacatedRecord],
    ctx: &VacatedContext,
    rules: &VacatedRules,
) -> Vacated {
    analyse(records, ctx, rules, false)
}

fn analyse(
    records: &[VacatedRecord],
    ctx: &VacatedContext,
    rules: &VacatedRules,
    checks: bool,
) -> Vacated {
    let projection = ctx.projection;
    let projected: Vec<MultiPolygon<f64>> = records
        .par_iter()
        .map(|r| projection.project_multi_polygon(&r.geometry))
        .collect();
    let with_status = |s: Progress| -> Vec<usize> {
        (0..records.len())
            .filter(|&i| records[i].status == s)
            .collect()
    };
    let done = with_status(Progress::Done);

    // Gross land, in connected parts: every union is of one part's records,
    // so the work grows with the records, not with the land's extent.
    let done_parts = parts(&projected, &done);
    let gross_m2: f64 = done_parts.iter().map(|p| p.area_m2).sum();

    // Usable land: each done record less the protected zones near it. A
    // connected piece of it lies in one connected polygon of the usable
    // land, hence in one block: the blocks are the clusters of the pieces.
    let extent = done
        .iter()
        .filter_map(|&i| projected[i].bounding_rect())
        .reduce(union_rect);
    let protected_zones: Vec<MultiPolygon<f64>> = match extent {
        Some(extent) => ctx
            .protected
            .unwrap_or(&[])
            .par_iter()
            .map(|z| projection.project_multi_polygon(&z.geometry))
            .filter(|z| bbox_overlap(z, &MultiPolygon(vec![extent.to_polygon()])))
            .collect(),
        None => Vec::new(),
    };
    let protected_index = PolygonIndex::new(protected_zones.iter());
    let usable: Vec<MultiPolygon<f64>> = done
        .par_iter()
        .map(|&i| less_protected(&projected[i], &protected_zones, &protected_index))
        .collect();
    let mut protected_m2 = vec![0.0; records.len()];
    for (k, &i) in done.iter().enumerate() {
        protected_m2[i] = (projected[i].unsigned_area() - usable[k].unsigned_area()).max(0.0);
    }
    let (pieces, piece_record): (Vec<MultiPolygon<f64>>, Vec<usize>) = usable
        .into_iter()
        .zip(&done)
        .flat_map(|(u, &i)| u.0.into_iter().map(move |p| (MultiPolygon(vec![p]), i)))
        .unzip();
    let piece_m2: Vec<f64> = pieces.par_iter().map(|p| p.unsigned_area()).collect();

    // Blocks of usable land, each with every record's share of it (the sum
    // of its pieces there, which do not overlap each other).
    let groups = cluster(&pieces, projection, rules.cluster_gap_m);
    let mut blocks: Vec<(VacatedBlock, Vec<usize>, BTreeMap<usize, f64>)> = groups
        .into_par_iter()
        .map(|members| {
            let geometry = union(members.iter().map(|&k| pieces[k].0[0].clone()));
            let area_m2 = geometry.unsigned_area();
            let mut shares: BTreeMap<usize, f64> = BTreeMap::new();
            for &k in &members {
                *shares.entry(piece_record[k]).or_default() += piece_m2[k];
            }
            let mut in_block: Vec<usize> = shares
                .iter()
                .filter(|(_, &m2)| m2 > rules.overlap_min_m2)
                .map(|(&i, _)| i)
                .collect();
            in_block.sort_by(|&a, &b| id_order(&records[a].id, &records[b].id));
            let block = VacatedBlock {
                id: 0,
                records: in_block,
                effective: m2_to_mu(area_m2) >= rules.effective_min_block_mu,
                contiguous: m2_to_mu(area_m2) >= rules.contiguity_block_mu,
                geometry,
                area_m2,
            };
            (block, members, shares)
        })
        .collect();
    // By the smallest record id, then (halves of one record) west to east,
    // south to north; blocks with no record of their own (slivers) last.
    let corner = |b: &VacatedBlock| {
        b.geometry
            .bounding_rect()
            .map_or((0.0, 0.0), |r| (r.min().x, r.min().y))
    };
    blocks.sort_by(|(a, ..), (b, ..)| {
        let by_record = match (a.records.first(), b.records.first()) {
            (Some(&x), Some(&y)) => id_order(&records[x].id, &records[y].id),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        let (ca, cb) = (corner(a), corner(b));
        by_record
            .then(ca.0.total_cmp(&cb.0))
            .then(ca.1.total_cmp(&cb.1))
    });
    let (mut blocks, (block_pieces, shares)): (Vec<VacatedBlock>, (Vec<Vec<usize>>, Vec<_>)) =
        blocks
            .into_iter()
            .map(|(b, members, shares)| (b, (members, shares)))
            .unzip();
    for (k, b) in blocks.iter_mut().enumerate() {
        b.id = k + 1;
    }
    let effective_m2: f64 = blocks
        .iter()
        .filter(|b| b.effective)
        .map(|b| b.area_m2)
        .sum();
    let usable_m2: f64 = blocks.iter().map(|b| b.area_m2).sum();
    let mut blocks_of: Vec<Vec<usize>> = vec![Vec::new(); records.len()];
    for (k, b) in blocks.iter().enumerate() {
        for &r in &b.records {
            blocks_of[r].push(k);
        }
    }
    let contiguous_m2: f64 = blocks
        .iter()
        .filter(|b| b.contiguous)
        .map(|b| b.area_m2)
        .sum();

    // Per record.
    let overlaps = if checks {
        overlaps(records, &projected, rules.overlap_min_m2)
    } else {
        Vec::new()
    };
    let firms = firm_index(ctx.enterprises);
    let mut findings: Vec<RecordFindings> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            // the parcels also give a record its township when it names none
            let (outside_m2, parcel_township) = if checks || r.township.is_none() {
                on_parcels(i, r, ctx)
            } else {
                (0.0, None)
            };
            let is_done = r.status == Progress::Done;
            let claim_difference = r.claimed_mu.filter(|_| r.area_m2 > 0.0).map(|c| {
                let claimed_m2 = c * crate::geodesy::M2_PER_MU;
                (claimed_m2 - r.area_m2) / r.area_m2
            });
            RecordFindings {
                protected_m2: protected_m2[i],
                effective_m2: blocks_of[i]
                    .iter()
                    .filter(|&&k| blocks[k].effective)
                    .map(|&k| shares[k][&i])
                    .sum(),
                blocks: blocks_of[i].clone(),
                township: township(r, parcel_township, ctx.places),
                claim_mismatch: claim_difference.is_some_and(|d| d.abs() > rules.claim_tolerance),
                claim_difference,
                overlaps: Vec::new(),
                occupants: if is_done && checks {
                    occupants(r, ctx, &firms)
                } else {
                    Vec::new()
                },
                undated: is_done && r.done_date.is_none(),
                outside: r.area_m2 > 0.0 && outside_m2 / r.area_m2 > rules.outside_tolerance,
                outside_m2,
            }
        })
        .collect();
    for (k, o) in overlaps.iter().enumerate() {
        findings[o.a].overlaps.push(k);
        findings[o.b].overlaps.push(k);
    }

    let planned = parts(&projected, &with_status(Progress::Planned));
    let in_progress = parts(&projected, &with_status(Progress::InProgress));
    let township: Vec<&str> = findings
        .iter()
        .map(|f| f.township.as_deref().unwrap_or_default())
        .collect();
    let county: Vec<&str> = township
        .iter()
        .map(|&t| Level::County.of(Some(t)).unwrap_or_default())
        .collect();
    let by_division = |division: &[&str]| -> BTreeMap<String, DivisionVacated> {
        let mut by: BTreeMap<String, DivisionVacated> = BTreeMap::new();
        for d in division {
            by.entry(d.to_string()).or_default().records += 1;
        }
        type Field = fn(&mut DivisionVacated) -> &mut f64;
        let lands: [(&Vec<Part>, Field); 3] = [
            (&done_parts, |t| &mut t.gross_m2),
            (&planned, |t| &mut t.planned_m2),
            (&in_progress, |t| &mut t.in_progress_m2),
        ];
        for (land, field) in lands {
            for (d, m2) in by_division_of(land, &projected, division) {
                *field(by.get_mut(d).expect("every record counted")) += m2;
            }
        }
        let effective = (0..blocks.len())
            .into_par_iter()
            .filter(|&k| blocks[k].effective)
            .flat_map_iter(|k| {
                // the divisions with records in the block, each with the
                // union of its records' pieces there
                let mut of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for &p in &block_pieces[k] {
                    of.entry(division[piece_record[p]]).or_default().push(p);
                }
                let whole = of.len() == 1;
                let mut found: Vec<(&str, f64)> = Vec::new();
                for (d, list) in of {
                    if blocks[k].records.iter().any(|&i| division[i] == d) {
                        let m2 = if whole {
                            blocks[k].area_m2
                        } else {
                            union(list.iter().map(|&p| pieces[p].0[0].clone())).unsigned_area()
                        };
                        found.push((d, m2));
                    }
                }
                found
            })
            .collect::<Vec<_>>();
        for (d, m2) in effective {
            by.get_mut(d).expect("every record counted").effective_m2 += m2;
        }
        by
    };
    let by_township = by_division(&township);
    let by_county = by_division(&county);
    Vacated {
        timeline: if checks {
            timeline(records, &projected, &done_parts)
        } else {
            Vec::new()
        },
        planned_m2: planned.iter().map(|p| p.area_m2).sum(),
        in_progress_m2: in_progress.iter().map(|p| p.area_m2).sum(),
        contiguity_rate: if gross_m2 > 0.0 {
            contiguous_m2 / gross_m2
        } else {
            0.0
        },
        protected_m2: gross_m2 - usable_m2,
        records: findings,
        blocks: blocks
            .into_iter()
            .map(|b| VacatedBlock {
                geometry: geo::orient::Orient::orient(
                    &projection.unproject_multi_polygon(&b.geometry),
                    geo::orient::Direction::Default,
                ),
                ..b
            })
            .collect(),
        overlaps,
        gross_m2,
        usable_m2,
        effective_m2,
        by_township,
        by_county,
    }
}

impl Vacated {
    /// The land by division at `level`.
    pub fn by(&self, level: Level) -> &BTreeMap<String, DivisionVacated> {
        match level {
            Level::Township => &self.by_township,
            Level::County => &self.by_county,
        }
    }
}

fn interior(mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
    geo::InteriorPoint::interior_point(mp).map(|p| p.0)
}

/// Pairs of records (any status) sharing more than `min_m2`, in id order.
fn overlaps(
    records: &[VacatedRecord],
    projected: &[MultiPolygon<f64>],
    min_m2: f64,
) -> Vec<Overlap> {
    let index = PolygonIndex::new(projected.iter());
    let mut found: Vec<Overlap> = (0..records.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut out = Vec::new();
            if let Some(r) = projected[a].bounding_rect() {
                for b in index.candidates_in(r.min(), r.max()) {
                    if b > a {
                        let area_m2 = common_area(&projected[a], &projected[b]);
                        if area_m2 > min_m2 {
                            let (a, b) = if id_order(&records[a].id, &records[b].id).is_le() {
                                (a, b)
                            } else {
                                (b, a)
                            };
                            out.push(Overlap { a, b, area_m2 });
                        }
                    }
                }
            }
            out
        })
        .collect();
    found.sort_by(|x, y| {
        id_order(&records[x.a].id, &records[y.a].id)
            .then_with(|| id_order(&records[x.b].id, &records[y.b].id))
    });
    found
}

/// The township a record counts in: the one it names, else that of the
/// parcels under most of it (`on_parcels`), else the townships layer's at
/// its interior.
fn township(r: &VacatedRecord, on_parcels: Option<String>, places: &Places) -> Option<String> {
    r.township.clone().or(on_parcels).or_else(|| {
        interior(&r.geometry)
            .and_then(|c| places.township_at(c))
            .map(String::from)
    })
}

/// The township of each record, as [`vacated`] finds it.
pub(crate) fn townships(records: &[VacatedRecord], ctx: &VacatedContext) -> Vec<Option<String>> {
    records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let on = r.township.is_none().then(|| on_parcels(i, r, ctx).1);
            township(r, on.flatten(), ctx.places)
        })
        .collect()
}

/// The part of record `i` on no parcel (m²), and the township of the
/// parcels under most of it. Survey parcels tile the land without
/// overlapping, so the covered part is the sum of the pieces.
fn on_parcels(i: usize, record: &VacatedRecord, ctx: &VacatedContext) -> (f64, Option<String>) {
    let mut covered = 0.0;
    let mut by_township: BTreeMap<&str, f64> = BTreeMap::new();
    for &(p, on) in &ctx.on_parcels[i] {
        covered += on;
        if let Some(t) = ctx.parcels[p].township() {
            *by_township.entry(t).or_default() += on;
        }
    }
    let township = by_township
        .into_iter()
        .filter(|(_, a)| *a > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(t, _)| t.to_string());
    ((record.area_m2 - covered).max(0.0), township)
}

/// Enterprises standing inside a record that have not left, in model
/// order.
fn occupants(record: &VacatedRecord, ctx: &VacatedContext, firms: &RTree<FirmPoint>) -> Vec<usize> {
    let Some(r) = record.geometry.bounding_rect() else {
        return Vec::new();
    };
    let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
    let mut inside: Vec<usize> = firms
        .locate_in_envelope(&envelope)
        .map(|p| p.data)
        .filter(|&e| {
            ctx.standing[e]
                && geo::Intersects::intersects(
                    &record.geometry,
                    &geo::Point(ctx.enterprises[e].location),
                )
        })
        .collect();
    inside.sort_unstable();
    inside
}

type FirmPoint = GeomWithData<[f64; 2], usize>;

/// The enterprises' positions, bulk-loaded.
fn firm_index(enterprises: &[Enterprise]) -> RTree<FirmPoint> {
    RTree::bulk_load(
        enterprises
            .iter()
            .enumerate()
            .map(|(e, ent)| GeomWithData::new([ent.location.x, ent.location.y], e))
            .collect(),
    )
}

/// Cumulative vacated land by month of `done_date`, every month from the
/// first to the last; undated records are left out. Each connected part
/// of the land is followed on its own: the land added in a month is the
/// sum of what each part gained.
fn timeline(
    records: &[VacatedRecord],
    projected: &[MultiPolygon<f64>],
    parts: &[Part],
) -> Vec<Month> {
    let month = |i: usize| records[i].done_date.map(|d| (d.year, d.month));
    let gains: Vec<((i32, u32), f64)> = parts
        .par_iter()
        .flat_map_iter(|part| {
            let mut dated: Vec<((i32, u32), usize)> = part
                .records
                .iter()
                .filter_map(|&i| month(i).map(|m| (m, i)))
                .collect();
            dated.sort();
            let mut out = Vec::new();
            if dated.len() == part.records.len()
                && dated.first().map(|d| d.0) == dated.last().map(|d| d.0)
            {
                // the whole part, done in one month
                out.extend(dated.first().map(|d| (d.0, part.area_m2)));
                return out;
            }
            let (mut so_far, mut before) = (Vec::<Polygon<f64>>::new(), 0.0);
            for month in dated.chunk_by(|a, b| a.0 == b.0) {
                so_far.extend(
                    month
                        .iter()
                        .flat_map(|&(_, i)| projected[i].0.iter().cloned()),
                );
                let united = union(so_far.drain(..));
                let m2 = united.unsigned_area();
                out.push((month[0].0, m2 - before));
                (so_far, before) = (united.0, m2);
            }
            out
        })
        .collect();
    let mut dated: Vec<(i32, u32)> = (0..records.len())
        .filter(|&i| records[i].status == Progress::Done)
        .filter_map(month)
        .collect();
    dated.sort();
    let (Some(&first), Some(&last)) = (dated.first(), dated.last()) else {
        return Vec::new();
    };
    let mut added: BTreeMap<(i32, u32), f64> = BTreeMap::new();
    for (m, m2) in gains {
        *added.entry(m).or_default() += m2;
    }
    let mut out = Vec::new();
    let (mut ym, mut cumulative_m2) = (first, 0.0);
    while ym <= last {
        let added_m2 = added.get(&ym).copied().unwrap_or(0.0);
        cumulative_m2 += added_m2;
        out.push(Month {
            month: format!("{:04}-{:02}", ym.0, ym.1),
            records: dated.iter().filter(|&&d| d == ym).count(),
            added_m2,
            cumulative_m2,
        });
        ym = if ym.1 == 12 {
            (ym.0 + 1, 1)
        } else {
            (ym.0, ym.1 + 1)
        };
    }
    out
}

/// A record's land outside the protected zones (which may overlap each
/// other).
fn less_protected(
    record: &MultiPolygon<f64>,
    zones: &[MultiPolygon<f64>],
    index: &PolygonIndex,
) -> MultiPolygon<f64> {
    let Some(r) = record.bounding_rect() else {
        return record.clone();
    };
    let near: Vec<usize> = index
        .candidates_in(r.min(), r.max())
        .filter(|&z| bbox_overlap(record, &zones[z]))
        .collect();
    if near.is_empty() {
        return record.clone();
    }
    record.difference(&union_of(zones, &near))
}

/// A connected part of some records' land: records whose land overlaps or
/// touches, transitively, and the area of their union (m²).
struct Part {
    records: Vec<usize>,
    area_m2: f64,
}

/// The union of `members`' land, in its connected parts. Every union is
/// of one part's records, so the work grows with the records, not with
/// the extent of contiguous land.
fn parts(projected: &[MultiPolygon<f64>], members: &[usize]) -> Vec<Part> {
    let refs: Vec<&MultiPolygon<f64>> = members.iter().map(|&i| &projected[i]).collect();
    linked(&refs, 0.0, |a, b| refs[a].intersects(refs[b]))
        .into_par_iter()
        .map(|group| {
            let records: Vec<usize> = group.iter().map(|&k| members[k]).collect();
            let area_m2 = union_of(projected, &records).unsigned_area();
            Part { records, area_m2 }
        })
        .collect()
}

/// Each division's share of the parts' land (`division` per record): a
/// part within one division counts whole, a part across divisions is
/// unioned per division.
fn by_division_of<'a>(
    parts: &[Part],
    projected: &[MultiPolygon<f64>],
    division: &[&'a str],
) -> Vec<(&'a str, f64)> {
    parts
        .par_iter()
        .flat_map_iter(|part| {
            let mut of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &i in &part.records {
                of.entry(division[i]).or_default().push(i);
            }
            let whole = of.len() == 1;
            of.into_iter()
                .map(|(t, list)| {
                    let m2 = if whole {
                        part.area_m2
                    } else {
                        union_of(projected, &list).unsigned_area()
                    };
                    (t, m2)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Targets;
    use crate::date::Date;

    /// A rectangle in metres east and north of (120°E, 30.75°N), as
    /// longitude/latitude through the fitted projection.
    fn rect(projection: &EqualArea, x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        let origin = projection.forward(Coord { x: 120.0, y: 30.75 });
        let c = |x: f64, y: f64| {
            projection.inverse(Coord {
                x: origin.x + x,
                y: origin.y + y,
            })
        };
        MultiPolygon(vec![Polygon::new(
            geo::LineString(vec![c(x0, y0), c(x1, y0), c(x1, y1), c(x0, y1), c(x0, y0)]),
            vec![],
        )])
    }

    fn record(id: &str, status: Progress, geometry: MultiPolygon<f64>) -> VacatedRecord {
        VacatedRecord {
            feature: 1,
            id: id.into(),
            status,
            done_date: Date::new(2020, 5, 1),
            claimed_mu: None,
            township: Some("330411101".into()),
            geometry,
            area_m2: 0.0,
        }
    }

    /// The rules of these tests: 10 m gap, effective from 5 mu,
    /// contiguous from 20 mu.
    const RULES: VacatedRules = VacatedRules {
        cluster_gap_m: 10.0,
        effective_min_block_mu: 5.0,
        contiguity_block_mu: 20.0,
        claim_tolerance: 0.03,
        overlap_min_m2: 1.0,
        outside_tolerance: 0.05,
    };

    /// The analysis of records on no parcels, under protected zones.
    fn analysed(records: &[VacatedRecord], protected: &[Zone], projection: &EqualArea) -> Vacated {
        let targets = Targets::default();
        let places = Places::new(None, &targets);
        let on_parcels = vec![Vec::new(); records.len()];
        let ctx = VacatedContext {
            parcels: &[],
            on_parcels: &on_parcels,
            protected: Some(protected),
            enterprises: &[],
            standing: &[],
            places: &places,
            projection,
        };
        vacated(records, &ctx, &RULES)
    }

    #[test]
    fn overlaps_count_once_and_a_red_line_splits_a_block() {
        let projection = EqualArea::fitted(geo::Rect::new((119.99, 30.74), (120.01, 30.76)));
        let r = |x0, y0, x1, y1| rect(&projection, x0, y0, x1, y1);
        let mut records = vec![
            // two done records sharing a 20 m × 100 m strip: 15 + 10 mu
            // claimed, 22 mu of land
            record("A", Progress::Done, r(0.0, 0.0, 100.0, 100.0)),
            record("B", Progress::Done, r(80.0, 0.0, 150.0, 100.0)),
            // 9 mu cut by a 20 m protected strip into two 3.75-mu halves
            record("C", Progress::Done, r(0.0, 300.0, 120.0, 350.0)),
            record("D", Progress::Planned, r(500.0, 0.0, 550.0, 100.0)),
        ];
        measure(&mut records, &projection);
        let protected = vec![Zone {
            feature: 1,
            name: None,
            geometry: r(50.0, 290.0, 70.0, 360.0),
        }];
        let v = analysed(&records, &protected, &projection);
        let mu = |m2: f64| m2_to_mu(m2);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(
            near(mu(v.gross_m2), 15_000.0 / M2 + 6_000.0 / M2),
            "{}",
            mu(v.gross_m2)
        );
        assert_eq!(v.overlaps.len(), 1);
        assert!(
            near(v.overlaps[0].area_m2, 2_000.0),
            "{}",
            v.overlaps[0].area_m2
        );
        assert!(near(v.protected_m2, 1_000.0));
        // blocks: A∪B (22.5 mu, effective, contiguous), C's two halves
        assert_eq!(v.blocks.len(), 3);
        assert_eq!(v.blocks[0].records, vec![0, 1]);
        assert!(v.blocks[0].effective && v.blocks[0].contiguous);
        assert!(!v.blocks[1].effective && !v.blocks[2].effective);
        assert!(near(v.effective_m2, 15_000.0));
        assert!(near(v.contiguity_rate, 15_000.0 / 21_000.0));
        assert!(near(v.planned_m2, 5_000.0));
        // the planned record has no land yet: no blocks, no effective part
        assert!(v.records[3].blocks.is_empty());
        assert!(near(v.by_township["330411101"].gross_m2, 21_000.0));
    }

    /// The land figures, worked out part by part and block by block, equal
    /// those of one union of the whole district's land (the direct way,
    /// whose cost grows with the land's extent): random overlapping,
    /// touching and nearby records under random protected strips.
    #[test]
    fn parts_and_blocks_add_up_to_the_whole_union() {
        let projection = EqualArea::fitted(geo::Rect::new((119.98, 30.73), (120.02, 30.77)));
        let mut rng = crate::test_rng::SplitMix64(15);
        for _ in 0..20 {
            let mut records = Vec::new();
            for k in 0..30 {
                let (x, y) = (rng.uniform(0.0, 600.0), rng.uniform(0.0, 600.0));
                let (w, h) = (rng.uniform(10.0, 120.0), rng.uniform(10.0, 120.0));
                let status = if rng.chance(80) {
                    Progress::Done
                } else {
                    Progress::Planned
                };
                let geometry = rect(&projection, x, y, x + w, y + h);
                records.push(record(&format!("R{k:02}"), status, geometry));
            }
            measure(&mut records, &projection);
            let protected: Vec<Zone> = (0..3)
                .map(|k| {
                    let x = rng.uniform(0.0, 600.0);
                    Zone {
                        feature: k + 1,
                        name: None,
                        geometry: rect(&projection, x, -10.0, x + rng.uniform(5.0, 30.0), 700.0),
                    }
                })
                .collect();
            let v = analysed(&records, &protected, &projection);

            let project = |g: &MultiPolygon<f64>| projection.project_multi_polygon(g);
            let done: Vec<MultiPolygon<f64>> = records
                .iter()
                .filter(|r| r.status == Progress::Done)
                .map(|r| project(&r.geometry))
                .collect();
            let whole = union(done.iter().flat_map(|m| m.0.iter().cloned()));
            let zones = union(protected.iter().flat_map(|z| project(&z.geometry).0));
            let usable = whole.difference(&zones);
            let polygons: Vec<MultiPolygon<f64>> = usable
                .0
                .iter()
                .map(|p| MultiPolygon(vec![p.clone()]))
                .collect();
            let effective: f64 = cluster(&polygons, &projection, RULES.cluster_gap_m)
                .iter()
                .map(|c| c.iter().map(|&k| polygons[k].unsigned_area()).sum::<f64>())
                .filter(|&m2| m2_to_mu(m2) >= RULES.effective_min_block_mu)
                .sum();
            let near = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.max(1.0);
            assert!(
                near(v.gross_m2, whole.unsigned_area()),
                "{} {}",
                v.gross_m2,
                whole.unsigned_area()
            );
            assert!(near(v.usable_m2, usable.unsigned_area()));
            assert!(near(v.protected_m2, v.gross_m2 - v.usable_m2));
            assert!(
                near(v.effective_m2, effective),
                "{} {}",
                v.effective_m2,
                effective
            );
            let shares: f64 = v.records.iter().map(|r| r.effective_m2).sum();
            assert!(shares >= v.effective_m2 - 1e-6);
        }
    }

    const M2: f64 = crate::geodesy::M2_PER_MU;
}
