//! Micro-enterprise parks (小微企业园) and building footprints: factory
//! buildings on industrial parcels, multi-storey ones ("工业上楼") in the
//! parks, and a few buildings straddling the line between two parcels.
//!
//! Buildings are drawn as nominal rectangles at least 3 m inside their
//! parcel and bent by the lattice warp; the parcel outline is within
//! 0.8 m of its nominal one, so a building never crosses it unless meant
//! to. Floor-area ratios are planted clear of the default thresholds
//! (parks 1.2, parcels 0.6), whatever the small differences between
//! nominal and real areas.

use std::collections::HashMap;

use super::lattice::{ring_area, Lattice, STEP};
use super::layout::{Layout, Role, MU};
use super::rng::Rng;

/// A park's FAR below this is flagged (`rules.min_park_far`).
pub const PARK_FAR: f64 = 1.2;
/// An industrial parcel's FAR below this is low-density
/// (`rules.min_parcel_far`).
pub const PARCEL_FAR: f64 = 0.6;
/// Planted FARs keep at least this far (relative) from the thresholds.
const PARK_MARGIN: f64 = 0.05;
const PARCEL_MARGIN: f64 = 0.05;
/// The target year: parks opened in it are new.
pub const YEAR: i32 = 2020;

pub struct Park {
    /// Every parcel under the park polygon.
    pub blocks: Vec<u32>,
    /// Closed counter-clockwise ring, GK, through the parcels' vertices.
    pub ring: Vec<[f64; 2]>,
    pub name: String,
    pub star: u8,
    pub grade: char,
    pub opened: i32,
    /// Ellipsoidal area, m².
    pub area: f64,
    target_far: f64,
    /// Not yet opened (under construction): no buildings, no firms.
    pub planned: bool,
    /// GB/T 4754 code prefixes the park takes, comma-separated; empty =
    /// any industry.
    pub industries: String,
    /// Room for new firms (可入驻面积), m²; None leaves the reader to
    /// compute it (floor area less its firms' floor area).
    pub vacant_m2: Option<f64>,
}

impl Park {
    pub fn status(&self) -> &'static str {
        if self.planned {
            "在建"
        } else {
            "已建成"
        }
    }
}

pub struct Building {
    /// Closed counter-clockwise ring, GK.
    pub ring: Vec<[f64; 2]>,
    pub floors: u32,
    /// Ledger floor area (m²), for a minority.
    pub floor_area: Option<f64>,
    /// The parcel it stands on; a straddling building's larger part.
    pub parcel: u32,
    /// The other parcel of a straddling building.
    pub straddles: Option<u32>,
    pub park: Option<u32>,
    /// Ellipsoidal footprint, m².
    pub footprint: f64,
    ledger_factor: Option<f64>,
}

impl Building {
    pub fn floor_area_m2(&self) -> f64 {
        self.floor_area
            .unwrap_or(self.footprint * f64::from(self.floors))
    }

    fn set_floors(&mut self, floors: u32) {
        self.floors = floors;
        if let Some(f) = self.ledger_factor {
            self.floor_area = Some(round1(self.footprint * f64::from(floors) * f));
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The tile a lattice block lies in.
pub fn tile_of(c0: u32, r0: u32) -> (usize, usize) {
    (c0 as usize / STEP, r0 as usize / STEP)
}

/// About 12 parks at 6 000 parcels, growing with the square root of the
/// parcel count: up to a quarter on village industrial park tiles, the
/// rest on zone parcels of 20 mu or more; none on `taken` tiles.
pub fn parks(
    seed: u64,
    layout: &Layout,
    areas: &[f64],
    taken: &std::collections::HashSet<(usize, usize)>,
) -> Vec<Park> {
    let mut rng = Rng::derive(seed, &[0xBA4C]);
    let lat = &layout.lat;
    let want = ((12.0 * (layout.blocks.len() as f64 / 6000.0).sqrt()).round() as usize).max(3);
    let mut village: Vec<usize> = (0..layout.parks.len())
        .filter(|&p| !taken.contains(&layout.parks[p].tile))
        .collect();
    rng.shuffle(&mut village);
    let n_tile = (want / 4).min(village.len());
    let mut tile_blocks: HashMap<(usize, usize), Vec<u32>> = HashMap::new();
    for (k, b) in layout.blocks.iter().enumerate() {
        if matches!(b.role, Role::Park(_) | Role::ParkCrop(_)) {
            tile_blocks
                .entry(tile_of(b.c0, b.r0))
                .or_default()
                .push(k as u32);
        }
    }
    let mut sites: Vec<(Vec<u32>, Vec<[f64; 2]>)> = Vec::new();
    for &p in &village[..n_tile] {
        let (i, j) = layout.parks[p].tile;
        let (c0, r0) = (i * STEP, j * STEP);
        let ring = lat.ring(c0, r0, c0 + STEP - 1, r0 + STEP - 1);
        sites.push((tile_blocks[&(i, j)].clone(), ring));
    }
    let mut zone: Vec<u32> = (0..layout.blocks.len() as u32)
        .filter(|&k| {
            let b = &layout.blocks[k as usize];
            matches!(b.role, Role::Zone(_))
                && b.dlbm == "0601"
                && areas[k as usize] >= 20.0 * MU
                && !taken.contains(&tile_of(b.c0, b.r0))
        })
        .collect();
    rng.shuffle(&mut zone);
    for &k in zone.iter().take(want - n_tile) {
        sites.push((vec![k], layout.blocks[k as usize].ring(lat)));
    }
    // about a quarter opened in the target year, a quarter under 1.2
    let n = sites.len();
    let n_new = ((n as f64 * 0.25).round() as usize).max(1).min(n);
    let n_low = ((n as f64 * 0.25).round() as usize).max(1).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut is_new = vec![false; n];
    for &k in &order[..n_new] {
        is_new[k] = true;
    }
    rng.shuffle(&mut order);
    let mut is_low = vec![false; n];
    for &k in &order[..n_low] {
        is_low[k] = true;
    }
    let mut names = std::collections::HashSet::new();
    sites
        .into_iter()
        .enumerate()
        .map(|(k, (blocks, ring))| {
            let unit = &layout.units[layout.blocks[blocks[0] as usize].unit as usize];
            let town = &layout.townships[unit.township as usize].name;
            let village = unit.name.trim_end_matches('村');
            // the town's name, then the village's, then phases
            let name = (0..)
                .map(|k| match k {
                    0 => format!("{town}小微企业园"),
                    1 => format!("{town}{village}小微企业园"),
                    k => format!("{town}{village}小微企业园{k}期"),
                })
                .find(|n| names.insert(n.clone()))
                .expect("names run out only after usize::MAX tries");
            Park {
                area: blocks.iter().map(|&b| areas[b as usize]).sum(),
                blocks,
                ring,
                name,
                star: [1, 2, 3, 4, 5][rng.weighted(&[0.1, 0.2, 0.35, 0.25, 0.1])],
                grade: ['A', 'B', 'C', 'D'][rng.weighted(&[0.25, 0.45, 0.25, 0.05])],
                opened: if is_new[k] {
                    YEAR
                } else {
                    YEAR - rng.int(1, 4) as i32
                },
                target_far: if is_low[k] {
                    rng.uniform(1.0, 1.12)
                } else {
                    rng.uniform(1.28, 2.0)
                },
                planned: false,
                industries: String::new(),
                vacant_m2: None,
            }
        })
        .collect()
}

/// Industry themes of parks that restrict whom they take (GB/T 4754
/// prefixes): knitwear and apparel, plastics and machinery, equipment and
/// car parts, electrical and electronics, furniture, printing and crafts,
/// plastics and new materials. None takes food (13), paper (22),
/// chemicals (26), chemical fibres (28), cement and glass (302x–304x) or
/// the dyeing and weaving classes (171x–175x).
const THEMES: [&str; 6] = [
    "1763,18",
    "29,33,34,38",
    "33,34,36",
    "38,39",
    "21,23,41",
    "29,3099",
];

/// What the parks offer new firms (issue 14's placement), on a stream of
/// its own so that every other draw stays as it was: about one park in
/// six (at least one of three or more) becomes planned — opened next year,
/// with a planned floor area of its land × 1.5–2.0 as its room — chosen
/// among single zone-parcel parks not new and not under FAR 1.2 first;
/// half the parks (rounded) restrict their industries to a theme.
pub fn plan_supply(seed: u64, layout: &Layout, parks: &mut [Park]) {
    let mut rng = Rng::derive(seed, &[0x5A1E]);
    let n = parks.len();
    let want = if n >= 3 {
        ((n as f64 / 6.0).round() as usize).max(1)
    } else {
        0
    };
    let zone = |p: &Park| {
        p.blocks.len() == 1 && matches!(layout.blocks[p.blocks[0] as usize].role, Role::Zone(_))
    };
    let mut tiers: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for (k, p) in parks.iter().enumerate() {
        if zone(p) && p.opened != YEAR {
            tiers[usize::from(p.target_far < PARK_FAR)].push(k);
        }
    }
    let mut order = Vec::new();
    for mut tier in tiers {
        rng.shuffle(&mut tier);
        order.extend(tier);
    }
    for &k in order.iter().take(want) {
        let p = &mut parks[k];
        p.planned = true;
        p.opened = YEAR + 1;
        p.vacant_m2 = Some((p.area * rng.uniform(1.5, 2.0)).round());
    }
    let mut all: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut all);
    for &k in &all[..(n as f64 / 2.0).round() as usize] {
        parks[k].industries = rng.pick(&THEMES).to_string();
    }
}

/// The room of the opened parks: 5–25 % of their floor area (`floor`, per
/// park), left out on about one in four (at least one of two or more).
pub fn fill_vacancy(seed: u64, parks: &mut [Park], floor: &[f64]) {
    let mut rng = Rng::derive(seed, &[0x5A1F]);
    let mut opened: Vec<usize> = (0..parks.len()).filter(|&k| !parks[k].planned).collect();
    let n_unknown = if opened.len() >= 2 {
        ((opened.len() as f64 / 4.0).round() as usize).max(1)
    } else {
        0
    };
    for &k in &opened {
        parks[k].vacant_m2 = Some((floor[k] * rng.uniform(0.05, 0.25)).round());
    }
    rng.shuffle(&mut opened);
    for &k in &opened[..n_unknown] {
        parks[k].vacant_m2 = None;
    }
}

/// Each park's floor area (its buildings').
pub fn park_floor(parks: &[Park], blds: &[Building]) -> Vec<f64> {
    let mut floor = vec![0.0; parks.len()];
    for b in blds {
        if let Some(p) = b.park {
            floor[p as usize] += b.floor_area_m2();
        }
    }
    floor
}

/// A building across the shared line of two adjacent zone parcels.
struct Straddle {
    /// West (south) and east (north) parcel.
    a: u32,
    b: u32,
    /// The shared line is vertical (x = const).
    vertical: bool,
    /// Lattice index of the shared line and the cell range both share.
    line: usize,
    span: (usize, usize),
}

/// Adjacent pairs of zone 0601 parcels outside parks and vacated records,
/// sharing at least 2 cells of edge, each at least 3 cells deep: about one
/// pair per 40 zone parcels, each parcel in at most one pair.
fn straddles(rng: &mut Rng, layout: &Layout, taken: &[bool]) -> Vec<Straddle> {
    let mut by_tile: HashMap<(usize, usize), Vec<u32>> = HashMap::new();
    let mut zone = 0;
    for (k, b) in layout.blocks.iter().enumerate() {
        if matches!(b.role, Role::Zone(_)) && b.dlbm == "0601" {
            zone += 1;
            if !taken[k] {
                by_tile
                    .entry(tile_of(b.c0, b.r0))
                    .or_default()
                    .push(k as u32);
            }
        }
    }
    let mut tiles: Vec<&(usize, usize)> = by_tile.keys().collect();
    tiles.sort();
    let mut cands = Vec::new();
    for t in tiles {
        let list = &by_tile[t];
        for &p in list {
            for &q in list {
                let (a, b) = (&layout.blocks[p as usize], &layout.blocks[q as usize]);
                let rows = (a.r0.max(b.r0), a.r1.min(b.r1));
                let cols = (a.c0.max(b.c0), a.c1.min(b.c1));
                if a.c1 == b.c0 && rows.1 >= rows.0 + 2 && a.c1 - a.c0 >= 3 && b.c1 - b.c0 >= 3 {
                    cands.push(Straddle {
                        a: p,
                        b: q,
                        vertical: true,
                        line: a.c1 as usize,
                        span: (rows.0 as usize, rows.1 as usize),
                    });
                } else if a.r1 == b.r0
                    && cols.1 >= cols.0 + 2
                    && a.r1 - a.r0 >= 3
                    && b.r1 - b.r0 >= 3
                {
                    cands.push(Straddle {
                        a: p,
                        b: q,
                        vertical: false,
                        line: a.r1 as usize,
                        span: (cols.0 as usize, cols.1 as usize),
                    });
                }
            }
        }
    }
    rng.shuffle(&mut cands);
    let want = (zone / 40).max(1);
    let mut used = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in cands {
        if out.len() >= want {
            break;
        }
        if used.contains(&s.a) || used.contains(&s.b) {
            continue;
        }
        used.insert(s.a);
        used.insert(s.b);
        out.push(s);
    }
    out
}

const MARGIN: f64 = 3.0;
const GAP: f64 = 8.0;
const MIN_SIDE: f64 = 8.0;

/// Up to `kmax` rectangles (nominal x0, y0, x1, y1) inside `r` covering
/// about `target` m²: a row along the longer side, or 2 × 2 on large lots,
/// with `GAP` between them.
fn place(rng: &mut Rng, r: [f64; 4], target: f64, kmax: usize) -> Vec<[f64; 4]> {
    let (w, h) = (r[2] - r[0], r[3] - r[1]);
    if w < MIN_SIDE || h < MIN_SIDE {
        return Vec::new();
    }
    let along_x = w >= h;
    let (l, s) = if along_x { (w, h) } else { (h, w) };
    let fit = (((l + GAP) / (MIN_SIDE + GAP)).floor() as usize).max(1);
    let k = rng.int(1, kmax).min(fit);
    let (nl, ns) = if k == 4 && s >= 2.0 * MIN_SIDE + GAP + 40.0 {
        (2, 2)
    } else {
        (k, 1)
    };
    let sl = (l - (nl - 1) as f64 * GAP) / nl as f64;
    let ss = (s - (ns - 1) as f64 * GAP) / ns as f64;
    let q = (target / (k as f64 * sl * ss)).min(1.0);
    let mut out = Vec::with_capacity(k);
    for a in 0..nl {
        for b in 0..ns {
            let fa = (q.sqrt() * rng.uniform(0.85, 1.15)).clamp(q, 1.0);
            let fb = (q / fa).min(1.0);
            let (bl, bs) = (sl * fa, ss * fb);
            let ol = a as f64 * (sl + GAP) + rng.uniform(0.0, sl - bl);
            let os = b as f64 * (ss + GAP) + rng.uniform(0.0, ss - bs);
            out.push(if along_x {
                [r[0] + ol, r[1] + os, r[0] + ol + bl, r[1] + os + bs]
            } else {
                [r[0] + os, r[1] + ol, r[0] + os + bs, r[1] + ol + bl]
            });
        }
    }
    out
}

/// The GK ring of a nominal rectangle (its corners, warped).
fn rect_ring(lat: &Lattice, r: [f64; 4]) -> Vec<[f64; 2]> {
    let c = [
        lat.warp(r[0], r[1]),
        lat.warp(r[2], r[1]),
        lat.warp(r[2], r[3]),
        lat.warp(r[0], r[3]),
    ];
    let mm = |p: [f64; 2]| {
        [
            (p[0] * 1000.0).round() / 1000.0,
            (p[1] * 1000.0).round() / 1000.0,
        ]
    };
    vec![mm(c[0]), mm(c[1]), mm(c[2]), mm(c[3]), mm(c[0])]
}

/// Buildings on every industrial (0601) parcel except `demolished` ones,
/// parcel by parcel, each parcel's straddling building after its own.
/// `taken` marks parcels no straddling building may touch.
pub fn generate(
    seed: u64,
    layout: &Layout,
    areas: &[f64],
    parks: &[Park],
    demolished: &[bool],
    taken: &[bool],
) -> Vec<Building> {
    let lat = &layout.lat;
    let mut park_of: HashMap<u32, u32> = HashMap::new();
    for (p, park) in parks.iter().enumerate() {
        for &b in &park.blocks {
            park_of.insert(b, p as u32);
        }
    }
    let mut reserved = taken.to_vec();
    for &b in park_of.keys() {
        reserved[b as usize] = true;
    }
    let mut rng = Rng::derive(seed, &[0xB11D]);
    let pairs = straddles(&mut rng, layout, &reserved);
    // shrink of each parcel's interior on a side (0 W, 1 S, 2 E, 3 N) and
    // the straddling building drawn with its west/south parcel
    let mut shrink: HashMap<u32, (usize, f64)> = HashMap::new();
    let mut straddler: HashMap<u32, [f64; 4]> = HashMap::new();
    for s in &pairs {
        let d1 = rng.uniform(8.0, 14.0);
        let d2 = rng.uniform(16.0, 26.0);
        let (axis_line, axis_span) = if s.vertical {
            (&lat.x, &lat.y)
        } else {
            (&lat.y, &lat.x)
        };
        let at = axis_line.pos[s.line];
        let (lo, hi) = (
            axis_span.pos[s.span.0] + MARGIN,
            axis_span.pos[s.span.1] - MARGIN,
        );
        let len = (hi - lo) * rng.uniform(0.5, 0.9);
        let from = lo + rng.uniform(0.0, hi - lo - len);
        let r = if s.vertical {
            [at - d1, from, at + d2, from + len]
        } else {
            [from, at - d1, from + len, at + d2]
        };
        // the larger part lies in b: it is the building's parcel
        straddler.insert(s.a, r);
        let (sa, sb) = if s.vertical { (2, 0) } else { (3, 1) };
        shrink.insert(s.a, (sa, d1 + GAP));
        shrink.insert(s.b, (sb, d2 + GAP));
    }
    let straddle_pair: HashMap<u32, u32> = pairs.iter().map(|s| (s.a, s.b)).collect();
    let in_pair: std::collections::HashSet<u32> = pairs.iter().flat_map(|s| [s.a, s.b]).collect();

    // park coverage: the target FAR spread over the park's 0601 land
    let mean_park_floors = 6.0;
    let park_cover: Vec<f64> = parks
        .iter()
        .map(|p| {
            let ind: f64 = p
                .blocks
                .iter()
                .filter(|&&b| layout.blocks[b as usize].dlbm == "0601")
                .map(|&b| areas[b as usize])
                .sum();
            p.target_far * p.area / (ind * mean_park_floors)
        })
        .collect();

    let mut out: Vec<Building> = Vec::new();
    // index range of each parcel's own buildings in `out`
    let mut own: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
    for (k, b) in layout.blocks.iter().enumerate() {
        let k32 = k as u32;
        if b.dlbm != "0601" || demolished[k] {
            continue;
        }
        let mut r = Rng::derive(seed, &[0xB1D6, k as u64]);
        let ring = b.ring(lat);
        let scale = areas[k] / ring_area(&ring);
        let (x0, y0) = (lat.x.pos[b.c0 as usize], lat.y.pos[b.r0 as usize]);
        let (x1, y1) = (lat.x.pos[b.c1 as usize], lat.y.pos[b.r1 as usize]);
        let mut inner = [x0 + MARGIN, y0 + MARGIN, x1 - MARGIN, y1 - MARGIN];
        if let Some(&(side, d)) = shrink.get(&k32) {
            match side {
                0 => inner[0] = x0 + d,
                1 => inner[1] = y0 + d,
                2 => inner[2] = x1 - d,
                _ => inner[3] = y1 - d,
            }
        }
        let nominal = (x1 - x0) * (y1 - y0);
        let park = park_of.get(&k32).copied();
        let (cover, floors): (f64, (usize, usize)) = match park {
            Some(p) => (park_cover[p as usize], (4, 8)),
            None => {
                // low (FAR < 0.6), medium or high density; never low
                // beside a straddling building
                let class = if in_pair.contains(&k32) {
                    1 + r.below(2)
                } else {
                    r.weighted(&[0.25, 0.55, 0.20])
                };
                match class {
                    0 => (r.uniform(0.30, 0.45), (1, 1)),
                    1 => (r.uniform(0.38, 0.60), (2, 3)),
                    _ => (r.uniform(0.45, 0.60), (3, 5)),
                }
            }
        };
        let kmax = if nominal < 2.0 * MU { 2 } else { 4 };
        let start = out.len();
        for rect in place(&mut r, inner, cover * nominal, kmax) {
            let ring = rect_ring(lat, rect);
            let footprint = ring_area(&ring) * scale;
            let ledger = r.chance(0.12).then(|| r.uniform(1.0, 1.15));
            let mut bld = Building {
                ring,
                floors: 0,
                floor_area: None,
                parcel: k32,
                straddles: None,
                park,
                footprint,
                ledger_factor: ledger,
            };
            let f = r.int(floors.0, floors.1) as u32;
            bld.set_floors(f);
            out.push(bld);
        }
        own.push((k32, start..out.len()));
        if let Some(rect) = straddler.get(&k32) {
            let other = straddle_pair[&k32];
            let ring = rect_ring(lat, *rect);
            let footprint = ring_area(&ring) * scale;
            out.push(Building {
                ring,
                floors: r.int(2, 4) as u32,
                floor_area: None,
                parcel: other,
                straddles: Some(k32),
                park: None,
                footprint,
                ledger_factor: None,
            });
        }
    }

    // parcels clear of 0.6 (own buildings only: a straddling building can
    // only add), by adding storeys to the largest building
    for (k, range) in &own {
        let range = range.clone();
        if range.is_empty() {
            continue;
        }
        loop {
            let far: f64 = out[range.clone()]
                .iter()
                .map(Building::floor_area_m2)
                .sum::<f64>()
                / areas[*k as usize];
            if (far / PARCEL_FAR - 1.0).abs() > PARCEL_MARGIN {
                break;
            }
            let big = range
                .clone()
                .max_by(|&a, &b| out[a].footprint.total_cmp(&out[b].footprint))
                .expect("non-empty");
            let f = out[big].floors + 1;
            out[big].set_floors(f);
        }
    }
    // park FARs within 0.8–1.14 (low) or 1.26–2.2, clear of 1.2, by
    // moving storeys within 4–8, smallest buildings first (small steps)
    let own_of: HashMap<u32, std::ops::Range<usize>> = own.into_iter().collect();
    let mut in_park: Vec<Vec<usize>> = vec![Vec::new(); parks.len()];
    for (i, b) in out.iter().enumerate() {
        if let Some(p) = b.park {
            in_park[p as usize].push(i);
        }
    }
    for (park, idx) in parks.iter().zip(&in_park) {
        let (lo, hi) = if park.target_far < PARK_FAR {
            (0.8, PARK_FAR * (1.0 - PARK_MARGIN))
        } else {
            (PARK_FAR * (1.0 + PARK_MARGIN), 2.2)
        };
        for _ in 0..1000 {
            let far = idx.iter().map(|&i| out[i].floor_area_m2()).sum::<f64>() / park.area;
            let step: i32 = if far < lo {
                1
            } else if far >= hi {
                -1
            } else {
                break;
            };
            // keeping its parcel clear of 0.6 too
            let parcel_ok = |i: usize| {
                let b = &out[i];
                let delta = b.footprint * b.ledger_factor.unwrap_or(1.0) * f64::from(step);
                let range = own_of[&b.parcel].clone();
                let sum: f64 = out[range].iter().map(Building::floor_area_m2).sum();
                let far = (sum + delta) / areas[b.parcel as usize];
                (far / PARCEL_FAR - 1.0).abs() > PARCEL_MARGIN
            };
            let pick = idx
                .iter()
                .copied()
                .filter(|&i| (4..=8).contains(&(out[i].floors as i32 + step)) && parcel_ok(i))
                .min_by(|&a, &b| out[a].footprint.total_cmp(&out[b].footprint));
            let Some(i) = pick else { break };
            let f = (out[i].floors as i32 + step) as u32;
            out[i].set_floors(f);
        }
    }
    out
}
