//! tudi.gpkg and tudi.qgs of a run on the hand-made district: the
//! GeoPackage holds the GeoJSON outputs' features with the same values,
//! booleans as booleans, and its styles; the project opens it.

mod common;

use common::*;
use gdal::vector::{FieldValue, LayerAccess};
use serde_json::Value;

fn as_json(v: Option<FieldValue>, want: &Value) -> Value {
    match (v, want) {
        (None, _) => Value::Null,
        (Some(FieldValue::IntegerValue(i)), Value::Bool(_)) => Value::Bool(i != 0),
        (Some(FieldValue::IntegerValue(i)), _) => i.into(),
        (Some(FieldValue::Integer64Value(i)), _) => i.into(),
        (Some(FieldValue::RealValue(r)), _) => serde_json::Number::from_f64(r).unwrap().into(),
        (Some(FieldValue::StringValue(s)), Value::Array(_)) => Value::Array(
            s.split(';')
                .filter(|g| !g.is_empty())
                .map(|g| g.into())
                .collect(),
        ),
        (Some(FieldValue::StringValue(s)), _) => s.into(),
        (Some(FieldValue::DateValue(d)), _) => d.to_string().into(),
        (Some(other), _) => panic!("unexpected {other:?}"),
    }
}

/// Every feature of `layer` in the GeoPackage has its GeoJSON twin's
/// values, in the same order.
fn same_as_geojson(
    ds: &gdal::Dataset,
    out: &std::path::Path,
    layer: &str,
    geojson: &str,
    count: &Value,
) {
    let mut lyr = ds.layer_by_name(layer).unwrap();
    assert_eq!(Some(lyr.feature_count()), count.as_u64(), "{layer}");
    assert_eq!(lyr.spatial_ref().unwrap().auth_code().unwrap(), 4490);
    let features = json(&out.join(geojson));
    let features = features["features"].as_array().unwrap();
    assert_eq!(features.len() as u64, lyr.feature_count(), "{layer}");
    for (f, g) in lyr.features().zip(features) {
        for (key, want) in g["properties"].as_object().unwrap() {
            let idx = f.field_index(key).unwrap();
            let got = as_json(f.field(idx).unwrap(), want);
            let same = match (&got, want) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                _ => &got == want,
            };
            assert!(same, "{layer} {key}: {got} != {want}");
        }
    }
}

#[test]
fn parks_vacated_land_and_low_density_parcels_are_in_the_geopackage_too() {
    let out = run_ok(&fixture("land/project.toml"), "maps-land");
    let s = json(&out.join("summary.json"));
    let ds = gdal::Dataset::open(out.join("tudi.gpkg")).unwrap();
    same_as_geojson(&ds, &out, "parks", "parks.geojson", &s["parks"]["count"]);
    same_as_geojson(
        &ds,
        &out,
        "vacated",
        "vacated.geojson",
        &s["vacated"]["records"],
    );
    same_as_geojson(
        &ds,
        &out,
        "vacated_blocks",
        "vacated_blocks.geojson",
        &s["vacated"]["blocks"],
    );
    same_as_geojson(
        &ds,
        &out,
        "low_density_parcels",
        "low_density_parcels.geojson",
        &s["far"]["low_density_parcels"],
    );
    same_as_geojson(
        &ds,
        &out,
        "enterprises",
        "enterprises.geojson",
        &s["enterprises"]["count"],
    );
    let mut towns = ds.layer_by_name("townships").unwrap();
    let got: Vec<(String, f64)> = towns
        .features()
        .map(|f| {
            (
                f.field_as_string(f.field_index("name").unwrap())
                    .unwrap()
                    .unwrap(),
                f.field_as_double(f.field_index("vacated_gross_mu").unwrap())
                    .unwrap()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("新城街道".to_string(), 69.75),
            ("塘汇街道".to_string(), 19.8)
        ]
    );
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let styles: i64 = db
        .query_row(
            "SELECT count(*) FROM layer_styles WHERE f_table_name = 'vacated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(styles, 2, "by status (default) and by check");
    let defaults: Vec<String> = db
        .prepare("SELECT f_table_name || ':' || styleName FROM layer_styles WHERE useAsDefault ORDER BY fid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        defaults,
        [
            "enterprises:disposition",
            "placements:sought",
            "parks:far",
            "vacated:status",
            "vacated_blocks:effective",
            "scattered_parcels:scattered",
            "low_density_parcels:low_density",
            "blocks:scattered",
            "townships:outline",
        ]
    );
}

#[test]
fn the_geopackage_holds_every_output_layer_with_the_geojson_values() {
    let out = run_ok(&fixture("district/project.toml"), "maps");
    let summary = json(&out.join("summary.json"));
    let ds = gdal::Dataset::open(out.join("tudi.gpkg")).unwrap();
    for (layer, geojson, count) in [
        (
            "enterprises",
            "enterprises.geojson",
            &summary["enterprises"]["count"],
        ),
        (
            "scattered_parcels",
            "scattered_parcels.geojson",
            &summary["scattered"]["parcels"],
        ),
        ("blocks", "blocks.geojson", &summary["blocks"]["count"]),
    ] {
        same_as_geojson(&ds, &out, layer, geojson, count);
    }
    // each layer has its default style
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let styled: Vec<(String, String)> = db
        .prepare("SELECT f_table_name, styleName FROM layer_styles WHERE useAsDefault ORDER BY fid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let styled: Vec<(&str, &str)> = styled
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        styled,
        [
            ("enterprises", "disposition"),
            ("scattered_parcels", "scattered"),
            ("blocks", "scattered")
        ]
    );
    let qgs = std::fs::read_to_string(out.join("tudi.qgs")).unwrap();
    for layer in ["enterprises", "scattered_parcels", "blocks"] {
        assert!(qgs.contains(&format!(
            "<datasource>./tudi.gpkg|layername={layer}</datasource>"
        )));
    }
    // Gauss–Krüger zone 40 without prefix: the fixture lies near 120°E
    assert!(qgs.contains("<authid>EPSG:4549</authid>"));
}

type Rgb = (u8, u8, u8);

/// `r,g,b,a` (QGIS) or `#rrggbb` (SVG) as (r, g, b).
fn rgb(colour: &str) -> Rgb {
    if let Some(hex) = colour.strip_prefix('#') {
        let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        (c(0), c(2), c(4))
    } else {
        let v: Vec<u8> = colour.split(',').map(|v| v.parse().unwrap()).collect();
        (v[0], v[1], v[2])
    }
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap()
}

/// A QGIS style's categories: label → (fill, outline) of its symbol (a
/// line's colour for both).
fn qml_classes(qml: &str) -> Vec<(String, Rgb, Rgb)> {
    let doc = parse_xml(qml);
    let option = |symbol: roxmltree::Node, name: &str| {
        let find = |name: &str| {
            symbol
                .descendants()
                .find(|n| n.has_tag_name("Option") && n.attribute("name") == Some(name))
        };
        let line = symbol.attribute("type") == Some("line");
        rgb(find(if line { "line_color" } else { name })
            .unwrap()
            .attribute("value")
            .unwrap())
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("category"))
        .map(|c| {
            let symbol = doc
                .descendants()
                .find(|n| n.has_tag_name("symbol") && n.attribute("name") == c.attribute("symbol"))
                .unwrap();
            (
                c.attribute("label").unwrap().to_string(),
                option(symbol, "color"),
                option(symbol, "outline_color"),
            )
        })
        .collect()
}

/// The SVG legend's rows: label → (fill, outline) of the swatch (a dot's
/// outline is its white halo).
fn svg_legend(svg: &str) -> Vec<(String, Rgb, Option<Rgb>)> {
    let doc = parse_xml(svg);
    let legend = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("legend"))
        .unwrap();
    let nodes: Vec<roxmltree::Node> = legend.children().filter(|n| n.is_element()).collect();
    nodes
        .windows(2)
        .filter(|w| w[1].has_tag_name("text") && !w[0].has_tag_name("text"))
        .map(|w| {
            let fill = w[0]
                .attribute("fill")
                .filter(|f| *f != "none")
                .or(w[0].attribute("stroke"))
                .unwrap();
            let stroke = w[0]
                .attribute("stroke")
                .filter(|_| w[0].has_tag_name("rect"));
            (w[1].text().unwrap().to_string(), rgb(fill), stroke.map(rgb))
        })
        .collect()
}

#[test]
fn the_report_map_and_the_qgis_styles_show_the_same_classes_in_the_same_colours() {
    // the sample district: what the SVG legend lists is, class for class,
    // in the GeoPackage's QGIS style, with the same label and colours
    let dir = sample("maps-same-style", |_| {});
    let out = run_ok(&dir.join("project.toml"), "maps-same-style-run");
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    let legend = svg_legend(&svg);
    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    for (table, style, at_least) in [
        ("parks", "far", 2), // the sample's opened parks: under 1.2 and 1.2–2.0
        ("enterprises", "disposition", 4),
        ("vacated", "status", 3),
    ] {
        let qml: String = db
            .query_row(
                "SELECT styleQML FROM layer_styles WHERE f_table_name = ?1 AND styleName = ?2",
                [table, style],
                |r| r.get(0),
            )
            .unwrap();
        let classes = qml_classes(&qml);
        let mut matched = 0;
        for (label, fill, outline) in &classes {
            let Some((_, svg_fill, svg_outline)) = legend.iter().find(|(l, _, _)| l == label)
            else {
                continue;
            };
            assert_eq!(svg_fill, fill, "{table}: fill of {label}");
            if table != "enterprises" {
                assert_eq!(
                    svg_outline.as_ref(),
                    Some(outline),
                    "{table}: outline of {label}"
                );
            }
            matched += 1;
        }
        assert!(
            matched >= at_least,
            "{table}: {matched} classes shared of {classes:?}, legend {legend:?}"
        );
    }
    // every class of the SVG's legend that stands for parks, firms or
    // vacated land is one of the style's (no class of its own)
    for (label, _, _) in &legend {
        if label.starts_with("小微园") || label.contains("腾退") && label != "腾退核查未通过"
        {
            let any = db
                .prepare("SELECT styleQML FROM layer_styles")
                .unwrap()
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .any(|q| qml_classes(&q.unwrap()).iter().any(|(l, _, _)| l == label));
            assert!(any, "{label} is in no QGIS style");
        }
    }
    // the park classes break at the rules' minimum (1.2 by default)
    assert!(legend
        .iter()
        .any(|(l, _, _)| l == "小微园 容积率 < 1.2（未达标）"));
}

/// A `<text>`'s box: centred, start- or end-anchored at x, from 0.8 em
/// above the baseline to 0.2 em below it; CJK (any non-ASCII) 1 em wide,
/// ASCII 0.6 em.
fn text_box(t: roxmltree::Node) -> [f64; 4] {
    let num = |k: &str| t.attribute(k).unwrap().parse::<f64>().unwrap();
    let (x, y, size) = (num("x"), num("y"), num("font-size"));
    let text = t.text().unwrap_or("");
    let w: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size;
    let left = match t.attribute("text-anchor") {
        Some("middle") => x - w / 2.0,
        Some("end") => x - w,
        _ => x,
    };
    [left, y - 0.8 * size, left + w, y + 0.2 * size]
}

#[test]
fn no_two_labels_of_the_sample_map_overlap_and_all_lie_inside_their_frame() {
    // the sample district's map at the default width and at 900 px: every
    // text box is clear of every other, map names lie inside the map's
    // view, every text inside the page; park names are at least 10 px
    let dir = scratch("maps-labels");
    for width in ["1600", "900"] {
        let file = dir.join(format!("map-{width}.svg"));
        let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/project.toml");
        let o = tudi(&[
            "map",
            project.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
            "--width",
            width,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let svg = std::fs::read_to_string(&file).unwrap();
        let doc = parse_xml(&svg);
        let root = doc.root_element();
        let view: Vec<f64> = root
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        let clip = doc
            .descendants()
            .find(|n| n.has_tag_name("clipPath"))
            .unwrap();
        let r = clip.children().find(|n| n.has_tag_name("rect")).unwrap();
        let v = |k: &str| r.attribute(k).unwrap().parse::<f64>().unwrap();
        let frame = [v("x"), v("y"), v("x") + v("width"), v("y") + v("height")];
        let texts: Vec<(roxmltree::Node, [f64; 4])> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|t| (t, text_box(t)))
            .collect();
        assert!(texts.len() > 30, "{}", texts.len());
        let inside = |b: &[f64; 4], f: [f64; 4]| {
            f[0] <= b[0] && f[1] <= b[1] && b[2] <= f[2] && b[3] <= f[3]
        };
        let mut map_names = 0;
        for (t, b) in &texts {
            let label = t.text().unwrap_or("");
            assert!(
                inside(b, [0.0, 0.0, view[2], view[3]]),
                "{width}: {label} {b:?} off the page"
            );
            // map names: haloed (a white stroke)
            if t.attribute("stroke") == Some("#ffffff") {
                map_names += 1;
                assert!(
                    inside(b, frame),
                    "{width}: {label} {b:?} outside the frame {frame:?}"
                );
                let size: f64 = t.attribute("font-size").unwrap().parse().unwrap();
                assert!(size >= 10.0, "{width}: {label} at {size} px");
            }
        }
        assert!(map_names >= 15, "{width}: {map_names} names");
        for (i, (a, ba)) in texts.iter().enumerate() {
            for (b, bb) in &texts[i + 1..] {
                let clear = ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1];
                assert!(
                    clear,
                    "{width}: {:?} {ba:?} overlaps {:?} {bb:?}",
                    a.text(),
                    b.text()
                );
            }
        }
    }
}

#[test]
fn each_placed_firm_has_a_line_from_where_it_stands_into_its_park() {
    // the placement fixture (9 of 14 firms placed): the GeoPackage's
    // placements layer has one LineString per placed firm, in the CSV's
    // order and with its values, starting at the firm, ending inside its
    // park, as long (GeographicLib, on CGCS2000's ellipsoid) as the
    // distance reported; drawn by its style in the GeoPackage and in the
    // QGIS project, above the parks
    let out = run_ok(&fixture("placement/project.toml"), "maps-moves");
    let rows = csv_table(&out.join("placements.csv"));
    assert_eq!(rows.len(), 14);
    let placed: Vec<_> = rows.iter().filter(|r| !r["park"].is_empty()).collect();
    assert_eq!(placed.len(), 9);

    let firms = json(&out.join("enterprises.geojson"));
    let firm_at = |code: &str| -> (f64, f64) {
        let f = firms["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["credit_code"] == code)
            .unwrap();
        let c = &f["geometry"]["coordinates"];
        (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
    };
    let ds = gdal::Dataset::open(out.join("tudi.gpkg")).unwrap();
    let mut parks = ds.layer_by_name("parks").unwrap();
    let park_shapes: Vec<(String, gdal::vector::Geometry)> = parks
        .features()
        .map(|f| {
            (
                f.field_as_string(f.field_index("name").unwrap())
                    .unwrap()
                    .unwrap(),
                f.geometry().unwrap().clone(),
            )
        })
        .collect();
    let mut lyr = ds.layer_by_name("placements").unwrap();
    assert_eq!(lyr.feature_count(), 9);
    assert_eq!(lyr.spatial_ref().unwrap().auth_code().unwrap(), 4490);
    let g = geographiclib_rs::Geodesic::new(6_378_137.0, 1.0 / 298.257_222_101);
    for (f, row) in lyr.features().zip(&placed) {
        for key in ["credit_code", "sought", "park", "disposition"] {
            let got = f
                .field_as_string(f.field_index(key).unwrap())
                .unwrap()
                .unwrap_or_default();
            assert_eq!(&got, &row[key], "{key}");
        }
        let line = f.geometry().unwrap();
        assert_eq!(
            line.geometry_type(),
            gdal_sys::OGRwkbGeometryType::wkbLineString
        );
        let mut points = Vec::new();
        line.get_points(&mut points);
        assert_eq!(points.len(), 2);
        let (from, to) = ((points[0].0, points[0].1), (points[1].0, points[1].1));
        let firm = firm_at(&row["credit_code"]);
        assert!(
            (from.0 - firm.0).abs() < 1e-7 && (from.1 - firm.1).abs() < 1e-7,
            "{}: {from:?} vs {firm:?}",
            row["name"]
        );
        let park = &park_shapes
            .iter()
            .find(|(n, _)| n == &row["park"])
            .unwrap()
            .1;
        let end = gdal::vector::Geometry::from_wkt(&format!("POINT ({} {})", to.0, to.1)).unwrap();
        assert!(
            park.contains(&end),
            "{} ends outside {}",
            row["name"],
            row["park"]
        );
        let metres: f64 =
            geographiclib_rs::InverseGeodesic::inverse(&g, from.1, from.0, to.1, to.0);
        let km: f64 = row["distance_km"].parse().unwrap();
        assert!(
            (metres / 1000.0 - km).abs() < 0.0006,
            "{}: {metres} m vs {km} km",
            row["name"]
        );
    }

    let db = rusqlite::Connection::open(out.join("tudi.gpkg")).unwrap();
    let (style, qml): (String, String) = db
        .query_row(
            "SELECT styleName, styleQML FROM layer_styles WHERE f_table_name = 'placements' AND useAsDefault",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(style, "sought");
    let doc = parse_xml(&qml);
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("category"))
        .map(|n| n.attribute("label").unwrap())
        .collect();
    assert_eq!(labels, ["整合入园", "搬迁转移"]);
    // the report map's move lines and the firms going into a park are the
    // style's colour
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    let legend = svg_legend(&svg);
    let colour_of = |label: &str| legend.iter().find(|(l, _, _)| l == label).unwrap().1;
    for (_, line, _) in qml_classes(&qml) {
        assert_eq!(line, colour_of("入园安置路线"));
        assert_eq!(line, colour_of("整合入园"));
    }
    let geometry_type: String = db
        .query_row(
            "SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'placements'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(geometry_type, "LINESTRING");

    let qgs = std::fs::read_to_string(out.join("tudi.qgs")).unwrap();
    let doc = parse_xml(&qgs);
    let group = doc
        .descendants()
        .find(|n| n.has_tag_name("layer-tree-group") && n.attribute("name") == Some("小微园与腾退"))
        .unwrap();
    let order: Vec<&str> = group
        .children()
        .filter(|n| n.has_tag_name("layer-tree-layer"))
        .map(|n| n.attribute("id").unwrap())
        .collect();
    assert_eq!(order[..2], ["tudi_layer_placements", "tudi_layer_parks"]);
    let layer = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("maplayer")
                && n.children()
                    .any(|c| c.has_tag_name("id") && c.text() == Some("tudi_layer_placements"))
        })
        .unwrap();
    assert_eq!(layer.attribute("wkbType"), Some("LineString"));
    let title = layer
        .children()
        .find(|c| c.has_tag_name("layername"))
        .unwrap();
    assert_eq!(title.text(), Some("入园安置方案"));
}
