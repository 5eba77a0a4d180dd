use super::*;
use crate::test_rng::SplitMix64 as Rng;
use geo::{polygon, Polygon, Validation};

fn mp(p: Polygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(vec![p])
}

fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
    LineString::from(pts.to_vec())
}

fn poly(exterior: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Polygon<f64> {
    Polygon::new(ring(exterior), holes.iter().map(|h| ring(h)).collect())
}

fn reason(mp: &MultiPolygon<f64>) -> String {
    check(mp).expect_err("invalid").to_string()
}

const SQUARE: &[(f64, f64)] = &[(0., 0.), (10., 0.), (10., 10.), (0., 10.)];

#[test]
fn small_rings_valid_and_invalid() {
    let square = mp(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]);
    let concave = mp(
        polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 1.), (x: 0., y: 4.)],
    );
    assert!(small_simple_ring(square.0[0].exterior()) && check(&square).is_ok());
    assert!(small_simple_ring(concave.0[0].exterior()) && check(&concave).is_ok());

    let bow_tie = mp(polygon![(x: 0., y: 0.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 1.)]);
    assert_eq!(
        reason(&bow_tie),
        "the exterior ring crosses itself at (0.5, 0.5)"
    );
    // touches itself at a vertex (an "inverted hole")
    let pinched = mp(
        polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 1., y: 1.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 1., y: 1.)],
    );
    assert_eq!(
        reason(&pinched),
        "the exterior ring touches itself at (1, 1)"
    );
    let spike = mp(
        polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 3., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.)],
    );
    assert_eq!(
        reason(&spike),
        "the exterior ring runs back along itself (a spike or fold) from (2, 0)"
    );
    // a vertex on a non-adjacent edge
    let on_edge = mp(poly(
        &[(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.)],
        &[],
    ));
    assert_eq!(
        reason(&on_edge),
        "the exterior ring touches itself at (2, 0)"
    );
    for bad in [&bow_tie, &pinched, &spike, &on_edge] {
        assert!(!small_simple_ring(bad.0[0].exterior()), "{bad:?}");
        assert!(!bad.is_valid(), "geo agrees it is invalid: {bad:?}");
    }
}

#[test]
fn what_each_rule_says() {
    let cases: &[(MultiPolygon<f64>, Option<&str>)] = &[
        // repeated consecutive points are allowed, in any number
        (
            mp(poly(&[(0., 0.), (0., 0.), (1., 0.), (1., 1.), (1., 1.), (1., 1.), (0., 0.)], &[])),
            None,
        ),
        (
            mp(poly(&[(0., 0.), (1., 1.), (0., 0.)], &[])),
            Some("the exterior ring has fewer than 3 distinct points"),
        ),
        (
            mp(poly(&[(0., 0.), (1., f64::NAN), (1., 1.)], &[])),
            Some("the exterior ring has a coordinate that is not a finite number (point 2)"),
        ),
        // a flat triangle folds back: geo misses it, OGC does not
        (
            mp(poly(&[(0., 0.), (2., 0.), (1., 0.)], &[])),
            Some("the exterior ring runs back along itself (a spike or fold) from (0, 0)"),
        ),
        // a hole touching the exterior at one point
        (mp(poly(SQUARE, &[&[(0., 5.), (5., 2.), (5., 8.)]])), None),
        // two holes touching at one point, one touching the exterior too
        (
            mp(poly(
                SQUARE,
                &[&[(5., 5.), (2., 2.), (2., 8.)], &[(5., 5.), (8., 2.), (10., 5.), (8., 8.)]],
            )),
            None,
        ),
        (
            mp(poly(SQUARE, &[&[(0., 5.), (0., 8.), (5., 8.)]])),
            Some("the exterior ring and hole 1 run along the same line from (0, 5)"),
        ),
        (
            mp(poly(SQUARE, &[&[(2., 2.), (12., 2.), (12., 4.), (2., 4.)]])),
            Some("the exterior ring and hole 1 cross at (10, 2)"),
        ),
        // a hole's vertex on the exterior edge, the hole going out there
        (
            mp(poly(SQUARE, &[&[(5., 0.), (6., -1.), (6., 2.), (4., 2.)]])),
            Some("the exterior ring and hole 1 cross at (5, 0)"),
        ),
        (
            mp(poly(SQUARE, &[&[(20., 0.), (30., 0.), (30., 10.)]])),
            Some("hole 1 is not inside the exterior ring: it starts at (20, 0)"),
        ),
        (
            mp(poly(SQUARE, &[&[(1., 1.), (9., 1.), (9., 9.), (1., 9.)], &[(2., 2.), (3., 2.), (3., 3.)]])),
            Some("hole 2 lies inside hole 1 (from (2, 2))"),
        ),
        (
            mp(poly(SQUARE, &[&[(1., 1.), (9., 1.), (9., 9.), (1., 9.)], &[(1., 1.), (9., 1.), (9., 9.), (1., 9.)]])),
            Some("hole 1 and hole 2 run along the same line from (1, 1)"),
        ),
        // parts touching at a point; a part inside another's hole
        (
            MultiPolygon(vec![
                poly(SQUARE, &[&[(2., 2.), (8., 2.), (8., 8.), (2., 8.)]]),
                poly(&[(10., 10.), (20., 10.), (20., 20.)], &[]),
                poly(&[(3., 3.), (7., 3.), (7., 7.), (2., 8.)], &[]),
            ]),
            None,
        ),
        (
            MultiPolygon(vec![
                poly(SQUARE, &[]),
                poly(&[(10., 0.), (20., 0.), (20., 10.), (10., 5.)], &[]),
            ]),
            Some("the exterior ring of part 1 and the exterior ring of part 2 run along the same line from (10, 0)"),
        ),
        (
            MultiPolygon(vec![
                poly(&[(3., 3.), (7., 3.), (7., 7.)], &[]),
                poly(SQUARE, &[]),
            ]),
            Some("parts 1 and 2 overlap: part 1 lies inside part 2 (from (3, 3))"),
        ),
        (
            MultiPolygon(vec![
                poly(&[(-1., -1.), (11., -1.), (11., 11.), (-1., 11.)], &[]),
                poly(SQUARE, &[&[(2., 2.), (8., 2.), (8., 8.), (2., 8.)]]),
            ]),
            Some("parts 1 and 2 overlap: part 2 lies inside part 1 (from (0, 0))"),
        ),
        // an empty part is ignored, as in geo
        (
            MultiPolygon(vec![poly(&[], &[]), poly(SQUARE, &[])]),
            None,
        ),
    ];
    for (mp, want) in cases {
        let got = check(mp).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), *want, "{mp:?}");
        // geo agrees, but for the flat triangle
        if !want.is_some_and(|w| w.ends_with("fold) from (0, 0)")) {
            assert_eq!(
                mp.is_valid(),
                want.is_none(),
                "geo on {mp:?}: {:?}",
                mp.check_validation()
            );
        }
    }
}

#[test]
fn places_are_short() {
    assert_eq!(place(Coord { x: 1e308, y: -0.25 }), "(1e308, -0.25)");
    assert_eq!(
        place(Coord {
            x: 120.6376986,
            y: 0.0
        }),
        "(120.6376986, 0)"
    );
}

/// A star-shaped ring around (cx, cy), snapped to a grid, so that touching,
/// collinear and repeated points are common; sometimes mangled.
fn random_ring(rng: &mut Rng, (cx, cy): (f64, f64), radius: f64, grid: f64) -> Vec<(f64, f64)> {
    let k = 3 + rng.below(6) as usize;
    let mut angles: Vec<f64> = (0..k)
        .map(|_| rng.below(3600) as f64 / 3600.0 * std::f64::consts::TAU)
        .collect();
    angles.sort_by(f64::total_cmp);
    let mut pts: Vec<(f64, f64)> = angles
        .iter()
        .map(|a| {
            let r = radius * (0.6 + 0.4 * rng.below(100) as f64 / 100.0);
            let snap = |v: f64| (v / grid).round() * grid;
            (snap(cx + r * a.cos()), snap(cy + r * a.sin()))
        })
        .collect();
    if rng.chance(10) {
        let i = rng.below(k as u64) as usize;
        pts.insert(i, pts[i]); // a repeated point
    }
    if rng.chance(8) {
        let (i, j) = (rng.below(k as u64) as usize, rng.below(k as u64) as usize);
        pts.swap(i, j); // often a crossing
    }
    if rng.chance(4) {
        // a spike out and back
        let i = rng.below(k as u64) as usize;
        let tip = (pts[i].0 + grid * 2.0, pts[i].1);
        pts.splice(i + 1..i + 1, [tip, pts[i]]);
    }
    if rng.chance(4) {
        // a collinear overlap: a point back along the previous edge
        let i = 1 + rng.below(k as u64 - 1) as usize;
        let (a, b) = (pts[i - 1], pts[i]);
        pts.insert(i + 1, ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0));
    }
    if rng.chance(50) {
        pts.reverse();
    }
    pts
}

fn random_multipolygon(rng: &mut Rng) -> MultiPolygon<f64> {
    let grid = [1.0, 0.5, 0.25][rng.below(3) as usize];
    let snap = |(x, y): (f64, f64)| ((x / grid).round() * grid, (y / grid).round() * grid);
    // a thin triangle from v, towards (or away from) c
    let wedge = |v: (f64, f64), c: (f64, f64), along: f64| {
        let (dx, dy) = ((c.0 - v.0) * along, (c.1 - v.1) * along);
        let tip = |side: f64| snap((v.0 + dx - dy * side, v.1 + dy + dx * side));
        vec![v, tip(0.3), tip(-0.3)]
    };
    let parts = 1 + rng.below(3) as usize;
    let mut out = Vec::new();
    for _ in 0..parts {
        // near enough to touch now and then
        let c = (rng.below(36) as f64, rng.below(36) as f64);
        let radius = 3.0 + rng.below(6) as f64;
        let exterior = random_ring(rng, c, radius, grid);
        let mut holes = Vec::new();
        for _ in 0..rng.below(3) {
            let h = (
                c.0 + (rng.below(3) as f64 - 1.0) * radius / 4.0,
                c.1 + (rng.below(3) as f64 - 1.0) * radius / 4.0,
            );
            let size = radius / (3.0 + rng.below(3) as f64);
            let mut hole = random_ring(rng, h, size, grid);
            if rng.chance(15) {
                // share a vertex with the exterior
                let i = rng.below(hole.len() as u64) as usize;
                hole[i] = exterior[rng.below(exterior.len() as u64) as usize];
            }
            if rng.chance(15) {
                // a part in the hole, maybe touching it
                let part = if rng.chance(50) {
                    wedge(hole[0], h, 0.6)
                } else {
                    random_ring(rng, h, size / 3.0, grid)
                };
                out.push(Polygon::new(ring(&part), vec![]));
            }
            holes.push(ring(&hole));
        }
        let v = exterior[rng.below(exterior.len() as u64) as usize];
        if rng.chance(25) {
            // a hole touching the exterior at a vertex
            holes.push(ring(&wedge(v, c, 0.5)));
        }
        if rng.chance(25) {
            // a part touching this one at a vertex
            out.push(Polygon::new(ring(&wedge(v, c, -0.5)), vec![]));
        }
        out.push(Polygon::new(ring(&exterior), holes));
    }
    MultiPolygon(out)
}

/// Whether two rings share a point: the touching cases.
fn rings_meet(mp: &MultiPolygon<f64>) -> bool {
    let mut seen = std::collections::HashMap::new();
    let all =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    all.enumerate().any(|(r, ring)| {
        ring.0
            .iter()
            .any(|c| *seen.entry((c.x.to_bits(), c.y.to_bits())).or_insert(r) != r)
    })
}

/// A ring `geo` cannot judge: three corners on one line (a flat triangle,
/// which folds back on itself).
fn flat_triangle(mp: &MultiPolygon<f64>) -> bool {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .any(|r| {
            let mut c = r.0.clone();
            c.dedup();
            c.len() == 4 && RobustKernel::orient2d(c[0], c[1], c[2]) == Orientation::Collinear
        })
}

#[test]
fn agrees_with_geo_on_random_multipolygons() {
    let mut rng = Rng(20_201);
    let (mut valid, mut invalid, mut flat, mut touching) = (0, 0, 0, 0);
    for _ in 0..12_000 {
        let mp = random_multipolygon(&mut rng);
        let ours = check(&mp);
        if flat_triangle(&mp) {
            assert!(ours.is_err(), "a flat triangle is invalid: {mp:?}");
            flat += 1;
            continue;
        }
        let geo = mp.check_validation();
        assert_eq!(
            ours.is_ok(),
            geo.is_ok(),
            "{mp:?}\nours: {ours:?}\ngeo: {geo:?}"
        );
        if ours.is_ok() {
            valid += 1;
            touching += rings_meet(&mp) as usize;
        } else {
            invalid += 1;
        }
    }
    assert!(
        valid > 1500 && invalid > 5000 && flat > 100 && touching > 500,
        "{valid} valid ({touching} with rings touching), {invalid} invalid, {flat} flat"
    );
}

#[test]
fn fast_path_never_says_valid_where_geo_says_invalid() {
    let mut rng = Rng(7);
    let mut both_valid = 0;
    for _ in 0..5000 {
        let pts: Vec<(f64, f64)> = (0..5)
            .map(|_| (rng.below(8) as f64, rng.below(8) as f64))
            .collect();
        let p = mp(poly(&pts, &[]));
        if small_simple_ring(p.0[0].exterior()) {
            assert!(p.is_valid(), "{p:?}");
            both_valid += 1;
        }
    }
    assert!(
        both_valid > 100,
        "the fast path must accept ordinary rings ({both_valid})"
    );
}

/// A band winding `turns` times around the origin, out along one edge and
/// back along the other: `n` vertices, simple, many edges across any line.
fn spiral(n: usize, turns: f64) -> Vec<(f64, f64)> {
    let half = n / 2;
    let at = |k: usize, offset: f64| {
        let t = k as f64 / half as f64 * turns * std::f64::consts::TAU;
        let r = 1.0 + t / std::f64::consts::TAU + offset;
        (r * t.cos(), r * t.sin())
    };
    (0..half)
        .map(|k| at(k, 0.0))
        .chain((0..half).rev().map(|k| at(k, 0.5)))
        .collect()
}

/// A comb of `teeth` long thin teeth: every tooth's two long edges are on
/// the sweep line at once, which a sweep without a balanced tree would pay
/// for quadratically.
fn comb(teeth: usize, length: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    for i in 0..teeth {
        let y = 2.0 * i as f64;
        pts.extend([
            (length, y),
            (length, y + 1.0),
            (1.0, y + 1.0),
            (1.0, y + 2.0),
        ]);
    }
    pts.push((0.0, 2.0 * teeth as f64));
    pts
}

#[test]
fn large_rings_valid_and_with_one_crossing() {
    let mut ring = spiral(40_000, 100.0);
    assert_eq!(check(&mp(poly(&ring, &[]))), Ok(()));
    // two neighbours swapped near the end: their edges cross between them
    let n = ring.len();
    ring.swap(n - 10, n - 9);
    let (a, b) = (ring[n - 10], ring[n - 9]);
    let why = reason(&mp(poly(&ring, &[])));
    let at: Vec<f64> = why
        .trim_start_matches("the exterior ring crosses itself at (")
        .trim_end_matches(')')
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (a.0.min(b.0)..=a.0.max(b.0)).contains(&at[0])
            && (a.1.min(b.1)..=a.1.max(b.1)).contains(&at[1]),
        "{why}: between {a:?} and {b:?}"
    );

    let mut teeth = comb(20_000, 1000.0);
    assert_eq!(check(&mp(poly(&teeth, &[]))), Ok(()));
    // the last but one tooth's tip turned into a bow-tie
    let k = teeth.len() - 9;
    assert_eq!(teeth[k], (1000.0, 2.0 * 19_998.0));
    teeth.swap(k, k + 1);
    assert_eq!(
        reason(&mp(poly(&teeth, &[]))),
        "the exterior ring crosses itself at (500.5, 39996.5)"
    );
}
