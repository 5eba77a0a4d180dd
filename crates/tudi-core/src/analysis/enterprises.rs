//! Enterprises: where each one stands, which predicates hold, which target
//! groups it falls in, and what to do with it.

use std::collections::HashMap;

use super::plausibility;
use super::predicates::{Facts, Predicate};
use crate::config::Rules;
use crate::geodesy;
use crate::index::{map_in_order, z_order, ZoneIndex};
use crate::model::{Grade, Model};

/// The outcome for one enterprise.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Position of its parcel in the model; `None` when unlocated.
    pub parcel: Option<usize>,
    /// The predicates that hold for it.
    pub facts: Facts,
    /// Land the tax-per-mu is measured on, mu: the ledger's `land_mu` when
    /// positive, else its parcel's measured area shared equally among the
    /// firms on it.
    pub land_mu: Option<f64>,
    /// Tax per mu, 万元/mu (annual tax / `land_mu`).
    pub tax_per_mu: Option<f64>,
    /// Positions (in the rules' target list) of the groups that match.
    pub groups: Vec<usize>,
    /// The disposition of the first rule that matches; targets only. A
    /// firm sent to a park is `into_park` only when placement found it
    /// room (see [`super::placement`]); else it has its `fallback`.
    pub disposition: Option<Disposition>,
    /// The disposition of the next rule that matches and gives another
    /// disposition: what a firm that cannot be placed in a park gets.
    pub fallback: Option<Disposition>,
    /// Feature number of the ledger's first row with the same credit code.
    /// A firm is one firm: this row is assessed and shown, but is no target
    /// and shares no parcel's land.
    pub duplicate_of: Option<usize>,
    /// Feature numbers of the later rows with this row's credit code.
    pub duplicate_rows: Vec<usize>,
}

impl Assessment {
    /// True when the enterprise falls in at least one target group.
    pub fn is_target(&self) -> bool {
        !self.groups.is_empty()
    }
}

/// What is done with a remediation target (处置方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disposition {
    /// 关停淘汰
    Close,
    /// 搬迁转移
    Relocate,
    /// 整合入园
    IntoPark,
    /// 改造提升
    Upgrade,
}

impl Disposition {
    /// Every disposition, in the order products list them: the policy's
    /// order, from the firm that must go to the firm that may stay.
    pub const ALL: [Disposition; 4] = [
        Disposition::Close,
        Disposition::IntoPark,
        Disposition::Relocate,
        Disposition::Upgrade,
    ];

    /// The name the project file and the machine-readable outputs use.
    pub fn name(self) -> &'static str {
        match self {
            Disposition::Close => "close",
            Disposition::Relocate => "relocate",
            Disposition::IntoPark => "into_park",
            Disposition::Upgrade => "upgrade",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Disposition> {
        Disposition::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// What the enterprise analysis needs besides the model.
pub(crate) struct Context<'a> {
    /// Per enterprise: the parcel it stands in
    /// ([`super::ground::Ground::enterprise_parcel`]).
    pub parcel_of: &'a [Option<usize>],
    /// Per parcel: in a village area.
    pub in_village: &'a [bool],
    /// Per parcel: a scattered village industrial plot.
    pub scattered: &'a [bool],
    /// The planned industrial zones, when the project has them.
    pub plan: Option<&'a ZoneIndex<'a>>,
    /// The protected zones, when the project has them.
    pub protected: Option<&'a ZoneIndex<'a>>,
}

/// Per parcel with firms on it: how many stand there, each firm counted
/// once (a later ledger row with its credit code takes no share), from
/// each row's (parcel, first row with its code).
pub(crate) fn firms_on(
    rows: impl Iterator<Item = (Option<usize>, Option<usize>)>,
) -> HashMap<usize, usize> {
    let mut n: HashMap<usize, usize> = HashMap::new();
    for (parcel, first) in rows {
        if let (Some(p), None) = (parcel, first) {
            *n.entry(p).or_default() += 1;
        }
    }
    n
}

/// The number of firms `p`'s land and buildings are shared among (one
/// when none is counted there).
pub(crate) fn share(firms_on: &HashMap<usize, usize>, p: usize) -> f64 {
    firms_on.get(&p).copied().unwrap_or(1).max(1) as f64
}

/// Assesses every enterprise.
pub(crate) fn assess(model: &Model, ctx: &Context, rules: &Rules) -> Vec<Assessment> {
    let locations: Vec<_> = model.enterprises.iter().map(|e| e.location).collect();
    let order = z_order(&locations);
    let parcel_of = ctx.parcel_of;
    let duplicate_of = plausibility::duplicate_of(&model.enterprises);
    let mut duplicate_rows = vec![Vec::new(); model.enterprises.len()];
    for (k, first) in duplicate_of.iter().enumerate() {
        if let Some(f) = first {
            duplicate_rows[*f].push(model.enterprises[k].feature);
        }
    }
    let sharing = firms_on(parcel_of.iter().copied().zip(duplicate_of.iter().copied()));
    let (targets, dispositions) = (&rules.target, &rules.disposition);
    map_in_order(&order, |k| {
        let (e, parcel, first) = (&model.enterprises[k], parcel_of[k], duplicate_of[k]);
        let duplicate_rows = duplicate_rows[k].clone();
        let land_mu = e.land_mu.filter(|m| *m > 0.0).or_else(|| {
            // duplicate rows take no share (but are shown one)
            parcel.map(|p| geodesy::m2_to_mu(model.parcels[p].area_m2) / share(&sharing, p))
        });
        let tax_per_mu = match (e.tax_wan, land_mu) {
            (Some(t), Some(l)) if l > 0.0 => Some(t / l),
            _ => None,
        };
        let latest = e.grades.last().copied();
        let mut f = Facts::default();
        use Predicate::*;
        f.set(InVillage, parcel.is_some_and(|p| ctx.in_village[p]));
        f.set(ScatteredPlot, parcel.is_some_and(|p| ctx.scattered[p]));
        f.set(GradeCOrWorse, latest.is_some_and(|g| g >= Grade::C));
        f.set(GradeD, latest == Some(Grade::D));
        f.set(
            BelowScale,
            e.revenue_wan.is_some_and(|r| r < rules.scale_revenue_wan),
        );
        f.set(
            DThreeYears,
            e.grades.len() >= 3
                && e.grades[e.grades.len() - 3..]
                    .iter()
                    .all(|&g| g == Grade::D),
        );
        f.set(
            NoLegalLand,
            parcel.is_some_and(|p| !model.parcels[p].landuse_in(&rules.legal_codes)),
        );
        f.set(
            OutsidePlan,
            ctx.plan.is_some_and(|z| !z.contains(e.location)),
        );
        f.set(
            InProtected,
            ctx.protected.is_some_and(|z| z.contains(e.location)),
        );
        f.set(
            TaxPerMuUnder1,
            tax_per_mu.is_some_and(|t| t < rules.tax_per_mu_remediate_wan),
        );
        f.set(
            TaxPerMuUnder3,
            tax_per_mu.is_some_and(|t| t < rules.tax_per_mu_upgrade_wan),
        );
        f.set(
            KeyIndustry,
            !e.industry.is_empty()
                && rules
                    .key_industries
                    .iter()
                    .any(|k| e.industry.starts_with(k.as_str())),
        );
        let groups: Vec<usize> = targets
            .iter()
            .enumerate()
            .filter(|(_, r)| first.is_none() && f.all(&r.all))
            .map(|(i, _)| i)
            .collect();
        let mut matching = dispositions
            .iter()
            .filter(|r| !groups.is_empty() && f.all(&r.all))
            .map(|r| r.disposition);
        let disposition = matching.next();
        let fallback = matching.find(|&d| Some(d) != disposition);
        Assessment {
            parcel,
            facts: f,
            land_mu,
            tax_per_mu,
            groups,
            disposition,
            fallback,
            duplicate_of: first.map(|f| model.enterprises[f].feature),
            duplicate_rows,
        }
    })
}

#[cfg(test)]
mod tests {
    use geo::{polygon, Coord, MultiPolygon};

    use super::*;
    use crate::model::{Enterprise, Parcel};

    fn firm(feature: usize, code: &str) -> Enterprise {
        Enterprise {
            revenue_wan: Some(100.0),
            tax_wan: Some(5.0),
            grades: vec![Grade::D, Grade::D, Grade::D],
            ..Enterprise::for_test(feature, code, Coord { x: 120.5, y: 30.5 })
        }
    }

    #[test]
    fn a_firm_listed_twice_is_one_target_on_its_whole_parcel() {
        let square = polygon![(x: 120.0, y: 30.0), (x: 121.0, y: 30.0), (x: 121.0, y: 31.0), (x: 120.0, y: 31.0)];
        let parcel = Parcel {
            id: "1".into(),
            feature: 1,
            landuse: "0601".into(),
            unit_code: None,
            village: None,
            settlement: None,
            official_area_m2: None,
            geometry: MultiPolygon(vec![square]),
            area_m2: 10.0 * crate::geodesy::M2_PER_MU,
        };
        let model = Model {
            parcels: vec![parcel],
            // rows 1 and 3 are one firm (the code as typed twice); row 2
            // another firm on the same parcel
            enterprises: vec![
                firm(1, "91330411MA28A0001X"),
                firm(2, "91330411MA28A0002X"),
                firm(3, " 91330411ma28a0001x"),
            ],
            ..Model::default()
        };
        let ctx = Context {
            parcel_of: &[Some(0); 3],
            in_village: &[false],
            scattered: &[false],
            plan: None,
            protected: None,
        };
        let a = assess(&model, &ctx, &Rules::default());
        // three years of D: a target, counted once
        assert!(a[0].is_target() && a[1].is_target() && !a[2].is_target());
        assert_eq!(a[2].disposition, None);
        assert_eq!(
            (a[2].duplicate_of, &a[2].duplicate_rows),
            (Some(1), &vec![])
        );
        assert_eq!((a[0].duplicate_of, &a[0].duplicate_rows), (None, &vec![3]));
        // the parcel's 10 mu shared by two firms, not three
        assert_eq!(a[0].land_mu, Some(5.0));
        assert_eq!(a[1].land_mu, Some(5.0));
        assert_eq!(a[2].land_mu, Some(5.0), "as its first row");
    }
}
