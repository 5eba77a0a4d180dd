//! The enterprise predicates that target groups and dispositions are
//! written in. Each is a yes/no fact about one enterprise.

/// One yes/no fact about an enterprise. A fact about its parcel is false
/// for an enterprise standing in no parcel; one about a missing figure
/// (revenue, tax, grades) or a missing layer is false too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Predicate {
    /// `in_village`: its parcel is in a village area (CZCSXM prefix in
    /// `village_settlement_prefixes`, else the villages layer).
    InVillage,
    /// `scattered_plot`: its parcel is a scattered village industrial plot
    /// (its block is under `scattered_max_mu`).
    ScatteredPlot,
    /// `grade_c_or_worse`: its latest 亩均 grade is C or D.
    GradeCOrWorse,
    /// `grade_d`: its latest 亩均 grade is D.
    GradeD,
    /// `below_scale`: annual revenue under `scale_revenue_wan` (规模以下).
    BelowScale,
    /// `d_three_years`: its last three grades are all D.
    DThreeYears,
    /// `no_legal_land`: its parcel's DLBM is not in `legal_codes` (e.g. a
    /// factory on cropland).
    NoLegalLand,
    /// `outside_plan`: the project has a plan layer and no zone of it
    /// holds the enterprise.
    OutsidePlan,
    /// `in_protected`: a protected zone holds the enterprise.
    InProtected,
    /// `tax_per_mu_under_1`: tax per mu under `tax_per_mu_remediate_wan`
    /// (低产田 to remediate).
    TaxPerMuUnder1,
    /// `tax_per_mu_under_3`: tax per mu under `tax_per_mu_upgrade_wan`
    /// (must start an upgrade).
    TaxPerMuUnder3,
    /// `key_industry`: its GB/T 4754 code starts with one of
    /// `key_industries`.
    KeyIndustry,
}

impl Predicate {
    /// Every predicate, in the order they are written out.
    pub const ALL: [Predicate; 12] = [
        Predicate::InVillage,
        Predicate::ScatteredPlot,
        Predicate::GradeCOrWorse,
        Predicate::GradeD,
        Predicate::BelowScale,
        Predicate::DThreeYears,
        Predicate::NoLegalLand,
        Predicate::OutsidePlan,
        Predicate::InProtected,
        Predicate::TaxPerMuUnder1,
        Predicate::TaxPerMuUnder3,
        Predicate::KeyIndustry,
    ];

    /// The name used in project files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Predicate::InVillage => "in_village",
            Predicate::ScatteredPlot => "scattered_plot",
            Predicate::GradeCOrWorse => "grade_c_or_worse",
            Predicate::GradeD => "grade_d",
            Predicate::BelowScale => "below_scale",
            Predicate::DThreeYears => "d_three_years",
            Predicate::NoLegalLand => "no_legal_land",
            Predicate::OutsidePlan => "outside_plan",
            Predicate::InProtected => "in_protected",
            Predicate::TaxPerMuUnder1 => "tax_per_mu_under_1",
            Predicate::TaxPerMuUnder3 => "tax_per_mu_under_3",
            Predicate::KeyIndustry => "key_industry",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Predicate> {
        Predicate::ALL.into_iter().find(|p| p.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of predicates that hold for one enterprise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts(u16);

impl Facts {
    /// Makes `p` hold (`value` true) or not.
    ///
    /// ```
    /// use tudi_core::analysis::predicates::{Facts, Predicate};
    /// let mut f = Facts::default();
    /// f.set(Predicate::GradeD, true);
    /// assert!(f.has(Predicate::GradeD) && !f.has(Predicate::BelowScale));
    /// assert!(f.all(&[Predicate::GradeD]) && f.all(&[]));
    /// assert!(!f.all(&[Predicate::GradeD, Predicate::BelowScale]));
    /// ```
    pub fn set(&mut self, p: Predicate, value: bool) {
        if value {
            self.0 |= p.bit();
        } else {
            self.0 &= !p.bit();
        }
    }

    /// True when `p` holds.
    pub fn has(self, p: Predicate) -> bool {
        self.0 & p.bit() != 0
    }

    /// True when every predicate of `all` holds (an empty list always holds).
    pub fn all(self, all: &[Predicate]) -> bool {
        all.iter().all(|&p| self.has(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for p in Predicate::ALL {
            assert_eq!(Predicate::from_name(p.name()), Some(p));
        }
        let mut names: Vec<_> = Predicate::ALL.iter().map(|p| p.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Predicate::ALL.len());
        assert_eq!(Predicate::from_name("grade_e"), None);
    }

    #[test]
    fn facts_hold_all_or_not() {
        let mut f = Facts::default();
        f.set(Predicate::GradeD, true);
        f.set(Predicate::BelowScale, true);
        assert!(f.all(&[Predicate::GradeD, Predicate::BelowScale]));
        assert!(!f.all(&[Predicate::GradeD, Predicate::KeyIndustry]));
        assert!(f.all(&[]));
        f.set(Predicate::GradeD, false);
        assert!(!f.has(Predicate::GradeD));
    }
}
