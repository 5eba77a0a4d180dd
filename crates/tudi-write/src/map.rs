//! The district map as one SVG (for the report, slides and documents) and
//! as PNG through resvg. The district is drawn in the run's own Albers
//! equal-area projection, so areas on the map compare truthfully; sizes
//! stay bounded on a million parcels because industrial land is drawn as
//! dissolved blocks, coordinates are simplified and rounded to 0.1 px, and
//! features under a pixel become dots or are dropped.

use std::fmt::Write as _;

use geo::{BoundingRect, Coord, InteriorPoint, LineString, MultiPolygon, Polygon, Rect, Simplify};

use tudi_core::analysis::enterprises::Disposition;
use tudi_core::error::{Error, Result};
use tudi_core::geodesy::{geodesic_distance, EqualArea};
use tudi_core::model::{union_rect, Progress};
use tudi_core::outcome::Outcome;

use super::escape;
use super::report::Lang;

/// Fonts named in the SVG, a Chinese-capable one first: Chromium and
/// resvg both take the first family installed.
pub const FONTS: &str = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif";

/// Disposition colours (ColorBrewer RdYlBu and a yellow): the one palette
/// of the map, the report and the legend.
pub fn disposition_colour(d: Disposition) -> &'static str {
    match d {
        Disposition::Close => "#d7191c",
        Disposition::Relocate => "#fdae61",
        Disposition::IntoPark => "#2c7bb6",
        Disposition::Upgrade => "#ffd92f",
    }
}

const SCATTERED: &str = "#e31a1c";
const BLOCK: &str = "#bdbdbd";
const FAILED_CHECK: &str = "#7b3294";
/// Park fill by FAR class: under the minimum, to 2, to 3, 3 and over.
const PARK_FILLS: [&str; 4] = ["#dadaeb", "#9e9ac8", "#756bb1", "#54278f"];
const PARK_UNKNOWN: &str = "#bcbddc";

fn vacated_style(status: Progress) -> (&'static str, &'static str) {
    // (fill, outline)
    match status {
        Progress::Done => ("#1a9641", "#0b5e27"),
        Progress::InProgress => ("#a6d96a", "#4d9221"),
        Progress::Planned => ("#e5f5e0", "#41ab5d"),
    }
}

/// Where the district lands on the page: the run's projection, then a
/// scale and offset to pixels (y down).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    projection: EqualArea,
    /// Projected metres of the extent's west and north edges.
    west: f64,
    north: f64,
    /// Pixels per projected metre.
    scale: f64,
    /// Pixel position of (`west`, `north`).
    left: f64,
    top: f64,
    /// The map's box in pixels: left, top, right, bottom.
    pub map_box: [f64; 4],
}

impl Frame {
    /// Fits `extent` (lon/lat) into `map_box`, centred, with a margin.
    pub fn fit(projection: EqualArea, extent: Rect<f64>, map_box: [f64; 4]) -> Frame {
        let (min, max) = (extent.min(), extent.max());
        let mid = Coord {
            x: 0.5 * (min.x + max.x),
            y: 0.5 * (min.y + max.y),
        };
        // The projected extent: parallels curve in a conic projection, so
        // edge midpoints count as well as corners.
        let pts: Vec<Coord<f64>> = [min.x, mid.x, max.x]
            .iter()
            .flat_map(|&x| [min.y, mid.y, max.y].map(|y| projection.forward(Coord { x, y })))
            .collect();
        let fold = |f: fn(f64, f64) -> f64, get: fn(&Coord<f64>) -> f64, init: f64| {
            pts.iter().map(get).fold(init, f)
        };
        let (west, east) = (
            fold(f64::min, |c| c.x, f64::INFINITY),
            fold(f64::max, |c| c.x, f64::NEG_INFINITY),
        );
        let (south, north) = (
            fold(f64::min, |c| c.y, f64::INFINITY),
            fold(f64::max, |c| c.y, f64::NEG_INFINITY),
        );
        let (w, h) = ((east - west).max(1.0), (north - south).max(1.0));
        let [x0, y0, x1, y1] = map_box;
        let scale = ((x1 - x0) / w).min((y1 - y0) / h) / 1.04;
        Frame {
            projection,
            west,
            north,
            scale,
            left: x0 + 0.5 * ((x1 - x0) - w * scale),
            top: y0 + 0.5 * ((y1 - y0) - h * scale),
            map_box,
        }
    }

    /// lon/lat → pixels.
    pub fn px(&self, c: Coord<f64>) -> Coord<f64> {
        let p = self.projection.forward(c);
        Coord {
            x: self.left + (p.x - self.west) * self.scale,
            y: self.top + (self.north - p.y) * self.scale,
        }
    }

    /// Pixels → lon/lat.
    pub fn lonlat(&self, p: Coord<f64>) -> Coord<f64> {
        self.projection.inverse(Coord {
            x: self.west + (p.x - self.left) / self.scale,
            y: self.north - (p.y - self.top) / self.scale,
        })
    }

    fn inside(&self, p: Coord<f64>) -> bool {
        let [x0, y0, x1, y1] = self.map_box;
        (x0..=x1).contains(&p.x) && (y0..=y1).contains(&p.y)
    }

    /// Ground metres per pixel across the middle of the map, measured on
    /// the ellipsoid (the projection's scale varies slightly with place).
    pub fn metres_per_px(&self) -> f64 {
        let [x0, y0, x1, y1] = self.map_box;
        let y = 0.5 * (y0 + y1);
        let span = 0.5 * (x1 - x0);
        let (a, b) = (0.5 * (x0 + x1) - span / 2.0, 0.5 * (x0 + x1) + span / 2.0);
        geodesic_distance(
            self.lonlat(Coord { x: a, y }),
            self.lonlat(Coord { x: b, y }),
        ) / span
    }
}

/// Tenths of a pixel, written without a trailing `.0`.
fn tenths(out: &mut String, v: i64) {
    if v % 10 == 0 {
        let _ = write!(out, "{}", v / 10);
    } else {
        let sign = if v < 0 { "-" } else { "" };
        let _ = write!(out, "{sign}{}.{}", v.abs() / 10, v.abs() % 10);
    }
}

fn to_tenths(v: f64) -> i64 {
    (v * 10.0).round() as i64
}

/// Path data for many polygons, in compact relative coordinates; features
/// under a pixel are reported as dots instead.
struct PathData<'a> {
    frame: &'a Frame,
    d: String,
}

impl<'a> PathData<'a> {
    fn new(frame: &'a Frame) -> Self {
        PathData {
            frame,
            d: String::new(),
        }
    }

    /// One ring, simplified to a third of a pixel and rounded; exterior
    /// rings clockwise on screen and holes anticlockwise, so the nonzero
    /// rule fills them right when many features share a path. False when
    /// the ring is under a pixel.
    fn ring(&mut self, ring: &LineString<f64>, exterior: bool) -> bool {
        let px: LineString<f64> = ring.0.iter().map(|&c| self.frame.px(c)).collect();
        let Some(bb) = px.bounding_rect() else {
            return false;
        };
        if bb.width() < 1.0 && bb.height() < 1.0 {
            return false;
        }
        let mut pts: Vec<(i64, i64)> = px
            .simplify(0.3)
            .0
            .iter()
            .map(|c| (to_tenths(c.x), to_tenths(c.y)))
            .collect();
        pts.dedup();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if pts.len() < 3 {
            return false;
        }
        let twice_area: i64 = (0..pts.len())
            .map(|i| {
                let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum();
        if (twice_area > 0) != exterior {
            pts.reverse();
        }
        let d = &mut self.d;
        d.push('M');
        tenths(d, pts[0].0);
        d.push(' ');
        tenths(d, pts[0].1);
        d.push('l');
        for (i, w) in pts.windows(2).enumerate() {
            let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
            if i > 0 && dx >= 0 {
                d.push(' ');
            }
            tenths(d, dx);
            if dy >= 0 {
                d.push(' ');
            }
            tenths(d, dy);
        }
        d.push('z');
        true
    }

    fn polygon(&mut self, p: &Polygon<f64>) -> bool {
        if !self.ring(p.exterior(), true) {
            return false;
        }
        for hole in p.interiors() {
            self.ring(hole, false);
        }
        true
    }

    /// Draws the polygons; `None` when all are under a pixel, else the
    /// place for a dot (its interior point) is returned instead.
    fn multi_polygon(&mut self, mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
        let mut drawn = false;
        for p in &mp.0 {
            drawn |= self.polygon(p);
        }
        if drawn {
            None
        } else {
            mp.interior_point().map(|p| self.frame.px(p.0))
        }
    }
}

/// Dots as zero-length round-capped segments in one path: a few bytes
/// each, where circles would take forty.
fn dots_path(out: &mut String, dots: &[Coord<f64>], colour: &str, radius: f64, halo: f64) {
    if dots.is_empty() {
        return;
    }
    let mut d = String::new();
    for p in dots {
        d.push('M');
        tenths(&mut d, to_tenths(p.x));
        d.push(' ');
        tenths(&mut d, to_tenths(p.y));
        d.push_str("h0");
    }
    if halo > 0.0 {
        let _ = writeln!(
            out,
            r##"<path d="{d}" stroke="#ffffff" stroke-width="{:.1}" stroke-linecap="round"/>"##,
            2.0 * (radius + halo)
        );
    }
    let _ = writeln!(
        out,
        r#"<path d="{d}" stroke="{colour}" stroke-width="{:.1}" stroke-linecap="round"/>"#,
        2.0 * radius
    );
}

/// What the legend lists, in order.
enum Swatch {
    Fill {
        fill: &'static str,
        stroke: &'static str,
        dashed: bool,
    },
    Dot(&'static str),
    Line(&'static str),
}

/// The map of an outcome, `width` pixels wide.
pub struct DistrictMap {
    pub svg: String,
    pub frame: Frame,
    pub width: f64,
    pub height: f64,
    /// Scale bar: its length on the ground (m) and on the map (px).
    pub scale_bar_m: f64,
    pub scale_bar_px: f64,
}

fn rect_of<'a>(it: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Option<Rect<f64>> {
    it.filter_map(|g| g.bounding_rect()).reduce(union_rect)
}

/// The extent a map of the run frames (longitude/latitude): the district
/// boundary, unless the data covers under a quarter of its box (a pilot
/// area or a sample inside a district), then the data — every polygon
/// layer drawn; enterprise positions do not count, as one bad geocode
/// would shrink the district to a corner.
pub fn map_extent(o: &Outcome) -> Option<Rect<f64>> {
    let m = &o.model;
    let others = rect_of(
        m.townships
            .iter()
            .flatten()
            .map(|t| &t.geometry)
            .chain(m.parks.iter().flatten().map(|p| &p.geometry))
            .chain(m.vacated.iter().flatten().map(|v| &v.geometry)),
    );
    let data = o.parcel_bounds.into_iter().chain(others).reduce(union_rect);
    let boundary = m
        .boundary
        .as_deref()
        .and_then(|b| rect_of(b.iter().map(|z| &z.geometry)));
    match (boundary, data) {
        (Some(b), Some(d)) => {
            let area = |r: Rect<f64>| r.width() * r.height();
            let covered = area(d).min(area(b)) / area(b).max(f64::MIN_POSITIVE);
            Some(if covered < 0.25 { d } else { b })
        }
        (b, d) => b.or(d),
    }
}

/// A round length (1, 2 or 5 × 10ⁿ m) near a fifth of `span_m`.
fn nice_length(span_m: f64) -> f64 {
    let target = span_m / 5.0;
    let p = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|k| k * p)
        .find(|&l| l <= target)
        .unwrap_or(p)
}

fn km_label(m: f64) -> String {
    if m >= 1000.0 {
        let km = m / 1000.0;
        if km.fract() == 0.0 {
            format!("{km:.0} km")
        } else {
            format!("{km} km")
        }
    } else {
        format!("{m:.0} m")
    }
}

/// Renders the map of `o`, `width` pixels wide (at least 400).
pub fn district_map(o: &Outcome, lang: Lang, width: u32) -> DistrictMap {
    let width = f64::from(width.max(400));
    let u = width / 1600.0;
    let pad = 24.0 * u;
    let title_h = 64.0 * u;
    let legend_w = 330.0 * u;
    let m = &o.model;
    let parks = m.parks.as_deref().unwrap_or(&[]);
    let records = m.vacated.as_deref().unwrap_or(&[]);
    let far_known = m.buildings.is_some();
    let min_far = o.project.rules.min_park_far;

    let extent = map_extent(o).unwrap_or_else(|| {
        Rect::new(
            Coord { x: 120.0, y: 30.0 },
            Coord {
                x: 120.01,
                y: 30.01,
            },
        )
    });
    // The map's height follows the district's shape, within limits.
    let map_w = width - legend_w - 3.0 * pad;
    let probe = Frame::fit(o.projection, extent, [0.0, 0.0, 1000.0, 1000.0]);
    let corner = probe.px(Coord {
        x: extent.max().x,
        y: extent.min().y,
    });
    let top_left = probe.px(Coord {
        x: extent.min().x,
        y: extent.max().y,
    });
    let aspect = ((corner.y - top_left.y) / (corner.x - top_left.x).max(1e-9)).clamp(0.55, 1.35);

    // Legend entries, for the layers present.
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    let has_boundary = m.boundary.as_ref().is_some_and(|b| !b.is_empty());
    if has_boundary {
        legend.push((
            Swatch::Line("#333333"),
            lang.pick("区界", "District").into(),
        ));
    }
    if m.townships.as_ref().is_some_and(|t| !t.is_empty()) {
        legend.push((
            Swatch::Fill {
                fill: "#f3efe4",
                stroke: "#a89f87",
                dashed: true,
            },
            lang.pick("乡镇（街道）", "Township").into(),
        ));
    }
    legend.push((
        Swatch::Fill {
            fill: BLOCK,
            stroke: BLOCK,
            dashed: false,
        },
        lang.pick("工业用地（连片地块）", "Industrial land (blocks)")
            .into(),
    ));
    legend.push((
        Swatch::Fill {
            fill: SCATTERED,
            stroke: "#99000d",
            dashed: false,
        },
        format!(
            "{} (< {} {})",
            lang.pick("零星工业地块", "Scattered plot"),
            super::fixed(o.project.rules.scattered_max_mu, 0),
            lang.pick("亩", "mu")
        ),
    ));
    if !parks.is_empty() {
        if far_known {
            let f = |v: f64| super::fixed(v, 1);
            let far = lang.pick("小微园 容积率", "Park, FAR");
            for (fill, range) in PARK_FILLS.into_iter().zip([
                format!("< {}", f(min_far)),
                format!("{}–2.0", f(min_far)),
                "2.0–3.0".to_string(),
                "≥ 3.0".to_string(),
            ]) {
                legend.push((
                    Swatch::Fill {
                        fill,
                        stroke: "#3f007d",
                        dashed: false,
                    },
                    format!("{far} {range}"),
                ));
            }
            legend.push((
                Swatch::Fill {
                    fill: "none",
                    stroke: "#d7191c",
                    dashed: false,
                },
                lang.pick("容积率未达标", "FAR below minimum").into(),
            ));
        } else {
            legend.push((
                Swatch::Fill {
                    fill: PARK_UNKNOWN,
                    stroke: "#3f007d",
                    dashed: false,
                },
                lang.pick("小微企业园", "Micro-enterprise park").into(),
            ));
        }
    }
    if !records.is_empty() {
        for (status, zh, en) in [
            (Progress::Done, "已腾退", "Vacated"),
            (Progress::InProgress, "腾退中", "Vacating"),
            (Progress::Planned, "计划腾退", "Planned"),
        ] {
            let (fill, stroke) = vacated_style(status);
            legend.push((
                Swatch::Fill {
                    fill,
                    stroke,
                    dashed: status == Progress::Planned,
                },
                lang.pick(zh, en).into(),
            ));
        }
        legend.push((
            Swatch::Fill {
                fill: "none",
                stroke: FAILED_CHECK,
                dashed: false,
            },
            lang.pick("腾退核查未通过", "Vacated: failed check").into(),
        ));
    }
    for (d, _) in o.disposition_counts() {
        legend.push((
            Swatch::Dot(disposition_colour(d)),
            d.term().get(lang).to_string(),
        ));
    }
    let row_h = 33.0 * u;
    let legend_h = 60.0 * u + row_h * legend.len() as f64 + 90.0 * u;
    let map_h = (map_w * aspect).max(legend_h);
    let height = (title_h + map_h + pad).round();
    let map_box = [pad, title_h, pad + map_w, title_h + map_h];
    let frame = Frame::fit(o.projection, extent, map_box);

    let mut s = String::with_capacity(1 << 16);
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONTS}">"##,
        w = width,
        h = height,
    );
    let _ = writeln!(
        s,
        r##"<defs><clipPath id="map-clip"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath></defs>"##,
        map_box[0], map_box[1], map_w, map_h
    );
    let _ = writeln!(
        s,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" stroke="#d9d9d0"/>"##,
        map_box[0],
        map_box[1],
        map_w,
        map_h,
        // beyond the district's outline, when there is one, a shade darker
        if has_boundary { "#e8e6df" } else { "#f7f7f2" }
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="{:.1}" font-weight="700" fill="#222222">{}</text><text x="{:.1}" y="{:.1}" font-size="{:.1}" fill="#666666" text-anchor="end">{}</text>"##,
        pad,
        title_h - 20.0 * u,
        28.0 * u,
        escape(&o.project.project.name),
        width - pad,
        title_h - 20.0 * u,
        16.0 * u,
        escape(&format!("{} {}", lang.pick("截至", "As of"), o.as_of)),
    );
    s.push_str("<g clip-path=\"url(#map-clip)\">\n");

    // The district, white on the grey beyond it.
    let district = m.boundary.as_deref().map_or(String::new(), |b| {
        let mut p = PathData::new(&frame);
        for z in b {
            p.multi_polygon(&z.geometry);
        }
        p.d
    });
    if !district.is_empty() {
        let _ = writeln!(s, r##"<path d="{district}" fill="#ffffff"/>"##);
    }

    // Townships.
    let townships = m.townships.as_deref().unwrap_or(&[]);
    if !townships.is_empty() {
        let mut p = PathData::new(&frame);
        for t in townships {
            p.multi_polygon(&t.geometry);
        }
        let _ = writeln!(
            s,
            r##"<path d="{}" fill="#f3efe4" stroke="#a89f87" stroke-width="{:.1}" stroke-dasharray="{:.1} {:.1}" stroke-linejoin="round"/>"##,
            p.d,
            1.5 * u,
            6.0 * u,
            4.0 * u
        );
    }

    // Industrial blocks (dissolved); blocks under a pixel are dropped, the
    // scattered ones among them come back as red dots below.
    let mut p = PathData::new(&frame);
    for b in &o.blocks.blocks {
        p.multi_polygon(&b.geometry);
    }
    if !p.d.is_empty() {
        let _ = writeln!(s, r#"<path d="{}" fill="{BLOCK}"/>"#, p.d);
    }

    // Parks, by FAR.
    let mut park_dots: Vec<(Coord<f64>, &str)> = Vec::new();
    for (park, stats) in parks.iter().zip(&o.far.parks) {
        let fill = if !far_known {
            PARK_UNKNOWN
        } else {
            let far = stats.density.far();
            let class = [min_far, 2.0, 3.0].iter().filter(|&&b| far >= b).count();
            PARK_FILLS[class]
        };
        let (stroke, sw) = if far_known && stats.far_below_min {
            ("#d7191c", 3.0 * u)
        } else {
            ("#3f007d", 1.2 * u)
        };
        let mut p = PathData::new(&frame);
        if let Some(dot) = p.multi_polygon(&park.geometry) {
            park_dots.push((dot, fill));
            continue;
        }
        let _ = writeln!(
            s,
            r#"<path d="{}" fill="{fill}" stroke="{stroke}" stroke-width="{sw:.1}" stroke-linejoin="round"/>"#,
            p.d
        );
    }
    for (dot, fill) in park_dots {
        dots_path(&mut s, &[dot], fill, 4.0 * u, 1.0 * u);
    }

    // Vacated land, by status; a record failing a check is outlined.
    if let Some(v) = &o.vacated {
        for status in [Progress::Planned, Progress::InProgress, Progress::Done] {
            let (fill, stroke) = vacated_style(status);
            let dash = if status == Progress::Planned {
                format!(r#" stroke-dasharray="{:.1} {:.1}""#, 4.0 * u, 3.0 * u)
            } else {
                String::new()
            };
            let mut ok = PathData::new(&frame);
            let mut failed = PathData::new(&frame);
            let mut dots = Vec::new();
            for (r, f) in records.iter().zip(&v.records) {
                if r.status != status {
                    continue;
                }
                let p = if f.failed_checks().is_empty() {
                    &mut ok
                } else {
                    &mut failed
                };
                dots.extend(p.multi_polygon(&r.geometry));
            }
            for (p, stroke, sw) in [(&ok, stroke, 1.2 * u), (&failed, FAILED_CHECK, 3.0 * u)] {
                if !p.d.is_empty() {
                    let _ = writeln!(
                        s,
                        r#"<path d="{}" fill="{fill}" fill-opacity="0.85" stroke="{stroke}" stroke-width="{sw:.1}" stroke-linejoin="round"{dash}/>"#,
                        p.d
                    );
                }
            }
            dots_path(&mut s, &dots, fill, 3.0 * u, 0.0);
        }
    }

    // Scattered parcels, on top of their grey blocks.
    let mut p = PathData::new(&frame);
    let mut dots = Vec::new();
    for (parcel, _) in m
        .parcels
        .iter()
        .zip(&o.blocks.scattered)
        .filter(|(_, &s)| s)
    {
        dots.extend(p.multi_polygon(&parcel.geometry));
    }
    if !p.d.is_empty() {
        let _ = writeln!(
            s,
            r##"<path d="{}" fill="{SCATTERED}" stroke="#99000d" stroke-width="{:.1}" stroke-linejoin="round"/>"##,
            p.d,
            0.8 * u
        );
    }
    dots_path(&mut s, &dots, SCATTERED, 1.5 * u, 0.0);

    // Targets, by disposition; the ones shown later sit on top, so the
    // gravest (close) is drawn last.
    let targets = o.assessments.iter().filter(|a| a.is_target()).count();
    // Dots shrink as they crowd: their total ink stays about that of
    // 1 500 full-size dots.
    let radius = (4.5 * (1500.0 / targets.max(1) as f64).sqrt().min(1.0)).max(1.3) * u;
    let halo = (0.3 * radius).min(1.2 * u);
    for (d, _) in o.disposition_counts().into_iter().rev() {
        let at: Vec<Coord<f64>> = m
            .enterprises
            .iter()
            .zip(&o.assessments)
            .filter(|(_, a)| a.disposition == Some(d))
            .map(|(e, _)| frame.px(e.location))
            .filter(|&p| frame.inside(p))
            .collect();
        dots_path(&mut s, &at, disposition_colour(d), radius, halo);
    }

    // The district outline on top (its fill went in first).
    if !district.is_empty() {
        let _ = writeln!(
            s,
            r##"<path d="{district}" fill="none" stroke="#333333" stroke-width="{:.1}" stroke-linejoin="round"/>"##,
            2.5 * u
        );
    }

    // Labels: townships, then parks when there are few enough to read.
    let label = |s: &mut String, at: Coord<f64>, text: &str, size: f64, fill: &str, weight: u32| {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="{size:.1}" font-weight="{weight}" fill="{fill}" text-anchor="middle" stroke="#ffffff" stroke-width="{:.1}" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            at.x,
            at.y,
            size / 4.0,
            escape(text)
        );
    };
    for t in townships {
        let largest = t.geometry.0.iter().max_by(|a, b| {
            let area = |p: &Polygon<f64>| p.bounding_rect().map_or(0.0, |r| r.width() * r.height());
            area(a).total_cmp(&area(b))
        });
        if let Some(at) = largest.and_then(|p| p.interior_point()) {
            let name = t.name.clone().unwrap_or_else(|| t.code.clone());
            label(&mut s, frame.px(at.0), &name, 17.0 * u, "#5d5440", 700);
        }
    }
    if parks.len() <= 40 {
        for park in parks {
            if let Some(at) = park.geometry.interior_point() {
                let mut at = frame.px(at.0);
                at.y -= 8.0 * u;
                label(&mut s, at, &park.name, 12.0 * u, "#3f007d", 400);
            }
        }
    }
    s.push_str("</g>\n");

    // North arrow, top right of the map.
    let (nx, ny) = (map_box[2] - 40.0 * u, map_box[1] + 24.0 * u);
    let _ = writeln!(
        s,
        r##"<g><circle cx="{nx:.1}" cy="{:.1}" r="{:.1}" fill="#ffffff" fill-opacity="0.8"/><path d="M{nx:.1} {ny:.1}l{:.1} {:.1}l{:.1} {:.1}z" fill="#333333"/><path d="M{nx:.1} {ny:.1}l{:.1} {:.1}l{:.1} {:.1}z" fill="#ffffff" stroke="#333333" stroke-width="{:.1}"/><text x="{nx:.1}" y="{:.1}" font-size="{:.1}" font-weight="700" text-anchor="middle" fill="#333333">N</text></g>"##,
        ny + 30.0 * u,
        40.0 * u,
        12.0 * u,
        40.0 * u,
        -12.0 * u,
        -10.0 * u,
        -12.0 * u,
        40.0 * u,
        12.0 * u,
        -10.0 * u,
        1.0 * u,
        ny + 62.0 * u,
        16.0 * u,
    );

    // Scale bar, bottom left of the map: four segments.
    let mpp = frame.metres_per_px();
    let bar_m = nice_length(map_w * mpp);
    let bar_px = bar_m / mpp;
    let (bx, by) = (map_box[0] + 24.0 * u, map_box[3] - 30.0 * u);
    let seg_h = 7.0 * u;
    let _ = write!(
        s,
        r##"<g id="scale-bar" data-metres="{bar_m}" data-px="{bar_px:.3}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#ffffff" fill-opacity="0.8"/>"##,
        bx - 12.0 * u,
        by - 26.0 * u,
        bar_px + 40.0 * u,
        46.0 * u
    );
    for k in 0..4 {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{by:.1}" width="{:.1}" height="{seg_h:.1}" fill="{}" stroke="#333333" stroke-width="{:.1}"/>"##,
            bx + bar_px * k as f64 / 4.0,
            bar_px / 4.0,
            if k % 2 == 0 { "#333333" } else { "#ffffff" },
            0.8 * u
        );
    }
    for (x, text) in [
        (bx, "0".to_string()),
        (bx + bar_px / 2.0, km_label(bar_m / 2.0)),
        (bx + bar_px, km_label(bar_m)),
    ] {
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" text-anchor="middle" fill="#333333">{text}</text>"##,
            by - 6.0 * u,
            13.0 * u
        );
    }
    s.push_str("</g>\n");

    // Legend, right of the map.
    let lx = map_box[2] + pad;
    let mut ly = map_box[1] + 8.0 * u;
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}" font-size="{:.1}" font-weight="700" fill="#222222">{}</text>"##,
        ly + 20.0 * u,
        19.0 * u,
        lang.pick("图例", "Legend")
    );
    ly += 44.0 * u;
    let sw = 34.0 * u;
    for (swatch, text) in &legend {
        let cy = ly + row_h / 2.0;
        match swatch {
            Swatch::Fill {
                fill,
                stroke,
                dashed,
            } => {
                let dash = if *dashed {
                    format!(r#" stroke-dasharray="{:.1} {:.1}""#, 4.0 * u, 3.0 * u)
                } else {
                    String::new()
                };
                let width = if *fill == "none" { 3.0 } else { 1.2 } * u;
                let _ = write!(
                    s,
                    r#"<rect x="{lx:.1}" y="{:.1}" width="{sw:.1}" height="{:.1}" fill="{fill}" stroke="{stroke}" stroke-width="{width:.1}"{dash}/>"#,
                    cy - 9.0 * u,
                    18.0 * u
                );
            }
            Swatch::Dot(colour) => {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{cy:.1}" r="{:.1}" fill="{colour}" stroke="#ffffff" stroke-width="{:.1}"/>"##,
                    lx + sw / 2.0,
                    6.5 * u,
                    1.5 * u
                );
            }
            Swatch::Line(colour) => {
                let _ = write!(
                    s,
                    r#"<line x1="{lx:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{colour}" stroke-width="{:.1}"/>"#,
                    lx + sw,
                    2.5 * u
                );
            }
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="{:.1}" fill="#333333">{}</text>"##,
            lx + sw + 12.0 * u,
            cy + 6.0 * u,
            17.0 * u,
            escape(text)
        );
        ly += row_h;
    }
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}" font-size="{:.1}" fill="#888888">{}</text>"##,
        ly + 30.0 * u,
        12.0 * u,
        lang.pick("CGCS2000 · Albers 等积投影", "CGCS2000 · Albers equal-area")
    );
    s.push_str("</svg>\n");

    DistrictMap {
        svg: s,
        frame,
        width,
        height,
        scale_bar_m: bar_m,
        scale_bar_px: bar_px,
    }
}

/// Renders an SVG to PNG with the system's fonts (labels fall back to any
/// installed font holding the glyphs).
pub fn render_png(svg: &str) -> Result<Vec<u8>> {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Render(format!("the map's SVG does not parse: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Render(format!("cannot allocate a {size:?} image")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Render(format!("cannot encode the PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::land_fixture;

    /// Every absolute point of a path's data (M/L absolute, l/h relative,
    /// z back to the start), checking numbers carry one decimal at most.
    fn path_points(d: &str) -> Vec<Coord<f64>> {
        let mut points = Vec::new();
        let (mut cmd, mut at, mut start) = ('M', Coord { x: 0.0, y: 0.0 }, None);
        let mut nums: Vec<f64> = Vec::new();
        let mut chars = d.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphabetic() {
                chars.next();
                cmd = c;
                if c == 'z' {
                    at = start.take().unwrap_or(at);
                }
                nums.clear();
                continue;
            }
            if c == ' ' {
                chars.next();
                continue;
            }
            let mut tok = String::new();
            tok.push(chars.next().unwrap());
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || n == '.' {
                    tok.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            assert!(
                tok.split('.').nth(1).is_none_or(|f| f.len() <= 1),
                "{tok} has more than one decimal"
            );
            nums.push(tok.parse().unwrap());
            match (cmd, nums.as_slice()) {
                ('h', [dx]) => {
                    at.x += dx;
                    nums.clear();
                }
                ('M' | 'L', [x, y]) => {
                    at = Coord { x: *x, y: *y };
                    start.get_or_insert(at);
                    nums.clear();
                }
                ('l', [dx, dy]) => {
                    at = Coord {
                        x: at.x + dx,
                        y: at.y + dy,
                    };
                    nums.clear();
                }
                _ => continue,
            }
            points.push(at);
        }
        points
    }

    fn attr_values(svg: &str, name: &str) -> Vec<f64> {
        let key = format!(" {name}=\"");
        svg.match_indices(&key)
            .map(|(i, _)| {
                let v = &svg[i + key.len()..];
                v[..v.find('"').unwrap()].parse::<f64>().unwrap()
            })
            .collect()
    }

    #[test]
    fn the_path_reader_reads_relative_paths() {
        let pts = path_points("M10 20l5 0 0-2.5zM1 1h0");
        assert_eq!(
            pts,
            [
                (10.0, 20.0),
                (15.0, 20.0),
                (15.0, 17.5),
                (1.0, 1.0),
                (1.0, 1.0)
            ]
            .map(|(x, y)| Coord { x, y })
        );
    }

    #[test]
    fn every_coordinate_fits_the_view_box() {
        let o = land_fixture();
        let m = district_map(&o, Lang::Zh, 1600);
        assert!(m.svg.starts_with(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1600 {}\"",
            m.height
        )));
        let mut count = 0;
        for (i, _) in m.svg.match_indices(" d=\"") {
            let d = &m.svg[i + 4..];
            for p in path_points(&d[..d.find('"').unwrap()]) {
                assert!(
                    (0.0..=m.width).contains(&p.x) && (0.0..=m.height).contains(&p.y),
                    "{p:?} outside 0 0 {} {}",
                    m.width,
                    m.height
                );
                count += 1;
            }
        }
        assert!(count > 50, "{count} points");
        for (name, limit) in [
            ("x", m.width),
            ("cx", m.width),
            ("y", m.height),
            ("cy", m.height),
        ] {
            for v in attr_values(&m.svg, name) {
                assert!((0.0..=limit).contains(&v), "{name}={v}");
            }
        }
        // The map's polygon layers all lie in the map box.
        let [x0, y0, x1, y1] = m.frame.map_box;
        for r in o.model.vacated.as_deref().unwrap() {
            for c in r.geometry.0[0].exterior().coords() {
                let p = m.frame.px(*c);
                assert!(x0 <= p.x && p.x <= x1 && y0 <= p.y && p.y <= y1, "{}", r.id);
            }
        }
    }

    #[test]
    fn the_scale_bar_measures_what_it_says() {
        let o = land_fixture();
        for width in [800, 1600, 3000] {
            let m = district_map(&o, Lang::En, width);
            assert!(m.svg.contains(&format!(
                "data-metres=\"{}\" data-px=\"{:.3}\"",
                m.scale_bar_m, m.scale_bar_px
            )));
            // A round length, under the map's width.
            let lead = m.scale_bar_m / 10f64.powf(m.scale_bar_m.log10().floor());
            assert!([1.0, 2.0, 5.0].contains(&lead), "{}", m.scale_bar_m);
            let [x0, y0, x1, y1] = m.frame.map_box;
            assert!(m.scale_bar_px < x1 - x0);
            // Laid across the middle of the map, the bar spans its length
            // on the ellipsoid.
            let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
            let ends = [cx - m.scale_bar_px / 2.0, cx + m.scale_bar_px / 2.0]
                .map(|x| m.frame.lonlat(Coord { x, y: cy }));
            let ground = geodesic_distance(ends[0], ends[1]);
            assert!(
                (ground / m.scale_bar_m - 1.0).abs() < 1e-3,
                "{ground} m for a {} m bar",
                m.scale_bar_m
            );
            // And a known ground distance: the fixture's parcel 201 is a
            // 100 m square on the central meridian (tests/land.rs).
            let p = o.model.parcels.iter().find(|p| p.id == "201").unwrap();
            let ring = p.geometry.0[0].exterior();
            let (a, b) = (ring.0[0], ring.0[1]);
            let px = (m.frame.px(a) - m.frame.px(b))
                .x
                .hypot((m.frame.px(a) - m.frame.px(b)).y);
            let on_map = px * m.scale_bar_m / m.scale_bar_px;
            assert!(
                (on_map / geodesic_distance(a, b) - 1.0).abs() < 2e-3,
                "{on_map} vs {}",
                geodesic_distance(a, b)
            );
        }
    }

    #[test]
    fn features_under_a_pixel_become_dots() {
        let projection = EqualArea::fitted(Rect::new(
            Coord { x: 120.0, y: 30.0 },
            Coord { x: 121.0, y: 31.0 },
        ));
        let frame = Frame::fit(
            projection,
            Rect::new(Coord { x: 120.0, y: 30.0 }, Coord { x: 121.0, y: 31.0 }),
            [0.0, 0.0, 1000.0, 1000.0],
        );
        let square = |side: f64| {
            MultiPolygon(vec![Polygon::new(
                LineString::from(vec![
                    (120.5, 30.5),
                    (120.5 + side, 30.5),
                    (120.5 + side, 30.5 + side),
                    (120.5, 30.5 + side),
                    (120.5, 30.5),
                ]),
                vec![],
            )])
        };
        // ~100 km over 1000 px: 10 m is a tenth of a pixel, 1 km ten.
        let mut p = PathData::new(&frame);
        let dot = p.multi_polygon(&square(0.0001)).expect("a dot");
        assert!(p.d.is_empty());
        assert!((0.0..1000.0).contains(&dot.x));
        assert_eq!(p.multi_polygon(&square(0.01)), None);
        assert!(p.d.starts_with('M') && p.d.ends_with('z'));
    }

    #[test]
    fn labels_follow_the_language() {
        let o = land_fixture();
        let zh = district_map(&o, Lang::Zh, 1600).svg;
        let en = district_map(&o, Lang::En, 1600).svg;
        assert!(zh.contains(">图例<") && zh.contains(">零星工业地块 (&lt; 5 亩)<"));
        assert!(en.contains(">Legend<") && en.contains(">Scattered plot (&lt; 5 mu)<"));
        // Township names are data: the same in both.
        assert!(zh.contains(">新城街道<") && en.contains(">新城街道<"));
        assert!(zh.starts_with("<svg") && zh.contains(FONTS));
    }

    /// The land fixture with a square boundary `k` times its size per side,
    /// centred on it.
    fn with_boundary(k: f64) -> (Outcome, Rect<f64>, Rect<f64>) {
        let mut o = land_fixture();
        let data = map_extent(&o).unwrap();
        let (c, w, h) = (data.center(), data.width(), data.height());
        let boundary = Rect::new(
            Coord {
                x: c.x - k / 2.0 * w,
                y: c.y - k / 2.0 * h,
            },
            Coord {
                x: c.x + k / 2.0 * w,
                y: c.y + k / 2.0 * h,
            },
        );
        o.model.boundary = Some(vec![tudi_core::model::Zone {
            feature: 1,
            name: None,
            geometry: MultiPolygon(vec![boundary.to_polygon()]),
        }]);
        (o, data, boundary)
    }

    /// Whether `r` fills the map box in one direction (a 4 % margin).
    fn fills(m: &DistrictMap, r: Rect<f64>) -> bool {
        let [x0, y0, x1, y1] = m.frame.map_box;
        let (sw, ne) = (m.frame.px(r.min()), m.frame.px(r.max()));
        x0 <= sw.x + 0.5
            && ne.x <= x1 + 0.5
            && y0 <= ne.y + 0.5
            && sw.y <= y1 + 0.5
            && ((ne.x - sw.x) / (x1 - x0)).max((sw.y - ne.y) / (y1 - y0)) > 0.95
    }

    #[test]
    fn the_district_boundary_sets_the_extent_and_is_outlined() {
        let (o, _, boundary) = with_boundary(1.5);
        let m = district_map(&o, Lang::Zh, 1600);
        assert!(fills(&m, boundary));
        assert!(m.svg.contains(">区界<"));
        assert_eq!(m.svg.matches("fill=\"none\" stroke=\"#333333\"").count(), 1);
    }

    #[test]
    fn a_pilot_area_inside_a_large_district_is_framed_on_its_data() {
        // data covering a sixteenth of the boundary's box: the map shows
        // the data, the boundary is still drawn
        let (o, data, _) = with_boundary(4.0);
        assert_eq!(map_extent(&o), Some(data));
        let m = district_map(&o, Lang::Zh, 1600);
        assert!(fills(&m, data));
        assert!(m.svg.contains(">区界<"));
    }

    #[test]
    fn nice_lengths_are_round() {
        assert_eq!(nice_length(5000.0), 1000.0);
        assert_eq!(nice_length(12_000.0), 2000.0);
        assert_eq!(nice_length(30_000.0), 5000.0);
        assert_eq!(km_label(2500.0), "2.5 km");
        assert_eq!(km_label(500.0), "500 m");
    }

    #[test]
    fn the_png_shows_the_map() {
        let o = land_fixture();
        let m = district_map(&o, Lang::Zh, 1000);
        let png = render_png(&m.svg).unwrap();
        let img = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((img.width(), img.height()), (1000, m.height as u32));
        // The scattered parcel is red where the frame puts it.
        let p = o
            .model
            .parcels
            .iter()
            .zip(&o.blocks.scattered)
            .find(|(_, &s)| s)
            .unwrap()
            .0;
        let at = m.frame.px(p.geometry.interior_point().unwrap().0);
        let px = img.pixel(at.x as u32, at.y as u32).unwrap();
        assert_eq!((px.red(), px.green(), px.blue()), (0xe3, 0x1a, 0x1c));
    }
}
