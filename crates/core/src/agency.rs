//! The agencies that keep the map: their kinds, the roles of their tokens, and where each
//! reaches (the province, or its own district). What each may write is the policy's
//! ([`crate::policy`]).

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
    /// CDC tỉnh: the provincial centre for disease control.
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
            // A district's organisation without its district reaches nowhere (the schema
            // forbids it; this keeps a bad row from reaching the whole province).
            (None, true) => Scope::District(String::new()),
            (_, false) => Scope::Province,
        }
    }
}

/// A token that was accepted: its organisation and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's number.
    pub token_id: i64,
    /// What the token may do.
    pub role: Role,
    /// Its organisation.
    pub org: Organisation,
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
    pub(crate) fn new<const N: usize>(
        what: &'static str,
        given: &str,
        expected: [&str; N],
    ) -> Self {
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
