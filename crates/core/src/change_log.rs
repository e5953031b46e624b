//! The change log's entries: what changed (an entity and a feature's id), how, by whom, when,
//! which versions and where. The database writes them (migration 0011); everyone who follows
//! changes — the snapshot, the tile cache, event streams, webhooks — reads the same entries.

use crate::documents::DocumentKind;
use crate::{Entity, Level};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// What a change did to its feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A new feature.
    Create,
    /// A new version of a feature.
    Update,
    /// A lockdown lifted (a new version).
    Lift,
    /// A feature closed with nothing in its place.
    Delete,
    /// An earlier state made current again: a version restored, or (an upload's revert) a
    /// unit closed or brought back.
    Revert,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 5] = [
        Operation::Create,
        Operation::Update,
        Operation::Lift,
        Operation::Delete,
        Operation::Revert,
    ];

    /// Its name, as the log stores it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Lift => "lift",
            Operation::Delete => "delete",
            Operation::Revert => "revert",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation name the log does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown change-log {what} {found:?}")]
pub struct UnknownLogged {
    what: &'static str,
    found: String,
}

impl FromStr for Operation {
    type Err = UnknownLogged;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownLogged {
                what: "operation",
                found: s.to_owned(),
            })
    }
}

/// A longitude–latitude rectangle: west, south, east, north.
pub type Bounds = [f64; 4];

/// Whether two rectangles share a point.
#[must_use]
pub fn bounds_meet(a: Bounds, b: Bounds) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// One committed change.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedChange {
    /// Its place in the log: ids increase in commit order.
    pub id: i64,
    /// When the version began (or, for a deletion, ended).
    pub at: DateTime<Utc>,
    /// What changed.
    pub entity: Entity,
    /// The level of the unit, for boundaries.
    pub level: Option<Level>,
    /// The feature's id (a unit's code).
    pub feature_id: String,
    /// What was done.
    pub operation: Operation,
    /// The organisation that did it (the database role, for an operator's own SQL).
    pub org_id: String,
    /// The version it replaced or closed.
    pub version_before: Option<i64>,
    /// The version it wrote; none for a deletion.
    pub version_after: Option<i64>,
    /// Where: the feature before and after; none when it has no place.
    pub extent: Option<Bounds>,
}

impl LoggedChange {
    /// The item event it is, as OGC API – Features' publish-subscribe names them, from what
    /// it did to the feature's versions: a first version is a creation, a version closed
    /// with none after it a deletion, anything else an update (a lift; a revert, which may
    /// also restore or close a unit).
    #[must_use]
    pub fn item_event(&self) -> &'static str {
        match (self.version_before, self.version_after) {
            (_, None) => "delete",
            (None, Some(_)) => "create",
            (Some(_), Some(_)) => "update",
        }
    }

    /// Whether it touched `bounds` (a change with no place touches everywhere: a directive
    /// governs the whole province).
    #[must_use]
    pub fn touches(&self, bounds: Bounds) -> bool {
        self.extent.is_none_or(|e| bounds_meet(e, bounds))
    }
}

/// The entity and level a log row names by its table and kind column.
///
/// # Errors
/// The table or kind is not one the log writes.
pub fn logged_entity(
    table: &str,
    kind: Option<&str>,
) -> Result<(Entity, Option<Level>), UnknownLogged> {
    let unknown = |what: &'static str, found: &str| UnknownLogged {
        what,
        found: found.to_owned(),
    };
    match (table, kind) {
        ("admin_units", Some(level)) => Ok((
            Entity::Boundaries,
            Some(level.parse().map_err(|_| unknown("level", level))?),
        )),
        ("documents", Some(kind)) => Ok((
            kind.parse::<DocumentKind>()
                .map_err(|_| unknown("document kind", kind))?
                .entity(),
            None,
        )),
        _ => Entity::ALL
            .into_iter()
            .find(|e| {
                e.table() == table
                    && !matches!(
                        e,
                        Entity::Boundaries | Entity::Directives | Entity::SupportPolicies
                    )
            })
            .map(|e| (e, None))
            .ok_or_else(|| unknown("table", table)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_rows_name_their_entity() {
        assert_eq!(
            logged_entity("admin_units", Some("hamlet")),
            Ok((Entity::Boundaries, Some(Level::Hamlet)))
        );
        assert_eq!(
            logged_entity("documents", Some("support_policy")),
            Ok((Entity::SupportPolicies, None))
        );
        assert_eq!(
            logged_entity("checkpoints", None),
            Ok((Entity::Checkpoints, None))
        );
        assert!(logged_entity("api_tokens", None).is_err());
        assert!(logged_entity("admin_units", Some("village")).is_err());
        for op in Operation::ALL {
            assert_eq!(op.as_str().parse(), Ok(op));
        }
    }

    #[test]
    fn a_change_without_a_place_touches_everywhere() {
        let mut change = LoggedChange {
            id: 1,
            at: DateTime::UNIX_EPOCH,
            entity: Entity::Checkpoints,
            level: None,
            feature_id: "checkpoint-1".to_owned(),
            operation: Operation::Create,
            org_id: "police".to_owned(),
            version_before: None,
            version_after: Some(1),
            extent: Some([105.0, 18.0, 105.1, 18.1]),
        };
        assert!(change.touches([105.05, 18.05, 106.0, 19.0]));
        assert!(!change.touches([104.0, 17.0, 104.9, 17.9]));
        change.extent = None;
        assert!(change.touches([104.0, 17.0, 104.9, 17.9]));
        assert_eq!(change.item_event(), "create");
        change.operation = Operation::Revert;
        change.version_before = Some(1);
        change.version_after = None;
        assert_eq!(change.item_event(), "delete", "a revert that closes a unit");
    }
}
