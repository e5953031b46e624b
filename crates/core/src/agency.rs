//! Who may write what: the agencies that keep the map, their roles, and the layers each may
//! change, province-wide or in its own district. Pure rules; the server enforces them.

use crate::containment::{best_parent, outside};
use crate::{AdminUnit, Level, Snapshot};
use geo::{Closest, ClosestPoint, Contains, Distance, Haversine, MultiPolygon, Point};
use std::fmt;
use std::str::FromStr;

/// The kind of agency an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// Văn phòng UBND tỉnh: the provincial office, province-wide, may write everything.
    ProvincialOffice,
    /// UBND huyện: a district people's committee.
    DistrictCommittee,
    /// Trung tâm y tế huyện: a district health centre.
    DistrictHealthCentre,
    /// CDC Nghệ An: the provincial centre for disease control.
    Cdc,
    /// Công an tỉnh: the provincial police.
    Police,
    /// Bộ Chỉ huy Quân sự tỉnh: the provincial military command.
    Military,
    /// Sở Công Thương: the Department of Industry and Trade.
    IndustryTrade,
    /// Sở Lao động – Thương binh và Xã hội: the Department of Labour.
    Labour,
}

impl OrgKind {
    /// Every kind.
    pub const ALL: [OrgKind; 8] = [
        OrgKind::ProvincialOffice,
        OrgKind::DistrictCommittee,
        OrgKind::DistrictHealthCentre,
        OrgKind::Cdc,
        OrgKind::Police,
        OrgKind::Military,
        OrgKind::IndustryTrade,
        OrgKind::Labour,
    ];

    /// The name used in the database, the API and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::ProvincialOffice => "provincial_office",
            OrgKind::DistrictCommittee => "district_committee",
            OrgKind::DistrictHealthCentre => "district_health_centre",
            OrgKind::Cdc => "cdc",
            OrgKind::Police => "police",
            OrgKind::Military => "military",
            OrgKind::IndustryTrade => "industry_trade",
            OrgKind::Labour => "labour",
        }
    }

    /// Whether an organisation of this kind belongs to one district.
    #[must_use]
    pub fn is_per_district(self) -> bool {
        matches!(
            self,
            OrgKind::DistrictCommittee | OrgKind::DistrictHealthCentre
        )
    }

    /// What this kind may write (before roles and jurisdiction).
    #[must_use]
    pub fn writes(self) -> &'static [Layer] {
        use Layer::*;
        match self {
            OrgKind::ProvincialOffice => &Layer::ALL,
            OrgKind::DistrictCommittee => &[Boundaries, LockdownZones, LockdownPoints],
            OrgKind::DistrictHealthCentre => &[TestingSites, DailyFigures, QuarantineCamps],
            OrgKind::Cdc => &[TestingSites, DailyFigures, EpidemicLevels, QuarantineCamps],
            OrgKind::Police => &[Checkpoints],
            OrgKind::Military => &[Checkpoints, QuarantineCamps],
            OrgKind::IndustryTrade => &[EssentialServices],
            OrgKind::Labour => &[ReturningWorkers, SupportPolicies],
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                UnknownName::new("organisation kind", s, OrgKind::ALL.map(OrgKind::as_str))
            })
    }
}

/// What a token may do for its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Writes what the organisation may write, in its jurisdiction.
    Editor,
    /// Reads the organisation's history; writes nothing.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 2] = [Role::Editor, Role::Viewer];

    /// The name used in the database, the API and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName::new("role", s, Role::ALL.map(Role::as_str)))
    }
}

/// What can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Commune and hamlet boundaries (district committees: their own district's).
    Boundaries,
    /// Lockdown zones.
    LockdownZones,
    /// Lockdown points.
    LockdownPoints,
    /// Checkpoints.
    Checkpoints,
    /// Quarantine camps.
    QuarantineCamps,
    /// Testing sites.
    TestingSites,
    /// Essential services.
    EssentialServices,
    /// Daily case figures per commune.
    DailyFigures,
    /// Epidemic level per commune.
    EpidemicLevels,
    /// Returning-worker counts.
    ReturningWorkers,
    /// Support-policy notices.
    SupportPolicies,
    /// Directive documents.
    Directives,
}

impl Layer {
    /// Every layer.
    pub const ALL: [Layer; 12] = [
        Layer::Boundaries,
        Layer::LockdownZones,
        Layer::LockdownPoints,
        Layer::Checkpoints,
        Layer::QuarantineCamps,
        Layer::TestingSites,
        Layer::EssentialServices,
        Layer::DailyFigures,
        Layer::EpidemicLevels,
        Layer::ReturningWorkers,
        Layer::SupportPolicies,
        Layer::Directives,
    ];

    /// The name used in the API and the audit log.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Boundaries => "boundaries",
            Layer::LockdownZones => "lockdown_zones",
            Layer::LockdownPoints => "lockdown_points",
            Layer::Checkpoints => "checkpoints",
            Layer::QuarantineCamps => "quarantine_camps",
            Layer::TestingSites => "testing_sites",
            Layer::EssentialServices => "essential_services",
            Layer::DailyFigures => "daily_figures",
            Layer::EpidemicLevels => "epidemic_levels",
            Layer::ReturningWorkers => "returning_workers",
            Layer::SupportPolicies => "support_policies",
            Layer::Directives => "directives",
        }
    }

    /// Who keeps it, in words, for refusals.
    fn keepers(self) -> String {
        let kinds: Vec<&str> = OrgKind::ALL
            .into_iter()
            .filter(|k| *k != OrgKind::ProvincialOffice && k.writes().contains(&self))
            .map(OrgKind::as_str)
            .collect();
        if kinds.is_empty() {
            "only the provincial office keeps it".to_owned()
        } else {
            format!(
                "it is kept by {} and the provincial office",
                kinds.join(", ")
            )
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an organisation may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere in the province.
    Province,
    /// Inside one district, by its code.
    District(String),
}

/// An organisation, as far as permissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Short stable identifier, e.g. `ubnd-412`.
    pub id: String,
    /// Its name, e.g. "UBND thành phố Vinh".
    pub name: String,
    /// What kind of agency it is.
    pub kind: OrgKind,
    /// Its district, for per-district kinds.
    pub district_code: Option<String>,
}

impl Organisation {
    /// Where it may write.
    #[must_use]
    pub fn scope(&self) -> Scope {
        match (&self.district_code, self.kind.is_per_district()) {
            (Some(code), true) => Scope::District(code.clone()),
            _ => Scope::Province,
        }
    }
}

/// Why a write is refused (HTTP 403): the words are shown to the agency as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The token may only read.
    #[error("this token has the role `viewer`, which writes nothing; ask for an `editor` token")]
    ReadOnly,
    /// The organisation's kind does not keep the layer.
    #[error("{org} ({kind}) may not write {layer}: {keepers}")]
    NotTheirLayer {
        /// The organisation's name.
        org: String,
        /// Its kind.
        kind: OrgKind,
        /// The layer.
        layer: Layer,
        /// Who does keep it.
        keepers: String,
    },
    /// The place lies outside the organisation's district.
    #[error("{org} may only write inside its district, {district}; {what} lies in {actual}")]
    OutsideDistrict {
        /// The organisation's name.
        org: String,
        /// Its district's code.
        district: String,
        /// What was being written.
        what: String,
        /// Where it is (district code, or "another district" / "outside the province").
        actual: String,
    },
}

/// Where `org`, through a token of `role`, may write `layer`.
///
/// # Errors
/// The role writes nothing, or the organisation does not keep the layer.
pub fn may_write(org: &Organisation, role: Role, layer: Layer) -> Result<Scope, Refusal> {
    if role == Role::Viewer {
        return Err(Refusal::ReadOnly);
    }
    if !org.kind.writes().contains(&layer) {
        return Err(Refusal::NotTheirLayer {
            org: org.name.clone(),
            kind: org.kind,
            layer,
            keepers: layer.keepers(),
        });
    }
    Ok(org.scope())
}

/// How far outside its district a point may lie and still count as inside (metres): a
/// checkpoint on the road that is the district's border.
pub const POINT_TOLERANCE_M: f64 = 50.0;

/// The district holding a point, in words ("Huyện Nghi Lộc (413)"), or where it is not.
fn district_at(snapshot: &Snapshot, point: Point<f64>) -> String {
    snapshot.unit_at(Level::District, point).map_or_else(
        || "no district of the province".to_owned(),
        |d| format!("{} ({})", d.name, d.code),
    )
}

fn outside_refusal(
    snapshot: &Snapshot,
    org: &Organisation,
    code: &str,
    what: &str,
    actual: String,
) -> Refusal {
    let district = snapshot
        .unit(code)
        .map_or_else(|| code.to_owned(), |d| format!("{} ({})", d.name, d.code));
    Refusal::OutsideDistrict {
        org: org.name.clone(),
        district,
        what: what.to_owned(),
        actual,
    }
}

/// Checks that an area fits the scope: inside the district, but for digitising error (the
/// tolerance boundary uploads have, [`crate::containment`]).
///
/// # Errors
/// The scope is one district and too much of the area lies outside it.
pub fn area_within(
    scope: &Scope,
    org: &Organisation,
    what: &str,
    area: &MultiPolygon<f64>,
    snapshot: &Snapshot,
) -> Result<(), Refusal> {
    let Scope::District(code) = scope else {
        return Ok(());
    };
    if let Some(district) = snapshot.unit(code) {
        if outside(area, &district.geometry).is_tolerable() {
            return Ok(());
        }
    }
    let districts = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::District);
    let actual = best_parent(area, districts.map(|d| (d.code.as_str(), &d.geometry)))
        .and_then(|(found, _)| snapshot.unit(found))
        .map_or_else(
            || "no district of the province".to_owned(),
            |d| format!("mostly {} ({})", d.name, d.code),
        );
    Err(outside_refusal(snapshot, org, code, what, actual))
}

/// Checks that a point fits the scope: inside the district, or within
/// [`POINT_TOLERANCE_M`] of it.
///
/// # Errors
/// The scope is one district and the point lies elsewhere.
pub fn point_within(
    scope: &Scope,
    org: &Organisation,
    what: &str,
    point: Point<f64>,
    snapshot: &Snapshot,
) -> Result<(), Refusal> {
    let Scope::District(code) = scope else {
        return Ok(());
    };
    if snapshot.unit(code).is_some_and(|d| near_district(d, point)) {
        return Ok(());
    }
    Err(outside_refusal(
        snapshot,
        org,
        code,
        what,
        district_at(snapshot, point),
    ))
}

/// Whether a point lies in the district, or within [`POINT_TOLERANCE_M`] of it.
#[must_use]
pub fn near_district(district: &AdminUnit, point: Point<f64>) -> bool {
    district.geometry.contains(&point)
        || Haversine.distance(point, closest_point(&district.geometry, point)) <= POINT_TOLERANCE_M
}

/// The point of the area's boundary nearest to `point` (the point itself when it is inside).
fn closest_point(area: &MultiPolygon<f64>, point: Point<f64>) -> Point<f64> {
    match area.closest_point(&point) {
        Closest::Intersection(p) | Closest::SinglePoint(p) => p,
        Closest::Indeterminate => point,
    }
}

/// A name that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; expected one of: {expected}")]
pub struct UnknownName {
    what: &'static str,
    given: String,
    expected: String,
}

impl UnknownName {
    fn new<const N: usize>(what: &'static str, given: &str, expected: [&str; N]) -> Self {
        UnknownName {
            what,
            given: given.to_owned(),
            expected: expected.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(kind: OrgKind, district: Option<&str>) -> Organisation {
        Organisation {
            id: "x".into(),
            name: format!("the {kind}"),
            kind,
            district_code: district.map(str::to_owned),
        }
    }

    #[test]
    fn each_kind_writes_its_own_layers_and_nothing_else() {
        let vinh = org(OrgKind::DistrictCommittee, Some("412"));
        assert_eq!(
            may_write(&vinh, Role::Editor, Layer::LockdownZones),
            Ok(Scope::District("412".into()))
        );
        let refused = may_write(&vinh, Role::Editor, Layer::Checkpoints).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the district_committee (district_committee) may not write checkpoints: it is kept by police, military and the provincial office"
        );
        let police = org(OrgKind::Police, None);
        assert_eq!(
            may_write(&police, Role::Editor, Layer::Checkpoints),
            Ok(Scope::Province)
        );
        assert!(may_write(&police, Role::Editor, Layer::LockdownZones).is_err());
        let office = org(OrgKind::ProvincialOffice, None);
        for layer in Layer::ALL {
            assert_eq!(may_write(&office, Role::Editor, layer), Ok(Scope::Province));
        }
        assert!(Layer::Directives
            .keepers()
            .starts_with("only the provincial office"));
        assert_eq!(
            may_write(&office, Role::Viewer, Layer::Directives),
            Err(Refusal::ReadOnly)
        );
    }

    #[test]
    fn district_scopes_hold_only_inside_their_district() {
        use crate::UnitType;
        use geo::polygon;
        let district = |code: &str, x0: f64| AdminUnit {
            code: code.into(),
            name: format!("Huyện {code}"),
            name_key: code.into(),
            level: Level::District,
            unit_type: UnitType::Huyen,
            parent_code: None,
            geometry: MultiPolygon(vec![polygon![
                (x: x0, y: 19.0), (x: x0 + 0.1, y: 19.0), (x: x0 + 0.1, y: 19.1), (x: x0, y: 19.1)
            ]]),
        };
        let snapshot = Snapshot::new(vec![district("412", 105.0), district("413", 105.1)]);
        let vinh = org(OrgKind::DistrictCommittee, Some("412"));
        let scope = vinh.scope();
        let square = |x0: f64, size: f64| {
            MultiPolygon(vec![polygon![
                (x: x0, y: 19.05), (x: x0 + size, y: 19.05), (x: x0 + size, y: 19.05 + size), (x: x0, y: 19.05 + size)
            ]])
        };
        assert!(area_within(&scope, &vinh, "the zone", &square(105.02, 0.01), &snapshot).is_ok());
        // A sliver over the border is digitising error; most of it over the border is not.
        assert!(area_within(
            &scope,
            &vinh,
            "the zone",
            &square(105.0901, 0.01),
            &snapshot
        )
        .is_ok());
        let across = area_within(&scope, &vinh, "the zone", &square(105.095, 0.02), &snapshot);
        assert_eq!(
            across.unwrap_err().to_string(),
            "the district_committee may only write inside its district, Huyện 412 (412); the zone lies in mostly Huyện 413 (413)"
        );
        let on_the_border = Point::new(105.1003, 19.05); // about 30 m east
        assert!(point_within(&scope, &vinh, "the checkpoint", on_the_border, &snapshot).is_ok());
        let beyond = point_within(
            &scope,
            &vinh,
            "the checkpoint",
            Point::new(105.15, 19.05),
            &snapshot,
        );
        assert!(beyond
            .unwrap_err()
            .to_string()
            .ends_with("the checkpoint lies in Huyện 413 (413)"));
        let away = point_within(
            &scope,
            &vinh,
            "the checkpoint",
            Point::new(107.0, 19.05),
            &snapshot,
        );
        assert!(away
            .unwrap_err()
            .to_string()
            .ends_with("lies in no district of the province"));
        let cdc = org(OrgKind::Cdc, None);
        assert!(point_within(
            &cdc.scope(),
            &cdc,
            "the site",
            Point::new(107.0, 19.0),
            &snapshot
        )
        .is_ok());
    }

    #[test]
    fn names_read_back() {
        for kind in OrgKind::ALL {
            assert_eq!(kind.as_str().parse::<OrgKind>(), Ok(kind));
        }
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let unknown = "admin".parse::<Role>().unwrap_err().to_string();
        assert_eq!(
            unknown,
            "unknown role \"admin\"; expected one of: editor, viewer"
        );
    }
}
