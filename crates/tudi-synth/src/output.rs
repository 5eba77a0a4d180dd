//! Writers: the DLTB GeoPackage, the enterprise CSV, GeoJSON zone layers
//! and the project file.

use std::io::Write as _;
use std::path::Path;

use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::DriverManager;
use rayon::prelude::*;

use super::buildings::Building;
use super::enterprises::Enterprise;
use super::gk;
use super::lattice::{ring_area, ring_mean};
use super::layout::{Layout, Role};
use super::names::dlmc;
use super::rng::{hash, unit, Rng};
use tudi_core::crs::china::{wgs84_to_bd09, wgs84_to_gcj02};
use tudi_core::error::{Error, Result};

fn gdal_err(path: &Path, e: gdal::errors::GdalError) -> Error {
    Error::Gdal(format!("{}: {e}", path.display()))
}

pub fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// The DLTB fields: name, width (0 = real).
pub const DLTB_FIELDS: [(&str, i32); 9] = [
    ("BSM", 18),
    ("TBBH", 8),
    ("DLBM", 5),
    ("DLMC", 60),
    ("QSXZ", 2),
    ("ZLDWDM", 19),
    ("ZLDWMC", 255),
    ("CZCSXM", 4),
    ("TBMJ", 0),
];

/// The date GDAL writes into the GeoPackage's metadata, fixed so that the
/// same seed gives the same file.
const GPKG_DATE: &str = "2019-12-31T00:00:00.000Z";

/// Polygon WKB (little-endian, one ring).
fn wkb_polygon(ring: &[[f64; 2]]) -> Vec<u8> {
    let mut v = Vec::with_capacity(13 + 16 * ring.len());
    v.push(1u8);
    v.extend_from_slice(&3u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&(ring.len() as u32).to_le_bytes());
    for p in ring {
        v.extend_from_slice(&p[0].to_le_bytes());
        v.extend_from_slice(&p[1].to_le_bytes());
    }
    v
}

/// What writing the parcels found out.
pub struct ParcelsWritten {
    /// Ellipsoidal area of every parcel (m²), in layout order.
    pub areas: Vec<f64>,
    /// Parcels whose TBMJ was deliberately written 2–10 % off.
    pub tbmj_off: usize,
}

/// Is parcel `k`'s TBMJ deliberately wrong (~1 %; never a planted village
/// plot, so the 5-mu expectations hold whichever area a tool uses), and by
/// what factor?
fn tbmj_factor(seed: u64, k: usize, role: Role) -> Option<f64> {
    if matches!(role, Role::Plot(_) | Role::CropPlot(_)) {
        return None;
    }
    let h = hash(seed, &[0x7B3A, k as u64]);
    if unit(h) >= 0.01 {
        return None;
    }
    let mut r = Rng::new(h);
    let off = r.uniform(0.02, 0.10);
    Some(if r.chance(0.5) { 1.0 + off } else { 1.0 - off })
}

pub fn write_parcels(path: &Path, layout: &Layout, seed: u64) -> Result<ParcelsWritten> {
    let e = |err| gdal_err(path, err);
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(e)?;
    gdal::config::set_thread_local_config_option("OGR_CURRENT_DATE", GPKG_DATE).map_err(e)?;
    let result = (|| {
        let mut ds = driver.create_vector_only(path).map_err(e)?;
        let srs = gk::gk_srs()?;
        let to_ll = gk::transform(gk::EPSG_GK40, gk::EPSG_CGCS2000)?;
        let mut areas = Vec::with_capacity(layout.blocks.len());
        let mut tbmj_off = 0;
        {
            let mut txn = ds.start_transaction().map_err(e)?;
            let layer = txn
                .create_layer(LayerOptions {
                    name: "DLTB",
                    srs: Some(&srs),
                    ty: OGRwkbGeometryType::wkbPolygon,
                    options: Some(&[
                        "FID=fid",
                        "GEOMETRY_NAME=geom",
                        "SPATIAL_INDEX=YES",
                        "IDENTIFIER=地类图斑 (合成)",
                        "DESCRIPTION=tudi synth: synthetic 三调 DLTB parcels",
                    ]),
                })
                .map_err(e)?;
            for (name, width) in DLTB_FIELDS {
                let ty = if width == 0 {
                    OGRFieldType::OFTReal
                } else {
                    OGRFieldType::OFTString
                };
                let fd = FieldDefn::new(name, ty).map_err(e)?;
                if width > 0 {
                    fd.set_width(width);
                } else {
                    fd.set_width(15);
                    fd.set_precision(2);
                }
                fd.add_to_layer(&layer).map_err(e)?;
            }
            let defn = layer.defn();
            let mut tbbh_next: Vec<u32> = vec![0; layout.units.len()];
            const CHUNK: usize = 32 * 1024;
            for (ci, chunk) in layout.blocks.chunks(CHUNK).enumerate() {
                let prepared: Vec<(Vec<u8>, f64, [f64; 2])> = chunk
                    .par_iter()
                    .map(|b| {
                        let ring = b.ring(&layout.lat);
                        (wkb_polygon(&ring), ring_area(&ring), ring_mean(&ring))
                    })
                    .collect();
                let mut centres: Vec<[f64; 2]> = prepared.iter().map(|p| p.2).collect();
                gk::apply(&to_ll, &mut centres)?;
                for (k, ((wkb, plane, _), ll)) in prepared.into_iter().zip(centres).enumerate() {
                    let gi = ci * CHUNK + k;
                    let b = &layout.blocks[gi];
                    let area = gk::ellipsoidal_area(plane, ll[0], ll[1]);
                    areas.push(area);
                    let mut tbmj = area;
                    if let Some(f) = tbmj_factor(seed, gi, b.role) {
                        tbmj *= f;
                        tbmj_off += 1;
                    }
                    let u = &layout.units[b.unit as usize];
                    tbbh_next[b.unit as usize] += 1;
                    let mut f = Feature::new(defn).map_err(e)?;
                    f.set_field_string(0, &format!("{}{:010}", &u.code12[..6], gi + 1))
                        .map_err(e)?;
                    f.set_field_string(1, &tbbh_next[b.unit as usize].to_string())
                        .map_err(e)?;
                    f.set_field_string(2, b.dlbm).map_err(e)?;
                    f.set_field_string(3, dlmc(b.dlbm)).map_err(e)?;
                    f.set_field_string(4, b.qsxz).map_err(e)?;
                    f.set_field_string(5, &format!("{}0000000", u.code12))
                        .map_err(e)?;
                    f.set_field_string(6, &u.name).map_err(e)?;
                    if let Some(c) = b.czcs.code() {
                        f.set_field_string(7, c).map_err(e)?;
                    }
                    f.set_field_double(8, (tbmj * 100.0).round() / 100.0)
                        .map_err(e)?;
                    f.set_geometry(Geometry::from_wkb(&wkb).map_err(e)?)
                        .map_err(e)?;
                    f.create(&layer).map_err(e)?;
                }
            }
            txn.commit().map_err(e)?;
        }
        ds.close().map_err(e)?;
        Ok(ParcelsWritten { areas, tbmj_off })
    })();
    let _ = gdal::config::clear_thread_local_config_option("OGR_CURRENT_DATE");
    result
}

/// The buildings layer (`buildings`, EPSG:4528): `floors` and, for some,
/// a ledger `floor_area` (m²).
pub fn write_buildings(path: &Path, buildings: &[Building]) -> Result<()> {
    let e = |err| gdal_err(path, err);
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(e)?;
    gdal::config::set_thread_local_config_option("OGR_CURRENT_DATE", GPKG_DATE).map_err(e)?;
    let result = (|| {
        let mut ds = driver.create_vector_only(path).map_err(e)?;
        let srs = gk::gk_srs()?;
        {
            let mut txn = ds.start_transaction().map_err(e)?;
            let layer = txn
                .create_layer(LayerOptions {
                    name: "buildings",
                    srs: Some(&srs),
                    ty: OGRwkbGeometryType::wkbPolygon,
                    options: Some(&[
                        "FID=fid",
                        "GEOMETRY_NAME=geom",
                        "SPATIAL_INDEX=YES",
                        "IDENTIFIER=建筑物 (合成)",
                        "DESCRIPTION=tudi synth: synthetic building footprints",
                    ]),
                })
                .map_err(e)?;
            FieldDefn::new("floors", OGRFieldType::OFTInteger)
                .map_err(e)?
                .add_to_layer(&layer)
                .map_err(e)?;
            let fd = FieldDefn::new("floor_area", OGRFieldType::OFTReal).map_err(e)?;
            fd.set_width(12);
            fd.set_precision(1);
            fd.add_to_layer(&layer).map_err(e)?;
            let defn = layer.defn();
            for b in buildings {
                let mut f = Feature::new(defn).map_err(e)?;
                f.set_field_integer(0, b.floors as i32).map_err(e)?;
                if let Some(a) = b.floor_area {
                    f.set_field_double(1, a).map_err(e)?;
                }
                f.set_geometry(Geometry::from_wkb(&wkb_polygon(&b.ring)).map_err(e)?)
                    .map_err(e)?;
                f.create(&layer).map_err(e)?;
            }
            txn.commit().map_err(e)?;
        }
        ds.close().map_err(e)
    })();
    let _ = gdal::config::clear_thread_local_config_option("OGR_CURRENT_DATE");
    result
}

fn fmt_fixed(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}

/// The enterprise ledger as Excel writes CSV: UTF-8 with BOM, CRLF.
pub fn write_enterprises(path: &Path, ents: &[Enterprise], lonlat: &[[f64; 2]]) -> Result<()> {
    let mut buf: Vec<u8> = "\u{FEFF}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut buf);
        let io = |err: csv::Error| io_err(path, std::io::Error::other(err));
        w.write_record([
            "credit_code",
            "name",
            "industry",
            "revenue",
            "tax",
            "land_mu",
            "floor_m2",
            "grades",
            "lon",
            "lat",
            "coord_sys",
            "status",
            "deadline",
        ])
        .map_err(io)?;
        for (e, ll) in ents.iter().zip(lonlat) {
            let (x, y, d) = match e.coord_sys {
                "gcj02" => {
                    let (x, y) = wgs84_to_gcj02(ll[0], ll[1]);
                    (x, y, 6)
                }
                "bd09" => {
                    let (x, y) = wgs84_to_bd09(ll[0], ll[1]);
                    (x, y, 6)
                }
                _ => (ll[0], ll[1], 7),
            };
            let grades: Vec<String> = e.grades.iter().map(|g| g.to_string()).collect();
            w.write_record([
                e.credit_code.as_str(),
                &e.name,
                &e.industry,
                &fmt_fixed(e.revenue, 2),
                &fmt_fixed(e.tax, 2),
                &e.land_mu.map(|m| fmt_fixed(m, 2)).unwrap_or_default(),
                &e.floor_m2.map(|m| fmt_fixed(m, 0)).unwrap_or_default(),
                &grades.join(","),
                &fmt_fixed(x, d),
                &fmt_fixed(y, d),
                e.coord_sys,
                if e.done { "done" } else { "pending" },
                e.deadline.as_deref().unwrap_or(""),
            ])
            .map_err(io)?;
        }
        w.flush().map_err(|err| io_err(path, err))?;
    }
    std::fs::write(path, buf).map_err(|err| io_err(path, err))
}

/// A polygon for a GeoJSON zone layer: its ring in GK and its properties.
#[derive(Clone, Debug)]
pub struct ZonePoly {
    pub ring: Vec<[f64; 2]>,
    pub props: Vec<(&'static str, String)>,
}

impl ZonePoly {
    pub fn feature(&self) -> GeoFeature {
        GeoFeature {
            polygons: vec![vec![self.ring.clone()]],
            props: self
                .props
                .iter()
                .map(|(k, v)| (*k, serde_json::Value::String(v.clone())))
                .collect(),
        }
    }
}

/// A feature for a GeoJSON layer: polygons (outer ring counter-clockwise,
/// then holes clockwise) in GK, and properties in the order given.
#[derive(Clone, Debug)]
pub struct GeoFeature {
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    pub props: Vec<(&'static str, serde_json::Value)>,
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// RFC 7946 FeatureCollection in lon/lat (7 decimals), one feature a line;
/// a feature with one polygon is a Polygon, else a MultiPolygon.
pub fn write_geojson(
    path: &Path,
    features: &[GeoFeature],
    to_ll: &gdal::spatial_ref::CoordTransform,
) -> Result<()> {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (k, p) in features.iter().enumerate() {
        let mut polygons = Vec::with_capacity(p.polygons.len());
        for poly in &p.polygons {
            let mut rings = Vec::with_capacity(poly.len());
            for ring in poly {
                let mut ring = ring.clone();
                gk::apply(to_ll, &mut ring)?;
                rings.push(
                    ring.iter()
                        .map(|q| vec![round7(q[0]), round7(q[1])])
                        .collect::<Vec<_>>(),
                );
            }
            polygons.push(rings);
        }
        let value = if polygons.len() == 1 {
            geojson::GeometryValue::new_polygon(polygons.pop().expect("one polygon"))
        } else {
            geojson::GeometryValue::new_multi_polygon(polygons)
        };
        let mut props = geojson::JsonObject::new();
        for (key, v) in &p.props {
            props.insert((*key).to_string(), v.clone());
        }
        let f = geojson::Feature {
            bbox: None,
            geometry: Some(geojson::Geometry::new(value)),
            id: None,
            properties: Some(props),
            foreign_members: None,
        };
        let s =
            serde_json::to_string(&f).map_err(|err| io_err(path, std::io::Error::other(err)))?;
        out.push_str(&s);
        out.push_str(if k + 1 < features.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    std::fs::write(path, out).map_err(|err| io_err(path, err))
}

/// Goals written into the project file, scaled to what was planted.
pub struct Goals {
    pub vacated_mu: f64,
    pub effective_mu: f64,
    pub new_parks: usize,
    pub new_park_floor_m2: f64,
    /// Firms' goals, scaled to the ledger: remediated targets, of which
    /// companies, upgraded ones and ones moved into parks.
    pub remediated: usize,
    pub remediated_enterprises: usize,
    pub upgraded: usize,
    pub into_parks: usize,
    /// One township's goal, as an example: code, name, vacated mu.
    pub township: Option<(String, String, f64)>,
    /// Each county's share, in a district of several (with its layer).
    pub counties: Vec<CountyGoals>,
}

/// A county's vacated and effective land goals.
pub struct CountyGoals {
    pub code: &'static str,
    pub name: &'static str,
    pub vacated_mu: f64,
    pub effective_mu: f64,
}

/// The project file of a district named `title`.
pub fn write_project(path: &Path, title: &str, goals: &Goals) -> Result<()> {
    let counties_layer = if goals.counties.is_empty() {
        ""
    } else {
        "\n[layers.counties]\npath = \"counties.geojson\"\n"
    };
    let mut text = format!(
        r#"[project]
name = "{title}"
as_of = "2020-12-31"

[layers.parcels]
path = "parcels.gpkg"
layer = "DLTB"

[layers.enterprises]
path = "enterprises.csv"
crs = "EPSG:4490"
x = "lon"
y = "lat"
crs_field = "coord_sys"     # per-row CRS: cgcs2000 | gcj02 | bd09 (overrides crs)

[layers.villages]
path = "villages.geojson"

[layers.plan]
path = "plan.geojson"

[layers.protected]
path = "protected.geojson"

[layers.boundary]
path = "xiuzhou_boundary.geojson"

[layers.buildings]
path = "buildings.gpkg"

[layers.parks]
path = "parks.geojson"

[layers.vacated]
path = "vacated.geojson"

[layers.townships]
path = "townships.geojson"
{counties_layer}
# The year's goals, scaled to this synthetic district.
[targets]
year = 2020
vacated_mu = {:.0}
effective_mu = {:.0}
new_parks = {}
new_park_floor_m2 = {:.0}
remediated = {}
remediated_enterprises = {}
upgraded = {}
into_parks = {}
"#,
        goals.vacated_mu,
        goals.effective_mu,
        goals.new_parks,
        goals.new_park_floor_m2,
        goals.remediated,
        goals.remediated_enterprises,
        goals.upgraded,
        goals.into_parks
    );
    if let Some((code, name, mu)) = &goals.township {
        text.push_str(&format!(
            "\n[targets.townships.{code}]\nname = \"{name}\"\nvacated_mu = {mu:.0}\n"
        ));
    }
    for c in &goals.counties {
        text.push_str(&format!(
            "\n[targets.counties.{}]\nname = \"{}\"\nvacated_mu = {:.0}\neffective_mu = {:.0}\n",
            c.code, c.name, c.vacated_mu, c.effective_mu
        ));
    }
    let mut f = std::fs::File::create(path).map_err(|err| io_err(path, err))?;
    f.write_all(text.as_bytes())
        .map_err(|err| io_err(path, err))
}
