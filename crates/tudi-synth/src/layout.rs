//! The land-use layout: which tile is what, and how every tile and strip is
//! cut into parcels (blocks of lattice cells), including the planted
//! remediation scenarios.
//!
//! Scale (synthetic, denser than reality so that a few thousand parcels
//! show everything): villages are ~4 × 4 tiles (≈ 1.4 km²), townships
//! ~8 × 8 tiles (≈ 6 km²), each with a 2 × 2-tile town centre and usually
//! an industrial zone of 2–3 × 2–3 tiles next to it.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::lattice::{Lattice, CELLS, STEP};
use super::names::{place_name, COUNTIES, XIUZHOU_TOWNSHIPS, ZHEJIANG_COUNTIES};
use super::rng::{hash, unit, Rng};

/// m² per mu.
pub const MU: f64 = 10000.0 / 15.0;
/// Nominal upper bound (mu) of a planted plot or group meant to stay
/// under the 5-mu threshold, and lower bound of one meant to exceed it.
/// With jitter and warp the real areas stay within ~3 % of nominal, so
/// both sides keep a clear margin from 5 mu.
pub const SMALL_MU: f64 = 4.1;
pub const LARGE_MU: f64 = 6.0;

/// 城镇村属性码.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Czcs {
    None,
    C201,
    C202,
    C203,
    C201A,
    C202A,
    C203A,
    C204,
}

impl Czcs {
    pub fn code(self) -> Option<&'static str> {
        match self {
            Czcs::None => None,
            Czcs::C201 => Some("201"),
            Czcs::C202 => Some("202"),
            Czcs::C203 => Some("203"),
            Czcs::C201A => Some("201A"),
            Czcs::C202A => Some("202A"),
            Czcs::C203A => Some("203A"),
            Czcs::C204 => Some("204"),
        }
    }
    /// The code for non-construction land inside the same range.
    fn non_construction(self) -> Czcs {
        match self {
            Czcs::C201 => Czcs::C201A,
            Czcs::C202 => Czcs::C202A,
            Czcs::C203 => Czcs::C203A,
            other => other,
        }
    }
}

/// What a parcel is for, as far as the scenarios care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Plain,
    /// Agricultural field (may be split to reach the exact parcel count).
    Field,
    /// Homestead in a village settlement (home-workshop candidate).
    Homestead,
    /// Parcel of industrial zone `z` (0601, 0508 or green).
    Zone(u32),
    /// Parcel of village industrial park `p` (0601 or 0508).
    Park(u32),
    /// Cropland inside village park `p`, used by an enterprise.
    ParkCrop(u32),
    /// Village 0601 plot of scenario group `g`.
    Plot(u32),
    /// Cropland plot of cropland-cluster group `g`, used by an enterprise.
    CropPlot(u32),
    /// Clay pit (0602).
    Quarry,
    /// Road or water strip.
    Strip,
}

#[derive(Clone, Debug)]
pub struct Block {
    /// Vertex-index range: cells `c0..c1 × r0..r1`.
    pub c0: u32,
    pub r0: u32,
    pub c1: u32,
    pub r1: u32,
    pub dlbm: &'static str,
    pub czcs: Czcs,
    pub qsxz: &'static str,
    pub unit: u32,
    pub role: Role,
}

impl Block {
    pub fn cells(&self) -> usize {
        ((self.c1 - self.c0) * (self.r1 - self.r0)) as usize
    }
    pub fn ring(&self, lat: &Lattice) -> Vec<[f64; 2]> {
        lat.ring(
            self.c0 as usize,
            self.r0 as usize,
            self.c1 as usize,
            self.r1 as usize,
        )
    }
}

/// Planted scenario kinds (all village 0601, CZCSXM 203).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 1–4 adjacent small plots, < 5 mu together, ≥ ~15 m from any other
    /// industrial land: a scattered group.
    Scattered,
    /// One plot (2.9–4.1 mu) of a pair whose plots are one lattice cell
    /// (≥ 15 m) apart: each is a scattered group of its own.
    GapFar,
    /// One plot (2.9–4.1 mu) of a pair facing each other across a 5 m
    /// rural road (1006): one cluster of > 5.8 mu with a 10 m gap.
    GapNear,
    /// 3–6 small adjacent plots adding up to ≥ 6 mu.
    Chain,
    /// 0601 plots plus 1–2 adjacent cropland plots used by enterprises
    /// (no legal land); the 0601 part is either < 4.1 or ≥ 6 mu.
    CropCluster,
    /// A village plot (< 4.1 mu) sharing an edge with an industrial zone.
    Touching,
    /// One plot of a pair facing each other across a 5–7 m road on a
    /// county border (districts of several counties): one scattered
    /// cluster (< 4.1 mu together) in two counties with a 10 m gap, two
    /// with a 3 m gap.
    CrossCounty,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub kind: Kind,
    /// Global indices of its 0601 blocks.
    pub plots: Vec<u32>,
    /// Global indices of its cropland blocks (CropCluster only).
    pub crops: Vec<u32>,
    /// Pair id (GapFar / GapNear / CrossCounty), else `u32::MAX`.
    pub pair: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Crop,
    Forest,
    Orchard,
    Water,
    Settlement(u32),
    Town(u32),
    Zone(u32),
    Park(u32),
}

#[derive(Clone, Debug)]
pub struct Township {
    pub code9: String,
    pub name: String,
    pub street: bool,
    pub seed: (f64, f64),
    pub community: Option<u32>,
    /// Its county in [`Layout::counties`] (0 in a district of one).
    pub county: u32,
}

/// A county of a district of several.
#[derive(Clone, Copy, Debug)]
pub struct County {
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub code12: String,
    pub name: String,
    pub township: u32,
}

#[derive(Clone, Debug)]
pub struct Village {
    pub unit: u32,
    pub township: u32,
}

/// A rectangle of tiles, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRect {
    pub i0: usize,
    pub j0: usize,
    pub i1: usize,
    pub j1: usize,
}

impl TileRect {
    fn tiles(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (self.j0..=self.j1).flat_map(move |j| (self.i0..=self.i1).map(move |i| (i, j)))
    }
    fn contains(&self, i: usize, j: usize) -> bool {
        (self.i0..=self.i1).contains(&i) && (self.j0..=self.j1).contains(&j)
    }
}

#[derive(Clone, Debug)]
pub struct Settlement {
    pub village: u32,
    pub rect: TileRect,
}

#[derive(Clone, Debug)]
pub struct Zone {
    pub township: u32,
    pub rect: TileRect,
    pub czcs: Czcs,
    /// A planned extension over cropland tiles (in plan.geojson only).
    pub extension: Option<TileRect>,
}

#[derive(Clone, Debug)]
pub struct Park {
    pub village: u32,
    pub tile: (usize, usize),
    pub planned: bool,
}

#[derive(Clone, Copy, Debug)]
struct G5Half {
    pair: u32,
    side: u8, // 0 west, 1 east, 2 south, 3 north
    offset: usize,
    len: usize,
    depth: usize,
    /// GapNear, or CrossCounty across a county border.
    kind: Kind,
}

#[derive(Clone, Debug, Default)]
struct TilePlan {
    stamps: Vec<Kind>,
    /// A kind to place before the others (when it is missing everywhere).
    priority: Option<Kind>,
    /// Salt of a re-fill.
    retry: u64,
    g5: Option<G5Half>,
    /// Sides of a zone tile on which to plant a Touching plot.
    touching: Vec<u8>,
    quarry: bool,
}

/// The finished layout.
pub struct Layout {
    pub lat: Lattice,
    pub tiles_x: usize,
    pub tiles_y: usize,
    pub themes: Vec<Theme>,
    pub tile_village: Vec<u32>,
    pub townships: Vec<Township>,
    /// The counties of a district of several (`--counties` above 1), in
    /// code order of [`ZHEJIANG_COUNTIES`]; empty for a district of one.
    pub counties: Vec<County>,
    pub units: Vec<Unit>,
    pub villages: Vec<Village>,
    pub settlements: Vec<Settlement>,
    pub zones: Vec<Zone>,
    pub parks: Vec<Park>,
    pub blocks: Vec<Block>,
    pub groups: Vec<Group>,
    /// Number of clay pits (0602) planted.
    pub quarries: usize,
}

fn theme_is_open(t: Theme) -> bool {
    matches!(
        t,
        Theme::Crop | Theme::Forest | Theme::Orchard | Theme::Water
    )
}

/// Nearest point of a jittered grid of seeds with the given spacing.
fn seed_of(seed: u64, salt: u64, spacing: f64, jitter: f64, a: i64, b: i64) -> (f64, f64) {
    let h = hash(seed, &[salt, a as u64, b as u64]);
    let jx = (unit(h) * 2.0 - 1.0) * jitter;
    let jy = (unit(h.rotate_left(31)) * 2.0 - 1.0) * jitter;
    (spacing * a as f64 + jx, spacing * b as f64 + jy)
}

fn nearest_seed(
    seed: u64,
    salt: u64,
    spacing: f64,
    jitter: f64,
    p: (f64, f64),
    fixed: Option<(i64, i64)>,
) -> ((i64, i64), (f64, f64)) {
    let a0 = (p.0 / spacing).floor() as i64;
    let b0 = (p.1 / spacing).floor() as i64;
    let mut best = ((0, 0), (0.0, 0.0), f64::INFINITY);
    for a in a0 - 1..=a0 + 2 {
        for b in b0 - 1..=b0 + 2 {
            let s = if fixed == Some((a, b)) {
                (spacing * a as f64, spacing * b as f64)
            } else {
                seed_of(seed, salt, spacing, jitter, a, b)
            };
            let d = (s.0 - p.0).powi(2) + (s.1 - p.1).powi(2);
            if d < best.2 {
                best = ((a, b), s, d);
            }
        }
    }
    (best.0, best.1)
}

/// Three-digit township codes available in a county, in order of use.
fn township_code(county: usize, slot: usize) -> (String, Option<&'static str>) {
    if county == 0 && slot < XIUZHOU_TOWNSHIPS.len() {
        let (c, n) = XIUZHOU_TOWNSHIPS[slot];
        return (c.to_string(), Some(n));
    }
    let taken: HashSet<&str> = if county == 0 {
        XIUZHOU_TOWNSHIPS.iter().map(|t| t.0).collect()
    } else {
        HashSet::new()
    };
    let seq = (101..=199).chain(1..=99).chain(200..=399);
    let mut k = if county == 0 {
        slot - XIUZHOU_TOWNSHIPS.len()
    } else {
        slot
    };
    for code in seq {
        let s = format!("{code:03}");
        if taken.contains(s.as_str()) {
            continue;
        }
        if k == 0 {
            return (s, None);
        }
        k -= 1;
    }
    unreachable!("township slots per county are bounded by the caller")
}

const TOWNSHIPS_PER_COUNTY: usize = 380;
/// Spacing (tiles) of the jittered grid of village seeds.
const VILLAGE_SPACING: f64 = 4.0;
/// Spacing (tiles) of the jittered grid of township seeds.
const TOWNSHIP_SPACING: f64 = 8.0;

/// Build the layout of a `tiles_x` × `tiles_y` window of `counties`
/// counties; errs (saying why) when the window holds too few townships
/// for them, or too many for their codes.
///
/// The steps share one generator, so their order is part of the output.
/// A district of several counties draws the same, apart from what is
/// planted on county borders (with generators of its own).
pub fn build(seed: u64, tiles_x: usize, tiles_y: usize, counties: usize) -> Result<Layout, String> {
    let (mut b, towns) = Builder::townships(seed, tiles_x, tiles_y, counties)?;
    b.place_zones(&towns);
    b.place_village_land();
    b.ensure_narrow_road_settlement();
    b.plan_zone_extensions();
    if counties > 1 {
        b.plan_cross_county()?;
    }
    b.plan_settlements();
    b.plan_touching();
    b.plan_quarries();
    let tiles = b.fill_tiles();
    let strips = b.ctx().strips();
    Ok(b.finish(tiles, strips))
}

/// The first steps of [`build`] only, without parcels: tiles grouped into
/// villages and townships, and the town centres — everything a tile's
/// township depends on (later steps only turn cropland into other themes).
#[cfg(test)]
pub(crate) fn townships_only(seed: u64, tiles_x: usize, tiles_y: usize, counties: usize) -> Layout {
    let (b, _) = Builder::townships(seed, tiles_x, tiles_y, counties).expect("townships");
    b.finish(Vec::new(), Vec::new())
}

/// A tile as (column, row).
type TileIj = (usize, usize);

/// `items` (in order) cut into `shares.len()` runs, none empty, whose
/// `weight`s are about in proportion to `shares`; there must be at least
/// as many items as shares.
fn cut(items: &[usize], weight: &[usize], shares: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = items.iter().map(|&t| weight[t]).sum();
    let all: usize = shares.iter().sum();
    let mut out = vec![Vec::new(); shares.len()];
    let (mut g, mut acc, mut bound) = (0, 0, shares[0]);
    for (k, &t) in items.iter().enumerate() {
        let left = items.len() - k;
        let after = shares.len() - 1 - g;
        // on to the next run once this one has its share (by the item's
        // middle), or when the runs after need every item left
        if !out[g].is_empty()
            && after > 0
            && ((2 * acc + weight[t]) * all >= 2 * bound * total || left == after)
        {
            g += 1;
            bound += shares[g];
        }
        out[g].push(t);
        acc += weight[t];
    }
    out
}

/// Size of the tile window, and a tile's row-major index in it.
#[derive(Clone, Copy)]
struct Grid {
    w: usize,
    h: usize,
}

impl Grid {
    fn idx(self, i: usize, j: usize) -> usize {
        j * self.w + i
    }
}

/// The layout while `build` lays it out: tile themes, the places on them
/// and the per-tile plans of what to plant.
struct Builder {
    seed: u64,
    lat: Lattice,
    g: Grid,
    rng: Rng,
    themes: Vec<Theme>,
    tile_village: Vec<u32>,
    tile_township: Vec<u32>,
    townships: Vec<Township>,
    counties: Vec<County>,
    units: Vec<Unit>,
    villages: Vec<Village>,
    settlements: Vec<Settlement>,
    zones: Vec<Zone>,
    parks: Vec<Park>,
    plans: Vec<TilePlan>,
    quarries: usize,
}

impl Builder {
    /// An all-cropland window with nothing placed or planned yet.
    fn new(seed: u64, tiles_x: usize, tiles_y: usize) -> Builder {
        let n = tiles_x * tiles_y;
        Builder {
            seed,
            lat: Lattice::new(seed, tiles_x, tiles_y),
            g: Grid {
                w: tiles_x,
                h: tiles_y,
            },
            rng: Rng::derive(seed, &[0x91A4]),
            themes: vec![Theme::Crop; n],
            tile_village: vec![0; n],
            tile_township: Vec::new(),
            townships: Vec::new(),
            counties: Vec::new(),
            units: Vec::new(),
            villages: Vec::new(),
            settlements: Vec::new(),
            zones: Vec::new(),
            parks: Vec::new(),
            plans: vec![TilePlan::default(); n],
            quarries: 0,
        }
    }

    /// A window with its villages, townships and town centres (returned),
    /// and its counties when there are several.
    fn townships(
        seed: u64,
        tiles_x: usize,
        tiles_y: usize,
        counties: usize,
    ) -> Result<(Builder, Vec<(u32, TileRect)>), String> {
        let mut b = Builder::new(seed, tiles_x, tiles_y);
        let mut names_taken = b.assign_villages();
        let towns = b.place_towns();
        if counties > 1 {
            let county = b.divide_into_counties(counties)?;
            b.label_counties(counties, &county, &mut names_taken)?;
        }
        Ok((b, towns))
    }

    /// Group tiles into villages and villages into townships, each around
    /// the nearest seed of a jittered grid; number and name them in the
    /// order first met. Returns the place names taken.
    fn assign_villages(&mut self) -> HashSet<String> {
        let g = self.g;
        // Township seed (0, 0) sits exactly at the centre tile's centre.
        let t_origin = ((g.w / 2) as f64 + 0.5, (g.h / 2) as f64 + 0.5);
        let mut village_key: HashMap<(i64, i64), u32> = HashMap::new();
        let mut township_key: HashMap<(i64, i64), u32> = HashMap::new();
        let mut names_taken: HashSet<String> = HashSet::new();
        let mut village_count_in: Vec<usize> = Vec::new();
        for j in 0..g.h {
            for i in 0..g.w {
                let p = (i as f64 + 0.5, j as f64 + 0.5);
                let (vk, vs) = nearest_seed(self.seed, 0x1111, VILLAGE_SPACING, 1.2, p, None);
                let v = match village_key.get(&vk) {
                    Some(&v) => v,
                    None => {
                        let rel = (vs.0 - t_origin.0, vs.1 - t_origin.1);
                        let (tk, ts) = nearest_seed(
                            self.seed,
                            0x2222,
                            TOWNSHIP_SPACING,
                            2.0,
                            rel,
                            Some((0, 0)),
                        );
                        let t = match township_key.get(&tk) {
                            Some(&t) => t,
                            None => {
                                let at = (ts.0 + t_origin.0, ts.1 + t_origin.1);
                                let t = self.new_township(at, &mut names_taken);
                                village_count_in.push(0);
                                township_key.insert(tk, t);
                                t
                            }
                        };
                        let k = village_count_in[t as usize];
                        village_count_in[t as usize] += 1;
                        let v = self.new_village(t, k, &mut names_taken);
                        village_key.insert(vk, v);
                        v
                    }
                };
                self.tile_village[g.idx(i, j)] = v;
            }
        }
        self.tile_township = self
            .tile_village
            .iter()
            .map(|&v| self.villages[v as usize].township)
            .collect();
        names_taken
    }

    /// Add the next township (code, real or invented name) with its seed
    /// at tile position `at`.
    fn new_township(&mut self, at: (f64, f64), names_taken: &mut HashSet<String>) -> u32 {
        let t = self.townships.len() as u32;
        let county = self.townships.len() / TOWNSHIPS_PER_COUNTY;
        let slot = self.townships.len() % TOWNSHIPS_PER_COUNTY;
        let (code3, real) = township_code(county, slot);
        let street = code3.starts_with('0');
        let name = match real {
            Some(n) => {
                names_taken.insert(n.trim_end_matches(['镇', '街', '道']).to_string());
                n.to_string()
            }
            None => {
                let base = place_name(&mut self.rng, names_taken);
                if street {
                    format!("{base}街道")
                } else if code3.starts_with('1') {
                    format!("{base}镇")
                } else {
                    format!("{base}乡")
                }
            }
        };
        let county_code = COUNTIES[county.min(COUNTIES.len() - 1)];
        self.townships.push(Township {
            code9: format!("{county_code}{code3}"),
            name,
            street,
            seed: at,
            community: None,
            county: 0,
        });
        t
    }

    /// Add the `k`-th village of township `t`, with its unit (村).
    fn new_village(&mut self, t: u32, k: usize, names_taken: &mut HashSet<String>) -> u32 {
        let name = format!("{}村", place_name(&mut self.rng, names_taken));
        let u = self.units.len() as u32;
        self.units.push(Unit {
            code12: format!("{}{:03}", self.townships[t as usize].code9, 201 + (k % 199)),
            name,
            township: t,
        });
        let v = self.villages.len() as u32;
        self.villages.push(Village {
            unit: u,
            township: t,
        });
        v
    }

    /// Put a town centre of up to 2 × 2 tiles, with its community unit
    /// (社区), on each township seed inside the window where those tiles
    /// are still free; returns the towns placed.
    fn place_towns(&mut self) -> Vec<(u32, TileRect)> {
        let g = self.g;
        let mut town_rects: Vec<(u32, TileRect)> = Vec::new();
        for (t, tw) in self.townships.iter_mut().enumerate() {
            let (sx, sy) = tw.seed;
            if sx < 0.0 || sy < 0.0 || sx >= g.w as f64 || sy >= g.h as f64 {
                continue;
            }
            let (si, sj) = (sx as usize, sy as usize);
            let rect = TileRect {
                i0: si,
                j0: sj,
                i1: (si + 1).min(g.w - 1),
                j1: (sj + 1).min(g.h - 1),
            };
            if rect
                .tiles()
                .any(|(i, j)| self.themes[g.idx(i, j)] != Theme::Crop)
            {
                continue;
            }
            for (i, j) in rect.tiles() {
                self.themes[g.idx(i, j)] = Theme::Town(t as u32);
                self.tile_township[g.idx(i, j)] = t as u32;
            }
            let short = tw
                .name
                .trim_end_matches("街道")
                .trim_end_matches(['镇', '乡']);
            let u = self.units.len() as u32;
            self.units.push(Unit {
                code12: format!("{}001", tw.code9),
                name: format!("{short}社区"),
                township: t as u32,
            });
            tw.community = Some(u);
            town_rects.push((t as u32, rect));
        }
        town_rects
    }

    /// The county of each township when the window is divided into `n`:
    /// ⌈√n⌉ columns side by side, each cut into counties one above the
    /// other, all about equal in tiles and made of whole townships (by
    /// their tiles' mean position); then each county is made one piece
    /// where a township cut off from it can join a neighbour.
    fn divide_into_counties(&self, n: usize) -> Result<Vec<u32>, String> {
        let g = self.g;
        let nt = self.townships.len();
        let mut tiles = vec![0usize; nt];
        let mut sum = vec![(0.0f64, 0.0f64); nt];
        for j in 0..g.h {
            for i in 0..g.w {
                let t = self.tile_township[g.idx(i, j)] as usize;
                tiles[t] += 1;
                sum[t].0 += i as f64;
                sum[t].1 += j as f64;
            }
        }
        let present: Vec<usize> = (0..nt).filter(|&t| tiles[t] > 0).collect();
        if present.len() < n {
            return Err(format!(
                "each county needs a township of its own, and these parcels make {}; make more parcels",
                present.len()
            ));
        }
        let centre = |t: usize| (sum[t].0 / tiles[t] as f64, sum[t].1 / tiles[t] as f64);
        let cols = (n as f64).sqrt().ceil() as usize;
        let per_col: Vec<usize> = (0..cols)
            .map(|c| n / cols + usize::from(c < n % cols))
            .collect();
        let mut by_x = present.clone();
        by_x.sort_by(|&a, &b| centre(a).0.total_cmp(&centre(b).0).then(a.cmp(&b)));
        let mut county = vec![u32::MAX; nt];
        let mut k = 0;
        for (col, &m) in cut(&by_x, &tiles, &per_col).iter().zip(&per_col) {
            let mut by_y = col.clone();
            by_y.sort_by(|&a, &b| centre(a).1.total_cmp(&centre(b).1).then(a.cmp(&b)));
            for part in cut(&by_y, &tiles, &vec![1; m]) {
                for t in part {
                    county[t] = k;
                }
                k += 1;
            }
        }
        // townships without tiles (all taken by a neighbour's town) go
        // with the tile nearest their seed
        for t in 0..nt {
            if county[t] == u32::MAX {
                let (x, y) = self.townships[t].seed;
                let i = (x.max(0.0) as usize).min(g.w - 1);
                let j = (y.max(0.0) as usize).min(g.h - 1);
                county[t] = county[self.tile_township[g.idx(i, j)] as usize];
            }
        }
        self.join_counties(&mut county);
        Ok(county)
    }

    /// Moves the townships of each county's smaller pieces (4-connected
    /// tiles) that have no tile in its largest piece to the neighbouring
    /// county they share most border with, until every county is one piece
    /// or nothing more can move (a bounded number of rounds).
    fn join_counties(&self, county: &mut [u32]) {
        let g = self.g;
        let n = g.w * g.h;
        for _ in 0..32 {
            let of = |k: usize| county[self.tile_township[k] as usize];
            // pieces: label each tile, keep each piece's size and county
            let mut piece = vec![usize::MAX; n];
            let mut pieces: Vec<(u32, usize)> = Vec::new();
            let neighbours = |k: usize| {
                let (i, j) = (k % g.w, k / g.w);
                [
                    (i > 0).then(|| k - 1),
                    (i + 1 < g.w).then(|| k + 1),
                    (j > 0).then(|| k - g.w),
                    (j + 1 < g.h).then(|| k + g.w),
                ]
                .into_iter()
                .flatten()
            };
            for s in 0..n {
                if piece[s] != usize::MAX {
                    continue;
                }
                let id = pieces.len();
                let mut stack = vec![s];
                piece[s] = id;
                let mut size = 0;
                while let Some(k) = stack.pop() {
                    size += 1;
                    for m in neighbours(k) {
                        if piece[m] == usize::MAX && of(m) == of(s) {
                            piece[m] = id;
                            stack.push(m);
                        }
                    }
                }
                pieces.push((of(s), size));
            }
            let mut main: HashMap<u32, usize> = HashMap::new();
            for (id, &(c, size)) in pieces.iter().enumerate() {
                let best = main.entry(c).or_insert(id);
                if size > pieces[*best].1 {
                    *best = id;
                }
            }
            if main.len() == pieces.len() {
                return;
            }
            let mut anchored = vec![false; county.len()];
            for k in 0..n {
                if main[&of(k)] == piece[k] {
                    anchored[self.tile_township[k] as usize] = true;
                }
            }
            // per cut-off piece: its townships, and the border it shares
            // with each other county
            let mut moves: Vec<(Vec<u32>, u32)> = Vec::new();
            let mut members: HashMap<usize, (HashSet<u32>, HashMap<u32, usize>)> = HashMap::new();
            for k in 0..n {
                if main[&of(k)] == piece[k] {
                    continue;
                }
                let e = members.entry(piece[k]).or_default();
                e.0.insert(self.tile_township[k]);
                for m in neighbours(k) {
                    if of(m) != of(k) {
                        *e.1.entry(of(m)).or_default() += 1;
                    }
                }
            }
            let mut ids: Vec<usize> = members.keys().copied().collect();
            ids.sort();
            for id in ids {
                let (ts, border) = &members[&id];
                if ts.iter().any(|&t| anchored[t as usize]) {
                    continue;
                }
                let Some((&to, _)) = border
                    .iter()
                    .max_by_key(|&(&c, &len)| (len, std::cmp::Reverse(c)))
                else {
                    continue;
                };
                let mut ts: Vec<u32> = ts.iter().copied().collect();
                ts.sort();
                moves.push((ts, to));
            }
            if moves.is_empty() {
                return;
            }
            for (ts, to) in moves {
                for t in ts {
                    county[t as usize] = to;
                }
            }
        }
    }

    /// Number the townships under the codes of their counties (of `n`;
    /// Xiuzhou's real ones first in 330411, as in a district of one) and
    /// name them to match (a real name left outside 330411 gives way to an
    /// invented one); their villages' and communities' codes follow.
    fn label_counties(
        &mut self,
        n: usize,
        county: &[u32],
        names_taken: &mut HashSet<String>,
    ) -> Result<(), String> {
        self.counties = ZHEJIANG_COUNTIES[..n]
            .iter()
            .map(|&(code, name)| County { code, name })
            .collect();
        let mut rng = Rng::derive(self.seed, &[0xC0DE]);
        let mut slots = vec![0usize; n];
        for (t, tw) in self.townships.iter_mut().enumerate() {
            let c = county[t] as usize;
            let slot = slots[c];
            slots[c] += 1;
            if slot >= TOWNSHIPS_PER_COUNTY {
                return Err(format!(
                    "{} has more than {TOWNSHIPS_PER_COUNTY} townships, more than its three-digit codes number; make more counties or fewer parcels",
                    ZHEJIANG_COUNTIES[c].1
                ));
            }
            let (code3, real) = township_code(usize::from(c != 0), slot);
            let street = code3.starts_with('0');
            let name = match real {
                Some(name) => name.to_string(),
                None => {
                    let was_real = XIUZHOU_TOWNSHIPS.iter().any(|r| r.1 == tw.name);
                    let base = if was_real {
                        place_name(&mut rng, names_taken)
                    } else {
                        tw.name
                            .trim_end_matches("街道")
                            .trim_end_matches(['镇', '乡'])
                            .to_string()
                    };
                    let suffix = match code3.as_bytes()[0] {
                        b'0' => "街道",
                        b'1' => "镇",
                        _ => "乡",
                    };
                    format!("{base}{suffix}")
                }
            };
            tw.code9 = format!("{}{code3}", ZHEJIANG_COUNTIES[c].0);
            tw.name = name;
            tw.street = street;
            tw.county = c as u32;
            if let Some(u) = tw.community {
                let short = tw
                    .name
                    .trim_end_matches("街道")
                    .trim_end_matches(['镇', '乡']);
                let unit = &mut self.units[u as usize];
                unit.code12 = format!("{}001", tw.code9);
                unit.name = format!("{short}社区");
            }
        }
        for u in self.units.iter_mut() {
            u.code12 = format!(
                "{}{}",
                self.townships[u.township as usize].code9,
                &u.code12[9..]
            );
        }
        Ok(())
    }

    /// Plant, on each border between two counties, one pair of small
    /// village plots (CrossCounty) facing each other across a 5 or 7 m
    /// strip of the border, on tiles that are open land or settlements; an
    /// open tile becomes a settlement of its village. Errs when no border
    /// has such a place.
    fn plan_cross_county(&mut self) -> Result<(), String> {
        let g = self.g;
        let mut rng = Rng::derive(self.seed, &[0xB0DE]);
        let county_of = |k: usize| self.townships[self.tile_township[k] as usize].county;
        let fits = |k: usize| {
            matches!(self.themes[k], Theme::Settlement(_)) || theme_is_open(self.themes[k])
        };
        // places on each border (by its two counties): tiles a, b and
        // whether b is east of a
        type Place = (TileIj, TileIj, bool);
        let mut places: std::collections::BTreeMap<(u32, u32), Vec<Place>> = Default::default();
        for j in 0..g.h {
            for i in 0..g.w {
                let nbs = [
                    (i + 1 < g.w && self.lat.x.strip[i] <= 7.0).then(|| ((i + 1, j), true)),
                    (j + 1 < g.h && self.lat.y.strip[j] <= 7.0).then(|| ((i, j + 1), false)),
                ];
                for (b, east) in nbs.into_iter().flatten() {
                    let (ka, kb) = (g.idx(i, j), g.idx(b.0, b.1));
                    let (ca, cb) = (county_of(ka), county_of(kb));
                    if ca != cb && fits(ka) && fits(kb) {
                        places
                            .entry((ca.min(cb), ca.max(cb)))
                            .or_default()
                            .push(((i, j), b, east));
                    }
                }
            }
        }
        let cell_mu = |t: TileIj| self.lat.x.cell[t.0] * self.lat.y.cell[t.1] / MU;
        let mut pair = 0u32;
        for options in places.values() {
            let free: Vec<&Place> = options
                .iter()
                .filter(|(a, b, _)| {
                    self.plans[g.idx(a.0, a.1)].g5.is_none()
                        && self.plans[g.idx(b.0, b.1)].g5.is_none()
                })
                .collect();
            if free.is_empty() {
                continue;
            }
            let &&(a, b, east) = rng.pick(&free);
            // one or two cells each, under 4.1 mu together
            let (ma, mb) = (cell_mu(a), cell_mu(b));
            let (mut la, mut lb) = (rng.int(1, 2), rng.int(1, 2));
            while la as f64 * ma + lb as f64 * mb > SMALL_MU {
                if la >= lb {
                    la -= 1;
                } else {
                    lb -= 1;
                }
            }
            let offset = rng.int(1, CELLS - 1 - la.max(lb));
            let (sa, sb) = if east { (1u8, 0u8) } else { (3u8, 2u8) };
            for (t, side, len) in [(a, sa, la), (b, sb, lb)] {
                let k = g.idx(t.0, t.1);
                if !matches!(self.themes[k], Theme::Settlement(_)) {
                    self.themes[k] = Theme::Settlement(self.settlements.len() as u32);
                    self.settlements.push(Settlement {
                        village: self.tile_village[k],
                        rect: TileRect {
                            i0: t.0,
                            j0: t.1,
                            i1: t.0,
                            j1: t.1,
                        },
                    });
                }
                self.plans[k].g5 = Some(G5Half {
                    pair,
                    side,
                    offset,
                    len,
                    depth: 1,
                    kind: Kind::CrossCounty,
                });
            }
            pair += 1;
        }
        if pair == 0 {
            return Err(
                "no county border has a village road for a cross-border block; make more parcels"
                    .into(),
            );
        }
        Ok(())
    }

    /// Give most towns (always the one on the centre tile) an industrial
    /// zone beside them.
    fn place_zones(&mut self, towns: &[(u32, TileRect)]) {
        let g = self.g;
        for &(t, town) in towns {
            let central = town.contains(g.w / 2, g.h / 2);
            if !central && !self.rng.chance(0.8) {
                continue;
            }
            let Some(rect) = self.zone_site(town, central) else {
                continue;
            };
            let z = self.zones.len() as u32;
            for (i, j) in rect.tiles() {
                self.themes[g.idx(i, j)] = Theme::Zone(z);
            }
            self.zones.push(Zone {
                township: t,
                rect,
                czcs: if self.townships[t as usize].street {
                    Czcs::C201
                } else {
                    Czcs::C202
                },
                extension: None,
            });
        }
    }

    /// Free cropland tiles next to `town` for its zone: 2–3 × 2–3 tiles,
    /// else smaller (down to one tile for the central town, which always
    /// gets a zone).
    fn zone_site(&mut self, town: TileRect, central: bool) -> Option<TileRect> {
        let g = self.g;
        let rng = &mut self.rng;
        let first = (rng.int(2, 3), rng.int(2, 3));
        let sizes: &[(usize, usize)] = if central {
            &[first, (2, 2), (2, 1), (1, 2), (1, 1)]
        } else {
            &[first, (2, 2)]
        };
        for &(zw, zh) in sizes {
            let mut sides = [0u8, 1, 2, 3];
            rng.shuffle(&mut sides);
            for &side in &sides {
                for _ in 0..6 {
                    let (i0, j0) = match side {
                        0 => (
                            town.i0 as i64 - zw as i64,
                            town.j0 as i64 - rng.int(0, zh - 1) as i64,
                        ),
                        1 => (
                            town.i1 as i64 + 1,
                            town.j0 as i64 - rng.int(0, zh - 1) as i64,
                        ),
                        2 => (
                            town.i0 as i64 - rng.int(0, zw - 1) as i64,
                            town.j0 as i64 - zh as i64,
                        ),
                        _ => (
                            town.i0 as i64 - rng.int(0, zw - 1) as i64,
                            town.j1 as i64 + 1,
                        ),
                    };
                    if i0 < 0 || j0 < 0 {
                        continue;
                    }
                    let (i0, j0) = (i0 as usize, j0 as usize);
                    let (i1, j1) = (i0 + zw - 1, j0 + zh - 1);
                    if i1 >= g.w || j1 >= g.h {
                        continue;
                    }
                    let r = TileRect { i0, j0, i1, j1 };
                    if r.tiles()
                        .all(|(i, j)| self.themes[g.idx(i, j)] == Theme::Crop)
                    {
                        return Some(r);
                    }
                }
            }
        }
        None
    }

    /// Lay out each village's free tiles: settlements, sometimes an
    /// industrial park, and open land on the rest.
    fn place_village_land(&mut self) {
        let g = self.g;
        let mut village_tiles: Vec<Vec<TileIj>> = vec![Vec::new(); self.villages.len()];
        for j in 0..g.h {
            for i in 0..g.w {
                village_tiles[self.tile_village[g.idx(i, j)] as usize].push((i, j));
            }
        }
        for (v, tiles) in village_tiles.iter().enumerate() {
            let free: Vec<TileIj> = tiles
                .iter()
                .copied()
                .filter(|&(i, j)| self.themes[g.idx(i, j)] == Theme::Crop)
                .collect();
            if free.is_empty() {
                continue;
            }
            self.place_settlements(v as u32, &free);
            if self.rng.chance(0.25) {
                self.place_park(v as u32, &free);
            }
            self.place_open_land(&free);
        }
    }

    /// Place one settlement on village `v`'s `free` tiles (sometimes two
    /// when it has six or more), stopping at the first that does not fit.
    fn place_settlements(&mut self, v: u32, free: &[TileIj]) {
        const SHAPES: [((usize, usize), f64); 4] =
            [((1, 1), 0.45), ((2, 1), 0.25), ((1, 2), 0.2), ((2, 2), 0.1)];
        let n_sett = if free.len() >= 6 {
            1 + self.rng.chance(0.5) as usize
        } else {
            1
        };
        for _ in 0..n_sett {
            let wts: Vec<f64> = SHAPES.iter().map(|s| s.1).collect();
            let shape = SHAPES[self.rng.weighted(&wts)].0;
            let Some(r) = self.settlement_site(v, free, shape) else {
                break;
            };
            let s = self.settlements.len() as u32;
            for (i, j) in r.tiles() {
                self.themes[self.g.idx(i, j)] = Theme::Settlement(s);
            }
            self.settlements.push(Settlement {
                village: v,
                rect: r,
            });
        }
    }

    /// Free tiles of village `v` for a settlement of `shape` tiles, starting
    /// at one of `free`; after 16 failed tries, a single tile.
    fn settlement_site(
        &mut self,
        v: u32,
        free: &[TileIj],
        shape: (usize, usize),
    ) -> Option<TileRect> {
        let g = self.g;
        for attempt in 0..24 {
            let (sw, sh) = if attempt >= 16 { (1, 1) } else { shape };
            let &(i0, j0) = self.rng.pick(free);
            let r = TileRect {
                i0,
                j0,
                i1: i0 + sw - 1,
                j1: j0 + sh - 1,
            };
            if r.i1 >= g.w || r.j1 >= g.h {
                continue;
            }
            if r.tiles().all(|(i, j)| {
                self.themes[g.idx(i, j)] == Theme::Crop && self.tile_village[g.idx(i, j)] == v
            }) {
                return Some(r);
            }
        }
        None
    }

    /// Put a village industrial park for village `v` on one of its `free`
    /// tiles still cropland.
    fn place_park(&mut self, v: u32, free: &[TileIj]) {
        let g = self.g;
        // not next to a zone, so that zone and park stay apart
        let near_zone = |i: usize, j: usize| {
            (i.saturating_sub(1)..=(i + 1).min(g.w - 1)).any(|a| {
                (j.saturating_sub(1)..=(j + 1).min(g.h - 1))
                    .any(|b| matches!(self.themes[g.idx(a, b)], Theme::Zone(_)))
            })
        };
        let left: Vec<TileIj> = free
            .iter()
            .copied()
            .filter(|&(i, j)| self.themes[g.idx(i, j)] == Theme::Crop && !near_zone(i, j))
            .collect();
        if left.is_empty() {
            return;
        }
        let &(i, j) = self.rng.pick(&left);
        let p = self.parks.len() as u32;
        self.themes[g.idx(i, j)] = Theme::Park(p);
        self.parks.push(Park {
            village: v,
            tile: (i, j),
            planned: self.rng.chance(0.5),
        });
    }

    /// Turn the `free` tiles still unused into open land: mostly cropland,
    /// some forest, orchard and water.
    fn place_open_land(&mut self, free: &[TileIj]) {
        for &(i, j) in free {
            let k = self.g.idx(i, j);
            if self.themes[k] == Theme::Crop {
                self.themes[k] = match self.rng.weighted(&[0.80, 0.06, 0.05, 0.09]) {
                    0 => Theme::Crop,
                    1 => Theme::Forest,
                    2 => Theme::Orchard,
                    _ => Theme::Water,
                };
            }
        }
    }

    /// Make sure some settlement spans a 5 m strip (for the narrow-road
    /// pair), by growing or adding one across such a strip if needed.
    fn ensure_narrow_road_settlement(&mut self) {
        let lat = &self.lat;
        let spans_5m = |s: &Settlement| {
            (s.rect.i0..s.rect.i1).any(|i| lat.x.strip[i] == 5.0)
                || (s.rect.j0..s.rect.j1).any(|j| lat.y.strip[j] == 5.0)
        };
        if self.settlements.iter().any(spans_5m) {
            return;
        }
        let Some((a, b)) = self.narrow_road_tiles() else {
            return;
        };
        let g = self.g;
        let r = TileRect {
            i0: a.0,
            j0: a.1,
            i1: b.0,
            j1: b.1,
        };
        let existing = [a, b]
            .iter()
            .find_map(|&(i, j)| match self.themes[g.idx(i, j)] {
                Theme::Settlement(s) => Some(s),
                _ => None,
            });
        let s = match existing {
            Some(s) => {
                self.settlements[s as usize].rect = r;
                s
            }
            None => {
                self.settlements.push(Settlement {
                    village: self.tile_village[g.idx(a.0, a.1)],
                    rect: r,
                });
                self.settlements.len() as u32 - 1
            }
        };
        for (x, y) in r.tiles() {
            self.themes[g.idx(x, y)] = Theme::Settlement(s);
        }
    }

    /// Two tiles across a 5 m strip, each open land or a single-tile
    /// settlement (not both settlements): first of one village, then of any.
    fn narrow_road_tiles(&self) -> Option<(TileIj, TileIj)> {
        let g = self.g;
        let lat = &self.lat;
        let single = |t: Theme| match t {
            Theme::Settlement(s) => {
                let r = self.settlements[s as usize].rect;
                r.i0 == r.i1 && r.j0 == r.j1
            }
            t => theme_is_open(t),
        };
        for same_village in [true, false] {
            for j in 0..g.h {
                for i in 0..g.w {
                    let a = (i, j);
                    let nbs = [
                        (i + 1 < g.w && lat.x.strip[i] == 5.0).then(|| (i + 1, j)),
                        (j + 1 < g.h && lat.y.strip[j] == 5.0).then(|| (i, j + 1)),
                    ];
                    for b in nbs.into_iter().flatten() {
                        let (ka, kb) = (g.idx(a.0, a.1), g.idx(b.0, b.1));
                        let (ta, tb) = (self.themes[ka], self.themes[kb]);
                        let both_settled = matches!(ta, Theme::Settlement(_))
                            && matches!(tb, Theme::Settlement(_));
                        if single(ta)
                            && single(tb)
                            && !both_settled
                            && (!same_village || self.tile_village[ka] == self.tile_village[kb])
                        {
                            return Some((a, b));
                        }
                    }
                }
            }
        }
        None
    }

    /// Plan, for some zones, an extension over a free row or column of
    /// cropland tiles beside it (in plan.geojson only).
    fn plan_zone_extensions(&mut self) {
        let g = self.g;
        for z in self.zones.iter_mut() {
            if !self.rng.chance(0.4) {
                continue;
            }
            let r = z.rect;
            let cands = [
                (r.j1 + 1 < g.h).then(|| TileRect {
                    i0: r.i0,
                    j0: r.j1 + 1,
                    i1: r.i1,
                    j1: r.j1 + 1,
                }),
                (r.j0 > 0).then(|| TileRect {
                    i0: r.i0,
                    j0: r.j0 - 1,
                    i1: r.i1,
                    j1: r.j0 - 1,
                }),
                (r.i1 + 1 < g.w).then(|| TileRect {
                    i0: r.i1 + 1,
                    j0: r.j0,
                    i1: r.i1 + 1,
                    j1: r.j1,
                }),
                (r.i0 > 0).then(|| TileRect {
                    i0: r.i0 - 1,
                    j0: r.j0,
                    i1: r.i0 - 1,
                    j1: r.j1,
                }),
            ];
            for c in cands.into_iter().flatten() {
                if c.tiles()
                    .all(|(i, j)| self.themes[g.idx(i, j)] == Theme::Crop)
                {
                    z.extension = Some(c);
                    break;
                }
            }
        }
    }

    /// Plan each settlement's scenarios: narrow-road pairs across its
    /// inner 5 m strips, then the kinds stamped on its tiles.
    fn plan_settlements(&mut self) {
        let mut g5_pairs = 0u32;
        let mut planned = [0usize; 3]; // Chain, CropCluster, GapFar
        for s in 0..self.settlements.len() {
            let r = self.settlements[s].rect;
            self.plan_narrow_road_pairs(r, &mut g5_pairs);
            self.plan_stamps(s == 0, r, &mut planned);
        }
    }

    /// Plan GapNear pairs, one half on each side of a 5 m strip inside
    /// settlement `r` (the district's first always, later ones at 75 %);
    /// `pairs` counts them.
    fn plan_narrow_road_pairs(&mut self, r: TileRect, pairs: &mut u32) {
        let g = self.g;
        type Edge = (TileIj, TileIj, bool);
        let mut edges: Vec<Edge> = Vec::new();
        for (i, j) in r.tiles() {
            if i < r.i1 && self.lat.x.strip[i] == 5.0 {
                edges.push(((i, j), (i + 1, j), true));
            }
            if j < r.j1 && self.lat.y.strip[j] == 5.0 {
                edges.push(((i, j), (i, j + 1), false));
            }
        }
        let cell_mu = |t: TileIj| self.lat.x.cell[t.0] * self.lat.y.cell[t.1] / MU;
        for (a, b, horizontal) in edges {
            let (ka, kb) = (g.idx(a.0, a.1), g.idx(b.0, b.1));
            if self.plans[ka].g5.is_some() || self.plans[kb].g5.is_some() {
                continue;
            }
            if *pairs > 0 && !self.rng.chance(0.75) {
                continue;
            }
            let pair = *pairs;
            *pairs += 1;
            let (la, da) = g5_half_shape(&mut self.rng, cell_mu(a));
            let (lb, db) = g5_half_shape(&mut self.rng, cell_mu(b));
            let maxlen = la.max(lb);
            let offset = self.rng.int(1, CELLS - 1 - maxlen);
            let (sa, sb) = if horizontal { (1u8, 0u8) } else { (3u8, 2u8) };
            self.plans[ka].g5 = Some(G5Half {
                pair,
                side: sa,
                offset,
                len: la,
                depth: da,
                kind: Kind::GapNear,
            });
            self.plans[kb].g5 = Some(G5Half {
                pair,
                side: sb,
                offset,
                len: lb,
                depth: db,
                kind: Kind::GapNear,
            });
        }
    }

    /// Choose the kinds to stamp on each tile of settlement `r`: Chain,
    /// CropCluster and GapFar on some (each at least once in the district,
    /// all on the `first` settlement's first tile), and one or two
    /// Scattered on every tile; `planned` counts the first three.
    fn plan_stamps(&mut self, first: bool, r: TileRect, planned: &mut [usize; 3]) {
        let g = self.g;
        let rng = &mut self.rng;
        for (n, (i, j)) in r.tiles().enumerate() {
            let p = &mut self.plans[g.idx(i, j)];
            let force = first && n == 0;
            if force || planned[0] == 0 || rng.chance(0.4) {
                p.stamps.push(Kind::Chain);
                planned[0] += 1;
            }
            if force || planned[1] == 0 || rng.chance(0.4) {
                p.stamps.push(Kind::CropCluster);
                planned[1] += 1;
            }
            if force || planned[2] == 0 || rng.chance(0.35) {
                p.stamps.push(Kind::GapFar);
                planned[2] += 1;
            }
            p.stamps.push(Kind::Scattered);
            if rng.chance(0.5) {
                p.stamps.push(Kind::Scattered);
            }
        }
    }

    /// Plan one or two Touching plots on outer sides of each zone.
    fn plan_touching(&mut self) {
        let g = self.g;
        for (z, zone) in self.zones.iter().enumerate() {
            let mut cands: Vec<(TileIj, u8)> = Vec::new();
            for (i, j) in zone.rect.tiles() {
                let nb = [
                    (i > 0).then(|| (i - 1, j)),
                    (i + 1 < g.w).then(|| (i + 1, j)),
                    (j > 0).then(|| (i, j - 1)),
                    (j + 1 < g.h).then(|| (i, j + 1)),
                ];
                for (side, n) in nb.iter().enumerate() {
                    if let Some((a, b)) = n {
                        if self.themes[g.idx(*a, *b)] != Theme::Zone(z as u32) {
                            cands.push(((i, j), side as u8));
                        }
                    }
                }
            }
            self.rng.shuffle(&mut cands);
            let n = self.rng.int(1, 2).min(cands.len());
            for &((i, j), side) in &cands[..n] {
                self.plans[g.idx(i, j)].touching.push(side);
            }
        }
    }

    /// Plan one clay pit per township, on one of its cropland or forest tiles.
    fn plan_quarries(&mut self) {
        let g = self.g;
        let mut per_township: Vec<Vec<TileIj>> = vec![Vec::new(); self.townships.len()];
        for j in 0..g.h {
            for i in 0..g.w {
                if matches!(self.themes[g.idx(i, j)], Theme::Crop | Theme::Forest) {
                    per_township[self.tile_township[g.idx(i, j)] as usize].push((i, j));
                }
            }
        }
        for tiles in &per_township {
            if !tiles.is_empty() {
                let &(i, j) = self.rng.pick(tiles);
                self.plans[g.idx(i, j)].quarry = true;
                self.quarries += 1;
            }
        }
    }

    /// What the tile and strip fillers read of the layout.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            seed: self.seed,
            lat: &self.lat,
            w: self.g.w,
            themes: &self.themes,
            tile_village: &self.tile_village,
            villages: &self.villages,
            townships: &self.townships,
            zones: &self.zones,
        }
    }

    /// Cut every tile into blocks by its plan (in parallel; each tile has
    /// its own generator), then place kinds that fitted nowhere.
    fn fill_tiles(&self) -> Vec<TileOut> {
        let ctx = self.ctx();
        let w = self.g.w;
        let mut outs: Vec<TileOut> = (0..self.plans.len())
            .into_par_iter()
            .map(|k| ctx.fill_tile(k % w, k / w, &self.plans[k]))
            .collect();
        // A kind that failed to fit everywhere is tried first in one
        // settlement tile after another until it fits.
        for kind in [
            Kind::Chain,
            Kind::CropCluster,
            Kind::GapFar,
            Kind::Scattered,
        ] {
            if outs.iter().any(|o| o.groups.iter().any(|g| g.kind == kind)) {
                continue;
            }
            for (k, theme) in self.themes.iter().enumerate() {
                if !matches!(theme, Theme::Settlement(_)) {
                    continue;
                }
                let mut p = self.plans[k].clone();
                p.priority = Some(kind);
                p.retry = 1;
                let out = ctx.fill_tile(k % w, k / w, &p);
                if out.groups.iter().any(|g| g.kind == kind) {
                    outs[k] = out;
                    break;
                }
            }
        }
        outs
    }

    /// The finished layout, with all blocks in one list: tile by tile,
    /// row-major, each tile's strips after it.
    fn finish(self, tiles: Vec<TileOut>, strips: Vec<(usize, Block)>) -> Layout {
        let mut strips_of: Vec<Vec<Block>> = vec![Vec::new(); tiles.len()];
        for (t, b) in strips {
            strips_of[t].push(b);
        }
        let mut blocks: Vec<Block> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        for (out, mut tile_strips) in tiles.into_iter().zip(strips_of) {
            // The tile's group and block numbers become global ones.
            let base = blocks.len() as u32;
            let gbase = groups.len() as u32;
            for mut b in out.blocks {
                b.role = match b.role {
                    Role::Plot(g) => Role::Plot(g + gbase),
                    Role::CropPlot(g) => Role::CropPlot(g + gbase),
                    r => r,
                };
                blocks.push(b);
            }
            for mut g in out.groups {
                for p in g.plots.iter_mut().chain(g.crops.iter_mut()) {
                    *p += base;
                }
                groups.push(g);
            }
            blocks.append(&mut tile_strips);
        }
        Layout {
            lat: self.lat,
            tiles_x: self.g.w,
            tiles_y: self.g.h,
            themes: self.themes,
            tile_village: self.tile_village,
            townships: self.townships,
            counties: self.counties,
            units: self.units,
            villages: self.villages,
            settlements: self.settlements,
            zones: self.zones,
            parks: self.parks,
            blocks,
            groups,
            quarries: self.quarries,
        }
    }
}

/// Shape (length × depth in cells) of one GapNear half: n cells of
/// `cell_mu` mu with n·cell_mu in [2.9, 4.1] mu.
fn g5_half_shape(rng: &mut Rng, cell_mu: f64) -> (usize, usize) {
    let lo = (2.9 / cell_mu).ceil() as usize;
    let hi = ((SMALL_MU / cell_mu).floor() as usize).max(lo);
    let n = rng.int(lo, hi);
    match n {
        1..=3 => (n, 1),
        4 => (2, 2),
        5 => (5, 1),
        6 => (3, 2),
        _ => (n.div_ceil(2), 2),
    }
}

struct TileOut {
    blocks: Vec<Block>,
    groups: Vec<Group>,
}

struct Ctx<'a> {
    seed: u64,
    lat: &'a Lattice,
    w: usize,
    themes: &'a [Theme],
    tile_village: &'a [u32],
    villages: &'a [Village],
    townships: &'a [Township],
    zones: &'a [Zone],
}

/// Work area of one tile: 12 × 12 cells, each free or taken.
struct TileWork<'a> {
    ctx: &'a Ctx<'a>,
    i: usize,
    j: usize,
    taken: [bool; CELLS * CELLS],
    industrial: [bool; CELLS * CELLS],
    blocks: Vec<Block>,
    groups: Vec<Group>,
    unit: u32,
}

#[derive(Clone, Copy)]
struct Rect {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

impl<'a> TileWork<'a> {
    fn cell_mu(&self) -> f64 {
        self.ctx.lat.x.cell[self.i] * self.ctx.lat.y.cell[self.j] / MU
    }
    fn free(&self, x: usize, y: usize) -> bool {
        !self.taken[y * CELLS + x]
    }
    fn rect_free(&self, r: Rect) -> bool {
        (r.y..r.y + r.h).all(|y| (r.x..r.x + r.w).all(|x| self.free(x, y)))
    }
    /// No industrial cell in the rectangle grown by one cell.
    fn ring_clear(&self, r: Rect) -> bool {
        let x0 = r.x.saturating_sub(1);
        let y0 = r.y.saturating_sub(1);
        let x1 = (r.x + r.w + 1).min(CELLS);
        let y1 = (r.y + r.h + 1).min(CELLS);
        (y0..y1).all(|y| (x0..x1).all(|x| !self.industrial[y * CELLS + x]))
    }
    fn add(
        &mut self,
        r: Rect,
        dlbm: &'static str,
        czcs: Czcs,
        qsxz: &'static str,
        role: Role,
    ) -> u32 {
        for y in r.y..r.y + r.h {
            for x in r.x..r.x + r.w {
                debug_assert!(self.free(x, y));
                self.taken[y * CELLS + x] = true;
                if dlbm == "0601" {
                    self.industrial[y * CELLS + x] = true;
                }
            }
        }
        let gx = self.i * STEP + r.x;
        let gy = self.j * STEP + r.y;
        self.blocks.push(Block {
            c0: gx as u32,
            r0: gy as u32,
            c1: (gx + r.w) as u32,
            r1: (gy + r.h) as u32,
            dlbm,
            czcs,
            qsxz,
            unit: self.unit,
            role,
        });
        (self.blocks.len() - 1) as u32
    }

    /// Greedy rectangle fill of every free cell. `size` gives a target
    /// (w, h); `assign` the land use of a block of the size obtained.
    fn fill(
        &mut self,
        rng: &mut Rng,
        max_mu: f64,
        mut size: impl FnMut(&mut Rng) -> (usize, usize),
        mut assign: impl FnMut(&mut Rng, usize) -> (&'static str, Czcs, &'static str, Role),
    ) {
        let cell_mu = self.cell_mu();
        for y in 0..CELLS {
            for x in 0..CELLS {
                if !self.free(x, y) {
                    continue;
                }
                let (mut tw, mut th) = size(rng);
                while (tw * th) as f64 * cell_mu > max_mu && tw * th > 1 {
                    if tw >= th {
                        tw -= 1;
                    } else {
                        th -= 1;
                    }
                }
                let mut w = 1;
                while w < tw && x + w < CELLS && self.free(x + w, y) {
                    w += 1;
                }
                let mut h = 1;
                'grow: while h < th && y + h < CELLS {
                    for xx in x..x + w {
                        if !self.free(xx, y + h) {
                            break 'grow;
                        }
                    }
                    h += 1;
                }
                let (dlbm, czcs, qsxz, role) = assign(rng, w * h);
                self.add(Rect { x, y, w, h }, dlbm, czcs, qsxz, role);
            }
        }
    }

    /// Try to find a free spot for a w × h rectangle keeping one cell from
    /// the tile edges and from other industrial cells.
    fn spot(&self, rng: &mut Rng, w: usize, h: usize) -> Option<Rect> {
        if w > CELLS - 2 || h > CELLS - 2 {
            return None;
        }
        for _ in 0..40 {
            let r = Rect {
                x: rng.int(1, CELLS - 1 - w),
                y: rng.int(1, CELLS - 1 - h),
                w,
                h,
            };
            if self.rect_free(r) && self.ring_clear(r) {
                return Some(r);
            }
        }
        // every position, from a random start
        let (nx, ny) = (CELLS - 1 - w, CELLS - 1 - h);
        let start = rng.below(nx * ny);
        (0..nx * ny)
            .map(|k| (start + k) % (nx * ny))
            .map(|k| Rect {
                x: 1 + k % nx,
                y: 1 + k / nx,
                w,
                h,
            })
            .find(|&r| self.rect_free(r) && self.ring_clear(r))
    }

    /// Are the tile's 0601 cells one 8-connected piece?
    fn industrial_connected(&self) -> bool {
        let mut ind = [false; CELLS * CELLS];
        let (gx, gy) = ((self.i * STEP) as u32, (self.j * STEP) as u32);
        for b in self.blocks.iter().filter(|b| b.dlbm == "0601") {
            for y in b.r0 - gy..b.r1 - gy {
                for x in b.c0 - gx..b.c1 - gx {
                    ind[(y as usize) * CELLS + x as usize] = true;
                }
            }
        }
        let Some(start) = ind.iter().position(|&v| v) else {
            return true;
        };
        let mut seen = [false; CELLS * CELLS];
        let mut stack = vec![start];
        seen[start] = true;
        let mut n = 0;
        while let Some(c) = stack.pop() {
            n += 1;
            let (x, y) = ((c % CELLS) as i64, (c / CELLS) as i64);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (a, b) = (x + dx, y + dy);
                    if a < 0 || b < 0 || a >= CELLS as i64 || b >= CELLS as i64 {
                        continue;
                    }
                    let k = b as usize * CELLS + a as usize;
                    if ind[k] && !seen[k] {
                        seen[k] = true;
                        stack.push(k);
                    }
                }
            }
        }
        n == ind.iter().filter(|&&v| v).count()
    }

    fn village_plot(&mut self, r: Rect, group: u32) -> u32 {
        self.add(r, "0601", Czcs::C203, "30", Role::Plot(group))
    }

    /// Cut a line of `segs` (lengths along the line) of depth `d` starting
    /// at `r` into sub-rectangles.
    fn segments(r: Rect, horizontal: bool, segs: &[usize]) -> Vec<Rect> {
        let mut out = Vec::new();
        let mut at = 0;
        for &s in segs {
            out.push(if horizontal {
                Rect {
                    x: r.x + at,
                    y: r.y,
                    w: s,
                    h: r.h,
                }
            } else {
                Rect {
                    x: r.x,
                    y: r.y + at,
                    w: r.w,
                    h: s,
                }
            });
            at += s;
        }
        out
    }

    /// Split `len` into `k` positive parts of at most `max` each.
    fn parts(rng: &mut Rng, len: usize, k: usize, max: usize) -> Vec<usize> {
        let k = k.clamp(len.div_ceil(max), len);
        let mut v = vec![1; k];
        let mut left = len - k;
        while left > 0 {
            let i = rng.below(k);
            if v[i] < max {
                v[i] += 1;
                left -= 1;
            }
        }
        v
    }

    fn new_group(&mut self, kind: Kind, pair: u32) -> u32 {
        self.groups.push(Group {
            kind,
            plots: Vec::new(),
            crops: Vec::new(),
            pair,
        });
        (self.groups.len() - 1) as u32
    }

    /// A line-shaped stamp of `n` cells (depth 1 or 2) split into
    /// `plots.0..=plots.1` plots of at most `max_plot_cells`, after
    /// cropland segments `crop_segs`.
    fn place_line(
        &mut self,
        rng: &mut Rng,
        kind: Kind,
        n: usize,
        plots: (usize, usize),
        max_plot_cells: usize,
        crop_segs: &[usize],
    ) -> bool {
        let (min_plots, max_plots) = plots;
        let crop_len: usize = crop_segs.iter().sum();
        let first = if n.is_multiple_of(2) && rng.chance(0.4) {
            2
        } else {
            1
        };
        for attempt in 0..6u32 {
            let depth = if attempt.is_multiple_of(2) || !n.is_multiple_of(2) {
                first
            } else {
                3 - first
            };
            let len = n / depth;
            let total = len + crop_len;
            let horizontal = rng.chance(0.5);
            let (w, h) = if horizontal {
                (total, depth)
            } else {
                (depth, total)
            };
            let Some(r) = self.spot(rng, w, h) else {
                continue;
            };
            let per = (max_plot_cells / depth).max(1);
            let k = rng.int(min_plots, max_plots);
            let mut segs: Vec<usize> = crop_segs.to_vec();
            let ind = Self::parts(rng, len, k, per);
            segs.extend(&ind);
            let rects = Self::segments(r, horizontal, &segs);
            let g = self.new_group(kind, u32::MAX);
            for (s, rr) in rects.into_iter().enumerate() {
                if s < crop_segs.len() {
                    let dlbm = if rng.chance(0.6) { "0101" } else { "0103" };
                    let b = self.add(rr, dlbm, Czcs::C203A, "30", Role::CropPlot(g));
                    self.groups[g as usize].crops.push(b);
                } else {
                    let b = self.village_plot(rr, g);
                    self.groups[g as usize].plots.push(b);
                }
            }
            return true;
        }
        false
    }

    fn settlement(&mut self, rng: &mut Rng, plan: &TilePlan) {
        let a = self.cell_mu();
        let small_max = ((SMALL_MU / a).floor() as usize).max(1);
        let plot_max = small_max.min(3);
        let large_min = (LARGE_MU / a).ceil() as usize;
        // 1. the narrow-road half, on the tile edge
        if let Some(g5) = plan.g5 {
            let r = match g5.side {
                0 => Rect {
                    x: 0,
                    y: g5.offset,
                    w: g5.depth,
                    h: g5.len,
                },
                1 => Rect {
                    x: CELLS - g5.depth,
                    y: g5.offset,
                    w: g5.depth,
                    h: g5.len,
                },
                2 => Rect {
                    x: g5.offset,
                    y: 0,
                    w: g5.len,
                    h: g5.depth,
                },
                _ => Rect {
                    x: g5.offset,
                    y: CELLS - g5.depth,
                    w: g5.len,
                    h: g5.depth,
                },
            };
            let g = self.new_group(g5.kind, g5.pair);
            let b = self.village_plot(r, g);
            self.groups[g as usize].plots.push(b);
        }
        // 2. the other stamps, largest first
        let mut stamps = plan.stamps.clone();
        stamps.sort();
        stamps.reverse();
        if let Some(k) = plan.priority {
            stamps.insert(0, k);
        }
        for kind in stamps {
            match kind {
                Kind::Chain => {
                    let n = large_min + rng.int(0, 2);
                    let n = n.min(10);
                    let k_min = 3.max(n.div_ceil(plot_max));
                    self.place_line(rng, kind, n, (k_min, 6.max(k_min)), plot_max, &[]);
                }
                Kind::CropCluster => {
                    let large = rng.chance(0.5);
                    let n = if large {
                        // up to 10 cells: in two rows when longer than 8
                        let n = large_min + rng.int(0, 1);
                        if n > 8 {
                            n.next_multiple_of(2).min(12)
                        } else {
                            n
                        }
                    } else {
                        rng.int(2.min(small_max), small_max.min(5))
                    };
                    let crop: Vec<usize> = if rng.chance(0.6) { vec![1] } else { vec![1, 1] };
                    let k_min = 2.max(n.div_ceil(plot_max)).min(n);
                    self.place_line(rng, kind, n, (k_min, 5.max(k_min)), plot_max, &crop);
                }
                Kind::GapFar => {
                    let lo = ((2.9 / a).ceil() as usize).max(1);
                    let hi = small_max.max(lo);
                    let evens: Vec<usize> = (lo..=hi).filter(|n| n % 2 == 0).collect();
                    // both plots of depth d side by side, one cell apart
                    let d = if !evens.is_empty() && (2 * hi + 1 > CELLS - 2 || rng.chance(0.4)) {
                        2
                    } else {
                        1
                    };
                    let (n1, n2) = if d == 2 {
                        (*rng.pick(&evens), *rng.pick(&evens))
                    } else {
                        (rng.int(lo, hi), rng.int(lo, hi))
                    };
                    let (l1, l2) = (n1 / d, n2 / d);
                    let horizontal = rng.chance(0.5);
                    let total = l1 + 1 + l2;
                    let (w, h) = if horizontal { (total, d) } else { (d, total) };
                    if let Some(r) = self.spot(rng, w, h) {
                        let rects = Self::segments(r, horizontal, &[l1, 1, l2]);
                        let n_before = self
                            .groups
                            .iter()
                            .filter(|g| g.kind == Kind::GapFar)
                            .count();
                        let pair = (((self.j * self.ctx.w + self.i) << 3) + n_before / 2) as u32;
                        for rr in [rects[0], rects[2]] {
                            let g = self.new_group(Kind::GapFar, pair);
                            let b = self.village_plot(rr, g);
                            self.groups[g as usize].plots.push(b);
                        }
                    }
                }
                Kind::Scattered => {
                    let n = rng.int(1, small_max.min(6));
                    let k = rng.int(1, 4.min(n));
                    self.place_line(rng, kind, n, (k, k), plot_max, &[]);
                }
                Kind::GapNear | Kind::Touching | Kind::CrossCounty => {}
            }
        }
        // 3. homesteads and the rest of the village
        self.fill(
            rng,
            10.0,
            |rng| match rng.weighted(&[0.45, 0.18, 0.17, 0.12, 0.08]) {
                0 => (1, 1),
                1 => (2, 1),
                2 => (1, 2),
                3 => (2, 2),
                _ => (3, 2),
            },
            |rng, cells| {
                let x = rng.f64();
                if cells <= 2 {
                    match x {
                        x if x < 0.80 => ("0702", Czcs::C203, "30", Role::Homestead),
                        x if x < 0.84 => ("05H1", Czcs::C203, "30", Role::Plain),
                        x if x < 0.88 => ("1104", Czcs::C203A, "30", Role::Plain),
                        x if x < 0.94 => ("0101", Czcs::C203A, "30", Role::Plain),
                        x if x < 0.98 => ("0103", Czcs::C203A, "30", Role::Plain),
                        _ => ("08H2", Czcs::C203, "30", Role::Plain),
                    }
                } else {
                    match x {
                        x if x < 0.55 => ("0702", Czcs::C203, "30", Role::Homestead),
                        x if x < 0.75 => ("0101", Czcs::C203A, "30", Role::Plain),
                        x if x < 0.85 => ("1104", Czcs::C203A, "30", Role::Plain),
                        x if x < 0.95 => ("0103", Czcs::C203A, "30", Role::Plain),
                        _ => ("08H2", Czcs::C203, "30", Role::Plain),
                    }
                }
            },
        );
    }
}

impl Ctx<'_> {
    fn theme(&self, i: usize, j: usize) -> Theme {
        self.themes[j * self.w + i]
    }

    fn unit_of(&self, i: usize, j: usize) -> u32 {
        match self.theme(i, j) {
            Theme::Town(t) => self.townships[t as usize]
                .community
                .expect("town tiles have a community"),
            _ => self.villages[self.tile_village[j * self.w + i] as usize].unit,
        }
    }

    fn town_czcs(&self, t: u32) -> Czcs {
        if self.townships[t as usize].street {
            Czcs::C201
        } else {
            Czcs::C202
        }
    }

    fn fill_tile(&self, i: usize, j: usize, plan: &TilePlan) -> TileOut {
        let mut rng = Rng::derive(self.seed, &[0xF111, i as u64, j as u64, plan.retry]);
        let mut t = TileWork {
            ctx: self,
            i,
            j,
            taken: [false; CELLS * CELLS],
            industrial: [false; CELLS * CELLS],
            blocks: Vec::new(),
            groups: Vec::new(),
            unit: self.unit_of(i, j),
        };
        let a = t.cell_mu();
        match self.theme(i, j) {
            Theme::Settlement(_) => t.settlement(&mut rng, plan),
            Theme::Town(tw) => {
                let cz = self.town_czcs(tw);
                t.fill(
                    &mut rng,
                    25.0,
                    |rng| (rng.int(2, 4), rng.int(2, 4)),
                    |rng, _| match rng.weighted(&[0.55, 0.10, 0.12, 0.08, 0.07, 0.05, 0.03]) {
                        0 => ("0701", cz, "10", Role::Plain),
                        1 => ("0702", cz, "30", Role::Plain),
                        2 => ("05H1", cz, "10", Role::Plain),
                        3 => ("08H2", cz, "10", Role::Plain),
                        4 => ("0810", cz, "10", Role::Plain),
                        5 => ("0508", cz, "10", Role::Plain),
                        _ => ("1104", cz.non_construction(), "10", Role::Plain),
                    },
                );
            }
            Theme::Zone(z) => {
                let cz = self.zones[z as usize].czcs;
                // Village plots on the zone's outer edge, sharing edges with
                // zone parcels: not scattered.
                let mut touching = Vec::new();
                for &side in &plan.touching {
                    let len = rng.int(1, ((SMALL_MU / a).floor() as usize).clamp(1, 3));
                    let off = rng.int(1, CELLS - 1 - len);
                    let r = match side {
                        0 => Rect {
                            x: 0,
                            y: off,
                            w: 1,
                            h: len,
                        },
                        1 => Rect {
                            x: CELLS - 1,
                            y: off,
                            w: 1,
                            h: len,
                        },
                        2 => Rect {
                            x: off,
                            y: 0,
                            w: len,
                            h: 1,
                        },
                        _ => Rect {
                            x: off,
                            y: CELLS - 1,
                            w: len,
                            h: 1,
                        },
                    };
                    if !t.rect_free(r) {
                        continue;
                    }
                    let g = t.new_group(Kind::Touching, u32::MAX);
                    let b = t.add(r, "0601", Czcs::C203, "30", Role::Plot(g));
                    t.groups[g as usize].plots.push(b);
                    touching.push((r, side));
                }
                t.fill(
                    &mut rng,
                    100.0,
                    |rng| (rng.int(3, 9), rng.int(3, 9)),
                    |rng, cells| {
                        let x = rng.f64();
                        if cells >= 9 && x < 0.10 {
                            ("0508", cz, "10", Role::Zone(z))
                        } else if cells < 6 && x < 0.15 {
                            ("0810", cz, "10", Role::Zone(z))
                        } else {
                            ("0601", cz, "10", Role::Zone(z))
                        }
                    },
                );
                // Make sure each touching plot has a 0601 zone neighbour.
                for (r, side) in touching {
                    let inward: Vec<(usize, usize)> = match side {
                        0 => (r.y..r.y + r.h).map(|y| (1, y)).collect(),
                        1 => (r.y..r.y + r.h).map(|y| (CELLS - 2, y)).collect(),
                        2 => (r.x..r.x + r.w).map(|x| (x, 1)).collect(),
                        _ => (r.x..r.x + r.w).map(|x| (x, CELLS - 2)).collect(),
                    };
                    let (x, y) = inward[0];
                    let gx = (i * STEP + x) as u32;
                    let gy = (j * STEP + y) as u32;
                    if let Some(b) = t
                        .blocks
                        .iter_mut()
                        .find(|b| b.c0 <= gx && gx < b.c1 && b.r0 <= gy && gy < b.r1)
                    {
                        if matches!(b.role, Role::Zone(_)) {
                            b.dlbm = "0601";
                        }
                    }
                }
            }
            Theme::Park(p) => {
                t.fill(
                    &mut rng,
                    40.0,
                    |rng| (rng.int(2, 6), rng.int(2, 6)),
                    |_, _| ("0601", Czcs::C203, "30", Role::Park(p)),
                );
                // A few small parcels turn out to be cropland used by the
                // park's firms — only where the park's 0601 stays one
                // piece (8-connected cells touch, so stay within the gap).
                let mut order: Vec<usize> = (0..t.blocks.len()).collect();
                rng.shuffle(&mut order);
                let mut converted = 0;
                for k in order {
                    if converted >= 2 || !rng.chance(0.5) && converted > 0 {
                        break;
                    }
                    if t.blocks[k].cells() > 6 {
                        continue;
                    }
                    let was = t.blocks[k].dlbm;
                    t.blocks[k].dlbm = "0";
                    if t.industrial_connected() {
                        t.blocks[k].dlbm = if rng.chance(0.5) { "0101" } else { "0103" };
                        t.blocks[k].czcs = Czcs::C203A;
                        t.blocks[k].role = Role::ParkCrop(p);
                        converted += 1;
                    } else {
                        t.blocks[k].dlbm = was;
                    }
                }
            }
            theme => {
                if plan.quarry {
                    let (w, h) = (rng.int(3, 4), rng.int(3, 4));
                    if let Some(r) = t.spot(&mut rng, w, h) {
                        t.add(r, "0602", Czcs::C204, "30", Role::Quarry);
                    }
                }
                for _ in 0..rng.int(0, 2) {
                    let (w, h) = if rng.chance(0.5) { (1, 1) } else { (1, 2) };
                    if let Some(r) = t.spot(&mut rng, w, h) {
                        t.add(r, "0702", Czcs::C203, "30", Role::Plain);
                    }
                }
                let mix: &[(&'static str, f64)] = match theme {
                    Theme::Forest => &[("0301", 0.75), ("0101", 0.15), ("0404", 0.10)],
                    Theme::Orchard => &[("0201", 0.7), ("0101", 0.2), ("1202", 0.1)],
                    Theme::Water => &[("1104", 0.75), ("0101", 0.2), ("1202", 0.05)],
                    _ => &[
                        ("0101", 0.70),
                        ("0102", 0.07),
                        ("0103", 0.10),
                        ("1104", 0.05),
                        ("1202", 0.03),
                        ("0201", 0.02),
                        ("0301", 0.03),
                    ],
                };
                let wts: Vec<f64> = mix.iter().map(|m| m.1).collect();
                t.fill(
                    &mut rng,
                    30.0,
                    |rng| (rng.int(2, 6), rng.int(2, 5)),
                    |rng, _| {
                        let d = mix[rng.weighted(&wts)].0;
                        let q = if d == "1104" && rng.chance(0.3) {
                            "10"
                        } else {
                            "30"
                        };
                        (d, Czcs::None, q, Role::Field)
                    },
                );
            }
        }
        TileOut {
            blocks: t.blocks,
            groups: t.groups,
        }
    }

    /// Road and water strips between tiles, each tagged with the tile
    /// (row-major index) it is emitted with.
    fn strips(&self) -> Vec<(usize, Block)> {
        let lat = self.lat;
        let (w, h) = (lat.x.tiles, lat.y.tiles);
        let vertical_owns = |i: usize, j: usize| {
            let (wv, wh) = (lat.x.strip[i], lat.y.strip[j]);
            wv > wh || (wv == wh && hash(self.seed, &[0x0C05, i as u64, j as u64]) & 1 == 0)
        };
        // type of a strip of width `width` next to tiles a and b
        let kind = |width: f64, a: (usize, usize), b: (usize, usize), salt: u64| {
            let urban = [a, b].iter().find_map(|&(i, j)| match self.theme(i, j) {
                Theme::Town(t) => Some(self.town_czcs(t)),
                Theme::Zone(z) => Some(self.zones[z as usize].czcs),
                _ => None,
            });
            match width as u32 {
                5 | 7 => match urban {
                    Some(cz) => ("1004", cz, "10"),
                    None => ("1006", Czcs::None, "30"),
                },
                12 => {
                    if hash(self.seed, &[0xD17C, salt]) & 1 == 0 {
                        ("1107", Czcs::None, "30")
                    } else {
                        ("1101", Czcs::None, "10")
                    }
                }
                24 => ("1003", Czcs::None, "10"),
                _ => ("1101", Czcs::None, "10"),
            }
        };
        let mut out: Vec<(usize, Block)> = Vec::new();
        // vertical strips
        for i in 0..w.saturating_sub(1) {
            let c = (i * STEP + CELLS) as u32;
            let mut j = 0;
            while j < h {
                let j_start = j;
                let r0 = (j * STEP) as u32;
                let salt = ((i as u64) << 32) | j as u64;
                let ty = kind(lat.x.strip[i], (i, j), (i + 1, j), salt);
                let mut r1 = (j * STEP + CELLS) as u32;
                let mut len = 1;
                while j + 1 < h && vertical_owns(i, j) {
                    r1 += 1; // the crossing
                    let next = kind(
                        lat.x.strip[i],
                        (i, j + 1),
                        (i + 1, j + 1),
                        ((i as u64) << 32) | (j + 1) as u64,
                    );
                    let go = len < 3
                        && next == ty
                        && ty.0 != "1107"
                        && hash(self.seed, &[0x3E6, i as u64, j as u64]) % 10 < 6;
                    if !go {
                        break;
                    }
                    j += 1;
                    len += 1;
                    r1 = (j * STEP + CELLS) as u32;
                }
                let unit = self.unit_of(i, j_start);
                out.push((
                    j_start * w + i,
                    Block {
                        c0: c,
                        r0,
                        c1: c + 1,
                        r1,
                        dlbm: ty.0,
                        czcs: ty.1,
                        qsxz: ty.2,
                        unit,
                        role: Role::Strip,
                    },
                ));
                j += 1;
            }
        }
        // horizontal strips
        for j in 0..h.saturating_sub(1) {
            let r = (j * STEP + CELLS) as u32;
            let mut i = 0;
            while i < w {
                let i_start = i;
                let c0 = (i * STEP) as u32;
                let salt = (1u64 << 63) | ((j as u64) << 32) | i as u64;
                let ty = kind(lat.y.strip[j], (i, j), (i, j + 1), salt);
                let mut c1 = (i * STEP + CELLS) as u32;
                let mut len = 1;
                while i + 1 < w && !vertical_owns(i, j) {
                    c1 += 1;
                    let next = kind(
                        lat.y.strip[j],
                        (i + 1, j),
                        (i + 1, j + 1),
                        (1u64 << 63) | ((j as u64) << 32) | (i + 1) as u64,
                    );
                    let go = len < 3
                        && next == ty
                        && ty.0 != "1107"
                        && hash(self.seed, &[0x3E7, i as u64, j as u64]) % 10 < 6;
                    if !go {
                        break;
                    }
                    i += 1;
                    len += 1;
                    c1 = (i * STEP + CELLS) as u32;
                }
                let unit = self.unit_of(i_start, j);
                out.push((
                    j * w + i_start,
                    Block {
                        c0,
                        r0: r,
                        c1,
                        r1: r + 1,
                        dlbm: ty.0,
                        czcs: ty.1,
                        qsxz: ty.2,
                        unit,
                        role: Role::Strip,
                    },
                ));
                i += 1;
            }
        }
        out
    }
}

impl Layout {
    /// Fields that can still be halved, and how many more parcels halving
    /// them down to single cells would give.
    pub fn split_capacity(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| b.role == Role::Field)
            .map(|b| b.cells() - 1)
            .sum()
    }

    /// Halve random fields until there are `n` parcels (needs
    /// `split_capacity() >= n - blocks.len()`). New halves are inserted
    /// right after the field they come from.
    pub fn split_to(&mut self, seed: u64, n: usize) {
        let mut extra = n.saturating_sub(self.blocks.len());
        if extra == 0 {
            return;
        }
        let mut rng = Rng::derive(seed, &[0x5B17]);
        // children[k]: halves split off block k, emitted after it
        let mut pieces: Vec<Vec<Block>> = self.blocks.iter().map(|b| vec![b.clone()]).collect();
        let mut cands: Vec<(usize, usize)> = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p[0].role == Role::Field && p[0].cells() > 1)
            .map(|(k, _)| (k, 0))
            .collect();
        while extra > 0 && !cands.is_empty() {
            let pick = rng.below(cands.len());
            let (k, s) = cands.swap_remove(pick);
            let b = pieces[k][s].clone();
            let (bw, bh) = (b.c1 - b.c0, b.r1 - b.r0);
            let (mut a, mut c) = (b.clone(), b.clone());
            if bw >= bh {
                let cut = b.c0 + 1 + rng.below((bw - 1) as usize) as u32;
                a.c1 = cut;
                c.c0 = cut;
            } else {
                let cut = b.r0 + 1 + rng.below((bh - 1) as usize) as u32;
                a.r1 = cut;
                c.r0 = cut;
            }
            pieces[k][s] = a.clone();
            pieces[k].push(c.clone());
            let last = pieces[k].len() - 1;
            if a.cells() > 1 {
                cands.push((k, s));
            }
            if c.cells() > 1 {
                cands.push((k, last));
            }
            extra -= 1;
        }
        // Renumber: group block indices shift.
        let mut new_index = Vec::with_capacity(pieces.len());
        let mut blocks = Vec::with_capacity(n);
        for p in pieces {
            new_index.push(blocks.len() as u32);
            blocks.extend(p);
        }
        for g in self.groups.iter_mut() {
            for b in g.plots.iter_mut().chain(g.crops.iter_mut()) {
                *b = new_index[*b as usize];
            }
        }
        self.blocks = blocks;
    }

    pub fn theme(&self, i: usize, j: usize) -> Theme {
        self.themes[j * self.tiles_x + i]
    }

    /// Nominal rectangle (through the middle of the surrounding strips)
    /// of a rectangle of tiles.
    pub fn tile_rect_nominal(&self, r: TileRect) -> (f64, f64, f64, f64) {
        (
            self.lat.x.line_before(r.i0),
            self.lat.y.line_before(r.j0),
            self.lat.x.line_after(r.i1),
            self.lat.y.line_after(r.j1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_follow_the_shares_and_none_is_empty() {
        assert_eq!(
            cut(&[0, 1, 2, 3, 4, 5], &[1; 6], &[1, 2]),
            [vec![0, 1], vec![2, 3, 4, 5]]
        );
        // a heavy first item takes its run alone; the others still get one
        assert_eq!(
            cut(&[0, 1, 2, 3], &[10, 1, 1, 1], &[1, 1, 1]),
            [vec![0], vec![1], vec![2, 3]]
        );
        assert_eq!(
            cut(&[2, 0, 1], &[1, 1, 30], &[1, 1, 1]),
            [vec![2], vec![0], vec![1]]
        );
    }

    #[test]
    fn a_county_numbers_at_most_380_townships() {
        // about 1 060 townships
        let (tx, ty) = crate::first_window(2_000_000);
        let e = Builder::townships(2020, tx, ty, 2).err().expect("too many");
        assert!(e.contains("380"), "{e}");
        assert!(Builder::townships(2020, tx, ty, 4).is_ok());
    }
}
