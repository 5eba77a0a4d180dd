//! `tudi.gpkg`: every output layer in one GeoPackage (CGCS2000, EPSG:4490)
//! with R-tree spatial indexes, Chinese layer titles and field aliases, and
//! each layer's styles in QGIS's `layer_styles` table, the first one as the
//! default QGIS draws on opening.
//!
//! A layer is described, not coded: a [`Layer`] names its fields (machine
//! name, Chinese alias, type), gives its features by position and lists its
//! [`Style`]s. Adding a layer is adding one such description.

use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::sql::Dialect;
use gdal::vector::{Feature, Geometry as OgrGeometry, LayerAccess, LayerOptions};
use gdal::DriverManager;
use gdal_sys::OGRwkbGeometryType;
use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rayon::prelude::*;

use super::fixed;
use super::styles::{qml, Alias, Style, SymbolKind};
use crate::error::{Error, Result};

/// `gpkg_contents.last_change` and `layer_styles.update_time`: fixed, so
/// that the same inputs give the same bytes (GDAL would write the clock).
pub const TIMESTAMP: &str = "2000-01-01T00:00:00.000Z";

/// The geometry column of every layer.
pub const GEOMETRY_COLUMN: &str = "geom";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Int,
    /// Rounded to this many decimals, as the GeoJSON and CSV outputs are.
    Real(usize),
    Bool,
    /// `YYYY-MM-DD`.
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Chinese, as the planners' ledgers title the column.
    pub alias: &'static str,
    pub kind: FieldKind,
}

impl Field {
    pub const fn new(name: &'static str, alias: &'static str, kind: FieldKind) -> Field {
        Field { name, alias, kind }
    }
}

/// A field value; `Null` for any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    Date(String),
}

impl Value {
    pub fn opt_text(s: Option<&str>) -> Value {
        s.map_or(Value::Null, |s| Value::Text(s.to_string()))
    }
    pub fn opt_real(v: Option<f64>) -> Value {
        v.map_or(Value::Null, Value::Real)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    /// Polygons are always written as multipolygons, so a layer has one type.
    MultiPolygon,
}

impl GeometryKind {
    pub fn symbols(self) -> SymbolKind {
        match self {
            GeometryKind::Point => SymbolKind::Marker,
            GeometryKind::MultiPolygon => SymbolKind::Fill,
        }
    }
}

/// One feature's geometry, CGCS2000 longitude/latitude.
pub enum Geometry<'a> {
    Point(Coord<f64>),
    Polygons(&'a MultiPolygon<f64>),
}

/// The i-th feature of a layer: geometry and one value per field.
/// A feature ready for GDAL: its bounds, WKB and rounded values.
type Rendered = (Option<Rect<f64>>, Vec<u8>, Vec<Value>);

pub type FeatureFn<'a> = Box<dyn Fn(usize) -> (Geometry<'a>, Vec<Value>) + Sync + 'a>;

/// A layer to write: its table, titles, fields, features and styles.
pub struct Layer<'a> {
    /// Table name (ASCII, also the `layername=` QGIS opens).
    pub name: &'static str,
    /// Chinese title (`gpkg_contents.identifier`, the layer's name in QGIS).
    pub title: String,
    /// Chinese description (`gpkg_contents.description`).
    pub description: String,
    /// The layer-tree group it belongs in, in the QGIS project.
    pub group: &'static str,
    pub geometry: GeometryKind,
    pub fields: Vec<Field>,
    pub count: usize,
    pub feature: FeatureFn<'a>,
    /// The first is the default style; there must be at least one.
    pub styles: Vec<Style>,
}

impl Layer<'_> {
    /// The QML of each style, with the layer's aliases.
    pub fn qmls(&self) -> Vec<String> {
        let aliases: Vec<Alias> = self
            .fields
            .iter()
            .map(|f| Alias {
                field: f.name,
                alias: f.alias,
            })
            .collect();
        self.styles
            .iter()
            .map(|s| qml(s, self.geometry.symbols(), &aliases))
            .collect()
    }
}

fn gdal_err(path: &Path) -> impl Fn(gdal::errors::GdalError) -> Error + '_ {
    move |e| Error::Gdal(format!("writing {}: {e}", path.display()))
}

/// Sets a GDAL option for this thread until dropped.
struct ThreadOption(&'static str);

impl ThreadOption {
    fn set(key: &'static str, value: &str) -> Result<ThreadOption> {
        gdal::config::set_thread_local_config_option(key, value)
            .map_err(|e| Error::Gdal(e.to_string()))?;
        Ok(ThreadOption(key))
    }
}

impl Drop for ThreadOption {
    fn drop(&mut self) {
        let _ = gdal::config::clear_thread_local_config_option(self.0);
    }
}

fn push_ring(wkb: &mut Vec<u8>, ring: &geo::LineString<f64>) {
    wkb.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
    for c in &ring.0 {
        wkb.extend_from_slice(&c.x.to_le_bytes());
        wkb.extend_from_slice(&c.y.to_le_bytes());
    }
}

/// Little-endian WKB: GDAL's cheapest way in.
fn wkb(g: &Geometry) -> Vec<u8> {
    let mut w = Vec::with_capacity(256);
    match g {
        Geometry::Point(c) => {
            w.push(1);
            w.extend_from_slice(&1u32.to_le_bytes());
            w.extend_from_slice(&c.x.to_le_bytes());
            w.extend_from_slice(&c.y.to_le_bytes());
        }
        Geometry::Polygons(mp) => {
            w.push(1);
            w.extend_from_slice(&6u32.to_le_bytes());
            w.extend_from_slice(&(mp.0.len() as u32).to_le_bytes());
            for p in &mp.0 {
                w.push(1);
                w.extend_from_slice(&3u32.to_le_bytes());
                w.extend_from_slice(&(1 + p.interiors().len() as u32).to_le_bytes());
                push_ring(&mut w, p.exterior());
                for hole in p.interiors() {
                    push_ring(&mut w, hole);
                }
            }
        }
    }
    w
}

fn extend(extent: &mut Option<Rect<f64>>, r: Option<Rect<f64>>) {
    if let Some(r) = r {
        *extent = Some(match *extent {
            None => r,
            Some(e) => Rect::new(
                Coord {
                    x: e.min().x.min(r.min().x),
                    y: e.min().y.min(r.min().y),
                },
                Coord {
                    x: e.max().x.max(r.max().x),
                    y: e.max().y.max(r.max().y),
                },
            ),
        });
    }
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The columns of QGIS's `layer_styles` table, as QGIS creates it through
/// OGR (`QgsOgrProviderMetadata::saveStyle`).
const LAYER_STYLES: [(&str, &str); 12] = [
    ("f_table_catalog", "TEXT(256)"),
    ("f_table_schema", "TEXT(256)"),
    ("f_table_name", "TEXT(256)"),
    ("f_geometry_column", "TEXT(256)"),
    ("styleName", "TEXT(30)"),
    ("styleQML", "TEXT"),
    ("styleSLD", "TEXT"),
    ("useAsDefault", "BOOLEAN"),
    ("description", "TEXT"),
    ("owner", "TEXT(30)"),
    ("ui", "TEXT(30)"),
    ("update_time", "DATETIME"),
];

/// Writes `layers` into a new GeoPackage at `path`; returns each layer's
/// extent (`None` when it has no features).
pub fn write_gpkg(path: &Path, layers: &[Layer]) -> Result<Vec<Option<Rect<f64>>>> {
    let err = gdal_err(path);
    let _date = ThreadOption::set("OGR_CURRENT_DATE", TIMESTAMP)?;
    create_schema(path, layers).map_err(&err)?;
    // Reopened, GDAL reads the columns' GeoPackage types, BOOLEAN included.
    let mut ds = gdal::Dataset::open_ex(
        path,
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR | gdal::GdalOpenFlags::GDAL_OF_UPDATE,
            allowed_drivers: Some(&["GPKG"]),
            ..Default::default()
        },
    )
    .map_err(&err)?;
    let mut extents = Vec::with_capacity(layers.len());
    // One transaction: a GeoPackage commits per statement otherwise.
    let tx = ds.start_transaction().map_err(&err)?;
    for layer in layers {
        let lyr = tx.layer_by_name(layer.name).map_err(&err)?;
        let mut extent = None;
        let defn = lyr.defn();
        // Features are rendered (values rounded, geometry to WKB) in
        // parallel batches; GDAL inserts them one by one.
        const BATCH: usize = 8192;
        for start in (0..layer.count).step_by(BATCH) {
            let rendered: Vec<Rendered> = (start..(start + BATCH).min(layer.count))
                .into_par_iter()
                .map(|i| {
                    let (geometry, values) = (layer.feature)(i);
                    debug_assert_eq!(values.len(), layer.fields.len(), "{}", layer.name);
                    let bounds = match &geometry {
                        Geometry::Point(c) => Some(Rect::new(*c, *c)),
                        Geometry::Polygons(mp) => mp.bounding_rect(),
                    };
                    let values = values
                        .into_iter()
                        .zip(&layer.fields)
                        .map(|(value, field)| match (value, field.kind) {
                            (Value::Real(v), _) if !v.is_finite() => Value::Null,
                            (Value::Real(v), FieldKind::Real(d)) => {
                                Value::Real(fixed(v, d).parse().expect("fixed() prints a number"))
                            }
                            (value, _) => value,
                        })
                        .collect();
                    (bounds, wkb(&geometry), values)
                })
                .collect();
            for (bounds, wkb, values) in rendered {
                extend(&mut extent, bounds);
                let mut feature = Feature::new(defn).map_err(&err)?;
                for (k, value) in values.iter().enumerate() {
                    match value {
                        Value::Null => feature.set_field_null(k),
                        Value::Text(s) | Value::Date(s) => feature.set_field_string(k, s),
                        Value::Int(v) => feature.set_field_integer64(k, *v),
                        Value::Bool(b) => feature.set_field_integer(k, i32::from(*b)),
                        Value::Real(v) => feature.set_field_double(k, *v),
                    }
                    .map_err(&err)?;
                }
                feature
                    .set_geometry(OgrGeometry::from_wkb(&wkb).map_err(&err)?)
                    .map_err(&err)?;
                feature.create(&lyr).map_err(&err)?;
            }
        }
        extents.push(extent);
    }
    write_layer_styles(&tx, layers).map_err(&err)?;
    tx.commit().map_err(&err)?;
    drop(ds); // closes the file while OGR_CURRENT_DATE still holds
    Ok(extents)
}

/// Creates the tables: layers through GDAL (contents, geometry column,
/// spatial index), their columns in SQL with GeoPackage types, because the
/// `gdal` crate cannot set OGR's boolean subtype.
fn create_schema(path: &Path, layers: &[Layer]) -> gdal::errors::Result<()> {
    let mut ds = DriverManager::get_driver_by_name("GPKG")?.create_vector_only(path)?;
    let mut srs = SpatialRef::from_epsg(4490)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let geometry_name = format!("GEOMETRY_NAME={GEOMETRY_COLUMN}");
    let mut columns: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
    for layer in layers {
        let identifier = format!("IDENTIFIER={}", layer.title);
        let description = format!("DESCRIPTION={}", layer.description);
        ds.create_layer(LayerOptions {
            name: layer.name,
            srs: Some(&srs),
            ty: match layer.geometry {
                GeometryKind::Point => OGRwkbGeometryType::wkbPoint,
                GeometryKind::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
            },
            options: Some(&[&identifier, &description, &geometry_name, "FID=fid"]),
        })?;
        let types = layer.fields.iter().map(|f| {
            let ty = match f.kind {
                FieldKind::Text => "TEXT",
                FieldKind::Int => "INTEGER",
                FieldKind::Real(_) => "REAL",
                FieldKind::Bool => "BOOLEAN",
                FieldKind::Date => "DATE",
            };
            (f.name, ty)
        });
        columns.push((layer.name, types.collect()));
    }
    ds.create_layer(LayerOptions {
        name: "layer_styles",
        srs: None,
        ty: OGRwkbGeometryType::wkbNone,
        options: Some(&["IDENTIFIER=图层样式", "DESCRIPTION=QGIS 图层样式"]),
    })?;
    columns.push(("layer_styles", LAYER_STYLES.to_vec()));
    // GDAL creates deferred tables before it runs any SQL.
    for (table, cols) in &columns {
        for (name, ty) in cols {
            ds.execute_sql(
                format!("ALTER TABLE \"{table}\" ADD COLUMN \"{name}\" {ty}"),
                None,
                Dialect::DEFAULT,
            )?;
        }
    }
    write_aliases(&ds, layers)
}

/// One `layer_styles` row per style; QGIS loads the layer's row with
/// `useAsDefault` when it opens the layer.
fn write_layer_styles(ds: &gdal::Dataset, layers: &[Layer]) -> gdal::errors::Result<()> {
    let lyr = ds.layer_by_name("layer_styles")?;
    let defn = lyr.defn();
    for layer in layers {
        for (i, (style, qml)) in layer.styles.iter().zip(layer.qmls()).enumerate() {
            let mut f = Feature::new(defn)?;
            f.set_field_string(0, "")?;
            f.set_field_string(1, "")?;
            f.set_field_string(2, layer.name)?;
            f.set_field_string(3, GEOMETRY_COLUMN)?;
            f.set_field_string(4, style.name)?;
            f.set_field_string(5, &qml)?;
            f.set_field_string(6, "")?;
            f.set_field_integer(7, i32::from(i == 0))?;
            f.set_field_string(8, &style.description)?;
            f.set_field_string(9, "")?;
            f.set_field_string(11, TIMESTAMP)?;
            f.create(&lyr)?;
        }
    }
    Ok(())
}

/// Field aliases in `gpkg_data_columns` (the GeoPackage schema extension):
/// GDAL 3.6 does not write field alternative names to GeoPackages, later
/// GDALs and other GIS read them from here.
fn write_aliases(ds: &gdal::Dataset, layers: &[Layer]) -> gdal::errors::Result<()> {
    let mut sql = String::from(
        "CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, \
         name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, \
         CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), \
         CONSTRAINT gdc_tn UNIQUE (table_name, name)); \
         INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) \
         VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', \
         'http://www.geopackage.org/spec121/#extension_schema', 'read-write'); ",
    );
    for layer in layers {
        for f in &layer.fields {
            sql.push_str(&format!(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, title) VALUES ({}, {}, {}, {}); ",
                sql_text(layer.name),
                sql_text(f.name),
                sql_text(f.alias),
                sql_text(f.alias)
            ));
        }
    }
    for statement in sql.split("; ").filter(|s| !s.trim().is_empty()) {
        ds.execute_sql(statement, None, Dialect::DEFAULT)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::styles;
    use gdal::vector::FieldValue;
    use gdal_sys::OGRFieldType;
    use geo::{polygon, MultiPolygon};

    fn sample<'a>(squares: &'a [MultiPolygon<f64>]) -> Vec<Layer<'a>> {
        vec![
            Layer {
                name: "plots",
                title: "地块".into(),
                description: "测试地块".into(),
                group: "用地",
                geometry: GeometryKind::MultiPolygon,
                fields: vec![
                    Field::new("id", "标识码", FieldKind::Text),
                    Field::new("area_mu", "面积（亩）", FieldKind::Real(4)),
                    Field::new("n", "宗数", FieldKind::Int),
                    Field::new("scattered", "零散", FieldKind::Bool),
                    Field::new("since", "起始日期", FieldKind::Date),
                ],
                count: squares.len(),
                feature: Box::new(move |i| {
                    (
                        Geometry::Polygons(&squares[i]),
                        vec![
                            Value::Text(format!("P{i}")),
                            Value::Real(1.0 / 3.0 + i as f64),
                            Value::Int(i as i64 * 10_000_000_000),
                            Value::Bool(i == 0),
                            if i == 0 {
                                Value::Date("2024-05-31".into())
                            } else {
                                Value::Null
                            },
                        ],
                    )
                }),
                styles: vec![styles::scattered_parcels(), styles::blocks()],
            },
            Layer {
                name: "firms",
                title: "企业".into(),
                description: "测试企业".into(),
                group: "企业",
                geometry: GeometryKind::Point,
                fields: vec![Field::new("name", "企业名称", FieldKind::Text)],
                count: 1,
                feature: Box::new(|_| {
                    (
                        Geometry::Point(Coord { x: 120.5, y: 30.5 }),
                        vec![Value::opt_text(None)],
                    )
                }),
                styles: vec![styles::enterprises_by_disposition()],
            },
        ]
    }

    fn squares() -> Vec<MultiPolygon<f64>> {
        (0..2)
            .map(|i| {
                let x = 120.0 + f64::from(i) * 0.01;
                MultiPolygon(vec![polygon![
                    (x: x, y: 30.0), (x: x + 0.001, y: 30.0),
                    (x: x + 0.001, y: 30.001), (x: x, y: 30.0)
                ]])
            })
            .collect()
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tudi-gpkg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("t.gpkg")
    }

    #[test]
    fn layers_read_back_with_their_types_values_crs_and_extent() {
        let sq = squares();
        let path = scratch("roundtrip");
        let extents = write_gpkg(&path, &sample(&sq)).unwrap();
        let e = extents[0].unwrap();
        assert_eq!(e.min().x, 120.0);
        assert!((e.max().x - 120.011).abs() < 1e-12);
        assert_eq!(extents[1].unwrap().min(), Coord { x: 120.5, y: 30.5 });

        let ds = gdal::Dataset::open(&path).unwrap();
        let lyr = ds.layer_by_name("plots").unwrap();
        assert_eq!(lyr.feature_count(), 2);
        let srs = lyr.spatial_ref().unwrap();
        assert_eq!(srs.auth_code().unwrap(), 4490);
        let types: Vec<(String, u32)> = lyr
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect();
        assert_eq!(
            types,
            [
                ("id".into(), OGRFieldType::OFTString),
                ("area_mu".into(), OGRFieldType::OFTReal),
                ("n".into(), OGRFieldType::OFTInteger64),
                ("scattered".into(), OGRFieldType::OFTInteger),
                ("since".into(), OGRFieldType::OFTDate),
            ]
        );
        let mut lyr = ds.layer_by_name("plots").unwrap();
        let f: Vec<_> = lyr.features().collect();
        assert_eq!(
            f[1].field(0).unwrap(),
            Some(FieldValue::StringValue("P1".into()))
        );
        // rounded to the field's 4 decimals, as the GeoJSON prints it
        assert_eq!(f[0].field_as_double(1).unwrap(), Some(0.3333));
        assert_eq!(f[1].field_as_integer64(2).unwrap(), Some(10_000_000_000));
        assert_eq!(f[0].field_as_integer(3).unwrap(), Some(1));
        assert_eq!(f[1].field_as_integer(3).unwrap(), Some(0));
        assert_eq!(
            f[0].field_as_string(4).unwrap().as_deref(),
            Some("2024/05/31")
        );
        assert_eq!(f[1].field(4).unwrap(), None);
        let g = f[0].geometry().unwrap();
        assert_eq!(g.geometry_type(), OGRwkbGeometryType::wkbMultiPolygon);
        assert!((g.area() - 0.0000005).abs() < 1e-12);
        drop(f);
        // booleans are GeoPackage BOOLEAN columns (OGR's boolean subtype)
        let db = rusqlite::Connection::open(&path).unwrap();
        let declared: String = db
            .query_row(
                "SELECT type FROM pragma_table_info('plots') WHERE name = 'scattered'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(declared, "BOOLEAN");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn styles_titles_aliases_and_spatial_indexes_are_stored() {
        let sq = squares();
        let path = scratch("meta");
        write_gpkg(&path, &sample(&sq)).unwrap();
        let db = rusqlite::Connection::open(&path).unwrap();
        let rows: Vec<(String, String, i64, String)> = db
            .prepare("SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles ORDER BY fid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let keys: Vec<(&str, &str, i64)> = rows
            .iter()
            .map(|(t, s, d, _)| (t.as_str(), s.as_str(), *d))
            .collect();
        assert_eq!(
            keys,
            [
                ("plots", "scattered", 1),
                ("plots", "scattered", 0),
                ("firms", "disposition", 1)
            ]
        );
        assert!(rows[0]
            .3
            .contains(r#"<alias field="area_mu" index="1" name="面积（亩）"/>"#));
        let (identifier, description, last_change): (String, String, String) = db
            .query_row(
                "SELECT identifier, description, last_change FROM gpkg_contents WHERE table_name = 'plots'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (identifier.as_str(), description.as_str()),
            ("地块", "测试地块")
        );
        assert_eq!(last_change, TIMESTAMP);
        let alias: String = db
            .query_row(
                "SELECT title FROM gpkg_data_columns WHERE table_name = 'firms' AND column_name = 'name'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(alias, "企业名称");
        for rtree in ["rtree_plots_geom", "rtree_firms_geom"] {
            let n: i64 = db
                .query_row(&format!("SELECT count(*) FROM {rtree}"), [], |r| r.get(0))
                .unwrap();
            assert!(n >= 1, "{rtree}");
        }
        drop(db);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_same_layers_give_the_same_bytes() {
        let sq = squares();
        let (a, b) = (scratch("det-a"), scratch("det-b"));
        write_gpkg(&a, &sample(&sq)).unwrap();
        write_gpkg(&b, &sample(&sq)).unwrap();
        assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
        for p in [a, b] {
            std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
        }
    }
}
