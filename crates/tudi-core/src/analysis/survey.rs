//! The survey: the one pass over every parcel's outline. It measures each
//! parcel, says whether it lies in a village area and finds what stands
//! on it ([`super::ground`]). After it only industrial parcels keep their
//! outlines — the blocks, the maps and the land a plan empties are made
//! of them, and nothing else needs one — so an area too large to hold
//! whole is read in parts, each surveyed as it is read and then let go
//! ([`Survey::join`] makes the parts' findings those of one pass).

use geo::{MultiPolygon, Rect};
use rayon::prelude::*;

use super::ground::{Ground, Layers, Things};
use super::parcels;
use super::partition::{self, Part};
use crate::config::Rules;
use crate::geodesy::EqualArea;
use crate::index::ZoneIndex;
use crate::model::Parcel;

/// What the survey needs besides the parcels: the equal-area plane, the
/// other layers and the rules that say what is industrial and what is a
/// village area.
pub struct Surveyor<'a> {
    projection: &'a EqualArea,
    things: Things<'a>,
    villages: Option<ZoneIndex<'a>>,
    rules: &'a Rules,
}

/// What the survey of some parcels found, beside the areas it set.
#[derive(Debug, Default)]
pub struct Survey {
    /// Per parcel surveyed, in the order given: in a village area.
    pub(crate) in_village: Vec<bool>,
    /// What stands on them.
    pub(crate) ground: Ground,
}

impl<'a> Surveyor<'a> {
    /// A surveyor in `projection` (fitted to the whole area's parcels) for
    /// `layers`, measured in the same plane.
    pub fn new(layers: &Layers<'a>, projection: &'a EqualArea, rules: &'a Rules) -> Surveyor<'a> {
        Surveyor {
            projection,
            things: Things::new(layers, projection, true),
            villages: layers.villages.map(ZoneIndex::new),
            rules,
        }
    }

    /// Measures `parcels`, says which lie in village areas and finds what
    /// stands on them; `position(i)` is `parcels[i]`'s place in the whole
    /// area. Then lets go of the outlines of those not industrial.
    pub fn survey(
        &self,
        parcels: &mut [Parcel],
        position: &(dyn Fn(usize) -> usize + Sync),
    ) -> Survey {
        self.measure(parcels);
        let survey = Survey {
            in_village: self.in_village(parcels),
            ground: Ground::find(parcels, position, &self.things),
        };
        self.let_go(parcels);
        survey
    }

    /// [`Surveyor::survey`] of the whole area's parcels, in id order, what
    /// stands on them found part by part when `parts` are given.
    pub(crate) fn survey_whole(&self, parcels: &mut [Parcel], parts: Option<&[Part]>) -> Survey {
        let Some(parts) = parts else {
            return self.survey(parcels, &|i| i);
        };
        self.measure(parcels);
        let in_village = self.in_village(parcels);
        let ground = partition::ground_in_parts(parcels, parts, &self.things);
        self.let_go(parcels);
        Survey { in_village, ground }
    }

    fn measure(&self, parcels: &mut [Parcel]) {
        parcels::measure(parcels, self.projection);
    }

    fn in_village(&self, parcels: &[Parcel]) -> Vec<bool> {
        parcels::in_village(
            parcels,
            self.villages.as_ref(),
            &self.rules.village_settlement_prefixes,
        )
    }

    /// Empties the outlines of the parcels that are not industrial.
    fn let_go(&self, parcels: &mut [Parcel]) {
        let industrial = &self.rules.industrial_codes;
        parcels
            .par_iter_mut()
            .filter(|p| !p.landuse_in(industrial))
            .for_each(|p| p.geometry = MultiPolygon(Vec::new()));
    }
}

impl Survey {
    /// Adds the survey of the parcels that follow this one's in the file;
    /// `before(a, b)`: parcel `a` comes before `b` in id order.
    pub fn join(mut self, next: Survey, before: &dyn Fn(usize, usize) -> bool) -> Survey {
        self.in_village.extend(next.in_village);
        self.ground = self.ground.join_by(next.ground, before);
        self
    }

    /// Puts the survey in id order: parcel `p` of the file becomes `to[p]`.
    pub fn renumber(&mut self, to: &[usize]) {
        let mut in_village = vec![false; self.in_village.len()];
        for (p, &v) in self.in_village.iter().enumerate() {
            in_village[to[p]] = v;
        }
        self.in_village = in_village;
        self.ground.renumber(to);
    }
}

/// The whole area's parcels surveyed: their extent (the run's plane is
/// fitted to it) and what the survey found, in id order.
pub struct Surveyed {
    pub(crate) bounds: Option<Rect<f64>>,
    pub(crate) survey: Survey,
    /// The parts the parcels were read and surveyed in (1: all at once).
    pub(crate) parts: usize,
}

impl Surveyed {
    /// The survey, put in id order, of parcels of extent `bounds` read in
    /// `parts`.
    pub fn new(bounds: Option<Rect<f64>>, survey: Survey, parts: usize) -> Surveyed {
        Surveyed {
            bounds,
            survey,
            parts,
        }
    }
}
