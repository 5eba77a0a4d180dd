//! Floor-area ratio (容积率) and building density of industrial parcels,
//! industrial blocks and micro-enterprise parks.
//!
//! A building's floor area is its `floor_area` when the layer gives it,
//! else its ellipsoidal footprint × storeys. A building that straddles a
//! boundary is split by the share of its footprint on each side, measured
//! in the equal-area plane — not assigned whole by its centroid.

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use rayon::prelude::*;

use crate::geodesy::EqualArea;
use crate::index::PolygonIndex;
use crate::model::{Building, Enterprise, Parcel, Park};

use super::blocks::Blocks;

/// Built form on some land.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Density {
    /// Ellipsoidal land area, m².
    pub land_m2: f64,
    /// Floor area standing on it, m² (shares of straddling buildings).
    pub floor_area_m2: f64,
    /// Building footprint on it, m².
    pub footprint_m2: f64,
    /// Buildings with any part on it.
    pub buildings: usize,
}

impl Density {
    /// Floor-area ratio: floor area / land area (0 on empty land).
    pub fn far(&self) -> f64 {
        if self.land_m2 > 0.0 {
            self.floor_area_m2 / self.land_m2
        } else {
            0.0
        }
    }

    /// Building density (建筑密度): footprint / land area.
    pub fn coverage(&self) -> f64 {
        if self.land_m2 > 0.0 {
            self.footprint_m2 / self.land_m2
        } else {
            0.0
        }
    }

    fn add(&mut self, share: &Share) {
        self.floor_area_m2 += share.floor_area_m2;
        self.footprint_m2 += share.footprint_m2;
        self.buildings += 1;
    }
}

/// The part of one building on one polygon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Share {
    pub building: usize,
    pub floor_area_m2: f64,
    pub footprint_m2: f64,
}

/// One park's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkStats {
    /// The park's land and the buildings on it (floor area and footprint
    /// zero without a buildings layer).
    pub density: Density,
    /// Positions of the enterprises standing in the park.
    pub enterprises: Vec<usize>,
    /// Their tax, 万元/yr (enterprises without a tax figure count 0).
    pub tax_wan: f64,
    /// Park tax per mu, 万元/mu (`None` on a park of no land).
    pub tax_per_mu: Option<f64>,
    /// Its FAR is under `min_park_far` (never without a buildings layer).
    pub far_below_min: bool,
}

/// The park totals, with both ratios named so nobody mixes them up.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ParkTotals {
    /// Number of parks.
    pub count: usize,
    /// Their ellipsoidal land area, m².
    pub land_m2: f64,
    /// Their floor area, m².
    pub floor_area_m2: f64,
    /// Total floor area / total land: the district's built density.
    pub aggregate_far: f64,
    /// The plain mean of the parks' own FARs: small parks weigh as much
    /// as big ones.
    pub mean_far: f64,
    /// Parks flagged `far_below_min`.
    pub below_min: usize,
}

/// The densities of the industrial parcels, by position in the model: a
/// tenth of the parcels or so, kept apart from the others (a slot per
/// parcel cost 40 bytes each at ten million).
#[derive(Debug, Clone, Default)]
pub struct ParcelDensities {
    /// Parcel positions, ascending.
    at: Vec<usize>,
    /// Their densities.
    values: Vec<Density>,
}

impl ParcelDensities {
    /// Parcel `i`'s density, when it is industrial.
    pub fn get(&self, i: usize) -> Option<Density> {
        self.at.binary_search(&i).ok().map(|k| self.values[k])
    }

    /// The industrial parcels and their densities, in model order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Density)> {
        self.at.iter().copied().zip(&self.values)
    }
}

/// Everything the FAR analysis found.
#[derive(Debug, Clone, Default)]
pub struct Far {
    /// The industrial parcels' densities (none without buildings).
    pub parcels: ParcelDensities,
    /// Per industrial block (same order as [`Blocks::blocks`]).
    pub blocks: Vec<Density>,
    /// Industrial parcels under `min_parcel_far`, in model order.
    pub low_density: Vec<usize>,
    /// Per park of the model.
    pub parks: Vec<ParkStats>,
    /// All parks together.
    pub park_totals: ParkTotals,
    /// Floor area of the parts of buildings that lie on no parcel, m².
    pub unplaced_floor_area_m2: f64,
}

/// The thresholds the FAR analysis flags by.
pub(crate) struct FarRules {
    /// A park under this FAR is flagged (`rules.min_park_far`).
    pub min_park_far: f64,
    /// An industrial parcel under this FAR is low-density
    /// (`rules.min_parcel_far`).
    pub min_parcel_far: f64,
    /// The report date: parks planned on it are not flagged.
    pub as_of: crate::date::Date,
}

/// Sets every building's ellipsoidal footprint (m²).
pub(crate) fn measure_buildings(buildings: &mut [Building], projection: &EqualArea) {
    buildings
        .par_iter_mut()
        .for_each(|b| b.footprint_m2 = projection.multi_polygon_area(&b.geometry));
}

/// Splits each building over the polygons it stands on: for each polygon
/// (position in `polygons`), the shares of the buildings on it.
fn shares(
    buildings: &[Building],
    projected_buildings: &[MultiPolygon<f64>],
    polygons: &[&MultiPolygon<f64>],
    index: &PolygonIndex,
    projection: &EqualArea,
) -> Shares {
    let candidates: Vec<Vec<usize>> = buildings
        .par_iter()
        .map(|building| {
            let mut near: Vec<usize> = building
                .geometry
                .bounding_rect()
                .map(|r| index.candidates_in(r.min(), r.max()).collect())
                .unwrap_or_default();
            near.sort_unstable();
            near
        })
        .collect();
    // Each polygon near a building is projected once, however many
    // buildings stand on it.
    let mut near: Vec<usize> = candidates.iter().flatten().copied().collect();
    near.sort_unstable();
    near.dedup();
    let projected: std::collections::HashMap<usize, MultiPolygon<f64>> = near
        .into_par_iter()
        .map(|i| (i, projection.project_multi_polygon(polygons[i])))
        .collect();
    let pieces = buildings
        .par_iter()
        .enumerate()
        .flat_map_iter(|(b, building)| {
            let footprint = &projected_buildings[b];
            let planar = footprint.unsigned_area();
            let mut out = Vec::new();
            if planar <= 0.0 {
                return out;
            }
            for &i in &candidates[b] {
                if let Some(s) = share(b, building, footprint, planar, &projected[&i]) {
                    out.push((i, s));
                }
            }
            out
        })
        .collect();
    Shares::of(pieces)
}

/// The share of building `b` (its `footprint` projected, of `planar`
/// m²) on a projected polygon, when it has one.
pub(crate) fn share(
    b: usize,
    building: &Building,
    footprint: &MultiPolygon<f64>,
    planar: f64,
    polygon: &MultiPolygon<f64>,
) -> Option<Share> {
    let on = polygon.intersection(footprint).unsigned_area();
    let fraction = (on / planar).min(1.0);
    // Shares under a square centimetre in a square metre are digitising
    // noise along a shared edge.
    (fraction > 1e-6).then(|| Share {
        building: b,
        floor_area_m2: building.floor_area_m2() * fraction,
        footprint_m2: building.footprint_m2 * fraction,
    })
}

/// The buildings' shares on each polygon, for the polygons any building
/// stands on (a list per parcel cost 24 bytes a parcel at ten million).
#[derive(Debug, PartialEq)]
pub(crate) struct Shares {
    /// Polygon positions, ascending.
    at: Vec<usize>,
    /// Where each one's shares start in `items` (and one more: the end).
    start: Vec<usize>,
    /// The shares, by polygon, then in building order.
    items: Vec<Share>,
}

impl Shares {
    /// From (polygon, share) pieces in building order.
    pub(crate) fn of(mut pieces: Vec<(usize, Share)>) -> Shares {
        // stable: each polygon's shares stay in building order
        pieces.sort_by_key(|&(i, _)| i);
        let mut shares = Shares {
            at: Vec::new(),
            start: Vec::new(),
            items: Vec::with_capacity(pieces.len()),
        };
        for (i, s) in pieces {
            if shares.at.last() != Some(&i) {
                shares.at.push(i);
                shares.start.push(shares.items.len());
            }
            shares.items.push(s);
        }
        shares.start.push(shares.items.len());
        shares
    }

    /// The shares on polygon `i`.
    pub(crate) fn on(&self, i: usize) -> &[Share] {
        match self.at.binary_search(&i) {
            Ok(k) => &self.items[self.start[k]..self.start[k + 1]],
            Err(_) => &[],
        }
    }
}

/// Parks' land and enterprises, and the building shares on them when a
/// buildings layer is given.
fn park_stats(
    parks: &[Park],
    shares: Option<&Shares>,
    enterprises: &[Enterprise],
    rules: &FarRules,
) -> Vec<ParkStats> {
    let index = PolygonIndex::new(parks.iter().map(|p| &p.geometry));
    let mut inside: Vec<Vec<usize>> = vec![Vec::new(); parks.len()];
    for (e, ent) in enterprises.iter().enumerate() {
        for p in index.containing(|i| &parks[i].geometry, ent.location) {
            inside[p].push(e);
        }
    }
    parks
        .iter()
        .zip(inside)
        .enumerate()
        .map(|(p, (park, enterprises_in))| {
            let mut density = Density {
                land_m2: park.area_m2,
                ..Default::default()
            };
            if let Some(shares) = shares {
                shares.on(p).iter().for_each(|s| density.add(s));
            }
            let tax_wan: f64 = enterprises_in
                .iter()
                .filter_map(|&e| enterprises[e].tax_wan)
                .sum();
            let land_mu = crate::geodesy::m2_to_mu(park.area_m2);
            ParkStats {
                // a park not yet built has no FAR to fall short of
                far_below_min: shares.is_some()
                    && !park.planned(rules.as_of)
                    && density.far() < rules.min_park_far,
                density,
                tax_per_mu: (land_mu > 0.0).then(|| tax_wan / land_mu),
                tax_wan,
                enterprises: enterprises_in,
            }
        })
        .collect()
}

fn totals(parks: &[ParkStats], rules_apply: bool) -> ParkTotals {
    let count = parks.len();
    let land_m2: f64 = parks.iter().map(|p| p.density.land_m2).sum();
    let floor_area_m2: f64 = parks.iter().map(|p| p.density.floor_area_m2).sum();
    ParkTotals {
        count,
        land_m2,
        floor_area_m2,
        aggregate_far: if land_m2 > 0.0 {
            floor_area_m2 / land_m2
        } else {
            0.0
        },
        mean_far: if count > 0 {
            parks.iter().map(|p| p.density.far()).sum::<f64>() / count as f64
        } else {
            0.0
        },
        below_min: if rules_apply {
            parks.iter().filter(|p| p.far_below_min).count()
        } else {
            0
        },
    }
}

/// The whole FAR analysis. Without a buildings layer only the parks' land
/// and enterprises are known; floor areas stay zero and nothing is flagged.
#[allow(clippy::too_many_arguments)]
pub(crate) fn far(
    parcels: &[Parcel],
    on_parcels: Shares,
    blocks: &Blocks,
    buildings: Option<&[Building]>,
    parks: &[Park],
    enterprises: &[Enterprise],
    projection: &EqualArea,
    rules: &FarRules,
) -> Far {
    let Some(buildings) = buildings else {
        let parks = park_stats(parks, None, enterprises, rules);
        return Far {
            park_totals: totals(&parks, false),
            parks,
            ..Default::default()
        };
    };
    let projected: Vec<MultiPolygon<f64>> = buildings
        .par_iter()
        .map(|b| projection.project_multi_polygon(&b.geometry))
        .collect();
    let park_refs: Vec<&MultiPolygon<f64>> = parks.iter().map(|p| &p.geometry).collect();
    let park_index = PolygonIndex::new(park_refs.iter().copied());
    let on_parks = shares(buildings, &projected, &park_refs, &park_index, projection);

    let at: Vec<usize> = (0..parcels.len())
        .filter(|&i| blocks.block_of[i].is_some())
        .collect();
    let values = at
        .iter()
        .map(|&i| {
            let mut d = Density {
                land_m2: parcels[i].area_m2,
                ..Default::default()
            };
            on_parcels.on(i).iter().for_each(|s| d.add(s));
            d
        })
        .collect();
    let parcel_density = ParcelDensities { at, values };
    let block_density: Vec<Density> = blocks
        .blocks
        .iter()
        .map(|b| {
            let mut d = Density {
                land_m2: b.area_m2,
                ..Default::default()
            };
            // A building straddling two parcels of one block counts once.
            let mut seen: Vec<&Share> = b.parcels.iter().flat_map(|&i| on_parcels.on(i)).collect();
            seen.sort_by_key(|s| s.building);
            let mut last = None;
            for s in seen {
                d.floor_area_m2 += s.floor_area_m2;
                d.footprint_m2 += s.footprint_m2;
                if last != Some(s.building) {
                    d.buildings += 1;
                    last = Some(s.building);
                }
            }
            d
        })
        .collect();
    let low_density = parcel_density
        .iter()
        .filter(|(_, d)| d.far() < rules.min_parcel_far)
        .map(|(i, _)| i)
        .collect();

    let mut placed = vec![0.0; buildings.len()];
    for s in &on_parcels.items {
        placed[s.building] += s.footprint_m2;
    }
    let unplaced_floor_area_m2 = buildings
        .iter()
        .zip(&placed)
        .filter(|(b, _)| b.footprint_m2 > 0.0)
        .map(|(b, p)| b.floor_area_m2() * (1.0 - p / b.footprint_m2).max(0.0))
        .sum::<f64>();

    let parks = park_stats(parks, Some(&on_parks), enterprises, rules);
    Far {
        parcels: parcel_density,
        blocks: block_density,
        low_density,
        park_totals: totals(&parks, true),
        parks,
        unplaced_floor_area_m2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        let c = |x: f64, y: f64| Coord { x, y };
        MultiPolygon(vec![geo::Polygon::new(
            geo::LineString(vec![
                c(x0, y0),
                c(x0 + side, y0),
                c(x0 + side, y0 + side),
                c(x0, y0 + side),
                c(x0, y0),
            ]),
            vec![],
        )])
    }

    /// Degrees per metre near (120.0, 30.75), close enough for building
    /// fixtures whose areas are measured, not assumed.
    fn lonlat(x: f64, y: f64, side_x: f64, side_y: f64) -> MultiPolygon<f64> {
        let (dx, dy) = (1.0 / 95_800.0, 1.0 / 110_900.0);
        let c = |x: f64, y: f64| Coord {
            x: 120.0 + x * dx,
            y: 30.75 + y * dy,
        };
        MultiPolygon(vec![geo::Polygon::new(
            geo::LineString(vec![
                c(x, y),
                c(x + side_x, y),
                c(x + side_x, y + side_y),
                c(x, y + side_y),
                c(x, y),
            ]),
            vec![],
        )])
    }

    fn building(geometry: MultiPolygon<f64>, floors: Option<f64>, given: Option<f64>) -> Building {
        Building {
            feature: 1,
            floors,
            given_floor_area_m2: given,
            geometry,
            footprint_m2: 0.0,
        }
    }

    #[test]
    fn a_straddling_building_is_split_by_footprint_share() {
        // Two 100 m × 100 m parcels side by side; a 40 m × 20 m building,
        // 3 storeys, with 30 m on the left and 10 m on the right.
        let left = lonlat(0.0, 0.0, 100.0, 100.0);
        let right = lonlat(100.0, 0.0, 100.0, 100.0);
        let projection = EqualArea::fitted(geo::Rect::new((119.99, 30.74), (120.01, 30.76)));
        let mut b = vec![building(lonlat(70.0, 40.0, 40.0, 20.0), Some(3.0), None)];
        measure_buildings(&mut b, &projection);
        let polys = [&left, &right];
        let index = PolygonIndex::new(polys.iter().copied());
        let projected = vec![projection.project_multi_polygon(&b[0].geometry)];
        let s = shares(&b, &projected, &polys, &index, &projection);
        let floor = b[0].floor_area_m2();
        assert!((floor - 3.0 * b[0].footprint_m2).abs() < 1e-9);
        let (l, r) = (s.on(0), s.on(1));
        assert_eq!((l.len(), r.len(), s.on(2).len()), (1, 1, 0));
        assert!((l[0].floor_area_m2 / floor - 0.75).abs() < 1e-6, "{l:?}");
        assert!((r[0].floor_area_m2 / floor - 0.25).abs() < 1e-6, "{r:?}");
        assert!((l[0].footprint_m2 + r[0].footprint_m2 - b[0].footprint_m2).abs() < 1e-6);
    }

    #[test]
    fn a_given_floor_area_wins_and_missing_storeys_mean_one() {
        let b = Building {
            footprint_m2: 500.0,
            ..building(square(0.0, 0.0, 1.0), None, None)
        };
        assert_eq!(b.floor_area_m2(), 500.0);
        let b = Building {
            given_floor_area_m2: Some(1234.0),
            floors: Some(5.0),
            ..b
        };
        assert_eq!(b.floor_area_m2(), 1234.0);
    }

    #[test]
    fn aggregate_and_mean_far_differ_when_parks_differ_in_size() {
        let park = |land: f64, floor: f64| ParkStats {
            density: Density {
                land_m2: land,
                floor_area_m2: floor,
                footprint_m2: 0.0,
                buildings: 1,
            },
            enterprises: vec![],
            tax_wan: 0.0,
            tax_per_mu: None,
            far_below_min: floor / land < 1.2,
        };
        // A big park at FAR 1.0 and a small one at FAR 3.0:
        // aggregate (1000 + 300) / (1000 + 100) = 1.1818…, mean (1 + 3) / 2 = 2.
        let t = totals(&[park(1000.0, 1000.0), park(100.0, 300.0)], true);
        assert!((t.aggregate_far - 1300.0 / 1100.0).abs() < 1e-12);
        assert!((t.mean_far - 2.0).abs() < 1e-12);
        assert_eq!(t.below_min, 1);
    }
}
