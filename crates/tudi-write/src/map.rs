//! The district map as one SVG (for the report, slides and documents) and
//! as PNG through resvg. The district is drawn in the run's own Albers
//! equal-area projection, so areas on the map compare truthfully; sizes
//! stay bounded on a million parcels because industrial land is drawn as
//! dissolved blocks, coordinates are simplified and rounded to 0.1 px, and
//! features under a pixel become dots or are dropped.

use std::fmt::Write as _;

use geo::{
    BoundingRect, Coord, InteriorPoint, Intersects, LineString, MultiPolygon, Polygon, Rect,
    Simplify,
};

use tudi_core::analysis::enterprises::Disposition;
use tudi_core::error::{Error, Result};
use tudi_core::geodesy::{geodesic_distance, EqualArea};
use tudi_core::model::{union_rect, Progress};
use tudi_core::outcome::Outcome;

use super::escape;
use super::palette::{self, Class, Color, Look, Weight};
use tudi_core::vocab::Lang;

/// Fonts named in the SVG, a Chinese-capable one first: Chromium and
/// resvg both take the first family installed.
pub const FONTS: &str = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif";

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
    /// The framed extent with its margin, inside `map_box`: what the map
    /// draws (features beyond it are clipped) and where labels go.
    pub view: [f64; 4],
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
        let (left, top) = (
            x0 + 0.5 * ((x1 - x0) - w * scale),
            y0 + 0.5 * ((y1 - y0) - h * scale),
        );
        let margin = 0.02 * (w * scale).max(h * scale);
        Frame {
            projection,
            west,
            north,
            scale,
            left,
            top,
            map_box,
            view: [
                (left - margin).max(x0),
                (top - margin).max(y0),
                (left + w * scale + margin).min(x1),
                (top + h * scale + margin).min(y1),
            ],
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

    /// Whether `p` (pixels) lies in the view.
    fn inside(&self, p: Coord<f64>) -> bool {
        let [x0, y0, x1, y1] = self.view;
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
    /// Whether some ring lies (at least in part) in the view.
    visible: bool,
}

impl<'a> PathData<'a> {
    fn new(frame: &'a Frame) -> Self {
        PathData {
            frame,
            d: String::new(),
            visible: false,
        }
    }

    /// One ring, simplified to a third of a pixel and rounded; exterior
    /// rings clockwise on screen and holes anticlockwise, so the nonzero
    /// rule fills them right when many features share a path. False when
    /// the ring is under a pixel; a ring wholly beyond the view is left
    /// out.
    fn ring(&mut self, ring: &LineString<f64>, exterior: bool) -> bool {
        let px: LineString<f64> = ring.0.iter().map(|&c| self.frame.px(c)).collect();
        let Some(bb) = px.bounding_rect() else {
            return false;
        };
        if bb.width() < 1.0 && bb.height() < 1.0 {
            return false;
        }
        let [x0, y0, x1, y1] = self.frame.view;
        if bb.max().x < x0 || bb.min().x > x1 || bb.max().y < y0 || bb.min().y > y1 {
            return true;
        }
        self.visible = true;
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

    /// Draws the polygons and returns `None`; when all are under a pixel,
    /// returns instead the place for a dot (their interior point), if it
    /// lies in the view.
    fn multi_polygon(&mut self, mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
        let mut drawn = false;
        for p in &mp.0 {
            drawn |= self.polygon(p);
        }
        if drawn {
            None
        } else {
            mp.interior_point()
                .map(|p| self.frame.px(p.0))
                .filter(|&p| self.frame.inside(p))
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

/// A legend entry's symbol.
enum Swatch {
    /// A polygon class: fill (`None`, hollow), outline, its width, dash.
    Fill {
        fill: Option<Color>,
        stroke: Color,
        width: f64,
        dashed: bool,
    },
    Dot(Color),
    /// A line: colour, width.
    Line(Color, f64),
}

/// The legend: the classes drawn, in order.
struct Legend(Vec<(Swatch, String)>);

impl Legend {
    fn fill(&mut self, class: &Class, u: f64, lang: Lang) {
        self.0.push((
            Swatch::Fill {
                fill: class.look.fill,
                stroke: class.look.stroke,
                width: stroke_px(class.look.weight, u),
                dashed: class.look.dashed,
            },
            class.label(lang).to_string(),
        ));
    }
}

/// An outline's width on the report's map.
fn stroke_px(weight: Weight, u: f64) -> f64 {
    match weight {
        Weight::Hairline => 0.8 * u,
        Weight::Thin => 1.2 * u,
        Weight::Border => 2.0 * u,
        Weight::Bold => 3.0 * u,
    }
}

/// A filled SVG path, outlined in a class's look.
fn outlined_path(out: &mut String, d: &str, fill: &str, look: &Look, u: f64) {
    let _ = writeln!(
        out,
        r#"<path d="{d}" fill="{fill}"{}/>"#,
        stroke_attrs(look, u)
    );
}

/// SVG attributes for a class's outline: colour, width, dash.
fn stroke_attrs(look: &Look, u: f64) -> String {
    let mut a = format!(
        r#" stroke="{}" stroke-width="{:.1}" stroke-linejoin="round""#,
        look.stroke.hex(),
        stroke_px(look.weight, u)
    );
    if look.dashed {
        let _ = write!(a, r#" stroke-dasharray="{:.1} {:.1}""#, 4.0 * u, 3.0 * u);
    }
    a
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
/// area or a sample inside a district), then the data — parcels,
/// townships and parks. Enterprise positions do not count, as one bad
/// geocode would shrink the district to a corner; nor do vacated
/// records: they claim land on the parcels, and one lying off every
/// parcel (a ledger error, reported by the checks) would stretch the map
/// into an empty margin.
pub fn map_extent(o: &Outcome) -> Option<Rect<f64>> {
    let m = &o.model;
    let others = rect_of(
        m.townships
            .iter()
            .flatten()
            .map(|t| &t.geometry)
            .chain(m.parks.iter().flatten().map(|p| &p.geometry)),
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

/// A box in pixels: left, top, right, bottom.
type PxBox = [f64; 4];

fn overlaps(a: &PxBox, b: &PxBox) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn contains(outer: &PxBox, inner: &PxBox) -> bool {
    outer[0] <= inner[0] && outer[1] <= inner[1] && inner[2] <= outer[2] && inner[3] <= outer[3]
}

/// The estimated advance of `text` at `size` px: ASCII 0.6 em, anything
/// else (CJK, full-width punctuation, symbols) a full em.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// The box of a label centred on `at.x` with its baseline at `at.y`, its
/// white halo (a stroke a quarter of the size wide) included.
fn label_box(at: Coord<f64>, text: &str, size: f64) -> PxBox {
    let (half, halo) = (text_width(text, size) / 2.0, size / 8.0);
    [
        at.x - half - halo,
        at.y - 0.9 * size - halo,
        at.x + half + halo,
        at.y + 0.25 * size + halo,
    ]
}

/// A label to place: its text, size (px), and the places (centre of the
/// baseline) it may go, best first.
struct Wanted {
    text: String,
    size: f64,
    candidates: Vec<Coord<f64>>,
}

/// The placement pass: labels in order (the first the most important)
/// each take their first candidate whose box lies inside `bounds` and at
/// least `gap` px from every label placed before; a label with no such
/// place is dropped (`None`).
fn place_labels(wanted: &[Wanted], bounds: PxBox, gap: f64) -> Vec<Option<Coord<f64>>> {
    let mut taken: Vec<PxBox> = Vec::new();
    wanted
        .iter()
        .map(|w| {
            let at = w.candidates.iter().copied().find(|&at| {
                let b = label_box(at, &w.text, w.size);
                let padded = [b[0] - gap, b[1] - gap, b[2] + gap, b[3] + gap];
                contains(&bounds, &b) && !taken.iter().any(|t| overlaps(t, &padded))
            })?;
            taken.push(label_box(at, &w.text, w.size));
            Some(at)
        })
        .collect()
}

/// Places for a label of `text` about a feature whose box is `bb` and
/// whose interior point is `at` (pixels): on it, then above, below,
/// right, left, then a line further above and below.
fn around(at: Coord<f64>, bb: PxBox, text: &str, size: f64) -> Vec<Coord<f64>> {
    let (half, halo, gap) = (text_width(text, size) / 2.0, size / 8.0, 0.3 * size);
    let mid = at.y + 0.35 * size;
    let above = bb[1] - gap - 0.25 * size - halo;
    let below = bb[3] + gap + 0.9 * size + halo;
    let line = 1.3 * size;
    [
        (at.x, mid),
        (at.x, above),
        (at.x, below),
        (bb[2] + gap + half + halo, mid),
        (bb[0] - gap - half - halo, mid),
        (at.x, above - line),
        (at.x, below + line),
    ]
    .map(|(x, y)| Coord { x, y })
    .to_vec()
}

/// Renders the map of `o`, `width` pixels wide (at least 400).
pub fn district_map(o: &Outcome, lang: Lang, width: u32) -> DistrictMap {
    let page = Page::new(o, width);
    let mut map = Drawing {
        o,
        lang,
        frame: page.frame,
        u: page.u,
        s: String::with_capacity(1 << 16),
        legend: Legend(Vec::new()),
    };
    map.head(&page);
    // The layers, bottom to top, clipped to the view; each adds its
    // classes to the legend when it shows any.
    map.s.push_str("<g clip-path=\"url(#map-clip)\">\n");
    let district = map.district_fill();
    map.townships();
    map.blocks();
    map.parks();
    map.vacated();
    map.scattered();
    map.counties();
    map.moves();
    map.targets();
    map.district_outline(&district);
    map.s.push_str("</g>\n");
    let Drawing { mut s, legend, .. } = map;

    map_labels(&mut s, o, &page.frame, page.u);
    furniture(&mut s, &legend, &page.frame, lang, page.u, page.width);
    s.push_str("</svg>\n");

    let mpp = page.frame.metres_per_px();
    let bar_m = nice_length(page.map_w * mpp);
    DistrictMap {
        svg: s,
        frame: page.frame,
        width: page.width,
        height: page.height,
        scale_bar_m: bar_m,
        scale_bar_px: bar_m / mpp,
    }
}

/// The page's layout: its size, the unit every size scales with, and
/// where the map goes.
struct Page {
    width: f64,
    height: f64,
    /// The scale of every size: 1 on a page 1 600 px wide.
    u: f64,
    pad: f64,
    title_h: f64,
    map_w: f64,
    map_h: f64,
    frame: Frame,
}

impl Page {
    /// Lays out a page `width` pixels wide (at least 400) for `o`: the
    /// title band above, the map, the legend's column right of it.
    fn new(o: &Outcome, width: u32) -> Page {
        let width = f64::from(width.max(400));
        let u = width / 1600.0;
        let pad = 24.0 * u;
        let title_h = 64.0 * u;
        let legend_w = 330.0 * u;
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
        let aspect = map_aspect(o.projection, extent);
        // The legend's column holds at most one row per class of the
        // layers present, then the projection, the scale bar and the
        // north arrow.
        let row_h = 33.0 * u;
        let legend_h = 60.0 * u + row_h * legend_rows(o) as f64 + 200.0 * u;
        let map_h = (map_w * aspect).max(legend_h);
        let map_box = [pad, title_h, pad + map_w, title_h + map_h];
        Page {
            width,
            height: (title_h + map_h + pad).round(),
            u,
            pad,
            title_h,
            map_w,
            map_h,
            frame: Frame::fit(o.projection, extent, map_box),
        }
    }
}

/// The height over the width of `extent` as projected, clamped to
/// 0.55–1.35.
fn map_aspect(projection: EqualArea, extent: Rect<f64>) -> f64 {
    let probe = Frame::fit(projection, extent, [0.0, 0.0, 1000.0, 1000.0]);
    let corner = probe.px(Coord {
        x: extent.max().x,
        y: extent.min().y,
    });
    let top_left = probe.px(Coord {
        x: extent.min().x,
        y: extent.max().y,
    });
    ((corner.y - top_left.y) / (corner.x - top_left.x).max(1e-9)).clamp(0.55, 1.35)
}

/// The most legend rows the layers of `o` can show.
fn legend_rows(o: &Outcome) -> usize {
    let m = &o.model;
    let far_classes = palette::park_far_classes(o.project.rules.min_park_far);
    4 + usize::from(m.townships.as_deref().is_some_and(|t| !t.is_empty()))
        + usize::from(!o.counties.is_empty() && m.counties.is_some())
        + if m.parks.as_deref().is_none_or(|p| p.is_empty()) {
            0
        } else if m.buildings.is_some() {
            // the FAR classes, planned parks and the move lines
            far_classes.len() + 2
        } else {
            3
        }
        + if m.vacated.as_deref().is_none_or(|v| v.is_empty()) {
            0
        } else {
            4
        }
        + palette::dispositions().len()
}

/// The map being drawn: the outcome, its frame and unit, the SVG so far
/// and the legend of the classes shown.
struct Drawing<'a> {
    o: &'a Outcome,
    lang: Lang,
    frame: Frame,
    u: f64,
    s: String,
    legend: Legend,
}

impl Drawing<'_> {
    /// The SVG's opening, the view's clip path, the page and map
    /// backgrounds, and the title band.
    fn head(&mut self, page: &Page) {
        let (s, o, u, lang) = (&mut self.s, self.o, self.u, self.lang);
        let (width, height, pad, title_h) = (page.width, page.height, page.pad, page.title_h);
        let (map_box, view) = (self.frame.map_box, self.frame.view);
        let _ = writeln!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONTS}">"##,
            w = width,
            h = height,
        );
        let _ = writeln!(
            s,
            r##"<defs><clipPath id="map-clip"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath></defs>"##,
            view[0],
            view[1],
            view[2] - view[0],
            view[3] - view[1]
        );
        let has_boundary = o.model.boundary.as_ref().is_some_and(|b| !b.is_empty());
        let _ = writeln!(
            s,
            r##"<rect width="{width}" height="{height}" fill="#ffffff"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" stroke="#d9d9d0"/>"##,
            map_box[0],
            map_box[1],
            page.map_w,
            page.map_h,
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
    }

    /// The district, white on the grey beyond it; returns its path data
    /// for the outline drawn last. The outline is listed in the legend
    /// when it crosses the view (a district larger than the view shows
    /// none of it).
    fn district_fill(&mut self) -> String {
        let boundary = self.o.model.boundary.as_deref();
        let district = boundary.map_or(String::new(), |b| {
            let mut p = PathData::new(&self.frame);
            for z in b {
                p.multi_polygon(&z.geometry);
            }
            p.d
        });
        if !district.is_empty() {
            let _ = writeln!(self.s, r##"<path d="{district}" fill="#ffffff"/>"##);
        }
        let view = self.frame.view;
        let view_rect = Rect::new(
            Coord {
                x: view[0],
                y: view[1],
            },
            Coord {
                x: view[2],
                y: view[3],
            },
        );
        let outline_shown = boundary.into_iter().flatten().any(|z| {
            z.geometry.0.iter().any(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .any(|ring| {
                        let px: LineString<f64> =
                            ring.0.iter().map(|&c| self.frame.px(c)).collect();
                        px.intersects(&view_rect)
                    })
            })
        });
        if outline_shown {
            self.legend.0.push((
                Swatch::Line(palette::boundary().look.stroke, 2.5 * self.u),
                palette::boundary().label(self.lang).to_string(),
            ));
        }
        district
    }

    /// The townships.
    fn townships(&mut self) {
        let township = palette::township();
        let mut p = PathData::new(&self.frame);
        for t in self.o.model.townships.iter().flatten() {
            p.multi_polygon(&t.geometry);
        }
        if p.visible {
            outlined_path(
                &mut self.s,
                &p.d,
                &township.look.fill.map_or("none".into(), Color::hex),
                &township.look,
                self.u,
            );
            self.legend.fill(&township, self.u, self.lang);
        }
    }

    /// The county borders, over the land and under the moves and firms,
    /// when the project spans several counties and outlines them.
    fn counties(&mut self) {
        if self.o.counties.is_empty() {
            return;
        }
        let county = palette::county();
        let mut p = PathData::new(&self.frame);
        for c in self.o.model.counties.iter().flatten() {
            p.multi_polygon(&c.geometry);
        }
        if p.visible {
            outlined_path(&mut self.s, &p.d, "none", &county.look, self.u);
            self.legend.0.push((
                Swatch::Line(county.look.stroke, stroke_px(county.look.weight, self.u)),
                county.label(self.lang).to_string(),
            ));
        }
    }

    /// Industrial blocks (dissolved), but the scattered ones: their red
    /// parcels, drawn later, cover them. Blocks under a pixel are
    /// dropped, the scattered parcels among them come back as red dots.
    fn blocks(&mut self) {
        let [_, block] = palette::blocks();
        let mut p = PathData::new(&self.frame);
        for b in self.o.blocks.blocks.iter().filter(|b| !b.scattered) {
            p.multi_polygon(&b.geometry);
        }
        if p.visible {
            let _ = writeln!(
                self.s,
                r#"<path d="{}" fill="{}" stroke="{}" stroke-width="{:.1}"/>"#,
                p.d,
                block.look.fill.map_or("none".into(), Color::hex),
                block.look.stroke.hex(),
                0.5 * self.u
            );
            self.legend.fill(&block, self.u, self.lang);
        }
    }

    /// Parks, by FAR class (one class when the buildings are unknown);
    /// a park under a pixel becomes a dot, drawn over them all.
    fn parks(&mut self) {
        let (o, u) = (self.o, self.u);
        let far_known = o.model.buildings.is_some();
        let far_classes = palette::park_far_classes(o.project.rules.min_park_far);
        let unknown = palette::park_unknown();
        let planned = palette::park_planned();
        let mut park_drawn = vec![false; far_classes.len()];
        let mut planned_drawn = false;
        let mut park_dots: Vec<(Coord<f64>, Color)> = Vec::new();
        for (park, stats) in o.model.parks.iter().flatten().zip(&o.far.parks) {
            let is_planned = park.planned(o.as_of);
            let class = if is_planned {
                (None, &planned)
            } else if far_known {
                let far = stats.density.far();
                far_classes
                    .iter()
                    .position(|c| c.holds(far))
                    .map(|i| (Some(i), &far_classes[i].class))
                    .unwrap_or((None, &unknown))
            } else {
                (None, &unknown)
            };
            let (index, look) = (class.0, &class.1.look);
            let fill = look.fill.unwrap_or(look.stroke);
            let mut p = PathData::new(&self.frame);
            let dot = p.multi_polygon(&park.geometry);
            if p.visible {
                outlined_path(&mut self.s, &p.d, &fill.hex(), look, u);
            }
            park_dots.extend(dot.map(|d| (d, fill)));
            if p.visible || dot.is_some() {
                match index {
                    Some(i) => park_drawn[i] = true,
                    None if is_planned => planned_drawn = true,
                    None => park_drawn.push(true),
                }
            }
        }
        for (dot, fill) in park_dots {
            dots_path(&mut self.s, &[dot], &fill.hex(), 4.0 * u, 1.0 * u);
        }
        for (c, _) in far_classes
            .iter()
            .zip(&park_drawn)
            .filter(|(_, &drawn)| drawn)
        {
            self.legend.fill(&c.class, u, self.lang);
        }
        if park_drawn.len() > far_classes.len() {
            self.legend.fill(&unknown, u, self.lang);
        }
        if planned_drawn {
            self.legend.fill(&planned, u, self.lang);
        }
    }

    /// Vacated land, by status, planned first so that done lies on top;
    /// a record failing a check is outlined.
    fn vacated(&mut self) {
        let (o, u) = (self.o, self.u);
        let Some(v) = &o.vacated else {
            return;
        };
        let records = o.model.vacated.as_deref().unwrap_or(&[]);
        let [done, in_progress, planned, _] = palette::vacated_status();
        let failed_class = palette::failed_check();
        let mut any_failed = false;
        let mut shown = Vec::new();
        for (status, class) in [
            (Progress::Planned, &planned),
            (Progress::InProgress, &in_progress),
            (Progress::Done, &done),
        ] {
            let fill = class.look.fill.unwrap_or(class.look.stroke).hex();
            let mut ok = PathData::new(&self.frame);
            let mut failed = PathData::new(&self.frame);
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
            let failed_look = Look {
                dashed: class.look.dashed,
                ..failed_class.look
            };
            for (p, look) in [(&ok, &class.look), (&failed, &failed_look)] {
                if p.visible {
                    let _ = writeln!(
                        self.s,
                        r#"<path d="{}" fill="{fill}" fill-opacity="0.85"{}/>"#,
                        p.d,
                        stroke_attrs(look, u)
                    );
                }
            }
            dots_path(&mut self.s, &dots, &fill, 3.0 * u, 0.0);
            any_failed |= failed.visible;
            if ok.visible || failed.visible || !dots.is_empty() {
                shown.push(class);
            }
        }
        // the legend in the order of progress: done first
        for class in [&done, &in_progress, &planned] {
            if shown.contains(&class) {
                self.legend.fill(class, u, self.lang);
            }
        }
        if any_failed {
            self.legend.fill(&failed_class, u, self.lang);
        }
    }

    /// Scattered parcels, on the land left between the blocks and over
    /// any vacated land they hold; those under a pixel as dots.
    fn scattered(&mut self) {
        let (o, u) = (self.o, self.u);
        let scattered = palette::scattered(o.project.rules.scattered_max_mu);
        let mut p = PathData::new(&self.frame);
        let mut dots = Vec::new();
        for (parcel, _) in o
            .model
            .parcels
            .iter()
            .zip(&o.blocks.scattered)
            .filter(|(_, &s)| s)
        {
            dots.extend(p.multi_polygon(&parcel.geometry));
        }
        let fill = scattered.look.fill.unwrap_or(scattered.look.stroke);
        if p.visible {
            outlined_path(&mut self.s, &p.d, &fill.hex(), &scattered.look, u);
        }
        dots_path(&mut self.s, &dots, &fill.hex(), 1.5 * u, 0.0);
        if p.visible || !dots.is_empty() {
            self.legend.fill(&scattered, u, self.lang);
        }
    }

    /// The placement plan's moves, each a thin line from the firm to its
    /// park's anchor, under the firms' dots and over the land; a move
    /// under a pixel, or wholly beyond the view, is left out.
    fn moves(&mut self) {
        let (o, u, frame) = (self.o, self.u, &self.frame);
        let Some(plan) = &o.placement else {
            return;
        };
        let [x0, y0, x1, y1] = frame.view;
        let mut d = String::new();
        for m in &plan.moves {
            let Some(to) = m.park.and_then(|p| plan.parks[p].anchor) else {
                continue;
            };
            let (a, b) = (
                frame.px(o.model.enterprises[m.enterprise].location),
                frame.px(to),
            );
            let beyond =
                a.x.max(b.x) < x0 || a.x.min(b.x) > x1 || a.y.max(b.y) < y0 || a.y.min(b.y) > y1;
            let (a, b) = (
                (to_tenths(a.x), to_tenths(a.y)),
                (to_tenths(b.x), to_tenths(b.y)),
            );
            if beyond || (b.0 - a.0).abs().max((b.1 - a.1).abs()) < 10 {
                continue;
            }
            d.push('M');
            tenths(&mut d, a.0);
            d.push(' ');
            tenths(&mut d, a.1);
            d.push('l');
            tenths(&mut d, b.0 - a.0);
            if b.1 >= a.1 {
                d.push(' ');
            }
            tenths(&mut d, b.1 - a.1);
        }
        if d.is_empty() {
            return;
        }
        let class = palette::move_line();
        let width = stroke_px(class.look.weight, u);
        let _ = writeln!(
            self.s,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{width:.1}" stroke-linecap="round"/>"#,
            class.look.stroke.hex()
        );
        self.legend.0.push((
            Swatch::Line(class.look.stroke, width),
            class.label(self.lang).to_string(),
        ));
    }

    /// Targets as dots, by disposition; the ones shown later sit on top,
    /// so the gravest (close) is drawn last.
    fn targets(&mut self) {
        let (o, u, frame) = (self.o, self.u, &self.frame);
        let targets = o.assessments.iter().filter(|a| a.is_target()).count();
        // Dots shrink as they crowd: their total ink stays about that of
        // 1 500 full-size dots.
        let radius = (4.5 * (1500.0 / targets.max(1) as f64).sqrt().min(1.0)).max(1.3) * u;
        let halo = (0.3 * radius).min(1.2 * u);
        let mut dispositions_drawn: Vec<Disposition> = Vec::new();
        for (d, _) in o.disposition_counts().into_iter().rev() {
            let at: Vec<Coord<f64>> = o
                .model
                .enterprises
                .iter()
                .zip(&o.assessments)
                .filter(|(_, a)| a.disposition == Some(d))
                .map(|(e, _)| frame.px(e.location))
                .filter(|&p| frame.inside(p))
                .collect();
            let class = palette::disposition(d);
            let colour = class.look.fill.unwrap_or(class.look.stroke);
            dots_path(&mut self.s, &at, &colour.hex(), radius, halo);
            if !at.is_empty() {
                dispositions_drawn.push(d);
            }
        }
        for d in Disposition::ALL {
            if dispositions_drawn.contains(&d) {
                let class = palette::disposition(d);
                let colour = class.look.fill.unwrap_or(class.look.stroke);
                self.legend
                    .0
                    .push((Swatch::Dot(colour), class.label(self.lang).to_string()));
            }
        }
    }

    /// The district outline on top of every layer (`district`: the path
    /// data its fill drew first).
    fn district_outline(&mut self, district: &str) {
        if !district.is_empty() {
            let boundary = palette::boundary();
            let _ = writeln!(
                self.s,
                r#"<path d="{district}" fill="none" stroke="{}" stroke-width="{:.1}" stroke-linejoin="round"/>"#,
                boundary.look.stroke.hex(),
                2.5 * self.u
            );
        }
    }
}

/// The names of counties (when several), townships and parks, placed by
/// [`place_labels`] inside
/// the view: townships first (their names may move within them), then
/// parks, the largest first. Sizes have a floor so that a narrow map
/// stays legible: it drops names rather than shrink them.
fn map_labels(s: &mut String, o: &Outcome, frame: &Frame, u: f64) {
    let px_box = |mp: &MultiPolygon<f64>| -> Option<PxBox> {
        let pts: Vec<Coord<f64>> =
            mp.0.iter()
                .flat_map(|p| p.exterior().0.iter().map(|&c| frame.px(c)))
                .collect();
        let r = LineString(pts).bounding_rect()?;
        Some([r.min().x, r.min().y, r.max().x, r.max().y])
    };
    let mut wanted: Vec<(Wanted, String, u32)> = Vec::new();
    // county names first, over their townships', when there are several
    let counties = if o.counties.is_empty() {
        &[][..]
    } else {
        o.model.counties.as_deref().unwrap_or(&[])
    };
    // a division's name, inside its largest piece: `spread` of its box
    // apart, in the order of `offsets`
    let division = |d: &tudi_core::model::Division,
                    size: f64,
                    spread: f64,
                    offsets: [(f64, f64); 5]|
     -> Option<Wanted> {
        let largest = d.geometry.0.iter().max_by(|a, b| {
            let area = |p: &Polygon<f64>| p.bounding_rect().map_or(0.0, |r| r.width() * r.height());
            area(a).total_cmp(&area(b))
        });
        let at = frame.px(largest.and_then(|p| p.interior_point())?.0);
        let bb = px_box(&d.geometry)?;
        let (dx, dy) = (spread * (bb[2] - bb[0]), spread * (bb[3] - bb[1]));
        Some(Wanted {
            text: d.name.clone().unwrap_or_else(|| d.code.clone()),
            size,
            candidates: offsets
                .map(|(kx, ky)| Coord {
                    x: at.x + kx * dx,
                    y: at.y + 0.35 * size + ky * dy,
                })
                .to_vec(),
        })
    };
    let county_size = (22.0 * u).max(15.0);
    for c in counties {
        let offsets = [(0.0, -1.0), (0.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (1.0, 0.0)];
        if let Some(w) = division(c, county_size, 0.25, offsets) {
            wanted.push((w, palette::county().look.stroke.hex(), 700));
        }
    }
    let town_size = (17.0 * u).max(13.0);
    for t in o.model.townships.as_deref().unwrap_or(&[]) {
        // within the township: nearer its middle first
        let offsets = [(0.0, 0.0), (0.0, -1.0), (0.0, 1.0), (-1.0, 0.0), (1.0, 0.0)];
        if let Some(w) = division(t, town_size, 0.2, offsets) {
            wanted.push((w, "#5d5440".to_string(), 700));
        }
    }
    let parks = o.model.parks.as_deref().unwrap_or(&[]);
    if parks.len() <= 40 {
        let park_size = (12.0 * u).max(11.0);
        let mut by_area: Vec<&tudi_core::model::Park> = parks.iter().collect();
        by_area.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
        for park in by_area {
            let (Some(at), Some(bb)) = (park.geometry.interior_point(), px_box(&park.geometry))
            else {
                continue;
            };
            wanted.push((
                Wanted {
                    candidates: around(frame.px(at.0), bb, &park.name, park_size),
                    text: park.name.clone(),
                    size: park_size,
                },
                "#3f007d".to_string(),
                400,
            ));
        }
    }
    let requests: Vec<Wanted> = wanted
        .iter()
        .map(|(w, _, _)| Wanted {
            text: w.text.clone(),
            size: w.size,
            candidates: w.candidates.clone(),
        })
        .collect();
    let inset = 2.0 * u;
    let bounds = [
        frame.view[0] + inset,
        frame.view[1] + inset,
        frame.view[2] - inset,
        frame.view[3] - inset,
    ];
    for ((w, fill, weight), at) in wanted.iter().zip(place_labels(&requests, bounds, 2.0 * u)) {
        let Some(at) = at else { continue };
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="{:.1}" font-weight="{weight}" fill="{fill}" text-anchor="middle" stroke="#ffffff" stroke-width="{:.1}" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            at.x,
            at.y,
            w.size,
            w.size / 4.0,
            escape(&w.text)
        );
    }
}

/// The legend column right of the map: the legend, the projection, the
/// scale bar and the north arrow, all off the map.
fn furniture(s: &mut String, legend: &Legend, frame: &Frame, lang: Lang, u: f64, width: f64) {
    let map_box = frame.map_box;
    let lx = map_box[2] + 24.0 * u;
    let ly = legend_entries(s, legend, lx, map_box[1] + 8.0 * u, lang, u);
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}" font-size="{:.1}" fill="#888888">{}</text>"##,
        ly + 30.0 * u,
        12.0 * u,
        lang.pick("CGCS2000 · Albers 等积投影", "CGCS2000 · Albers equal-area")
    );
    let (bx, by) = (lx + 6.0 * u, ly + 78.0 * u);
    scale_bar(s, frame, bx, by, u, width);
    north_arrow(s, lx + 20.0 * u, by + 30.0 * u, u);
}

/// The legend's title and one row per entry, from `ly` down at `lx`;
/// returns the y under the last row.
fn legend_entries(s: &mut String, legend: &Legend, lx: f64, ly: f64, lang: Lang, u: f64) -> f64 {
    let _ = writeln!(
        s,
        r##"<g id="legend"><text x="{lx:.1}" y="{:.1}" font-size="{:.1}" font-weight="700" fill="#222222">{}</text>"##,
        ly + 20.0 * u,
        19.0 * u,
        lang.pick("图例", "Legend")
    );
    let mut ly = ly + 44.0 * u;
    let row_h = 33.0 * u;
    let sw = 34.0 * u;
    for (swatch, text) in &legend.0 {
        let cy = ly + row_h / 2.0;
        swatch_symbol(s, swatch, lx, cy, sw, u);
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
    s.push_str("</g>\n");
    ly
}

/// A legend entry's symbol, `sw` px wide from `lx`, centred on `cy`.
fn swatch_symbol(s: &mut String, swatch: &Swatch, lx: f64, cy: f64, sw: f64, u: f64) {
    match swatch {
        Swatch::Fill {
            fill,
            stroke,
            width,
            dashed,
        } => {
            let dash = if *dashed {
                format!(r#" stroke-dasharray="{:.1} {:.1}""#, 4.0 * u, 3.0 * u)
            } else {
                String::new()
            };
            let _ = write!(
                s,
                r#"<rect x="{lx:.1}" y="{:.1}" width="{sw:.1}" height="{:.1}" fill="{}" stroke="{}" stroke-width="{width:.1}"{dash}/>"#,
                cy - 9.0 * u,
                18.0 * u,
                fill.map_or("none".into(), Color::hex),
                stroke.hex()
            );
        }
        Swatch::Dot(colour) => {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{cy:.1}" r="{:.1}" fill="{}" stroke="#ffffff" stroke-width="{:.1}"/>"##,
                lx + sw / 2.0,
                6.5 * u,
                colour.hex(),
                1.5 * u
            );
        }
        Swatch::Line(colour, width) => {
            let _ = write!(
                s,
                r#"<line x1="{lx:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{}" stroke-width="{width:.1}"/>"#,
                lx + sw,
                colour.hex(),
            );
        }
    }
}

/// The scale bar at (`bx`, `by`): four segments, the length a fifth of
/// the map's width, its labels kept inside the page `width` px wide.
fn scale_bar(s: &mut String, frame: &Frame, bx: f64, by: f64, u: f64, width: f64) {
    let map_box = frame.map_box;
    let mpp = frame.metres_per_px();
    let bar_m = nice_length((map_box[2] - map_box[0]) * mpp);
    let bar_px = bar_m / mpp;
    let seg_h = 7.0 * u;
    let _ = write!(
        s,
        r##"<g id="scale-bar" data-metres="{bar_m}" data-px="{bar_px:.3}">"##
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
        // the last label ends inside the page
        let x = x.min(width - 2.0 * u - text_width(&text, 13.0 * u) / 2.0);
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" text-anchor="middle" fill="#333333">{text}</text>"##,
            by - 6.0 * u,
            13.0 * u
        );
    }
    s.push_str("</g>\n");
}

/// The north arrow, its tip at (`nx`, `ny`).
fn north_arrow(s: &mut String, nx: f64, ny: f64, u: f64) {
    let _ = writeln!(
        s,
        r##"<g><path d="M{nx:.1} {ny:.1}l{:.1} {:.1}l{:.1} {:.1}z" fill="#333333"/><path d="M{nx:.1} {ny:.1}l{:.1} {:.1}l{:.1} {:.1}z" fill="#ffffff" stroke="#333333" stroke-width="{:.1}"/><text x="{:.1}" y="{:.1}" font-size="{:.1}" font-weight="700" fill="#333333">N</text></g>"##,
        12.0 * u,
        40.0 * u,
        -12.0 * u,
        -10.0 * u,
        -12.0 * u,
        40.0 * u,
        12.0 * u,
        -10.0 * u,
        1.0 * u,
        nx + 20.0 * u,
        ny + 36.0 * u,
        16.0 * u,
    );
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
        assert!(zh.contains(">图例<") && zh.contains(">零散工业地块（&lt; 5 亩）<"));
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
        // the data; the district is drawn (white) but its outline lies
        // beyond the view, so the legend does not list it
        let (o, data, _) = with_boundary(4.0);
        assert_eq!(map_extent(&o), Some(data));
        let m = district_map(&o, Lang::Zh, 1600);
        assert!(fills(&m, data));
        assert!(m.svg.contains("fill=\"#ffffff\"/>") && !m.svg.contains(">区界<"));
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

    fn wanted(text: &str, size: f64, at: &[(f64, f64)]) -> Wanted {
        Wanted {
            text: text.into(),
            size,
            candidates: at.iter().map(|&(x, y)| Coord { x, y }).collect(),
        }
    }

    const PAGE: PxBox = [0.0, 0.0, 1000.0, 1000.0];

    #[test]
    fn label_boxes_follow_size_and_script() {
        // three CJK characters at 10 px: 30 px wide, plus a 1.25 px halo
        let b = label_box(Coord { x: 100.0, y: 50.0 }, "小微园", 10.0);
        assert_eq!(b, [83.75, 39.75, 116.25, 53.75]);
        // ASCII is 0.6 em: "2期" is 16 px at 10 px
        assert_eq!(text_width("2期", 10.0), 16.0);
    }

    #[test]
    fn a_colliding_label_moves_to_its_next_place() {
        // two names wanting the same spot: the second takes its place below
        let w = [
            wanted("新城街道栖南小微企业园", 12.0, &[(500.0, 500.0)]),
            wanted(
                "新城街道栖南小微企业园2期",
                12.0,
                &[(505.0, 503.0), (505.0, 530.0)],
            ),
        ];
        let placed = place_labels(&w, PAGE, 2.0);
        assert_eq!(placed[0], Some(Coord { x: 500.0, y: 500.0 }));
        assert_eq!(placed[1], Some(Coord { x: 505.0, y: 530.0 }));
        let (a, b) = (
            label_box(placed[0].unwrap(), &w[0].text, 12.0),
            label_box(placed[1].unwrap(), &w[1].text, 12.0),
        );
        assert!(!overlaps(&a, &b));
    }

    #[test]
    fn a_label_with_no_free_place_is_dropped_and_the_next_still_placed() {
        let w = [
            wanted("王店镇", 20.0, &[(500.0, 500.0)]),
            wanted("园区", 12.0, &[(500.0, 500.0), (510.0, 495.0)]),
            wanted("别处", 12.0, &[(100.0, 100.0)]),
        ];
        assert_eq!(
            place_labels(&w, PAGE, 2.0),
            [
                Some(Coord { x: 500.0, y: 500.0 }),
                None,
                Some(Coord { x: 100.0, y: 100.0 })
            ]
        );
    }

    #[test]
    fn labels_stay_inside_the_bounds() {
        // centred on the left edge, a name would be cut: it goes right
        let w = [wanted(
            "油车港镇顾新小微企业园",
            12.0,
            &[(10.0, 300.0), (80.0, 300.0)],
        )];
        assert_eq!(
            place_labels(&w, PAGE, 2.0),
            [Some(Coord { x: 80.0, y: 300.0 })]
        );
        // and with no place inside, none is drawn
        let w = [wanted("洪合镇", 12.0, &[(500.0, 5.0), (500.0, 1004.0)])];
        assert_eq!(place_labels(&w, PAGE, 2.0), [None]);
    }

    #[test]
    fn the_gap_keeps_labels_apart() {
        // boxes 1 px apart collide with a 2 px gap, not without one
        let a = wanted("AB", 10.0, &[(100.0, 100.0)]);
        let right = label_box(Coord { x: 100.0, y: 100.0 }, "AB", 10.0)[2];
        let x = right + 1.0 + 6.0 + 1.25;
        let b = wanted("AB", 10.0, &[(x, 100.0)]);
        let both = [a, b];
        assert!(place_labels(&both, PAGE, 2.0)[1].is_none());
        assert!(place_labels(&both, PAGE, 0.0)[1].is_some());
    }

    #[test]
    fn names_of_neighbouring_parks_find_places_around_them() {
        // three small parks side by side, as 栖南 and its 2期 and 3期: each
        // name is placed, none over another
        let names = ["栖南小微企业园", "栖南小微企业园2期", "栖南小微企业园3期"];
        let w: Vec<Wanted> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let x = 400.0 + 40.0 * i as f64;
                let bb = [x - 15.0, 385.0, x + 15.0, 415.0];
                Wanted {
                    text: name.to_string(),
                    size: 12.0,
                    candidates: around(Coord { x, y: 400.0 }, bb, name, 12.0),
                }
            })
            .collect();
        let placed: Vec<Coord<f64>> = place_labels(&w, PAGE, 2.0)
            .into_iter()
            .map(|p| p.expect("placed"))
            .collect();
        for i in 0..3 {
            for j in i + 1..3 {
                let a = label_box(placed[i], names[i], 12.0);
                let b = label_box(placed[j], names[j], 12.0);
                assert!(!overlaps(&a, &b), "{} and {}", names[i], names[j]);
            }
        }
    }

    /// The hand-made placement fixture (9 firms placed), analysed.
    fn placement_fixture() -> Outcome {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/placement/project.toml");
        let project = tudi_core::config::Project::load(&path).unwrap();
        let model = tudi_read::load::load(&project).unwrap();
        tudi_core::analysis::run(project, model, &mut |_| {})
    }

    #[test]
    fn each_placed_firm_has_a_line_to_its_park_under_the_dots_over_the_parks() {
        let o = placement_fixture();
        let plan = o.placement.as_ref().unwrap();
        let m = district_map(&o, Lang::Zh, 1600);
        let blue = palette::move_line().look.stroke.hex();
        let tag = format!(r#"fill="none" stroke="{blue}""#);
        let at = m.svg.find(&tag).expect("a path of move lines");
        let start = m.svg[..at].rfind(" d=\"").unwrap() + 4;
        let d = &m.svg[start..start + m.svg[start..].find('"').unwrap()];
        // each line from the firm to its park's anchor, in the plan's
        // order, to the tenth of a pixel
        let rounded = |c: Coord<f64>| {
            let p = m.frame.px(c);
            Coord {
                x: (p.x * 10.0).round() / 10.0,
                y: (p.y * 10.0).round() / 10.0,
            }
        };
        let want: Vec<Coord<f64>> = plan
            .moves
            .iter()
            .filter_map(|mv| {
                let to = plan.parks[mv.park?].anchor.unwrap();
                Some([o.model.enterprises[mv.enterprise].location, to])
            })
            .flatten()
            .map(rounded)
            .collect();
        assert_eq!(want.len(), 2 * 9);
        let got = path_points(d);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.x - w.x).abs() < 0.11 && (g.y - w.y).abs() < 0.11,
                "{g:?} vs {w:?}"
            );
        }
        // over the parks, under the firms' dots
        let into_park = palette::disposition(Disposition::IntoPark);
        let dots = m
            .svg
            .find(&format!(
                r#"stroke="{}" stroke-width"#,
                into_park.look.fill.unwrap().hex()
            ))
            .unwrap();
        let park_fill = palette::park_far_classes(o.project.rules.min_park_far)[0]
            .class
            .look
            .fill
            .unwrap()
            .hex();
        let parks = m.svg.find(&park_fill).unwrap();
        assert!(parks < at && at < dots, "{parks} < {at} < {dots}");
        let legend = &m.svg[m.svg.find("<g id=\"legend\">").unwrap()..];
        assert!(legend.contains(&format!(r#"stroke="{blue}" stroke-width="1.2"/>"#)));
        assert!(legend.contains(">入园安置路线<"));
        assert!(district_map(&o, Lang::En, 1600)
            .svg
            .contains(">Move into a park<"));
        // the same outcome draws the same bytes
        assert_eq!(district_map(&o, Lang::Zh, 1600).svg, m.svg);
    }

    #[test]
    fn the_legend_lists_only_what_is_drawn() {
        let o = land_fixture();
        let m = district_map(&o, Lang::Zh, 1600);
        let legend = &m.svg[m.svg.find("<g id=\"legend\">").unwrap()..];
        let legend = &legend[..legend.find("</g>").unwrap()];
        // no boundary in the fixture: no 区界; each disposition listed
        // has a dot of its colour on the map
        assert!(!legend.contains("区界"));
        let moves = m.svg.contains(&format!(
            r#"fill="none" stroke="{}""#,
            palette::move_line().look.stroke.hex()
        ));
        assert_eq!(legend.contains(">入园安置路线<"), moves);
        for class in palette::dispositions() {
            let colour = class.look.fill.unwrap().hex();
            let dots = m.svg.contains(&format!("stroke=\"{colour}\" stroke-width"));
            assert_eq!(
                legend.contains(&format!(">{}<", class.zh)),
                dots,
                "{}",
                class.zh
            );
        }
    }
}
