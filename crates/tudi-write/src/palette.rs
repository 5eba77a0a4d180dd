//! The one table of map classes: for each thing a map shows, its class
//! key (the attribute value or range), its colours and symbol, and its
//! label in Chinese and English. The report's SVG map (`map.rs`) and the
//! QGIS styles (`styles.rs`) both read it, so the two maps of a run draw
//! the same classes in the same colours under the same names.
//!
//! Colours differ for different things: the main colour (fill, or the
//! outline of a hollow class) of every class a map shows at once is at
//! least [`MIN_DELTA_E`] apart (CIELAB ΔE\*76) from every other's (a test
//! checks it).

use tudi_core::analysis::enterprises::Disposition;
use tudi_core::model::Progress;
use tudi_core::vocab::{self, Lang, Term};

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
    /// SVG's `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// How heavy an outline is; each medium turns it into a width (QGIS mm,
/// SVG pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Hairline,
    Thin,
    /// A border between divisions (counties).
    Border,
    /// A warning outline (a park under the minimum FAR, a failed check).
    Bold,
}

/// How one class is drawn: a filled (or hollow) polygon, or a dot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// `None`: hollow.
    pub fill: Option<Color>,
    pub stroke: Color,
    pub weight: Weight,
    pub dashed: bool,
}

const fn look(fill: Color, stroke: Color) -> Look {
    Look {
        fill: Some(fill),
        stroke,
        weight: Weight::Thin,
        dashed: false,
    }
}

const fn hollow(stroke: Color, weight: Weight, dashed: bool) -> Look {
    Look {
        fill: None,
        stroke,
        weight,
        dashed,
    }
}

/// One class of a map: the value of the layer's attribute it stands for
/// (`""`: every other value), its look and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub key: &'static str,
    pub look: Look,
    pub zh: String,
    pub en: String,
}

impl Class {
    /// A class named by a vocabulary term.
    fn term(key: &'static str, look: Look, term: Term) -> Class {
        Class::new(key, look, term.zh, term.en)
    }

    fn new(key: &'static str, look: Look, zh: &str, en: &str) -> Class {
        Class {
            key,
            look,
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// Dark text and outlines.
pub const DARK: Color = Color::rgb(60, 60, 60);
const WHITE: Color = Color::rgb(255, 255, 255);

/// The district boundary: a dark line.
pub fn boundary() -> Class {
    Class::new(
        "",
        hollow(Color::rgb(51, 51, 51), Weight::Bold, false),
        "区界",
        "District boundary",
    )
}

/// County borders, in a project of several counties: a brown line, bolder
/// than the townships' and lighter than the district's.
pub fn county() -> Class {
    Class::new(
        "",
        hollow(Color::rgb(140, 96, 50), Weight::Border, false),
        "县（市、区）界",
        "County boundary",
    )
}

/// Townships: a pale ground with a dashed outline.
pub fn township() -> Class {
    Class::term(
        "",
        Look {
            dashed: true,
            ..look(Color::rgb(243, 239, 228), Color::rgb(168, 159, 135))
        },
        vocab::TOWNSHIP,
    )
}

/// Industrial blocks (`scattered`): the scattered ones lie under their
/// red parcels; the others grey.
pub fn blocks() -> [Class; 2] {
    let edge = Color::rgb(150, 150, 150);
    [
        Class::new(
            "true",
            look(Color::rgb(252, 187, 161), edge),
            "零散工业地块所在地块群",
            "Block of scattered plots",
        ),
        Class::new(
            "",
            look(Color::rgb(189, 189, 189), edge),
            "工业用地（连片地块）",
            "Industrial land (blocks)",
        ),
    ]
}

/// Scattered industrial parcels: the planners' red.
pub fn scattered(max_mu: f64) -> Class {
    let mu = super::fixed(max_mu, 0);
    Class {
        key: "",
        look: look(Color::rgb(227, 26, 28), Color::rgb(153, 0, 13)),
        zh: format!("零散工业地块（< {mu} 亩）"),
        en: format!("Scattered plot (< {mu} mu)"),
    }
}

/// Low-density industrial parcels (FAR under the parcels' minimum): teal,
/// a colour no other class uses.
pub fn low_density(min_far: f64) -> Class {
    let far = super::fixed(min_far, 1);
    Class {
        key: "",
        look: look(Color::rgb(128, 205, 193), Color::rgb(1, 102, 94)),
        zh: format!("低效工业用地（容积率 < {far}）"),
        en: format!("Low-density industrial land (FAR < {far})"),
    }
}

/// The breaks of the park FAR classes: the district's minimum, then 2.0
/// and 3.0 where they lie above it. The minimum splits the parks the
/// rules flag from the others (the national control floor for industrial
/// land is 1.2, the default); 2.0 and 3.0 are the steps Zhejiang's
/// micro-park and "工业上楼" (multi-storey industry) guidance use, so a
/// planner reads the ramp as "below the minimum / meets it / good /
/// multi-storey".
pub fn far_breaks(min_far: f64) -> Vec<f64> {
    std::iter::once(min_far)
        .chain([2.0, 3.0].into_iter().filter(|&b| b > min_far))
        .collect()
}

/// A park FAR class: `lower <= far < upper` (`None`: unbounded).
#[derive(Debug, Clone, PartialEq)]
pub struct FarClass {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub class: Class,
}

impl FarClass {
    pub fn holds(&self, far: f64) -> bool {
        self.lower.is_none_or(|l| far >= l) && self.upper.is_none_or(|u| far < u)
    }
}

/// Park fill by FAR class, light to dark (ColorBrewer Purples); a park
/// under the minimum is outlined in red as well.
const PARK_FILLS: [Color; 4] = [
    Color::rgb(218, 218, 235),
    Color::rgb(158, 154, 200),
    Color::rgb(117, 107, 177),
    Color::rgb(84, 39, 143),
];
const PARK_EDGE: Color = Color::rgb(63, 0, 125);
const WARNING: Color = Color::rgb(215, 25, 28);

/// The park FAR classes for a district whose minimum is `min_far`: one
/// ramp, the first class (under the minimum) outlined in red. Keys
/// `far_0`, `far_1`… name the classes in the QGIS style.
pub fn park_far_classes(min_far: f64) -> Vec<FarClass> {
    const KEYS: [&str; 4] = ["far_0", "far_1", "far_2", "far_3"];
    let breaks = far_breaks(min_far);
    let f = |v: f64| super::fixed(v, 1);
    (0..=breaks.len())
        .map(|i| {
            let lower = i.checked_sub(1).map(|j| breaks[j]);
            let upper = breaks.get(i).copied();
            let (zh, en) = match (lower, upper) {
                (None, _) => (
                    format!("小微园 容积率 < {}（未达标）", f(min_far)),
                    format!("Park FAR < {} (below minimum)", f(min_far)),
                ),
                (Some(l), Some(u)) => (
                    format!("小微园 容积率 {}–{}", f(l), f(u)),
                    format!("Park FAR {}–{}", f(l), f(u)),
                ),
                (Some(l), None) => (
                    format!("小微园 容积率 ≥ {}", f(l)),
                    format!("Park FAR ≥ {}", f(l)),
                ),
            };
            let fill = PARK_FILLS[PARK_FILLS.len() - 1 - breaks.len() + i];
            let look = if i == 0 {
                Look {
                    weight: Weight::Bold,
                    ..look(fill, WARNING)
                }
            } else {
                look(fill, PARK_EDGE)
            };
            FarClass {
                lower,
                upper,
                class: Class {
                    key: KEYS[i],
                    look,
                    zh,
                    en,
                },
            }
        })
        .collect()
}

/// Parks not open on the report date (planned or being built): no FAR
/// yet, the lightest fill, dashed.
pub fn park_planned() -> Class {
    Class::new(
        "planned",
        Look {
            dashed: true,
            ..look(Color::rgb(239, 237, 245), PARK_EDGE)
        },
        "规划在建小微园",
        "Park planned or being built",
    )
}

/// Parks when the run has no building footprints (FAR unknown).
pub fn park_unknown() -> Class {
    Class::new(
        "",
        look(Color::rgb(188, 189, 220), PARK_EDGE),
        "小微企业园",
        "Micro-enterprise park",
    )
}

/// Vacated records by status (`done`, `in_progress`, `planned`): a green
/// ramp, planned ones dashed; `""` for any other value.
pub fn vacated_status() -> [Class; 4] {
    [
        Class::term(
            Progress::Done.name(),
            look(Color::rgb(26, 150, 65), Color::rgb(11, 94, 39)),
            Progress::Done.vacated_term(),
        ),
        Class::term(
            Progress::InProgress.name(),
            look(Color::rgb(166, 217, 106), Color::rgb(77, 146, 33)),
            Progress::InProgress.vacated_term(),
        ),
        Class::term(
            Progress::Planned.name(),
            Look {
                dashed: true,
                ..look(Color::rgb(199, 233, 192), Color::rgb(65, 171, 93))
            },
            Progress::Planned.vacated_term(),
        ),
        Class::new("", look(Color::rgb(150, 150, 150), DARK), "其他", "Other"),
    ]
}

/// A vacated record that fails a check: a bold violet outline over its
/// status fill.
pub fn failed_check() -> Class {
    Class::new(
        "",
        hollow(Color::rgb(123, 50, 148), Weight::Bold, false),
        "腾退核查未通过",
        "Vacated: failed check",
    )
}

/// Vacated records by check (`ok`, anything else): passed ones pale
/// green, the others the failed outline.
pub fn vacated_check() -> [Class; 2] {
    [
        Class::new(
            "ok",
            look(Color::rgb(217, 240, 211), Color::rgb(90, 174, 97)),
            "核查通过",
            "Check passed",
        ),
        Class {
            key: "",
            ..failed_check()
        },
    ]
}

/// Vacated blocks (`effective`): hollow, effective ones a dark green
/// outline, the others a dashed grey one.
pub fn vacated_blocks() -> [Class; 2] {
    [
        Class::new(
            "true",
            hollow(Color::rgb(0, 68, 27), Weight::Bold, false),
            "计入有效面积",
            "Counts as effective",
        ),
        Class::new(
            "",
            hollow(Color::rgb(115, 115, 115), Weight::Thin, true),
            "面积不足，不计入",
            "Too small, not counted",
        ),
    ]
}

/// The dispositions a target can get, keyed by their names, and the
/// non-targets (`""`). Close is a dark red, apart from the scattered
/// plots' bright red.
pub fn dispositions() -> [Class; 5] {
    let dot = |d: Disposition, c: Color| Class::term(d.name(), look(c, WHITE), d.term());
    [
        dot(Disposition::Close, Color::rgb(165, 0, 38)),
        dot(Disposition::Relocate, Color::rgb(253, 141, 60)),
        dot(Disposition::IntoPark, Color::rgb(44, 123, 182)),
        dot(Disposition::Upgrade, Color::rgb(255, 217, 47)),
        Class::new(
            "",
            look(Color::rgb(82, 82, 82), WHITE),
            "非整治对象",
            "Not a target",
        ),
    ]
}

/// The class of a disposition.
pub fn disposition(d: Disposition) -> Class {
    let [close, relocate, into_park, upgrade, _] = dispositions();
    match d {
        Disposition::Close => close,
        Disposition::Relocate => relocate,
        Disposition::IntoPark => into_park,
        Disposition::Upgrade => upgrade,
    }
}

/// A disposition's dot colour, `#rrggbb` (the report's chips and tables
/// show the map's dots).
pub fn disposition_colour(d: Disposition) -> String {
    let look = disposition(d).look;
    look.fill.unwrap_or(look.stroke).hex()
}

/// The colour of a firm's move into a park: the `into_park` dots'.
fn move_colour() -> Color {
    let look = disposition(Disposition::IntoPark).look;
    look.fill.unwrap_or(look.stroke)
}

/// The placement plan's move lines (firm → park) by the disposition that
/// sent the firm to seek a park, keyed by its name and in `seek`'s order:
/// thin lines in the colour of firms going into a park, solid for
/// `into_park` and dashed for any other (a firm the rules would have
/// relocated).
pub fn move_lines(seek: &[Disposition]) -> Vec<Class> {
    seek.iter()
        .map(|&d| {
            let look = hollow(move_colour(), Weight::Thin, d != Disposition::IntoPark);
            Class::term(d.name(), look, d.term())
        })
        .collect()
}

/// The report map's one class of move lines.
pub fn move_line() -> Class {
    Class::new(
        "",
        hollow(move_colour(), Weight::Thin, false),
        "入园安置路线",
        "Move into a park",
    )
}

/// Enterprises by their latest 亩均 grade, in the evaluation's own
/// colours (A green, B blue, C yellow, D red; ungraded grey). A style of
/// its own, never shown with the dispositions.
pub fn grades() -> [Class; 5] {
    [
        Class::new("A", look(Color::rgb(51, 160, 44), DARK), "A 类", "Grade A"),
        Class::new("B", look(Color::rgb(31, 120, 180), DARK), "B 类", "Grade B"),
        Class::new("C", look(Color::rgb(255, 215, 0), DARK), "C 类", "Grade C"),
        Class::new("D", look(Color::rgb(227, 26, 28), DARK), "D 类", "Grade D"),
        Class::new(
            "",
            look(Color::rgb(160, 160, 160), DARK),
            "未评价",
            "Ungraded",
        ),
    ]
}

/// The smallest colour difference between two classes shown together.
pub const MIN_DELTA_E: f64 = 10.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// CIELAB (D65) of an sRGB colour.
    fn lab(c: Color) -> [f64; 3] {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    fn delta_e(a: Color, b: Color) -> f64 {
        let (a, b) = (lab(a), lab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn delta_e_has_its_known_values() {
        // white to black is 100; sRGB red is L* 53.2, a* 80.1, b* 67.2
        assert!((delta_e(WHITE, Color::rgb(0, 0, 0)) - 100.0).abs() < 0.01);
        let red = lab(Color::rgb(255, 0, 0));
        assert!((red[0] - 53.24).abs() < 0.05 && (red[1] - 80.09).abs() < 0.1);
        assert!((red[2] - 67.20).abs() < 0.1, "{red:?}");
    }

    /// Every class the QGIS layout shows at once (each layer's default
    /// style) and the SVG map's, with the other values' classes.
    fn shown_together() -> Vec<Class> {
        let mut all = vec![
            boundary(),
            township(),
            scattered(5.0),
            low_density(1.0),
            failed_check(),
        ];
        all.extend(blocks());
        all.extend(park_far_classes(1.2).into_iter().map(|f| f.class));
        all.extend(vacated_status());
        all.extend(vacated_blocks());
        all.extend(dispositions());
        all
    }

    #[test]
    fn no_colour_stands_for_two_things() {
        // the main colour (fill, or outline of a hollow class) of each
        // class shown together is its own; the dispositions' dots are
        // compared on their fill, their outline being the white halo
        let all = shown_together();
        let main = |c: &Class| c.look.fill.unwrap_or(c.look.stroke);
        let mut closest = (f64::MAX, "", "");
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                let d = delta_e(main(a), main(b));
                assert!(d >= MIN_DELTA_E, "{} vs {}: ΔE {d:.1}", a.zh, b.zh);
                if d < closest.0 {
                    closest = (d, &a.zh, &b.zh);
                }
            }
        }
        // the test bites: the old orange of relocating firms and planned
        // land, and the old close red beside the scattered plots' red
        assert!(delta_e(Color::rgb(227, 26, 28), Color::rgb(215, 25, 28)) < MIN_DELTA_E);
        assert!(closest.0 < 20.0, "{closest:?}");
    }

    #[test]
    fn far_breaks_start_at_the_minimum() {
        assert_eq!(far_breaks(1.2), [1.2, 2.0, 3.0]);
        assert_eq!(far_breaks(2.0), [2.0, 3.0]);
        assert_eq!(far_breaks(2.5), [2.5, 3.0]);
        assert_eq!(far_breaks(4.0), [4.0]);
        let classes = park_far_classes(1.2);
        let labels: Vec<&str> = classes.iter().map(|c| c.class.zh.as_str()).collect();
        assert_eq!(
            labels,
            [
                "小微园 容积率 < 1.2（未达标）",
                "小微园 容积率 1.2–2.0",
                "小微园 容积率 2.0–3.0",
                "小微园 容积率 ≥ 3.0"
            ]
        );
        // each FAR falls in exactly one class; the minimum itself meets it
        for far in [0.0, 1.19, 1.2, 1.99, 2.0, 2.5, 3.0, 9.0] {
            let hits: Vec<&str> = classes
                .iter()
                .filter(|c| c.holds(far))
                .map(|c| c.class.key)
                .collect();
            assert_eq!(hits.len(), 1, "{far}: {hits:?}");
        }
        assert!(classes[1].holds(1.2) && classes[0].holds(1.19));
        // the darkest colour is always the top class, whatever the count
        let top = park_far_classes(2.5);
        assert_eq!(top.len(), 3);
        assert_eq!(top[2].class.look.fill, Some(PARK_FILLS[3]));
        assert_eq!(top[0].class.look.stroke, WARNING);
    }

    #[test]
    fn move_lines_are_the_into_park_colour_dashed_unless_into_park() {
        let blue = disposition(Disposition::IntoPark).look.fill;
        let lines = move_lines(&[Disposition::IntoPark, Disposition::Relocate]);
        let got: Vec<(&str, bool, &str)> = lines
            .iter()
            .map(|c| (c.key, c.look.dashed, c.label(Lang::Zh)))
            .collect();
        assert_eq!(
            got,
            [
                ("into_park", false, "整合入园"),
                ("relocate", true, "搬迁转移")
            ]
        );
        for c in lines.iter().chain([&move_line()]) {
            assert_eq!((Some(c.look.stroke), c.look.fill), (blue, None));
        }
        // the rules' order is kept
        let keys: Vec<&str> = move_lines(&[Disposition::Relocate, Disposition::IntoPark])
            .iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(keys, ["relocate", "into_park"]);
    }

    #[test]
    fn dispositions_have_their_labels() {
        assert_eq!(disposition(Disposition::Close).label(Lang::Zh), "关停淘汰");
        assert_eq!(
            disposition(Disposition::IntoPark).label(Lang::En),
            "Into a park"
        );
        assert_eq!(
            disposition(Disposition::Upgrade).look.fill,
            Some(Color::rgb(255, 217, 47))
        );
        for d in Disposition::ALL {
            assert_eq!(disposition(d).key, d.name());
        }
    }
}
