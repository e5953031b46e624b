//! Which tiles a change dirties: the extents (lon/lat) of everything that differs between
//! two versions of the data — units, zones, lockdown points, facilities and commune levels
//! added, changed or removed, old and new extents both. The cache ([`crate::cache`]) drops
//! every tile, at every zoom, whose buffered bounds meet one.

use covidmap_core::layers::{CommuneLevel, Facility, Layers, LockdownPoint};
use covidmap_core::{AdminUnit, Level};
use geo::{BoundingRect, Rect};
use std::collections::HashMap;

/// One change of the data: the versions before and after.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The units before.
    pub old_units: &'a [AdminUnit],
    /// The units after.
    pub new_units: &'a [AdminUnit],
    /// The layers before.
    pub old_layers: &'a Layers,
    /// The layers after.
    pub new_layers: &'a Layers,
    /// Whether the units may differ (`false`: a layer change that kept them).
    pub units_changed: bool,
    /// Whether the layers may differ.
    pub layers_changed: bool,
}

impl Change<'_> {
    /// The extents of everything that differs.
    #[must_use]
    pub fn extents(&self) -> Vec<Rect<f64>> {
        let mut out = Vec::new();
        if self.units_changed {
            changed(
                self.old_units,
                self.new_units,
                |u| u.code.clone(),
                |u| u.geometry.bounding_rect(),
                &mut out,
            );
        }
        if !self.layers_changed {
            return out;
        }
        let (old, new) = (self.old_layers, self.new_layers);
        changed(
            &old.zones,
            &new.zones,
            |z| z.id.clone(),
            |z| z.area.bounding_rect(),
            &mut out,
        );
        let point_box = |p: &LockdownPoint| Some(Rect::new(p.location.0, p.location.0));
        changed(
            &old.points,
            &new.points,
            |p| p.id.clone(),
            point_box,
            &mut out,
        );
        let facility_box = |f: &Facility| {
            f.outline
                .as_ref()
                .and_then(BoundingRect::bounding_rect)
                .or(Some(Rect::new(f.location.0, f.location.0)))
        };
        changed(
            &old.facilities,
            &new.facilities,
            |f| format!("{}/{}", f.kind.table(), f.id),
            facility_box,
            &mut out,
        );
        if old.commune_levels != new.commune_levels {
            let communes: HashMap<&str, &AdminUnit> = self
                .old_units
                .iter()
                .chain(self.new_units)
                .filter(|u| u.level == Level::Commune)
                .map(|u| (u.code.as_str(), u))
                .collect();
            let commune_box = |c: &CommuneLevel| {
                communes
                    .get(c.commune_code.as_str())
                    .and_then(|u| u.geometry.bounding_rect())
            };
            changed(
                &old.commune_levels,
                &new.commune_levels,
                |c| c.commune_code.clone(),
                commune_box,
                &mut out,
            );
        }
        out
    }
}

/// Extents of items added, removed or changed between two lists keyed by `key`.
fn changed<T: PartialEq>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> String,
    extent: impl Fn(&T) -> Option<Rect<f64>>,
    out: &mut Vec<Rect<f64>>,
) {
    let old_by_key: HashMap<String, &T> = old.iter().map(|t| (key(t), t)).collect();
    let new_by_key: HashMap<String, &T> = new.iter().map(|t| (key(t), t)).collect();
    for (k, o) in &old_by_key {
        if new_by_key.get(k) != Some(o) {
            out.extend(extent(o));
        }
    }
    for (k, n) in &new_by_key {
        if old_by_key.get(k) != Some(n) {
            out.extend(extent(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use covidmap_core::fixtures::{declaration, square};
    use covidmap_core::layers::LockdownZone;

    fn layers(zone: Option<(f64, u8)>) -> Layers {
        let zones = zone
            .map(|(x, level)| LockdownZone {
                id: "z".into(),
                name: "z".into(),
                declaration: declaration(level),
                unit_codes: vec![],
                area: square(x, 0.0, 1.0),
            })
            .into_iter()
            .collect();
        Layers {
            zones,
            ..Layers::default()
        }
    }

    fn extents(old: &Layers, new: &Layers) -> Vec<Rect<f64>> {
        Change {
            old_units: &[],
            new_units: &[],
            old_layers: old,
            new_layers: new,
            units_changed: false,
            layers_changed: true,
        }
        .extents()
    }

    #[test]
    fn changed_extents_name_what_moved() {
        let (none, added) = (layers(None), layers(Some((2.0, 4))));
        let found = extents(&none, &added);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].min().x, 2.0);
        // The same zone again: nothing changed.
        assert!(extents(&added, &layers(Some((2.0, 4)))).is_empty());
        // Moved: both where it was and where it is now.
        assert_eq!(extents(&added, &layers(Some((5.0, 4)))).len(), 2);
        // Level changed in place: its extent once per side.
        assert_eq!(extents(&added, &layers(Some((2.0, 3)))).len(), 2);
        assert_eq!(extents(&added, &none).len(), 1);
    }
}
