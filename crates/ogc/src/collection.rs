//! The collections: what each one is (a level of units, or one of the agencies' entities),
//! its title and description, its geometry and its properties. The list is derived from
//! [`Level`] and [`Entity`]; the table behind each one is the store's to know.

use covidmap_core::{Entity, Level};

/// What a property holds, as JSON Schema and CQL2 see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// A calendar date.
    Date,
    /// A moment, with its offset.
    DateTime,
    /// A list of texts (the units a zone is made of).
    TextList,
}

impl PropertyType {
    /// Its JSON Schema `type` and `format`.
    #[must_use]
    pub fn schema(self) -> serde_json::Value {
        use serde_json::json;
        match self {
            PropertyType::Text => json!({"type": "string"}),
            PropertyType::Integer => json!({"type": "integer"}),
            PropertyType::Number => json!({"type": "number"}),
            PropertyType::Date => json!({"type": "string", "format": "date"}),
            PropertyType::DateTime => json!({"type": "string", "format": "date-time"}),
            PropertyType::TextList => json!({"type": "array", "items": {"type": "string"}}),
        }
    }

    /// Whether features can be ordered by it.
    #[must_use]
    pub fn sortable(self) -> bool {
        self != PropertyType::TextList
    }
}

/// One property of a collection's features: a column of its table, under the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// Its name in the features, the queryables and filters, and the column it is read from.
    pub name: &'static str,
    /// What it holds.
    pub kind: PropertyType,
    /// What it is, in English, for the queryables.
    pub title: &'static str,
    /// Whether the server writes it (who wrote a version, since when): a client's value is
    /// not taken.
    pub read_only: bool,
}

const fn text(name: &'static str, title: &'static str) -> Property {
    typed(name, PropertyType::Text, title)
}

const fn typed(name: &'static str, kind: PropertyType, title: &'static str) -> Property {
    Property {
        name,
        kind,
        title,
        read_only: false,
    }
}

/// A property the server writes.
const fn written_by_server(p: Property) -> Property {
    Property {
        read_only: true,
        ..p
    }
}

/// What a collection's features are drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Points.
    Point,
    /// Polygons and multipolygons.
    Polygon,
    /// Points or polygons (quarantine camps: a point or the camp's outline).
    PointOrPolygon,
}

impl GeometryKind {
    /// The `itemType`-level name of the geometry in the queryables (JSON Schema `format`, as
    /// OGC API – Features Part 3 writes it).
    #[must_use]
    pub fn schema_format(self) -> &'static str {
        match self {
            GeometryKind::Point => "geometry-point",
            GeometryKind::Polygon => "geometry-multipolygon",
            GeometryKind::PointOrPolygon => "geometry-any",
        }
    }
}

/// What a collection is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The units of one level.
    Units(Level),
    /// One of the agencies' entities.
    Entity(Entity),
}

/// One collection of OGC API – Features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collection {
    /// Its id in URLs (`/ogc/collections/{id}`).
    pub id: &'static str,
    /// What it is made of.
    pub source: Source,
    /// Its title, in Vietnamese.
    pub title: &'static str,
    /// What it holds, in English.
    pub description: &'static str,
    /// Its geometry.
    pub geometry: GeometryKind,
    /// The property holding a feature's id, stable across its versions.
    pub key: &'static str,
    /// Its properties, the key first.
    pub properties: &'static [Property],
    /// Whose outline a feature's geometry is, for the collections that have none of their
    /// own: always as it stood at the moment asked for.
    pub outline_of: Option<Outline>,
}

/// The unit whose outline stands for a feature that has no geometry of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outline {
    /// The commune whose code this property holds.
    Commune(&'static str),
    /// The province (the provincial office's directives govern all of it).
    Province,
}

/// The property every versioned row has: when this version took effect.
const VALID_FROM: Property = written_by_server(typed(
    "valid_from",
    PropertyType::DateTime,
    "when this version of the feature took effect",
));
const CHANGED_BY: Property = written_by_server(text(
    "changed_by",
    "the organisation that wrote this version",
));

const UNIT_PROPERTIES: &[Property] = &[
    text(
        "code",
        "the unit's code (the General Statistics Office's, or the district's for hamlets)",
    ),
    text("name", "the unit's name"),
    text(
        "unit_type",
        "tỉnh, huyện, thị xã, thành phố, xã, phường, thị trấn, xóm, khối, thôn, bản or tổ dân phố",
    ),
    text("parent_code", "the code of the unit it lies in"),
    VALID_FROM,
];

const DECLARATION: [Property; 8] = [
    text("id", "the declaration's id"),
    text("name", "its name"),
    typed(
        "level",
        PropertyType::Integer,
        "the epidemic level, 1 (green, low) to 4 (red, very high)",
    ),
    text("reason", "why it was declared"),
    written_by_server(text("declared_by", "the organisation that declared it")),
    typed("started_at", PropertyType::DateTime, "when it took force"),
    typed(
        "planned_end",
        PropertyType::DateTime,
        "when it is planned to be lifted",
    ),
    CHANGED_BY,
];

const ZONE_PROPERTIES: &[Property] = &[
    DECLARATION[0],
    DECLARATION[1],
    DECLARATION[2],
    DECLARATION[3],
    DECLARATION[4],
    DECLARATION[5],
    DECLARATION[6],
    typed(
        "unit_codes",
        PropertyType::TextList,
        "the hamlets or communes it is made of, when it is made of whole units",
    ),
    DECLARATION[7],
    VALID_FROM,
];

const POINT_PROPERTIES: &[Property] = &[
    DECLARATION[0],
    DECLARATION[1],
    DECLARATION[2],
    DECLARATION[3],
    DECLARATION[4],
    DECLARATION[5],
    DECLARATION[6],
    typed(
        "radius_m",
        PropertyType::Number,
        "the radius around the point, in metres",
    ),
    DECLARATION[7],
    VALID_FROM,
];

const CHECKPOINT_PROPERTIES: &[Property] = &[
    text("id", "the checkpoint's id"),
    text("name", "its name"),
    text("status", "active or closed"),
    text("managed_by", "police, military or district"),
    CHANGED_BY,
    VALID_FROM,
];

const CAMP_PROPERTIES: &[Property] = &[
    text("id", "the camp's id"),
    text("name", "its name"),
    text("status", "open or closed"),
    text("managed_by", "military or health"),
    typed("capacity", PropertyType::Integer, "people it can hold"),
    typed("occupancy", PropertyType::Integer, "people it holds"),
    CHANGED_BY,
    VALID_FROM,
];

const TESTING_SITE_PROPERTIES: &[Property] = &[
    text("id", "the testing site's id"),
    text("name", "its name"),
    text("status", "open or closed"),
    CHANGED_BY,
    VALID_FROM,
];

const SERVICE_PROPERTIES: &[Property] = &[
    text("id", "the service's id"),
    text("name", "its name"),
    text("status", "open or closed"),
    text(
        "category",
        "market, supermarket, grocery, pharmacy, petrol, bank or clinic",
    ),
    CHANGED_BY,
    VALID_FROM,
];

const LEVEL_PROPERTIES: &[Property] = &[
    text("id", "the commune's code"),
    typed(
        "level",
        PropertyType::Integer,
        "the commune's epidemic level, 1 (green, low) to 4 (red, very high)",
    ),
    typed(
        "active_cases",
        PropertyType::Integer,
        "active cases in the commune",
    ),
    CHANGED_BY,
    VALID_FROM,
];

const FIGURE_PROPERTIES: &[Property] = &[
    text(
        "id",
        "the commune's code and the day: <commune>/<YYYY-MM-DD>",
    ),
    text("commune_code", "the commune's code"),
    typed("day", PropertyType::Date, "the day the figures are for"),
    typed("new_cases", PropertyType::Integer, "cases found that day"),
    typed("active", PropertyType::Integer, "cases under treatment"),
    typed("recovered", PropertyType::Integer, "people recovered"),
    typed("deaths", PropertyType::Integer, "deaths"),
    typed(
        "in_quarantine",
        PropertyType::Integer,
        "people in quarantine",
    ),
    CHANGED_BY,
    VALID_FROM,
];

const DIRECTIVE_PROPERTIES: &[Property] = &[
    text("id", "the document's id"),
    text("number", "the document's number, as issued"),
    text("title", "its title"),
    typed("issued_on", PropertyType::Date, "the day it was issued"),
    text("issuer", "the office that issued it"),
    text("summary", "what it says, in brief"),
    text("link", "where it is published"),
    CHANGED_BY,
    VALID_FROM,
];

const fn units(
    id: &'static str,
    level: Level,
    title: &'static str,
    description: &'static str,
) -> Collection {
    Collection {
        id,
        source: Source::Units(level),
        title,
        description,
        geometry: GeometryKind::Polygon,
        key: "code",
        properties: UNIT_PROPERTIES,
        outline_of: None,
    }
}

const fn entity(
    entity: Entity,
    description: &'static str,
    geometry: GeometryKind,
    properties: &'static [Property],
) -> Collection {
    Collection {
        id: collection_id(entity),
        source: Source::Entity(entity),
        title: entity.title_vi(),
        description,
        geometry,
        key: "id",
        properties,
        outline_of: match entity {
            Entity::CommuneLevels => Some(Outline::Commune("id")),
            Entity::DailyFigures => Some(Outline::Commune("commune_code")),
            Entity::Directives => Some(Outline::Province),
            _ => None,
        },
    }
}

/// An entity's collection id: its URL name under `/api/v1/`, but `directives` and
/// `support-policies` for the documents (whose URL holds both).
pub(crate) const fn collection_id(entity: Entity) -> &'static str {
    match entity {
        Entity::Directives => "directives",
        Entity::SupportPolicies => "support-policies",
        other => other.url(),
    }
}

/// Every collection, in the order the landing page lists them.
pub const COLLECTIONS: &[Collection] = &[
    units("districts", Level::District, "Huyện, thị xã, thành phố",
        "Districts, district-level towns and cities (none in a province with two tiers)."),
    units("communes", Level::Commune, "Xã, phường, thị trấn",
        "Communes, wards and townships."),
    units("hamlets", Level::Hamlet, "Xóm, khối, thôn, bản",
        "Hamlets, blocks and villages, as the districts upload them."),
    entity(Entity::LockdownZones,
        "Lockdown zones in force: areas declared locked down and not yet lifted (a lifted zone is found with a datetime before its lifting).",
        GeometryKind::Polygon, ZONE_PROPERTIES),
    entity(Entity::LockdownPoints,
        "Lockdown points in force: a building or a stretch of street, with a radius.",
        GeometryKind::Point, POINT_PROPERTIES),
    entity(Entity::Checkpoints, "Checkpoints of the police, the military and the districts.",
        GeometryKind::Point, CHECKPOINT_PROPERTIES),
    entity(Entity::QuarantineCamps, "Quarantine camps: a point or the camp's outline, with capacity and occupancy.",
        GeometryKind::PointOrPolygon, CAMP_PROPERTIES),
    entity(Entity::TestingSites, "Testing sites.", GeometryKind::Point, TESTING_SITE_PROPERTIES),
    entity(Entity::EssentialServices, "Essential services: markets, pharmacies, petrol stations, banks, clinics.",
        GeometryKind::Point, SERVICE_PROPERTIES),
    entity(Entity::CommuneLevels,
        "Each commune's epidemic level, set by the CDC, with the commune's outline as it stood at the same moment.",
        GeometryKind::Polygon, LEVEL_PROPERTIES),
    entity(Entity::DailyFigures,
        "Case figures per commune and day, as the health centres enter them, with the commune's outline as it stood at the same moment.",
        GeometryKind::Polygon, FIGURE_PROPERTIES),
    entity(Entity::Directives, "Directive documents of the provincial office, with the outline of the province they govern.",
        GeometryKind::Polygon, DIRECTIVE_PROPERTIES),
];

impl Collection {
    /// The collection whose features a change of `entity` (a unit of `level`) writes, if
    /// there is one.
    #[must_use]
    pub fn of_change(entity: Entity, level: Option<Level>) -> Option<&'static Collection> {
        COLLECTIONS.iter().find(|c| match c.source {
            Source::Units(l) => entity == Entity::Boundaries && level == Some(l),
            Source::Entity(e) => e == entity,
        })
    }

    /// The entity its features are written as through OGC API – Features Part 4: the
    /// declarations and the facilities. Units change by upload, and levels, figures and
    /// documents through their own forms.
    #[must_use]
    pub fn editable(&self) -> Option<Entity> {
        match self.source {
            Source::Entity(e) if e.is_declaration() || e.facility().is_some() => Some(e),
            _ => None,
        }
    }

    /// The collection with this id.
    #[must_use]
    pub fn find(id: &str) -> Option<&'static Collection> {
        COLLECTIONS.iter().find(|c| c.id == id)
    }

    /// The property with this name.
    #[must_use]
    pub fn property(&self, name: &str) -> Option<&'static Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The names of its properties, for messages.
    #[must_use]
    pub fn property_names(&self) -> String {
        self.properties
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every collection's id, for messages.
    #[must_use]
    pub fn ids() -> String {
        COLLECTIONS
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_property_names_are_unique() {
        let ids: BTreeSet<&str> = COLLECTIONS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), COLLECTIONS.len());
        for c in COLLECTIONS {
            assert_eq!(c.properties[0].name, c.key, "{}", c.id);
            let names: BTreeSet<&str> = c.properties.iter().map(|p| p.name).collect();
            assert_eq!(names.len(), c.properties.len(), "{}", c.id);
        }
    }

    #[test]
    fn every_operational_layer_is_a_collection() {
        for layer in Entity::LAYERS {
            let c = COLLECTIONS
                .iter()
                .find(|c| c.source == Source::Entity(layer))
                .unwrap_or_else(|| panic!("{layer} has no collection"));
            assert_eq!(
                layer.has_geometry(),
                c.outline_of.is_none(),
                "{}: its own geometry, or a unit's outline",
                c.id
            );
            assert_eq!(c.id, layer.url());
        }
        assert!(Collection::find("hamlets").is_some());
        assert!(Collection::find("lockdown_zones").is_none());
    }
}
