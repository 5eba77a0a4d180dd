//! Layer styles as QGIS QML, generated from a small description (single
//! symbol, categorized, graduated; an outline rule; a label), so that every
//! layer of `tudi.gpkg` opens in QGIS drawn as the planners' maps are.
//!
//! The QML is the subset QGIS 3.22 (Debian 12) reads: symbol layers as
//! `<Option>` maps, data-defined properties, simple labeling and field
//! aliases (QGIS 3.22 with GDAL 3.6 shows a GeoPackage field's alias only
//! from the style).

use std::fmt::Write as _;

use super::escape;

/// A font every label and layout text names: Debian's `fonts-noto-cjk`.
pub const FONT: &str = "Noto Sans CJK SC";

/// An sRGB colour with alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8, pub u8);

impl Color {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color(r, g, b, 255)
    }
    /// QGIS's `r,g,b,a` notation.
    pub fn qgis(self) -> String {
        format!("{},{},{},{}", self.0, self.1, self.2, self.3)
    }
}

// The planners' colours: ColorBrewer Set1-like, readable when printed.
pub const RED: Color = Color::rgb(227, 26, 28);
pub const ORANGE: Color = Color::rgb(255, 127, 0);
pub const BLUE: Color = Color::rgb(31, 120, 180);
pub const YELLOW: Color = Color::rgb(255, 215, 0);
pub const GREEN: Color = Color::rgb(51, 160, 44);
pub const GREY: Color = Color::rgb(160, 160, 160);
pub const DARK: Color = Color::rgb(60, 60, 60);

/// How one feature is drawn: a filled polygon or a circle marker, by the
/// layer's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    /// `None`: hollow.
    pub fill: Option<Color>,
    pub stroke: Color,
    pub stroke_mm: f64,
    /// Marker diameter (points only).
    pub size_mm: f64,
    /// Dashed stroke (outlines of areas, e.g. a district boundary).
    pub dashed: bool,
}

impl Symbol {
    /// A filled symbol with a thin darker stroke.
    pub fn filled(fill: Color) -> Symbol {
        Symbol {
            fill: Some(fill),
            stroke: DARK,
            stroke_mm: 0.2,
            size_mm: 2.4,
            dashed: false,
        }
    }
    /// A hollow polygon outline.
    pub fn outline(stroke: Color, width_mm: f64) -> Symbol {
        Symbol {
            fill: None,
            stroke,
            stroke_mm: width_mm,
            size_mm: 2.4,
            dashed: false,
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

/// One class of a graduated renderer: `lower < value <= upper` (QGIS
/// includes the lower bound of the first class).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub lower: f64,
    pub upper: f64,
    pub label: String,
    pub symbol: Symbol,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Renderer {
    Single(Symbol),
    /// Classes of an attribute or expression.
    Categorized {
        expression: String,
        categories: Vec<Category>,
    },
    Graduated {
        expression: String,
        ranges: Vec<Range>,
    },
}

/// Features for which `when` holds get this stroke instead (e.g. parks
/// below the minimum FAR outlined).
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineRule {
    pub when: String,
    pub color: Color,
    pub width_mm: f64,
}

/// A label drawn on every feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// A QGIS expression, e.g. `format_number("area_mu", 2) || ' 亩'`.
    pub expression: String,
    pub size_pt: f64,
    pub color: Color,
}

/// A named style of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// `layer_styles.styleName`: ASCII, QGIS limits it to 30 characters.
    pub name: &'static str,
    /// Shown in QGIS's style list (Chinese).
    pub description: String,
    pub renderer: Renderer,
    pub outline: Option<OutlineRule>,
    pub label: Option<Label>,
}

/// What kind of symbols a layer draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Marker,
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

fn data_defined(out: &mut String, props: &[(&str, String)]) {
    out.push_str("<data_defined_properties><Option type=\"Map\">\n");
    option(out, "name", "");
    if props.is_empty() {
        out.push_str("<Option name=\"properties\"/>\n");
    } else {
        out.push_str("<Option name=\"properties\" type=\"Map\">\n");
        for (key, expression) in props {
            let _ = writeln!(
                out,
                r#"<Option name="{key}" type="Map"><Option name="active" type="bool" value="true"/><Option name="expression" type="QString" value="{}"/><Option name="type" type="int" value="3"/></Option>"#,
                escape(expression)
            );
        }
        out.push_str("</Option>\n");
    }
    option(out, "type", "collection");
    out.push_str("</Option></data_defined_properties>\n");
}

fn symbol_xml(
    out: &mut String,
    name: &str,
    kind: SymbolKind,
    s: &Symbol,
    rule: Option<&OutlineRule>,
) {
    let (type_, class) = match kind {
        SymbolKind::Marker => ("marker", "SimpleMarker"),
        SymbolKind::Fill => ("fill", "SimpleFill"),
    };
    let _ = writeln!(
        out,
        r#"<symbol name="{name}" type="{type_}" alpha="1" clip_to_extent="1" force_rhr="0">"#
    );
    data_defined(out, &[]);
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
    let props: Vec<(&str, String)> = rule
        .map(|r| {
            vec![
                (
                    "outlineColor",
                    format!(
                        "if({}, '{}', '{}')",
                        r.when,
                        r.color.qgis(),
                        s.stroke.qgis()
                    ),
                ),
                (
                    "outlineWidth",
                    format!("if({}, {}, {})", r.when, num(r.width_mm), num(s.stroke_mm)),
                ),
            ]
        })
        .unwrap_or_default();
    data_defined(out, &props);
    out.push_str("</layer>\n</symbol>\n");
}

fn labeling_xml(out: &mut String, label: &Label, kind: SymbolKind) {
    // Polygons: over the centroid (QGIS OverPoint); points: around them.
    let placement = match kind {
        SymbolKind::Fill => 1,
        SymbolKind::Marker => 0,
    };
    let _ = writeln!(
        out,
        r#"<labeling type="simple"><settings calloutType="simple">
<text-style fieldName="{}" isExpression="1" fontFamily="{FONT}" fontSize="{}" fontSizeUnit="Point" fontWeight="50" textColor="{}" textOpacity="1" namedStyle="Regular" multilineHeight="1" allowHtml="0" capitalization="0" blendMode="0" previewBkgrdColor="255,255,255,255" useSubstitutions="0" textOrientation="horizontal">
<families/>
<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>
</text-style>
<text-format wrapChar="" multilineAlign="1" formatNumbers="0" decimals="3" plussign="0"/>
<placement placement="{placement}" placementFlags="10" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" dist="1" distUnits="MM" priority="5" offsetType="0" quadOffset="4" xOffset="0" yOffset="0" offsetUnits="MM" polygonPlacementFlags="2" layerType="{}"/>
<rendering drawLabels="1" obstacle="1" obstacleFactor="1" obstacleType="1" displayAll="0" upsidedownLabels="0" labelPerPart="0" mergeLines="0" minFeatureSize="0" limitNumLabels="0" maxNumLabels="2000" scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" zIndex="0" unplacedVisibility="0"/>
</settings></labeling>"#,
        escape(&label.expression),
        num(label.size_pt),
        label.color.qgis(),
        match kind {
            SymbolKind::Fill => "PolygonGeometry",
            SymbolKind::Marker => "PointGeometry",
        }
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
    let rule = style.outline.as_ref();
    match &style.renderer {
        Renderer::Single(s) => {
            out.push_str(r#"<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" enableorderby="0" referencescale="-1">"#);
            out.push_str("\n<symbols>\n");
            symbol_xml(&mut out, "0", kind, s, rule);
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
                symbol_xml(&mut out, &i.to_string(), kind, &c.symbol, rule);
            }
            out.push_str("</symbols>\n");
        }
        Renderer::Graduated { expression, ranges } => {
            let _ = writeln!(
                out,
                r#"<renderer-v2 type="graduatedSymbol" attr="{}" graduatedMethod="GraduatedColor" forceraster="0" symbollevels="0" enableorderby="0" referencescale="-1">"#,
                escape(expression)
            );
            out.push_str("<ranges>\n");
            for (i, r) in ranges.iter().enumerate() {
                let _ = writeln!(
                    out,
                    r#"<range symbol="{i}" lower="{}" upper="{}" label="{}" render="true"/>"#,
                    num(r.lower),
                    num(r.upper),
                    escape(&r.label)
                );
            }
            out.push_str("</ranges>\n<symbols>\n");
            for (i, r) in ranges.iter().enumerate() {
                symbol_xml(&mut out, &i.to_string(), kind, &r.symbol, rule);
            }
            out.push_str("</symbols>\n");
            out.push_str(r#"<classificationMethod id="Custom"><symmetricMode enabled="0" symmetrypoint="0" astride="0"/><labelFormat format="%1 - %2" labelprecision="2" trimtrailingzeroes="1"/></classificationMethod>"#);
            out.push('\n');
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
            SymbolKind::Fill => 2,
        }
    );
    out
}

fn category(value: &str, label: &str, symbol: Symbol) -> Category {
    Category {
        value: value.into(),
        label: label.into(),
        symbol,
    }
}

/// Enterprises by disposition: close red, relocate orange, into_park
/// blue, upgrade yellow, everything else (non-targets) grey.
pub fn enterprises_by_disposition() -> Style {
    let marker = |c: Color, size: f64| Symbol {
        size_mm: size,
        ..Symbol::filled(c)
    };
    Style {
        name: "disposition",
        description: "按处置方式".into(),
        renderer: Renderer::Categorized {
            expression: "disposition".into(),
            categories: vec![
                category("close", "关停淘汰", marker(RED, 2.4)),
                category("relocate", "搬迁转移", marker(ORANGE, 2.4)),
                category("into_park", "整合入园", marker(BLUE, 2.4)),
                category("upgrade", "改造提升", marker(YELLOW, 2.4)),
                category("", "非整治对象", marker(GREY, 1.2)),
            ],
        },
        outline: None,
        label: None,
    }
}

/// Enterprises by their latest 亩均 grade, in the evaluation's own
/// colours: A green, B blue, C yellow, D red; ungraded grey.
pub fn enterprises_by_grade() -> Style {
    let m = |c: Color| Symbol {
        size_mm: 2.6,
        ..Symbol::filled(c)
    };
    Style {
        name: "grade",
        description: "按最新亩均评价等级".into(),
        renderer: Renderer::Categorized {
            expression: "grade".into(),
            categories: vec![
                category("A", "A 类", m(GREEN)),
                category("B", "B 类", m(BLUE)),
                category("C", "C 类", m(YELLOW)),
                category("D", "D 类", m(RED)),
                category("", "未评价", m(GREY)),
            ],
        },
        outline: None,
        label: None,
    }
}

/// Scattered parcels: red, labelled with their area in mu.
pub fn scattered_parcels() -> Style {
    Style {
        name: "scattered",
        description: "零散工业地块（红色，标注面积）".into(),
        renderer: Renderer::Single(Symbol {
            stroke: Color::rgb(150, 0, 0),
            stroke_mm: 0.3,
            ..Symbol::filled(RED)
        }),
        outline: None,
        label: Some(Label {
            expression: "format_number(\"area_mu\", 2) || ' 亩'".into(),
            size_pt: 7.0,
            color: Color::rgb(120, 0, 0),
        }),
    }
}

/// Industrial blocks: scattered ones pale red, the others pale violet.
/// (QGIS matches a boolean as the text `true`.)
pub fn blocks() -> Style {
    let pale = |c: Color| Symbol {
        stroke: Color::rgb(110, 110, 110),
        stroke_mm: 0.15,
        ..Symbol::filled(c)
    };
    Style {
        name: "scattered",
        description: "按是否零散".into(),
        renderer: Renderer::Categorized {
            expression: "scattered".into(),
            categories: vec![
                category(
                    "true",
                    "零散工业地块所在地块群",
                    pale(Color::rgb(251, 180, 174)),
                ),
                category("", "其他工业地块群", pale(Color::rgb(222, 203, 228))),
            ],
        },
        outline: None,
        label: None,
    }
}

/// The district outline: a dashed dark line, no fill.
pub fn boundary() -> Style {
    Style {
        name: "outline",
        description: "行政区界".into(),
        renderer: Renderer::Single(Symbol {
            dashed: true,
            ..Symbol::outline(Color::rgb(40, 40, 40), 0.6)
        }),
        outline: None,
        label: None,
    }
}

/// Micro-enterprise parks graduated by floor-area ratio (light to dark
/// blue), those below the district's minimum FAR outlined in red.
pub fn parks_by_far() -> Style {
    let classes = [
        (0.0, 1.0, "< 1.0", Color::rgb(222, 235, 247)),
        (1.0, 1.5, "1.0 – 1.5", Color::rgb(158, 202, 225)),
        (1.5, 2.0, "1.5 – 2.0", Color::rgb(66, 146, 198)),
        (2.0, 100.0, "≥ 2.0（工业上楼）", Color::rgb(8, 69, 148)),
    ];
    Style {
        name: "far",
        description: "按容积率分级，低于下限红框".into(),
        renderer: Renderer::Graduated {
            expression: "far".into(),
            ranges: classes
                .iter()
                .map(|&(lower, upper, label, c)| Range {
                    lower,
                    upper,
                    label: label.into(),
                    symbol: Symbol::filled(c),
                })
                .collect(),
        },
        outline: Some(OutlineRule {
            when: "\"far_below_min\"".into(),
            color: RED,
            width_mm: 0.8,
        }),
        label: None,
    }
}

/// Vacated (腾退) records by their status.
pub fn vacated_by_status() -> Style {
    Style {
        name: "status",
        description: "按腾退状态".into(),
        renderer: Renderer::Categorized {
            expression: "status".into(),
            categories: vec![
                category("done", "已腾退", Symbol::filled(GREEN)),
                category("in_progress", "腾退中", Symbol::filled(YELLOW)),
                category("planned", "计划腾退", Symbol::filled(ORANGE)),
                category("", "其他", Symbol::filled(GREY)),
            ],
        },
        outline: None,
        label: None,
    }
}

/// Vacated records by the result of checking them against the land they
/// claim.
pub fn vacated_by_check() -> Style {
    Style {
        name: "check",
        description: "按核查结果".into(),
        renderer: Renderer::Categorized {
            expression: "check".into(),
            categories: vec![
                category("ok", "核查通过", Symbol::filled(GREEN)),
                category("", "核查有问题", Symbol::filled(RED)),
            ],
        },
        outline: None,
        label: None,
    }
}

/// Low-density industrial parcels (提档升级 candidates): orange, labelled
/// with their FAR.
pub fn low_density_parcels() -> Style {
    Style {
        name: "low_density",
        description: "低效工业用地（容积率低于下限）".into(),
        renderer: Renderer::Single(Symbol {
            stroke: Color::rgb(166, 86, 0),
            stroke_mm: 0.3,
            ..Symbol::filled(Color::rgb(253, 174, 97))
        }),
        outline: None,
        label: Some(Label {
            expression: "'FAR ' || format_number(\"far\", 2)".into(),
            size_pt: 7.0,
            color: Color::rgb(120, 60, 0),
        }),
    }
}

/// Vacated blocks: effective ones green, the rest grey.
pub fn vacated_blocks() -> Style {
    Style {
        name: "effective",
        description: "按是否计入有效面积".into(),
        renderer: Renderer::Categorized {
            expression: "effective".into(),
            categories: vec![
                category("true", "计入有效面积", Symbol::filled(GREEN)),
                category("", "零星，不计入", Symbol::filled(GREY)),
            ],
        },
        outline: None,
        label: Some(Label {
            expression: "format_number(\"area_mu\", 1) || ' 亩'".into(),
            size_pt: 7.0,
            color: Color::rgb(0, 80, 0),
        }),
    }
}

/// Townships: a thin grey outline labelled with the name.
pub fn townships() -> Style {
    Style {
        name: "outline",
        description: "乡镇（街道）界线".into(),
        renderer: Renderer::Single(Symbol::outline(Color::rgb(110, 110, 110), 0.4)),
        outline: None,
        label: Some(Label {
            expression: "coalesce(\"name\", \"code\")".into(),
            size_pt: 9.0,
            color: DARK,
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
    fn disposition_style_has_the_five_classes_in_their_colours() {
        let xml = qml(&enterprises_by_disposition(), SymbolKind::Marker, &[]);
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
                "227,26,28,255",
                "255,127,0,255",
                "31,120,180,255",
                "255,215,0,255",
                "160,160,160,255"
            ]
        );
        assert!(xml.contains(r#"class="SimpleMarker""#));
        assert!(xml.contains(r#"labelsEnabled="0""#));
    }

    #[test]
    fn grade_style_colours_a_to_d_green_blue_yellow_red() {
        let doc_xml = qml(&enterprises_by_grade(), SymbolKind::Marker, &[]);
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
        let xml = qml(&scattered_parcels(), SymbolKind::Fill, &aliases);
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
    fn parks_are_graduated_by_far_with_low_far_outlined() {
        let xml = qml(&parks_by_far(), SymbolKind::Fill, &[]);
        let doc = parse(&xml);
        let r = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("type"), Some("graduatedSymbol"));
        assert_eq!(r.attribute("attr"), Some("far"));
        let bounds: Vec<(&str, &str)> = r
            .descendants()
            .filter(|n| n.has_tag_name("range"))
            .map(|n| (n.attribute("lower").unwrap(), n.attribute("upper").unwrap()))
            .collect();
        assert_eq!(
            bounds,
            [("0", "1"), ("1", "1.5"), ("1.5", "2"), ("2", "100")]
        );
        // every class's symbol layer carries the outline rule
        let rules: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Option") && n.attribute("name") == Some("outlineColor"))
            .map(|n| {
                n.children()
                    .find(|c| c.attribute("name") == Some("expression"))
                    .unwrap()
                    .attribute("value")
                    .unwrap()
            })
            .collect();
        assert_eq!(rules.len(), 4);
        assert_eq!(
            rules[0],
            "if(\"far_below_min\", '227,26,28,255', '60,60,60,255')"
        );
    }

    #[test]
    fn vacated_styles_classify_status_and_check() {
        for (style, attr, n) in [
            (vacated_by_status(), "status", 4),
            (vacated_by_check(), "check", 2),
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
    }

    #[test]
    fn text_is_escaped() {
        let mut s = boundary();
        s.description = "<&>".into();
        let xml = qml(
            &Style {
                label: Some(Label {
                    expression: "'a<b' || \"x\"".into(),
                    size_pt: 8.0,
                    color: DARK,
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
    }
}
