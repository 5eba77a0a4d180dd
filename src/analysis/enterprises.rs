//! Enterprises: where each one stands, which predicates hold, which target
//! groups it falls in, and what to do with it.

use std::collections::HashMap;

use rayon::prelude::*;

use super::predicates::{Facts, Predicate};
use crate::config::{RuleSpec, Rules};
use crate::geodesy;
use crate::index::{PolygonIndex, ZoneIndex};
use crate::model::{id_order, Grade, Model};

/// The outcome for one enterprise.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Position of its parcel in the model; `None` when unlocated.
    pub parcel: Option<usize>,
    pub facts: Facts,
    /// Land the tax-per-mu is measured on, mu.
    pub land_mu: Option<f64>,
    /// Tax per mu, 万元.
    pub tax_per_mu: Option<f64>,
    /// Positions (in the rules' target list) of the groups that match.
    pub groups: Vec<usize>,
    /// Position (in the rules' disposition list) of the first disposition
    /// that matches; targets only.
    pub disposition: Option<usize>,
}

impl Assessment {
    pub fn is_target(&self) -> bool {
        !self.groups.is_empty()
    }
}

/// A rule compiled from the project file: a name and its predicates.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub all: Vec<Predicate>,
}

impl Rule {
    /// Compiles rules whose predicate names were checked when the project
    /// file was read.
    pub fn compile(specs: &[RuleSpec]) -> Vec<Rule> {
        specs
            .iter()
            .map(|r| Rule {
                name: r.name.clone(),
                all: r
                    .all
                    .iter()
                    .map(|n| Predicate::from_name(n).expect("checked when the project was read"))
                    .collect(),
            })
            .collect()
    }
}

/// What the enterprise analysis needs besides the model.
pub struct Context<'a> {
    /// Index of the model's parcels.
    pub parcel_index: &'a PolygonIndex,
    pub in_village: &'a [bool],
    pub scattered: &'a [bool],
    pub plan: Option<&'a ZoneIndex<'a>>,
    pub protected: Option<&'a ZoneIndex<'a>>,
}

/// The parcel each enterprise stands in: the one containing it; on a
/// shared edge or vertex, the one with the smallest id.
pub fn locate(model: &Model, ctx: &Context) -> Vec<Option<usize>> {
    model
        .enterprises
        .par_iter()
        .map(|e| {
            ctx.parcel_index
                .containing(|i| &model.parcels[i].geometry, e.location)
                .min_by(|&a, &b| id_order(&model.parcels[a].id, &model.parcels[b].id))
        })
        .collect()
}

/// Assesses every enterprise.
pub fn assess(model: &Model, ctx: &Context, rules: &Rules) -> Vec<Assessment> {
    let parcel_of = locate(model, ctx);
    let mut sharing: HashMap<usize, usize> = HashMap::new();
    for p in parcel_of.iter().flatten() {
        *sharing.entry(*p).or_default() += 1;
    }
    let targets = Rule::compile(&rules.target);
    let dispositions = Rule::compile(&rules.disposition);
    model
        .enterprises
        .par_iter()
        .zip(parcel_of)
        .map(|(e, parcel)| {
            let land_mu = e.land_mu.filter(|m| *m > 0.0).or_else(|| {
                parcel.map(|p| geodesy::m2_to_mu(model.parcels[p].area_m2) / sharing[&p] as f64)
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
                parcel.is_some_and(|p| !rules.legal_codes.contains(&model.parcels[p].landuse)),
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
                .filter(|(_, r)| f.all(&r.all))
                .map(|(i, _)| i)
                .collect();
            let disposition = if groups.is_empty() {
                None
            } else {
                dispositions.iter().position(|r| f.all(&r.all))
            };
            Assessment {
                parcel,
                facts: f,
                land_mu,
                tax_per_mu,
                groups,
                disposition,
            }
        })
        .collect()
}
