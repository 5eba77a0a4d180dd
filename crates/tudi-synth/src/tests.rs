use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use gdal::vector::LayerAccess;
use gdal::Dataset;
use geo::{
    Area, BooleanOps, BoundingRect, Contains, Distance, Euclidean, Intersects, MultiPolygon, Point,
    Validation,
};
use rstar::{RTree, RTreeObject, AABB};

use super::*;
use tudi_core::credit_code;
use tudi_core::crs::china::{wgs84_to_bd09, wgs84_to_gcj02};

const N: usize = 2000;
const SEED: u64 = 7;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tudi-synth-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// One generation shared by the tests that only read it.
fn sample() -> &'static (PathBuf, SynthReport) {
    static S: OnceLock<(PathBuf, SynthReport)> = OnceLock::new();
    S.get_or_init(|| {
        let out = tmp("sample");
        let report = generate(&SynthOptions {
            seed: SEED,
            parcels: N,
            enterprises: None,
            out: out.clone(),
            counties: 1,
        })
        .expect("generate");
        (out, report)
    })
}

struct Parcel {
    fields: HashMap<String, Option<String>>,
    tbmj: f64,
    poly: Polygon<f64>, // GK, shifted to a local origin
}

const LOCAL: [f64; 2] = [40_500_000.0, 3_300_000.0];

fn read_parcels(path: &Path) -> Vec<Parcel> {
    let ds = Dataset::open(path).expect("open gpkg");
    let mut layer = ds.layer_by_name("DLTB").expect("DLTB");
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let mut out = Vec::new();
    for f in layer.features() {
        let mut fields = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if n != "TBMJ" {
                fields.insert(n.clone(), f.field_as_string(i).unwrap());
            }
        }
        let tbmj = f
            .field_as_double(names.iter().position(|n| n == "TBMJ").unwrap())
            .unwrap()
            .unwrap();
        let g = f.geometry().unwrap().to_geo().unwrap();
        let geo::Geometry::Polygon(p) = g else {
            panic!("not a polygon")
        };
        let p = p.map_coords(|c| Coord {
            x: c.x - LOCAL[0],
            y: c.y - LOCAL[1],
        });
        out.push(Parcel {
            fields,
            tbmj,
            poly: p,
        });
    }
    out
}

use geo::MapCoords;

fn feature_dump(path: &Path, layer: &str) -> Vec<String> {
    let ds = Dataset::open(path).unwrap();
    let mut layer = ds.layer_by_name(layer).unwrap();
    layer
        .features()
        .map(|f| {
            let fields: Vec<String> = (0..f.field_count())
                .map(|i| format!("{:?}", f.field(i).unwrap()))
                .collect();
            format!("{:?} {:?}", fields, f.geometry().unwrap().wkb().unwrap())
        })
        .collect()
}

#[test]
fn deterministic_per_seed() {
    let (a, _) = sample();
    let b = tmp("again");
    let c = tmp("other");
    generate(&SynthOptions {
        seed: SEED,
        parcels: N,
        enterprises: None,
        out: b.clone(),
        counties: 1,
    })
    .unwrap();
    generate(&SynthOptions {
        seed: SEED + 1,
        parcels: N,
        enterprises: None,
        out: c.clone(),
        counties: 1,
    })
    .unwrap();
    for f in [
        "enterprises.csv",
        "villages.geojson",
        "plan.geojson",
        "protected.geojson",
        "project.toml",
        "parks.geojson",
        "vacated.geojson",
        "townships.geojson",
    ] {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs between runs of the same seed");
        let z = std::fs::read(c.join(f)).unwrap();
        assert!(x != z, "{f} is the same for different seeds");
    }
    let fa = feature_dump(&a.join("parcels.gpkg"), "DLTB");
    assert_eq!(fa.len(), N);
    assert_eq!(fa, feature_dump(&b.join("parcels.gpkg"), "DLTB"));
    assert_ne!(fa, feature_dump(&c.join("parcels.gpkg"), "DLTB"));
    let ba = feature_dump(&a.join("buildings.gpkg"), "buildings");
    assert!(!ba.is_empty());
    assert_eq!(ba, feature_dump(&b.join("buildings.gpkg"), "buildings"));
    assert_ne!(ba, feature_dump(&c.join("buildings.gpkg"), "buildings"));
    let _ = std::fs::remove_dir_all(&b);
    let _ = std::fs::remove_dir_all(&c);
}

struct Env(Polygon<f64>, usize);
impl RTreeObject for Env {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        let r = self.0.bounding_rect().unwrap();
        AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
    }
}

#[test]
fn parcels_are_a_valid_coverage() {
    let (dir, report) = sample();
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    assert_eq!(parcels.len(), report.parcels);
    let mut bsm = std::collections::HashSet::new();
    for p in &parcels {
        assert!(p.poly.is_valid(), "invalid polygon {:?}", p.fields["BSM"]);
        let ext = &p.poly.exterior().0;
        assert_eq!(ext.first(), ext.last());
        assert!(ext.windows(2).all(|w| w[0] != w[1]), "repeated vertex");
        assert!(bsm.insert(p.fields["BSM"].clone().unwrap()));
        let z = p.fields["ZLDWDM"].as_ref().unwrap();
        assert!(z.len() == 19 && z.ends_with("0000000") && z.bytes().all(|b| b.is_ascii_digit()));
        let d = p.fields["DLBM"].as_ref().unwrap();
        assert_eq!(p.fields["DLMC"].as_deref(), Some(names::dlmc(d)));
        assert!(!names::dlmc(d).is_empty());
        let cz = p.fields["CZCSXM"].as_deref();
        assert!(matches!(
            cz,
            None | Some("201" | "202" | "203" | "201A" | "202A" | "203A" | "204")
        ));
        if let (true, Some(c)) = (d.starts_with("01"), cz) {
            assert!(c.ends_with('A'), "cropland with {c}");
        }
    }
    let tree = RTree::bulk_load(
        parcels
            .iter()
            .enumerate()
            .map(|(i, p)| Env(p.poly.clone(), i))
            .collect(),
    );
    let mut pairs = 0;
    let mut total = 0.0;
    for (i, p) in parcels.iter().enumerate() {
        let env = Env(p.poly.clone(), i).envelope();
        for o in tree.locate_in_envelope_intersecting(&env) {
            if o.1 <= i {
                continue;
            }
            pairs += 1;
            let a = p.poly.intersection(&o.0).unsigned_area();
            assert!(a < 0.01, "parcels {i} and {} overlap by {a} m²", o.1);
        }
        total += p.poly.unsigned_area();
    }
    assert!(pairs > N, "neighbours should be found ({pairs})");
    // Neighbours share exactly the same edges: every directed edge is
    // matched by its reverse in the neighbour, and the unmatched ones (the
    // window's outline) add up to the window's perimeter, so there are no
    // holes or slivers either.
    let key = |c: &Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    type Edge = ((u64, u64), (u64, u64));
    let mut edges: HashMap<Edge, usize> = HashMap::new();
    for p in &parcels {
        for l in p.poly.exterior().lines() {
            *edges.entry((key(&l.start), key(&l.end))).or_default() += 1;
        }
    }
    let mut outline = 0.0;
    for (&(a, b), &n) in &edges {
        assert_eq!(n, 1, "edge used twice in the same direction");
        if !edges.contains_key(&(b, a)) {
            let (ax, ay) = (f64::from_bits(a.0), f64::from_bits(a.1));
            let (bx, by) = (f64::from_bits(b.0), f64::from_bits(b.1));
            outline += ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt();
        }
    }
    let (minx, miny, maxx, maxy) = parcels.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), p| {
            let r = p.poly.bounding_rect().unwrap();
            (
                a.min(r.min().x),
                b.min(r.min().y),
                c.max(r.max().x),
                d.max(r.max().y),
            )
        },
    );
    let perimeter = 2.0 * (maxx - minx + maxy - miny);
    assert!(
        (outline / perimeter - 1.0).abs() < 0.03,
        "unshared edges {outline} m vs window perimeter {perimeter} m"
    );
    assert!((total / ((maxx - minx) * (maxy - miny)) - 1.0).abs() < 0.05);
}

#[test]
fn tbmj_is_the_ellipsoidal_area() {
    let (dir, report) = sample();
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let (a, f) = gk::ellipsoid();
    let geod = geographiclib_rs::Geodesic::new(a, f);
    let ct = gk::transform(gk::EPSG_GK40, gk::EPSG_CGCS2000).unwrap();
    let mut off = 0;
    for (k, p) in parcels.iter().enumerate() {
        let mut ring: Vec<[f64; 2]> = p
            .poly
            .exterior()
            .0
            .iter()
            .map(|c| [c.x + LOCAL[0], c.y + LOCAL[1]])
            .collect();
        let plane = lattice::ring_area(&ring);
        gk::apply(&ct, &mut ring).unwrap();
        let mut pa =
            geographiclib_rs::PolygonArea::new(&geod, geographiclib_rs::Winding::CounterClockwise);
        for q in &ring[..ring.len() - 1] {
            pa.add_point(q[1], q[0]);
        }
        let (_, geodesic, _) = pa.compute(true);
        let m = lattice::ring_mean(&ring);
        let fast = gk::ellipsoidal_area(plane, m[0], m[1]);
        if k % 10 == 0 {
            assert!(
                (fast - geodesic).abs() < 0.002 + 1e-7 * geodesic,
                "area {fast} vs geodesic {geodesic}"
            );
        }
        let rel = p.tbmj / geodesic - 1.0;
        if (p.tbmj - geodesic).abs() > 0.006 {
            assert!((0.0199..=0.1001).contains(&rel.abs()), "TBMJ off by {rel}");
            off += 1;
        }
    }
    assert_eq!(off, report.inventory.tbmj_off);
    assert!(off > 0 && off < N / 30, "{off} TBMJ errors");
}

/// 0601 clusters with a 10 m gap (single linkage), as index lists.
fn clusters(parcels: &[Parcel], gap: f64) -> Vec<Vec<usize>> {
    let ind: Vec<usize> = (0..parcels.len())
        .filter(|&i| parcels[i].fields["DLBM"].as_deref() == Some("0601"))
        .collect();
    let mut parent: Vec<usize> = (0..ind.len()).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let tree = RTree::bulk_load(
        ind.iter()
            .enumerate()
            .map(|(k, &i)| Env(parcels[i].poly.clone(), k))
            .collect(),
    );
    for (k, &i) in ind.iter().enumerate() {
        let r = parcels[i].poly.bounding_rect().unwrap();
        let env = AABB::from_corners(
            [r.min().x - gap, r.min().y - gap],
            [r.max().x + gap, r.max().y + gap],
        );
        for o in tree.locate_in_envelope_intersecting(&env) {
            if o.1 > k && Euclidean.distance(&parcels[i].poly, &o.0) <= gap {
                let (a, b) = (find(&mut parent, k), find(&mut parent, o.1));
                parent[a] = b;
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, &i) in ind.iter().enumerate() {
        groups.entry(find(&mut parent, k)).or_default().push(i);
    }
    let mut v: Vec<Vec<usize>> = groups.into_values().collect();
    v.sort();
    v
}

#[test]
fn scenarios_are_present_and_as_intended() {
    let (dir, report) = sample();
    assert!(report.inventory.townships >= 2);
    check_scenarios(dir, report);
}

/// Run with `cargo test --release --lib sweep -- --ignored`.
#[test]
#[ignore]
fn sweep_seeds() {
    for seed in 1..25u64 {
        for n in [1000, 2500, 6000] {
            let out = tmp(&format!("sweep-{seed}-{n}"));
            let report = generate(&SynthOptions {
                seed,
                parcels: n,
                enterprises: None,
                out: out.clone(),
                counties: 1,
            })
            .unwrap();
            eprintln!("seed {seed} n {n}: {:?}", report.inventory);
            check_scenarios(&out, &report);
            check_buildings(&out, &report);
            check_supply(&out, &report);
            check_vacated(&out, &report);
            check_townships(&out, &report);
            let _ = std::fs::remove_dir_all(&out);
        }
    }
}

fn check_scenarios(dir: &Path, report: &SynthReport) {
    let inv = &report.inventory;
    // every ingredient is there
    assert!(inv.townships >= 1 && inv.town_centres >= 1 && inv.zones >= 1);
    assert!(inv.scattered_groups >= 1 && inv.far_pairs >= 1 && inv.near_pairs >= 1);
    assert!(inv.chains >= 1 && inv.crop_clusters_small + inv.crop_clusters_large >= 1);
    assert!(inv.touching_plots >= 1 && inv.cluster_cropland >= 1);
    assert!(inv.scattered_in_protected >= 1 && inv.clay_pits >= 1);
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let mu = |idx: &[usize]| idx.iter().map(|&i| parcels[i].tbmj).sum::<f64>() / MU;
    let village = |i: usize| parcels[i].fields["CZCSXM"].as_deref() == Some("203");

    // Clustering with a 10 m gap gives exactly the intended scattered
    // clusters, and none within 10 % of the threshold.
    let cl = clusters(&parcels, 10.0);
    let all_village: Vec<&Vec<usize>> = cl
        .iter()
        .filter(|c| c.iter().all(|&i| village(i)))
        .collect();
    let small = all_village.iter().filter(|c| mu(c) < 5.0).count();
    assert_eq!(small, inv.expected_scattered);
    for c in &all_village {
        let a = mu(c);
        assert!(
            !(4.5..5.5).contains(&a),
            "village cluster of {a} mu too close to 5"
        );
    }
    let large = all_village.iter().filter(|c| mu(c) >= 5.0).count();
    assert!(large >= inv.expected_large_village);

    // The narrow-road pairs are one cluster with 10 m, two with 3 m; the
    // far pairs are two clusters even with a 12 m gap.
    let cl3 = clusters(&parcels, 3.0);
    let small3 = cl3
        .iter()
        .filter(|c| c.iter().all(|&i| village(i)) && mu(c) < 5.0)
        .count();
    assert_eq!(
        small3,
        inv.expected_scattered + 2 * inv.near_pairs + inv.cross_county_blocks
    );
    let cl12 = clusters(&parcels, 12.0);
    let small12 = cl12
        .iter()
        .filter(|c| c.iter().all(|&i| village(i)) && mu(c) < 5.0)
        .count();
    assert_eq!(small12, inv.expected_scattered);

    // Zone-touching plots: village plots clustered with zone parcels, and
    // sharing an edge with one.
    let mixed = cl
        .iter()
        .filter(|c| c.iter().any(|&i| village(i)) && !c.iter().all(|&i| village(i)))
        .map(|c| c.iter().filter(|&&i| village(i)).count())
        .sum::<usize>();
    assert_eq!(mixed, inv.touching_plots);

    // Village polygons hold every village plot (by its centre).
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40).unwrap();
    let villages = read_geojson(&dir.join("villages.geojson"), &ct);
    assert_eq!(villages.len(), inv.settlements);
    for c in &all_village {
        if mu(c) < 5.0 {
            for &i in c.iter() {
                let ctr = geo::Centroid::centroid(&parcels[i].poly).unwrap();
                assert!(villages.iter().any(|v| v.contains(&ctr)));
            }
        }
    }
}

fn read_geojson(path: &Path, to_gk: &gdal::spatial_ref::CoordTransform) -> Vec<Polygon<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("crs").is_none(), "RFC 7946 has no crs member");
    let gj: geojson::GeoJson = text.parse().unwrap();
    let geojson::GeoJson::FeatureCollection(fc) = gj else {
        panic!()
    };
    fc.features
        .iter()
        .map(|f| {
            let geojson::GeometryValue::Polygon { coordinates } =
                &f.geometry.as_ref().unwrap().value
            else {
                panic!("polygon expected")
            };
            let mut ring: Vec<[f64; 2]> = coordinates[0]
                .iter()
                .map(|p| {
                    let s = p.as_slice();
                    for x in s {
                        assert_eq!((x * 1e7).round() / 1e7, *x, "more than 7 decimals");
                    }
                    [s[0], s[1]]
                })
                .collect();
            assert_eq!(ring.first(), ring.last());
            assert!(lattice::ring_area(&ring) > 0.0, "not counter-clockwise");
            gk::apply(to_gk, &mut ring).unwrap();
            geo_poly(&ring, LOCAL)
        })
        .collect()
}

/// Invert a forward offset formula by fixed-point iteration.
fn invert(f: impl Fn(f64, f64) -> (f64, f64), x: f64, y: f64) -> (f64, f64) {
    let (mut a, mut b) = (x, y);
    for _ in 0..30 {
        let (fx, fy) = f(a, b);
        a -= fx - x;
        b -= fy - y;
    }
    (a, b)
}

#[test]
fn enterprises_ledger() {
    let (dir, report) = sample();
    let inv = &report.inventory;
    let rows = read_ledger(dir);
    assert_eq!(rows.len(), N / 10);
    assert_eq!(report.enterprises, N / 10);
    let invalid = rows
        .iter()
        .filter(|r| !credit_code::is_valid(&r[0]))
        .count();
    assert_eq!(invalid, inv.ent_invalid_code);
    assert!(invalid >= 1);
    let mut per_cs: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        *per_cs.entry(r[10].to_string()).or_default() += 1;
        let g: Vec<&str> = r[7].split(',').collect();
        assert!((3..=4).contains(&g.len()) && g.iter().all(|x| ["A", "B", "C", "D"].contains(x)));
        let ind = r[2].trim_start_matches('C');
        assert!(ind.len() == 4 && ind.bytes().all(|b| b.is_ascii_digit()));
        assert!(r[12].is_empty() || r[12].starts_with("2020-") || r[12].starts_with("2021-"));
        assert!(["pending", "done"].contains(&&r[11]));
    }
    // floor area in use: whole m², for about a third of the firms
    let floors: Vec<f64> = rows
        .iter()
        .filter(|r| !r[6].is_empty())
        .map(|r| r[6].parse().unwrap())
        .collect();
    assert_eq!(floors.len(), inv.ent_with_floor_m2);
    assert!((rows.len() / 4..rows.len() / 2).contains(&floors.len()));
    assert!(floors.iter().all(|&f| f >= 20.0 && f == f.round()));
    assert!(per_cs["gcj02"] > per_cs["cgcs2000"] && per_cs["cgcs2000"] > 0 && per_cs["bd09"] > 0);
    assert_eq!(per_cs.len(), 3);

    // Back to the true position, then into the parcels.
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let tree = RTree::bulk_load(
        parcels
            .iter()
            .enumerate()
            .map(|(i, p)| Env(p.poly.clone(), i))
            .collect(),
    );
    let mut located: HashMap<String, usize> = HashMap::new();
    let mut outside = 0;
    for pt in firm_points(&rows) {
        let hit = tree
            .locate_in_envelope_intersecting(&AABB::from_point([pt.x(), pt.y()]))
            .find(|e| e.0.contains(&pt));
        match hit {
            Some(e) => {
                let d = parcels[e.1].fields["DLBM"].clone().unwrap();
                *located.entry(d).or_default() += 1;
            }
            None => outside += 1,
        }
    }
    assert_eq!(outside, inv.ent_outside);
    assert!(outside >= 1);
    let on = |d: &str| located.get(d).copied().unwrap_or(0);
    assert_eq!(
        on("0601"),
        inv.ent_zone + inv.ent_park + inv.ent_village_plot,
        "{located:?}"
    );
    assert_eq!(on("0602"), inv.ent_quarry);
    assert!(on("0101") + on("0103") >= inv.ent_cropland);
    assert!(on("0702") >= inv.ent_homestead && inv.ent_homestead >= 1);
}

/// The enterprise ledger's rows (header checked).
fn read_ledger(dir: &Path) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(dir.join("enterprises.csv")).unwrap();
    assert!(bytes.starts_with(
        "\u{FEFF}credit_code,name,industry,revenue,tax,land_mu,floor_m2,grades,lon,lat,coord_sys,status,deadline\r\n"
            .as_bytes()
    ));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    rdr.records().map(|r| r.unwrap()).collect()
}

/// The firms' true positions (GK, shifted by `LOCAL`), converted back
/// from their `coord_sys`.
fn firm_points(rows: &[csv::StringRecord]) -> Vec<Point<f64>> {
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40).unwrap();
    rows.iter()
        .map(|r| {
            let (x, y): (f64, f64) = (r[8].parse().unwrap(), r[9].parse().unwrap());
            let (lon, lat) = match &r[10] {
                "gcj02" => invert(wgs84_to_gcj02, x, y),
                "bd09" => invert(wgs84_to_bd09, x, y),
                _ => (x, y),
            };
            let mut p = [[lon, lat]];
            gk::apply(&ct, &mut p).unwrap();
            Point::new(p[0][0] - LOCAL[0], p[0][1] - LOCAL[1])
        })
        .collect()
}

#[test]
fn too_few_parcels_is_an_input_error() {
    let e = generate(&SynthOptions {
        seed: 1,
        parcels: 10,
        enterprises: None,
        out: tmp("few"),
        counties: 1,
    })
    .unwrap_err();
    assert!(e.is_input());
}

#[test]
fn geojson_layers_and_project() {
    let (dir, report) = sample();
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40).unwrap();
    let plan = read_geojson(&dir.join("plan.geojson"), &ct);
    let protected = read_geojson(&dir.join("protected.geojson"), &ct);
    assert_eq!(plan.len(), report.inventory.plan_polygons);
    assert_eq!(protected.len(), report.inventory.protected_polygons);
    assert!(!plan.is_empty() && !protected.is_empty());
    // every zone parcel is inside a plan polygon
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    for p in &parcels {
        let cz = p.fields["CZCSXM"].as_deref();
        if p.fields["DLBM"].as_deref() == Some("0601") && matches!(cz, Some("201" | "202")) {
            let c = geo::Centroid::centroid(&p.poly).unwrap();
            assert!(plan.iter().any(|z| z.contains(&c)));
        }
    }
    let toml_text = std::fs::read_to_string(dir.join("project.toml")).unwrap();
    let t: toml::Table = toml_text.parse().unwrap();
    assert_eq!(
        t["project"]["name"].as_str(),
        Some(format!("秀洲区 合成样例 (seed {SEED})").as_str())
    );
    assert_eq!(
        t["layers"]["enterprises"]["crs_field"].as_str(),
        Some("coord_sys")
    );
    for (_, l) in t["layers"].as_table().unwrap() {
        assert!(dir.join(l["path"].as_str().unwrap()).exists());
    }
    let files: Vec<String> = report
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, FILES);
    // the project loads, every layer with the features written
    let project = tudi_core::config::Project::load(&dir.join("project.toml")).unwrap();
    assert_eq!(project.targets.year, Some(2020));
    assert_eq!(project.project.as_of.to_string(), "2020-12-31");
    let model = tudi_read::load::load(&project).unwrap();
    let inv = &report.inventory;
    assert_eq!(model.buildings.as_ref().unwrap().len(), inv.buildings);
    assert_eq!(model.parks.as_ref().unwrap().len(), inv.parks);
    assert_eq!(model.vacated.as_ref().unwrap().len(), inv.vacated_records);
    assert!(model.townships.as_ref().unwrap().len() >= 2);
    assert_eq!(model.boundary.as_ref().unwrap().len(), 1);
}

#[test]
fn window_lies_in_xiuzhou() {
    let (dir, _) = sample();
    let ds = Dataset::open(dir.join("parcels.gpkg")).unwrap();
    let layer = ds.layer_by_name("DLTB").unwrap();
    let e = layer.get_extent().unwrap();
    let rings = boundary_gk().unwrap();
    for c in [
        [e.MinX, e.MinY],
        [e.MaxX, e.MinY],
        [e.MaxX, e.MaxY],
        [e.MinX, e.MaxY],
    ] {
        assert!(point_in_rings(&rings, c), "{c:?} outside Xiuzhou");
    }
}

/// Features of a GeoJSON layer: polygons (GK, shifted by `LOCAL`), the
/// lon/lat of the first vertex, and the properties.
fn read_features(path: &Path) -> Vec<(MultiPolygon<f64>, [f64; 2], serde_json::Value)> {
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(v.get("crs").is_none(), "RFC 7946 has no crs member");
    let ring = |r: &serde_json::Value| {
        let mut pts: Vec<[f64; 2]> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
            .collect();
        gk::apply(&ct, &mut pts).unwrap();
        LineString::from(
            pts.iter()
                .map(|p| Coord {
                    x: p[0] - LOCAL[0],
                    y: p[1] - LOCAL[1],
                })
                .collect::<Vec<_>>(),
        )
    };
    let polygon = |p: &serde_json::Value| {
        let rings = p.as_array().unwrap();
        Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
    };
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let g = &f["geometry"];
            let c = &g["coordinates"];
            let mp = match g["type"].as_str().unwrap() {
                "Polygon" => MultiPolygon(vec![polygon(c)]),
                "MultiPolygon" => MultiPolygon(c.as_array().unwrap().iter().map(polygon).collect()),
                t => panic!("{t}"),
            };
            let first = if g["type"] == "Polygon" {
                &c[0][0]
            } else {
                &c[0][0][0]
            };
            let ll = [first[0].as_f64().unwrap(), first[1].as_f64().unwrap()];
            (mp, ll, f["properties"].clone())
        })
        .collect()
}

struct Bldg {
    poly: Polygon<f64>,
    floors: f64,
    floor_area: Option<f64>,
}

fn read_buildings(path: &Path) -> Vec<Bldg> {
    let ds = Dataset::open(path).unwrap();
    let mut layer = ds.layer_by_name("buildings").unwrap();
    layer
        .features()
        .map(|f| {
            let geo::Geometry::Polygon(p) = f.geometry().unwrap().to_geo().unwrap() else {
                panic!("not a polygon")
            };
            Bldg {
                poly: p.map_coords(|c| Coord {
                    x: c.x - LOCAL[0],
                    y: c.y - LOCAL[1],
                }),
                floors: f.field_as_integer(0).unwrap().unwrap() as f64,
                floor_area: f.field_as_double(1).unwrap(),
            }
        })
        .collect()
}

fn parcel_tree(parcels: &[Parcel]) -> RTree<Env> {
    RTree::bulk_load(
        parcels
            .iter()
            .enumerate()
            .map(|(i, p)| Env(p.poly.clone(), i))
            .collect(),
    )
}

/// Parcels a polygon overlaps by more than 1 m² (GeoJSON's 7 decimals
/// leave slivers of centimetres), with the overlap (m²).
fn under(tree: &RTree<Env>, poly: &Polygon<f64>) -> Vec<(usize, f64)> {
    let env = Env(poly.clone(), 0).envelope();
    tree.locate_in_envelope_intersecting(&env)
        .map(|e| (e.1, e.0.intersection(poly).unsigned_area()))
        .filter(|&(_, a)| a > 1.0)
        .collect()
}

#[test]
fn buildings_stand_in_their_parcels_and_parks() {
    let (dir, report) = sample();
    check_buildings(dir, report);
}

fn check_buildings(dir: &Path, report: &SynthReport) {
    let inv = &report.inventory;
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let tree = parcel_tree(&parcels);
    let blds = read_buildings(&dir.join("buildings.gpkg"));
    assert_eq!(blds.len(), inv.buildings);
    let floor = |b: &Bldg| b.floor_area.unwrap_or(b.poly.unsigned_area() * b.floors);
    let mut own = vec![0.0; parcels.len()];
    let mut built = vec![false; parcels.len()];
    let mut straddling = 0;
    for b in &blds {
        assert!(b.poly.is_valid() && (1.0..=8.0).contains(&b.floors));
        assert!(
            lattice::ring_area(
                &b.poly
                    .exterior()
                    .0
                    .iter()
                    .map(|c| [c.x, c.y])
                    .collect::<Vec<_>>()
            ) > 0.0
        );
        let hits = under(&tree, &b.poly);
        for &(i, _) in &hits {
            assert_eq!(parcels[i].fields["DLBM"].as_deref(), Some("0601"));
        }
        match hits[..] {
            [(i, a)] => {
                assert!((a / b.poly.unsigned_area() - 1.0).abs() < 1e-6);
                own[i] += floor(b);
                built[i] = true;
            }
            [(i, a), (j, c)] => {
                // across the shared edge, at least 8 m deep on each side
                straddling += 1;
                assert!(a.min(c) > 8.0 * 20.0, "straddling parts {a} and {c} m²");
                assert!(parcels[i].poly.intersects(&parcels[j].poly));
                assert!(b.floor_area.is_none());
            }
            _ => panic!("building on {} parcels", hits.len()),
        }
    }
    assert_eq!(straddling, inv.straddling_buildings);
    assert!(straddling >= 1);
    assert_eq!(
        blds.iter().filter(|b| b.floor_area.is_some()).count(),
        inv.buildings_with_floor_area
    );
    // parcel FARs clear of 0.6
    let mut low = 0;
    for (i, p) in parcels.iter().enumerate() {
        if built[i] {
            let far = own[i] / p.poly.unsigned_area();
            assert!((far / 0.6 - 1.0).abs() > 0.04, "parcel FAR {far}");
            low += usize::from(far < 0.6);
        }
    }
    assert_eq!(low, inv.low_far_parcels);
    assert_eq!(built.iter().filter(|&&b| b).count(), inv.built_parcels);
    assert!(low >= 1 && low < inv.built_parcels);
    // parks: their buildings lie inside, 4–8 storeys; FARs clear of 1.2
    let parks = read_features(&dir.join("parks.geojson"));
    assert_eq!(parks.len(), inv.parks);
    let (mut new, mut low_parks, mut in_parks, mut planned) = (0, 0, 0, 0);
    let mut names = std::collections::HashSet::new();
    for (mp, _, props) in &parks {
        let park = &mp.0[0];
        let opened = props["opened"].as_i64().unwrap();
        if props["status"] == "在建" {
            // under construction: not a single building touches it
            planned += 1;
            assert_eq!(opened, 2021);
            assert!(blds.iter().all(|b| !park.intersects(&b.poly)));
            continue;
        }
        assert_eq!(props["status"], "已建成");
        let inside: Vec<&Bldg> = blds.iter().filter(|b| park.contains(&b.poly)).collect();
        assert!(inside.iter().all(|b| b.floors >= 4.0));
        assert!(blds
            .iter()
            .all(|b| park.contains(&b.poly) || park.intersection(&b.poly).unsigned_area() < 0.01));
        in_parks += inside.len();
        let far = inside.iter().map(|b| floor(b)).sum::<f64>() / park.unsigned_area();
        assert!((0.8..2.2).contains(&far), "park FAR {far}");
        assert!((far / 1.2 - 1.0).abs() > 0.04, "park FAR {far}");
        low_parks += usize::from(far < 1.2);
        assert!((2016..=2020).contains(&opened));
        new += usize::from(opened == 2020);
        assert!((1..=5).contains(&props["star"].as_i64().unwrap()));
        assert!(["A", "B", "C", "D"].contains(&props["grade"].as_str().unwrap()));
        let name = props["name"].as_str().unwrap();
        assert!(name.contains("小微企业园") && names.insert(name.to_string()));
    }
    assert_eq!(in_parks, inv.park_buildings);
    assert_eq!((new, low_parks), (inv.parks_new, inv.parks_low_far));
    assert!(new >= 1 && low_parks >= 1 && low_parks < parks.len());
    assert_eq!(planned, inv.parks_planned);
    assert!(planned >= 1 && planned <= parks.len().div_ceil(6));
}

#[test]
fn parks_offer_room_to_new_firms() {
    let (dir, report) = sample();
    check_supply(dir, report);
}

/// What issue 14's placement reads: each park's room (`vacant_m2`), the
/// industries it takes, its status, and the floor area its firms use.
fn check_supply(dir: &Path, report: &SynthReport) {
    let inv = &report.inventory;
    let parks = read_features(&dir.join("parks.geojson"));
    let blds = read_buildings(&dir.join("buildings.gpkg"));
    let rows = read_ledger(dir);
    let firms = firm_points(&rows);
    let floor = |b: &Bldg| b.floor_area.unwrap_or(b.poly.unsigned_area() * b.floors);
    let (mut unknown, mut opened, mut restrict) = (0, 0, 0);
    let mut prefixes: Vec<String> = Vec::new();
    for (mp, _, props) in &parks {
        let park = &mp.0[0];
        let name = props["name"].as_str().unwrap();
        let land = park.unsigned_area();
        let built: f64 = blds
            .iter()
            .filter(|b| park.contains(&b.poly))
            .map(floor)
            .sum();
        let vacant = props["vacant_m2"].as_f64();
        assert!(vacant.is_none_or(|v| v == v.round()), "{name}: {vacant:?}");
        let inside: Vec<usize> = (0..rows.len())
            .filter(|&i| park.contains(&firms[i]))
            .collect();
        if props["status"] == "在建" {
            // its room is its planned floor area, land × 1.5–2.0
            let far = vacant.unwrap() / land;
            assert!((1.49..2.01).contains(&far), "{name}: planned FAR {far}");
            assert!(inside.is_empty(), "{name}: firms on a building site");
        } else {
            opened += 1;
            match vacant {
                Some(v) => assert!(
                    (0.049..0.251).contains(&(v / built)),
                    "{name}: {v} of {built}"
                ),
                None => unknown += 1,
            }
            // every firm in it says its floor area, together under the park's
            let used: f64 = inside
                .iter()
                .map(|&i| rows[i][6].parse::<f64>().unwrap())
                .sum();
            assert!(
                used < 0.93 * built,
                "{name}: firms use {used} of {built} m²"
            );
        }
        let ind = props["industries"].as_str().unwrap();
        if !ind.is_empty() {
            restrict += 1;
            for p in ind.split(',') {
                assert!((2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
                prefixes.push(p.to_string());
            }
        }
    }
    assert_eq!(parks.len() - opened, inv.parks_planned);
    assert!(
        unknown >= 1 && unknown <= opened.div_ceil(3),
        "{unknown} of {opened}"
    );
    assert!(restrict >= 1 && restrict < parks.len());
    // some firms fit a restricting park, some (chemicals, paper, ...) none
    let fits = |r: &csv::StringRecord| {
        let code = r[2].trim_start_matches('C');
        prefixes.iter().any(|p| code.starts_with(p.as_str()))
    };
    assert!(rows.iter().any(fits) && !rows.iter().all(fits));
}

#[test]
fn vacated_records_hold_what_was_planted() {
    let (dir, report) = sample();
    check_vacated(dir, report);
}

fn check_vacated(dir: &Path, report: &SynthReport) {
    let inv = &report.inventory;
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let tree = parcel_tree(&parcels);
    let recs = read_features(&dir.join("vacated.geojson"));
    assert_eq!(recs.len(), inv.vacated_records);
    let ct = gk::transform(gk::EPSG_CGCS2000, gk::EPSG_GK40).unwrap();
    let protected: Vec<Polygon<f64>> = read_geojson(&dir.join("protected.geojson"), &ct);
    let status = |r: &serde_json::Value| r["status"].as_str().unwrap().to_string();
    let done: Vec<usize> = (0..recs.len())
        .filter(|&i| status(&recs[i].2) == "done")
        .collect();
    assert_eq!(done.len(), inv.vacated_done);
    let count = |s: &str| recs.iter().filter(|r| status(&r.2) == s).count();
    assert_eq!(count("in_progress"), inv.vacated_in_progress);
    assert_eq!(count("planned"), inv.vacated_planned);
    let mut ids = std::collections::HashSet::new();
    let (mut wrong, mut undated, mut outside, mut no_township) = (0, 0, 0, 0);
    let mut mu = Vec::new();
    for (mp, ll, p) in &recs {
        let id = p["id"].as_str().unwrap();
        assert!(id.starts_with("TT2020-") && ids.insert(id.to_string()));
        let poly = &mp.0[0];
        let area = gk::ellipsoidal_area(poly.unsigned_area(), ll[0], ll[1]) / MU;
        mu.push(area);
        let claimed = p["claimed_mu"].as_f64().unwrap();
        let off = (claimed / area - 1.0).abs();
        assert!(
            off < 0.015 || (0.09..0.31).contains(&off),
            "claim off by {off}"
        );
        wrong += usize::from(off > 0.03);
        match p["done_date"].as_str() {
            Some(d) => {
                assert_eq!(status(p), "done");
                assert!(tudi_core::date::Date::parse(d).is_some() && d.starts_with("2020-"));
            }
            None => undated += usize::from(status(p) == "done"),
        }
        let hits = under(&tree, poly);
        let covered: f64 = hits.iter().map(|h| h.1).sum();
        if covered < 0.05 * poly.unsigned_area() {
            outside += 1;
        } else {
            // whole parcels, of the township given
            assert!((covered / poly.unsigned_area() - 1.0).abs() < 1e-3);
            for &(i, a) in &hits {
                assert!(
                    (a / parcels[i].poly.unsigned_area() - 1.0).abs() < 1e-3,
                    "{p} covers {a} m² of parcel {:?}",
                    parcels[i].fields
                );
                if let Some(t) = p["township"].as_str() {
                    assert_eq!(&parcels[i].fields["ZLDWDM"].as_deref().unwrap()[..9], t);
                }
            }
        }
        no_township += usize::from(p["township"].is_null());
    }
    assert_eq!(
        (wrong, undated, outside, no_township),
        (
            inv.vacated_wrong_claims,
            inv.vacated_undated,
            inv.vacated_outside,
            inv.vacated_no_township
        )
    );
    assert!(wrong >= 1 && undated >= 1 && outside >= 1 && no_township >= 1);
    // overlapping done records
    let mut overlaps = 0;
    for (a, &i) in done.iter().enumerate() {
        for &j in &done[a + 1..] {
            let o = recs[i].0.intersection(&recs[j].0).unsigned_area();
            assert!(!(1.0..=0.1 * MU).contains(&o), "overlap of {o} m²");
            overlaps += usize::from(o > 0.1 * MU);
        }
    }
    assert_eq!(overlaps, inv.vacated_overlap_pairs);
    assert!(overlaps >= 1);
    // done land in contiguous blocks (10 m), protected land removed
    let inside: Vec<usize> = done
        .iter()
        .copied()
        .filter(|&i| !under(&tree, &recs[i].0 .0[0]).is_empty())
        .collect();
    let mut parent: Vec<usize> = (0..inside.len()).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            i = p[i];
        }
        i
    }
    for a in 0..inside.len() {
        for b in a + 1..inside.len() {
            if Euclidean.distance(&recs[inside[a]].0 .0[0], &recs[inside[b]].0 .0[0]) <= 15.0 {
                let (x, y) = (find(&mut parent, a), find(&mut parent, b));
                parent[x] = y;
            }
        }
    }
    let mut blocks: HashMap<usize, Vec<usize>> = HashMap::new();
    for (a, &i) in inside.iter().enumerate() {
        blocks.entry(find(&mut parent, a)).or_default().push(i);
    }
    let (mut large, mut effective, mut small, mut split) = (0, 0, 0, 0);
    for members in blocks.values() {
        let union = members
            .iter()
            .fold(MultiPolygon::<f64>(vec![]), |u, &i| u.union(&recs[i].0));
        let scale: f64 = members.iter().map(|&i| mu[i]).sum::<f64>()
            / members
                .iter()
                .map(|&i| recs[i].0.unsigned_area())
                .sum::<f64>();
        let total = union.unsigned_area() * scale;
        let kept = protected.iter().fold(union.clone(), |u, p| {
            u.difference(&MultiPolygon(vec![p.clone()]))
        });
        if total >= 5.0 {
            let parts: Vec<f64> = kept.0.iter().map(|p| p.unsigned_area() * scale).collect();
            if parts.iter().all(|&a| a < 5.0) {
                // cut by a protected strip: parts under 4.5 mu, > 10 m apart
                split += 1;
                assert!(total >= 5.5 && parts.len() >= 2);
                assert!(parts.iter().all(|&a| a < 4.5), "{parts:?}");
                assert!(Euclidean.distance(&kept.0[0], &kept.0[1]) > 10.0);
            } else {
                let lost = 1.0 - kept.unsigned_area() / union.unsigned_area();
                assert!(lost.abs() < 1e-6, "{lost} of an effective block protected");
                effective += 1;
            }
        } else {
            small += 1;
        }
        large += usize::from(total >= 50.0);
    }
    assert_eq!(
        (large, effective, small, split),
        (
            inv.vacated_large_blocks,
            inv.vacated_effective_blocks,
            inv.vacated_small_blocks,
            inv.vacated_split_blocks
        )
    );
    assert!(large >= 1 && small >= 1 && split == 1);

    // firms on done land: pending only on the occupied records; no
    // buildings on cleared land
    let rows = read_ledger(dir);
    let mut occupied = std::collections::HashSet::new();
    let mut pending_on_done = 0;
    for (r, pt) in rows.iter().zip(firm_points(&rows)) {
        let on: Vec<usize> = done
            .iter()
            .copied()
            .filter(|&i| recs[i].0.contains(&pt))
            .collect();
        if !on.is_empty() && &r[11] == "pending" {
            pending_on_done += 1;
            occupied.extend(on);
        }
    }
    assert_eq!(pending_on_done, inv.ent_on_vacated);
    assert_eq!(occupied.len(), inv.vacated_occupied);
    assert!(pending_on_done >= 1);
    let blds = read_buildings(&dir.join("buildings.gpkg"));
    for &i in &done {
        let standing = blds.iter().any(|b| recs[i].0.intersects(&b.poly));
        assert_eq!(
            standing,
            occupied.contains(&i),
            "record {}",
            recs[i].2["id"]
        );
    }
}

#[test]
fn townships_hold_their_parcels() {
    let (dir, report) = sample();
    check_townships(dir, report);
}

fn check_townships(dir: &Path, report: &SynthReport) {
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let ts = read_features(&dir.join("townships.geojson"));
    let codes: std::collections::HashSet<&str> = parcels
        .iter()
        .map(|p| &p.fields["ZLDWDM"].as_deref().unwrap()[..9])
        .collect();
    assert_eq!(ts.len(), codes.len());
    assert!(ts.len() <= report.inventory.townships);
    let by_code: HashMap<String, &MultiPolygon<f64>> = ts
        .iter()
        .map(|(mp, _, p)| {
            assert!(mp.is_valid());
            assert!(p["name"].as_str().unwrap().ends_with(['镇', '乡', '道']));
            (p["code"].as_str().unwrap().to_string(), mp)
        })
        .collect();
    assert_eq!(by_code.len(), ts.len());
    let total: f64 = ts.iter().map(|t| t.0.unsigned_area()).sum();
    let window: f64 = parcels.iter().map(|p| p.poly.unsigned_area()).sum();
    // the outer edge runs 2 m outside the window
    let r = MultiPolygon(parcels.iter().map(|p| p.poly.clone()).collect())
        .bounding_rect()
        .unwrap();
    let margin = 4.0 * (r.width() + r.height());
    assert!(
        (total - window - margin).abs() < 5e-4 * window,
        "{total} vs {window}"
    );
    for p in &parcels {
        // strips between tiles are split between townships
        if matches!(
            p.fields["DLBM"].as_deref(),
            Some("1003" | "1004" | "1006" | "1101" | "1107")
        ) {
            continue;
        }
        let code = &p.fields["ZLDWDM"].as_deref().unwrap()[..9];
        assert!(
            by_code[code].contains(&p.poly),
            "parcel {:?} outside {code}",
            p.fields["BSM"]
        );
    }
}

// A district of several counties.

const COUNTY_PARCELS: usize = 6000;

/// One three-county generation shared by the tests that only read it.
fn three_counties() -> &'static (PathBuf, SynthReport) {
    static S: OnceLock<(PathBuf, SynthReport)> = OnceLock::new();
    S.get_or_init(|| {
        let out = tmp("counties");
        let report = generate(&SynthOptions {
            seed: SEED,
            parcels: COUNTY_PARCELS,
            enterprises: None,
            out: out.clone(),
            counties: 3,
        })
        .expect("generate");
        (out, report)
    })
}

fn project_toml(dir: &Path) -> toml::Table {
    std::fs::read_to_string(dir.join("project.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

/// Index of the county polygon holding a point of `poly`'s interior.
fn county_at(
    counties: &[(MultiPolygon<f64>, [f64; 2], serde_json::Value)],
    poly: &Polygon<f64>,
) -> usize {
    let p = geo::InteriorPoint::interior_point(poly).unwrap();
    let at: Vec<usize> = (0..counties.len())
        .filter(|&c| counties[c].0.contains(&p))
        .collect();
    assert_eq!(at.len(), 1, "{p:?} in counties {at:?}");
    at[0]
}

#[test]
fn one_county_is_the_district_as_before() {
    // structural facts of a district of one; its bytes were compared with
    // the generator's before counties by hand
    let (dir, report) = sample();
    let inv = &report.inventory;
    assert!(inv.counties.is_empty());
    assert_eq!((inv.cross_county_blocks, inv.cross_county_vacated), (0, 0));
    assert!(!dir.join("counties.geojson").exists());
    let t = project_toml(dir);
    assert!(t["layers"].get("counties").is_none());
    assert!(t["targets"].get("counties").is_none());
    assert_eq!(
        std::fs::read(dir.join("xiuzhou_boundary.geojson")).unwrap(),
        BOUNDARY.as_bytes()
    );
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    assert!(parcels
        .iter()
        .all(|p| p.fields["ZLDWDM"].as_deref().unwrap().starts_with("330411")));
}

#[test]
fn counties_are_whole_townships() {
    let (dir, report) = three_counties();
    let counties = read_features(&dir.join("counties.geojson"));
    assert_eq!(counties.len(), 3);
    for ((mp, _, p), (code, name)) in counties.iter().zip(names::ZHEJIANG_COUNTIES) {
        assert_eq!(
            (p["code"].as_str(), p["name"].as_str()),
            (Some(code), Some(name))
        );
        assert_eq!(mp.0.len(), 1, "{name} is one piece");
        assert!(mp.is_valid(), "{name}: {:?}", mp.validation_errors());
        tudi_core::model::validity::check(mp).unwrap();
    }
    let towns = read_features(&dir.join("townships.geojson"));
    let union = |fs: &[(MultiPolygon<f64>, [f64; 2], serde_json::Value)]| {
        fs.iter()
            .fold(MultiPolygon::<f64>(vec![]), |u, f| u.union(&f.0))
    };
    let all = union(&counties);
    let area = all.unsigned_area();
    assert!((area / union(&towns).unsigned_area() - 1.0).abs() < 1e-6);
    // the parts add up to the whole: no overlap
    let sum: f64 = counties.iter().map(|c| c.0.unsigned_area()).sum();
    assert!((sum / area - 1.0).abs() < 1e-9, "{sum} vs {area}");
    // each township in exactly one county, whose code it continues
    for (t, _, p) in &towns {
        let code = p["code"].as_str().unwrap();
        let a = t.unsigned_area();
        let mut holders = Vec::new();
        for (c, _, cp) in &counties {
            let shared = t.intersection(c).unsigned_area();
            if shared > 1e-6 * a {
                assert!(
                    shared > (1.0 - 1e-6) * a,
                    "{code} is cut by a county border"
                );
                holders.push(cp["code"].as_str().unwrap());
            }
        }
        assert_eq!(holders, [&code[..6]], "{code}");
    }
    // the district's outline is their union
    let boundary = read_features(&dir.join("xiuzhou_boundary.geojson"));
    assert_eq!(boundary.len(), 1);
    assert!(boundary[0].0.is_valid() && boundary[0].0 .0.len() == 1);
    assert!((boundary[0].0.unsigned_area() / area - 1.0).abs() < 1e-6);
    assert_eq!(boundary[0].2["name"], "秀洲区等3个县（市、区）");
    // each parcel in the county of its ZLDWDM (a few townships each at
    // this size, so only roughly a third of the parcels; the layout tests
    // check the balance of larger districts)
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let mut per = HashMap::<String, usize>::new();
    for p in &parcels {
        let code = &p.fields["ZLDWDM"].as_deref().unwrap()[..6];
        *per.entry(code.to_string()).or_default() += 1;
        // a road or river on a border belongs to one side
        if !matches!(
            p.fields["DLBM"].as_deref(),
            Some("1003" | "1004" | "1006" | "1101" | "1107")
        ) {
            assert_eq!(counties[county_at(&counties, &p.poly)].2["code"], code);
        }
    }
    let inv = &report.inventory;
    for (code, c) in &inv.counties {
        assert_eq!(per[code], c.parcels, "{code}");
        assert!(
            (0.3..1.7).contains(&(c.parcels as f64 * 3.0 / COUNTY_PARCELS as f64)),
            "{code}: {} of {COUNTY_PARCELS} parcels",
            c.parcels
        );
    }
}

#[test]
fn cross_county_cases_straddle_a_border() {
    let (dir, report) = three_counties();
    let inv = &report.inventory;
    assert!(inv.cross_county_blocks >= 1 && inv.cross_county_vacated >= 1);
    let counties = read_features(&dir.join("counties.geojson"));
    let parcels = read_parcels(&dir.join("parcels.gpkg"));
    let county = |i: usize| county_at(&counties, &parcels[i].poly);
    let village = |i: usize| parcels[i].fields["CZCSXM"].as_deref() == Some("203");
    let mu = |c: &[usize]| c.iter().map(|&i| parcels[i].tbmj).sum::<f64>() / MU;
    let village_clusters: Vec<Vec<usize>> = clusters(&parcels, 10.0)
        .into_iter()
        .filter(|c| c.iter().all(|&i| village(i)))
        .collect();
    let mut straddling = 0;
    for c in &village_clusters {
        let mut at: Vec<usize> = c.iter().map(|&i| county(i)).collect();
        at.sort();
        at.dedup();
        if at.len() == 1 {
            continue;
        }
        straddling += 1;
        assert_eq!(at.len(), 2);
        assert!(mu(c) < 4.5, "{} mu", mu(c));
        // its sides face each other across the road: 3–10 m apart
        let side = |k: usize| {
            MultiPolygon(
                c.iter()
                    .filter(|&&i| county(i) == at[k])
                    .map(|&i| parcels[i].poly.clone())
                    .collect(),
            )
        };
        let d = Euclidean.distance(&side(0), &side(1));
        assert!((3.0..10.0).contains(&d), "{d} m apart");
    }
    assert_eq!(straddling, inv.cross_county_blocks);
    // per county, the scattered clusters wholly in it
    for (code, c) in &inv.counties {
        let k = (0..3)
            .find(|&k| counties[k].2["code"] == code.as_str())
            .unwrap();
        let small = village_clusters
            .iter()
            .filter(|cl| mu(cl) < 5.0 && cl.iter().all(|&i| county(i) == k))
            .count();
        assert_eq!(small, c.expected_scattered, "{code}");
    }

    // done records in two counties, less than 10 m apart, one block
    let recs = read_features(&dir.join("vacated.geojson"));
    let done: Vec<&MultiPolygon<f64>> = recs
        .iter()
        .filter(|r| r.2["status"] == "done")
        .map(|r| &r.0)
        .filter(|r| counties.iter().any(|c| c.0.intersects(*r)))
        .collect();
    let at: Vec<usize> = done.iter().map(|r| county_at(&counties, &r.0[0])).collect();
    let mut pairs = 0;
    for a in 0..done.len() {
        for b in a + 1..done.len() {
            if at[a] != at[b] && Euclidean.distance(done[a], done[b]) < 10.0 {
                pairs += 1;
                let near = |r: &MultiPolygon<f64>| {
                    done.iter()
                        .filter(|o| Euclidean.distance(**o, r) < 15.0)
                        .count()
                };
                // each other's only neighbour (and itself)
                assert_eq!((near(done[a]), near(done[b])), (2, 2));
            }
        }
    }
    assert_eq!(pairs, inv.cross_county_vacated);

    // the counties' counts add up to the district's
    let sum = |f: fn(&CountyInventory) -> usize| inv.counties.values().map(f).sum::<usize>();
    assert_eq!(sum(|c| c.parcels), report.parcels);
    assert_eq!(sum(|c| c.townships), inv.townships);
    assert_eq!(sum(|c| c.zones), inv.zones);
    assert_eq!(sum(|c| c.village_parks), inv.village_parks);
    assert_eq!(sum(|c| c.parks), inv.parks);
    assert_eq!(sum(|c| c.village_plots), inv.village_plots);
    assert_eq!(sum(|c| c.cross_county_blocks), 2 * inv.cross_county_blocks);
    assert_eq!(
        sum(|c| c.expected_scattered) + inv.cross_county_blocks,
        inv.expected_scattered
    );
    assert_eq!(
        sum(|c| c.expected_large_village),
        inv.expected_large_village
    );
    assert_eq!(sum(|c| c.vacated_records), inv.vacated_records);
    assert_eq!(sum(|c| c.vacated_done), inv.vacated_done);
    assert_eq!(
        sum(|c| c.vacated_effective_blocks),
        inv.vacated_effective_blocks
    );
    assert_eq!(sum(|c| c.vacated_large_blocks), inv.vacated_large_blocks);
    assert_eq!(
        sum(|c| c.vacated_small_blocks) + inv.cross_county_vacated,
        inv.vacated_small_blocks
    );
    assert_eq!(
        sum(|c| c.cross_county_vacated),
        2 * inv.cross_county_vacated
    );
    assert_eq!(sum(|c| c.enterprises), report.enterprises - inv.ent_outside);
}

#[test]
fn three_counties_hold_every_scenario() {
    let (dir, report) = three_counties();
    check_scenarios(dir, report);
    check_townships(dir, report);
    check_vacated(dir, report);
    check_buildings(dir, report);
    check_supply(dir, report);
}

#[test]
fn project_names_the_counties_and_their_goals() {
    let (dir, report) = three_counties();
    let t = project_toml(dir);
    assert_eq!(
        t["layers"]["counties"]["path"].as_str(),
        Some("counties.geojson")
    );
    assert!(t["layers"]["counties"].get("fields").is_none());
    let goals = t["targets"]["counties"].as_table().unwrap();
    let codes: Vec<&str> = goals.keys().map(String::as_str).collect();
    assert_eq!(codes, ["330402", "330411", "330421"]);
    let mut vacated = 0;
    for (code, name) in &names::ZHEJIANG_COUNTIES[..3] {
        let g = &goals[*code];
        assert_eq!(g["name"].as_str(), Some(*name));
        let (v, e) = (
            g["vacated_mu"].as_integer().unwrap(),
            g["effective_mu"].as_integer().unwrap(),
        );
        assert!(e <= v && v % 10 == 0 && e % 10 == 0);
        vacated += v;
    }
    // each rounded up to tens, like the district's
    let district = t["targets"]["vacated_mu"].as_integer().unwrap();
    assert!(
        (district..=district + 30).contains(&vacated),
        "{vacated} vs {district}"
    );
    assert!(t["targets"]["townships"].as_table().unwrap().len() == 1);
    assert!(t["project"]["name"]
        .as_str()
        .unwrap()
        .starts_with("秀洲区等3个县（市、区）"));
    let files: Vec<String> = report
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected: Vec<&str> = FILES.to_vec();
    expected.push("counties.geojson");
    assert_eq!(files, expected);
    for (_, l) in t["layers"].as_table().unwrap() {
        assert!(dir.join(l["path"].as_str().unwrap()).exists());
    }
}

#[test]
fn counties_are_deterministic_per_seed() {
    let (a, _) = three_counties();
    let b = tmp("counties-again");
    generate(&SynthOptions {
        seed: SEED,
        parcels: COUNTY_PARCELS,
        enterprises: None,
        out: b.clone(),
        counties: 3,
    })
    .unwrap();
    // the GeoPackages too: same GDAL, fixed metadata date
    for f in FILES.iter().chain(["counties.geojson"].iter()) {
        let x = std::fs::read(a.join(f)).unwrap();
        assert!(x == std::fs::read(b.join(f)).unwrap(), "{f} differs");
    }
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn counties_beyond_the_list_or_the_townships_are_input_errors() {
    for (counties, parcels) in [(0, 2000), (MAX_COUNTIES + 1, 2000), (MAX_COUNTIES, 1000)] {
        let e = generate(&SynthOptions {
            seed: 1,
            parcels,
            enterprises: None,
            out: tmp("bad-counties"),
            counties,
        })
        .unwrap_err();
        assert!(e.is_input(), "{counties} counties: {e}");
        assert!(e.to_string().contains("counties"), "{e}");
    }
}
