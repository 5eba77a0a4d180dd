//! The words products show a planner, in Chinese and in English: every
//! label, unit and sentence of the ledgers, the report, the map and the
//! GeoPackage comes from here, so one thing has one name everywhere.
//! Machine-readable outputs (GeoJSON, CSV, `summary.json`) keep the
//! closed sets' `name()`s.

use std::str::FromStr;

use crate::analysis::enterprises::Disposition;
use crate::analysis::placement::{DemandSource, RoomSource, Unplaced};
use crate::analysis::predicates::Predicate;
use crate::analysis::targets::Goal;
use crate::analysis::vacated::Check;
use crate::model::Progress;

/// The language of the products a planner reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese, the default (`--lang zh`).
    #[default]
    Zh,
    /// English (`--lang en`).
    En,
}

impl Lang {
    /// The Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => Err(format!("'{s}' is not a language (zh or en)")),
        }
    }
}

/// A word or phrase in both languages.
///
/// ```
/// use tudi_core::analysis::enterprises::Disposition;
/// use tudi_core::vocab::{Lang, Term, MU};
/// let close = Disposition::Close.term();
/// assert_eq!(close.get(Lang::Zh), "关停淘汰");
/// assert_eq!(close.get(Lang::En), "Close");
/// assert_eq!(MU.get("en".parse().unwrap()), "mu");
/// assert_eq!(Term::new("亩", "mu"), MU);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The Chinese text.
    pub zh: &'static str,
    /// The English text.
    pub en: &'static str,
}

impl Term {
    /// A term from its Chinese and English text.
    pub const fn new(zh: &'static str, en: &'static str) -> Term {
        Term { zh, en }
    }

    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// Yes and no, in cells that hold a flag.
pub const YES: Term = Term::new("是", "yes");
pub(crate) const NO: Term = Term::new("否", "no");
/// The row of things whose township is not known.
pub const UNKNOWN_TOWNSHIP: Term = Term::new("（乡镇不明）", "(township unknown)");
/// The row of things whose county is unknown.
pub const UNKNOWN_COUNTY: Term = Term::new("（县区不明）", "(county unknown)");
/// A township (乡镇/街道), as a column or a table names it.
pub const TOWNSHIP: Term = Term::new("乡镇（街道）", "Township");
/// The townships, as a table's title.
pub const TOWNSHIPS: Term = Term::new("乡镇（街道）", "Townships");
/// A county (县/市/区), as a column or a table names it.
pub const COUNTY: Term = Term::new("县（市、区）", "County");
/// The counties, as a table's title.
pub const COUNTIES: Term = Term::new("县（市、区）", "Counties");
/// The whole district, as a scope beside townships.
pub const DISTRICT: Term = Term::new("全区", "District");
/// The whole area of a project spanning several counties (a city, a
/// province: 全域), as a scope beside counties and townships.
pub const WHOLE_AREA: Term = Term::new("全域", "Whole area");

/// Units, as products print them after a number: 亩 (mu, 666.67 m²).
pub const MU: Term = Term::new("亩", "mu");
/// Square metres.
pub const M2: Term = Term::new("㎡", "m²");
pub(crate) const FIRMS: Term = Term::new("家", "firms");
pub(crate) const PARKS: Term = Term::new("个", "parks");
/// Percent, after a share × 100.
pub const PERCENT: Term = Term::new("%", "%");
/// Kilometres and metres, as a scale bar labels its segments.
pub const KM: Term = Term::new("公里", "km");
/// Metres (see [`KM`]).
pub const METRES: Term = Term::new("米", "m");
/// Floor-area ratio (容积率), as a column, a label or a class names it.
pub const FAR: Term = Term::new("容积率", "FAR");

/// [`YES`] or no, for a cell holding a flag.
pub fn yes_no(b: bool) -> Term {
    if b {
        YES
    } else {
        NO
    }
}

impl Disposition {
    /// The disposition as products name it (关停淘汰 / Close…).
    pub fn term(self) -> Term {
        match self {
            Disposition::Close => Term::new("关停淘汰", "Close"),
            Disposition::Relocate => Term::new("搬迁转移", "Relocate"),
            Disposition::IntoPark => Term::new("整合入园", "Into a park"),
            Disposition::Upgrade => Term::new("改造提升", "Upgrade"),
        }
    }
}

impl Goal {
    /// The goal as products name it (腾退土地 / Vacated land…).
    pub fn term(self) -> Term {
        match self {
            Goal::VacatedMu => Term::new("腾退土地", "Vacated land"),
            Goal::EffectiveMu => Term::new("其中有效面积", "of which effective"),
            Goal::Remediated => {
                Term::new("整治低散乱企业（作坊）", "Remediated firms and workshops")
            }
            Goal::RemediatedEnterprises => Term::new("其中企业", "of which companies"),
            Goal::Upgraded => Term::new("改造提升企业", "Firms upgraded"),
            Goal::NewParks => Term::new("新建小微企业园", "New micro-enterprise parks"),
            Goal::NewParkFloorM2 => Term::new("新建园区建筑面积", "Floor area of new parks"),
            Goal::IntoParks => Term::new("企业入园", "Firms moved into parks"),
        }
    }

    /// The unit the goal is counted in.
    pub fn unit(self) -> Term {
        match self {
            Goal::VacatedMu | Goal::EffectiveMu => MU,
            Goal::NewParkFloorM2 => M2,
            Goal::NewParks => PARKS,
            Goal::Remediated | Goal::RemediatedEnterprises | Goal::Upgraded | Goal::IntoParks => {
                FIRMS
            }
        }
    }

    /// Decimals the goal is shown with.
    pub fn decimals(self) -> usize {
        match self {
            Goal::VacatedMu | Goal::EffectiveMu => 2,
            _ => 0,
        }
    }
}

impl Check {
    /// The check as products name it (重叠申报 / Overlapping records…).
    pub fn term(self) -> Term {
        match self {
            Check::Overlap => Term::new("重叠申报", "Overlapping records"),
            Check::ClaimMismatch => Term::new("申报面积不符", "Claimed area differs"),
            Check::Occupied => Term::new("企业仍在生产", "Firms still operating"),
            Check::Undated => Term::new("缺完成日期", "No completion date"),
            Check::Outside => Term::new("超出地块范围", "Outside the parcels"),
        }
    }
}

impl Predicate {
    /// The predicate as products name it (位于村庄 / In a village…).
    pub fn term(self) -> Term {
        match self {
            Predicate::InVillage => Term::new("位于村庄", "In a village"),
            Predicate::ScatteredPlot => Term::new("零散地块", "On a scattered plot"),
            Predicate::GradeCOrWorse => Term::new("亩均C类及以下", "Grade C or worse"),
            Predicate::GradeD => Term::new("亩均D类", "Grade D"),
            Predicate::BelowScale => Term::new("规模以下", "Below scale"),
            Predicate::DThreeYears => Term::new("连续三年D类", "Grade D three years running"),
            Predicate::NoLegalLand => Term::new("无合法用地", "No legal land"),
            Predicate::OutsidePlan => Term::new("不符合规划", "Outside the plan"),
            Predicate::InProtected => Term::new("位于保护红线", "In a protected zone"),
            Predicate::TaxPerMuUnder1 => Term::new(
                "亩均税收低于整治线",
                "Tax per mu under the remediation line",
            ),
            Predicate::TaxPerMuUnder3 => {
                Term::new("亩均税收低于提升线", "Tax per mu under the upgrade line")
            }
            Predicate::KeyIndustry => Term::new("重点行业", "Key industry"),
        }
    }
}

impl Unplaced {
    /// Why a firm has no park, as products say it.
    pub fn term(self) -> Term {
        match self {
            Unplaced::NoRoom => Term::new("园区空间不足", "No room left"),
            Unplaced::Industry => Term::new("行业不符入园条件", "Industry not taken"),
            Unplaced::Distance => Term::new("超出搬迁距离", "Beyond the move distance"),
            Unplaced::Excluded => Term::new("重点行业不入园", "Key industry, kept out"),
            Unplaced::UnknownFloor => Term::new("用房面积不明", "Floor area unknown"),
            Unplaced::Unlocated => Term::new("位置不明", "No position"),
        }
    }
}

impl DemandSource {
    /// Where a firm's floor-area need comes from, as products say it.
    pub fn term(self) -> Term {
        match self {
            DemandSource::Ledger => Term::new("台账用房面积", "Ledger floor area"),
            DemandSource::Buildings => Term::new("地块建筑分摊", "Buildings on its parcel"),
            DemandSource::Land => Term::new("用地面积×容积率", "Land × FAR"),
        }
    }
}

impl RoomSource {
    /// Where a park's room comes from, as products say it.
    pub fn term(self) -> Term {
        match self {
            RoomSource::Vacant => Term::new("可入驻面积", "Vacant floor area"),
            RoomSource::FloorLessFirms => {
                Term::new("建筑面积减在园企业用房", "Floor area less firms' use")
            }
            RoomSource::Unknown => Term::new("不明", "Unknown"),
        }
    }
}

impl Progress {
    /// An enterprise's remediation status (整治状态).
    pub fn enterprise_term(self) -> Term {
        match self {
            Progress::Done => Term::new("已销号", "Done"),
            Progress::InProgress => Term::new("整治中", "In progress"),
            Progress::Planned => Term::new("待整治", "Pending"),
        }
    }

    /// A vacated-land record's status (腾退状态).
    pub fn vacated_term(self) -> Term {
        match self {
            Progress::Done => Term::new("已腾退", "Vacated"),
            Progress::InProgress => Term::new("腾退中", "Vacating"),
            Progress::Planned => Term::new("计划腾退", "Planned"),
        }
    }
}

/// What a failed check found, in words.
pub fn check_detail(detail: &CheckDetail, lang: Lang) -> String {
    match (detail, lang) {
        (CheckDetail::Overlap { other, mu }, Lang::Zh) => format!("与 {other} 重叠 {mu} 亩"),
        (CheckDetail::Overlap { other, mu }, Lang::En) => format!("overlaps {other} by {mu} mu"),
        (
            CheckDetail::Claim {
                claimed_mu,
                measured_mu,
                difference,
            },
            Lang::Zh,
        ) => {
            format!("申报 {claimed_mu} 亩，实测 {measured_mu} 亩（{difference}）")
        }
        (
            CheckDetail::Claim {
                claimed_mu,
                measured_mu,
                difference,
            },
            Lang::En,
        ) => {
            format!("claimed {claimed_mu} mu, measured {measured_mu} mu ({difference})")
        }
        (CheckDetail::Occupied { firm, code }, Lang::Zh) => {
            format!("{firm}（{code}）仍在腾退地块上")
        }
        (CheckDetail::Occupied { firm, code }, Lang::En) => {
            format!("{firm} ({code}) still stands on the land")
        }
        (CheckDetail::Undated, Lang::Zh) => "已腾退但无完成日期".into(),
        (CheckDetail::Undated, Lang::En) => "vacated without a completion date".into(),
        (CheckDetail::Outside { mu, share }, Lang::Zh) => {
            format!("{mu} 亩不在本区图斑上（{share}）")
        }
        (CheckDetail::Outside { mu, share }, Lang::En) => {
            format!("{mu} mu on no parcel of the district ({share})")
        }
    }
}

/// The figures behind a failed check, formatted as products show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckDetail {
    /// [`Check::Overlap`]: the record shares land with another.
    Overlap {
        /// The other record's id.
        other: String,
        /// The land they share, mu.
        mu: String,
    },
    /// [`Check::ClaimMismatch`]: the claimed area differs from the measured.
    Claim {
        /// The ledger's claimed area, mu.
        claimed_mu: String,
        /// The measured ellipsoidal area, mu.
        measured_mu: String,
        /// (claimed − measured) / measured, signed, as a percentage.
        difference: String,
    },
    /// [`Check::Occupied`]: a firm still stands on land marked vacated.
    Occupied {
        /// The firm's name.
        firm: String,
        /// Its credit code.
        code: String,
    },
    /// [`Check::Undated`]: vacated without a completion date.
    Undated,
    /// [`Check::Outside`]: part of the record lies on no parcel.
    Outside {
        /// That part, mu.
        mu: String,
        /// Its share of the record, as a percentage.
        share: String,
    },
}
