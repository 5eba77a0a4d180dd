//! Layer styles as QGIS QML, generated from a small description (single
//! symbol or categorized, from the classes of [`super::palette`]; a
//! label), so that every layer of `tudi.gpkg` opens in QGIS drawn as the
//! report's map draws it.
//!
//! The QML is the subset QGIS 3.22 (Debian 12) reads: symbol layers as
//! `<Option>` maps, data-defined properties, simple labeling and field
//! aliases (QGIS 3.22 with GDAL 3.6 shows a GeoPackage field's alias only
//! from the style).

use std::fmt::Write as _;

use super::escape;
use super::palette::{self, Class, Look, Weight};
pub use super::palette::{Color, DARK};
use tudi_core::analysis::enterprises::Disposition;
use tudi_core::analysis::townships::Level;
use tudi_core::vocab::{self, Lang};

/// A font every label and layout text names: Debian's `fonts-noto-cjk`.
pub const FONT: &str = "Noto Sans CJK SC";

/// How one feature is drawn: a filled polygon, a circle marker or a line,
/// by the layer's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    /// `None`: hollow.
    pub fill: Option<Color>,
    /// The outline's colour, or a line's.
    pub stroke: Color,
    pub stroke_mm: f64,
    /// Marker diameter (points); the width of the arrow head at a line's
    /// end (lines; 0, none).
    pub size_mm: f64,
    /// Dashed stroke (planned land, townships, small vacated blocks).
    pub dashed: bool,
}

impl Symbol {
    /// A class's look on paper: outlines 0.15, 0.25 or 0.8 mm by weight.
    pub fn of(look: &Look) -> Symbol {
        Symbol {
            fill: look.fill,
            stroke: look.stroke,
            stroke_mm: match look.weight {
                Weight::Hairline => 0.15,
                Weight::Thin => 0.25,
                Weight::Border => 0.5,
                Weight::Bold => 0.8,
            },
            size_mm: 2.4,
            dashed: look.dashed,
        }
    }
}

/// One class of a categorized renderer. An empty `value` is QGIS's "all
/// other values" (NULL included).
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub value: String,
    pub label: String,
    pub symbol: Symbol,
}

impl Category {
    /// The palette's class, in `lang`.
    fn of(class: &Class, lang: Lang) -> Category {
        Category {
            value: class.key.into(),
            label: class.label(lang).into(),
            symbol: Symbol::of(&class.look),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Renderer {
    Single(Symbol),
    /// Classes of an attribute or expression.
    Categorized {
        expression: String,
        categories: Vec<Category>,
    },
}

/// A label drawn on features, placed by QGIS's label engine: never over
/// another label (`displayAll` off), avoiding the layer's own features
/// (`obstacle`), the higher `priority` (0–10) first where labels compete.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// A QGIS expression, e.g. `format_number("area_mu", 2) || ' 亩'`.
    pub expression: String,
    pub size_pt: f64,
    pub color: Color,
    pub priority: u8,
}

/// A named style of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// `layer_styles.styleName`: ASCII, QGIS limits it to 30 characters.
    pub name: &'static str,
    /// Shown in QGIS's style list.
    pub description: String,
    pub renderer: Renderer,
    pub label: Option<Label>,
}

/// What kind of symbols a layer draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Marker,
    Line,
    Fill,
}

/// A number as QGIS writes it: no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn option(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(
        out,
        r#"<Option name="{}" type="QString" value="{}"/>"#,
        escape(name),
        escape(value)
    );
}

/// An empty set of data-defined properties, as QGIS writes one.
fn no_data_defined(out: &mut String) {
    out.push_str("<data_defined_properties><Option type=\"Map\">\n");
    option(out, "name", "");
    out.push_str("<Option name=\"properties\"/>\n");
    option(out, "type", "collection");
    out.push_str("</Option></data_defined_properties>\n");
}

fn symbol_xml(out: &mut String, name: &str, kind: SymbolKind, s: &Symbol) {
    let (type_, class) = match kind {
        SymbolKind::Marker => ("marker", "SimpleMarker"),
        SymbolKind::Line => return line_symbol_xml(out, name, s),
        SymbolKind::Fill => ("fill", "SimpleFill"),
    };
    let _ = writeln!(
        out,
        r#"<symbol name="{name}" type="{type_}" alpha="1" clip_to_extent="1" force_rhr="0">"#
    );
    no_data_defined(out);
    let _ = writeln!(
        out,
        r#"<layer class="{class}" pass="0" enabled="1" locked="0"><Option type="Map">"#
    );
    let fill = s.fill.unwrap_or(Color(0, 0, 0, 0));
    option(out, "color", &fill.qgis());
    option(out, "style", if s.fill.is_some() { "solid" } else { "no" });
    option(out, "outline_color", &s.stroke.qgis());
    option(
        out,
        "outline_style",
        if s.dashed { "dash" } else { "solid" },
    );
    option(out, "outline_width", &num(s.stroke_mm));
    option(out, "outline_width_unit", "MM");
    option(out, "joinstyle", "round");
    if kind == SymbolKind::Marker {
        option(out, "name", "circle");
        option(out, "size", &num(s.size_mm));
        option(out, "size_unit", "MM");
        option(out, "scale_method", "diameter");
    }
    out.push_str("</Option>\n");
    no_data_defined(out);
    out.push_str("</layer>\n</symbol>\n");
}

/// A line symbol, in QGIS 3.22's symbol layers: a simple line and, when
/// `size_mm` is set, a filled arrow head at its last vertex (a marker line
/// whose marker turns with the line; the arrow head's tip is the marker's
/// anchor, so it ends where the line does).
fn line_symbol_xml(out: &mut String, name: &str, s: &Symbol) {
    let _ = writeln!(
        out,
        r#"<symbol name="{name}" type="line" alpha="1" clip_to_extent="1" force_rhr="0">"#
    );
    no_data_defined(out);
    out.push_str(
        "<layer class=\"SimpleLine\" pass=\"0\" enabled=\"1\" locked=\"0\"><Option type=\"Map\">\n",
    );
    option(out, "line_color", &s.stroke.qgis());
    option(out, "line_style", if s.dashed { "dash" } else { "solid" });
    option(out, "line_width", &num(s.stroke_mm));
    option(out, "line_width_unit", "MM");
    option(out, "capstyle", "round");
    option(out, "joinstyle", "round");
    out.push_str("</Option>\n");
    no_data_defined(out);
    out.push_str("</layer>\n");
    if s.size_mm > 0.0 {
        out.push_str("<layer class=\"MarkerLine\" pass=\"0\" enabled=\"1\" locked=\"0\"><Option type=\"Map\">\n");
        option(out, "placement", "lastvertex");
        option(out, "rotate", "1");
        option(out, "offset", "0");
        option(out, "offset_unit", "MM");
        out.push_str("</Option>\n");
        no_data_defined(out);
        let _ = writeln!(
            out,
            r#"<symbol name="@{name}@1" type="marker" alpha="1" clip_to_extent="1" force_rhr="0">"#
        );
        no_data_defined(out);
        out.push_str("<layer class=\"SimpleMarker\" pass=\"0\" enabled=\"1\" locked=\"0\"><Option type=\"Map\">\n");
        option(out, "name", "filled_arrowhead");
        option(out, "color", &s.stroke.qgis());
        option(out, "outline_style", "no");
        option(out, "angle", "0");
        option(out, "size", &num(s.size_mm));
        option(out, "size_unit", "MM");
        option(out, "scale_method", "diameter");
        out.push_str("</Option>\n");
        no_data_defined(out);
        out.push_str("</layer>\n</symbol>\n</layer>\n");
    }
    out.push_str("</symbol>\n");
}

/// QGIS's simple labeling, in the element and attribute names of QGIS
/// 3.22's `QgsPalLayerSettings::writeXml`: each label tried at eight
/// places around its feature's centroid (placement 0, `AroundPoint`;
/// `OverPoint` allows the centroid alone, so crowded labels were dropped
/// or ran together), never over another label (`displayAll="0"`), with
/// the features as obstacles (a polygon's edges, a point itself), the
/// higher `priority` placed first, and a white halo (buffer).
fn labeling_xml(out: &mut String, label: &Label, kind: SymbolKind) {
    let _ = writeln!(
        out,
        r#"<labeling type="simple"><settings calloutType="simple">
<text-style fieldName="{}" isExpression="1" fontFamily="{FONT}" fontSize="{}" fontSizeUnit="Point" fontWeight="50" textColor="{}" textOpacity="1" namedStyle="Regular" multilineHeight="1" allowHtml="0" capitalization="0" blendMode="0" previewBkgrdColor="255,255,255,255" useSubstitutions="0" textOrientation="horizontal">
<families/>
<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>
</text-style>
<text-format wrapChar="" multilineAlign="1" formatNumbers="0" decimals="3" plussign="0"/>
<placement placement="0" placementFlags="10" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" dist="1" distUnits="MM" priority="{}" offsetType="0" quadOffset="4" xOffset="0" yOffset="0" offsetUnits="MM" polygonPlacementFlags="2" layerType="{}"/>
<rendering drawLabels="1" obstacle="1" obstacleFactor="1" obstacleType="{}" displayAll="0" upsidedownLabels="0" labelPerPart="0" mergeLines="0" minFeatureSize="0" limitNumLabels="0" maxNumLabels="2000" scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" zIndex="0" unplacedVisibility="0"/>
</settings></labeling>"#,
        escape(&label.expression),
        num(label.size_pt),
        label.color.qgis(),
        label.priority.min(10),
        match kind {
            SymbolKind::Fill => "PolygonGeometry",
            SymbolKind::Line => "LineGeometry",
            SymbolKind::Marker => "PointGeometry",
        },
        // polygons: labels may lie over the interior, not across edges
        match kind {
            SymbolKind::Fill => 1,
            SymbolKind::Marker | SymbolKind::Line => 0,
        },
    );
}

/// A field's name and its alias, for the style's `<aliases>`.
pub struct Alias<'a> {
    pub field: &'a str,
    pub alias: &'a str,
}

/// The QML document of `style` for a layer of `kind` with `aliases`.
pub fn qml(style: &Style, kind: SymbolKind, aliases: &[Alias]) -> String {
    format!(
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16" styleCategories="AllStyleCategories" labelsEnabled="{}" hasScaleBasedVisibilityFlag="0" minScale="100000000" maxScale="0" simplifyDrawingHints="1" simplifyAlgorithm="0" simplifyDrawingTol="1" simplifyLocal="1" simplifyMaxScale="1" readOnly="0">
{}</qgis>
"#,
        u8::from(style.label.is_some()),
        qml_body(style, kind, aliases)
    )
}

/// The elements of a style (renderer, labels, aliases), as they stand in
/// a QML document and in a project's `<maplayer>`.
pub fn qml_body(style: &Style, kind: SymbolKind, aliases: &[Alias]) -> String {
    let mut out = String::with_capacity(8192);
    match &style.renderer {
        Renderer::Single(s) => {
            out.push_str(r#"<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" enableorderby="0" referencescale="-1">"#);
            out.push_str("\n<symbols>\n");
            symbol_xml(&mut out, "0", kind, s);
            out.push_str("</symbols>\n");
        }
        Renderer::Categorized {
            expression,
            categories,
        } => {
            let _ = writeln!(
                out,
                r#"<renderer-v2 type="categorizedSymbol" attr="{}" forceraster="0" symbollevels="0" enableorderby="0" referencescale="-1">"#,
                escape(expression)
            );
            out.push_str("<categories>\n");
            for (i, c) in categories.iter().enumerate() {
                let _ = writeln!(
                    out,
                    r#"<category symbol="{i}" value="{}" label="{}" render="true"/>"#,
                    escape(&c.value),
                    escape(&c.label)
                );
            }
            out.push_str("</categories>\n<symbols>\n");
            for (i, c) in categories.iter().enumerate() {
                symbol_xml(&mut out, &i.to_string(), kind, &c.symbol);
            }
            out.push_str("</symbols>\n");
        }
    }
    out.push_str("</renderer-v2>\n");
    if let Some(label) = &style.label {
        labeling_xml(&mut out, label, kind);
    }
    out.push_str("<aliases>\n");
    for (i, a) in aliases.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<alias field="{}" index="{i}" name="{}"/>"#,
            escape(a.field),
            escape(a.alias)
        );
    }
    out.push_str("</aliases>\n");
    let _ = writeln!(
        out,
        "<layerGeometryType>{}</layerGeometryType>",
        match kind {
            SymbolKind::Marker => 0,
            SymbolKind::Line => 1,
            SymbolKind::Fill => 2,
        }
    );
    out
}

fn categorized(attr: &str, classes: &[Class], lang: Lang) -> Renderer {
    Renderer::Categorized {
        expression: attr.into(),
        categories: classes.iter().map(|c| Category::of(c, lang)).collect(),
    }
}

/// `format_number("field", decimals) || ' unit'`.
fn number_label(field: &str, decimals: u8, prefix: &str, suffix: &str) -> String {
    let quote = |s: &str| s.replace('\'', "''");
    let mut e = String::new();
    if !prefix.is_empty() {
        let _ = write!(e, "'{} ' || ", quote(prefix));
    }
    let _ = write!(e, "format_number(\"{field}\", {decimals})");
    if !suffix.is_empty() {
        let _ = write!(e, " || ' {}'", quote(suffix));
    }
    e
}

/// Enterprises by disposition, in the palette's colours; non-targets
/// small grey dots.
pub fn enterprises_by_disposition(lang: Lang) -> Style {
    let mut renderer = categorized("disposition", &palette::dispositions(), lang);
    if let Renderer::Categorized { categories, .. } = &mut renderer {
        // the non-targets: half size, under the targets
        if let Some(other) = categories.last_mut() {
            other.symbol.size_mm = 1.2;
        }
    }
    Style {
        name: "disposition",
        description: lang.pick("按处置方式", "By disposition").into(),
        renderer,
        label: None,
    }
}

/// Enterprises by their latest 亩均 grade, in the evaluation's own
/// colours: A green, B blue, C yellow, D red; ungraded grey.
pub fn enterprises_by_grade(lang: Lang) -> Style {
    let mut renderer = categorized("grade", &palette::grades(), lang);
    if let Renderer::Categorized { categories, .. } = &mut renderer {
        for c in categories {
            c.symbol.size_mm = 2.6;
        }
    }
    Style {
        name: "grade",
        description: lang
            .pick("按最新亩均评价等级", "By latest per-mu grade")
            .into(),
        renderer,
        label: None,
    }
}

/// Scattered parcels, labelled with their area in mu.
pub fn scattered_parcels(max_mu: f64, lang: Lang) -> Style {
    Style {
        name: "scattered",
        description: palette::scattered(max_mu).label(lang).into(),
        renderer: Renderer::Single(Symbol::of(&palette::scattered(max_mu).look)),
        label: Some(Label {
            expression: number_label("area_mu", 2, "", vocab::MU.get(lang)),
            size_pt: 7.0,
            color: Color::rgb(120, 0, 0),
            priority: 5,
        }),
    }
}

/// Industrial blocks, scattered ones apart. (QGIS matches a boolean as
/// the text `true`.)
pub fn blocks(lang: Lang) -> Style {
    let mut renderer = categorized("scattered", &palette::blocks(), lang);
    if let Renderer::Categorized { categories, .. } = &mut renderer {
        for c in categories {
            c.symbol.stroke_mm = 0.15;
        }
    }
    Style {
        name: "scattered",
        description: lang.pick("按是否零散", "By scattered or not").into(),
        renderer,
        label: None,
    }
}

/// The district outline.
pub fn boundary(lang: Lang) -> Style {
    let class = palette::boundary();
    Style {
        name: "outline",
        description: class.label(lang).into(),
        renderer: Renderer::Single(Symbol {
            stroke_mm: 0.6,
            ..Symbol::of(&class.look)
        }),
        label: None,
    }
}

/// Micro-enterprise parks by floor-area ratio in the palette's classes
/// (breaks at the district's minimum, those under it outlined in red),
/// labelled with their names. A QGIS graduated renderer takes a class
/// as `lower < far <= upper`, the rules `far < min`: the classes are
/// therefore categories of an expression with the rules' comparisons.
/// Without buildings (`far_known` false) the FAR is NULL and every park
/// is drawn alike.
pub fn parks_by_far(min_far: f64, far_known: bool, lang: Lang) -> Style {
    let renderer = if far_known {
        let classes = palette::park_far_classes(min_far);
        let planned = palette::park_planned();
        let mut e = format!("CASE WHEN \"planned\" THEN '{}'", planned.key);
        for c in &classes {
            match c.upper {
                Some(u) => {
                    let _ = write!(e, " WHEN \"far\" < {} THEN '{}'", num(u), c.class.key);
                }
                None => {
                    let _ = write!(e, " WHEN \"far\" IS NOT NULL THEN '{}'", c.class.key);
                }
            }
        }
        e.push_str(" END");
        let mut classes: Vec<Class> = classes.into_iter().map(|c| c.class).collect();
        classes.push(planned);
        categorized(&e, &classes, lang)
    } else {
        let planned = palette::park_planned();
        categorized(
            &format!("CASE WHEN \"planned\" THEN '{}' ELSE '' END", planned.key),
            &[palette::park_unknown(), planned],
            lang,
        )
    };
    Style {
        name: "far",
        description: if far_known {
            format!(
                "{} {}",
                lang.pick("按容积率分级，下限", "By FAR, minimum"),
                palette::far_breaks(min_far)[0]
            )
        } else {
            palette::park_unknown().label(lang).into()
        },
        renderer,
        label: Some(Label {
            expression: "\"name\"".into(),
            size_pt: 8.0,
            color: Color::rgb(63, 0, 125),
            priority: 8,
        }),
    }
}

/// Vacated (腾退) records by their status.
pub fn vacated_by_status(lang: Lang) -> Style {
    Style {
        name: "status",
        description: lang.pick("按腾退状态", "By status").into(),
        renderer: categorized("status", &palette::vacated_status(), lang),
        label: None,
    }
}

/// Vacated records by the result of checking them against the land they
/// claim.
pub fn vacated_by_check(lang: Lang) -> Style {
    Style {
        name: "check",
        description: lang.pick("按核查结果", "By check").into(),
        renderer: categorized("check", &palette::vacated_check(), lang),
        label: None,
    }
}

/// Low-density industrial parcels (提档升级 candidates), labelled with
/// their FAR where they carry buildings: a row of "FAR 0.00" round vacated
/// land says only that nothing stands there, which the fill already shows.
pub fn low_density_parcels(min_far: f64, lang: Lang) -> Style {
    let class = palette::low_density(min_far);
    Style {
        name: "low_density",
        description: class.label(lang).into(),
        renderer: Renderer::Single(Symbol::of(&class.look)),
        label: Some(Label {
            expression: format!(
                "CASE WHEN \"far\" > 0 THEN {} END",
                number_label("far", 2, vocab::FAR.get(lang), "")
            ),
            size_pt: 7.0,
            color: Color::rgb(1, 70, 64),
            priority: 2,
        }),
    }
}

/// Vacated blocks: effective ones outlined dark green, the rest dashed
/// grey; labelled with their area.
pub fn vacated_blocks(lang: Lang) -> Style {
    Style {
        name: "effective",
        description: lang
            .pick("按是否计入有效面积", "By effective or not")
            .into(),
        renderer: categorized("effective", &palette::vacated_blocks(), lang),
        label: Some(Label {
            expression: number_label("area_mu", 1, "", vocab::MU.get(lang)),
            size_pt: 7.0,
            color: Color::rgb(0, 80, 0),
            priority: 4,
        }),
    }
}

/// The placement plan's move lines, firm → park: thin lines in the colour
/// of firms going into a park, an arrow head at the park, by the
/// disposition that sent the firm to seek one (`seek`, the rules' order):
/// `into_park` solid, any other dashed. No labels: a district has
/// hundreds.
pub fn move_lines(seek: &[Disposition], lang: Lang) -> Style {
    let mut renderer = categorized("sought", &palette::move_lines(seek), lang);
    if let Renderer::Categorized { categories, .. } = &mut renderer {
        for c in categories {
            c.symbol.size_mm = 2.0;
        }
    }
    Style {
        name: "sought",
        description: lang
            .pick("按原处置方式", "By the disposition that sent the firm")
            .into(),
        renderer,
        label: None,
    }
}

/// A division layer, labelled with the names: townships a pale ground
/// with a dashed outline; counties a bolder brown line, their names larger
/// and placed before the townships'.
pub fn divisions(level: Level, lang: Lang) -> Style {
    let (class, size_pt, priority) = match level {
        Level::Township => (palette::township(), 9.0, 10),
        Level::County => (palette::county(), 12.0, 9),
    };
    let color = match level {
        Level::Township => DARK,
        Level::County => class.look.stroke,
    };
    Style {
        name: "outline",
        description: class.label(lang).into(),
        renderer: Renderer::Single(Symbol::of(&class.look)),
        label: Some(Label {
            expression: "coalesce(\"name\", \"code\")".into(),
            size_pt,
            color,
            priority,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses the document with a strict XML parser (GDAL's MiniXML via
    /// OGR would accept less); returns the root.
    fn parse(xml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse_with_options(
            xml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .expect("well-formed QML")
    }

    fn symbol_colors(doc: &roxmltree::Document) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("Option") && n.attribute("name") == Some("color"))
            .map(|n| n.attribute("value").unwrap().to_string())
            .collect()
    }

    #[test]
    fn disposition_style_has_the_five_classes_in_the_palettes_colours() {
        let xml = qml(
            &enterprises_by_disposition(Lang::Zh),
            SymbolKind::Marker,
            &[],
        );
        let doc = parse(&xml);
        let r = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("type"), Some("categorizedSymbol"));
        assert_eq!(r.attribute("attr"), Some("disposition"));
        let cats: Vec<(&str, &str)> = r
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .map(|n| (n.attribute("value").unwrap(), n.attribute("label").unwrap()))
            .collect();
        assert_eq!(
            cats,
            [
                ("close", "关停淘汰"),
                ("relocate", "搬迁转移"),
                ("into_park", "整合入园"),
                ("upgrade", "改造提升"),
                ("", "非整治对象")
            ]
        );
        assert_eq!(
            symbol_colors(&doc),
            [
                "165,0,38,255",
                "253,141,60,255",
                "44,123,182,255",
                "255,217,47,255",
                "82,82,82,255"
            ]
        );
        assert!(xml.contains(r#"class="SimpleMarker""#));
        assert!(xml.contains(r#"labelsEnabled="0""#));
        // English runs name the classes in English
        let en = qml(
            &enterprises_by_disposition(Lang::En),
            SymbolKind::Marker,
            &[],
        );
        assert!(en.contains(r#"value="close" label="Close""#), "{en}");
    }

    #[test]
    fn move_lines_are_blue_lines_with_an_arrow_at_the_park_dashed_unless_into_park() {
        let seek = [Disposition::IntoPark, Disposition::Relocate];
        let xml = qml(&move_lines(&seek, Lang::Zh), SymbolKind::Line, &[]);
        let doc = parse(&xml);
        let r = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("attr"), Some("sought"));
        let cats: Vec<(&str, &str)> = r
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .map(|n| (n.attribute("value").unwrap(), n.attribute("label").unwrap()))
            .collect();
        assert_eq!(cats, [("into_park", "整合入园"), ("relocate", "搬迁转移")]);
        // a symbol layer's options (not its data-defined properties')
        let option = |symbol: roxmltree::Node, name: &str| -> Vec<String> {
            symbol
                .descendants()
                .filter(|n| n.has_tag_name("Option") && n.attribute("name") == Some(name))
                .filter(|n| {
                    n.parent()
                        .and_then(|p| p.parent())
                        .is_some_and(|l| l.has_tag_name("layer"))
                })
                .map(|n| n.attribute("value").unwrap().to_string())
                .collect()
        };
        let blue = palette::disposition(Disposition::IntoPark)
            .look
            .fill
            .unwrap()
            .qgis();
        let lines: Vec<roxmltree::Node> = r
            .descendants()
            .filter(|n| n.has_tag_name("symbol") && n.attribute("type") == Some("line"))
            .collect();
        assert_eq!(lines.len(), 2);
        for (line, style) in lines.iter().zip(["solid", "dash"]) {
            let classes: Vec<&str> = line
                .children()
                .filter(|n| n.has_tag_name("layer"))
                .map(|n| n.attribute("class").unwrap())
                .collect();
            assert_eq!(classes, ["SimpleLine", "MarkerLine"]);
            assert_eq!(option(*line, "line_style"), [style]);
            assert_eq!(option(*line, "line_color"), [blue.as_str()]);
            assert_eq!(option(*line, "line_width"), ["0.25"]);
            // the arrow head, turned along the line, at its last vertex
            assert_eq!(option(*line, "placement"), ["lastvertex"]);
            assert_eq!(option(*line, "rotate"), ["1"]);
            assert_eq!(option(*line, "name"), ["filled_arrowhead"]);
            assert_eq!(option(*line, "color"), [blue.as_str()]);
            let arrow = line
                .descendants()
                .find(|n| n.has_tag_name("symbol") && n.attribute("type") == Some("marker"))
                .unwrap();
            assert_eq!(
                arrow.attribute("name"),
                Some(format!("@{}@1", line.attribute("name").unwrap()).as_str())
            );
        }
        assert!(xml.contains("<layerGeometryType>1</layerGeometryType>"));
        assert!(xml.contains(r#"labelsEnabled="0""#));
        // English labels; a line without an arrow head has the line alone
        let en = qml(&move_lines(&seek, Lang::En), SymbolKind::Line, &[]);
        assert!(
            en.contains(r#"value="into_park" label="Into a park""#),
            "{en}"
        );
        let mut plain = String::new();
        let symbol = Symbol {
            size_mm: 0.0,
            ..Symbol::of(&palette::move_line().look)
        };
        symbol_xml(&mut plain, "0", SymbolKind::Line, &symbol);
        assert!(plain.contains("SimpleLine") && !plain.contains("MarkerLine"));
    }

    #[test]
    fn grade_style_colours_a_to_d_green_blue_yellow_red() {
        let doc_xml = qml(&enterprises_by_grade(Lang::Zh), SymbolKind::Marker, &[]);
        let doc = parse(&doc_xml);
        assert_eq!(
            &symbol_colors(&doc)[..4],
            [
                "51,160,44,255",
                "31,120,180,255",
                "255,215,0,255",
                "227,26,28,255"
            ]
        );
    }

    #[test]
    fn scattered_parcels_are_red_and_labelled_in_mu_with_a_chinese_font() {
        let aliases = [Alias {
            field: "area_mu",
            alias: "面积（亩）",
        }];
        let xml = qml(
            &scattered_parcels(5.0, Lang::Zh),
            SymbolKind::Fill,
            &aliases,
        );
        let doc = parse(&xml);
        assert_eq!(doc.root_element().attribute("labelsEnabled"), Some("1"));
        let text = doc
            .descendants()
            .find(|n| n.has_tag_name("text-style"))
            .unwrap();
        assert_eq!(
            text.attribute("fieldName"),
            Some("format_number(\"area_mu\", 2) || ' 亩'")
        );
        assert_eq!(text.attribute("isExpression"), Some("1"));
        assert_eq!(text.attribute("fontFamily"), Some(FONT));
        assert_eq!(symbol_colors(&doc), ["227,26,28,255"]);
        let alias = doc.descendants().find(|n| n.has_tag_name("alias")).unwrap();
        assert_eq!(alias.attribute("name"), Some("面积（亩）"));
        assert!(xml.contains(r#"class="SimpleFill""#));
    }

    #[test]
    fn labels_are_in_the_runs_language_and_placed_by_the_engine_without_overlap() {
        let zh = qml(&low_density_parcels(1.0, Lang::Zh), SymbolKind::Fill, &[]);
        let en = qml(&low_density_parcels(1.0, Lang::En), SymbolKind::Fill, &[]);
        let field = |xml: &str| {
            parse(xml)
                .descendants()
                .find(|n| n.has_tag_name("text-style"))
                .unwrap()
                .attribute("fieldName")
                .unwrap()
                .to_string()
        };
        // parcels without buildings (FAR 0) carry no label
        assert_eq!(
            field(&zh),
            "CASE WHEN \"far\" > 0 THEN '容积率 ' || format_number(\"far\", 2) END"
        );
        assert_eq!(
            field(&en),
            "CASE WHEN \"far\" > 0 THEN 'FAR ' || format_number(\"far\", 2) END"
        );
        let doc = parse(&zh);
        let rendering = doc
            .descendants()
            .find(|n| n.has_tag_name("rendering"))
            .unwrap();
        assert_eq!(rendering.attribute("displayAll"), Some("0"));
        assert_eq!(rendering.attribute("obstacle"), Some("1"));
        let placement = doc
            .descendants()
            .find(|n| n.has_tag_name("placement"))
            .unwrap();
        assert_eq!(placement.attribute("placement"), Some("0"));
        assert_eq!(placement.attribute("priority"), Some("2"));
        // parks carry their names, before parcels' figures
        let parks = parse(&qml(
            &parks_by_far(1.2, true, Lang::Zh),
            SymbolKind::Fill,
            &[],
        ))
        .descendants()
        .find(|n| n.has_tag_name("placement"))
        .unwrap()
        .attribute("priority")
        .map(str::to_string);
        assert_eq!(parks.as_deref(), Some("8"));
        assert!(
            qml(&parks_by_far(1.2, true, Lang::Zh), SymbolKind::Fill, &[])
                .contains(r#"fieldName="&quot;name&quot;""#)
        );
    }

    #[test]
    fn parks_are_classed_at_the_minimum_far_with_the_low_class_outlined() {
        let xml = qml(&parks_by_far(1.2, true, Lang::Zh), SymbolKind::Fill, &[]);
        let doc = parse(&xml);
        let r = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("type"), Some("categorizedSymbol"));
        assert_eq!(
            r.attribute("attr"),
            Some(
                "CASE WHEN \"planned\" THEN 'planned' WHEN \"far\" < 1.2 THEN 'far_0' \
                 WHEN \"far\" < 2 THEN 'far_1' WHEN \"far\" < 3 THEN 'far_2' \
                 WHEN \"far\" IS NOT NULL THEN 'far_3' END"
            )
        );
        let cats: Vec<(&str, &str)> = r
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .map(|n| (n.attribute("value").unwrap(), n.attribute("label").unwrap()))
            .collect();
        assert_eq!(
            cats,
            [
                ("far_0", "小微园 容积率 < 1.2（未达标）"),
                ("far_1", "小微园 容积率 1.2–2.0"),
                ("far_2", "小微园 容积率 2.0–3.0"),
                ("far_3", "小微园 容积率 ≥ 3.0"),
                // a park not built has no FAR to class
                ("planned", "规划在建小微园")
            ]
        );
        let outlines: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Option") && n.attribute("name") == Some("outline_color"))
            .map(|n| n.attribute("value").unwrap())
            .collect();
        assert_eq!(
            outlines,
            [
                "215,25,28,255",
                "63,0,125,255",
                "63,0,125,255",
                "63,0,125,255",
                "63,0,125,255"
            ]
        );
        // a stricter minimum moves the first break
        assert!(
            qml(&parks_by_far(2.5, true, Lang::En), SymbolKind::Fill, &[])
                .contains("WHEN &quot;far&quot; &lt; 2.5 THEN &#39;far_0&#39; WHEN")
        );
        // no FAR: one class, and the planned parks apart
        let unknown = qml(&parks_by_far(1.2, false, Lang::Zh), SymbolKind::Fill, &[]);
        assert!(
            unknown.contains(r#"label="小微企业园""#)
                && unknown.contains(r#"label="规划在建小微园""#)
        );
    }

    #[test]
    fn vacated_styles_classify_status_and_check() {
        for (style, attr, n) in [
            (vacated_by_status(Lang::Zh), "status", 4),
            (vacated_by_check(Lang::Zh), "check", 2),
        ] {
            let xml = qml(&style, SymbolKind::Fill, &[]);
            let doc = parse(&xml);
            let r = doc
                .descendants()
                .find(|n| n.has_tag_name("renderer-v2"))
                .unwrap();
            assert_eq!(r.attribute("attr"), Some(attr));
            assert_eq!(
                r.descendants()
                    .filter(|n| n.has_tag_name("category"))
                    .count(),
                n
            );
        }
        // planned land is dashed, as on the report's map
        let xml = qml(&vacated_by_status(Lang::Zh), SymbolKind::Fill, &[]);
        assert_eq!(
            xml.matches(r#"name="outline_style" type="QString" value="dash""#)
                .count(),
            1
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut s = boundary(Lang::Zh);
        s.description = "<&>".into();
        let xml = qml(
            &Style {
                label: Some(Label {
                    expression: "'a<b' || \"x\"".into(),
                    size_pt: 8.0,
                    color: DARK,
                    priority: 5,
                }),
                ..s
            },
            SymbolKind::Fill,
            &[],
        );
        let doc = parse(&xml);
        let text = doc
            .descendants()
            .find(|n| n.has_tag_name("text-style"))
            .unwrap();
        assert_eq!(text.attribute("fieldName"), Some("'a<b' || \"x\""));
        assert!(
            xml.contains(r#"name="style" type="QString" value="no""#),
            "hollow"
        );
        assert_eq!(
            number_label("x", 1, "it's", ""),
            "'it''s ' || format_number(\"x\", 1)"
        );
    }
}
