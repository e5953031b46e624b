//! The units, indexed: one R-tree per level over their bounding boxes, their outlines
//! prepared for point-in-polygon, their codes, and what search and the gazetteer find them by.

use crate::gazetteer::Gazetteer;
use crate::prepared::PreparedArea;
use crate::search::SearchText;
use covidmap_core::lineage::UnitChange;
use covidmap_core::{AdminUnit, Level};
use geo::BoundingRect;
use rstar::{RTree, RTreeObject, AABB};
use std::collections::HashMap;

/// A bounding box in an R-tree, pointing back to its item by index.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub index: usize,
    pub envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The units, indexed.
#[derive(Debug, Default)]
pub(crate) struct UnitIndex {
    pub list: Vec<AdminUnit>,
    /// `search[i]` is what `list[i]` is found by.
    pub search: Vec<SearchText>,
    pub gazetteer: Gazetteer,
    /// `areas[i]` is `list[i]`'s boundary, prepared for point-in-polygon.
    pub areas: Vec<PreparedArea>,
    by_code: HashMap<String, usize>,
    pub trees: HashMap<Level, RTree<Entry>>,
    /// The provinces among them.
    pub region: covidmap_core::Region,
}

impl UnitIndex {
    pub fn new(list: Vec<AdminUnit>, changes: Vec<UnitChange>) -> Self {
        let by_code = list
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let mut entries: HashMap<Level, Vec<Entry>> = HashMap::new();
        for (index, unit) in list.iter().enumerate() {
            if let Some(envelope) = envelope_of(&unit.geometry) {
                entries
                    .entry(unit.level)
                    .or_default()
                    .push(Entry { index, envelope });
            }
        }
        let trees = entries
            .into_iter()
            .map(|(level, e)| (level, RTree::bulk_load(e)))
            .collect();
        let areas = list
            .iter()
            .map(|u| PreparedArea::new(&u.geometry))
            .collect();
        let mut index = UnitIndex {
            region: covidmap_core::Region::of(&list),
            gazetteer: Gazetteer::with_changes(&list, changes),
            list,
            search: Vec::new(),
            areas,
            by_code,
            trees,
        };
        // Units are found by their own names and their ancestors' (below the province).
        index.search = index
            .list
            .iter()
            .map(|u| {
                let names: Vec<&str> = index
                    .ancestors(u)
                    .into_iter()
                    .filter(|a| a.level != Level::Province)
                    .map(|a| a.name.as_str())
                    .collect();
                SearchText::new(u, &names)
            })
            .collect();
        index
    }

    pub fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.by_code.get(code).map(|&i| &self.list[i])
    }

    pub fn ancestors(&self, unit: &AdminUnit) -> Vec<&AdminUnit> {
        let mut out = Vec::new();
        let mut next = unit.parent_code.as_deref().and_then(|c| self.unit(c));
        while let Some(u) = next {
            out.push(u);
            next = u.parent_code.as_deref().and_then(|c| self.unit(c));
        }
        out
    }
}

/// An area's bounding box as an R-tree envelope.
pub(crate) fn envelope_of(area: &geo::MultiPolygon<f64>) -> Option<AABB<[f64; 2]>> {
    area.bounding_rect()
        .map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}
