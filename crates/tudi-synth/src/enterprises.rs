//! The enterprise ledger (台账): who sits where, with credit codes,
//! industries, revenue, tax, per-mu grades and geocoded positions.

use std::collections::HashSet;

use super::layout::{Layout, Role, MU};
use super::names::{self, Industry};
use super::rng::{hash, unit, Rng};
use tudi_core::credit_code;

/// Where an enterprise was put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// On an industrial-zone parcel (0601).
    Zone,
    /// On a village industrial park parcel (0601).
    Park,
    /// On a planted village 0601 plot (scattered, chain, pair, touching,
    /// cropland cluster).
    VillagePlot,
    /// On cropland next to village 0601 plots or inside a village park
    /// (no legal land).
    Cropland,
    /// In a village homestead (home workshop, no industrial land).
    Homestead,
    /// On an ordinary field (illegal shed on farmland).
    Field,
    /// On the clay pit (0602).
    Quarry,
    /// Outside every parcel (an address that geocodes off the map).
    Outside,
}

#[derive(Clone, Debug)]
pub struct Enterprise {
    pub credit_code: String,
    pub name: String,
    pub industry: String,
    pub key_industry: bool,
    pub revenue: f64,
    pub tax: f64,
    pub land_mu: Option<f64>,
    /// Floor area in use (用房面积), m², for about a third (every firm in
    /// an opened park).
    pub floor_m2: Option<f64>,
    /// The firm's share of its parcel (or a drawn land area), mu.
    pub share_mu: f64,
    pub grades: Vec<char>,
    /// True position, GK metres.
    pub gk: [f64; 2],
    pub coord_sys: &'static str,
    pub done: bool,
    pub deadline: Option<String>,
    pub site: Site,
    /// The parcel (layout block) it stands on.
    pub block: Option<u32>,
    pub code_invalid: bool,
    pub code_padded: bool,
}

/// A random point of a parcel, as `generate` places firms: inside a
/// random cell of it, 20–80 % across.
fn point_in(r: &mut Rng, layout: &Layout, block: u32) -> [f64; 2] {
    let b = &layout.blocks[block as usize];
    let c = b.c0 as usize + r.below((b.c1 - b.c0) as usize);
    let rr = b.r0 as usize + r.below((b.r1 - b.r0) as usize);
    layout
        .lat
        .cell_point(c, rr, r.uniform(0.2, 0.8), r.uniform(0.2, 0.8))
}

/// GB 11714 organisation-code check character of 8 body characters.
fn org_check(body: &[u8]) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .iter()
        .zip(W)
        .map(|(&c, w)| {
            let v = if c.is_ascii_digit() {
                (c - b'0') as u32
            } else {
                (c - b'A') as u32 + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    }
}

/// A fresh, valid unified social credit code.
fn credit_code(rng: &mut Rng, kind: char, division: &str) -> String {
    const ORG: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body: Vec<u8> = if rng.chance(0.65) {
        let mut b = b"MA2".to_vec();
        for _ in 0..5 {
            b.push(*rng.pick(ORG));
        }
        b
    } else {
        let first = *rng.pick(b"57");
        let mut b = vec![first];
        for _ in 0..7 {
            b.push(b'0' + rng.below(10) as u8);
        }
        b
    };
    let mut s = format!("9{kind}{division}");
    s.push_str(std::str::from_utf8(&body).expect("ASCII"));
    s.push(org_check(&body));
    let check = credit_code::check_char(&s).expect("17 valid characters");
    s.push(check);
    s
}

/// A typo that makes a code invalid (checked).
fn corrupt(rng: &mut Rng, code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    for _ in 0..20 {
        let m: String = match rng.below(4) {
            0 => {
                let mut c = chars.clone();
                let old = c[17];
                while c[17] == old {
                    c[17] = *rng.pick(&['0', '1', '3', '7', '8', 'A', 'X', 'Y']);
                }
                c.into_iter().collect()
            }
            1 => {
                let mut c = chars.clone();
                let i = rng.int(8, 15);
                c.swap(i, i + 1);
                c.into_iter().collect()
            }
            2 => {
                let mut c = chars.clone();
                c.remove(rng.int(8, 16));
                c.into_iter().collect()
            }
            _ => {
                let mut c = chars.clone();
                let i = rng.int(8, 16);
                c[i] = if c[i] == '0' { 'O' } else { 'I' };
                c.into_iter().collect()
            }
        };
        if !credit_code::is_valid(&m) {
            return m;
        }
    }
    format!("{}O", &code[..17])
}

struct Profile {
    revenue_median: f64,
    revenue_sigma: f64,
    key_share: f64,
    grades: [f64; 4],
    individual: f64,
}

fn profile(site: Site) -> Profile {
    match site {
        Site::Zone | Site::Outside => Profile {
            revenue_median: 2200.0,
            revenue_sigma: 1.2,
            key_share: 0.30,
            grades: [0.32, 0.48, 0.17, 0.03],
            individual: 0.0,
        },
        Site::Park => Profile {
            revenue_median: 700.0,
            revenue_sigma: 1.0,
            key_share: 0.35,
            grades: [0.20, 0.45, 0.28, 0.07],
            individual: 0.1,
        },
        Site::Quarry => Profile {
            revenue_median: 800.0,
            revenue_sigma: 0.6,
            key_share: 0.0,
            grades: [0.05, 0.30, 0.45, 0.20],
            individual: 0.0,
        },
        Site::Homestead => Profile {
            revenue_median: 50.0,
            revenue_sigma: 0.8,
            key_share: 0.25,
            grades: [0.08, 0.37, 0.40, 0.15],
            individual: 0.7,
        },
        _ => Profile {
            revenue_median: 120.0,
            revenue_sigma: 0.9,
            key_share: 0.35,
            grades: [0.12, 0.40, 0.36, 0.12],
            individual: 0.45,
        },
    }
}

const GRADES: [char; 4] = ['A', 'B', 'C', 'D'];

/// Per-mu tax (万元/mu) typical of a grade.
fn tax_per_mu(rng: &mut Rng, g: char) -> f64 {
    match g {
        'A' => rng.uniform(12.0, 30.0),
        'B' => rng.uniform(4.0, 12.0),
        'C' => rng.uniform(1.0, 4.0),
        _ => rng.uniform(0.2, 1.0),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One site to fill: a parcel (or none) and what it is.
#[derive(Clone, Copy, Debug)]
struct Slot {
    block: Option<u32>,
    site: Site,
}

/// Generate `m` enterprises on the layout. `areas` are the parcels'
/// ellipsoidal areas (m²).
pub fn generate(seed: u64, layout: &Layout, areas: &[f64], m: usize) -> Vec<Enterprise> {
    let mut rng = Rng::derive(seed, &[0xE117]);
    let lat = &layout.lat;
    let blocks = &layout.blocks;

    let mut plots = Vec::new();
    let mut crops = Vec::new();
    let mut homesteads = Vec::new();
    let mut fields = Vec::new();
    let mut quarries = Vec::new();
    let mut industrial = Vec::new(); // (block, site)
    for (k, b) in blocks.iter().enumerate() {
        let k = k as u32;
        match b.role {
            Role::Plot(_) => plots.push(k),
            Role::CropPlot(_) | Role::ParkCrop(_) => crops.push(k),
            Role::Homestead => homesteads.push(k),
            Role::Field if b.dlbm.starts_with("01") => fields.push(k),
            Role::Quarry => quarries.push(k),
            Role::Zone(_) if b.dlbm == "0601" => industrial.push((k, Site::Zone)),
            Role::Park(_) if b.dlbm == "0601" => industrial.push((k, Site::Park)),
            _ => {}
        }
    }
    let frac = |x: f64| (m as f64 * x).round() as usize;
    let n_out = if m >= 20 { frac(0.01).max(2) } else { m.min(1) };
    let mut slots: Vec<Slot> = Vec::with_capacity(m);
    for _ in 0..n_out {
        slots.push(Slot {
            block: None,
            site: Site::Outside,
        });
    }
    let mut take = |list: &mut Vec<u32>, n: usize, site: Site, slots: &mut Vec<Slot>| {
        rng.shuffle(list);
        for &b in list.iter().take(n) {
            if slots.len() < m {
                slots.push(Slot {
                    block: Some(b),
                    site,
                });
            }
        }
    };
    take(
        &mut quarries,
        if m >= 100 { 1 } else { 0 },
        Site::Quarry,
        &mut slots,
    );
    take(&mut crops, frac(0.08), Site::Cropland, &mut slots);
    take(&mut plots, frac(0.45), Site::VillagePlot, &mut slots);
    take(&mut homesteads, frac(0.04), Site::Homestead, &mut slots);
    take(
        &mut fields,
        frac(0.01).max(usize::from(m >= 50)),
        Site::Field,
        &mut slots,
    );
    // The rest on industrial land, in proportion to area (several on a big
    // parcel, at least one on most).
    let rest = m - slots.len();
    if rest > 0 && !industrial.is_empty() {
        let total: f64 = industrial.iter().map(|&(b, _)| areas[b as usize]).sum();
        let mut counts: Vec<(usize, f64, usize)> = industrial
            .iter()
            .enumerate()
            .map(|(i, &(b, _))| {
                let share = rest as f64 * areas[b as usize] / total;
                (share.floor() as usize, share - share.floor(), i)
            })
            .collect();
        let assigned: usize = counts.iter().map(|c| c.0).sum();
        let mut order: Vec<usize> = (0..counts.len()).collect();
        order.sort_by(|&a, &b| counts[b].1.total_cmp(&counts[a].1).then(a.cmp(&b)));
        for &i in order.iter().take(rest - assigned) {
            counts[i].0 += 1;
        }
        for (n, _, i) in counts {
            let (b, site) = industrial[i];
            for _ in 0..n {
                slots.push(Slot {
                    block: Some(b),
                    site,
                });
            }
        }
    }
    while slots.len() < m {
        slots.push(Slot {
            block: None,
            site: Site::Outside,
        });
    }
    // How many share each parcel (for land shares).
    let mut sharing = std::collections::HashMap::new();
    for s in &slots {
        if let Some(b) = s.block {
            *sharing.entry(b).or_insert(0usize) += 1;
        }
    }

    let (wx, wy) = lat.size();
    let mut names_taken: HashSet<String> = HashSet::new();
    let mut codes_taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(m);
    for (k, slot) in slots.iter().enumerate() {
        let mut r = Rng::derive(seed, &[0xE2, k as u64]);
        let p = profile(slot.site);
        // position
        let gk = match slot.block {
            Some(b) => point_in(&mut r, layout, b),
            None => {
                // 300 m – 2 km beyond a window edge
                let d = r.uniform(300.0, 2000.0);
                let along = r.f64();
                let (nx, ny) = match r.below(4) {
                    0 => (-d, along * wy),
                    1 => (wx + d, along * wy),
                    2 => (along * wx, -d),
                    _ => (along * wx, wy + d),
                };
                lat.warp(nx, ny)
            }
        };
        // township of the site, for names
        let unit = slot
            .block
            .map(|b| blocks[b as usize].unit)
            .unwrap_or_else(|| layout.villages[layout.tile_village[0] as usize].unit);
        let unit = &layout.units[unit as usize];
        let township = &layout.townships[unit.township as usize];
        let town_short = township
            .name
            .trim_end_matches("街道")
            .trim_end_matches(['镇', '乡'])
            .to_string();
        let ind: Industry = if slot.site == Site::Quarry {
            names::BRICKS
        } else {
            names::industry(&mut r, p.key_share)
        };
        let individual = r.chance(p.individual);
        let mut attempt = 0;
        let name = loop {
            // two-character brands, longer ones once those run out
            let mut brand = names::brand(&mut r);
            for _ in 0..attempt / 16 {
                brand.push_str(&names::brand(&mut r)[..3]);
            }
            attempt += 1;
            let n = if individual {
                if r.chance(0.5) {
                    format!("秀洲区{town_short}{brand}{}厂", ind.word)
                } else {
                    format!("嘉兴市秀洲区{town_short}{brand}{}加工厂", ind.word)
                }
            } else {
                match r.below(10) {
                    0 => format!("浙江{brand}{}有限公司", ind.word),
                    1 if slot.site == Site::Zone => format!("嘉兴{brand}{}股份有限公司", ind.word),
                    _ => format!("嘉兴市{brand}{}有限公司", ind.word),
                }
            };
            if names_taken.insert(n.clone()) {
                break n;
            }
        };
        let division = match r.below(100) {
            0..=6 => "330400",
            7..=11 => "330402",
            _ => &unit.code12[..6],
        };
        let code = loop {
            let c = credit_code(&mut r, if individual { '2' } else { '1' }, division);
            if codes_taken.insert(c.clone()) {
                break c;
            }
        };
        let industry = if r.chance(0.2) {
            format!("C{}", ind.code)
        } else {
            ind.code.to_string()
        };
        // grades, newest drawn first
        let years = if r.chance(0.7) { 3 } else { 4 };
        let latest = GRADES[r.weighted(&p.grades)];
        let mut grades = vec![latest];
        for _ in 1..years {
            let prev = if r.chance(0.65) {
                *grades.last().unwrap()
            } else {
                GRADES[r.weighted(&p.grades)]
            };
            grades.push(prev);
        }
        grades.reverse();
        // land and money
        let share_mu = match slot.block {
            Some(b) => areas[b as usize] / MU / sharing[&b] as f64,
            None => r.lognormal(20.0, 0.8),
        };
        let revenue = round2(r.lognormal(p.revenue_median, p.revenue_sigma).max(5.0));
        let tax = round2((tax_per_mu(&mut r, latest) * share_mu).min(revenue * 0.25));
        let land_mu = r.chance(0.3).then(|| round2(share_mu));
        let coord_sys = match r.weighted(&[0.75, 0.20, 0.05]) {
            0 => "gcj02",
            1 => "cgcs2000",
            _ => "bd09",
        };
        let done = r.chance(0.25);
        let deadline = r.chance(0.8).then(|| {
            let month = r.int(1, 24);
            let (y, mo) = (2020 + (month - 1) / 12, (month - 1) % 12 + 1);
            let last = match mo {
                2 if y == 2020 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let d = if r.chance(0.5) { last } else { 15 };
            format!("{y}-{mo:02}-{d:02}")
        });
        out.push(Enterprise {
            credit_code: code,
            name,
            industry,
            key_industry: ind.key,
            revenue,
            tax,
            land_mu,
            floor_m2: None,
            share_mu,
            grades,
            gk,
            coord_sys,
            done,
            deadline,
            site: slot.site,
            block: slot.block,
            code_invalid: false,
            code_padded: false,
        });
    }
    // A few D, D, D streaks, whatever the draw gave.
    let want_ddd = if m >= 50 { (m / 150).max(2) } else { 0 };
    let ddd = |e: &Enterprise| e.grades.len() >= 3 && e.grades[e.grades.len() - 3..] == ['D'; 3];
    let mut have = out.iter().filter(|e| ddd(e)).count();
    for e in out.iter_mut() {
        if have >= want_ddd {
            break;
        }
        if !ddd(e) && *e.grades.last().unwrap() == 'D' {
            let n = e.grades.len();
            e.grades[n - 3..].copy_from_slice(&['D'; 3]);
            have += 1;
        }
    }
    // Every coordinate system present.
    if m >= 3 {
        for (k, cs) in ["gcj02", "cgcs2000", "bd09"].into_iter().enumerate() {
            if !out.iter().any(|e| e.coord_sys == cs) {
                let i = (hash(seed, &[0xC5, k as u64]) % m as u64) as usize;
                out[i].coord_sys = cs;
            }
        }
    }
    // ~2 % invalid codes (typos), ~0.5 % valid but padded / lower-case.
    let n_bad = if m >= 10 { frac(0.02).max(1) } else { 0 };
    let n_pad = frac(0.005);
    let mut order: Vec<usize> = (0..m).collect();
    rng.shuffle(&mut order);
    for &i in order.iter().take(n_bad) {
        out[i].credit_code = corrupt(&mut rng, &out[i].credit_code);
        out[i].code_invalid = true;
    }
    for &i in order.iter().skip(n_bad).take(n_pad) {
        let c = &mut out[i];
        c.credit_code = if unit(hash(seed, &[0xAD, i as u64])) < 0.5 {
            format!("{} ", c.credit_code)
        } else {
            c.credit_code.to_ascii_lowercase()
        };
        c.code_padded = true;
    }
    // Ledger order: mixed, as collected from the townships.
    let mut out2 = out;
    rng.shuffle(&mut out2);
    out2
}

/// Firms standing on `cleared` parcels (a park under construction) move to
/// a random parcel of `onto`, keeping everything but their position.
pub fn move_off(
    seed: u64,
    layout: &Layout,
    ents: &mut [Enterprise],
    cleared: &[u32],
    onto: &[u32],
) {
    if onto.is_empty() {
        return;
    }
    for (i, e) in ents.iter_mut().enumerate() {
        if e.block.is_some_and(|b| cleared.contains(&b)) {
            let mut r = Rng::derive(seed, &[0xE3, i as u64]);
            let b = *r.pick(onto);
            e.block = Some(b);
            e.gk = point_in(&mut r, layout, b);
        }
    }
}

/// The floor area firms use (用房面积). Firms inside an opened park all
/// have one: together 75–92 % of the park's floor area (`park_floor`),
/// split in proportions of 0.5–1.5, so what is left is like the room the
/// other parks state. Elsewhere about one firm in three: its land × 0.8–1.6
/// (sheds on homesteads, fields and cropland × 0.2–0.6).
pub fn floor_areas(
    seed: u64,
    ents: &mut [Enterprise],
    parks: &[super::buildings::Park],
    park_floor: &[f64],
) {
    let mut in_park: Vec<Vec<usize>> = vec![Vec::new(); parks.len()];
    for (i, e) in ents.iter().enumerate() {
        if let Some(p) = parks
            .iter()
            .position(|p| !p.planned && crate::point_in_rings(std::slice::from_ref(&p.ring), e.gk))
        {
            in_park[p].push(i);
        }
    }
    let mut placed = vec![false; ents.len()];
    for (p, firms) in in_park.iter().enumerate() {
        if firms.is_empty() {
            continue;
        }
        let mut r = Rng::derive(seed, &[0xF1, p as u64]);
        let used = park_floor[p] * r.uniform(0.75, 0.92);
        let w: Vec<f64> = firms.iter().map(|_| r.uniform(0.5, 1.5)).collect();
        let sum: f64 = w.iter().sum();
        for (&i, w) in firms.iter().zip(&w) {
            // rounded down, so the total stays under `used`
            ents[i].floor_m2 = Some((used * w / sum).floor());
            placed[i] = true;
        }
    }
    for (i, e) in ents.iter_mut().enumerate() {
        let mut r = Rng::derive(seed, &[0xF2, i as u64]);
        if placed[i] || !r.chance(0.3) {
            continue;
        }
        let far = match e.site {
            Site::Homestead | Site::Field | Site::Cropland => r.uniform(0.2, 0.6),
            _ => r.uniform(0.8, 1.6),
        };
        e.floor_m2 = Some((e.share_mu * MU * far).round().max(20.0));
    }
}
