//! The loaded district: parcels, enterprises and zones, all in CGCS2000
//! longitude/latitude (EPSG:4490), exterior rings counter-clockwise.

pub mod validity;

use std::cmp::Ordering;
use std::sync::Arc;

use geo::{Coord, MultiPolygon, Rect};

use crate::date::Date;
use crate::error::Problem;

/// A land parcel (三调 地类图斑). Its codes and names repeat across a
/// district (a million parcels name a few thousand villages), so the
/// loader keeps each text once, shared by the parcels that hold it.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// The parcel's id (BSM), as text; ids order by [`id_order`].
    pub id: String,
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// Land-use code (DLBM).
    pub landuse: Arc<str>,
    /// Unit code (ZLDWDM); its first 9 digits are the township.
    pub unit_code: Option<Arc<str>>,
    /// Village or unit name (ZLDWMC).
    pub village: Option<Arc<str>>,
    /// Urban/village attribute (CZCSXM).
    pub settlement: Option<Arc<str>>,
    /// Official area (TBMJ), m²: compared, never trusted.
    pub official_area_m2: Option<f64>,
    /// The outline in CGCS2000 lon/lat degrees, valid, exterior rings
    /// counter-clockwise. Empty after the survey
    /// ([`crate::analysis::survey`]) unless the parcel is industrial:
    /// nothing after it needs another parcel's outline.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal area on CGCS2000, m² (0 until [`crate::analysis::run`]
    /// measures it).
    pub area_m2: f64,
}

impl Parcel {
    /// Whether its land-use code is one of `codes`.
    pub fn landuse_in(&self, codes: &[String]) -> bool {
        codes.iter().any(|c| **c == *self.landuse)
    }

    /// The township code: the first 9 digits of the unit code.
    pub fn township(&self) -> Option<&str> {
        let code = self.unit_code.as_deref()?;
        code.get(..9).filter(|t| t.len() == 9)
    }
}

/// The county of a township code: its first 6 digits (a 三调 unit code
/// starts with the county's 6-digit code, then the township's 3 digits).
pub fn county_of(township: &str) -> Option<&str> {
    township.get(..6).filter(|c| is_county_code(c))
}

/// A county code: 6 ASCII digits.
pub fn is_county_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A 亩均 (per-mu performance) grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
///
/// Grades order from best to worst (`A < D`), so "C or worse" is `>= C`.
pub enum Grade {
    /// The top grade (typically the top 25 % of firms).
    A,
    /// The second grade (typically the next 45 %).
    B,
    /// The third grade (typically the next 25 %).
    C,
    /// The bottom grade (typically the last 5 %), which pays surcharges
    /// on power and land.
    D,
}

impl Grade {
    /// The grade a ledger cell gives: one letter A–D, either case,
    /// surrounding whitespace ignored; anything else is `None`.
    ///
    /// ```
    /// use tudi_core::model::Grade;
    /// assert_eq!(Grade::parse(" c "), Some(Grade::C));
    /// assert!(Grade::parse("B") < Grade::parse("D"));
    /// assert_eq!(Grade::parse("E"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "A" | "a" => Some(Grade::A),
            "B" | "b" => Some(Grade::B),
            "C" | "c" => Some(Grade::C),
            "D" | "d" => Some(Grade::D),
            _ => None,
        }
    }

    /// The grade's capital letter, as outputs write it.
    pub fn letter(self) -> char {
        match self {
            Grade::A => 'A',
            Grade::B => 'B',
            Grade::C => 'C',
            Grade::D => 'D',
        }
    }
}

/// An enterprise (or workshop) at its corrected position.
#[derive(Debug, Clone)]
pub struct Enterprise {
    /// 1-based feature (row) number in its file, for messages.
    pub feature: usize,
    /// Unified social credit code as the ledger gives it; may be invalid.
    pub credit_code: String,
    /// Whether `credit_code` passes the GB 32100 check
    /// ([`crate::credit_code::is_valid`]); invalid ones are warnings.
    pub credit_code_valid: bool,
    /// The enterprise's name as the ledger gives it.
    pub name: String,
    /// GB/T 4754 code without the section letter (`C1713` → `1713`).
    pub industry: String,
    /// Annual revenue, 万元.
    pub revenue_wan: Option<f64>,
    /// Annual tax, 万元.
    pub tax_wan: Option<f64>,
    /// Land used, mu, when the ledger gives it.
    pub land_mu: Option<f64>,
    /// Floor area in use (用房面积), m², when the ledger gives it: what a
    /// move into a park must find room for.
    pub floor_m2: Option<f64>,
    /// 亩均 grades, oldest first (the last is the latest).
    pub grades: Vec<Grade>,
    /// Position in CGCS2000 longitude/latitude degrees, after any
    /// GCJ-02/BD-09 correction.
    pub location: Coord<f64>,
    /// Remediation status, when the ledger tracks it.
    pub status: Option<Progress>,
    /// Remediation deadline (限时销号).
    pub deadline: Option<Date>,
}

impl Enterprise {
    /// A firm for unit tests: `firm N`, with nothing but its code and place.
    #[cfg(test)]
    pub(crate) fn for_test(feature: usize, code: &str, location: Coord<f64>) -> Enterprise {
        Enterprise {
            feature,
            credit_code: code.into(),
            credit_code_valid: true,
            name: format!("firm {feature}"),
            industry: String::new(),
            revenue_wan: None,
            tax_wan: None,
            land_mu: None,
            floor_m2: None,
            grades: vec![],
            location,
            status: None,
            deadline: None,
        }
    }

    /// A company (credit code `91…`) rather than an individual business
    /// (`92…`, 个体工商户, the workshops of "低散乱"): GB 32100 puts the
    /// registering authority and the kind of entity in the first two
    /// characters.
    pub(crate) fn is_company(&self) -> bool {
        self.credit_code.starts_with("91")
    }
}

/// Where a remediation or a vacating stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Progress {
    /// Not started (`planned`; an enterprise's `pending`).
    Planned,
    /// Under way (`in_progress`).
    InProgress,
    /// Finished (`done`): remediated, or land vacated.
    Done,
}

impl Progress {
    /// The status words ledgers use, English or Chinese; `pending` (an
    /// enterprise not yet dealt with) is `Planned`.
    ///
    /// ```
    /// use tudi_core::model::Progress;
    /// assert_eq!(Progress::parse("已完成"), Some(Progress::Done));
    /// assert_eq!(Progress::parse(" In_Progress "), Some(Progress::InProgress));
    /// assert_eq!(Progress::parse("pending"), Some(Progress::Planned));
    /// assert_eq!(Progress::parse("maybe"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Progress> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "planned" | "plan" | "pending" | "todo" | "计划" | "规划" | "未开始" | "待整治"
            | "未销号" => Some(Progress::Planned),
            "in_progress" | "inprogress" | "ongoing" | "under_construction" | "实施中"
            | "进行中" | "推进中" | "整治中" | "在建" | "建设中" => {
                Some(Progress::InProgress)
            }
            "done" | "completed" | "complete" | "finished" | "built" | "open" | "已完成"
            | "完成" | "已腾退" | "已销号" | "已整治" | "已建成" | "建成" | "已投用" | "运营"
            | "运营中" => Some(Progress::Done),
            _ => None,
        }
    }

    /// An enterprise's status as ledgers write it: `pending` rather than
    /// `planned`.
    pub fn enterprise_name(self) -> &'static str {
        match self {
            Progress::Planned => "pending",
            other => other.name(),
        }
    }

    /// The name machine-readable outputs use: `planned`, `in_progress`,
    /// `done`.
    pub fn name(self) -> &'static str {
        match self {
            Progress::Planned => "planned",
            Progress::InProgress => "in_progress",
            Progress::Done => "done",
        }
    }
}

/// A building footprint.
#[derive(Debug, Clone)]
pub struct Building {
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// Storeys; 1 when the layer says nothing.
    pub floors: Option<f64>,
    /// Floor area given by the layer, m².
    pub given_floor_area_m2: Option<f64>,
    /// The footprint in CGCS2000 lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal footprint, m² (0 until measured).
    pub footprint_m2: f64,
}

impl Building {
    /// Floor area: the given one, else footprint × storeys (1 storey when
    /// unknown).
    pub fn floor_area_m2(&self) -> f64 {
        self.given_floor_area_m2
            .unwrap_or_else(|| self.footprint_m2 * self.floors.unwrap_or(1.0))
    }
}

/// A micro-enterprise park (小微企业园).
#[derive(Debug, Clone)]
pub struct Park {
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// The park's name; `park N` (its feature number) when the layer
    /// gives none.
    pub name: String,
    /// Star rating 1–5.
    pub star: Option<u8>,
    /// The park's yearly performance grade, A–D.
    pub grade: Option<Grade>,
    /// Year it opened (a park opened in the target year is new; one
    /// opening after the report date's year is planned).
    pub opened: Option<i32>,
    /// Whether it is built (`Done`, 已建成) or still planned or under
    /// construction (`Planned`, `InProgress`: 规划, 在建), when the layer
    /// says.
    pub status: Option<Progress>,
    /// Its room for new firms (可入驻面积), m², when the layer gives it.
    pub vacant_m2: Option<f64>,
    /// The GB/T 4754 code prefixes of the industries it takes (入驻行业),
    /// without section letters; empty: any industry.
    pub industries: Vec<String>,
    /// The park's land in CGCS2000 lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal land area, m² (0 until measured).
    pub area_m2: f64,
}

impl Park {
    /// Not yet open on `as_of`: its status says planned or under
    /// construction, or it opens in a later year. A planned park is supply
    /// for placement, reported apart, and has no FAR to flag.
    pub fn planned(&self, as_of: Date) -> bool {
        matches!(self.status, Some(Progress::Planned | Progress::InProgress))
            || self.opened.is_some_and(|y| y > as_of.year)
    }

    /// Whether the park takes a firm of GB/T 4754 code `industry`: it lists
    /// no industries, or one of them is a prefix of the code.
    pub fn takes(&self, industry: &str) -> bool {
        self.industries.is_empty()
            || (!industry.is_empty()
                && self
                    .industries
                    .iter()
                    .any(|p| industry.starts_with(p.as_str())))
    }
}

/// A vacated-land (腾退) record.
#[derive(Debug, Clone)]
pub struct VacatedRecord {
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// The record's id in the ledger.
    pub id: String,
    /// Where the vacating stands; only `Done` land counts as vacated.
    pub status: Progress,
    /// The day the land was vacated.
    pub done_date: Option<Date>,
    /// Area the ledger claims, mu: compared with the measured one.
    pub claimed_mu: Option<f64>,
    /// Township code given by the record.
    pub township: Option<String>,
    /// The vacated land in CGCS2000 lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
    /// Ellipsoidal area, m² (0 until measured).
    pub area_m2: f64,
}

/// An administrative division's polygon: a township (乡镇/街道) or a
/// county (县/市/区).
#[derive(Debug, Clone)]
pub struct Division {
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// The code: a township's 9 digits, a county's 6, as the first digits
    /// of ZLDWDM.
    pub code: String,
    /// The division's name.
    pub name: Option<String>,
    /// The division in CGCS2000 lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
}

/// A polygon of a zone layer (villages, plan, protected, boundary).
#[derive(Debug, Clone)]
pub struct Zone {
    /// 1-based feature number in its file, for messages.
    pub feature: usize,
    /// The zone's name, when the layer gives one.
    pub name: Option<String>,
    /// The zone in CGCS2000 lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
}

/// Where a layer came from, for reports.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    /// What the layer is to the run.
    pub role: crate::config::Role,
    /// Its file and, in a multi-layer source, its layer.
    pub at: crate::error::Location,
    /// The CRS its coordinates were read in.
    pub crs: String,
    /// Features (or CSV rows) read from it.
    pub features: usize,
}

/// Everything loaded for one run.
#[derive(Debug, Clone, Default)]
///
/// An optional layer is `None` when the project does not name it. Other
/// results refer to features by their position in these lists ("model
/// order").
pub struct Model {
    /// Every layer read, with where it came from.
    pub layers: Vec<LayerInfo>,
    /// The land parcels, in id order.
    pub parcels: Vec<Parcel>,
    /// The enterprise ledger's rows, in file order (none without the layer).
    pub enterprises: Vec<Enterprise>,
    /// Village areas, for parcels without CZCSXM.
    pub villages: Option<Vec<Zone>>,
    /// Planned industrial zones.
    pub plan: Option<Vec<Zone>>,
    /// Protected zones (red line, basic farmland).
    pub protected: Option<Vec<Zone>>,
    /// The district's outline.
    pub boundary: Option<Vec<Zone>>,
    /// Building footprints.
    pub buildings: Option<Vec<Building>>,
    /// Micro-enterprise parks.
    pub parks: Option<Vec<Park>>,
    /// Vacated-land records, in id order.
    pub vacated: Option<Vec<VacatedRecord>>,
    /// Township polygons.
    pub townships: Option<Vec<Division>>,
    /// County polygons.
    pub counties: Option<Vec<Division>>,
    /// Problems that do not stop the run (e.g. invalid credit codes).
    pub warnings: Vec<Problem>,
}

/// The smallest rectangle holding both.
pub fn union_rect(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

/// Orders ids naturally: numerically when both are whole numbers (survey
/// BSMs are digit strings of varying length), else as text.
///
/// ```
/// use std::cmp::Ordering;
/// assert_eq!(tudi_core::model::id_order("9", "10"), Ordering::Less);
/// assert_eq!(tudi_core::model::id_order("B9", "B10"), Ordering::Greater);
/// ```
pub fn id_order(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if numeric(a) && numeric(b) {
        let (ta, tb) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        ta.len()
            .cmp(&tb.len())
            .then_with(|| ta.cmp(tb))
            .then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_numerically_when_numeric() {
        assert_eq!(id_order("9", "10"), Ordering::Less);
        assert_eq!(id_order("0010", "9"), Ordering::Greater);
        assert_eq!(id_order("A9", "A10"), Ordering::Greater);
        assert_eq!(id_order("12", "12"), Ordering::Equal);
    }

    #[test]
    fn township_is_the_first_nine_digits() {
        let mut p = Parcel {
            id: "1".into(),
            feature: 1,
            landuse: "0601".into(),
            unit_code: Some("3304111010010000000".into()),
            village: None,
            settlement: None,
            official_area_m2: None,
            geometry: MultiPolygon(vec![]),
            area_m2: 0.0,
        };
        assert_eq!(p.township(), Some("330411101"));
        p.unit_code = Some("3304".into());
        assert_eq!(p.township(), None);
    }
}
