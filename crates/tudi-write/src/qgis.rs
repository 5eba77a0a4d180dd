//! `tudi.qgs`: a QGIS project over `tudi.gpkg` — layers grouped and drawn
//! in their default styles (the others one click away in the style
//! manager), shown in the CGCS2000 Gauss–Krüger zone of the district, and
//! an A3 print layout (title, legend, scale bar, north arrow, date) ready
//! to export. Written from templates, byte-for-byte reproducible.

use std::fmt::Write as _;

use geo::{Coord, Rect};

use super::escape;
use super::gpkg::{GeometryKind, Layer};
use super::styles::{qml, qml_body, Alias, FONT};
use tudi_core::crs::tm::TransverseMercator;
use tudi_core::error::{Error, Result};
use tudi_core::model::union_rect;
use tudi_core::vocab::{self, Lang};

/// The CGCS2000 3-degree Gauss–Krüger CRS (no zone prefix, EPSG:4534 at
/// 75°E … EPSG:4554 at 135°E) whose central meridian is nearest `lon`:
/// planners' maps are drawn in it, and it keeps scale bars true.
pub fn gauss_kruger_epsg(lon: f64) -> (u32, TransverseMercator) {
    let zone = (lon / 3.0).round().clamp(25.0, 45.0) as u32;
    (
        4534 + zone - 25,
        TransverseMercator::gauss_kruger_3deg(zone, false),
    )
}

/// A CRS as QGIS reads it: QGIS 3.22 resolves a project's CRS from its
/// WKT, not from the authority code alone.
fn crs_xml(epsg: u32) -> Result<String> {
    let wkt = gdal::spatial_ref::SpatialRef::from_epsg(epsg)
        .and_then(|s| s.to_wkt())
        .map_err(|e| Error::Gdal(format!("EPSG:{epsg}: {e}")))?;
    Ok(format!(
        "<spatialrefsys><wkt>{}</wkt><authid>EPSG:{epsg}</authid></spatialrefsys>",
        escape(&wkt)
    ))
}

fn extent_xml(tag: &str, r: &Rect<f64>) -> String {
    format!(
        "<{tag}><xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax></{tag}>",
        r.min().x,
        r.min().y,
        r.max().x,
        r.max().y
    )
}

/// The projected box around a longitude/latitude box (edges sampled, as
/// a Transverse Mercator bends them).
fn project_rect(tm: &TransverseMercator, r: &Rect<f64>) -> Rect<f64> {
    let (mut lo, mut hi) = (
        Coord {
            x: f64::MAX,
            y: f64::MAX,
        },
        Coord {
            x: f64::MIN,
            y: f64::MIN,
        },
    );
    for i in 0..=8 {
        let t = f64::from(i) / 8.0;
        let x = r.min().x + t * r.width();
        let y = r.min().y + t * r.height();
        for (lon, lat) in [
            (x, r.min().y),
            (x, r.max().y),
            (r.min().x, y),
            (r.max().x, y),
        ] {
            let (e, n) = tm.forward(lon, lat);
            lo = Coord {
                x: lo.x.min(e),
                y: lo.y.min(n),
            };
            hi = Coord {
                x: hi.x.max(e),
                y: hi.y.max(n),
            };
        }
    }
    Rect::new(lo, hi)
}

/// `r` padded by 4 % and widened to the aspect ratio `w / h`.
fn fit(r: &Rect<f64>, w: f64, h: f64) -> Rect<f64> {
    let c = r.center();
    let (mut half_w, mut half_h) = (r.width() * 0.52 + 1.0, r.height() * 0.52 + 1.0);
    if half_w / half_h < w / h {
        half_w = half_h * w / h;
    } else {
        half_h = half_w * h / w;
    }
    Rect::new(
        Coord {
            x: c.x - half_w,
            y: c.y - half_h,
        },
        Coord {
            x: c.x + half_w,
            y: c.y + half_h,
        },
    )
}

/// A round scale-bar segment (1, 2 or 5 × 10ⁿ metres) near `m`.
fn nice(m: f64) -> f64 {
    let p = 10f64.powf(m.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * p)
        .rfind(|&v| v <= m)
        .unwrap_or(p)
}

fn layer_id(layer: &Layer) -> String {
    // QGIS keeps a layer id from the project only when it is longer than
    // ten characters (QgsMapLayer::readLayerXml); a shorter one (`tudi_parks`)
    // is replaced by a random id, and the layer falls out of the layer tree.
    format!("tudi_layer_{}", layer.name)
}

/// What the project needs to know of the written GeoPackage.
pub struct ProjectInput<'a, 'l> {
    /// The map's title, e.g. the project name + 低散乱整治作战图.
    pub title: &'a str,
    /// The GeoPackage's file name, beside the project.
    pub gpkg: &'a str,
    pub layers: &'a [Layer<'l>],
    /// Each layer's extent (longitude/latitude), from the writer.
    pub extents: &'a [Option<Rect<f64>>],
    /// The extent (longitude/latitude) the map frames, else that of all
    /// layers.
    pub frame: Option<Rect<f64>>,
    /// The language of the layout's texts.
    pub lang: Lang,
    /// The report date (the run's `as_of`), printed on the layout.
    pub date: &'a str,
}

// Page and item geometry of the A3 landscape layout, mm.
const PAGE: (f64, f64) = (420.0, 297.0);
const MAP: (f64, f64, f64, f64) = (10.0, 24.0, 305.0, 263.0);

/// The `.qgs` project XML, and the EPSG code of its CRS.
pub fn project_xml(p: &ProjectInput<'_, '_>) -> Result<(String, u32)> {
    let lonlat = p
        .frame
        .into_iter()
        .chain(
            p.frame
                .is_none()
                .then_some(p.extents)
                .into_iter()
                .flatten()
                .flatten()
                .copied(),
        )
        .reduce(union_rect)
        // nothing to show: a small box at Xiuzhou keeps QGIS's view sane
        .unwrap_or_else(|| Rect::new(Coord { x: 120.6, y: 30.7 }, Coord { x: 120.7, y: 30.8 }));
    let (epsg, tm) = gauss_kruger_epsg(lonlat.center().x);
    let view = fit(&project_rect(&tm, &lonlat), MAP.2, MAP.3);

    let mut x = String::with_capacity(1 << 16);
    let _ = writeln!(
        x,
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis projectname="{title}" version="3.22.16-Białowieża">
<homePath path=""/>
<title>{title}</title>
<projectCrs>{crs}</projectCrs>"#,
        title = escape(p.title),
        crs = crs_xml(epsg)?
    );

    // Layer tree: groups in the order their first layer comes.
    x.push_str("<layer-tree-group>\n<customproperties/>\n");
    let mut groups: Vec<&str> = Vec::new();
    for l in p.layers {
        if !groups.contains(&l.group) {
            groups.push(l.group);
        }
    }
    for g in &groups {
        let _ = writeln!(
            x,
            r#"<layer-tree-group name="{}" checked="Qt::Checked" expanded="1"><customproperties/>"#,
            escape(g)
        );
        for l in p.layers.iter().filter(|l| l.group == *g) {
            let _ = writeln!(
                x,
                r#"<layer-tree-layer id="{}" name="{}" source="./{}|layername={}" providerKey="ogr" checked="Qt::Checked" expanded="1" legend_exp="" patch_size="-1,-1" legend_split_behavior="0"><customproperties/></layer-tree-layer>"#,
                layer_id(l),
                escape(&l.title),
                escape(p.gpkg),
                l.name
            );
        }
        x.push_str("</layer-tree-group>\n");
    }
    x.push_str("</layer-tree-group>\n");

    let _ = writeln!(
        x,
        r#"<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>meters</units>{}<rotation>0</rotation><destinationsrs>{}</destinationsrs><rendermaptile>0</rendermaptile></mapcanvas>"#,
        extent_xml("extent", &view),
        crs_xml(epsg)?
    );

    x.push_str("<projectlayers>\n");
    for (l, e) in p.layers.iter().zip(p.extents) {
        let aliases: Vec<Alias> = l
            .fields
            .iter()
            .map(|f| Alias {
                field: f.name,
                alias: f.alias,
            })
            .collect();
        let kind = l.geometry.symbols();
        let default = &l.styles[0];
        let _ = writeln!(
            x,
            r#"<maplayer type="vector" geometry="{}" wkbType="{}" labelsEnabled="{}" hasScaleBasedVisibilityFlag="0" minScale="100000000" maxScale="0" readOnly="0" autoRefreshEnabled="0" autoRefreshTime="0" refreshOnNotifyEnabled="0" simplifyDrawingHints="1" simplifyAlgorithm="0" simplifyDrawingTol="1" simplifyLocal="1" simplifyMaxScale="1" styleCategories="AllStyleCategories">
{}
<id>{}</id>
<datasource>./{}|layername={}</datasource>
<layername>{}</layername>
<srs>{}</srs>
<resourceMetadata><type>dataset</type><title>{}</title><abstract>{}</abstract></resourceMetadata>
<provider encoding="UTF-8">ogr</provider>"#,
            match l.geometry {
                GeometryKind::Point => "Point",
                GeometryKind::LineString => "Line",
                GeometryKind::MultiPolygon => "Polygon",
            },
            match l.geometry {
                GeometryKind::Point => "Point",
                GeometryKind::LineString => "LineString",
                GeometryKind::MultiPolygon => "MultiPolygon",
            },
            u8::from(default.label.is_some()),
            e.map(|e| extent_xml("extent", &e)).unwrap_or_default(),
            layer_id(l),
            escape(p.gpkg),
            l.name,
            escape(&l.title),
            crs_xml(4490)?,
            escape(&l.title),
            escape(&l.description),
        );
        x.push_str(&qml_body(default, kind, &aliases));
        // The other styles, as QGIS's style manager stores them: the
        // current one's content is the layer's own.
        let _ = writeln!(
            x,
            r#"<map-layer-style-manager current="{}"><map-layer-style name="{}"/>"#,
            escape(default.name),
            escape(default.name)
        );
        for s in &l.styles[1..] {
            let doc = qml(s, kind, &aliases);
            let root = doc.split_once('\n').map_or(doc.as_str(), |(_, rest)| rest);
            let _ = writeln!(
                x,
                r#"<map-layer-style name="{}">{}</map-layer-style>"#,
                escape(s.name),
                root.trim_end()
            );
        }
        x.push_str("</map-layer-style-manager>\n</maplayer>\n");
    }
    x.push_str("</projectlayers>\n");

    let _ = writeln!(
        x,
        r#"<properties>
<Paths><Absolute type="bool">false</Absolute></Paths>
<SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled></SpatialRefSys>
<Measure><Ellipsoid type="QString">EPSG:1024</Ellipsoid></Measure>
<Measurement><DistanceUnits type="QString">meters</DistanceUnits><AreaUnits type="QString">m2</AreaUnits></Measurement>
</properties>"#
    );
    layout_xml(&mut x, p, epsg, &view)?;
    x.push_str("</qgis>\n");
    Ok((x, epsg))
}

const MAP_UUID: &str = "{7a3c0001-0000-4000-8000-000000000001}";

/// QFont::toString for a plain or bold font of `size` points.
fn font(size: u32, bold: bool) -> String {
    format!(
        "{FONT},{size},-1,5,{},0,0,0,0,0",
        if bold { 75 } else { 50 }
    )
}

fn item_open(x: &mut String, type_: u32, n: u32, pos: (f64, f64), size: (f64, f64), extra: &str) {
    let _ = write!(
        x,
        r#"<LayoutItem type="{type_}" uuid="{{7a3c0001-0000-4000-8000-00000000000{n}}}" templateUuid="{{7a3c0001-0000-4000-8000-00000000000{n}}}" id="" position="{},{},mm" positionOnPage="{},{},mm" size="{},{},mm" referencePoint="0" zValue="{n}" visibility="1" positionLock="false" itemRotation="0" opacity="1" blendMode="0" excludeFromExports="0" groupUuid="" outlineWidthM="0.3,mm" frameJoinStyle="miter" {extra}>"#,
        pos.0, pos.1, pos.0, pos.1, size.0, size.1
    );
    x.push('\n');
}

fn label_item(
    x: &mut String,
    n: u32,
    pos: (f64, f64),
    size: (f64, f64),
    text: &str,
    font_desc: &str,
    halign: u32,
) {
    item_open(
        x,
        65641,
        n,
        pos,
        size,
        &format!(
            r#"labelText="{}" htmlState="0" marginX="0" marginY="0" halign="{halign}" valign="128" frame="false" background="false""#,
            escape(text)
        ),
    );
    let _ = writeln!(
        x,
        r#"<LabelFont description="{font_desc}" style=""/><FontColor red="0" green="0" blue="0" alpha="255"/></LayoutItem>"#
    );
}

fn text_style(size: u32) -> String {
    format!(
        r#"<text-style fontFamily="{FONT}" fontSize="{size}" fontSizeUnit="Point" fontWeight="50" textColor="0,0,0,255" textOpacity="1" namedStyle="Regular"><families/><text-buffer bufferDraw="0" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255"/></text-style>"#
    )
}

fn layout_xml(x: &mut String, p: &ProjectInput, epsg: u32, view: &Rect<f64>) -> Result<()> {
    let (title, lang) = (p.title, p.lang);
    let _ = writeln!(
        x,
        r#"<Layouts>
<Layout name="{}" units="mm" printResolution="300" worldFileMap="">
<PageCollection>"#,
        escape(title)
    );
    item_open(
        x,
        65638,
        0,
        (0.0, 0.0),
        PAGE,
        r#"frame="false" background="true""#,
    );
    x.push_str("</LayoutItem>\n<GuideCollection visible=\"0\"/>\n</PageCollection>\n");

    // map
    item_open(
        x,
        65639,
        1,
        (MAP.0, MAP.1),
        (MAP.2, MAP.3),
        r#"frame="true" background="true" keepLayerSet="false" followPreset="false" followPresetName="" drawCanvasItems="true" mapRotation="0" mapFlags="0" labelMargin="0,mm" isTemporal="0""#,
    );
    let _ = writeln!(
        x,
        r#"<FrameColor red="0" green="0" blue="0" alpha="255"/><BackgroundColor red="255" green="255" blue="255" alpha="255"/>{}<crs>{}</crs><LayerSet/><AtlasMap atlasDriven="0" scalingMode="2" margin="0.1"/></LayoutItem>"#,
        format_args!(
            r#"<Extent xmin="{}" ymin="{}" xmax="{}" ymax="{}"/>"#,
            view.min().x,
            view.min().y,
            view.max().x,
            view.max().y
        ),
        crs_xml(epsg)?
    );

    label_item(x, 2, (10.0, 6.0), (400.0, 14.0), title, &font(24, true), 4);

    // legend, right of the map: the classes drawn on it, as the report's
    // map lists them
    item_open(
        x,
        65642,
        3,
        (322.0, MAP.1),
        (88.0, 180.0),
        &format!(
            r##"map_uuid="{MAP_UUID}" title="{}" titleAlignment="1" columnCount="1" splitLayer="0" equalColumnWidth="0" resizeToContents="1" symbolWidth="7" symbolHeight="4" symbolAlignment="1" lineSpacing="1" boxSpace="2" columnSpace="2" wrapChar="" fontColor="#000000" rasterBorder="1" legendFilterByMap="1" legendFilterByAtlas="0" frame="true" background="true""##,
            lang.pick("图例", "Legend")
        ),
    );
    let _ = writeln!(
        x,
        r#"<FrameColor red="0" green="0" blue="0" alpha="255"/><BackgroundColor red="255" green="255" blue="255" alpha="255"/><styles>
<style name="title" marginBottom="3.5" alignment="1"><styleFont description="{}" style=""/></style>
<style name="group" marginTop="3" alignment="1"><styleFont description="{}" style=""/></style>
<style name="subgroup" marginTop="2.5" alignment="1"><styleFont description="{}" style=""/></style>
<style name="symbol" marginTop="2" alignment="1"><styleFont description="{}" style=""/></style>
<style name="symbolLabel" marginTop="2" marginLeft="2" alignment="1"><styleFont description="{}" style=""/></style>
</styles></LayoutItem>"#,
        font(16, true),
        font(12, true),
        font(11, false),
        font(10, false),
        font(10, false)
    );

    // north arrow, in the map's top-right corner, turning with the map
    item_open(
        x,
        65640,
        4,
        (MAP.0 + MAP.2 - 20.0, MAP.1 + 5.0),
        (14.0, 20.0),
        &format!(
            r#"file=":/images/north_arrows/layout_default_north_arrow.svg" mode="0" resizeMode="0" anchorPoint="0" mapUuid="{MAP_UUID}" northMode="0" northOffset="0" pictureRotation="0" svgFillColor="0,0,0,255" svgBorderColor="0,0,0,255" svgBorderWidth="0.2" frame="false" background="false""#
        ),
    );
    x.push_str("</LayoutItem>\n");

    // scale bar, under the legend: over the map it hid the features in
    // the corner; two round segments
    let map_width_m = view.width();
    let segment = nice(map_width_m / 10.0);
    let (unit, per_unit, label) = if segment >= 1000.0 {
        ("kilometers", 1000.0, vocab::KM.get(lang))
    } else {
        ("meters", 1.0, vocab::METRES.get(lang))
    };
    item_open(
        x,
        65646,
        5,
        (322.0, 240.0),
        (88.0, 14.0),
        &format!(
            r#"mapUuid="{MAP_UUID}" style="Single Box" unitType="{unit}" unitLabel="{label}" numMapUnitsPerScaleBarUnit="{per_unit}" numSegments="2" numSegmentsLeft="0" numSubdivisions="1" subdivisionsHeight="1.5" numUnitsPerSegment="{}" segmentSizeMode="0" minBarWidth="50" maxBarWidth="150" height="2" labelBarSpace="2" boxContentSpace="1" alignment="0" labelVerticalPlacement="0" labelHorizontalPlacement="0" lineJoinStyle="miter" lineCapStyle="square" outlineWidth="0.3" frame="false" background="true""#,
            // QGIS counts a segment in map units (metres), whatever unit
            // the labels use
            segment
        ),
    );
    let _ = writeln!(
        x,
        r#"<BackgroundColor red="255" green="255" blue="255" alpha="200"/>{}<fillColor red="0" green="0" blue="0" alpha="255"/><fillColor2 red="255" green="255" blue="255" alpha="255"/><strokeColor red="0" green="0" blue="0" alpha="255"/></LayoutItem>"#,
        text_style(9)
    );

    label_item(
        x,
        6,
        (322.0, 262.0),
        (88.0, 25.0),
        // the report date, not the day of printing: the layout shows the
        // run's data as of that day
        &match lang {
            Lang::Zh => format!(
                "坐标系：CGCS2000 3度带高斯-克吕格（EPSG:{epsg}）\n面积：CGCS2000 椭球面积\n制图：tudi　　截至：{}",
                p.date
            ),
            Lang::En => format!(
                "CRS: CGCS2000 3-degree Gauss-Krüger (EPSG:{epsg})\nAreas: on the CGCS2000 ellipsoid\nMade with tudi, as of {}",
                p.date
            ),
        },
        &font(9, false),
        1,
    );
    x.push_str("</Layout>\n</Layouts>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpkg::{Field, FieldKind, Geometry, Value};
    use crate::styles;

    fn layers() -> Vec<Layer<'static>> {
        let point = |name: &'static str, title: &str, group: &'static str| Layer {
            name,
            title: title.into(),
            description: format!("{title}说明"),
            group,
            geometry: GeometryKind::Point,
            fields: vec![Field::new("disposition", "处置方式", FieldKind::Text)],
            count: 1,
            feature: Box::new(|_| {
                (
                    Geometry::Point(Coord { x: 120.6, y: 30.8 }),
                    vec![Value::Null],
                )
            }),
            styles: vec![
                styles::enterprises_by_disposition(Lang::Zh),
                styles::enterprises_by_grade(Lang::Zh),
            ],
        };
        vec![
            point("enterprises", "企业", "整治对象"),
            point("others", "其他 & <别的>", "底图"),
        ]
    }

    fn doc(xml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse_with_options(
            xml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .expect("well-formed project")
    }

    #[test]
    fn the_gauss_kruger_zone_is_the_nearest_central_meridian() {
        assert_eq!(gauss_kruger_epsg(120.63).0, 4549);
        assert_eq!(gauss_kruger_epsg(121.6).0, 4550);
        assert_eq!(gauss_kruger_epsg(75.0).0, 4534);
        assert_eq!(gauss_kruger_epsg(134.9).0, 4554);
    }

    #[test]
    fn scale_bar_segments_are_round() {
        assert_eq!(nice(437.0), 200.0);
        assert_eq!(nice(1000.0), 1000.0);
        assert_eq!(nice(7300.0), 5000.0);
    }

    #[test]
    fn the_project_opens_every_layer_grouped_with_its_styles_and_a_layout() {
        let layers = layers();
        let extents = [Some(fixture_extent()), None];
        let (xml, epsg) = project_xml(&ProjectInput {
            title: "秀洲区 低散乱整治作战图",
            gpkg: "tudi.gpkg",
            layers: &layers,
            extents: &extents,
            frame: None,
            lang: Lang::Zh,
            date: "2020-12-31",
        })
        .unwrap();
        assert_eq!(epsg, 4549);
        let d = doc(&xml);
        let find = |tag: &'static str| d.descendants().filter(move |n| n.has_tag_name(tag));
        let crs = find("projectCrs").next().unwrap();
        assert_eq!(
            crs.descendants()
                .find(|n| n.has_tag_name("authid"))
                .unwrap()
                .text(),
            Some("EPSG:4549")
        );
        let groups: Vec<&str> = find("layer-tree-group")
            .filter_map(|g| g.attribute("name"))
            .collect();
        assert_eq!(groups, ["整治对象", "底图"]);
        let sources: Vec<&str> = find("datasource").map(|n| n.text().unwrap()).collect();
        assert_eq!(
            sources,
            [
                "./tudi.gpkg|layername=enterprises",
                "./tudi.gpkg|layername=others"
            ]
        );
        let names: Vec<&str> = find("layername").map(|n| n.text().unwrap()).collect();
        assert_eq!(names, ["企业", "其他 & <别的>"]);
        // the default style inline, the second in the style manager
        let ml = find("maplayer").next().unwrap();
        let renderer = ml
            .children()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(renderer.attribute("attr"), Some("disposition"));
        let manager = ml
            .children()
            .find(|n| n.has_tag_name("map-layer-style-manager"))
            .unwrap();
        assert_eq!(manager.attribute("current"), Some("disposition"));
        let grade = manager
            .children()
            .find(|n| n.attribute("name") == Some("grade"))
            .unwrap();
        let r = grade
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("attr"), Some("grade"));
        // the layout: title, map, legend, north arrow, scale bar, date
        let layout = find("Layout").next().unwrap();
        let types: Vec<&str> = layout
            .descendants()
            .filter(|n| n.has_tag_name("LayoutItem"))
            .map(|n| n.attribute("type").unwrap())
            .collect();
        assert_eq!(
            types,
            ["65638", "65639", "65641", "65642", "65640", "65646", "65641"]
        );
        // the report date, never the clock
        assert!(xml.contains("截至：2020-12-31") && !xml.contains("now()"));
        assert!(xml.contains(r#"title="图例""#) && xml.contains(r#"unitLabel="米""#));
        assert!(xml.contains(r#"legendFilterByMap="1""#));
        assert!(xml.contains(&format!("description=\"{FONT},24,")));
        // the map frames the data in metres: ~4.8 km wide, 4.4 km high
        let e = layout
            .descendants()
            .find(|n| n.has_tag_name("Extent"))
            .unwrap();
        let v = |k: &str| e.attribute(k).unwrap().parse::<f64>().unwrap();
        let (w, h) = (v("xmax") - v("xmin"), v("ymax") - v("ymin"));
        assert!((w / h - MAP.2 / MAP.3).abs() < 1e-9, "aspect {w}/{h}");
        assert!((4_500.0..6_000.0).contains(&w) && h > 4_400.0, "{w} × {h}");
        assert!((500_000.0..600_000.0).contains(&v("xmin")), "GK easting");
    }

    /// The hand-made district's extent, about 4.8 km by 4.4 km.
    fn fixture_extent() -> Rect<f64> {
        Rect::new(
            Coord {
                x: 120.60,
                y: 30.77,
            },
            Coord {
                x: 120.65,
                y: 30.81,
            },
        )
    }

    #[test]
    fn a_line_layer_is_a_linestring_layer_drawn_with_line_symbols() {
        let lines = Layer {
            name: "placements",
            geometry: GeometryKind::LineString,
            styles: vec![styles::move_lines(
                &[
                    tudi_core::analysis::enterprises::Disposition::IntoPark,
                    tudi_core::analysis::enterprises::Disposition::Relocate,
                ],
                Lang::Zh,
            )],
            ..layers().remove(0)
        };
        let (xml, _) = project_xml(&ProjectInput {
            title: "t",
            gpkg: "tudi.gpkg",
            layers: &[lines],
            extents: &[Some(fixture_extent())],
            frame: None,
            lang: Lang::Zh,
            date: "2020-12-31",
        })
        .unwrap();
        let d = doc(&xml);
        let ml = d
            .descendants()
            .find(|n| n.has_tag_name("maplayer"))
            .unwrap();
        assert_eq!(ml.attribute("geometry"), Some("Line"));
        assert_eq!(ml.attribute("wkbType"), Some("LineString"));
        let types: Vec<&str> = ml
            .descendants()
            .filter(|n| {
                n.has_tag_name("symbol") && n.attribute("name").is_some_and(|n| !n.starts_with('@'))
            })
            .map(|n| n.attribute("type").unwrap())
            .collect();
        assert_eq!(types, ["line", "line"]);
    }

    #[test]
    fn layer_ids_are_long_enough_for_qgis_to_keep() {
        // regression: `tudi_parks` (10 characters) was replaced on reading
        for l in layers() {
            assert!(layer_id(&l).chars().count() > 10, "{}", layer_id(&l));
        }
        let short = Layer {
            name: "a",
            ..layers().remove(0)
        };
        assert!(layer_id(&short).chars().count() > 10);
    }

    #[test]
    fn a_frame_extent_frames_the_map() {
        let layers = layers();
        let extents = [
            Some(fixture_extent()),
            Some(Rect::new(
                Coord { x: 120.3, y: 30.6 },
                Coord { x: 120.9, y: 31.0 },
            )),
        ];
        let input = |frame| ProjectInput {
            title: "t",
            gpkg: "tudi.gpkg",
            layers: &layers,
            extents: &extents,
            frame,
            lang: Lang::En,
            date: "2020-12-31",
        };
        let width = |xml: &str| {
            let d = doc(xml);
            let e = d.descendants().find(|n| n.has_tag_name("Extent")).unwrap();
            e.attribute("xmax").unwrap().parse::<f64>().unwrap()
                - e.attribute("xmin").unwrap().parse::<f64>().unwrap()
        };
        let framed_xml = project_xml(&input(extents[0])).unwrap().0;
        // an English run's layout speaks English
        assert!(framed_xml.contains(r#"title="Legend""#));
        assert!(framed_xml.contains("as of 2020-12-31"));
        let framed = width(&framed_xml);
        let all = width(&project_xml(&input(None)).unwrap().0);
        assert!(framed < all / 5.0, "{framed} vs {all}");
    }
}
