//! tudi-read: layers from any vector format GDAL reads, plus tudi's own
//! readers of WKB, GeoPackage blobs, GeoJSON and CSV with coordinate
//! columns, brought to CGCS2000 longitude/latitude ([`crs`]). The reader
//! proper knows nothing of parcels or enterprises: it returns the
//! requested fields as raw values and the geometries, and names every
//! problem it finds; [`load`] turns a project's layers into the model and
//! [`area`] measures any layer.
#![forbid(unsafe_code)]

pub mod area;
pub mod crs;
mod csv_points;
mod dbf;
#[doc(hidden)]
pub mod fuzz;
mod geojson;
mod gpkg;
pub mod headers;
pub mod inspect;
pub mod load;
mod sheet;
mod table;
pub mod text;
pub mod wkb;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gdal::vector::{FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Coord, Geometry};
use rayon::prelude::*;

use crate::crs::{Crs, Transform};
use text::{Decoder, Tally};
use tudi_core::error::{Location, Problem};

/// An attribute value as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
}

impl Value {
    /// The value as text (numbers in their shortest exact form); `None`
    /// when null or blank.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Text(s) => {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            Value::Int(i) => Some(i.to_string()),
            Value::Real(r) => Some(r.to_string()),
        }
    }

    /// Takes the value out as text, like [`Value::text`] but without
    /// copying a string that needs no trimming.
    pub fn take_text(&mut self) -> Option<String> {
        match std::mem::replace(self, Value::Null) {
            Value::Text(s) if s.trim().len() == s.len() => (!s.is_empty()).then_some(s),
            other => other.text(),
        }
    }

    /// The value as a number; `Ok(None)` when null or blank, `Err` with the
    /// offending text when it is not a number.
    pub fn number(&self) -> Result<Option<f64>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Int(i) => Ok(Some(*i as f64)),
            Value::Real(r) if r.is_finite() => Ok(Some(*r)),
            Value::Real(r) => Err(r.to_string()),
            Value::Text(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                // Excel ledgers write thousands separators.
                let plain = t.replace([',', '，'], "");
                plain
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Some)
                    .ok_or_else(|| t.to_string())
            }
        }
    }
}

/// Where a layer comes from and how to read it (the reader's view of a
/// project file's layer entry).
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub path: PathBuf,
    pub layer: Option<String>,
    pub crs: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
    pub crs_field: Option<String>,
    /// A column giving the parcel a row stands on: rows without
    /// coordinates are read without a geometry, to be placed on it.
    pub parcel: Option<String>,
    pub encoding: Option<String>,
    /// Only the features whose FIDs lie in this half-open range: a part
    /// of a large GeoPackage layer ([`fid_span`] says whether the layer
    /// can be read so).
    pub fids: Option<(i64, i64)>,
    /// How the user gives a layer's settings, for the fixes messages
    /// suggest: a project file's keys, or a command's flags.
    pub given_by: GivenBy,
}

/// Where a layer's settings come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GivenBy {
    /// Keys of the layer in a project file (`crs = "EPSG:4549"`).
    #[default]
    ProjectFile,
    /// Flags of a command (`--crs EPSG:4549`).
    Flags,
}

impl Source {
    /// How to give this layer a CRS, as a fix to suggest.
    fn crs_fix(&self) -> &'static str {
        match self.given_by {
            GivenBy::ProjectFile => {
                "set crs = \"EPSG:....\" (or gcj02 / bd09) for this layer in the project file"
            }
            GivenBy::Flags => "give it with --crs EPSG:.... (or gcj02 / bd09)",
        }
    }
}

/// A field the caller wants.
#[derive(Debug, Clone, Default)]
pub struct FieldRequest {
    /// The name to look for.
    pub name: String,
    /// The project-file key it answers to (`revenue`), for messages.
    pub key: &'static str,
    /// Missing is an error (the user named it, or the analysis needs it).
    pub required: bool,
    /// Other names a layer may give it when the user named none (Chinese
    /// ledger headers).
    pub aliases: &'static [&'static str],
    /// A table may give it as one column per year (`2019年评价等级`,
    /// `2020年评价等级`), read as one list, oldest first.
    pub yearly: bool,
    /// A figure a header may give in another unit (`营业收入（元）`): read
    /// scaled to the unit tudi counts in, whatever the format.
    pub quantity: Option<headers::Quantity>,
}

impl FieldRequest {
    /// A field the user named: it must be there, under that name.
    pub fn named(name: &str, key: &'static str) -> FieldRequest {
        FieldRequest {
            name: name.to_string(),
            key,
            required: true,
            ..FieldRequest::default()
        }
    }
}

/// One feature: its 1-based number in file order, its geometry in CGCS2000
/// longitude/latitude, and the requested values (`Null` for fields the
/// layer lacks).
#[derive(Debug, Clone)]
pub struct RawFeature {
    pub number: usize,
    pub geometry: Option<Geometry<f64>>,
    pub values: Vec<Value>,
    /// The first value whose text was not UTF-8 and was read as GB18030
    /// for want of an encoding (index into the requested fields).
    pub guessed: Option<usize>,
}

/// A layer as the CSV and GeoJSON readers give it: each feature, or the
/// problem that kept it from being read; and warnings about the file.
#[derive(Debug)]
struct RawLayer {
    head: LayerHead,
    features: Vec<Result<RawFeature, Problem>>,
    notes: Vec<Problem>,
}

fn problem(at: &Location, message: impl Into<String>) -> Problem {
    Problem {
        at: at.clone(),
        message: message.into(),
    }
}

/// Stops GDAL and PROJ printing their own messages (e.g. "GeoPackage
/// version may only be partially supported", "proj_create_from_database:
/// crs not found" for a code tudi then reports): they are noise to a
/// planner, and their failures reach tudi as errors anyway. Done once, by
/// every entry into GDAL, so that tests are as quiet as the program.
pub fn silence_gdal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| gdal::config::set_error_handler(|_, _, _| {}));
}

/// An SQL identifier, double-quoted (table and column names in
/// GeoPackages are the user's, and may hold anything).
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The one column a requested field is read from: its name, else (when
/// the user named none) an alias; grades given one column per year are
/// gathered by tables only ([`table::column`]).
fn find_request(available: &[String], f: &FieldRequest) -> Option<usize> {
    match table::column(available, f)? {
        headers::Column::One(i) => Some(i),
        headers::Column::Years(_) => None,
    }
}

/// Finds a field by exact name, else ignoring case (Shapefiles upper-case
/// and truncate names; GeoJSON from other tools may not).
pub(crate) fn find_field(available: &[String], wanted: &str) -> Option<usize> {
    available.iter().position(|a| a == wanted).or_else(|| {
        available
            .iter()
            .position(|a| a.trim().eq_ignore_ascii_case(wanted.trim()))
    })
}

/// Where each requested field is among the layer's `available` ones; every
/// required field that is missing is a problem.
fn match_fields(
    at: &Location,
    fields: &[FieldRequest],
    available: &[String],
) -> Result<Vec<Option<usize>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let indexes = fields
        .iter()
        .map(|f| {
            let idx = find_request(available, f);
            if idx.is_none() && f.required {
                problems.push(missing_field(at, f, available));
            }
            idx
        })
        .collect();
    if problems.is_empty() {
        Ok(indexes)
    } else {
        Err(problems)
    }
}

/// The names the matched fields go by in the file.
fn found_names(indexes: &[Option<usize>], available: &[String]) -> Vec<Option<String>> {
    indexes
        .iter()
        .map(|i| i.map(|i| available[i].clone()))
        .collect()
}

fn missing_field(at: &Location, f: &FieldRequest, available: &[String]) -> Problem {
    problem(
        &at.clone().field(&f.name),
        format!(
            "no field '{}' (for {}); the layer has: {}",
            f.name,
            f.key,
            available.join(", ")
        ),
    )
}

/// A layer read through GDAL, straight from SQLite where `direct` allows:
/// the features read and the problems of those that could not be.
#[cfg(test)]
fn read_gdal_raw(
    source: &Source,
    fields: &[FieldRequest],
    direct: bool,
) -> Result<Mapped<RawFeature>, Vec<Problem>> {
    read_gdal_with(source, fields, decoder(source), direct, |_, f| {
        Ok((f, None))
    })
}

/// What is known of a layer before its features.
#[derive(Debug, Clone)]
pub struct LayerHead {
    /// File and layer name, for messages.
    pub at: Location,
    /// The CRS the coordinates were read in.
    pub crs: String,
    /// For each requested field, the name it was found under.
    pub found: Vec<Option<String>>,
}

/// Runs of items joined into one list, each item moved once.
pub fn concat<T>(mut runs: Vec<Vec<T>>) -> Vec<T> {
    if runs.len() == 1 {
        return runs.pop().expect("one run");
    }
    let mut all = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for r in runs {
        all.extend(r);
    }
    all
}

/// Text that repeats across a layer's features (land-use codes, unit
/// codes, village names), kept once: a million parcels name a few thousand
/// villages, and a text apiece cost more memory than their outlines' rings.
/// Shared by the threads reading a layer; each shard is a lock of its own.
#[derive(Default)]
pub(crate) struct Interner {
    shards: [std::sync::Mutex<Texts>; 8],
}

type Texts = std::collections::HashSet<Arc<str>, std::hash::BuildHasherDefault<ShortHasher>>;

impl Interner {
    /// The one copy of `text`.
    pub(crate) fn intern(&self, text: String) -> Arc<str> {
        use std::hash::BuildHasher;
        let hash = std::hash::BuildHasherDefault::<ShortHasher>::default().hash_one(&*text);
        // bits neither the set's buckets (low) nor its tags (high) use
        let shard = &self.shards[(hash >> 32) as usize % 8];
        // a poisoned shard (a panic elsewhere) still holds valid texts
        let mut texts = shard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = texts.get(&*text) {
            return Arc::clone(t);
        }
        let t: Arc<str> = text.into();
        texts.insert(Arc::clone(&t));
        t
    }
}

/// FxHash's mixing over 8-byte words: a few cycles for a short code or
/// name, where SipHash costs more than the lookup.
#[derive(Default)]
pub(crate) struct ShortHasher(u64);

impl ShortHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for ShortHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// What making an item of a feature gives: the item and perhaps a note (a
/// repair), or the problem with the feature.
pub type Built<T> = Result<(T, Option<Problem>), Problem>;

/// A layer whose features were made into items as they were read.
#[derive(Debug)]
pub struct Mapped<T> {
    pub head: LayerHead,
    /// Items in file order, in the runs they were read in (in parallel):
    /// a caller that reorders them moves each item once, from its run.
    pub runs: Vec<Vec<T>>,
    pub notes: Vec<Problem>,
    /// Features that could not be read or that the maker rejected, in
    /// file order.
    pub rejected: Vec<Problem>,
}

impl<T> Mapped<T> {
    /// Features read: made into items or rejected.
    pub fn features(&self) -> usize {
        self.runs.iter().map(Vec::len).sum::<usize>() + self.rejected.len()
    }
}

/// Items made from a run of features, in their order; joined run after run.
struct Gathered<T> {
    items: Vec<T>,
    notes: Vec<Problem>,
    /// Features that could not be read, or that the maker rejected.
    rejected: Vec<Problem>,
    text: Tally,
}

impl<T> Gathered<T> {
    fn with_capacity(n: usize) -> Self {
        Gathered {
            items: Vec::with_capacity(n),
            notes: Vec::new(),
            rejected: Vec::new(),
            text: Tally::default(),
        }
    }

    /// A feature (or why it could not be read) made into an item: one bad
    /// feature never hides the others.
    fn add(&mut self, feature: Result<RawFeature, Problem>, make: impl Fn(RawFeature) -> Built<T>) {
        let made = feature.and_then(|f| {
            self.text.add(f.number, f.guessed, &f.values);
            make(f)
        });
        match made {
            Ok((item, note)) => {
                self.items.push(item);
                self.notes.extend(note);
            }
            Err(p) => self.rejected.push(p),
        }
    }

    /// The runs joined in order (their items stay where they are), with
    /// the warnings about their text after `notes` on the whole layer.
    fn join(runs: Vec<Self>, head: LayerHead, decoder: Decoder, notes: Vec<Problem>) -> Mapped<T> {
        let mut mapped = Mapped {
            head,
            runs: Vec::with_capacity(runs.len()),
            notes,
            rejected: Vec::new(),
        };
        let mut text = Tally::default();
        for r in runs {
            mapped.runs.push(r.items);
            mapped.notes.extend(r.notes);
            mapped.rejected.extend(r.rejected);
            text.merge(r.text);
        }
        let encoding = decoder.given.map_or("UTF-8", |e| e.name());
        let warnings = text.warnings(&mapped.head.at, &mapped.head.found, encoding);
        mapped.notes.splice(0..0, warnings);
        mapped
    }

    /// Makes items of features already read, in parallel, keeping order.
    fn made_from(
        layer: RawLayer,
        decoder: Decoder,
        make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
    ) -> Mapped<T>
    where
        T: Send,
    {
        let RawLayer {
            head,
            features,
            notes,
        } = layer;
        let runs: Vec<Gathered<T>> = features
            .into_par_iter()
            .with_min_len(256)
            .fold(
                || Gathered::with_capacity(0),
                |mut g, f| {
                    g.add(f, |f| make(&head, f));
                    g
                },
            )
            .collect();
        Gathered::join(runs, head, decoder, notes)
    }
}

/// How the layer's text is decoded: in the encoding the project file
/// names (checked when it was read), else UTF-8 or a GB18030 guess.
fn decoder(source: &Source) -> Decoder {
    Decoder {
        given: source
            .encoding
            .as_deref()
            .and_then(tudi_core::encoding::encoding),
    }
}

/// The FIDs of a layer that can be read in parts ([`Source::fids`]): its
/// smallest and largest and the number of features, for a plain
/// GeoPackage features table; `None` for anything else, which is read
/// whole.
pub fn fid_span(source: &Source) -> Option<(i64, i64, u64)> {
    let gpkg = source
        .path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
    if !gpkg {
        return None;
    }
    gpkg::span(&source.path, source.layer.as_deref())
}

/// Reads a layer and makes an item of each feature as it is read (in
/// parallel, on the reading threads where the format allows), so that a
/// big layer is never held twice. Every reading problem is returned at
/// once; the features `make` rejects are listed in the result.
pub fn read_layer_with<T: Send>(
    source: &Source,
    fields: &[FieldRequest],
    make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
) -> Result<Mapped<T>, Vec<Problem>> {
    let at = Location::file(&source.path);
    if !source.path.exists() {
        return Err(vec![problem(&at, "file not found")]);
    }
    if std::fs::metadata(&source.path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Err(vec![problem(&at, "the file is empty (0 bytes)")]);
    }
    shapefile_parts(&source.path, &at)?;
    let decoder = decoder(source);
    let layer = if is_csv(&source.path) {
        csv_points::read(source, fields, decoder)?
    } else if sheet::is_sheet(&source.path) {
        sheet::read(source, fields)?
    } else if let Some(layer) = geojson::read(source, fields, decoder) {
        layer?
    } else {
        return read_gdal_with(source, fields, decoder, true, make);
    };
    Ok(Gathered::made_from(in_units(layer, fields)?, decoder, make))
}

/// A layer of tudi's own readers with its figures in tudi's units, as the
/// headers they were found under give them (GDAL's layers are scaled as
/// they are decoded, by the same [`headers::scales`]).
fn in_units(mut layer: RawLayer, fields: &[FieldRequest]) -> Result<RawLayer, Vec<Problem>> {
    let scales = headers::scales(&layer.head.at, fields, &layer.head.found)?;
    if scales.iter().any(|&s| s != (1.0, 1.0)) {
        for f in layer.features.iter_mut().flatten() {
            headers::apply(&mut f.values, &scales);
        }
    }
    Ok(layer)
}

/// A Shapefile is several files; GDAL reads a `.shp` without its `.dbf`
/// as a layer without fields, and one without `.shx` not at all.
fn shapefile_parts(path: &Path, at: &Location) -> Result<(), Vec<Problem>> {
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
    {
        return Ok(());
    }
    let missing: Vec<String> = [("dbf", "its attribute table"), ("shx", "its index")]
        .into_iter()
        .filter(|(ext, _)| dbf::sibling(path, ext).is_none())
        .map(|(ext, what)| format!(".{ext} ({what})"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(vec![problem(
        at,
        format!(
            "the Shapefile's {} is missing beside it: a Shapefile is several files of one name (.shp, .shx, .dbf, .prj, and .cpg if any); copy them all",
            missing.join(" and ")
        ),
    )])
}

/// How GDAL is to open a file: its open options, and, for a file that is
/// not UTF-8, a decoded copy (a `/vsimem/` name for it, and its bytes);
/// with warnings about the file's text.
struct Opening {
    options: Vec<String>,
    copy: Option<(PathBuf, Vec<u8>)>,
    notes: Vec<Problem>,
}

/// How to open a source with GDAL so that its text reaches tudi as UTF-8:
/// a Shapefile in the encoding given, else the one it declares, else UTF-8
/// when it is, else GB18030 (said in a warning); a GeoJSON file that is
/// not UTF-8 through a decoded copy (named as the file: GDAL names the
/// layer after it).
fn opening(source: &Source, decoder: Decoder) -> Result<Opening, Problem> {
    let at = Location::file(&source.path);
    let mut opening = Opening {
        options: Vec::new(),
        copy: None,
        notes: Vec::new(),
    };
    let ext = source
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("shp" | "dbf") => match (decoder.given, dbf::text(&source.path)) {
            (Some(enc), _) => opening.options.push(format!("ENCODING={}", enc.name())),
            (None, dbf::Text::NotUtf8 { record, field }) => {
                opening.options.push("ENCODING=GB18030".to_string());
                let field = Decoder { given: None }.decode(&field).0;
                let stem = source.path.file_stem().unwrap_or_default();
                let at = at.clone().layer(stem.to_string_lossy());
                let at = match record {
                    Some(n) => at.feature(n.to_string()),
                    None => at,
                };
                opening
                    .notes
                    .push(text::guessed_shapefile(&at.field(field)));
            }
            (None, dbf::Text::Declared | dbf::Text::Utf8) => {}
        },
        Some("geojson" | "json") => {
            // GeoJSON guesses date fields from their text and keeps impossible
            // dates (2020-06-31); as text they reach our parser and its error.
            opening.options.push("DATE_AS_STRING=YES".to_string());
            let bytes = std::fs::read(&source.path)
                .map_err(|e| problem(&at, format!("cannot read: {e}")))?;
            if decoder.given.is_some() || std::str::from_utf8(&bytes).is_err() {
                let (utf8, guessed) = decoder.decode_file(&bytes);
                if guessed {
                    opening.notes.push(text::guessed_file(&at));
                }
                static NEXT: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let name = format!("/vsimem/tudi-{}-{n}", std::process::id());
                let name = Path::new(&name).join(source.path.file_name().unwrap_or_default());
                opening.copy = Some((name, utf8.into_owned().into_bytes()));
            }
        }
        _ => {}
    }
    Ok(opening)
}

/// Opens `path` (the source's file, or its copy in GDAL's memory).
fn open(source: &Source, path: &Path, options: &[String]) -> Result<Dataset, Problem> {
    silence_gdal();
    let option_refs: Vec<&str> = options.iter().map(String::as_str).collect();
    Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: (!option_refs.is_empty()).then_some(&option_refs[..]),
            ..Default::default()
        },
    )
    .map_err(|e| problem(&Location::file(&source.path), cannot_open(&source.path, &e)))
}

/// Why GDAL could not open a file, in words: GDAL says little (a JSON
/// syntax error is "Failed to read GeoJSON data", an unknown format
/// nothing at all).
fn cannot_open(path: &Path, e: &gdal::errors::GdalError) -> String {
    if geojson::is_json_path(path) {
        if let Some(syntax) = std::fs::read(path)
            .ok()
            .and_then(|b| geojson::syntax_error(&b))
        {
            return syntax;
        }
    }
    let detail = match e {
        gdal::errors::GdalError::NullPointer { msg, .. } => msg.trim().to_string(),
        other => other.to_string(),
    };
    if detail.is_empty() {
        "GDAL does not read this file as vector data: not a format it knows, or a damaged file"
            .to_string()
    } else {
        format!("GDAL cannot read this file as vector data: {detail}")
    }
}

/// A feature before decoding: number, WKB, values, the first value guessed
/// to be GB18030. The WKB is borrowed so the direct reader decodes it in
/// place, without a copy.
type Undecoded<'a> = (
    usize,
    Result<Option<&'a [u8]>, String>,
    Vec<Value>,
    Option<usize>,
);

/// Features read from GDAL: number, WKB, values.
type GdalFeature = (usize, Result<Option<Vec<u8>>, String>, Vec<Value>);

/// Reads the features of `layer` (those passing its attribute filter),
/// numbered by FID or by their 1-based position.
fn read_features<L: LayerAccess>(
    layer: &mut L,
    indexes: &[Option<usize>],
    number_by_fid: bool,
) -> Vec<GdalFeature> {
    let mut raw = Vec::with_capacity(layer.try_feature_count().unwrap_or(0) as usize);
    for (i, feature) in layer.features().enumerate() {
        let number = match (number_by_fid, feature.fid()) {
            (true, Some(fid)) => fid as usize,
            _ => i + 1,
        };
        // A null geometry comes as one GDAL cannot export (nor call
        // anything but empty): no geometry.
        let wkb = match feature.geometry() {
            Some(g) if !g.is_empty() => g.wkb().map(Some),
            _ => Ok(None),
        };
        let values = indexes
            .iter()
            .map(|idx| match idx {
                Some(i) => match feature.field(*i) {
                    Ok(Some(v)) => convert(v),
                    _ => Value::Null,
                },
                None => Value::Null,
            })
            .collect();
        raw.push((number, wkb.map_err(|e| e.to_string()), values));
    }
    raw
}

/// `direct`: GeoPackages may be read straight from SQLite.
fn read_gdal_with<T: Send>(
    source: &Source,
    fields: &[FieldRequest],
    decoder: Decoder,
    direct: bool,
    make: impl Fn(&LayerHead, RawFeature) -> Built<T> + Sync,
) -> Result<Mapped<T>, Vec<Problem>> {
    let file_at = Location::file(&source.path);
    let Opening {
        options,
        mut copy,
        notes,
    } = opening(source, decoder).map_err(|p| vec![p])?;
    let path = copy
        .as_ref()
        .map_or(source.path.clone(), |(name, _)| name.clone());
    // GDAL reads a copy from this buffer, not its own (it would free it
    // with the C allocator); the name goes before the buffer does.
    let _copy = match copy.as_mut() {
        Some((name, bytes)) => Some(
            gdal::vsi::create_mem_file_from_ref(name.clone(), bytes)
                .map_err(|e| vec![problem(&file_at, format!("cannot decode the file: {e}"))])?,
        ),
        None => None,
    };
    let dataset = open(source, &path, &options).map_err(|p| vec![p])?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let mut layer = match &source.layer {
        Some(name) => dataset.layer_by_name(name).map_err(|_| {
            vec![problem(
                &file_at.clone().layer(name),
                format!("no such layer; the file has: {}", names.join(", ")),
            )]
        })?,
        None if names.len() == 1 => dataset
            .layer(0)
            .map_err(|e| vec![problem(&file_at, e.to_string())])?,
        None if names.is_empty() => return Err(vec![problem(&file_at, "the file holds no layer")]),
        None => {
            return Err(vec![problem(
                &file_at,
                format!(
                    "the file holds {} layers ({}); say which with layer = \"...\"",
                    names.len(),
                    names.join(", ")
                ),
            )])
        }
    };
    let layer_name = layer.name();
    let at = file_at.layer(&layer_name);
    // a table (a `.dbf`, a sheet GDAL reads) has its places in columns
    if layer.defn().geom_fields().count() == 0 || source.x.is_some() || source.y.is_some() {
        let headers: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let all: Vec<Option<usize>> = (0..headers.len()).map(Some).collect();
        let rows = read_features(&mut layer, &all, false)
            .into_iter()
            .map(|(number, _, values)| (number, Ok(values)))
            .collect();
        let table = table::Table {
            at,
            headers,
            rows,
            notes,
        };
        let layer = in_units(table::points(source, table, fields)?, fields)?;
        return Ok(Gathered::made_from(layer, decoder, make));
    }
    let crs = layer_crs(source, layer.spatial_ref().as_ref(), &at).map_err(|p| vec![p])?;

    let available: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let indexes = match_fields(&at, fields, &available)?;
    let head = LayerHead {
        at,
        crs: crs.name.clone(),
        found: found_names(&indexes, &available),
    };
    let scales = headers::scales(&head.at, fields, &head.found)?;

    let is_gpkg = dataset.driver().short_name() == "GPKG";
    let at = head.at.clone();
    let decode =
        |(number, wkb, mut values, guessed): Undecoded<'_>| -> Result<RawFeature, Problem> {
            headers::apply(&mut values, &scales);
            // built only on failure: most features have no problem
            let fat = || at.clone().feature(number.to_string());
            let geometry = match wkb {
                Ok(Some(bytes)) => {
                    let mut g = wkb::parse(bytes).map_err(|e| problem(&fat(), e))?;
                    to_cgcs2000(&mut g, &crs).map_err(|e| problem(&fat(), e))?;
                    Some(g)
                }
                Ok(None) => None,
                Err(e) => return Err(problem(&fat(), format!("unreadable geometry: {e}"))),
            };
            Ok(RawFeature {
                number,
                geometry,
                values,
                guessed,
            })
        };
    // GeoPackages are read straight from SQLite when they are plain
    // features tables, each row made into an item on the thread that read
    // it; GDAL reads everything else.
    if is_gpkg && direct {
        if let Some(table) = gpkg::table(&source.path, &layer_name) {
            let runs = gpkg::read(
                &source.path,
                &table,
                source.fids,
                &head.found,
                decoder,
                Gathered::with_capacity,
                |run: &mut Gathered<T>, row| run.add(decode(row), |f| make(&head, f)),
            );
            if let Ok(runs) = runs {
                return Ok(Gathered::join(runs, head, decoder, notes));
            }
        }
    }
    if source.fids.is_some() {
        // a part of a layer is read only where [`fid_span`] said it can be
        return Err(vec![problem(
            &head.at,
            "only a plain GeoPackage features table can be read in parts",
        )]);
    }
    let features = read_features(&mut layer, &indexes, is_gpkg);
    let decoded: Vec<Result<RawFeature, Problem>> = features
        .into_par_iter()
        .map(|(number, wkb, values)| {
            let wkb = wkb.as_ref().map(Option::as_deref).map_err(String::clone);
            decode((number, wkb, values, None))
        })
        .collect();
    Ok(Gathered::made_from(
        RawLayer {
            head,
            features: decoded,
            notes,
        },
        decoder,
        make,
    ))
}

/// The layer's CRS: the project file's `crs` wins; else the file's own;
/// neither is an error, never a guess.
fn layer_crs(
    source: &Source,
    srs: Option<&gdal::spatial_ref::SpatialRef>,
    at: &Location,
) -> Result<Crs, Problem> {
    match (&source.crs, srs) {
        (Some(text), _) => Crs::parse(text).map_err(|e| problem(&at.clone().field("crs"), e)),
        (None, Some(srs)) => {
            let name = Crs::srs_name(srs);
            Crs::from_srs(srs, &name).map_err(|e| problem(at, format!("CRS {name}: {e}")))
        }
        (None, None) => Err(problem(
            at,
            format!("the layer has no CRS: {}", source.crs_fix()),
        )),
    }
}

fn convert(v: FieldValue) -> Value {
    match v {
        FieldValue::IntegerValue(i) => Value::Int(i as i64),
        FieldValue::Integer64Value(i) => Value::Int(i),
        FieldValue::RealValue(r) => Value::Real(r),
        FieldValue::StringValue(s) => Value::Text(s),
        FieldValue::DateValue(d) => Value::Text(d.to_string()),
        FieldValue::DateTimeValue(d) => Value::Text(d.naive_local().to_string()),
        FieldValue::IntegerListValue(l) => Value::Text(join(l)),
        FieldValue::Integer64ListValue(l) => Value::Text(join(l)),
        FieldValue::RealListValue(l) => Value::Text(join(l)),
        FieldValue::StringListValue(l) => Value::Text(l.join(",")),
    }
}

fn join<T: ToString>(items: Vec<T>) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// No CRS tudi reads has coordinates this large (Gauss–Krüger eastings
/// with a zone prefix stay under 10⁸ m).
const MAX_COORDINATE: f64 = 1e9;

/// Brings every vertex to CGCS2000 longitude/latitude and checks it lands
/// somewhere plausible.
pub fn to_cgcs2000(g: &mut Geometry<f64>, crs: &Crs) -> Result<(), String> {
    let mut result = Ok(());
    each_coord_run(g, &mut |coords| {
        if result.is_err() {
            return;
        }
        result = coords
            .iter()
            .try_for_each(|c| in_range(*c, &crs.name))
            .and_then(|()| crs.transform.apply(coords))
            .and_then(|()| coords.iter().try_for_each(|c| Transform::check_bounds(*c)));
    });
    result
}

/// A coordinate as the file gives it must be a number any CRS could hold.
fn in_range(c: Coord<f64>, crs: &str) -> Result<(), String> {
    for (axis, v) in [("x", c.x), ("y", c.y)] {
        if v.is_nan() {
            return Err(format!("coordinate {axis} is not a number (NaN)"));
        }
        if v.abs() > MAX_COORDINATE {
            return Err(format!(
                "coordinate {axis} = {} is out of range for {crs} (x {}, y {})",
                compact(v),
                compact(c.x),
                compact(c.y)
            ));
        }
    }
    Ok(())
}

/// A number in its shortest form, in scientific notation when it is
/// very large or small (1e308, not 309 digits).
pub fn compact(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn each_coord_run(g: &mut Geometry<f64>, f: &mut impl FnMut(&mut [Coord<f64>])) {
    match g {
        Geometry::Point(p) => f(std::slice::from_mut(&mut p.0)),
        Geometry::MultiPoint(mp) => {
            mp.0.iter_mut()
                .for_each(|p| f(std::slice::from_mut(&mut p.0)))
        }
        Geometry::Polygon(p) => polygon_runs(p, f),
        Geometry::MultiPolygon(mp) => mp.0.iter_mut().for_each(|p| polygon_runs(p, f)),
        Geometry::GeometryCollection(gc) => gc.0.iter_mut().for_each(|g| each_coord_run(g, f)),
        Geometry::LineString(l) => f(&mut l.0),
        Geometry::MultiLineString(ml) => ml.0.iter_mut().for_each(|l| f(&mut l.0)),
        Geometry::Line(l) => {
            f(std::slice::from_mut(&mut l.start));
            f(std::slice::from_mut(&mut l.end));
        }
        Geometry::Rect(_) | Geometry::Triangle(_) => {}
    }
}

fn polygon_runs(p: &mut geo::Polygon<f64>, f: &mut impl FnMut(&mut [Coord<f64>])) {
    p.exterior_mut(|r| f(&mut r.0));
    p.interiors_mut(|rings| rings.iter_mut().for_each(|r| f(&mut r.0)));
}

/// True when the path is read by the CSV reader rather than GDAL.
pub fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direct_geopackage_reader_matches_gdal() {
        let source = Source {
            path: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/parcels.gpkg"),
            layer: Some("DLTB".into()),
            ..Default::default()
        };
        let fields: Vec<FieldRequest> = ["BSM", "DLBM", "ZLDWMC", "CZCSXM", "TBMJ", "NOSUCH"]
            .iter()
            .map(|n| FieldRequest {
                name: n.to_string(),
                key: "test",
                ..FieldRequest::default()
            })
            .collect();
        let direct = read_gdal_raw(&source, &fields, true).unwrap();
        let gdal = read_gdal_raw(&source, &fields, false).unwrap();
        assert_eq!(direct.features(), 6000);
        assert!(direct.rejected.is_empty() && gdal.rejected.is_empty());
        assert_eq!(direct.head.found, gdal.head.found);
        assert_eq!(direct.head.crs, gdal.head.crs);
        let (direct, gdal) = (concat(direct.runs), concat(gdal.runs));
        for (a, b) in direct.iter().zip(&gdal) {
            assert_eq!(a.number, b.number);
            assert_eq!(a.geometry, b.geometry);
            assert_eq!(a.values, b.values);
        }
        assert!(matches!(direct[0].values[4], Value::Real(_)));
        assert_eq!(direct[0].values[5], Value::Null);
    }

    #[test]
    fn huge_and_missing_numbers_are_said_compactly() {
        let crs = Crs::parse("EPSG:4490").unwrap();
        let mut g = Geometry::Point(geo::Point::new(1e308, 30.5));
        assert_eq!(
            to_cgcs2000(&mut g, &crs).unwrap_err(),
            "coordinate x = 1e308 is out of range for EPSG:4490 (x 1e308, y 30.5)"
        );
        let mut g = Geometry::Point(geo::Point::new(120.5, f64::NAN));
        assert_eq!(
            to_cgcs2000(&mut g, &crs).unwrap_err(),
            "coordinate y is not a number (NaN)"
        );
        assert_eq!(compact(120.25), "120.25");
        assert_eq!(compact(-3e-7), "-3e-7");
        assert_eq!(compact(40_500_000.0), "40500000");
    }

    #[test]
    fn interned_texts_are_one_copy_each_across_threads() {
        let texts = Interner::default();
        let words: Vec<String> = (0..500).map(|i| format!("村{}", i % 50)).collect();
        let got: Vec<Arc<str>> = words.par_iter().map(|w| texts.intern(w.clone())).collect();
        for (w, t) in words.iter().zip(&got) {
            assert_eq!(**t, **w);
            let first = got.iter().find(|u| ***u == **w).expect("itself");
            assert!(Arc::ptr_eq(t, first), "{w} held twice");
        }
        let held: usize = texts.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert_eq!(held, 50);
        assert_ne!(&*texts.intern("0601".into()), &*texts.intern("0602".into()));
    }
}
