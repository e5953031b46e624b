//! The one list of what the agencies keep. Every name an entity goes by — its table, its URL,
//! its tile layers, its noun in messages, the prefix of new ids — is derived from here, so a
//! new layer is one variant and the compiler shows every place that must learn of it.

use crate::agency::UnknownName;
use crate::documents::DocumentKind;
use crate::layers::FacilityKind;
use std::fmt;

/// Something the agencies write, with its own versions and history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// Commune and hamlet boundaries (district boundaries: the provincial office).
    Boundaries,
    /// Lockdown zones (vùng phong toả).
    LockdownZones,
    /// Lockdown points (điểm phong toả) with a radius.
    LockdownPoints,
    /// Checkpoints (chốt kiểm soát).
    Checkpoints,
    /// Quarantine camps (khu cách ly tập trung).
    QuarantineCamps,
    /// Testing sites (điểm xét nghiệm).
    TestingSites,
    /// Essential services (cơ sở thiết yếu).
    EssentialServices,
    /// Each commune's epidemic level.
    CommuneLevels,
    /// Daily case figures per commune.
    DailyFigures,
    /// Returning-worker counts per commune and day.
    ReturningWorkers,
    /// Support-policy notices (stored with the directives, as documents).
    SupportPolicies,
    /// Directive documents.
    Directives,
    /// Administrative changes: which unit became which, when and by what act.
    UnitChanges,
}

impl Entity {
    /// Every entity.
    pub const ALL: [Entity; 13] = [
        Entity::Boundaries,
        Entity::LockdownZones,
        Entity::LockdownPoints,
        Entity::Checkpoints,
        Entity::QuarantineCamps,
        Entity::TestingSites,
        Entity::EssentialServices,
        Entity::CommuneLevels,
        Entity::DailyFigures,
        Entity::ReturningWorkers,
        Entity::SupportPolicies,
        Entity::Directives,
        Entity::UnitChanges,
    ];

    /// The operational layers: drawn on the map, indexed in the snapshot, versioned in a
    /// table of their own.
    pub const LAYERS: [Entity; 7] = [
        Entity::LockdownZones,
        Entity::LockdownPoints,
        Entity::Checkpoints,
        Entity::QuarantineCamps,
        Entity::TestingSites,
        Entity::EssentialServices,
        Entity::CommuneLevels,
    ];

    /// The name in the API (`/api/v1/me`, the audit log's history) and in permissions.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Entity::Boundaries => "boundaries",
            Entity::CommuneLevels => "epidemic_levels",
            Entity::SupportPolicies => "support_policies",
            Entity::Directives => "directives",
            other => other.table(),
        }
    }

    /// The PostGIS table holding its versions.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            Entity::Boundaries => "admin_units",
            Entity::LockdownZones => "lockdown_zones",
            Entity::LockdownPoints => "lockdown_points",
            Entity::Checkpoints => "checkpoints",
            Entity::QuarantineCamps => "quarantine_camps",
            Entity::TestingSites => "testing_sites",
            Entity::EssentialServices => "essential_services",
            Entity::CommuneLevels => "commune_levels",
            Entity::DailyFigures => "daily_figures",
            Entity::ReturningWorkers => "returning_workers",
            Entity::SupportPolicies | Entity::Directives => "documents",
            Entity::UnitChanges => "unit_changes",
        }
    }

    /// The name its audit entries carry: the table, but `boundaries` for uploads (an
    /// upload's entry is the whole upload, not one unit's version).
    #[must_use]
    pub fn audit_name(self) -> &'static str {
        match self {
            Entity::Boundaries => "boundaries",
            other => other.table(),
        }
    }

    /// The path segment of its collection under `/api/v1/` (`/api/v1/zones`,
    /// `/api/v1/layers/zones`).
    #[must_use]
    pub const fn url(self) -> &'static str {
        match self {
            Entity::Boundaries => "boundaries",
            Entity::LockdownZones => "zones",
            Entity::LockdownPoints => "lockdown-points",
            Entity::Checkpoints => "checkpoints",
            Entity::QuarantineCamps => "quarantine-camps",
            Entity::TestingSites => "testing-sites",
            Entity::EssentialServices => "essential-services",
            Entity::CommuneLevels => "commune-levels",
            Entity::DailyFigures => "figures",
            Entity::ReturningWorkers => "returning-workers",
            Entity::SupportPolicies | Entity::Directives => "documents",
            Entity::UnitChanges => "unit-changes",
        }
    }

    /// The vector-tile layers that draw it (none for figures and documents).
    #[must_use]
    pub fn tile_layers(self) -> &'static [&'static str] {
        match self {
            Entity::Boundaries => &[
                "districts",
                "communes",
                "hamlets",
                "district_labels",
                "commune_labels",
                "hamlet_labels",
            ],
            Entity::LockdownZones => &["lockdown_zones"],
            Entity::LockdownPoints => &["lockdown_points"],
            Entity::Checkpoints => &["checkpoints"],
            Entity::QuarantineCamps => &["quarantine_camps"],
            Entity::TestingSites => &["testing_sites"],
            Entity::EssentialServices => &["essential_services"],
            Entity::CommuneLevels => &["commune_levels"],
            Entity::DailyFigures
            | Entity::ReturningWorkers
            | Entity::SupportPolicies
            | Entity::Directives
            | Entity::UnitChanges => &[],
        }
    }

    /// One of it, in words, for messages ("the lockdown zone").
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Entity::Boundaries => "boundary",
            Entity::LockdownZones => "lockdown zone",
            Entity::LockdownPoints => "lockdown point",
            Entity::Checkpoints => "checkpoint",
            Entity::QuarantineCamps => "quarantine camp",
            Entity::TestingSites => "testing site",
            Entity::EssentialServices => "essential service",
            Entity::CommuneLevels => "commune level",
            Entity::DailyFigures => "day's figures",
            Entity::ReturningWorkers => "returning-worker count",
            Entity::SupportPolicies => "support policy",
            Entity::Directives => "directive",
            Entity::UnitChanges => "administrative change",
        }
    }

    /// Its name in Vietnamese, as the pages and the operations centre show it.
    #[must_use]
    pub const fn title_vi(self) -> &'static str {
        match self {
            Entity::Boundaries => "Địa giới hành chính",
            Entity::LockdownZones => "Vùng phong toả",
            Entity::LockdownPoints => "Điểm phong toả",
            Entity::Checkpoints => "Chốt kiểm soát",
            Entity::QuarantineCamps => "Khu cách ly",
            Entity::TestingSites => "Điểm xét nghiệm",
            Entity::EssentialServices => "Cơ sở thiết yếu",
            Entity::CommuneLevels => "Cấp độ dịch theo xã",
            Entity::DailyFigures => "Số liệu ca mắc hằng ngày",
            Entity::ReturningWorkers => "Lao động trở về",
            Entity::SupportPolicies => "Chính sách hỗ trợ",
            Entity::Directives => "Văn bản chỉ đạo",
            Entity::UnitChanges => "Thay đổi đơn vị hành chính",
        }
    }

    /// Its English title (the pages in English).
    #[must_use]
    pub const fn title_en(self) -> &'static str {
        match self {
            Entity::Boundaries => "Administrative boundaries",
            Entity::LockdownZones => "Lockdown zones",
            Entity::LockdownPoints => "Lockdown points",
            Entity::Checkpoints => "Checkpoints",
            Entity::QuarantineCamps => "Quarantine camps",
            Entity::TestingSites => "Testing sites",
            Entity::EssentialServices => "Essential services",
            Entity::CommuneLevels => "Epidemic levels by commune",
            Entity::DailyFigures => "Daily case figures",
            Entity::ReturningWorkers => "Returning workers",
            Entity::SupportPolicies => "Support policies",
            Entity::Directives => "Directive documents",
            Entity::UnitChanges => "Administrative changes",
        }
    }

    /// What a new one's id begins with (`zone-3f9a0c21`); `None` where the id is given
    /// (a commune's code, a commune and a day, a boundary's code).
    #[must_use]
    pub fn id_prefix(self) -> Option<&'static str> {
        match self {
            Entity::LockdownZones => Some("zone"),
            Entity::LockdownPoints => Some("point"),
            Entity::Checkpoints => Some("checkpoint"),
            Entity::QuarantineCamps => Some("quarantine"),
            Entity::TestingSites => Some("testing"),
            Entity::EssentialServices => Some("essential"),
            Entity::SupportPolicies | Entity::Directives => Some("doc"),
            Entity::Boundaries
            | Entity::CommuneLevels
            | Entity::DailyFigures
            | Entity::ReturningWorkers
            | Entity::UnitChanges => None,
        }
    }

    /// Whether its rows have a geometry (`geom`).
    #[must_use]
    pub fn has_geometry(self) -> bool {
        Entity::LAYERS.contains(&self) && self != Entity::CommuneLevels
    }

    /// Whether it is a lockdown declaration (declared, then lifted).
    #[must_use]
    pub fn is_declaration(self) -> bool {
        matches!(self, Entity::LockdownZones | Entity::LockdownPoints)
    }

    /// The kind of facility it is, for the four facility layers.
    #[must_use]
    pub fn facility(self) -> Option<FacilityKind> {
        FacilityKind::ALL.into_iter().find(|k| k.entity() == self)
    }

    /// The entity a name in a request stands for: its name, its table or its URL segment
    /// (`zones`, `lockdown_zones`). `documents` names the documents' table, which holds both
    /// support policies and directives: it reads as the first of them in [`Entity::ALL`],
    /// which names the table; a caller that needs to know which reads the document's kind.
    ///
    /// # Errors
    /// No entity goes by that name.
    pub fn parse(name: &str) -> Result<Entity, UnknownName> {
        Entity::ALL
            .into_iter()
            .find(|e| e.name() == name || e.url() == name || e.table() == name)
            .ok_or_else(|| UnknownName::new("entity", name, Entity::ALL.map(Entity::name)))
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FacilityKind {
    /// The entity it is kept as.
    #[must_use]
    pub fn entity(self) -> Entity {
        match self {
            FacilityKind::Checkpoint => Entity::Checkpoints,
            FacilityKind::QuarantineCamp => Entity::QuarantineCamps,
            FacilityKind::TestingSite => Entity::TestingSites,
            FacilityKind::EssentialService => Entity::EssentialServices,
        }
    }
}

impl DocumentKind {
    /// The entity documents of this kind are kept as.
    #[must_use]
    pub fn entity(self) -> Entity {
        match self {
            DocumentKind::Directive => Entity::Directives,
            DocumentKind::SupportPolicy => Entity::SupportPolicies,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_read_back_and_never_collide() {
        for entity in Entity::ALL {
            assert_eq!(Entity::parse(entity.name()), Ok(entity));
            let by_url = Entity::parse(entity.url()).unwrap();
            assert_eq!(by_url.table(), entity.table(), "{entity}");
        }
        let names: BTreeSet<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names.len(), Entity::ALL.len());
        assert_eq!(Entity::parse("lockdown_zones"), Ok(Entity::LockdownZones));
        assert_eq!(Entity::parse("zones"), Ok(Entity::LockdownZones));
        let unknown = Entity::parse("vaccination_sites").unwrap_err().to_string();
        assert!(unknown.starts_with("unknown entity \"vaccination_sites\""));
    }

    #[test]
    fn layers_are_the_entities_drawn_from_tables_of_their_own() {
        for entity in Entity::LAYERS {
            assert!(!entity.tile_layers().is_empty(), "{entity}");
            assert_ne!(entity.table(), "documents");
        }
        for kind in FacilityKind::ALL {
            assert_eq!(kind.entity().facility(), Some(kind));
            assert_eq!(kind.entity().table(), kind.table());
        }
        assert!(Entity::Checkpoints.has_geometry());
        assert!(!Entity::CommuneLevels.has_geometry());
        assert!(!Entity::DailyFigures.has_geometry());
    }
}
