//! Every layer of the tiles, with its zooms and attributes: one list that the tiles, the
//! TileJSON document and the README all read.

use covidmap_core::Level;

/// One layer of the tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerSpec {
    /// Layer name in the tiles.
    pub name: &'static str,
    /// Lowest zoom it appears at (it appears at every zoom above).
    pub min_zoom: u8,
    /// Geometry type: `Polygon` or `Point`.
    pub geometry: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// Attributes and what they mean.
    pub fields: &'static [(&'static str, &'static str)],
}

/// Unit attributes shared by the three unit layers.
const UNIT_FIELDS: [(&str, &str); 4] = [
    ("code", "GSO code (hamlets: commune code and number)"),
    ("name", "name with its type word, in Vietnamese"),
    ("type", "type word: huyện, thị xã, thành phố, xã, phường, thị trấn, xóm, khối, thôn, bản, tổ dân phố"),
    ("parent_code", "code of the unit it lies in"),
];

/// Attributes of lockdown points: a declaration's, then the radius. Zones have the same but
/// the radius.
const LOCKDOWN_POINT_FIELDS: [(&str, &str); 9] = [
    ("id", "stable id"),
    ("name", "name as announced"),
    (
        "level",
        "Resolution 128/NQ-CP level: 1 green, 2 yellow, 3 orange, 4 red",
    ),
    ("status", "active or lifted"),
    ("reason", "why it was declared"),
    ("declared_by", "who declared it"),
    ("since", "in force since (ISO 8601)"),
    ("planned_end", "planned end (ISO 8601), when announced"),
    ("radius_m", "radius in metres"),
];

/// Declaration attributes (zones).
const LOCKDOWN_FIELDS: &[(&str, &str)] = LOCKDOWN_POINT_FIELDS.split_at(8).0;

/// Attributes of the label points.
const LABEL_FIELDS: [(&str, &str); 2] = [
    ("code", "the unit's GSO code"),
    ("name", "name with its type word, in Vietnamese"),
];

/// The layers, in drawing order.
pub const LAYERS: [LayerSpec; 13] = [
    LayerSpec {
        name: "districts",
        min_zoom: 0,
        geometry: "Polygon",
        description: "Districts (huyện, thị xã, thành phố)",
        fields: &UNIT_FIELDS,
    },
    LayerSpec {
        name: "communes",
        min_zoom: 9,
        geometry: "Polygon",
        description: "Communes (xã, phường, thị trấn)",
        fields: &UNIT_FIELDS,
    },
    LayerSpec {
        name: "hamlets",
        min_zoom: 12,
        geometry: "Polygon",
        description: "Hamlets (xóm, khối, thôn, bản, tổ dân phố)",
        fields: &UNIT_FIELDS,
    },
    LayerSpec {
        name: "commune_levels",
        min_zoom: 7,
        geometry: "Polygon",
        description: "Each commune's epidemic level and active cases, for a choropleth",
        fields: &[
            ("code", "commune GSO code"),
            ("name", "commune name"),
            (
                "level",
                "epidemic level: 1 green, 2 yellow, 3 orange, 4 red",
            ),
            ("active_cases", "active cases"),
        ],
    },
    LayerSpec {
        name: "lockdown_zones",
        min_zoom: 0,
        geometry: "Polygon",
        description: "Lockdown zones (vùng phong toả), active and lifted",
        fields: LOCKDOWN_FIELDS,
    },
    LayerSpec {
        name: "lockdown_points",
        min_zoom: 0,
        geometry: "Point",
        description: "Lockdown points (điểm phong toả) with their radius",
        fields: &LOCKDOWN_POINT_FIELDS,
    },
    LayerSpec {
        name: "checkpoints",
        min_zoom: 8,
        geometry: "Point",
        description: "Checkpoints (chốt chặn)",
        fields: &[
            ("id", "stable id"),
            ("name", "name"),
            ("status", "active or closed"),
            ("managed_by", "police, military or district"),
        ],
    },
    LayerSpec {
        name: "quarantine_camps",
        min_zoom: 7,
        geometry: "Point",
        description: "Quarantine camps (khu cách ly tập trung), at their centre",
        fields: &[
            ("id", "stable id"),
            ("name", "name"),
            ("status", "open or closed"),
            ("managed_by", "military or health"),
            ("capacity", "places"),
            ("occupancy", "people in it now"),
        ],
    },
    LayerSpec {
        name: "testing_sites",
        min_zoom: 10,
        geometry: "Point",
        description: "Testing sites (điểm xét nghiệm)",
        fields: &[
            ("id", "stable id"),
            ("name", "name"),
            ("status", "open or closed"),
        ],
    },
    LayerSpec {
        name: "essential_services",
        min_zoom: 12,
        geometry: "Point",
        description: "Essential services (cơ sở thiết yếu): markets, pharmacies, fuel",
        fields: &[
            ("id", "stable id"),
            ("name", "name"),
            ("status", "open or closed"),
            ("category", "market, pharmacy, fuel, …"),
        ],
    },
    // One point per unit, inside it, for its name: labels placed from the polygons would
    // repeat in every tile a unit crosses.
    LayerSpec {
        name: "district_labels",
        min_zoom: 0,
        geometry: "Point",
        description: "Where to write each district's name",
        fields: &LABEL_FIELDS,
    },
    LayerSpec {
        name: "commune_labels",
        min_zoom: 9,
        geometry: "Point",
        description: "Where to write each commune's name",
        fields: &LABEL_FIELDS,
    },
    LayerSpec {
        name: "hamlet_labels",
        min_zoom: 12,
        geometry: "Point",
        description: "Where to write each hamlet's name",
        fields: &LABEL_FIELDS,
    },
];

/// The unit layers: each one's outlines, its labels, and the level they draw.
pub const UNIT_LAYERS: [(&str, &str, Level); 3] = [
    ("districts", "district_labels", Level::District),
    ("communes", "commune_labels", Level::Commune),
    ("hamlets", "hamlet_labels", Level::Hamlet),
];

/// The level a unit layer (outlines or labels) draws; `None` for the operational layers.
#[must_use]
pub fn unit_level(name: &str) -> Option<Level> {
    UNIT_LAYERS
        .iter()
        .find(|(areas, labels, _)| *areas == name || *labels == name)
        .map(|(_, _, level)| *level)
}

/// A layer by name.
#[must_use]
pub fn layer(name: &str) -> Option<&'static LayerSpec> {
    LAYERS.iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table of layers lists every layer, its zoom and every attribute.
    #[test]
    fn the_readme_documents_every_layer_and_attribute() {
        let readme = include_str!("../../../README.md");
        for l in LAYERS {
            let row = readme
                .lines()
                .find(|line| line.contains(&format!("| `{}` |", l.name)))
                .unwrap_or_else(|| panic!("README has no row for {}", l.name));
            assert!(row.contains(&format!("| {} |", l.min_zoom)), "{row}");
            for (field, _) in l.fields {
                assert!(row.contains(field), "README's {} row lacks {field}", l.name);
            }
        }
    }
}
