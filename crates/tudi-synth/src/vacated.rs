//! Vacated-land (腾退) records: mostly scattered village industrial plots
//! cleared in 2020, a few whole industrial clusters, and the ledger's usual
//! faults — records claimed twice, areas mis-claimed, done without a
//! date, drawn off the map, and firms still standing on cleared land.
//!
//! Each record is the outline of whole parcels (the union of adjacent
//! lattice blocks), so its area is the sum of theirs, exactly. Records
//! avoid protected land, except one block cut in two by a protected strip
//! added for it. Planted groups keep a lattice cell (≥ 15 m) from other
//! industrial land, so records on different groups never touch.

use std::collections::{HashMap, HashSet};

use super::buildings::{tile_of, YEAR};
use super::enterprises::Enterprise;
use super::lattice::ring_area;
use super::layout::{Kind, Layout, Role, Theme, MU};
use super::output::ZonePoly;
use super::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Planned,
    InProgress,
    Done,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::InProgress => "in_progress",
            Status::Done => "done",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// One planted village group (or part of a chain).
    Plot,
    /// One parcel of a whole cluster vacated (a ≥ 50 mu block).
    Cluster(u32),
    /// Half of an overlapping pair (pair number).
    Overlap(u32),
    /// The block split by a protected strip.
    Split,
    /// Drawn beyond the window, outside every parcel.
    Outside,
    /// One of a done pair on the two plots of a CrossCounty pair (pair
    /// number): one block in two counties.
    CrossCounty(u32),
}

pub struct Record {
    pub id: String,
    pub kind: RecordKind,
    pub blocks: Vec<u32>,
    /// Closed counter-clockwise ring, GK.
    pub ring: Vec<[f64; 2]>,
    pub status: Status,
    pub done_date: Option<String>,
    pub claimed_mu: f64,
    pub township: Option<String>,
    /// The county (in [`Layout::counties`]) it lies in, or beside.
    pub county: u32,
    /// Ellipsoidal area, m².
    pub area: f64,
    pub wrong_claim: bool,
    /// Done, with a pending firm still on it.
    pub occupied: bool,
}

pub struct Vacated {
    pub records: Vec<Record>,
    /// Protected strips cutting a vacated block in two.
    pub strips: Vec<ZonePoly>,
    /// Pending firms standing on done records.
    pub firms_on_done: usize,
}

impl Vacated {
    /// Parcels of done records nobody stands on any more (buildings gone;
    /// occupied records share no parcel with another record).
    pub fn demolished(&self, n: usize) -> Vec<bool> {
        let mut v = vec![false; n];
        for r in &self.records {
            if r.status == Status::Done && !r.occupied {
                for &b in &r.blocks {
                    v[b as usize] = true;
                }
            }
        }
        v
    }

    /// Parcels under any record.
    pub fn covered(&self, n: usize) -> Vec<bool> {
        let mut v = vec![false; n];
        for r in &self.records {
            for &b in &r.blocks {
                v[b as usize] = true;
            }
        }
        v
    }
}

/// Whole clusters to vacate (2 at 6 000 parcels, growing with the square
/// root of the parcel count): each the largest ≥ 55 mu piece of 0601
/// parcels touching one another in a tile, on village industrial parks
/// first, then zone tiles; clear of protected land and not on neighbouring
/// tiles, so that they stay separate blocks.
pub fn clusters(
    seed: u64,
    layout: &Layout,
    areas: &[f64],
    in_protected: &dyn Fn(&[[f64; 2]]) -> bool,
) -> Vec<Vec<u32>> {
    let mut rng = Rng::derive(seed, &[0xC1A5]);
    let lat = &layout.lat;
    let want = ((2.0 * (layout.blocks.len() as f64 / 6000.0).sqrt()).round() as usize).max(1);
    let mut by_tile: HashMap<(usize, usize), Vec<u32>> = HashMap::new();
    for (k, b) in layout.blocks.iter().enumerate() {
        if b.dlbm == "0601" && matches!(b.role, Role::Zone(_) | Role::Park(_)) {
            by_tile
                .entry(tile_of(b.c0, b.r0))
                .or_default()
                .push(k as u32);
        }
    }
    let mut village_sites = Vec::new();
    let mut zone_sites = Vec::new();
    let mut tiles: Vec<(usize, usize)> = by_tile.keys().copied().collect();
    tiles.sort();
    for t in tiles {
        let piece = largest_piece(layout, areas, &by_tile[&t]);
        let mu: f64 = piece.iter().map(|&b| areas[b as usize]).sum::<f64>() / MU;
        if mu < 55.0
            || piece
                .iter()
                .any(|&b| in_protected(&layout.blocks[b as usize].ring(lat)))
        {
            continue;
        }
        match layout.theme(t.0, t.1) {
            Theme::Park(_) => village_sites.push((t, piece)),
            _ => zone_sites.push((t, piece)),
        }
    }
    rng.shuffle(&mut village_sites);
    rng.shuffle(&mut zone_sites);
    let mut chosen: Vec<((usize, usize), Vec<u32>)> = Vec::new();
    for (t, piece) in village_sites.into_iter().chain(zone_sites) {
        if chosen.len() == want {
            break;
        }
        if !chosen
            .iter()
            .any(|(c, _)| c.0.abs_diff(t.0) <= 1 && c.1.abs_diff(t.1) <= 1)
        {
            chosen.push((t, piece));
        }
    }
    chosen.into_iter().map(|c| c.1).collect()
}

/// ISO date of a day of 2020 (1-based; 2020 is a leap year).
fn date_2020(mut day: usize) -> String {
    const LEN: [usize; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, &len) in LEN.iter().enumerate() {
        if day <= len {
            return format!("{YEAR}-{:02}-{day:02}", m + 1);
        }
        day -= len;
    }
    unreachable!("day of 2020 out of range")
}

/// A done date: 40 % in the "百日千亩" drive (1 June – 8 September),
/// the rest over the year.
fn done_date(rng: &mut Rng) -> String {
    if rng.chance(0.4) {
        date_2020(rng.int(153, 252))
    } else {
        date_2020(rng.int(1, 366))
    }
}

/// Cell range (c0, r0, c1, r1) covered by blocks forming one rectangle.
fn bbox(layout: &Layout, blocks: &[u32]) -> (usize, usize, usize, usize) {
    let mut r = (usize::MAX, usize::MAX, 0, 0);
    for &b in blocks {
        let b = &layout.blocks[b as usize];
        r.0 = r.0.min(b.c0 as usize);
        r.1 = r.1.min(b.r0 as usize);
        r.2 = r.2.max(b.c1 as usize);
        r.3 = r.3.max(b.r1 as usize);
    }
    r
}

/// Plan the records (on `clusters`, see [`clusters`], and on planted
/// village groups), add the splitting strip, and set the firms on done
/// land to `done` (but those on occupied records to `pending`).
/// `in_protected` tells whether a GK ring meets protected land; `to_ll`
/// converts GK to lon/lat (for the area of the record off the map).
pub fn plan(
    seed: u64,
    layout: &Layout,
    areas: &[f64],
    clusters: &[Vec<u32>],
    ents: &mut [Enterprise],
    in_protected: &dyn Fn(&[[f64; 2]]) -> bool,
    to_ll: &gdal::spatial_ref::CoordTransform,
) -> tudi_core::error::Result<Vacated> {
    let mut rng = Rng::derive(seed, &[0x7E7E]);
    let lat = &layout.lat;
    let unit_of = |b: u32| &layout.units[layout.blocks[b as usize].unit as usize];
    let mut records: Vec<Record> = Vec::new();
    let mut push = |kind: RecordKind, blocks: Vec<u32>, ring: Vec<[f64; 2]>, status: Status| {
        let area = blocks.iter().map(|&b| areas[b as usize]).sum();
        let u = unit_of(blocks[0]);
        let township = Some(u.code12[..9].to_string());
        let county = layout.townships[u.township as usize].county;
        records.push(Record {
            id: String::new(),
            kind,
            blocks,
            ring,
            status,
            done_date: None,
            claimed_mu: 0.0,
            township,
            county,
            area,
            wrong_claim: false,
            occupied: false,
        });
    };

    // 1. whole clusters
    for (c, piece) in clusters.iter().enumerate() {
        for &b in piece {
            let ring = layout.blocks[b as usize].ring(lat);
            push(RecordKind::Cluster(c as u32), vec![b], ring, Status::Done);
        }
    }

    // 2. planted village groups clear of protected land
    let group_ring = |plots: &[u32]| {
        let (c0, r0, c1, r1) = bbox(layout, plots);
        lat.ring(c0, r0, c1, r1)
    };
    // groups of several plots in a line, chains first
    let mut lines = Vec::new();
    let mut others = Vec::new();
    for g in &layout.groups {
        if !matches!(
            g.kind,
            Kind::Scattered | Kind::GapFar | Kind::Chain | Kind::CropCluster
        ) || in_protected(&group_ring(&g.plots))
        {
            continue;
        }
        if g.plots.len() >= 2 {
            lines.push(g);
        } else {
            others.push(g);
        }
    }
    rng.shuffle(&mut lines);
    lines.sort_by_key(|g| g.kind != Kind::Chain);
    // a line (≥ 5.5 mu) cut across its middle cell by a protected strip
    // into two parts under 4.5 mu
    let mut strips = Vec::new();
    let split = lines.iter().position(|g| {
        let (c0, r0, c1, r1) = bbox(layout, &g.plots);
        let (len, depth) = ((c1 - c0).max(r1 - r0), (c1 - c0).min(r1 - r0));
        let a = cell_mu(layout, c0, r0);
        let mid = len / 2;
        let halves = [mid, len - mid - 1].map(|n| (n * depth) as f64 * a);
        (len * depth) as f64 * a >= 5.5 && halves.iter().all(|&h| h < 4.5)
    });
    if let Some(i) = split {
        let g = lines.remove(i);
        let (c0, r0, c1, r1) = bbox(layout, &g.plots);
        let (x, y) = (&lat.x.pos, &lat.y.pos);
        let ring = if c1 - c0 >= r1 - r0 {
            let m = c0 + (c1 - c0) / 2;
            lat.nominal_rect(x[m], y[r0] - 6.0, x[m + 1], y[r1] + 6.0)
        } else {
            let m = r0 + (r1 - r0) / 2;
            lat.nominal_rect(x[c0] - 6.0, y[m], x[c1] + 6.0, y[m + 1])
        };
        let u = &layout.units[layout.blocks[g.plots[0] as usize].unit as usize];
        strips.push(ZonePoly {
            ring,
            props: vec![
                ("kind", "生态保护红线".to_string()),
                ("name", format!("{}河道生态保护红线", u.name)),
            ],
        });
        push(
            RecordKind::Split,
            g.plots.clone(),
            group_ring(&g.plots),
            Status::Done,
        );
    }
    // overlapping pairs: two records of one line sharing its middle plot
    let chains = lines.iter().filter(|g| g.kind == Kind::Chain).count();
    let n_overlap = ((chains as f64 * 0.15).round() as usize)
        .max(1)
        .min(lines.len());
    for (pair, g) in lines.drain(..n_overlap).enumerate() {
        let k = g.plots.len() / 2;
        for part in [&g.plots[..=k], &g.plots[k..]] {
            push(
                RecordKind::Overlap(pair as u32),
                part.to_vec(),
                group_ring(part),
                Status::Done,
            );
        }
    }
    // the rest: each group vacated with probability 0.45
    others.extend(lines);
    for g in others {
        if !rng.chance(0.45) {
            continue;
        }
        let status = match rng.weighted(&[0.75, 0.15, 0.10]) {
            0 => Status::Done,
            1 => Status::InProgress,
            _ => Status::Planned,
        };
        push(
            RecordKind::Plot,
            g.plots.clone(),
            group_ring(&g.plots),
            status,
        );
    }
    // every other pair of plots across a county border, both done
    let mut cross: Vec<&super::layout::Group> = layout
        .groups
        .iter()
        .filter(|g| g.kind == Kind::CrossCounty && g.pair % 2 == 0)
        .collect();
    cross.sort_by_key(|g| g.pair);
    for g in cross {
        push(
            RecordKind::CrossCounty(g.pair),
            g.plots.clone(),
            group_ring(&g.plots),
            Status::Done,
        );
    }

    // at least one small done record on its own
    let small = |r: &Record| r.kind == RecordKind::Plot && r.area < 5.0 * MU;
    if !records.iter().any(|r| small(r) && r.status == Status::Done) {
        if let Some(r) = records.iter_mut().find(|r| small(r)) {
            r.status = Status::Done;
        }
    }

    // 3. records drawn 150–400 m beyond the window (one per 200 000
    //    parcels, at least one)
    let (wx, wy) = lat.size();
    for _ in 0..1 + layout.blocks.len() / 200_000 {
        let d = rng.uniform(150.0, 400.0);
        let (sx, sy) = (rng.uniform(35.0, 50.0), rng.uniform(30.0, 45.0));
        let along = rng.uniform(0.1, 0.9);
        let (x0, y0) = match rng.below(4) {
            0 => (-d - sx, along * wy),
            1 => (wx + d, along * wy),
            2 => (along * wx, -d - sy),
            _ => (along * wx, wy + d),
        };
        let ring = lat.nominal_rect(x0, y0, x0 + sx, y0 + sy);
        let mut centre = [lat.warp(x0 + sx / 2.0, y0 + sy / 2.0)];
        super::gk::apply(to_ll, &mut centre)?;
        let area = super::gk::ellipsoidal_area(ring_area(&ring), centre[0][0], centre[0][1]);
        // the township of the nearest tile (negative casts saturate to 0)
        let i = ((x0 / wx * layout.tiles_x as f64) as usize).min(layout.tiles_x - 1);
        let j = ((y0 / wy * layout.tiles_y as f64) as usize).min(layout.tiles_y - 1);
        let v = layout.tile_village[j * layout.tiles_x + i];
        let t = layout.villages[v as usize].township;
        records.push(Record {
            id: String::new(),
            kind: RecordKind::Outside,
            blocks: Vec::new(),
            ring,
            status: Status::Done,
            done_date: None,
            claimed_mu: 0.0,
            township: Some(layout.townships[t as usize].code9.clone()),
            county: layout.townships[t as usize].county,
            area,
            wrong_claim: false,
            occupied: false,
        });
    }

    // 4. the ledger: dates, claims, faults
    let n = records.len();
    let frac = |x: f64, of: usize| ((of as f64 * x).round() as usize).max(1).min(of);
    // faults on plain records (plots and whole clusters)
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| matches!(records[i].kind, RecordKind::Plot | RecordKind::Cluster(_)))
        .collect();
    rng.shuffle(&mut order);
    let n_wrong = frac(0.05, order.len());
    for &i in &order[..n_wrong] {
        records[i].wrong_claim = true;
    }
    let done_plots: Vec<usize> = order[n_wrong..]
        .iter()
        .copied()
        .filter(|&i| records[i].status == Status::Done)
        .collect();
    let n_undated = frac(0.03, done_plots.len());
    let undated: HashSet<usize> = done_plots[..n_undated].iter().copied().collect();
    // occupied: done records with a firm on them
    let firm_blocks: HashSet<u32> = ents.iter().filter_map(|e| e.block).collect();
    let with_firm: Vec<usize> = done_plots[n_undated..]
        .iter()
        .copied()
        .filter(|&i| records[i].blocks.iter().any(|b| firm_blocks.contains(b)))
        .collect();
    for &i in &with_firm[..frac(0.06, with_firm.len())] {
        records[i].occupied = true;
    }
    for (i, r) in records.iter_mut().enumerate() {
        if r.status == Status::Done && !undated.contains(&i) {
            r.done_date = Some(done_date(&mut rng));
        }
        let mu = r.area / MU;
        let factor = if r.wrong_claim {
            if rng.chance(0.8) {
                rng.uniform(1.10, 1.30)
            } else {
                rng.uniform(0.75, 0.90)
            }
        } else {
            1.0 + rng.uniform(-0.005, 0.005)
        };
        r.claimed_mu = (mu * factor * 100.0).round() / 100.0;
    }
    let mut all: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut all);
    for &i in &all[..frac(0.08, n)] {
        records[i].township = None;
    }
    // ledger order, then ids
    rng.shuffle(&mut records);
    for (k, r) in records.iter_mut().enumerate() {
        r.id = format!("TT{YEAR}-{:04}", k + 1);
    }

    // firms: gone from done land, except on occupied records
    let mut state: HashMap<u32, bool> = HashMap::new(); // block → occupied
    for r in records.iter().filter(|r| r.status == Status::Done) {
        for &b in &r.blocks {
            let e = state.entry(b).or_insert(false);
            *e |= r.occupied;
        }
    }
    let mut firms_on_done = 0;
    for e in ents.iter_mut() {
        if let Some(&occupied) = e.block.as_ref().and_then(|b| state.get(b)) {
            e.done = !occupied;
            firms_on_done += usize::from(occupied);
        }
    }
    Ok(Vacated {
        records,
        strips,
        firms_on_done,
    })
}

/// Nominal mu of a cell of the tile holding lattice cell (c, r).
fn cell_mu(layout: &Layout, c: usize, r: usize) -> f64 {
    let (i, j) = tile_of(c as u32, r as u32);
    layout.lat.x.cell[i] * layout.lat.y.cell[j] / MU
}

/// The largest (by area) set of `blocks` joined by shared edges or corners.
fn largest_piece(layout: &Layout, areas: &[f64], blocks: &[u32]) -> Vec<u32> {
    let n = blocks.len();
    let touch = |a: u32, b: u32| {
        let (a, b) = (&layout.blocks[a as usize], &layout.blocks[b as usize]);
        a.c0 <= b.c1 && b.c0 <= a.c1 && a.r0 <= b.r1 && b.r0 <= a.r1
    };
    let mut piece_of = vec![usize::MAX; n];
    let mut pieces: Vec<Vec<u32>> = Vec::new();
    for s in 0..n {
        if piece_of[s] != usize::MAX {
            continue;
        }
        let id = pieces.len();
        let mut stack = vec![s];
        piece_of[s] = id;
        let mut members = Vec::new();
        while let Some(i) = stack.pop() {
            members.push(blocks[i]);
            for j in 0..n {
                if piece_of[j] == usize::MAX && touch(blocks[i], blocks[j]) {
                    piece_of[j] = id;
                    stack.push(j);
                }
            }
        }
        members.sort();
        pieces.push(members);
    }
    pieces
        .into_iter()
        .max_by(|a, b| {
            let mu = |p: &Vec<u32>| p.iter().map(|&k| areas[k as usize]).sum::<f64>();
            mu(a).total_cmp(&mu(b))
        })
        .unwrap_or_default()
}
