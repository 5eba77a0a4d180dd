//! The year's targets: what has been achieved, taken from the data, against
//! each goal, in the district and per township; and the targets that are
//! overdue (限时销号).
//!
//! Achieved counts come from the data: vacated land from the vacated
//! records, remediations from enterprises whose `status` is done (by their
//! disposition), new parks from parks open on the report date whose
//! `opened` year is the target year.
//!
//! **Projected** counts are what the plan delivers once carried out: every
//! target remediated by its disposition after placement (a placed firm
//! into a park), the parks planned to open in the target year opened with
//! their room as floor area, and the land of the industrial parcels the
//! plan empties (every firm on them closed, moved into a park or
//! relocated) vacated, joined to the vacated records under the same
//! contiguity rules.

use std::collections::{BTreeMap, HashSet};

use crate::config::{LocalGoals, Targets};
use crate::date::Date;
use crate::geodesy::m2_to_mu;
use crate::model::{county_of, Enterprise, Parcel, Park, Progress, VacatedRecord};

use super::enterprises::{Assessment, Disposition};
use super::far::ParkStats;
use super::placement::ParkRoom;
use super::vacated::{DivisionVacated, Vacated};

/// A goal of the year (年度目标), as `[targets]` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Goal {
    /// Gross vacated land (腾退), mu.
    VacatedMu,
    /// Effective vacated land, mu.
    EffectiveMu,
    /// Remediated targets, status `done`.
    Remediated,
    /// Of which companies.
    RemediatedEnterprises,
    /// Done targets whose disposition is `upgrade`.
    Upgraded,
    /// Parks opened in the target year.
    NewParks,
    /// Their floor area, m².
    NewParkFloorM2,
    /// Done targets whose disposition is `into_park`.
    IntoParks,
}

impl Goal {
    /// Every goal, in the order reports list them.
    pub const ALL: [Goal; 8] = [
        Goal::VacatedMu,
        Goal::EffectiveMu,
        Goal::Remediated,
        Goal::RemediatedEnterprises,
        Goal::Upgraded,
        Goal::NewParks,
        Goal::NewParkFloorM2,
        Goal::IntoParks,
    ];

    /// The key in `[targets]` and in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Goal::VacatedMu => "vacated_mu",
            Goal::EffectiveMu => "effective_mu",
            Goal::Remediated => "remediated",
            Goal::RemediatedEnterprises => "remediated_enterprises",
            Goal::Upgraded => "upgraded",
            Goal::NewParks => "new_parks",
            Goal::NewParkFloorM2 => "new_park_floor_m2",
            Goal::IntoParks => "into_parks",
        }
    }
}

/// One goal: the target, what was achieved (when the data tells), and the
/// ratio of the two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// The goal, in its unit (mu, m², firms or parks; see
    /// [`Goal::unit`]).
    pub target: f64,
    /// What the data shows achieved, in the same unit; `None` when the
    /// data cannot tell (no vacated layer, a ledger without `status`, no
    /// buildings for floor area).
    pub achieved: Option<f64>,
    /// `achieved / target`: 1 when the goal is reached.
    pub progress: Option<f64>,
    /// What the plan delivers once carried out, in the same unit; `None`
    /// when the data cannot tell.
    pub projected: Option<f64>,
    /// `projected / target`.
    pub projected_progress: Option<f64>,
}

impl Standing {
    fn new(target: f64, achieved: Option<f64>, projected: Option<f64>) -> Self {
        Standing {
            target,
            achieved,
            progress: achieved.map(|a| a / target),
            projected,
            projected_progress: projected.map(|p| p / target),
        }
    }
}

/// What the target analysis reads. Per-enterprise and per-park slices are
/// in model order.
pub(crate) struct Inputs<'a> {
    /// The goals of `[targets]`.
    pub targets: &'a Targets,
    /// The target year.
    pub year: i32,
    /// The report date.
    pub as_of: Date,
    /// The enterprise ledger.
    pub enterprises: &'a [Enterprise],
    /// Per enterprise: its assessment (target or not, disposition).
    pub assessments: &'a [Assessment],
    /// Per enterprise: its township code, when known.
    pub enterprise_township: &'a [Option<String>],
    /// The parks (none without a parks layer).
    pub parks: &'a [Park],
    /// Park figures; floor areas count only when a buildings layer was given.
    pub park_stats: &'a [ParkStats],
    /// A buildings layer was given, so the new parks' floor area is known.
    pub floor_areas_known: bool,
    /// Per park: its township code, when known.
    pub park_township: &'a [Option<String>],
    /// The vacated-land analysis, when the project has a vacated layer.
    pub vacated: Option<&'a Vacated>,
    /// The same analysis over the vacated records and the parcels the
    /// plan empties.
    pub projected_vacated: Option<&'a Vacated>,
    /// Per park: its room in the placement plan, which says whether it is
    /// planned and the floor area it brings (none without a parks layer).
    pub rooms: &'a [ParkRoom],
}

/// Everything the target analysis found.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetReport {
    /// District goals, in [`Targets::named`] order.
    pub district: Vec<(Goal, Standing)>,
    /// Goals set per township (only those given), by township code.
    pub townships: BTreeMap<String, Vec<(Goal, Standing)>>,
    /// Goals set per county (only those given), by county code.
    pub counties: BTreeMap<String, Vec<(Goal, Standing)>>,
    /// Positions of the enterprises that are overdue targets, in model
    /// order.
    pub overdue: Vec<usize>,
}

impl Inputs<'_> {
    /// An enterprise that is a target, marked done.
    fn done_target(&self, e: usize) -> bool {
        self.assessments[e].is_target() && self.enterprises[e].status == Some(Progress::Done)
    }

    /// Whether the enterprise ledger tracks remediation at all.
    fn tracks_status(&self) -> bool {
        self.enterprises.iter().any(|e| e.status.is_some())
    }

    /// What was achieved for each goal in `scope`.
    pub fn achieved(&self, scope: Scope) -> BTreeMap<Goal, Option<f64>> {
        let done: Vec<usize> = (0..self.enterprises.len())
            .filter(|&e| scope.holds(&self.enterprise_township[e]) && self.done_target(e))
            .collect();
        let count = |f: &dyn Fn(usize) -> bool| {
            self.tracks_status()
                .then(|| done.iter().filter(|&&e| f(e)).count() as f64)
        };
        let new_parks: Vec<usize> = (0..self.parks.len())
            .filter(|&p| self.new_park(p, scope) && !self.rooms[p].planned)
            .collect();
        let (gross, effective) = land(self.vacated, scope);
        BTreeMap::from([
            (Goal::VacatedMu, gross),
            (Goal::EffectiveMu, effective),
            (Goal::Remediated, count(&|_| true)),
            (
                Goal::RemediatedEnterprises,
                count(&|e| self.enterprises[e].is_company()),
            ),
            (
                Goal::Upgraded,
                count(&|e| self.assessments[e].disposition == Some(Disposition::Upgrade)),
            ),
            (
                Goal::IntoParks,
                count(&|e| self.assessments[e].disposition == Some(Disposition::IntoPark)),
            ),
            (Goal::NewParks, Some(new_parks.len() as f64)),
            (
                Goal::NewParkFloorM2,
                self.floor_areas_known.then(|| {
                    new_parks
                        .iter()
                        .map(|&p| self.park_stats[p].density.floor_area_m2)
                        .sum()
                }),
            ),
        ])
    }

    /// A park opening in the target year, in `scope`.
    fn new_park(&self, p: usize, scope: Scope) -> bool {
        scope.holds(&self.park_township[p]) && self.parks[p].opened == Some(self.year)
    }

    /// What the plan delivers for each goal once carried out, in `scope`,
    /// given what is `achieved` there.
    pub fn projected(
        &self,
        scope: Scope,
        achieved: &BTreeMap<Goal, Option<f64>>,
    ) -> BTreeMap<Goal, Option<f64>> {
        let targets: Vec<usize> = (0..self.enterprises.len())
            .filter(|&e| {
                scope.holds(&self.enterprise_township[e]) && self.assessments[e].is_target()
            })
            .collect();
        let count =
            |f: &dyn Fn(usize) -> bool| Some(targets.iter().filter(|&&e| f(e)).count() as f64);
        let with = |d: Disposition| move |e: usize| self.assessments[e].disposition == Some(d);
        let new_parks: Vec<usize> = (0..self.parks.len())
            .filter(|&p| self.new_park(p, scope))
            .collect();
        let (gross, effective) = land(self.projected_vacated, scope);
        let achieved_floor = achieved[&Goal::NewParkFloorM2];
        let planned_floor: Option<f64> = new_parks
            .iter()
            .filter(|&&p| self.rooms[p].planned)
            .map(|&p| self.rooms[p].capacity_m2)
            .sum();
        BTreeMap::from([
            (Goal::VacatedMu, gross),
            (Goal::EffectiveMu, effective),
            (Goal::Remediated, count(&|_| true)),
            (
                Goal::RemediatedEnterprises,
                count(&|e| self.enterprises[e].is_company()),
            ),
            (Goal::Upgraded, count(&with(Disposition::Upgrade))),
            (Goal::IntoParks, count(&with(Disposition::IntoPark))),
            (Goal::NewParks, Some(new_parks.len() as f64)),
            (
                Goal::NewParkFloorM2,
                achieved_floor.zip(planned_floor).map(|(a, b)| a + b),
            ),
        ])
    }

    /// Targets not done whose deadline is before the report date.
    pub fn overdue(&self) -> Vec<usize> {
        (0..self.enterprises.len())
            .filter(|&e| {
                let ent = &self.enterprises[e];
                self.assessments[e].is_target()
                    && ent.status != Some(Progress::Done)
                    && ent.deadline.is_some_and(|d| d < self.as_of)
            })
            .collect()
    }
}

/// Where goals are counted: the whole project, a county or a township.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Everything the project holds.
    All,
    /// A county, by its 6-digit code.
    County(&'a str),
    /// A township, by its 9-digit code.
    Township(&'a str),
}

impl Scope<'_> {
    /// Whether a place of township `t` (unknown: `None`) is in the scope.
    pub fn holds(self, t: &Option<String>) -> bool {
        match self {
            Scope::All => true,
            Scope::County(c) => t.as_deref().and_then(county_of) == Some(c),
            Scope::Township(code) => t.as_deref() == Some(code),
        }
    }
}

/// Gross and effective vacated land, mu, of `vacated` in `scope`.
fn land(vacated: Option<&Vacated>, scope: Scope) -> (Option<f64>, Option<f64>) {
    let Some(v) = vacated else {
        return (None, None);
    };
    let of = |by: &BTreeMap<String, DivisionVacated>, code: &str| {
        by.get(code)
            .map_or((0.0, 0.0), |t| (t.gross_m2, t.effective_m2))
    };
    let (gross, effective) = match scope {
        Scope::All => (v.gross_m2, v.effective_m2),
        Scope::County(code) => of(&v.by_county, code),
        Scope::Township(code) => of(&v.by_township, code),
    };
    (Some(m2_to_mu(gross)), Some(m2_to_mu(effective)))
}

/// Progress against every goal.
pub(crate) fn report(inputs: &Inputs) -> TargetReport {
    let standings = |goals: Vec<(Goal, f64)>, scope: Scope| -> Vec<(Goal, Standing)> {
        let achieved = inputs.achieved(scope);
        let projected = inputs.projected(scope, &achieved);
        goals
            .into_iter()
            .map(|(name, target)| {
                (
                    name,
                    Standing::new(target, achieved[&name], projected[&name]),
                )
            })
            .collect()
    };
    let district = standings(inputs.targets.whole(), Scope::All);
    let local = |list: &BTreeMap<String, LocalGoals>, scope: fn(&str) -> Scope| {
        list.iter()
            .map(|(code, goals)| (code.clone(), standings(goals.named(), scope(code))))
            .collect()
    };
    TargetReport {
        district,
        townships: local(&inputs.targets.townships, |c| Scope::Township(c)),
        counties: local(&inputs.targets.counties, |c| Scope::County(c)),
        overdue: inputs.overdue(),
    }
}

/// The industrial parcels the plan empties: at least one target not yet
/// done is closed, moved into a park or relocated from it, and no firm
/// stays on it (a firm that is no target, is upgraded in place, or is
/// done but upgraded). Ledger rows repeating a firm count as that firm.
pub(crate) fn emptied_parcels(
    parcels: &[Parcel],
    industrial: impl Fn(usize) -> bool,
    enterprises: &[Enterprise],
    assessments: &[Assessment],
) -> Vec<usize> {
    // per parcel: (a firm leaves under the plan, a firm stays)
    let mut state = vec![(false, false); parcels.len()];
    for (e, a) in enterprises.iter().zip(assessments) {
        let (Some(p), None) = (a.parcel, a.duplicate_of) else {
            continue;
        };
        let leaves = a.is_target()
            && matches!(
                a.disposition,
                Some(Disposition::Close | Disposition::IntoPark | Disposition::Relocate)
            );
        match (leaves, e.status == Some(Progress::Done)) {
            (true, false) => state[p].0 = true,
            // gone already
            (true, true) => {}
            (false, _) => state[p].1 = true,
        }
    }
    (0..parcels.len())
        .filter(|&p| state[p] == (true, false) && industrial(p))
        .collect()
}

/// A parcel the plan empties, as a vacated record done (`plan-<id>`).
pub(crate) fn plan_record(parcel: &Parcel) -> VacatedRecord {
    VacatedRecord {
        feature: 0,
        id: format!("plan-{}", parcel.id),
        status: Progress::Done,
        done_date: None,
        claimed_mu: None,
        township: parcel.township().map(String::from),
        geometry: parcel.geometry.clone(),
        area_m2: parcel.area_m2,
    }
}

/// Every township code met in the data, sorted.
pub(crate) fn township_codes<'a>(codes: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    // Hashed, then sorted: a million parcels share a few codes, and
    // sorting them all first would cost more than the rest of the table.
    let mut last = None;
    let unique: HashSet<&str> = codes
        .flatten()
        .filter(|&c| !c.is_empty() && last.replace(c) != Some(c))
        .collect();
    let mut unique: Vec<String> = unique.into_iter().map(String::from).collect();
    unique.sort_unstable();
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::predicates::Facts;

    fn enterprise(code: &str, status: Option<Progress>, deadline: Option<Date>) -> Enterprise {
        Enterprise {
            feature: 1,
            credit_code: code.into(),
            credit_code_valid: true,
            name: String::new(),
            industry: String::new(),
            revenue_wan: None,
            tax_wan: None,
            land_mu: None,
            floor_m2: None,
            grades: vec![],
            location: geo::Coord { x: 0.0, y: 0.0 },
            status,
            deadline,
        }
    }

    fn assessment(target: bool, disposition: Option<Disposition>) -> Assessment {
        Assessment {
            parcel: None,
            facts: Facts::default(),
            land_mu: None,
            tax_per_mu: None,
            groups: if target { vec![0] } else { vec![] },
            disposition,
            fallback: None,
            duplicate_of: None,
            duplicate_rows: vec![],
        }
    }

    #[test]
    fn done_targets_count_by_disposition_and_kind_and_late_ones_are_overdue() {
        let d = |s: &str| Date::parse(s);
        let as_of = d("2020-12-31").unwrap();
        use Progress::*;
        let enterprises = [
            // a company moved into a park: remediated, into_parks
            enterprise("91330411MA28A0001X", Some(Done), d("2020-06-30")),
            // a workshop upgraded: remediated, upgraded, not a company
            enterprise("92330411MA28A0002X", Some(Done), d("2020-06-30")),
            // pending past its deadline: overdue
            enterprise("91330411MA28A0003X", Some(Planned), d("2020-10-01")),
            // pending, deadline ahead: not overdue
            enterprise("91330411MA28A0004X", None, d("2021-03-01")),
            // done but not a target: counts nowhere
            enterprise("91330411MA28A0005X", Some(Done), d("2020-01-01")),
        ];
        let assessments = [
            assessment(true, Some(Disposition::IntoPark)),
            assessment(true, Some(Disposition::Upgrade)),
            assessment(true, Some(Disposition::Close)),
            assessment(true, Some(Disposition::Close)),
            assessment(false, None),
        ];
        let townships = [
            Some("330411101".to_string()),
            Some("330411102".to_string()),
            Some("330402001".to_string()),
            None,
            None,
        ];
        let targets = Targets::default();
        let inputs = Inputs {
            targets: &targets,
            year: 2020,
            as_of,
            enterprises: &enterprises,
            assessments: &assessments,
            enterprise_township: &townships,
            parks: &[],
            park_stats: &[],
            floor_areas_known: false,
            park_township: &[],
            vacated: None,
            projected_vacated: None,
            rooms: &[],
        };
        let a = inputs.achieved(Scope::All);
        assert_eq!(a[&Goal::Remediated], Some(2.0));
        assert_eq!(a[&Goal::RemediatedEnterprises], Some(1.0));
        assert_eq!(a[&Goal::IntoParks], Some(1.0));
        assert_eq!(a[&Goal::Upgraded], Some(1.0));
        assert_eq!(a[&Goal::VacatedMu], None);
        assert_eq!(a[&Goal::NewParkFloorM2], None);
        let township = inputs.achieved(Scope::Township("330411102"));
        assert_eq!(township[&Goal::Upgraded], Some(1.0));
        assert_eq!(township[&Goal::IntoParks], Some(0.0));
        // a county holds its townships' places (both done targets), not
        // another county's (the overdue one) nor the unplaced
        assert_eq!(
            inputs.achieved(Scope::County("330411"))[&Goal::Remediated],
            Some(2.0)
        );
        let other = inputs.projected(Scope::County("330402"), &a);
        assert_eq!(other[&Goal::Remediated], Some(1.0));
        assert_eq!(
            inputs.achieved(Scope::County("330402"))[&Goal::Remediated],
            Some(0.0)
        );
        assert_eq!(inputs.overdue(), vec![2]);
        let r = report(&inputs);
        let (name, s) = r.district[2];
        assert_eq!(name, Goal::Remediated);
        assert_eq!(s.progress, Some(2.0 / 400.0));
    }
}
