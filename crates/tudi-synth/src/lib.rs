//! `tudi synth`: a seeded synthetic district for trying the tool and for
//! tests — a 三调-style parcel layer with planted remediation cases, an
//! enterprise ledger with geocoded (offset) positions, zone layers and the
//! project file that ties them together.
//!
//! # What is generated
//!
//! A rectangular window of *tiles* (≈ 300 m squares of 12 × 12 lattice
//! cells of 20–30 m) separated by road and water *strips* 5–30 m wide
//! (the `lattice` submodule explains the geometry). Tiles are grouped into villages
//! (~4 × 4 tiles) and townships (~8 × 8 tiles, named after Xiuzhou's towns
//! and sub-districts, then invented ones); each township has a town centre
//! (0701/0702/05H1/08H2/0810/0508, CZCSXM 202, or 201 for a 街道) and
//! usually an industrial zone of 2–3 × 2–3 tiles of 0601 parcels of
//! ~10–100 mu. Villages hold settlements (dense 0702 homesteads, CZCSXM
//! 203, with ponds and plots of cropland as 203A) where the remediation
//! scenarios are planted, sometimes a village industrial park (0601,
//! 203, with a few cropland plots used by enterprises), and otherwise
//! cropland (0101/0102/0103), forest, orchards, ponds and a clay pit (0602,
//! 204) per township. Strips are rural roads (1006, or 1004 in towns and
//! zones), ditches (1107), rivers (1101) and highways (1003), cut into long
//! thin parcels.
//!
//! On top of the parcels: factory buildings on industrial parcels (some
//! straddling two of them), micro-enterprise parks with multi-storey
//! buildings, their room for new firms and the industries they take, a
//! few still under construction (the `buildings` submodule), a 2020
//! ledger of vacated land with its usual faults (`vacated`), township
//! outlines (`townships`) and the district boundary; see [`Inventory`]
//! for what is planted.
//!
//! # Scale and placement
//!
//! The window grows with the parcel count (≈ 30 parcels per tile: 6 000
//! parcels make a ≈ 4.4 km square, 30 000 ≈ 9.5 km, 1 000 000 ≈ 56 km)
//! while parcel sizes stay realistic (homesteads 0.6–8 mu, fields 2–30
//! mu, zone parcels 10–100 mu). It is placed in Xiuzhou (real boundary,
//! embedded from `data/xiuzhou_boundary.geojson`): centred where it fits
//! inside with the widest margin. Xiuzhou is irregular, so a square window
//! fits only up to ≈ 35 000 parcels (≈ 10 km); **a larger window is
//! centred on the district's most interior point and extends beyond its
//! boundary** into the neighbouring districts — parcels are not shrunk.
//! Township codes of a district of one county then continue under
//! neighbouring county codes (330402, 330421, …) once a county's 380
//! township slots are used. The exact
//! parcel count is reached by halving fields.
//!
//! # Counties
//!
//! `counties` above 1 (up to [`MAX_COUNTIES`]) makes a city instead: the
//! same window, divided into that many counties of whole townships — ⌈√N⌉
//! columns side by side, each cut into counties one above the other,
//! about equal in tiles, each one piece (unless a township of it is in
//! pieces itself, as a few of the largest districts' are) — under real
//! Zhejiang county codes and names (秀洲区 330411, 南湖区 330402, 嘉善县
//! 330421, … 上虞区 330604). Township codes are then their county's code
//! and three digits (at most 380 townships a county), `counties.geojson`
//! outlines the counties like the townships, the boundary file
//! (`xiuzhou_boundary.geojson`, by its usual name) holds their union,
//! and the project file adds the counties' layer and their goals. On each
//! border between two counties where a village road runs, a pair of small
//! village plots faces each other across it — one scattered block in two
//! counties — and every other such pair is vacated, one done record on
//! each side ([`Inventory::cross_county_blocks`]). A district of one
//! county has none of this.
//!
//! # Determinism
//!
//! Everything is drawn from a seeded xoshiro256** / splitmix64 generator;
//! per-tile and per-vertex randomness is hashed from the seed and indices,
//! so the output does not depend on thread scheduling. The same seed and
//! options give byte-identical CSV, GeoJSON and TOML files and a
//! GeoPackage with identical features (its metadata date is fixed too, so
//! with the same GDAL it is byte-identical as well).
//!
//! # Speed
//!
//! 1 000 000 parcels and 100 000 enterprises take ≈ 20 s on 2 cores
//! (release build), most of it SQLite: ≈ 6 s inserting features and
//! ≈ 11 s building the GeoPackage's R-tree. Set `TUDI_SYNTH_TRACE` to print
//! the time of each step to stderr.

mod buildings;
mod enterprises;
mod gk;
mod lattice;
mod layout;
mod names;
mod output;
mod rng;
mod townships;
mod vacated;

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Coord, Intersects, LineString, Polygon};

use enterprises::Site;
use layout::{Kind, Layout, Role, Theme, TileRect, MU};
use output::{io_err, GeoFeature, ZonePoly};
use rng::Rng;
use tudi_core::error::{Error, Location, Result};
use vacated::{RecordKind, Status};

/// Smallest parcel count that holds every scenario.
pub const MIN_PARCELS: usize = 1000;

/// Options of `tudi synth`.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    pub seed: u64,
    /// Exact number of parcels to write (at least [`MIN_PARCELS`]).
    pub parcels: usize,
    /// Number of enterprises (default: parcels / 10).
    pub enterprises: Option<usize>,
    /// Output directory; created if missing. Existing files of the same
    /// names are replaced, others are left alone.
    pub out: PathBuf,
    /// Counties the district is divided into, 1 to [`MAX_COUNTIES`].
    pub counties: usize,
}

/// The most counties `tudi synth --counties` divides a district into
/// (the Zhejiang counties it names them after).
pub const MAX_COUNTIES: usize = names::ZHEJIANG_COUNTIES.len();

/// What was written.
#[derive(Clone, Debug)]
pub struct SynthReport {
    pub parcels: usize,
    pub enterprises: usize,
    /// Files written, in `out`.
    pub files: Vec<PathBuf>,
    /// The planted scenarios, as the generator intends them.
    pub inventory: Inventory,
}

/// Counts of what was planted — the expectations an analysis of the
/// generated district should meet.
///
/// "Village 0601 clusters" means 0601 parcels grouped with a 10 m gap,
/// all with CZCSXM 203 (and inside a village polygon). Planted plots keep
/// at least one lattice cell (≥ 15 m) from any other industrial land,
/// except the designed 5 m pairs and the zone-touching plots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    pub townships: usize,
    pub villages: usize,
    /// Village settlement areas (= features of villages.geojson).
    pub settlements: usize,
    pub town_centres: usize,
    /// Industrial zones (201/202) and their 0601 parcels.
    pub zones: usize,
    pub zone_parcels: usize,
    /// Village industrial parks (0601, 203: clusters far above 5 mu).
    pub village_parks: usize,
    pub park_parcels: usize,
    /// Cropland parcels inside parks with an enterprise (no legal land).
    pub park_cropland: usize,
    /// Scattered groups of 1–4 adjacent plots (< 4.1 mu together).
    pub scattered_groups: usize,
    /// Their plots.
    pub scattered_plots: usize,
    /// Pairs of single plots (2.9–4.1 mu each) one cell (≥ 15 m) apart:
    /// two scattered groups each with a 10 m gap, one > 5 mu cluster if
    /// the gap were ≥ ~20 m.
    pub far_pairs: usize,
    /// Pairs of plots (2.9–4.1 mu each) facing each other across a 5 m
    /// rural road: one cluster > 5.8 mu with a 10 m gap, two scattered
    /// plots with a gap under ~4 m.
    pub near_pairs: usize,
    /// Chains of 3–6 small adjacent plots adding up to ≥ 6 mu.
    pub chains: usize,
    /// Village 0601 clusters with 1–2 cropland plots used by enterprises,
    /// whose 0601 part is < 4.1 mu (scattered) or ≥ 6 mu.
    pub crop_clusters_small: usize,
    pub crop_clusters_large: usize,
    /// Cropland plots of those clusters (each with an enterprise).
    pub cluster_cropland: usize,
    /// Village plots (203, < 4.1 mu) sharing an edge with a zone parcel.
    pub touching_plots: usize,
    /// All planted village 0601 plots (every kind above).
    pub village_plots: usize,
    /// Village 0601 clusters under 5 mu with a 10 m gap:
    /// scattered_groups + 2 × far_pairs + crop_clusters_small.
    pub expected_scattered: usize,
    /// Village 0601 clusters (outside parks) of 5 mu or more with a 10 m
    /// gap: chains + near_pairs + crop_clusters_large.
    pub expected_large_village: usize,
    /// Expected scattered clusters overlapping a protected polygon.
    pub scattered_in_protected: usize,
    pub clay_pits: usize,
    /// Parcels whose TBMJ is 2–10 % off their ellipsoidal area.
    pub tbmj_off: usize,
    pub protected_polygons: usize,
    pub plan_polygons: usize,
    // enterprises
    pub ent_zone: usize,
    pub ent_park: usize,
    pub ent_village_plot: usize,
    pub ent_cropland: usize,
    pub ent_homestead: usize,
    pub ent_field: usize,
    pub ent_quarry: usize,
    /// Outside every parcel (unlocated).
    pub ent_outside: usize,
    pub ent_gcj02: usize,
    pub ent_cgcs2000: usize,
    pub ent_bd09: usize,
    /// Credit codes that fail the check (typos).
    pub ent_invalid_code: usize,
    /// Valid codes written with a trailing space or in lower case.
    pub ent_padded_code: usize,
    /// Last three grades D, D, D.
    pub ent_ddd: usize,
    pub ent_key_industry: usize,
    /// Revenue under 2 000 万元 (below designated size).
    pub ent_below_size: usize,
    pub ent_done: usize,
    pub ent_with_land_mu: usize,
    /// Firms with a floor area in use (every firm in an opened park).
    pub ent_with_floor_m2: usize,
    // buildings and parks
    pub buildings: usize,
    /// Buildings with a ledger `floor_area`.
    pub buildings_with_floor_area: usize,
    /// Buildings across the shared edge of two zone parcels (2–4 storeys,
    /// no ledger floor area), one per pair of parcels.
    pub straddling_buildings: usize,
    /// Buildings in parks (4–8 storeys).
    pub park_buildings: usize,
    /// 0601 parcels with buildings whose FAR (own buildings; straddling
    /// ones can only add) is under 0.6; none is within 5 % of 0.6.
    pub low_far_parcels: usize,
    /// 0601 parcels with buildings.
    pub built_parcels: usize,
    /// 0601 parcels without buildings (cleared land of done records).
    pub bare_industrial_parcels: usize,
    pub parks: usize,
    /// Parks opened in 2020 (new parks of the target year).
    pub parks_new: usize,
    /// Opened parks whose FAR is under 1.2; none is within 5 % of 1.2.
    pub parks_low_far: usize,
    /// Parks under construction (opened next year, status 在建): no
    /// buildings, no firms; their room is their planned floor area.
    pub parks_planned: usize,
    // vacated land
    pub vacated_records: usize,
    pub vacated_done: usize,
    pub vacated_in_progress: usize,
    pub vacated_planned: usize,
    /// Pairs of done records sharing a whole parcel (≥ 0.6 mu), mostly
    /// on chains (≥ 6 mu together).
    pub vacated_overlap_pairs: usize,
    /// Claimed area 10–30 % off the measured one (others within 1.4 %).
    pub vacated_wrong_claims: usize,
    /// Done records without a done date.
    pub vacated_undated: usize,
    /// Records outside every parcel (150–400 m beyond the window).
    pub vacated_outside: usize,
    /// Done records with a pending firm still on them, and those firms.
    pub vacated_occupied: usize,
    pub ent_on_vacated: usize,
    /// Records without a township code.
    pub vacated_no_township: usize,
    /// Done blocks ≥ 5.5 mu cut by a protected strip (one cell, ≥ 20 m)
    /// into two parts under 4.5 mu.
    pub vacated_split_blocks: usize,
    /// Done blocks ≥ 55 mu (whole clusters, one record per parcel).
    pub vacated_large_blocks: usize,
    /// Done blocks of 5 mu or more clear of protected land (large blocks,
    /// overlap pairs and single records ≥ 5.8 mu), each ≥ 15 m from any
    /// other record.
    pub vacated_effective_blocks: usize,
    /// Done blocks under 4.1 mu (single records or pairs, cross-county
    /// ones included), each ≥ 15 m from any other record: not effective.
    pub vacated_small_blocks: usize,
    // districts of several counties (all 0 or empty for one)
    /// Village 0601 clusters under 4.1 mu with a 10 m gap in two
    /// counties: two plots facing each other across a 5–7 m road on a
    /// county border (two clusters with a 3 m gap). One per pair of
    /// neighbouring counties where a village road runs on the border;
    /// counted in `expected_scattered` and `village_plots`.
    pub cross_county_blocks: usize,
    /// Of those, the ones vacated: two done records, one in each county,
    /// one block under 4.1 mu (counted in `vacated_small_blocks`).
    pub cross_county_vacated: usize,
    /// Per county code, what was planted in it.
    pub counties: std::collections::BTreeMap<String, CountyInventory>,
}

/// What was planted in one county of a district of several, counted as
/// in [`Inventory`]; an item in two counties (`cross_county_*`) is in
/// neither's other counts but in both's `cross_county_*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CountyInventory {
    pub name: String,
    /// Townships numbered under its code.
    pub townships: usize,
    /// Parcels whose ZLDWDM is under its code (a road or river on its
    /// border belongs to one side).
    pub parcels: usize,
    pub zones: usize,
    pub village_parks: usize,
    pub scattered_groups: usize,
    pub far_pairs: usize,
    pub near_pairs: usize,
    pub chains: usize,
    pub crop_clusters_small: usize,
    pub crop_clusters_large: usize,
    pub touching_plots: usize,
    /// Planted village 0601 plots in it (its sides of cross-county blocks
    /// included).
    pub village_plots: usize,
    pub expected_scattered: usize,
    pub expected_large_village: usize,
    pub cross_county_blocks: usize,
    /// Enterprises on its parcels.
    pub enterprises: usize,
    pub parks: usize,
    /// Vacated records in it (records off the map: beside it).
    pub vacated_records: usize,
    pub vacated_done: usize,
    pub vacated_large_blocks: usize,
    pub vacated_effective_blocks: usize,
    pub vacated_small_blocks: usize,
    pub cross_county_vacated: usize,
}

const BOUNDARY: &str = include_str!("../../../data/xiuzhou_boundary.geojson");

/// Generate a synthetic district into `opts.out`: `parcels.gpkg`,
/// `enterprises.csv`, `villages.geojson`, `plan.geojson`,
/// `protected.geojson`, `buildings.gpkg`, `parks.geojson`,
/// `vacated.geojson`, `townships.geojson`, the district boundary
/// `xiuzhou_boundary.geojson`, `project.toml` and, for several counties,
/// `counties.geojson`.
///
/// Everything is written into a temporary directory next to `out` first
/// and then renamed into place (the whole directory when `out` does not
/// exist, else file by file), so no half-written file is ever left.
///
/// Errors: [`Error::Input`] when `parcels` is below [`MIN_PARCELS`], or
/// `counties` is 0, above [`MAX_COUNTIES`], more than the window's
/// townships or too few to number them (380 a county),
/// [`Error::Write`] for file-system failures, [`Error::Gdal`] for GDAL
/// failures.
pub fn generate(opts: &SynthOptions) -> Result<SynthReport> {
    bound_sizes(opts)?;
    if opts.parcels < MIN_PARCELS {
        return Err(Error::input(
            Location::default().field("parcels"),
            format!(
                "{} parcels are too few: the synthetic district needs at least {MIN_PARCELS}",
                opts.parcels
            ),
        ));
    }
    let m = opts.enterprises.unwrap_or(opts.parcels / 10);
    let t0 = std::time::Instant::now();
    let mut layout = choose_layout(opts.seed, opts.parcels, opts.counties)?;
    layout.split_to(opts.seed, opts.parcels);
    debug_assert_eq!(layout.blocks.len(), opts.parcels);
    layout.lat.origin = place_in_xiuzhou(&layout)?;
    if std::env::var_os("TUDI_SYNTH_TRACE").is_some() {
        eprintln!(
            "layout {}×{} tiles: {:.2} s",
            layout.tiles_x,
            layout.tiles_y,
            t0.elapsed().as_secs_f64()
        );
    }

    // Written like a run's outputs: replaced as one set, only over files
    // tudi wrote (see `write::Staging`).
    let out = &opts.out;
    let staging = tudi_write::Staging::new(out)?;
    let (names, inventory) = write_all(staging.dir(), &layout, opts.seed, m)?;
    for n in &names {
        staging.adopt(n)?;
    }
    staging.commit()?;
    Ok(SynthReport {
        parcels: layout.blocks.len(),
        enterprises: m,
        files: names.iter().map(|n| out.join(n)).collect(),
        inventory,
    })
}

/// The most parcels `tudi synth` makes (≈ 40 GB of GeoPackage); the
/// enterprises are bounded by the parcels.
pub const MAX_PARCELS: usize = 100_000_000;

/// Memory the generator holds at its peak, per parcel (measured: 397 MB
/// for 1 000 000 parcels and 100 000 enterprises), with a margin.
const PEAK_BYTES_PER_PARCEL: u64 = 450;

/// Refuses sizes that cannot be made, or not on this machine, before any
/// memory is taken.
fn bound_sizes(opts: &SynthOptions) -> Result<()> {
    let refuse =
        |field: &str, message: String| Err(Error::input(Location::default().field(field), message));
    if opts.parcels > MAX_PARCELS {
        return refuse(
            "parcels",
            format!(
                "{} parcels are too many: tudi synth makes at most {MAX_PARCELS}",
                opts.parcels
            ),
        );
    }
    if !(1..=MAX_COUNTIES).contains(&opts.counties) {
        return refuse(
            "counties",
            format!(
                "{} counties: tudi synth makes 1 to {MAX_COUNTIES}",
                opts.counties
            ),
        );
    }
    if let Some(m) = opts.enterprises.filter(|&m| m > opts.parcels) {
        return refuse(
            "enterprises",
            format!(
                "{m} enterprises are too many for {} parcels: at most one per parcel",
                opts.parcels
            ),
        );
    }
    let needed = opts.parcels as u64 * PEAK_BYTES_PER_PARCEL;
    if let Some(available) = available_memory().filter(|&a| needed > a) {
        let gb = |b: u64| b as f64 / 1e9;
        return refuse(
            "parcels",
            format!(
                "{} parcels need about {:.1} GB of memory; this machine has {:.1} GB available",
                opts.parcels,
                gb(needed),
                gb(available)
            ),
        );
    }
    Ok(())
}

/// Memory available to a new process (Linux's estimate), when known.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Average parcels per tile, for the first guess of the window size.
const PARCELS_PER_TILE: f64 = 30.0;

/// The window (tiles) for `est` tiles: about square, at least 3 × 3.
fn window_for(est: f64) -> (usize, usize) {
    let tx = est.sqrt().round().max(3.0) as usize;
    let ty = (est / tx as f64).round().max(3.0) as usize;
    (tx, ty)
}

/// The window [`choose_layout`] tries first for `n` parcels (and usually
/// takes: 577 × 578 tiles for 10 000 000 parcels with seed 2020).
#[cfg(test)]
fn first_window(n: usize) -> (usize, usize) {
    window_for(n as f64 / PARCELS_PER_TILE)
}

/// A layout with at most `n` parcels that field splits can bring to `n`,
/// of `counties` counties.
fn choose_layout(seed: u64, n: usize, counties: usize) -> Result<Layout> {
    let build = |tx: usize, ty: usize| {
        layout::build(seed, tx, ty, counties).map_err(|why| {
            Error::input(
                Location::default().field("counties"),
                format!("{counties} counties in {n} parcels: {why}"),
            )
        })
    };
    let mut est = n as f64 / PARCELS_PER_TILE;
    let mut best: Option<Layout> = None;
    let mut tried = std::collections::HashSet::new();
    for _ in 0..8 {
        let (tx, ty) = window_for(est);
        if !tried.insert((tx, ty)) {
            break;
        }
        let layout = build(tx, ty)?;
        let p = layout.blocks.len();
        let fits = p <= n && p + layout.split_capacity() >= n;
        if fits && p as f64 >= 0.93 * n as f64 {
            return Ok(layout);
        }
        est *= n as f64 / p as f64 * if p > n { 0.98 } else { 1.0 };
        if fits && best.as_ref().is_none_or(|b| b.blocks.len() < p) {
            best = Some(layout);
        }
    }
    // The closest fitting layout, else shrink until one fits.
    if let Some(b) = best {
        return Ok(b);
    }
    let (mut tx, mut ty) = ((est.sqrt() as usize).max(3), (est.sqrt() as usize).max(3));
    for _ in 0..64 {
        let layout = build(tx, ty)?;
        let p = layout.blocks.len();
        if p <= n && p + layout.split_capacity() >= n {
            return Ok(layout);
        }
        if p > n && (tx > 3 || ty > 3) {
            if tx >= ty {
                tx -= 1;
            } else {
                ty -= 1;
            }
        } else if p < n {
            ty += 1;
        } else {
            break;
        }
    }
    Err(Error::input(
        Location::default().field("parcels"),
        format!("cannot lay out exactly {n} parcels"),
    ))
}

/// Rings of Xiuzhou's boundary in GK.
fn boundary_gk() -> Result<Vec<Vec<[f64; 2]>>> {
    let gj: geojson::GeoJson = BOUNDARY
        .parse()
        .map_err(|e| Error::Gdal(format!("embedded boundary: {e}")))?;
    let mut rings = Vec::new();
    if let geojson::GeoJson::FeatureCollection(fc) = gj {
        for f in fc.features {
            let Some(g) = f.geometry else { continue };
            let polys = match g.value {
                geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
                geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
                _ => continue,
            };
            for p in polys {
                for r in p {
                    rings.push(
                        r.iter()
                            .map(|q| [q.as_slice()[0], q.as_slice()[1]])
                            .collect::<Vec<_>>(),
                    );
                }
            }
        }
    }
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40)?;
    for r in rings.iter_mut() {
        gk::apply(&ct, r)?;
    }
    Ok(rings)
}

fn point_in_rings(rings: &[Vec<[f64; 2]>], p: [f64; 2]) -> bool {
    let mut inside = false;
    for r in rings {
        for w in r.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

fn seg_dist(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((a[0] + t * dx - p[0]).powi(2) + (a[1] + t * dy - p[1]).powi(2)).sqrt()
}

/// Does segment a–b meet the axis-aligned box?
fn seg_hits_box(a: [f64; 2], b: [f64; 2], lo: [f64; 2], hi: [f64; 2]) -> bool {
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let d = [b[0] - a[0], b[1] - a[1]];
    for k in 0..2 {
        if d[k].abs() < 1e-12 {
            if a[k] < lo[k] || a[k] > hi[k] {
                return false;
            }
        } else {
            let (mut u, mut v) = ((lo[k] - a[k]) / d[k], (hi[k] - a[k]) / d[k]);
            if u > v {
                std::mem::swap(&mut u, &mut v);
            }
            t0 = t0.max(u);
            t1 = t1.min(v);
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// GK position of the window's nominal origin: the window centred where it
/// fits inside Xiuzhou with the widest margin, or, when it is larger than
/// the district, centred on the district's most interior point.
fn place_in_xiuzhou(layout: &Layout) -> Result<(f64, f64)> {
    let rings = boundary_gk()?;
    let (w, h) = layout.lat.size();
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in rings.iter().flatten() {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let step = 250.0;
    let mut best_fit: Option<([f64; 2], f64)> = None;
    let mut best_any: Option<([f64; 2], f64)> = None;
    let mut y = lo[1] + step / 2.0;
    while y < hi[1] {
        let mut x = lo[0] + step / 2.0;
        while x < hi[0] {
            let c = [x, y];
            x += step;
            if !point_in_rings(&rings, c) {
                continue;
            }
            let clearance = rings
                .iter()
                .flat_map(|r| r.windows(2))
                .map(|s| seg_dist(c, s[0], s[1]))
                .fold(f64::INFINITY, f64::min);
            if best_any.is_none_or(|b| clearance > b.1) {
                best_any = Some((c, clearance));
            }
            let blo = [c[0] - w / 2.0, c[1] - h / 2.0];
            let bhi = [c[0] + w / 2.0, c[1] + h / 2.0];
            let fits = !rings
                .iter()
                .flat_map(|r| r.windows(2))
                .any(|s| seg_hits_box(s[0], s[1], blo, bhi));
            if fits && best_fit.is_none_or(|b| clearance > b.1) {
                best_fit = Some((c, clearance));
            }
        }
        y += step;
    }
    if std::env::var_os("TUDI_SYNTH_TRACE").is_some() {
        eprintln!(
            "window {:.1} × {:.1} km {} Xiuzhou",
            w / 1000.0,
            h / 1000.0,
            if best_fit.is_some() {
                "fits inside"
            } else {
                "extends beyond"
            }
        );
    }
    let c = best_fit
        .or(best_any)
        .map(|b| b.0)
        .ok_or_else(|| Error::Gdal("embedded boundary has no interior".into()))?;
    Ok(((c[0] - w / 2.0).round(), (c[1] - h / 2.0).round()))
}

/// The GeoJSON layers: villages, plan, protected.
struct Zones {
    villages: Vec<ZonePoly>,
    plan: Vec<ZonePoly>,
    protected: Vec<ZonePoly>,
}

fn zone_layers(layout: &Layout, seed: u64) -> Zones {
    let mut rng = Rng::derive(seed, &[0x2035]);
    let lat = &layout.lat;
    let rect_ring = |r: TileRect| {
        let (x0, y0, x1, y1) = layout.tile_rect_nominal(r);
        lat.nominal_rect(x0, y0, x1, y1)
    };
    let vname = |v: u32| &layout.units[layout.villages[v as usize].unit as usize];
    let tname = |t: u32| &layout.townships[t as usize].name;

    let villages = layout
        .settlements
        .iter()
        .map(|s| {
            let u = vname(s.village);
            ZonePoly {
                ring: rect_ring(s.rect),
                props: vec![
                    ("name", u.name.clone()),
                    ("code", u.code12.clone()),
                    ("township", tname(u.township).clone()),
                ],
            }
        })
        .collect();

    let mut plan = Vec::new();
    for z in &layout.zones {
        let mut r = z.rect;
        if let Some(e) = z.extension {
            r = TileRect {
                i0: r.i0.min(e.i0),
                j0: r.j0.min(e.j0),
                i1: r.i1.max(e.i1),
                j1: r.j1.max(e.j1),
            };
        }
        let town = tname(z.township);
        let short = town.trim_end_matches("街道").trim_end_matches(['镇', '乡']);
        plan.push(ZonePoly {
            ring: rect_ring(r),
            props: vec![
                ("name", format!("{short}工业功能区")),
                ("kind", "工业功能区".into()),
                ("township", town.clone()),
            ],
        });
    }
    for p in layout.parks.iter().filter(|p| p.planned) {
        let u = vname(p.village);
        plan.push(ZonePoly {
            ring: rect_ring(TileRect {
                i0: p.tile.0,
                j0: p.tile.1,
                i1: p.tile.0,
                j1: p.tile.1,
            }),
            props: vec![
                (
                    "name",
                    format!("{}村级工业园", u.name.trim_end_matches('村')),
                ),
                ("kind", "村级工业园".into()),
                ("township", tname(u.township).clone()),
            ],
        });
    }

    let mut protected = Vec::new();
    let farmland = |name: String| vec![("kind", "永久基本农田".to_string()), ("name", name)];
    // (a) basic farmland over open cropland
    let (w, h) = (layout.tiles_x, layout.tiles_y);
    let crop = |i: usize, j: usize| layout.theme(i, j) == Theme::Crop;
    let mut used = vec![false; w * h];
    let mut crop_tiles: Vec<Vec<(usize, usize)>> = vec![Vec::new(); layout.villages.len()];
    for k in 0..w * h {
        if crop(k % w, k / w) {
            crop_tiles[layout.tile_village[k] as usize].push((k % w, k / w));
        }
    }
    for (v, tiles) in crop_tiles.iter().enumerate() {
        if !rng.chance(0.5) {
            continue;
        }
        if tiles.is_empty() {
            continue;
        }
        for _ in 0..6 {
            let &(i, j) = rng.pick(tiles);
            let (dw, dh) = *rng.pick(&[(1usize, 1usize), (2, 1), (1, 2), (2, 2)]);
            let r = TileRect {
                i0: i,
                j0: j,
                i1: i + dw - 1,
                j1: j + dh - 1,
            };
            if r.i1 >= w || r.j1 >= h {
                continue;
            }
            let ok = (r.j0..=r.j1).all(|b| (r.i0..=r.i1).all(|a| crop(a, b) && !used[b * w + a]));
            if ok {
                for b in r.j0..=r.j1 {
                    for a in r.i0..=r.i1 {
                        used[b * w + a] = true;
                    }
                }
                protected.push(ZonePoly {
                    ring: rect_ring(r),
                    props: farmland(format!("{}永久基本农田保护片", vname(v as u32).name)),
                });
                break;
            }
        }
    }
    // (b) farmland reaching over a whole settlement tile and its cropland
    // (at least one, when any single-tile settlement has cropland beside)
    let beside = |r: TileRect| {
        let (i, j) = (r.i0, r.j0);
        [
            (i + 1 < w).then(|| (i + 1, j)),
            i.checked_sub(1).map(|a| (a, j)),
            (j + 1 < h).then(|| (i, j + 1)),
            j.checked_sub(1).map(|b| (i, b)),
        ]
        .into_iter()
        .flatten()
        .find(|&(a, b)| crop(a, b))
        .map(|(a, b)| TileRect {
            i0: i.min(a),
            j0: j.min(b),
            i1: i.max(a),
            j1: j.max(b),
        })
    };
    // not over the plots on a county border: scattered, but not among
    // those in protected land
    let border_tiles: std::collections::HashSet<(usize, usize)> = layout
        .groups
        .iter()
        .filter(|g| g.kind == Kind::CrossCounty)
        .map(|g| {
            let b = &layout.blocks[g.plots[0] as usize];
            buildings::tile_of(b.c0, b.r0)
        })
        .collect();
    let single: Vec<(usize, TileRect)> = layout
        .settlements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.rect.i0 == s.rect.i1 && s.rect.j0 == s.rect.j1)
        .filter(|(_, s)| !border_tiles.contains(&(s.rect.i0, s.rect.j0)))
        .filter_map(|(k, s)| beside(s.rect).map(|r| (k, r)))
        .collect();
    let mut chosen: Vec<(usize, TileRect)> =
        single.iter().copied().filter(|_| rng.chance(0.1)).collect();
    if chosen.is_empty() {
        chosen.extend(single.first().copied());
    }
    for (k, r) in chosen {
        protected.push(ZonePoly {
            ring: rect_ring(r),
            props: farmland(format!(
                "{}永久基本农田保护片",
                vname(layout.settlements[k].village).name
            )),
        });
    }
    // (c) small farmland patches around a few scattered groups
    let scattered: Vec<&layout::Group> = layout
        .groups
        .iter()
        .filter(|g| g.kind == Kind::Scattered)
        .collect();
    let mut picked: Vec<&layout::Group> = scattered
        .iter()
        .copied()
        .filter(|_| rng.chance(0.12))
        .collect();
    if picked.is_empty() {
        picked.extend(scattered.first().copied());
    }
    for g in picked {
        let (mut c0, mut r0, mut c1, mut r1) = (u32::MAX, u32::MAX, 0, 0);
        for &b in &g.plots {
            let b = &layout.blocks[b as usize];
            c0 = c0.min(b.c0);
            r0 = r0.min(b.r0);
            c1 = c1.max(b.c1);
            r1 = r1.max(b.r1);
        }
        let m = 8.0;
        let ring = lat.nominal_rect(
            lat.x.pos[c0 as usize] - m,
            lat.y.pos[r0 as usize] - m,
            lat.x.pos[c1 as usize] + m,
            lat.y.pos[r1 as usize] + m,
        );
        let u = &layout.units[layout.blocks[g.plots[0] as usize].unit as usize];
        protected.push(ZonePoly {
            ring,
            props: farmland(format!("{}永久基本农田零星地块", u.name)),
        });
    }
    // (d) ecological red line over wetlands
    for j in 0..h {
        for i in 0..w {
            if layout.theme(i, j) == Theme::Water && rng.chance(0.6) {
                let v = layout.tile_village[j * w + i];
                protected.push(ZonePoly {
                    ring: rect_ring(TileRect {
                        i0: i,
                        j0: j,
                        i1: i,
                        j1: j,
                    }),
                    props: vec![
                        ("kind", "生态保护红线".to_string()),
                        ("name", format!("{}湿地生态保护红线", vname(v).name)),
                    ],
                });
            }
        }
    }
    Zones {
        villages,
        plan,
        protected,
    }
}

fn geo_poly(ring: &[[f64; 2]], origin: [f64; 2]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(
            ring.iter()
                .map(|p| Coord {
                    x: p[0] - origin[0],
                    y: p[1] - origin[1],
                })
                .collect::<Vec<_>>(),
        ),
        vec![],
    )
}

/// An R-tree of polygons (GK, shifted by `origin`).
type PolyIndex = rstar::RTree<
    rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, Polygon<f64>>,
>;

fn poly_index(polys: &[ZonePoly], origin: [f64; 2]) -> PolyIndex {
    rstar::RTree::bulk_load(
        polys
            .iter()
            .map(|p| {
                let poly = geo_poly(&p.ring, origin);
                let r = poly.bounding_rect().expect("non-empty ring");
                rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [r.min().x, r.min().y],
                        [r.max().x, r.max().y],
                    ),
                    poly,
                )
            })
            .collect(),
    )
}

/// Does the GK ring meet a polygon of the index?
fn meets(index: &PolyIndex, ring: &[[f64; 2]], origin: [f64; 2]) -> bool {
    let poly = geo_poly(ring, origin);
    let r = poly.bounding_rect().expect("non-empty ring");
    let env = rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
    index
        .locate_in_envelope_intersecting(&env)
        .any(|p| p.data.intersects(&poly))
}

/// Files written, in this order.
const FILES: [&str; 11] = [
    "parcels.gpkg",
    "enterprises.csv",
    "villages.geojson",
    "plan.geojson",
    "protected.geojson",
    "project.toml",
    "buildings.gpkg",
    "parks.geojson",
    "vacated.geojson",
    "townships.geojson",
    "xiuzhou_boundary.geojson",
];

/// Write every file into `dir`; returns the file names and the inventory.
fn write_all(dir: &Path, layout: &Layout, seed: u64, m: usize) -> Result<(Vec<String>, Inventory)> {
    let names = FILES;
    let t0 = std::time::Instant::now();
    let trace = |what: &str| {
        if std::env::var_os("TUDI_SYNTH_TRACE").is_some() {
            eprintln!("{what}: {:.2} s", t0.elapsed().as_secs_f64());
        }
    };
    let parcels = output::write_parcels(&dir.join(names[0]), layout, seed)?;
    trace("parcels");
    let areas = &parcels.areas;
    let n = layout.blocks.len();
    let mut ents = enterprises::generate(seed, layout, areas, m);
    let to_ll = gk::transform(gk::EPSG_GK40, gk::EPSG_CGCS2000)?;
    let mut zones = zone_layers(layout, seed);
    let origin = [layout.lat.origin.0, layout.lat.origin.1];
    let prot = poly_index(&zones.protected, origin);
    let in_protected = |ring: &[[f64; 2]]| meets(&prot, ring, origin);
    let clusters = vacated::clusters(seed, layout, areas, &in_protected);
    let cluster_tiles = clusters
        .iter()
        .map(|c| {
            let b = &layout.blocks[c[0] as usize];
            buildings::tile_of(b.c0, b.r0)
        })
        .collect();
    let mut parks = buildings::parks(seed, layout, areas, &cluster_tiles);
    buildings::plan_supply(seed, layout, &mut parks);
    // a park under construction holds no firm: they move to other zone
    // parcels (outside parks and the vacated clusters' tiles)
    let cleared: Vec<u32> = parks
        .iter()
        .filter(|p| p.planned)
        .flat_map(|p| p.blocks.iter().copied())
        .collect();
    let in_park: std::collections::HashSet<u32> = parks
        .iter()
        .flat_map(|p| p.blocks.iter().copied())
        .collect();
    let onto: Vec<u32> = (0..n as u32)
        .filter(|&k| {
            let b = &layout.blocks[k as usize];
            matches!(b.role, Role::Zone(_))
                && b.dlbm == "0601"
                && !in_park.contains(&k)
                && !cluster_tiles.contains(&buildings::tile_of(b.c0, b.r0))
        })
        .collect();
    enterprises::move_off(seed, layout, &mut ents, &cleared, &onto);
    let vac = vacated::plan(
        seed,
        layout,
        areas,
        &clusters,
        &mut ents,
        &in_protected,
        &to_ll,
    )?;
    zones.protected.extend(vac.strips.iter().cloned());
    // no building on vacated land nor in a park under construction
    let mut cleared_land = vac.demolished(n);
    for &k in &cleared {
        cleared_land[k as usize] = true;
    }
    let blds = buildings::generate(seed, layout, areas, &parks, &cleared_land, &vac.covered(n));
    let park_floor = buildings::park_floor(&parks, &blds);
    buildings::fill_vacancy(seed, &mut parks, &park_floor);
    enterprises::floor_areas(seed, &mut ents, &parks, &park_floor);
    trace("buildings and vacated land");
    let mut lonlat: Vec<[f64; 2]> = ents.iter().map(|e| e.gk).collect();
    gk::apply(&to_ll, &mut lonlat)?;
    output::write_enterprises(&dir.join(names[1]), &ents, &lonlat)?;
    trace("enterprises");
    let features = |z: &[ZonePoly]| z.iter().map(ZonePoly::feature).collect::<Vec<_>>();
    output::write_geojson(&dir.join(names[2]), &features(&zones.villages), &to_ll)?;
    output::write_geojson(&dir.join(names[3]), &features(&zones.plan), &to_ll)?;
    output::write_geojson(&dir.join(names[4]), &features(&zones.protected), &to_ll)?;
    output::write_buildings(&dir.join(names[6]), &blds)?;
    output::write_geojson(&dir.join(names[7]), &park_features(&parks), &to_ll)?;
    output::write_geojson(&dir.join(names[8]), &vacated_features(&vac), &to_ll)?;
    output::write_geojson(&dir.join(names[9]), &townships::features(layout), &to_ll)?;
    let boundary = dir.join(names[10]);
    let mut written: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let title = if layout.counties.is_empty() {
        std::fs::write(&boundary, BOUNDARY).map_err(|e| io_err(&boundary, e))?;
        format!("秀洲区 合成样例 (seed {seed})")
    } else {
        // the district is its counties together, under the same file name
        let name = format!(
            "{}等{}个县（市、区）",
            layout.counties[0].name,
            layout.counties.len()
        );
        let outline = GeoFeature {
            polygons: townships::window_outline(layout),
            props: vec![("name", name.clone().into())],
        };
        output::write_geojson(&boundary, &[outline], &to_ll)?;
        output::write_geojson(
            &dir.join(COUNTIES_FILE),
            &townships::county_features(layout),
            &to_ll,
        )?;
        written.push(COUNTIES_FILE.to_string());
        format!("{name} 合成样例 (seed {seed})")
    };
    output::write_project(
        &dir.join(names[5]),
        &title,
        &goals(layout, &parks, &blds, &vac, ents.len()),
    )?;
    trace("zones, parks, vacated land, townships");
    let mut inv = inventory(layout, &parcels, &ents, &zones, &parks, &blds, &vac);
    if !layout.counties.is_empty() {
        inv.counties = county_inventories(layout, &parcels.areas, &ents, &parks, &vac);
    }
    trace("inventory");
    Ok((written, inv))
}

/// The counties' layer of a district of several, written after [`FILES`].
const COUNTIES_FILE: &str = "counties.geojson";

fn park_features(parks: &[buildings::Park]) -> Vec<GeoFeature> {
    parks
        .iter()
        .map(|p| GeoFeature {
            polygons: vec![vec![p.ring.clone()]],
            props: vec![
                ("name", p.name.clone().into()),
                ("star", p.star.into()),
                ("grade", p.grade.to_string().into()),
                ("opened", p.opened.into()),
                ("status", p.status().into()),
                ("vacant_m2", p.vacant_m2.map(|v| v as i64).into()),
                ("industries", p.industries.clone().into()),
            ],
        })
        .collect()
}

fn vacated_features(vac: &vacated::Vacated) -> Vec<GeoFeature> {
    vac.records
        .iter()
        .map(|r| GeoFeature {
            polygons: vec![vec![r.ring.clone()]],
            props: vec![
                ("id", r.id.clone().into()),
                ("status", r.status.code().into()),
                ("done_date", r.done_date.clone().into()),
                ("claimed_mu", r.claimed_mu.into()),
                ("township", r.township.clone().into()),
            ],
        })
        .collect()
}

/// The year's goals, a little above what was planted: vacated land,
/// effective land (three quarters of it), new parks and their floor area,
/// and, as an example, the vacated land of the township with the most.
fn goals(
    layout: &Layout,
    parks: &[buildings::Park],
    blds: &[buildings::Building],
    vac: &vacated::Vacated,
    firms: usize,
) -> output::Goals {
    let tens = |x: f64| (x / 10.0).ceil() * 10.0;
    let done: Vec<&vacated::Record> = vac
        .records
        .iter()
        .filter(|r| r.status == Status::Done)
        .collect();
    let done_mu: f64 = done.iter().map(|r| r.area).sum::<f64>() / MU;
    let new: Vec<u32> = (0..parks.len() as u32)
        .filter(|&p| parks[p as usize].opened == buildings::YEAR)
        .collect();
    let new_floor: f64 = blds
        .iter()
        .filter(|b| b.park.is_some_and(|p| new.contains(&p)))
        .map(|b| b.floor_area_m2())
        .sum();
    let mut per_township: std::collections::BTreeMap<&str, f64> = Default::default();
    for r in &done {
        if let Some(t) = &r.township {
            *per_township.entry(t.as_str()).or_default() += r.area / MU;
        }
    }
    let township = per_township
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(code, mu)| {
            let t = layout.townships.iter().find(|t| t.code9 == *code)?;
            Some((code.to_string(), t.name.clone(), tens(mu * 1.1)))
        });
    // each county's share of the district's goals: by its done land
    let mut county_mu = vec![0.0; layout.counties.len()];
    if !layout.counties.is_empty() {
        for r in &done {
            county_mu[r.county as usize] += r.area / MU;
        }
    }
    let counties = layout
        .counties
        .iter()
        .zip(county_mu)
        .map(|(c, mu)| output::CountyGoals {
            code: c.code,
            name: c.name,
            vacated_mu: tens(mu * 1.2),
            effective_mu: tens(mu * 1.2 * 0.75),
        })
        .collect();
    output::Goals {
        vacated_mu: tens(done_mu * 1.2),
        effective_mu: tens(done_mu * 1.2 * 0.75),
        new_parks: new.len() + 1,
        new_park_floor_m2: (new_floor * 1.2 / 10_000.0).ceil() * 10_000.0,
        // about what a year's campaign aims at in a ledger of this size
        // (the defaults are Xiuzhou's whole-district figures, far above a
        // sample's): 600 firms give 240, 150, 6 and 90 — a village firm is
        // offered a park before it is relocated (issue 14), so moves into
        // parks are a good part of the year's remediations
        remediated: tens(firms as f64 * 0.4) as usize,
        remediated_enterprises: tens(firms as f64 * 0.25) as usize,
        upgraded: (firms / 100).max(1),
        into_parks: (tens(firms as f64 * 0.15) as usize).max(1),
        township,
        counties,
    }
}

fn inventory(
    layout: &Layout,
    parcels: &output::ParcelsWritten,
    ents: &[enterprises::Enterprise],
    zones: &Zones,
    parks: &[buildings::Park],
    blds: &[buildings::Building],
    vac: &vacated::Vacated,
) -> Inventory {
    let count_kind = |k: Kind| layout.groups.iter().filter(|g| g.kind == k).count();
    let group_mu = |g: &layout::Group| {
        g.plots
            .iter()
            .map(|&b| parcels.areas[b as usize])
            .sum::<f64>()
            / MU
    };
    let pairs = |k: Kind| {
        let mut ids: Vec<u32> = layout
            .groups
            .iter()
            .filter(|g| g.kind == k)
            .map(|g| g.pair)
            .collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    let crop_small = layout
        .groups
        .iter()
        .filter(|g| g.kind == Kind::CropCluster && group_mu(g) < 5.0)
        .count();
    let crop_large = count_kind(Kind::CropCluster) - crop_small;
    // expected scattered clusters that overlap a protected polygon
    let origin = [layout.lat.origin.0, layout.lat.origin.1];
    let prot = poly_index(&zones.protected, origin);
    let scattered_in_protected = layout
        .groups
        .iter()
        .filter(|g| match g.kind {
            Kind::Scattered | Kind::GapFar => true,
            Kind::CropCluster => group_mu(g) < 5.0,
            _ => false,
        })
        .filter(|g| {
            g.plots
                .iter()
                .any(|&b| meets(&prot, &layout.blocks[b as usize].ring(&layout.lat), origin))
        })
        .count();
    let site = |s: Site| ents.iter().filter(|e| e.site == s).count();
    let cs = |c: &str| ents.iter().filter(|e| e.coord_sys == c).count();
    let scattered_groups = count_kind(Kind::Scattered);
    let far_pairs = pairs(Kind::GapFar);
    let near_pairs = pairs(Kind::GapNear);
    let cross_blocks = pairs(Kind::CrossCounty);
    let chains = count_kind(Kind::Chain);
    // FAR of each built 0601 parcel (own buildings) and of each park
    let mut floor = vec![0.0; layout.blocks.len()];
    let mut built = vec![false; layout.blocks.len()];
    let mut park_floor = vec![0.0; parks.len()];
    for b in blds {
        if b.straddles.is_none() {
            floor[b.parcel as usize] += b.floor_area_m2();
            built[b.parcel as usize] = true;
        }
        if let Some(p) = b.park {
            park_floor[p as usize] += b.floor_area_m2();
        }
    }
    let industrial = |k: &usize| layout.blocks[*k].dlbm == "0601";
    let n_industrial = (0..layout.blocks.len()).filter(industrial).count();
    let built_parcels = (0..layout.blocks.len()).filter(|k| built[*k]).count();
    let records = &vac.records;
    let count = |f: &dyn Fn(&vacated::Record) -> bool| records.iter().filter(|r| f(r)).count();
    let done = |r: &vacated::Record| r.status == Status::Done;
    // the parcels of each overlapping pair, together
    let mut pairs: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for r in records {
        if let RecordKind::Overlap(p) = r.kind {
            pairs.entry(p).or_default().extend(&r.blocks);
        }
    }
    let pair_mu: Vec<f64> = pairs
        .values_mut()
        .map(|b| {
            b.sort();
            b.dedup();
            b.iter().map(|&k| parcels.areas[k as usize]).sum::<f64>() / MU
        })
        .collect();
    let big_pairs = pair_mu.iter().filter(|&&a| a >= 5.0).count();
    let mut large: Vec<u32> = records
        .iter()
        .filter_map(|r| match r.kind {
            RecordKind::Cluster(c) => Some(c),
            _ => None,
        })
        .collect();
    large.sort();
    large.dedup();
    let single = |r: &vacated::Record| r.kind == RecordKind::Plot && done(r);
    let cross_vacated = cross_vacated_pairs(records);
    Inventory {
        townships: layout.townships.len(),
        villages: layout.villages.len(),
        settlements: layout.settlements.len(),
        town_centres: layout
            .townships
            .iter()
            .filter(|t| t.community.is_some())
            .count(),
        zones: layout.zones.len(),
        zone_parcels: layout
            .blocks
            .iter()
            .filter(|b| matches!(b.role, Role::Zone(_)) && b.dlbm == "0601")
            .count(),
        village_parks: layout.parks.len(),
        park_parcels: layout
            .blocks
            .iter()
            .filter(|b| matches!(b.role, Role::Park(_)) && b.dlbm == "0601")
            .count(),
        park_cropland: layout
            .blocks
            .iter()
            .filter(|b| matches!(b.role, Role::ParkCrop(_)))
            .count(),
        scattered_groups,
        scattered_plots: layout
            .groups
            .iter()
            .filter(|g| g.kind == Kind::Scattered)
            .map(|g| g.plots.len())
            .sum(),
        far_pairs,
        near_pairs,
        chains,
        crop_clusters_small: crop_small,
        crop_clusters_large: crop_large,
        cluster_cropland: layout.groups.iter().map(|g| g.crops.len()).sum(),
        touching_plots: count_kind(Kind::Touching),
        village_plots: layout.groups.iter().map(|g| g.plots.len()).sum(),
        expected_scattered: scattered_groups + 2 * far_pairs + crop_small + cross_blocks,
        expected_large_village: chains + near_pairs + crop_large,
        scattered_in_protected,
        clay_pits: layout.quarries,
        tbmj_off: parcels.tbmj_off,
        protected_polygons: zones.protected.len(),
        plan_polygons: zones.plan.len(),
        ent_zone: site(Site::Zone),
        ent_park: site(Site::Park),
        ent_village_plot: site(Site::VillagePlot),
        ent_cropland: site(Site::Cropland),
        ent_homestead: site(Site::Homestead),
        ent_field: site(Site::Field),
        ent_quarry: site(Site::Quarry),
        ent_outside: site(Site::Outside),
        ent_gcj02: cs("gcj02"),
        ent_cgcs2000: cs("cgcs2000"),
        ent_bd09: cs("bd09"),
        ent_invalid_code: ents.iter().filter(|e| e.code_invalid).count(),
        ent_padded_code: ents.iter().filter(|e| e.code_padded).count(),
        ent_ddd: ents
            .iter()
            .filter(|e| e.grades.len() >= 3 && e.grades[e.grades.len() - 3..] == ['D'; 3])
            .count(),
        ent_key_industry: ents.iter().filter(|e| e.key_industry).count(),
        ent_below_size: ents.iter().filter(|e| e.revenue < 2000.0).count(),
        ent_done: ents.iter().filter(|e| e.done).count(),
        ent_with_land_mu: ents.iter().filter(|e| e.land_mu.is_some()).count(),
        ent_with_floor_m2: ents.iter().filter(|e| e.floor_m2.is_some()).count(),
        buildings: blds.len(),
        buildings_with_floor_area: blds.iter().filter(|b| b.floor_area.is_some()).count(),
        straddling_buildings: blds.iter().filter(|b| b.straddles.is_some()).count(),
        park_buildings: blds.iter().filter(|b| b.park.is_some()).count(),
        low_far_parcels: (0..layout.blocks.len())
            .filter(|&k| built[k] && floor[k] / parcels.areas[k] < buildings::PARCEL_FAR)
            .count(),
        built_parcels,
        bare_industrial_parcels: n_industrial - built_parcels,
        parks: parks.len(),
        parks_new: parks.iter().filter(|p| p.opened == buildings::YEAR).count(),
        parks_low_far: parks
            .iter()
            .zip(&park_floor)
            .filter(|(p, f)| !p.planned && *f / p.area < buildings::PARK_FAR)
            .count(),
        parks_planned: parks.iter().filter(|p| p.planned).count(),
        vacated_records: records.len(),
        vacated_done: count(&done),
        vacated_in_progress: count(&|r| r.status == Status::InProgress),
        vacated_planned: count(&|r| r.status == Status::Planned),
        vacated_overlap_pairs: pairs.len(),
        vacated_wrong_claims: count(&|r| r.wrong_claim),
        vacated_undated: count(&|r| done(r) && r.done_date.is_none()),
        vacated_outside: count(&|r| r.kind == RecordKind::Outside),
        vacated_occupied: count(&|r| r.occupied),
        ent_on_vacated: vac.firms_on_done,
        vacated_no_township: count(&|r| r.township.is_none()),
        vacated_split_blocks: count(&|r| r.kind == RecordKind::Split),
        vacated_large_blocks: large.len(),
        vacated_effective_blocks: large.len()
            + big_pairs
            + count(&|r| single(r) && r.area >= 5.0 * MU),
        vacated_small_blocks: pairs.len() - big_pairs
            + count(&|r| single(r) && r.area < 5.0 * MU)
            + cross_vacated,
        cross_county_blocks: cross_blocks,
        cross_county_vacated: cross_vacated,
        counties: Default::default(),
    }
}

/// Pairs of done CrossCounty records.
fn cross_vacated_pairs(records: &[vacated::Record]) -> usize {
    let mut pairs: Vec<u32> = records
        .iter()
        .filter_map(|r| match r.kind {
            RecordKind::CrossCounty(p) if r.status == Status::Done => Some(p),
            _ => None,
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs.len()
}

/// What was planted in each county (see [`CountyInventory`]).
fn county_inventories(
    layout: &Layout,
    areas: &[f64],
    ents: &[enterprises::Enterprise],
    parks: &[buildings::Park],
    vac: &vacated::Vacated,
) -> std::collections::BTreeMap<String, CountyInventory> {
    let mut per: Vec<CountyInventory> = layout
        .counties
        .iter()
        .map(|c| CountyInventory {
            name: c.name.to_string(),
            ..Default::default()
        })
        .collect();
    let of_township = |t: u32| layout.townships[t as usize].county as usize;
    let of_block =
        |b: u32| of_township(layout.units[layout.blocks[b as usize].unit as usize].township);
    for t in &layout.townships {
        per[t.county as usize].townships += 1;
    }
    for b in &layout.blocks {
        per[of_township(layout.units[b.unit as usize].township)].parcels += 1;
    }
    for z in &layout.zones {
        per[of_township(z.township)].zones += 1;
    }
    for p in &layout.parks {
        per[of_township(layout.villages[p.village as usize].township)].village_parks += 1;
    }
    // planted groups: pairs once, in the county of their plots (a
    // CrossCounty pair in both)
    let mut seen_pairs = std::collections::HashSet::new();
    for g in &layout.groups {
        let c = of_block(g.plots[0]);
        let q = &mut per[c];
        q.village_plots += g.plots.len();
        let first_of_pair = g.pair == u32::MAX || seen_pairs.insert((g.kind, g.pair, c));
        match g.kind {
            Kind::Scattered => q.scattered_groups += 1,
            Kind::GapFar if first_of_pair => q.far_pairs += 1,
            Kind::GapNear if first_of_pair => q.near_pairs += 1,
            Kind::Chain => q.chains += 1,
            Kind::CropCluster => {
                if g.plots.iter().map(|&b| areas[b as usize]).sum::<f64>() < 5.0 * MU {
                    q.crop_clusters_small += 1;
                } else {
                    q.crop_clusters_large += 1;
                }
            }
            Kind::Touching => q.touching_plots += 1,
            Kind::CrossCounty => q.cross_county_blocks += 1,
            Kind::GapFar | Kind::GapNear => {}
        }
    }
    for q in per.iter_mut() {
        q.expected_scattered = q.scattered_groups + 2 * q.far_pairs + q.crop_clusters_small;
        q.expected_large_village = q.chains + q.near_pairs + q.crop_clusters_large;
    }
    for e in ents {
        if let Some(b) = e.block {
            per[of_block(b)].enterprises += 1;
        }
    }
    for p in parks {
        per[of_block(p.blocks[0])].parks += 1;
    }
    // vacated blocks as the district counts them, each in its county
    let mut overlap: std::collections::BTreeMap<u32, (usize, Vec<u32>)> = Default::default();
    let mut large = std::collections::BTreeSet::new();
    let mut cross = std::collections::BTreeSet::new();
    for r in &vac.records {
        let c = r.county as usize;
        per[c].vacated_records += 1;
        if r.status != Status::Done {
            continue;
        }
        per[c].vacated_done += 1;
        match r.kind {
            RecordKind::Cluster(k) => {
                if large.insert(k) {
                    per[c].vacated_large_blocks += 1;
                    per[c].vacated_effective_blocks += 1;
                }
            }
            RecordKind::Overlap(p) => overlap
                .entry(p)
                .or_insert((c, Vec::new()))
                .1
                .extend(&r.blocks),
            RecordKind::Plot if r.area >= 5.0 * MU => per[c].vacated_effective_blocks += 1,
            RecordKind::Plot => per[c].vacated_small_blocks += 1,
            RecordKind::CrossCounty(p) => {
                if cross.insert((p, c)) {
                    per[c].cross_county_vacated += 1;
                }
            }
            RecordKind::Split | RecordKind::Outside => {}
        }
    }
    for (c, mut blocks) in overlap.into_values() {
        blocks.sort();
        blocks.dedup();
        if blocks.iter().map(|&b| areas[b as usize]).sum::<f64>() >= 5.0 * MU {
            per[c].vacated_effective_blocks += 1;
        } else {
            per[c].vacated_small_blocks += 1;
        }
    }
    layout
        .counties
        .iter()
        .zip(per)
        .map(|(c, q)| (c.code.to_string(), q))
        .collect()
}

#[cfg(test)]
mod tests;
