//! What the files of a folder hold, for `tudi init`: each layer's shape,
//! fields, CRS, extent, text encoding and a sample of its rows, opened the
//! way the readers open them (Shapefiles and GeoJSON not in UTF-8,
//! workbooks with a title row, every layer of a GeoPackage or FileGDB);
//! and, from what a sample shows, the role a layer fits, the columns a
//! role's fields are in, and a CRS for coordinates that carry none. What
//! the sample cannot show is left for the caller to ask.

use std::path::{Path, PathBuf};

use gdal::vector::{LayerAccess, OGRwkbGeometryType};
use tudi_core::config::{EnterpriseFields, Role};
use tudi_core::credit_code;
use tudi_core::crs::zone;

use crate::crs::Crs;
use crate::headers::{self, Header};
use crate::table::{Table, X_NAMES, Y_NAMES};
use crate::text::Decoder;
use crate::{find_field, sheet, Source, Value};

/// Rows read from each layer to judge it by.
const SAMPLE: usize = 500;

/// What a layer's features are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Polygons,
    Points,
    Lines,
    /// Rows without a geometry (CSV, workbook, `.dbf`).
    Table,
    /// A geometry column, but no geometry in the rows read.
    Empty,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Polygons => "polygons",
            Shape::Points => "points",
            Shape::Lines => "lines",
            Shape::Table => "rows",
            Shape::Empty => "features without geometry",
        }
    }

    /// `n` of this shape, in words: "1 polygon", "6000 polygons".
    pub fn count(self, n: usize) -> String {
        let name = self.name();
        match (n, self) {
            (1, Shape::Empty) => "1 feature without geometry".to_string(),
            (1, _) => format!("1 {}", name.trim_end_matches('s')),
            _ => format!("{n} {name}"),
        }
    }
}

/// One layer of a file.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    /// Its name, when the source holds several (GeoPackage, FileGDB,
    /// workbook): what the project file's `layer` says.
    pub layer: Option<String>,
    pub shape: Shape,
    pub features: usize,
    pub fields: Vec<String>,
    /// The first rows' values, in the order of `fields`.
    pub sample: Vec<Vec<Value>>,
    /// The file's own CRS (`EPSG:4528`); a table has none.
    pub crs: Option<String>,
    /// Min x, min y, max x, max y in the file's coordinates (a table's:
    /// of its coordinate columns, over the rows read).
    pub extent: Option<[f64; 4]>,
    /// A table's coordinate columns.
    pub xy: Option<(String, String)>,
    /// The text is not UTF-8 and the file names no encoding.
    pub not_utf8: bool,
}

/// A file that holds no layer tudi reads, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
}

/// Every layer of the files in `dir` (not its subfolders, but `.gdb`
/// folders), in file-name order; and the files read as none.
pub fn folder(dir: &Path) -> std::io::Result<(Vec<Layer>, Vec<Skipped>)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let (mut layers, mut skipped) = (Vec::new(), Vec::new());
    for path in entries {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let read = if path.is_dir() {
            if ext != "gdb" {
                continue;
            }
            gdal_layers(&path)
        } else {
            match ext.as_str() {
                "csv" => csv_layer(&path).map(|l| vec![l]),
                _ if sheet::is_sheet(&path) => sheet_layers(&path),
                "dbf" if crate::dbf::sibling(&path, "shp").is_some() => continue,
                "shp" | "dbf" | "gpkg" | "geojson" | "json" | "fgb" | "kml" | "gml" | "tab"
                | "mif" | "sqlite" | "gpx" => gdal_layers(&path),
                // a Shapefile's other parts, project files, notes
                "shx" | "prj" | "cpg" | "qix" | "sbn" | "sbx" | "xml" | "qmd" | "qml" | "sld"
                | "aux" | "lock" | "toml" | "md" | "txt" => continue,
                _ => Err("not a format tudi reads as a layer".to_string()),
            }
        };
        match read {
            Ok(found) if found.is_empty() => skipped.push(Skipped {
                path,
                why: "holds no layer".into(),
            }),
            Ok(found) => layers.extend(found),
            Err(why) => skipped.push(Skipped { path, why }),
        }
    }
    Ok((layers, skipped))
}

/// Every layer of a source GDAL reads.
fn gdal_layers(path: &Path) -> Result<Vec<Layer>, String> {
    let source = Source {
        path: path.to_path_buf(),
        ..Source::default()
    };
    crate::shapefile_parts(path, &tudi_core::error::Location::file(path)).map_err(|p| {
        p.into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let opening = crate::opening(&source, Decoder { given: None }).map_err(|p| p.message)?;
    // the notes are the warnings that the text was guessed to be GB18030
    let not_utf8 = !opening.notes.is_empty();
    let mut copy = opening.copy;
    let open_path = copy.as_ref().map_or(path.to_path_buf(), |(n, _)| n.clone());
    let _copy = match copy.as_mut() {
        Some((name, bytes)) => Some(
            gdal::vsi::create_mem_file_from_ref(name.clone(), bytes).map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let dataset = crate::open(&source, &open_path, &opening.options).map_err(|p| p.message)?;
    let several = dataset.layer_count() > 1;
    let mut layers = Vec::new();
    for mut layer in dataset.layers() {
        let name = layer.name();
        let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let has_geometry = layer.defn().geom_fields().count() > 0;
        let crs = layer.spatial_ref().map(|s| Crs::srs_name(&s));
        let features = layer.feature_count() as usize;
        let mut kinds = [0usize; 3];
        let mut sample = Vec::new();
        for f in layer.features().take(SAMPLE) {
            if let Some(g) = f.geometry().filter(|g| !g.is_empty()) {
                use OGRwkbGeometryType as T;
                match gdal::vector::geometry_type_flatten(g.geometry_type()) {
                    T::wkbPolygon | T::wkbMultiPolygon => kinds[0] += 1,
                    T::wkbPoint | T::wkbMultiPoint => kinds[1] += 1,
                    T::wkbLineString | T::wkbMultiLineString => kinds[2] += 1,
                    _ => {}
                }
            }
            sample.push(
                (0..fields.len())
                    .map(|i| match f.field(i) {
                        Ok(Some(v)) => crate::convert(v),
                        _ => Value::Null,
                    })
                    .collect(),
            );
        }
        let shape = if !has_geometry {
            Shape::Table
        } else {
            let most = kinds.iter().copied().max().unwrap_or(0);
            match kinds.iter().position(|&k| k == most && k > 0) {
                Some(0) => Shape::Polygons,
                Some(1) => Shape::Points,
                Some(_) => Shape::Lines,
                None => Shape::Empty,
            }
        };
        let mut found = Layer {
            path: path.to_path_buf(),
            layer: several.then_some(name),
            shape,
            features,
            fields,
            sample,
            crs: crs.filter(|_| has_geometry),
            extent: None,
            xy: None,
            not_utf8,
        };
        if has_geometry {
            found.extent = layer
                .try_get_extent()
                .ok()
                .flatten()
                .map(|e| [e.MinX, e.MinY, e.MaxX, e.MaxY]);
        } else {
            locate_table(&mut found);
        }
        layers.push(found);
    }
    Ok(layers)
}

fn csv_layer(path: &Path) -> Result<Layer, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let (text, not_utf8) = Decoder { given: None }.decode_file(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let fields: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let (mut features, mut sample) = (0, Vec::new());
    for r in reader.records().flatten() {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        features += 1;
        if sample.len() < SAMPLE {
            let cell = |i: usize| Value::Text(r.get(i).unwrap_or("").trim().to_string());
            sample.push((0..fields.len()).map(cell).collect());
        }
    }
    let mut layer = table_layer(path, None, fields, sample, features);
    layer.not_utf8 = not_utf8;
    Ok(layer)
}

fn sheet_layers(path: &Path) -> Result<Vec<Layer>, String> {
    // the header row is the one naming the most of a ledger's columns
    let wanted = crate::load::enterprise_fields(&EnterpriseFields::default(), None);
    let tables = sheet::tables(path, &wanted).map_err(|p| p.message)?;
    let several = tables.len() > 1;
    Ok(tables
        .into_iter()
        .map(
            |Table {
                 at, headers, rows, ..
             }| {
                let features = rows.len();
                let sample = rows
                    .into_iter()
                    .filter_map(|(_, r)| r.ok())
                    .take(SAMPLE)
                    .collect();
                let name = at.layer.filter(|_| several);
                table_layer(path, name, headers, sample, features)
            },
        )
        .collect())
}

fn table_layer(
    path: &Path,
    layer: Option<String>,
    fields: Vec<String>,
    sample: Vec<Vec<Value>>,
    features: usize,
) -> Layer {
    let mut layer = Layer {
        path: path.to_path_buf(),
        layer,
        shape: Shape::Table,
        features,
        fields,
        sample,
        crs: None,
        extent: None,
        xy: None,
        not_utf8: false,
    };
    locate_table(&mut layer);
    layer
}

/// Column names for x and y beyond those the table reader knows.
const MORE_X: [&str; 4] = ["x", "x坐标", "东坐标", "横坐标"];
const MORE_Y: [&str; 4] = ["y", "y坐标", "北坐标", "纵坐标"];

/// A table's coordinate columns and the extent of their values.
fn locate_table(layer: &mut Layer) {
    let find = |names: &[&str]| names.iter().find_map(|n| find_field(&layer.fields, n));
    let x = find(&X_NAMES).or_else(|| find(&MORE_X));
    let y = find(&Y_NAMES).or_else(|| find(&MORE_Y));
    let (Some(x), Some(y)) = (x, y) else {
        return;
    };
    let mut extent: Option<[f64; 4]> = None;
    for row in &layer.sample {
        if let (Ok(Some(a)), Ok(Some(b))) = (row[x].number(), row[y].number()) {
            let e = extent.get_or_insert([a, b, a, b]);
            *e = [e[0].min(a), e[1].min(b), e[2].max(a), e[3].max(b)];
        }
    }
    layer.xy = Some((layer.fields[x].clone(), layer.fields[y].clone()));
    layer.extent = extent;
}

impl Layer {
    /// The file, and the layer when the source holds several.
    pub fn label(&self) -> String {
        let file = self.path.file_name().unwrap_or_default().to_string_lossy();
        match &self.layer {
            Some(l) => format!("{file} (layer {l})"),
            None => file.into_owned(),
        }
    }

    /// The layer's field that is one of `names` (the first of them found,
    /// ignoring case, a year in front and a bracketed unit).
    pub fn field(&self, names: &[&str]) -> Option<&str> {
        let parsed: Vec<Header> = self.fields.iter().map(|f| Header::parse(f)).collect();
        names.iter().find_map(|n| {
            let key = Header::parse(n).key;
            find_field(&self.fields, n)
                .or_else(|| parsed.iter().position(|h| h.key == key))
                .map(|i| self.fields[i].as_str())
        })
    }

    fn texts(&self, i: usize) -> impl Iterator<Item = String> + '_ {
        self.sample.iter().filter_map(move |r| r[i].text())
    }

    /// The share of the sample's values of field `i` (those not empty)
    /// that `fits`; 0 when all are empty.
    fn share(&self, i: usize, fits: impl Fn(&str) -> bool) -> f64 {
        let (mut all, mut yes) = (0, 0);
        for t in self.texts(i) {
            all += 1;
            yes += usize::from(fits(&t));
        }
        if all == 0 {
            0.0
        } else {
            yes as f64 / all as f64
        }
    }

    /// The first field whose values are all `digits` long digit strings
    /// (each a different one when `distinct`).
    pub fn code_field(&self, digits: usize, distinct: bool) -> Option<&str> {
        (0..self.fields.len())
            .find(|&i| {
                let values: Vec<String> = self.texts(i).collect();
                let mut unique = values.clone();
                unique.sort();
                unique.dedup();
                !values.is_empty()
                    && values
                        .iter()
                        .all(|v| v.len() == digits && v.bytes().all(|b| b.is_ascii_digit()))
                    && (!distinct || unique.len() == values.len())
            })
            .map(|i| self.fields[i].as_str())
    }

    /// The column of unified social credit codes: most of its values are
    /// 18 characters of digits and capitals, and some pass the check.
    pub fn credit_code_field(&self) -> Option<&str> {
        let shaped = |t: &str| {
            t.len() == 18
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        };
        (0..self.fields.len())
            .find(|&i| {
                self.share(i, shaped) >= 0.8 && self.texts(i).any(|t| credit_code::is_valid(&t))
            })
            .map(|i| self.fields[i].as_str())
    }

    /// A column naming each row's CRS (`cgcs2000`, `gcj02`, `bd09`, `EPSG:…`).
    pub fn crs_field(&self) -> Option<&str> {
        let named = |t: &str| {
            let t = t.to_ascii_lowercase();
            ["cgcs2000", "wgs84", "gcj02", "bd09"].contains(&t.as_str())
                || t.strip_prefix("epsg:")
                    .is_some_and(|c| c.parse::<u32>().is_ok())
        };
        (0..self.fields.len())
            .find(|&i| self.share(i, named) == 1.0)
            .map(|i| self.fields[i].as_str())
    }

    /// Whether the table reader finds the coordinate columns without the
    /// project file naming them (`x`/`y`).
    pub fn xy_found_by_reader(&self) -> bool {
        let known = |name: &str, names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        self.xy
            .as_ref()
            .is_some_and(|(x, y)| known(x, &X_NAMES) && known(y, &Y_NAMES))
    }

    /// A ledger's column giving each row's parcel number.
    pub fn parcel_field(&self) -> Option<&str> {
        self.field(PARCEL_NUMBER)
    }

    /// Whether the file or layer name says it is one of `words`.
    fn named(&self, words: &[&str]) -> bool {
        let name = format!(
            "{} {}",
            self.path.file_stem().unwrap_or_default().to_string_lossy(),
            self.layer.as_deref().unwrap_or("")
        )
        .to_lowercase();
        words.iter().any(|w| name.contains(w))
    }

    fn name_share(&self, fits: impl Fn(&str) -> bool) -> f64 {
        self.fields
            .iter()
            .position(|f| Some(f.as_str()) == self.field(ZONE_NAME))
            .map_or(0.0, |i| self.share(i, fits))
    }
}

/// Headers of a ledger's parcel-number column.
pub const PARCEL_NUMBER: &[&str] = &[
    "图斑编号",
    "宗地号",
    "宗地编号",
    "宗地代码",
    "地块编号",
    "图斑号",
    "parcel",
    "parcel_id",
];

/// The fields of the land survey's DLTB layer, and their Chinese names.
const SURVEY: &[&str] = &[
    "BSM",
    "DLBM",
    "ZLDWDM",
    "ZLDWMC",
    "CZCSXM",
    "TBMJ",
    "DLMC",
    "TBBH",
    "QSXZ",
    "TBDLMJ",
    "标识码",
    "地类编码",
    "坐落单位代码",
    "图斑面积",
];

/// What names say a layer is (file or layer name, in lower case).
const PLAN_WORDS: &[&str] = &["规划", "plan", "开发边界", "功能区", "zoning", "控规"];
const PROTECTED_WORDS: &[&str] = &[
    "红线",
    "基本农田",
    "永农",
    "protect",
    "redline",
    "farmland",
    "保护",
];
const BOUNDARY_WORDS: &[&str] = &["boundary", "边界", "界线", "行政区", "xzq", "outline"];
const TOWNSHIP_WORDS: &[&str] = &["township", "乡镇", "街道"];
const VILLAGE_WORDS: &[&str] = &["village", "村"];

/// A role's field: its key in the project file, the default name and
/// other names it goes by, and whether the loader needs it.
pub struct FieldSpec {
    pub key: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

const fn spec(key: &'static str, names: &'static [&'static str], required: bool) -> FieldSpec {
    FieldSpec {
        key,
        names,
        required,
    }
}

const ZONE_NAME: &[&str] = &["name", "名称", "MC"];
const FLOORS: &[&str] = &[
    "floors",
    "storeys",
    "stories",
    "levels",
    "层数",
    "建筑层数",
    "地上层数",
    "JZCS",
    "CS",
];
const FLOOR_AREA: &[&str] = &["floor_area", "建筑面积", "总建筑面积", "JZMJ", "gfa"];
const STAR: &[&str] = &["star", "星级"];
const GRADE: &[&str] = &["grade", "等级", "评价等级"];
const OPENED: &[&str] = &["opened", "开园年份", "建成年份", "投用年份"];
const STATUS: &[&str] = &["status", "腾退状态", "状态"];
const DONE_DATE: &[&str] = &["done_date", "腾退日期", "完成日期", "腾退时间"];
const CLAIMED: &[&str] = &["claimed_mu", "腾退面积", "申报面积", "面积"];

/// Each role's fields (the enterprises' are [`ledger_fields`]'), defaults
/// first, as `tudi_read::load` reads them.
pub fn field_specs(role: Role) -> Vec<FieldSpec> {
    match role {
        Role::Parcels => vec![
            spec("id", &["BSM", "标识码"], true),
            spec("landuse", &["DLBM", "地类编码"], true),
            spec("unit_code", &["ZLDWDM", "坐落单位代码"], false),
            spec("village", &["ZLDWMC", "坐落单位名称"], false),
            spec("settlement", &["CZCSXM", "城镇村属性码"], false),
            spec("official_area", &["TBMJ", "图斑面积"], false),
        ],
        Role::Buildings => vec![
            spec("floors", FLOORS, false),
            spec("floor_area", FLOOR_AREA, false),
        ],
        Role::Parks => vec![
            spec("name", &["name", "名称", "园区名称", "MC"], false),
            spec("star", STAR, false),
            spec("grade", GRADE, false),
            spec("opened", OPENED, false),
        ],
        Role::Vacated => vec![
            spec("id", &["id", "编号", "腾退编号", "BH"], true),
            spec("status", STATUS, true),
            spec("done_date", DONE_DATE, false),
            spec("claimed_mu", CLAIMED, false),
            spec(
                "township",
                &["township", "乡镇", "乡镇街道", "乡镇代码"],
                false,
            ),
        ],
        Role::Townships => vec![
            spec(
                "code",
                &["code", "XZQDM", "乡镇代码", "行政区代码", "代码"],
                true,
            ),
            spec("name", &["name", "XZQMC", "乡镇名称", "名称"], false),
        ],
        Role::Counties => vec![
            spec(
                "code",
                &["code", "XZQDM", "县级代码", "行政区代码", "代码"],
                true,
            ),
            spec("name", &["name", "XZQMC", "县级名称", "名称"], false),
        ],
        Role::Enterprises => Vec::new(),
        Role::Villages | Role::Plan | Role::Protected | Role::Boundary => {
            vec![spec("name", ZONE_NAME, false)]
        }
    }
}

/// Where a role's field is in a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Where the loader looks without being told.
    Default,
    /// Under another name, to be given in the project file.
    Named(String),
    /// Not in the layer.
    Missing,
}

/// A role's field and where it is in a layer.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub key: &'static str,
    pub column: Column,
    pub required: bool,
}

/// Where each of `role`'s fields is in `layer`.
pub fn columns(role: Role, layer: &Layer) -> Vec<Wanted> {
    if role == Role::Enterprises {
        return ledger_fields(layer);
    }
    field_specs(role)
        .into_iter()
        .map(|s| {
            let column = if find_field(&layer.fields, s.names[0]).is_some() {
                Column::Default
            } else if let (Some(digits), "code") = (division_digits(role), s.key) {
                // the column of 9-digit (6-digit) codes, whatever its name
                match layer
                    .code_field(digits, true)
                    .or_else(|| layer.field(s.names))
                {
                    Some(f) => Column::Named(f.to_string()),
                    None => Column::Missing,
                }
            } else {
                match layer.field(s.names) {
                    Some(f) => Column::Named(f.to_string()),
                    None => Column::Missing,
                }
            };
            Wanted {
                key: s.key,
                column,
                required: s.required,
            }
        })
        .collect()
}

/// The digits of a division layer's codes.
fn division_digits(role: Role) -> Option<usize> {
    match role {
        Role::Townships => Some(9),
        Role::Counties => Some(6),
        _ => None,
    }
}

/// A ledger's fields: a table reads the Chinese headers by itself; a point
/// layer is read under the names the project file gives.
fn ledger_fields(layer: &Layer) -> Vec<Wanted> {
    let table = layer.shape == Shape::Table;
    crate::load::enterprise_fields(&EnterpriseFields::default(), None)
        .into_iter()
        .map(|f| {
            let column = if find_field(&layer.fields, &f.name).is_some() {
                Column::Default
            } else {
                match headers::by_alias(&layer.fields, f.aliases, f.yearly) {
                    Some(_) if table => Column::Default,
                    Some(headers::Column::One(i)) => Column::Named(layer.fields[i].clone()),
                    Some(headers::Column::Years(v)) => {
                        Column::Named(layer.fields[*v.last().expect("a year")].clone())
                    }
                    None if f.key == "credit_code" => layer
                        .credit_code_field()
                        .map_or(Column::Missing, |c| Column::Named(c.to_string())),
                    None => Column::Missing,
                }
            };
            Wanted {
                key: f.key,
                column,
                required: f.required,
            }
        })
        .collect()
}

/// The role a layer fits, from its shape, fields, values and name; `None`
/// when it fits none. Strong evidence (the survey's fields, credit codes)
/// goes before names, and names before weaker evidence (a park's fields,
/// codes of townships).
pub fn role(l: &Layer) -> Option<Role> {
    let polygons = l.shape == Shape::Polygons;
    let survey = SURVEY.iter().filter(|f| l.field(&[f]).is_some()).count();
    if polygons && survey >= 3 && l.field(&["DLBM", "地类编码"]).is_some() {
        return Some(Role::Parcels);
    }
    if matches!(l.shape, Shape::Points | Shape::Table) && l.credit_code_field().is_some() {
        return Some(Role::Enterprises);
    }
    if !polygons {
        return None;
    }
    // a code for each: township outlines, whatever the file is called
    if l.features >= 2 && l.code_field(9, true).is_some() && !l.named(PLAN_WORDS) {
        return Some(Role::Townships);
    }
    // several polygons with distinct 6-digit codes: county outlines (one
    // is the district's boundary)
    if l.features >= 2 && l.code_field(6, true).is_some() && !l.named(PLAN_WORDS) {
        return Some(Role::Counties);
    }
    if l.named(PLAN_WORDS) {
        return Some(Role::Plan);
    }
    if l.named(PROTECTED_WORDS) {
        return Some(Role::Protected);
    }
    if l.named(BOUNDARY_WORDS) {
        return Some(Role::Boundary);
    }
    if l.field(FLOORS).is_some() || l.field(FLOOR_AREA).is_some() {
        return Some(Role::Buildings);
    }
    if l.field(STATUS).is_some() && (l.field(DONE_DATE).is_some() || l.field(CLAIMED).is_some()) {
        return Some(Role::Vacated);
    }
    let park_fields = [STAR, GRADE, OPENED]
        .iter()
        .filter(|n| l.field(n).is_some())
        .count();
    let parks =
        l.name_share(|n| n.contains("小微企业园") || n.contains("园区") || n.ends_with('园'));
    if park_fields >= 2 || parks >= 0.5 {
        return Some(Role::Parks);
    }
    if l.named(TOWNSHIP_WORDS) {
        return Some(Role::Townships);
    }
    let villages = l.name_share(|n| n.ends_with('村') || n.ends_with("社区"));
    if l.named(VILLAGE_WORDS) || l.code_field(12, false).is_some() || villages >= 0.8 {
        return Some(Role::Villages);
    }
    // one or a few polygons: the district's outline
    (l.features <= 3).then_some(Role::Boundary)
}

/// A CRS for coordinates whose file gives none, from their extent: the
/// EPSG code and what it was guessed from; `None` when nothing tudi knows
/// fits. Degrees in China are CGCS2000 longitude/latitude; eastings in the
/// millions carry a Gauss–Krüger zone prefix, which names the zone.
pub fn guess_crs(e: [f64; 4]) -> Option<(String, String)> {
    let [x0, y0, x1, y1] = e;
    let range = |a: f64, b: f64| format!("{}–{}", crate::compact(a), crate::compact(b));
    if (73.0..=136.0).contains(&x0) && x1 <= 136.0 && (3.0..=54.0).contains(&y0) && y1 <= 54.0 {
        return Some((
            "EPSG:4490".into(),
            format!(
                "longitude/latitude degrees in China (x {}, y {})",
                range(x0, x1),
                range(y0, y1)
            ),
        ));
    }
    let prefix = (x0 / 1e6).floor();
    // one prefix over the whole layer, northings of China
    if prefix != (x1 / 1e6).floor() || !(300_000.0..=6_100_000.0).contains(&y0) || y1 > 6_100_000.0
    {
        return None;
    }
    let (width, cm, code) = zone::prefixed_zone(prefix as u32)?;
    Some((
        format!("EPSG:{code}"),
        format!(
            "eastings {} carry the zone prefix {prefix}: CGCS2000 {width}° Gauss–Krüger zone {prefix}, central meridian {cm}°E",
            range(x0, x1)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_in_the_singular_for_one() {
        assert_eq!(Shape::Polygons.count(1), "1 polygon");
        assert_eq!(Shape::Table.count(600), "600 rows");
        assert_eq!(Shape::Table.count(1), "1 row");
        assert_eq!(Shape::Empty.count(1), "1 feature without geometry");
    }

    #[test]
    fn crs_guesses_from_degrees_and_zone_prefixes_and_nothing_else() {
        // the sample district, in degrees and in zone 40 with its prefix
        let degrees = guess_crs([120.607, 30.772, 120.653, 30.811]).unwrap();
        assert_eq!(degrees.0, "EPSG:4490");
        let gk = guess_crs([40_558_075.0, 3_405_805.0, 40_562_506.0, 3_410_148.0]).unwrap();
        assert_eq!(gk.0, "EPSG:4528");
        assert!(gk.1.contains("zone 40, central meridian 120°E"), "{}", gk.1);
        // 6° zone 20 (117°E): EPSG:4498
        assert_eq!(
            guess_crs([20_400_000.0, 3_000_000.0, 20_410_000.0, 3_010_000.0])
                .unwrap()
                .0,
            "EPSG:4498"
        );
        // eastings without a prefix could be any zone; degrees outside China,
        // a layer across two prefixes and a prefix of no zone tell nothing
        for e in [
            [558_075.0, 3_405_805.0, 562_506.0, 3_410_148.0],
            [2.35, 48.85, 2.36, 48.86],
            [40_990_000.0, 3_405_805.0, 41_010_000.0, 3_410_148.0],
            [60_500_000.0, 3_405_805.0, 60_510_000.0, 3_410_148.0],
        ] {
            assert_eq!(guess_crs(e), None, "{e:?}");
        }
    }

    fn sample_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
    }

    #[test]
    fn every_layer_of_the_sample_has_its_role() {
        let (layers, skipped) = folder(&sample_dir()).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let roles: Vec<(String, Option<Role>)> =
            layers.iter().map(|l| (l.label(), role(l))).collect();
        let want = [
            ("buildings.gpkg", Role::Buildings),
            ("enterprises.csv", Role::Enterprises),
            ("parcels.gpkg", Role::Parcels),
            ("parks.geojson", Role::Parks),
            ("plan.geojson", Role::Plan),
            ("protected.geojson", Role::Protected),
            ("townships.geojson", Role::Townships),
            ("vacated.geojson", Role::Vacated),
            ("villages.geojson", Role::Villages),
            ("xiuzhou_boundary.geojson", Role::Boundary),
        ]
        .map(|(f, r)| (f.to_string(), Some(r)));
        assert_eq!(roles, want);
        let parcels = &layers[2];
        assert_eq!(parcels.crs.as_deref(), Some("EPSG:4528"));
        assert_eq!(parcels.features, 6000);
        let ledger = &layers[1];
        assert_eq!(ledger.xy, Some(("lon".into(), "lat".into())));
        assert_eq!(ledger.crs_field(), Some("coord_sys"));
        assert_eq!(ledger.credit_code_field(), Some("credit_code"));
        // nothing to name in the project file
        assert!(columns(Role::Enterprises, ledger)
            .iter()
            .all(|w| !matches!(w.column, Column::Named(_))));
        let townships = &layers[6];
        assert_eq!(townships.code_field(9, true), Some("code"));
    }

    #[test]
    fn a_shapefile_without_cpg_in_gbk_is_said_not_utf8() {
        let dir = std::env::temp_dir().join(format!("tudi-inspect-gbk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("村.shp");
        {
            let driver = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").unwrap();
            let mut ds = driver.create_vector_only(&path).unwrap();
            let layer = ds
                .create_layer(gdal::vector::LayerOptions {
                    name: "村",
                    ty: OGRwkbGeometryType::wkbPolygon,
                    options: Some(&["ENCODING="]),
                    ..Default::default()
                })
                .unwrap();
            layer
                .create_defn_fields(&[("name", gdal::vector::OGRFieldType::OFTString)])
                .unwrap();
            let square = gdal::vector::Geometry::from_wkt(
                "POLYGON((120 30,120.01 30,120.01 30.01,120 30.01,120 30))",
            )
            .unwrap();
            let mut feature = gdal::vector::Feature::new(layer.defn()).unwrap();
            feature.set_geometry(square).unwrap();
            feature.set_field_string(0, "龙浜村").unwrap();
            feature.create(&layer).unwrap();
        }
        // the name's GBK bytes (6) where its UTF-8 (9) was, space-padded
        let dbf_path = path.with_extension("dbf");
        let mut dbf = std::fs::read(&dbf_path).unwrap();
        let utf8 = "龙浜村".as_bytes();
        let at = dbf.windows(utf8.len()).position(|w| w == utf8).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode("龙浜村");
        let mut cell = gbk.to_vec();
        cell.resize(utf8.len(), b' ');
        dbf[at..at + utf8.len()].copy_from_slice(&cell);
        std::fs::write(&dbf_path, dbf).unwrap();
        // as many tools write them: no .cpg
        let _ = std::fs::remove_file(path.with_extension("cpg"));
        let (layers, _) = folder(&dir).unwrap();
        assert_eq!(layers.len(), 1);
        assert!(layers[0].not_utf8);
        assert_eq!(layers[0].crs, None);
        assert_eq!(layers[0].sample[0][0].text().as_deref(), Some("龙浜村"));
        assert_eq!(role(&layers[0]), Some(Role::Villages));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
