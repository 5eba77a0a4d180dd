//! One table per output layer: its name, title and columns (machine name,
//! label in Chinese and English, kind, value over a row), and where a row
//! lies on the map. GeoJSON, CSV, the GeoPackage and the workbook are
//! formats over these tables, so a layer written in several formats has
//! the same columns, in the same order, in each.
//!
//! A format decides only how a kind is written: numbers with the kind's
//! fixed decimals in GeoJSON, CSV and the GeoPackage and with its number
//! format in the workbook; a [`Value::Code`] as its id for machines and
//! its label for a person; a list as a GeoJSON array, `;`-joined ids in
//! CSV and the GeoPackage (which have no arrays), labels in the workbook.

use std::borrow::Cow;
use std::io::{self, Write};

use tudi_core::date::Date;
use tudi_core::vocab::{Lang, Term};

use crate::geojson::{write_collection, Prop, Shape};
use crate::gpkg::{self, Field, FieldKind, Geometry, GeometryKind, Layer};
use crate::styles::Style;
use crate::{csv_with_bom, fixed};

/// How the workbook shows a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Two decimals (mu, FAR, 万元).
    Two,
    /// No decimals, thousands separated (m²).
    Thousands,
    /// The column's own decimals (coordinates).
    Own,
    /// A ratio, as a percentage with one decimal.
    Percent,
    /// Percentage points (already × 100), as a percentage with one decimal.
    Points,
}

/// What a column holds: enough for each format to write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An id machines read, which a person reads as its label.
    Code,
    /// A list of codes.
    List,
    Int,
    Bool,
    Date,
    /// A number: `decimals` in GeoJSON, CSV and the GeoPackage, `shown`
    /// in the workbook.
    Real {
        decimals: usize,
        shown: Shown,
    },
}

impl Kind {
    /// Area in mu.
    pub const MU: Kind = Kind::real(4);
    /// Area in m².
    pub const M2: Kind = Kind::Real {
        decimals: 2,
        shown: Shown::Thousands,
    };
    /// A ratio such as a building density or a progress.
    pub const SHARE: Kind = Kind::Real {
        decimals: 4,
        shown: Shown::Percent,
    };
    /// Percentage points.
    pub const POINTS: Kind = Kind::Real {
        decimals: 2,
        shown: Shown::Points,
    };
    /// Longitude or latitude, degrees (~1 cm).
    pub const DEGREES: Kind = Kind::Real {
        decimals: 7,
        shown: Shown::Own,
    };

    /// A number with `decimals` in files, two in the workbook.
    pub const fn real(decimals: usize) -> Kind {
        Kind::Real {
            decimals,
            shown: Shown::Two,
        }
    }

    fn decimals(self) -> usize {
        match self {
            Kind::Real { decimals, .. } => decimals,
            _ => 0,
        }
    }

    /// The workbook column's width in characters, unless a column says.
    fn width(self) -> f64 {
        match self {
            Kind::Text => 12.0,
            Kind::List => 16.0,
            Kind::Date => 11.0,
            Kind::Real {
                shown: Shown::Own, ..
            } => 12.0,
            Kind::Real { .. } | Kind::Code => 10.0,
            Kind::Int | Kind::Bool => 8.0,
        }
    }

    fn field(self) -> FieldKind {
        match self {
            Kind::Text | Kind::Code | Kind::List => FieldKind::Text,
            Kind::Int => FieldKind::Int,
            Kind::Bool => FieldKind::Bool,
            Kind::Date => FieldKind::Date,
            Kind::Real { decimals, .. } => FieldKind::Real(decimals),
        }
    }
}

/// A cell's value; `Null` in any column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// A number of the column's kind.
    Num(f64),
    /// A number of its own kind, in a column whose rows differ in unit
    /// (a unit column beside it says which).
    NumAs(f64, Kind),
    Text(Cow<'a, str>),
    Date(Date),
    /// An id (null when `None`) and its label in the run's language.
    Code(Option<Cow<'a, str>>, Cow<'a, str>),
    /// Codes: ids and labels.
    List(Vec<(Cow<'a, str>, Cow<'a, str>)>),
}

impl<'a> Value<'a> {
    pub fn text(s: &'a str) -> Value<'a> {
        Value::Text(Cow::Borrowed(s))
    }
    pub fn opt_text(s: Option<&'a str>) -> Value<'a> {
        s.map_or(Value::Null, Value::text)
    }
    pub fn opt_num(v: Option<f64>) -> Value<'a> {
        v.map_or(Value::Null, Value::Num)
    }
    pub fn opt_int(v: Option<impl Into<i64>>) -> Value<'a> {
        v.map_or(Value::Null, |v| Value::Int(v.into()))
    }
    pub fn opt_date(d: Option<Date>) -> Value<'a> {
        d.map_or(Value::Null, Value::Date)
    }
    /// A closed set's id with its vocabulary term.
    pub fn term(id: &'static str, term: Term, lang: Lang) -> Value<'a> {
        Value::Code(Some(Cow::Borrowed(id)), Cow::Borrowed(term.get(lang)))
    }
    /// A list whose ids are what a person reads too.
    pub fn plain_list(items: impl IntoIterator<Item = String>) -> Value<'a> {
        Value::List(
            items
                .into_iter()
                .map(|s| (Cow::Owned(s.clone()), Cow::Owned(s)))
                .collect(),
        )
    }
}

/// A column's or a table's label, Chinese and English.
pub const fn term(zh: &'static str, en: &'static str) -> Term {
    Term::new(zh, en)
}

type ValueFn<'a, R> = Box<dyn Fn(&R) -> Value<'a> + Send + Sync + 'a>;

/// One column of a table.
pub struct Column<'a, R> {
    /// The GeoJSON property, CSV header and GeoPackage field.
    pub name: &'static str,
    /// The workbook's header and the GeoPackage's alias.
    pub label: Term,
    pub kind: Kind,
    /// Width in the workbook, characters.
    pub width: f64,
    value: ValueFn<'a, R>,
}

/// A column whose value `value` gives.
pub fn col<'a, R>(
    name: &'static str,
    label: Term,
    kind: Kind,
    value: impl Fn(&R) -> Value<'a> + Send + Sync + 'a,
) -> Column<'a, R> {
    Column {
        name,
        label,
        kind,
        width: kind.width(),
        value: Box::new(value),
    }
}

impl<'a, R> Column<'a, R> {
    /// The column `width` characters wide in the workbook.
    pub fn width(mut self, width: f64) -> Self {
        self.width = width;
        self
    }

    pub fn value(&self, row: &R) -> Value<'a> {
        (self.value)(row)
    }
}

type ShapeFn<'a, R> = Box<dyn Fn(&R) -> Option<Shape<'a>> + Send + Sync + 'a>;

/// An output layer: its columns over its rows, and where each row lies.
pub struct Table<'a, R> {
    /// The GeoPackage table (ASCII).
    pub name: &'static str,
    /// The layer's title.
    pub title: Term,
    pub columns: Vec<Column<'a, R>>,
    pub rows: Vec<R>,
    geometry: Option<(GeometryKind, ShapeFn<'a, R>)>,
}

impl<'a, R: Sync> Table<'a, R> {
    pub fn new(name: &'static str, title: Term, columns: Vec<Column<'a, R>>, rows: Vec<R>) -> Self {
        Table {
            name,
            title,
            columns,
            rows,
            geometry: None,
        }
    }

    /// The table with a geometry: `shape` of a row, `None` for a row that
    /// lies nowhere (the geometry formats leave it out).
    pub fn located(
        mut self,
        kind: GeometryKind,
        shape: impl Fn(&R) -> Option<Shape<'a>> + Send + Sync + 'a,
    ) -> Self {
        self.geometry = Some((kind, Box::new(shape)));
        self
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    fn shape(&self, row: &R) -> Option<Shape<'a>> {
        self.geometry.as_ref().and_then(|(_, shape)| shape(row))
    }

    /// How many rows lie somewhere, and which when not all do.
    fn located_rows(&self) -> (usize, Option<Vec<usize>>) {
        if self.rows.iter().all(|r| self.shape(r).is_some()) {
            return (self.rows.len(), None);
        }
        let some: Vec<usize> = (0..self.rows.len())
            .filter(|&k| self.shape(&self.rows[k]).is_some())
            .collect();
        (some.len(), Some(some))
    }

    /// The `i`-th located row and its shape.
    fn feature(&self, which: &Option<Vec<usize>>, i: usize) -> (&R, Shape<'a>) {
        let row = &self.rows[which.as_ref().map_or(i, |k| k[i])];
        (row, self.shape(row).expect("located rows have a shape"))
    }

    /// A GeoJSON FeatureCollection of the located rows.
    pub fn write_geojson(&self, w: &mut dyn Write) -> io::Result<()> {
        let (count, which) = self.located_rows();
        write_collection(w, count, |i| {
            let (row, shape) = self.feature(&which, i);
            let props = self
                .columns
                .iter()
                .map(|c| (c.name, prop(c.kind, c.value(row))))
                .collect();
            (shape, props)
        })
    }

    /// A CSV of every row (UTF-8 with BOM).
    pub fn write_csv(&self, w: &mut dyn Write) -> io::Result<()> {
        csv_with_bom(
            w,
            &self.names(),
            self.rows.iter().map(|r| {
                self.columns
                    .iter()
                    .map(|c| csv_cell(c.kind, c.value(r)))
                    .collect()
            }),
        )
    }

    /// The GeoPackage layer of the located rows: fields named and typed by
    /// the columns, aliased by their labels in `lang`, the title too (a
    /// table without a geometry gives an empty point layer).
    pub fn layer(
        self,
        lang: Lang,
        group: &'static str,
        description: String,
        styles: Vec<Style>,
    ) -> Layer<'a>
    where
        R: 'a,
    {
        let (count, which) = self.located_rows();
        let fields = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.label.get(lang), c.kind.field()))
            .collect();
        let geometry = self.geometry.as_ref().map_or(GeometryKind::Point, |g| g.0);
        Layer {
            name: self.name,
            title: self.title.get(lang).into(),
            description,
            group,
            geometry,
            fields,
            count,
            feature: Box::new(move |i| {
                let (row, shape) = self.feature(&which, i);
                let values = self
                    .columns
                    .iter()
                    .map(|c| gpkg_value(c.value(row)))
                    .collect();
                (gpkg_geometry(shape), values)
            }),
            styles,
        }
    }
}

fn gpkg_geometry(s: Shape<'_>) -> Geometry<'_> {
    match s {
        Shape::Point(c) => Geometry::Point(c),
        Shape::Line(line) => Geometry::Line(line),
        Shape::Polygons(mp) => Geometry::Polygons(mp),
    }
}

fn ids<'a>(list: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> impl Iterator<Item = String> + 'a {
    list.into_iter().map(|(id, _)| id.into_owned())
}

fn prop(kind: Kind, v: Value) -> Prop {
    match v {
        Value::Null => Prop::Null,
        Value::Bool(b) => Prop::Bool(b),
        Value::Int(i) => Prop::Int(i),
        Value::Num(x) => Prop::Num(x, kind.decimals()),
        Value::NumAs(x, kind) => Prop::Num(x, kind.decimals()),
        Value::Text(s) => Prop::Str(s.into_owned()),
        Value::Date(d) => Prop::Str(d.to_string()),
        Value::Code(id, _) => id.map_or(Prop::Null, |s| Prop::Str(s.into_owned())),
        Value::List(list) => Prop::Strs(ids(list).collect()),
    }
}

fn csv_cell(kind: Kind, v: Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Num(x) => fixed(x, kind.decimals()),
        Value::NumAs(x, kind) => fixed(x, kind.decimals()),
        Value::Text(s) => s.into_owned(),
        Value::Date(d) => d.to_string(),
        Value::Code(id, _) => id.map(Cow::into_owned).unwrap_or_default(),
        Value::List(list) => ids(list).collect::<Vec<_>>().join(";"),
    }
}

fn gpkg_value(v: Value) -> gpkg::Value {
    match v {
        Value::Null => gpkg::Value::Null,
        Value::Bool(b) => gpkg::Value::Bool(b),
        Value::Int(i) => gpkg::Value::Int(i),
        Value::Num(x) | Value::NumAs(x, _) => gpkg::Value::Real(x),
        Value::Text(s) => gpkg::Value::Text(s.into_owned()),
        Value::Date(d) => gpkg::Value::Date(d.to_string()),
        Value::Code(id, _) => id.map_or(gpkg::Value::Null, |s| gpkg::Value::Text(s.into_owned())),
        Value::List(list) => gpkg::Value::Text(ids(list).collect::<Vec<_>>().join(";")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    struct Row {
        id: &'static str,
        mu: f64,
        ok: bool,
        when: Option<Date>,
        tags: Vec<&'static str>,
        at: Coord<f64>,
    }

    fn sample(lang: Lang) -> Table<'static, Row> {
        let done = Term::new("已完成", "done");
        Table::new(
            "plots",
            Term::new("地块", "Plots"),
            vec![
                col("id", Term::new("编号", "Id"), Kind::Text, |r: &Row| {
                    Value::text(r.id)
                }),
                col(
                    "area_mu",
                    Term::new("面积（亩）", "Area (mu)"),
                    Kind::MU,
                    |r: &Row| Value::Num(r.mu),
                ),
                col(
                    "ok",
                    Term::new("通过", "Passed"),
                    Kind::Bool,
                    |r: &Row| Value::Bool(r.ok),
                ),
                col(
                    "status",
                    Term::new("状态", "Status"),
                    Kind::Code,
                    move |r: &Row| {
                        if r.ok {
                            Value::term("done", done, lang)
                        } else {
                            Value::Code(None, Cow::Borrowed(""))
                        }
                    },
                ),
                col(
                    "when",
                    Term::new("日期", "Date"),
                    Kind::Date,
                    |r: &Row| Value::opt_date(r.when),
                ),
                col(
                    "tags",
                    Term::new("标签", "Tags"),
                    Kind::List,
                    |r: &Row| Value::plain_list(r.tags.iter().map(|t| t.to_string())),
                ),
            ],
            vec![
                Row {
                    id: "甲\"1",
                    mu: 1.0 / 3.0,
                    ok: true,
                    when: Some(Date::new(2020, 3, 9).unwrap()),
                    tags: vec!["a", "b"],
                    at: Coord { x: 120.5, y: 30.25 },
                },
                Row {
                    id: "=2",
                    mu: -0.00001,
                    ok: false,
                    when: None,
                    tags: vec![],
                    at: Coord { x: 121.0, y: 31.0 },
                },
            ],
        )
        .located(GeometryKind::Point, |r: &Row| {
            (r.id != "=2").then_some(Shape::Point(r.at))
        })
    }

    #[test]
    fn geojson_writes_every_column_in_order_with_its_kinds_encoding() {
        let mut out = Vec::new();
        sample(Lang::Zh).write_geojson(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        // the unlocated row is left out
        assert_eq!(
            text,
            "{\"type\":\"FeatureCollection\",\"features\":[\n\
             {\"type\":\"Feature\",\"properties\":{\"id\":\"甲\\\"1\",\"area_mu\":0.3333,\
             \"ok\":true,\"status\":\"done\",\"when\":\"2020-03-09\",\"tags\":[\"a\",\"b\"]},\
             \"geometry\":{\"type\":\"Point\",\"coordinates\":[120.5000000,30.2500000]}}\n]}\n"
        );
    }

    #[test]
    fn csv_writes_every_row_with_ids_and_fixed_decimals() {
        let mut out = Vec::new();
        sample(Lang::En).write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}id,area_mu,ok,status,when,tags\r\n\
             \"甲\"\"1\",0.3333,true,done,2020-03-09,a;b\r\n\
             '=2,0.0000,false,,,\r\n"
        );
    }

    #[test]
    fn the_geopackage_layer_has_the_columns_aliased_in_the_runs_language() {
        for (lang, alias) in [(Lang::Zh, "面积（亩）"), (Lang::En, "Area (mu)")] {
            let layer = sample(lang).layer(lang, "用地", String::new(), Vec::new());
            assert_eq!(layer.title, lang.pick("地块", "Plots"));
            assert_eq!(layer.count, 1);
            let names: Vec<_> = layer.fields.iter().map(|f| f.name).collect();
            assert_eq!(names, ["id", "area_mu", "ok", "status", "when", "tags"]);
            assert_eq!(layer.fields[1].alias, alias);
            assert_eq!(layer.fields[1].kind, FieldKind::Real(4));
            assert_eq!(layer.fields[5].kind, FieldKind::Text);
            let (g, values) = (layer.feature)(0);
            assert!(matches!(g, Geometry::Point(c) if c.x == 120.5));
            assert_eq!(
                values,
                [
                    gpkg::Value::Text("甲\"1".into()),
                    gpkg::Value::Real(1.0 / 3.0),
                    gpkg::Value::Bool(true),
                    gpkg::Value::Text("done".into()),
                    gpkg::Value::Date("2020-03-09".into()),
                    gpkg::Value::Text("a;b".into()),
                ]
            );
        }
    }

    #[test]
    fn a_row_may_carry_its_own_number_kind() {
        let t = Table::new(
            "values",
            Term::new("数值", "Values"),
            vec![col(
                "value",
                Term::new("数值", "Value"),
                Kind::MU,
                |r: &Value<'static>| r.clone(),
            )],
            vec![Value::Num(1.5), Value::NumAs(2.0, Kind::POINTS)],
        );
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .ends_with("value\r\n1.5000\r\n2.00\r\n"));
    }
}
