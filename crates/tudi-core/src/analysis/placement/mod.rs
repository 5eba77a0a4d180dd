//! Placement (入园安置方案): which target moves into which park, what room
//! is left, which firms find none and why, and how much new park floor
//! the rest would need.
//!
//! **Demand.** A target whose disposition is one of `rules.placement.seek`
//! (not yet done, not already in a park) needs floor area: the ledger's
//! `floor_m2`; else the floor area of the buildings on its industrial
//! parcel, shared equally among the firms there; else its land (the
//! ledger's `land_mu`, else its share of the parcel) ×
//! `rules.placement.demand_far`. The source is kept ([`DemandSource`]).
//!
//! **Supply.** A park's room ([`RoomSource`]): its `vacant_m2` when the
//! layer gives one; else its buildings' floor area less the floor area its
//! present firms use, when the ledger gives every one of them; else it is
//! unknown and the park takes nobody. Parks not open on the report date
//! ([`crate::model::Park::planned`]) are supply all the same, reported
//! apart.
//!
//! **Who may go where.** A park within `max_move_km` (geodesic, from the
//! firm to the park's interior point) that takes the firm's industry and
//! has room; no park at all for a firm any of whose `exclude` predicates
//! holds; not a park in another county unless `across_counties`. A move
//! out of the firm's township costs `other_township_km` more.
//!
//! **Assignment.** Tier by tier in `seek` order (every `into_park` firm
//! before any `relocate` one gets the room left), the solver places as
//! many firms as possible, then makes the total cost least; firms that
//! share no park (another county's, or out of reach) are placed apart,
//! side by side ([`solver::place_in_groups`]). Its bound and gap are
//! summed over the groups and the tiers (a tier's bound holds given the
//! tiers before it).
//!
//! **Dispositions follow**: a placed firm is `into_park`; an
//! unplaced `into_park` firm falls to its next matching disposition
//! ([`Assessment::fallback`]); an unplaced firm of a later tier keeps its
//! own.

pub mod solver;

use std::collections::HashMap;

use geo::{Coord, InteriorPoint};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use super::enterprises::{self, Assessment, Disposition};
use super::far::Far;
use crate::config::PlacementRules;
use crate::date::Date;
use crate::geodesy::{geodesic_distance, M2_PER_MU};
use crate::model::{county_of, Model, Progress};

/// Where a firm's floor-area demand comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DemandSource {
    /// The ledger's `floor_m2` (用房面积).
    Ledger,
    /// The buildings on its parcel, shared among the firms there.
    Buildings,
    /// Its land × `demand_far`.
    Land,
}

impl DemandSource {
    /// The name machine-readable outputs use.
    pub fn name(self) -> &'static str {
        match self {
            DemandSource::Ledger => "ledger",
            DemandSource::Buildings => "buildings",
            DemandSource::Land => "land_far",
        }
    }
}

/// Where a park's room comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoomSource {
    /// The layer's `vacant_m2` (可入驻面积).
    Vacant,
    /// Its buildings' floor area less what its present firms use.
    FloorLessFirms,
    /// Neither: the park takes nobody.
    Unknown,
}

impl RoomSource {
    /// The name machine-readable outputs use.
    pub fn name(self) -> &'static str {
        match self {
            RoomSource::Vacant => "vacant_m2",
            RoomSource::FloorLessFirms => "floor_less_firms",
            RoomSource::Unknown => "unknown",
        }
    }
}

/// Why a firm that sought a park has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unplaced {
    /// Parks within reach take its industry, but none has room left for
    /// it.
    NoRoom,
    /// Parks lie within reach, but none takes its industry.
    Industry,
    /// No park lies within `max_move_km`.
    Distance,
    /// An `exclude` predicate holds (a key polluting industry).
    Excluded,
    /// Its floor area is unknown: no ledger figure, no buildings, no land.
    UnknownFloor,
    /// It has no position.
    Unlocated,
}

impl Unplaced {
    /// Every reason, in the order products list them.
    pub const ALL: [Unplaced; 6] = [
        Unplaced::NoRoom,
        Unplaced::Industry,
        Unplaced::Distance,
        Unplaced::Excluded,
        Unplaced::UnknownFloor,
        Unplaced::Unlocated,
    ];

    /// The name machine-readable outputs use.
    pub fn name(self) -> &'static str {
        match self {
            Unplaced::NoRoom => "no_room",
            Unplaced::Industry => "industry",
            Unplaced::Distance => "distance",
            Unplaced::Excluded => "excluded",
            Unplaced::UnknownFloor => "unknown_floor",
            Unplaced::Unlocated => "unlocated",
        }
    }

    /// Whether a new park (with room, nearer, or taking its industry)
    /// would place the firm.
    pub fn wants_new_floor(self) -> bool {
        matches!(
            self,
            Unplaced::NoRoom | Unplaced::Industry | Unplaced::Distance
        )
    }
}

/// One firm that sought a park, and what placement found for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// Its position in the model's enterprises.
    pub enterprise: usize,
    /// The disposition that sent it to seek a park.
    pub sought: Disposition,
    /// The floor area it needs, m², when known.
    pub demand_m2: Option<f64>,
    /// Where that figure comes from.
    pub demand_source: Option<DemandSource>,
    /// The park it goes to (position in the model's parks).
    pub park: Option<usize>,
    /// The geodesic move distance to that park, metres.
    pub distance_m: Option<f64>,
    /// Why it has no park.
    pub unplaced: Option<Unplaced>,
    /// Its disposition after placement.
    pub disposition: Disposition,
}

/// One park's room, before and after placement.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkRoom {
    /// Not open on the report date.
    pub planned: bool,
    /// Where the room figure comes from.
    pub source: RoomSource,
    /// The floor area it offers in all, m²: a planned park's room; an open
    /// one's buildings' floor area (at least its room); `None` when
    /// unknown.
    pub capacity_m2: Option<f64>,
    /// Room for new firms before placement, m².
    pub room_m2: f64,
    /// Firms placed in it.
    pub placed: usize,
    /// Their floor area, m².
    pub placed_m2: f64,
    /// The point moves go to: the park's interior point, lon/lat.
    pub anchor: Option<Coord<f64>>,
}

impl ParkRoom {
    /// Room left after placement, m².
    pub fn room_after_m2(&self) -> f64 {
        (self.room_m2 - self.placed_m2).max(0.0)
    }

    /// The share of its floor area in use, before placement.
    pub fn occupancy_before(&self) -> Option<f64> {
        self.occupancy(self.room_m2)
    }

    /// The share of its floor area in use, after placement.
    pub fn occupancy_after(&self) -> Option<f64> {
        self.occupancy(self.room_after_m2())
    }

    fn occupancy(&self, room: f64) -> Option<f64> {
        self.capacity_m2
            .filter(|&c| c > 0.0)
            .map(|c| (1.0 - room / c).clamp(0.0, 1.0))
    }
}

/// The placement plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Every firm that sought a park, in model order.
    pub moves: Vec<Move>,
    /// Per park of the model.
    pub parks: Vec<ParkRoom>,
    /// Firms placed.
    pub placed: usize,
    /// Their total geodesic move distance, metres.
    pub distance_m: f64,
    /// The total cost the solver made least: the distance plus
    /// `other_township_km` for each move out of a firm's township, metres.
    pub cost_m: f64,
    /// A lower bound on that cost for as many firms placed, metres.
    pub lower_bound_m: f64,
    /// `(cost − bound) / cost`, 0 when the cost is 0.
    pub gap: f64,
    /// Every tier's assignment was proved optimal.
    pub proved_optimal: bool,
    /// Floor area, m², of the `into_park` firms left without a park for
    /// want of room, reach or industry: the new park floor still needed.
    pub new_floor_needed_m2: f64,
}

impl Plan {
    /// Unplaced firms by reason, every reason listed.
    pub fn by_reason(&self) -> Vec<(Unplaced, usize)> {
        Unplaced::ALL
            .iter()
            .map(|&r| {
                let n = self.moves.iter().filter(|m| m.unplaced == Some(r)).count();
                (r, n)
            })
            .collect()
    }
}

/// What placement reads.
pub(crate) struct Inputs<'a> {
    /// The model (enterprises, parks, their positions).
    pub model: &'a Model,
    /// Per enterprise: its assessment (before placement).
    pub assessments: &'a [Assessment],
    /// The FAR analysis: buildings on parcels and parks, firms in parks.
    pub far: &'a Far,
    /// A buildings layer was given.
    pub buildings_known: bool,
    /// Per enterprise: its township code.
    pub enterprise_township: &'a [Option<String>],
    /// Per park: its township code.
    pub park_township: &'a [Option<String>],
    /// The report date.
    pub as_of: Date,
    /// `[rules.placement]`.
    pub rules: &'a PlacementRules,
}

/// Metres in a degree of latitude, at least (the meridian at the equator);
/// a degree of longitude is this × cos(latitude) at least.
const MIN_M_PER_DEGREE: f64 = 110_574.0;

/// Makes the placement plan.
pub(crate) fn plan(inputs: &Inputs) -> Plan {
    let model = inputs.model;
    let parks = model.parks.as_deref().unwrap_or(&[]);
    let rules = inputs.rules;
    let mut rooms = rooms(inputs);
    let in_park: Vec<bool> = {
        let mut v = vec![false; model.enterprises.len()];
        for s in &inputs.far.parks {
            s.enterprises.iter().for_each(|&e| v[e] = true);
        }
        v
    };
    // a parcel's buildings are shared as its land is
    let firms_on = enterprises::firms_on(
        inputs
            .assessments
            .iter()
            .map(|a| (a.parcel, a.duplicate_of)),
    );

    // the parks' anchors, in an R-tree for the firms' reach
    let tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        rooms
            .iter()
            .enumerate()
            .filter_map(|(p, r)| r.anchor.map(|c| GeomWithData::new([c.x, c.y], p)))
            .collect(),
    );
    let reach_m = rules.max_move_km * 1000.0;

    let mut moves: Vec<Move> = Vec::new();
    // per move: the parks it may go to, with (real distance, cost)
    let mut allowed: Vec<Vec<(usize, f64, f64)>> = Vec::new();
    for (e, (ent, a)) in model.enterprises.iter().zip(inputs.assessments).enumerate() {
        let Some(sought) = a.disposition.filter(|d| rules.seek.contains(d)) else {
            continue;
        };
        if !a.is_target() || ent.status == Some(Progress::Done) || in_park[e] {
            continue;
        }
        let (demand_m2, demand_source) = demand(inputs, e, &firms_on);
        // a park whose county is known and not the firm's (when that is known)
        let county = inputs.enterprise_township[e].as_deref().and_then(county_of);
        let other_county = |park: &Option<String>| {
            let park = park.as_deref().and_then(county_of);
            county.is_some() && park.is_some() && county != park
        };
        let mut pairs = Vec::new();
        let reason = if !(ent.location.x.is_finite() && ent.location.y.is_finite()) {
            Some(Unplaced::Unlocated)
        } else if rules.exclude.iter().any(|&p| a.facts.has(p)) {
            Some(Unplaced::Excluded)
        } else if demand_m2.is_none() {
            Some(Unplaced::UnknownFloor)
        } else {
            let (mut near, mut fit) = (false, false);
            for (p, d) in within(&tree, ent.location, reach_m) {
                if !rules.across_counties && other_county(&inputs.park_township[p]) {
                    continue;
                }
                near = true;
                if !parks[p].takes(&ent.industry) {
                    continue;
                }
                fit = true;
                if rooms[p].room_m2 > 0.0 {
                    let other = match (&inputs.enterprise_township[e], &inputs.park_township[p]) {
                        (Some(a), Some(b)) => a != b,
                        _ => false,
                    };
                    let cost = d + if other {
                        rules.other_township_km * 1000.0
                    } else {
                        0.0
                    };
                    pairs.push((p, d, cost));
                }
            }
            match (near, fit) {
                (false, _) => Some(Unplaced::Distance),
                (true, false) => Some(Unplaced::Industry),
                // decided by the solver
                (true, true) => None,
            }
        };
        moves.push(Move {
            enterprise: e,
            sought,
            demand_m2,
            demand_source,
            park: None,
            distance_m: None,
            unplaced: reason,
            disposition: sought,
        });
        allowed.push(pairs);
    }

    let mut total = Totals::default();
    for &tier in &rules.seek {
        let members: Vec<usize> = (0..moves.len())
            .filter(|&m| moves[m].sought == tier && moves[m].unplaced.is_none())
            .collect();
        if members.is_empty() {
            continue;
        }
        let firms: Vec<solver::Firm> = members
            .iter()
            .map(|&m| solver::Firm {
                demand_m2: moves[m].demand_m2.unwrap_or(0.0),
                allowed: allowed[m].iter().map(|&(p, _, c)| (p, c)).collect(),
            })
            .collect();
        let capacity: Vec<solver::Park> = rooms
            .iter()
            .map(|r| solver::Park {
                capacity_m2: r.room_after_m2(),
            })
            .collect();
        let solved = solver::place_in_groups(&firms, &capacity);
        total.add(&solved);
        for (&m, park) in members.iter().zip(&solved.assignment) {
            let mv = &mut moves[m];
            match *park {
                Some(p) => {
                    let demand = mv.demand_m2.unwrap_or(0.0);
                    rooms[p].placed += 1;
                    rooms[p].placed_m2 += demand;
                    mv.park = Some(p);
                    mv.distance_m = allowed[m].iter().find(|x| x.0 == p).map(|x| x.1);
                    total.distance_m += mv.distance_m.unwrap_or(0.0);
                }
                None => mv.unplaced = Some(Unplaced::NoRoom),
            }
        }
    }

    for mv in &mut moves {
        let a = &inputs.assessments[mv.enterprise];
        mv.disposition = match (mv.park, mv.sought) {
            (Some(_), _) => Disposition::IntoPark,
            (None, Disposition::IntoPark) => a.fallback.unwrap_or(Disposition::IntoPark),
            (None, sought) => sought,
        };
    }
    let new_floor_needed_m2 = moves
        .iter()
        .filter(|m| {
            m.sought == Disposition::IntoPark && m.unplaced.is_some_and(Unplaced::wants_new_floor)
        })
        .filter_map(|m| m.demand_m2)
        .sum();
    Plan {
        placed: moves.iter().filter(|m| m.park.is_some()).count(),
        distance_m: total.distance_m,
        cost_m: total.cost_m,
        lower_bound_m: total.lower_bound_m,
        gap: if total.cost_m > 0.0 {
            ((total.cost_m - total.lower_bound_m) / total.cost_m).max(0.0)
        } else {
            0.0
        },
        proved_optimal: total.proved,
        new_floor_needed_m2,
        moves,
        parks: rooms,
    }
}

/// The sums over the tiers.
struct Totals {
    distance_m: f64,
    cost_m: f64,
    lower_bound_m: f64,
    proved: bool,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            distance_m: 0.0,
            cost_m: 0.0,
            lower_bound_m: 0.0,
            proved: true,
        }
    }
}

impl Totals {
    fn add(&mut self, s: &solver::Placement) {
        self.cost_m += s.distance_m;
        self.lower_bound_m += s.lower_bound_m;
        self.proved &= s.proved_optimal;
    }
}

/// Sets each placed or unplaced firm's disposition to what placement
/// decided.
pub(crate) fn settle(plan: &Plan, assessments: &mut [Assessment]) {
    for m in &plan.moves {
        assessments[m.enterprise].disposition = Some(m.disposition);
    }
}

/// The parks within `reach_m` of `at`, with their geodesic distance, in
/// park order.
fn within(
    tree: &RTree<GeomWithData<[f64; 2], usize>>,
    at: Coord<f64>,
    reach_m: f64,
) -> Vec<(usize, f64)> {
    // a box surely holding the reach (the degree of longitude shrinks
    // towards the poles: take the latitude farthest from the equator)
    let dlat = reach_m / MIN_M_PER_DEGREE * 1.01;
    let far_lat = (at.y.abs() + dlat).min(89.9).to_radians();
    let dlon = (dlat / far_lat.cos()).min(360.0);
    let envelope = AABB::from_corners([at.x - dlon, at.y - dlat], [at.x + dlon, at.y + dlat]);
    let mut found: Vec<(usize, f64)> = tree
        .locate_in_envelope(&envelope)
        .filter_map(|g| {
            let [x, y] = *g.geom();
            let d = geodesic_distance(at, Coord { x, y });
            (d <= reach_m).then_some((g.data, d))
        })
        .collect();
    found.sort_by_key(|x| x.0);
    found
}

/// A firm's floor-area demand and its source.
fn demand(
    inputs: &Inputs,
    e: usize,
    firms_on: &HashMap<usize, usize>,
) -> (Option<f64>, Option<DemandSource>) {
    let ent = &inputs.model.enterprises[e];
    let a = &inputs.assessments[e];
    if let Some(f) = ent.floor_m2.filter(|&f| f > 0.0) {
        return (Some(f), Some(DemandSource::Ledger));
    }
    let on_parcel = a.parcel.and_then(|p| {
        let d = inputs.far.parcels.get(p)?;
        (d.floor_area_m2 > 0.0).then(|| d.floor_area_m2 / enterprises::share(firms_on, p))
    });
    if let Some(f) = on_parcel {
        return (Some(f), Some(DemandSource::Buildings));
    }
    match a.land_mu.filter(|&l| l > 0.0) {
        Some(l) if inputs.rules.demand_far > 0.0 => (
            Some(l * M2_PER_MU * inputs.rules.demand_far),
            Some(DemandSource::Land),
        ),
        _ => (None, None),
    }
}

/// Each park's room before placement.
fn rooms(inputs: &Inputs) -> Vec<ParkRoom> {
    let parks = inputs.model.parks.as_deref().unwrap_or(&[]);
    parks
        .iter()
        .zip(&inputs.far.parks)
        .map(|(park, stats)| {
            let planned = park.planned(inputs.as_of);
            let floor = (inputs.buildings_known && !planned)
                .then_some(stats.density.floor_area_m2)
                .filter(|&f| f > 0.0);
            let used: Option<f64> = stats
                .enterprises
                .iter()
                .map(|&e| inputs.model.enterprises[e].floor_m2)
                .sum();
            let (source, room_m2) = match (park.vacant_m2, floor, used) {
                (Some(v), ..) => (RoomSource::Vacant, v),
                (None, Some(f), Some(u)) => (RoomSource::FloorLessFirms, (f - u).max(0.0)),
                _ => (RoomSource::Unknown, 0.0),
            };
            let capacity_m2 = match (planned, floor) {
                (true, _) => (source != RoomSource::Unknown).then_some(room_m2),
                (false, Some(f)) => Some(f.max(room_m2)),
                (false, None) => None,
            };
            ParkRoom {
                planned,
                source,
                capacity_m2,
                room_m2,
                placed: 0,
                placed_m2: 0.0,
                anchor: park.geometry.interior_point().map(|p| p.0),
            }
        })
        .collect()
}
