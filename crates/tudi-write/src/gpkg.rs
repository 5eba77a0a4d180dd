//! `tudi.gpkg`: every output layer in one GeoPackage (CGCS2000, EPSG:4490)
//! with R-tree spatial indexes, layer titles and field aliases in the run's
//! language, and each layer's styles in QGIS's `layer_styles` table, the
//! first one as the default QGIS draws on opening.
//!
//! A layer is described, not coded: a [`Layer`] names its fields (machine
//! name, alias, type), gives its features by position and lists its
//! [`Style`]s; the run's layers are built from the output tables
//! ([`crate::table::Table::layer`]).

use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::sql::Dialect;
use gdal::vector::LayerOptions;
use gdal::DriverManager;
use gdal_sys::OGRwkbGeometryType;
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Rect};
use rayon::prelude::*;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{params, Connection, ToSql};

use super::styles::{qml, Alias, Style, SymbolKind};
use super::{round_fixed, rtree};
use crate::quote_identifier as quote;
use tudi_core::error::{Error, Result};
use tudi_core::model::union_rect;

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
    /// The column's label in the run's language, as the ledgers title it.
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
    /// A line of two or more points (a move, firm → park).
    LineString,
    /// Polygons are always written as multipolygons, so a layer has one type.
    MultiPolygon,
}

impl GeometryKind {
    pub fn symbols(self) -> SymbolKind {
        match self {
            GeometryKind::Point => SymbolKind::Marker,
            GeometryKind::LineString => SymbolKind::Line,
            GeometryKind::MultiPolygon => SymbolKind::Fill,
        }
    }
}

/// One feature's geometry, CGCS2000 longitude/latitude.
pub enum Geometry<'a> {
    Point(Coord<f64>),
    /// Two or more points.
    Line(LineString<f64>),
    Polygons(&'a MultiPolygon<f64>),
}

/// A feature ready for SQLite: its bounds, geometry blob and rounded values.
type Rendered = (Rect<f64>, Vec<u8>, Vec<Value>);

pub type FeatureFn<'a> = Box<dyn Fn(usize) -> (Geometry<'a>, Vec<Value>) + Sync + 'a>;

/// A layer to write: its table, titles, fields, features and styles.
pub struct Layer<'a> {
    /// Table name (ASCII, also the `layername=` QGIS opens).
    pub name: &'static str,
    /// Title in the run's language (`gpkg_contents.identifier`, the
    /// layer's name in QGIS).
    pub title: String,
    /// Description in the run's language (`gpkg_contents.description`).
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

/// A ring's or a line's points: their count, then each.
fn push_ring(wkb: &mut Vec<u8>, ring: &LineString<f64>) {
    wkb.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
    for c in &ring.0 {
        wkb.extend_from_slice(&c.x.to_le_bytes());
        wkb.extend_from_slice(&c.y.to_le_bytes());
    }
}

/// Little-endian WKB.
fn wkb(g: &Geometry) -> Vec<u8> {
    let mut w = Vec::with_capacity(256);
    match g {
        Geometry::Point(c) => {
            w.push(1);
            w.extend_from_slice(&1u32.to_le_bytes());
            w.extend_from_slice(&c.x.to_le_bytes());
            w.extend_from_slice(&c.y.to_le_bytes());
        }
        Geometry::Line(line) => {
            w.push(1);
            w.extend_from_slice(&2u32.to_le_bytes());
            push_ring(&mut w, line);
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
///
/// GDAL creates the schema (contents, spatial reference, geometry columns,
/// spatial-index tables and triggers); the features go in straight through
/// SQLite, in one transaction, with the spatial index bulk-loaded after
/// them: GDAL's feature-by-feature path and SQLite's R*Tree inserts took
/// 25 µs a feature.
pub fn write_gpkg(path: &Path, layers: &[Layer]) -> Result<Vec<Option<Rect<f64>>>> {
    {
        let _date = ThreadOption::set("OGR_CURRENT_DATE", TIMESTAMP)?;
        create_schema(path, layers).map_err(gdal_err(path))?;
    }
    let err = |e: rusqlite::Error| Error::Gdal(format!("writing {}: {e}", path.display()));
    let mut db = Connection::open(path).map_err(err)?;
    // The file is a staged output, renamed into place only when whole: a
    // rollback journal would only double the writes.
    db.pragma_update(None, "journal_mode", "OFF").map_err(err)?;
    db.pragma_update(None, "synchronous", "OFF").map_err(err)?;
    let tx = db.transaction().map_err(err)?;
    let extents = layers
        .iter()
        .map(|layer| insert_layer(&tx, layer))
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err)?;
    write_layer_styles(&tx, layers).map_err(err)?;
    tx.commit().map_err(err)?;
    Ok(extents)
}

/// A GeoPackage geometry blob: the "GP" header (little-endian, SRS 4490,
/// an xy envelope for lines and polygons as GDAL writes) then the WKB.
fn gpkg_blob(geometry: &Geometry, bounds: Rect<f64>) -> Vec<u8> {
    let wkb = wkb(geometry);
    let mut blob = Vec::with_capacity(wkb.len() + 40);
    blob.extend_from_slice(b"GP\0");
    match geometry {
        Geometry::Point(_) => {
            blob.push(0b0000_0001);
            blob.extend_from_slice(&SRS_ID.to_le_bytes());
        }
        Geometry::Line(_) | Geometry::Polygons(_) => {
            blob.push(0b0000_0011);
            blob.extend_from_slice(&SRS_ID.to_le_bytes());
            for v in [
                bounds.min().x,
                bounds.max().x,
                bounds.min().y,
                bounds.max().y,
            ] {
                blob.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    blob.extend_from_slice(&wkb);
    blob
}

/// `gpkg_spatial_ref_sys.srs_id` of CGCS2000, as GDAL registers it.
const SRS_ID: i32 = 4490;

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Text(s) | Value::Date(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Int(v) => ToSqlOutput::Owned(SqlValue::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Owned(SqlValue::Real(*v)),
            Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
        })
    }
}

/// Inserts a layer's features (FIDs 1, 2, … in order) and fills its
/// spatial index; returns its extent. The table's triggers (GDAL's R*Tree
/// and feature-count upkeep) are lifted meanwhile and put back after, so
/// that later edits in QGIS keep the index.
fn insert_layer(db: &Connection, layer: &Layer) -> rusqlite::Result<Option<Rect<f64>>> {
    let table = quote(layer.name);
    let triggers: Vec<(String, String)> = db
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY name")?
        .query_map([layer.name], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &triggers {
        db.execute(&format!("DROP TRIGGER {}", quote(name)), [])?;
    }
    let mut columns = format!("\"fid\", {}", quote(GEOMETRY_COLUMN));
    for f in &layer.fields {
        columns.push_str(", ");
        columns.push_str(&quote(f.name));
    }
    let placeholders = vec!["?"; layer.fields.len() + 2].join(", ");
    let mut insert = db.prepare(&format!(
        "INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    ))?;

    let mut extent = None;
    let mut index = Vec::with_capacity(layer.count);
    // Features are rendered (values rounded, geometry to a blob) in
    // parallel batches; SQLite takes them one at a time.
    const BATCH: usize = 8192;
    for start in (0..layer.count).step_by(BATCH) {
        let rendered: Vec<Rendered> = (start..(start + BATCH).min(layer.count))
            .into_par_iter()
            .map(|i| render(layer, i))
            .collect();
        for (k, (bounds, blob, values)) in rendered.into_iter().enumerate() {
            let fid = (start + k + 1) as i64;
            extent = Some(extent.map_or(bounds, |e| union_rect(e, bounds)));
            index.push((fid, bounds));
            let mut params: Vec<&dyn ToSql> = Vec::with_capacity(values.len() + 2);
            params.push(&fid);
            params.push(&blob);
            params.extend(values.iter().map(|v| v as &dyn ToSql));
            insert.execute(params.as_slice())?;
        }
    }
    drop(insert);
    rtree::bulk_load(
        db,
        &format!("rtree_{}_{GEOMETRY_COLUMN}", layer.name),
        &index,
    )?;
    if let Some(e) = extent {
        db.execute(
            "UPDATE gpkg_contents SET min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5 WHERE table_name = ?1",
            params![layer.name, e.min().x, e.min().y, e.max().x, e.max().y],
        )?;
    }
    db.execute(
        "UPDATE gpkg_ogr_contents SET feature_count = ?2 WHERE table_name = ?1",
        params![layer.name, layer.count as i64],
    )?;
    for (_, sql) in &triggers {
        db.execute(sql, [])?;
    }
    Ok(extent)
}

/// A feature's bounds, GeoPackage blob and values rounded to their fields.
fn render(layer: &Layer, i: usize) -> Rendered {
    let (geometry, values) = (layer.feature)(i);
    debug_assert_eq!(values.len(), layer.fields.len(), "{}", layer.name);
    let bounds = match &geometry {
        Geometry::Point(c) => Rect::new(*c, *c),
        Geometry::Line(line) => line.bounding_rect().expect("output lines are never empty"),
        Geometry::Polygons(mp) => mp.bounding_rect().expect("output polygons are never empty"),
    };
    let values = values
        .into_iter()
        .zip(&layer.fields)
        .map(|(value, field)| match (value, field.kind) {
            (Value::Real(v), _) if !v.is_finite() => Value::Null,
            (Value::Real(v), FieldKind::Real(d)) => Value::Real(round_fixed(v, d)),
            (value, _) => value,
        })
        .collect();
    (bounds, gpkg_blob(&geometry, bounds), values)
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
                GeometryKind::LineString => OGRwkbGeometryType::wkbLineString,
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
fn write_layer_styles(db: &Connection, layers: &[Layer]) -> rusqlite::Result<()> {
    let columns: Vec<String> = LAYER_STYLES.iter().map(|(name, _)| quote(name)).collect();
    let mut insert = db.prepare(&format!(
        "INSERT INTO layer_styles ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    ))?;
    for layer in layers {
        for (i, (style, qml)) in layer.styles.iter().zip(layer.qmls()).enumerate() {
            insert.execute(params![
                "",
                "",
                layer.name,
                GEOMETRY_COLUMN,
                style.name,
                qml,
                "",
                i == 0,
                style.description,
                "",
                None::<String>,
                TIMESTAMP
            ])?;
        }
    }
    Ok(())
}

/// Field aliases in `gpkg_data_columns` (the GeoPackage schema extension,
/// which also requires an empty `gpkg_data_column_constraints`):
/// GDAL 3.6 does not write field alternative names to GeoPackages, later
/// GDALs and other GIS read them from here.
fn write_aliases(ds: &gdal::Dataset, layers: &[Layer]) -> gdal::errors::Result<()> {
    let mut sql = String::from(
        "CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, \
         name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, \
         CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), \
         CONSTRAINT gdc_tn UNIQUE (table_name, name)); \
         CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL, \
         constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, \
         max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, \
         CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value)); \
         INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) \
         VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', \
         'http://www.geopackage.org/spec121/#extension_schema', 'read-write'); \
         INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) \
         VALUES ('gpkg_data_column_constraints', NULL, 'gpkg_schema', \
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
    use crate::styles;
    use gdal::vector::{FieldValue, LayerAccess};
    use gdal_sys::OGRFieldType;
    use geo::{polygon, MultiPolygon};
    use tudi_core::analysis::enterprises::Disposition;
    use tudi_core::vocab::Lang;

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
                styles: vec![
                    styles::scattered_parcels(5.0, Lang::Zh),
                    styles::blocks(Lang::Zh),
                ],
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
                styles: vec![styles::enterprises_by_disposition(Lang::Zh)],
            },
            Layer {
                name: "moves",
                title: "搬迁".into(),
                description: "测试搬迁路线".into(),
                group: "企业",
                geometry: GeometryKind::LineString,
                fields: vec![Field::new("sought", "原处置方式", FieldKind::Text)],
                count: 1,
                feature: Box::new(|_| {
                    (
                        Geometry::Line(LineString::from(vec![
                            (120.5, 30.5),
                            (120.52, 30.49),
                            (120.53, 30.51),
                        ])),
                        vec![Value::Text("into_park".into())],
                    )
                }),
                styles: vec![styles::move_lines(
                    &[Disposition::IntoPark, Disposition::Relocate],
                    Lang::Zh,
                )],
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
        assert_eq!(
            extents[2],
            Some(Rect::new(
                Coord { x: 120.5, y: 30.49 },
                Coord {
                    x: 120.53,
                    y: 30.51
                }
            ))
        );

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
        // a line reads back as a LineString of its points, in order
        let mut moves = ds.layer_by_name("moves").unwrap();
        let f = moves.features().next().unwrap();
        let g = f.geometry().unwrap();
        assert_eq!(g.geometry_type(), OGRwkbGeometryType::wkbLineString);
        let mut points = Vec::new();
        g.get_points(&mut points);
        assert_eq!(
            points,
            [
                (120.5, 30.5, 0.0),
                (120.52, 30.49, 0.0),
                (120.53, 30.51, 0.0)
            ]
        );
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
        let line_type: String = db
            .query_row(
                "SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'moves'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(line_type, "LINESTRING");
        // the blob's envelope (min x, max x, min y, max y) is the line's box
        let blob: Vec<u8> = db
            .query_row("SELECT geom FROM moves", [], |r| r.get(0))
            .unwrap();
        assert_eq!(&blob[..4], b"GP\0\x03");
        let envelope: Vec<f64> = blob[8..40]
            .chunks(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(envelope, [120.5, 120.53, 30.49, 30.51]);
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
                ("firms", "disposition", 1),
                ("moves", "sought", 1)
            ]
        );
        assert!(rows[3]
            .3
            .contains("<layerGeometryType>1</layerGeometryType>"));
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
        for (table, n) in [("plots", 2), ("firms", 1), ("moves", 1)] {
            let rtree = format!("rtree_{table}_geom");
            let (count, check): (i64, String) = db
                .query_row(
                    &format!("SELECT count(*), rtreecheck('{rtree}') FROM {rtree}"),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((count, check.as_str()), (n, "ok"), "{rtree}");
            let counted: i64 = db
                .query_row(
                    "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(counted, n, "{table}");
        }
        drop(db);
        // The index triggers are back: a feature added later (as QGIS
        // would) is indexed and counted.
        let ds = gdal::Dataset::open_ex(
            &path,
            gdal::DatasetOptions {
                open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR
                    | gdal::GdalOpenFlags::GDAL_OF_UPDATE,
                ..Default::default()
            },
        )
        .unwrap();
        {
            let lyr = ds.layer_by_name("firms").unwrap();
            let mut f = gdal::vector::Feature::new(lyr.defn()).unwrap();
            f.set_geometry(gdal::vector::Geometry::from_wkt("POINT (121 31)").unwrap())
                .unwrap();
            f.create(&lyr).unwrap();
        }
        drop(ds);
        let db = rusqlite::Connection::open(&path).unwrap();
        let hits: i64 = db
            .query_row(
                "SELECT count(*) FROM rtree_firms_geom WHERE minx >= 120.9 AND maxy <= 31.1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hits, 1);
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
