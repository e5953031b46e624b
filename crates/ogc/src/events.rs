//! Changes as CloudEvents 1.0 (structured JSON), as OGC API – Features' publish-subscribe
//! work names them: `org.ogc.api.collection.item.create|update|delete`, the source the
//! collection, the subject the feature's id, the data the feature as it was left (its id
//! for a deletion). The change's id is the event's, so a receiver de-duplicates by it.

use crate::collection::{collection_id, Collection, COLLECTIONS};
use covidmap_core::change_log::{Bounds, LoggedChange};
use covidmap_core::{Entity, Level};
use serde_json::json;

/// What a change is about, as streams and subscriptions name it: its collection's id, or,
/// for what has no collection, a name of the same kind (`province`, `returning-workers`,
/// `support-policies`, `unit-changes`).
#[must_use]
pub fn topic(entity: Entity, level: Option<Level>) -> &'static str {
    match Collection::of_change(entity, level) {
        Some(c) => c.id,
        None if entity == Entity::Boundaries => "province",
        None => collection_id(entity),
    }
}

/// Every topic a change can have.
#[must_use]
pub fn topics() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = COLLECTIONS.iter().map(|c| c.id).collect();
    for entity in Entity::ALL {
        let levels: &[Option<Level>] = if entity == Entity::Boundaries {
            &[
                Some(Level::Province),
                Some(Level::District),
                Some(Level::Commune),
                Some(Level::Hamlet),
            ]
        } else {
            &[None]
        };
        for level in levels {
            let t = topic(entity, *level);
            if !all.contains(&t) {
                all.push(t);
            }
        }
    }
    all
}

/// Which changes a follower wants — a stream, a page, a webhook: those of some topics (none:
/// all), touching a bbox (none: anywhere).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeFilter {
    /// The topics wanted; empty: all.
    pub topics: Vec<String>,
    /// Only changes touching it.
    pub bbox: Option<Bounds>,
}

impl ChangeFilter {
    /// Whether it takes `change`.
    #[must_use]
    pub fn takes(&self, change: &LoggedChange) -> bool {
        (self.topics.is_empty()
            || self
                .topics
                .iter()
                .any(|t| t == topic(change.entity, change.level)))
            && self.bbox.is_none_or(|b| change.touches(b))
    }
}

/// The CloudEvent of `change` as JSON text, whose feature (GeoJSON text, as the store
/// writes it) is `feature`; `base` is the service's URL (`https://host`), which sources are
/// made absolute with. The feature is spliced in as it is, never parsed again: each stream
/// writes its own events, and features can be large.
#[must_use]
pub fn cloud_event(change: &LoggedChange, feature: Option<&str>, base: &str) -> String {
    let topic = topic(change.entity, change.level);
    let source = if Collection::of_change(change.entity, change.level).is_some() {
        format!("{base}/ogc/collections/{topic}")
    } else {
        format!("{base}/api/v1/{}", change.entity.url())
    };
    let (content_type, data) = match feature {
        Some(f) => ("application/geo+json", f.to_owned()),
        None => (
            "application/json",
            json!({"id": change.feature_id}).to_string(),
        ),
    };
    let mut head = json!({
        "specversion": "1.0",
        "id": change.id.to_string(),
        "source": source,
        "type": format!("org.ogc.api.collection.item.{}", change.item_event()),
        "subject": change.feature_id,
        "time": change.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "datacontenttype": content_type,
        // Extension attributes (lower-case letters only, as CloudEvents names them).
        "collection": topic,
        "operation": change.operation.as_str(),
        "organisation": change.org_id,
    });
    if let Some(b) = change.extent {
        head["bbox"] = json!(format!("{},{},{},{}", b[0], b[1], b[2], b[3]));
    }
    let mut text = head.to_string();
    text.pop();
    text.push_str(",\"data\":");
    text.push_str(&data);
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use covidmap_core::change_log::Operation;
    use serde_json::Value;

    fn change(operation: Operation) -> LoggedChange {
        LoggedChange {
            id: 42,
            at: DateTime::UNIX_EPOCH,
            entity: Entity::LockdownZones,
            level: None,
            feature_id: "zone-1".to_owned(),
            operation,
            org_id: "district-dien-chau".to_owned(),
            version_before: Some(3),
            version_after: (operation != Operation::Delete).then_some(4),
            extent: Some([105.5, 18.9, 105.6, 19.0]),
        }
    }

    #[test]
    fn a_lift_is_an_item_update_carrying_the_feature() {
        let feature =
            r#"{"type":"Feature","id":"zone-1","geometry":null,"properties":{"status":"lifted"}}"#;
        let text = cloud_event(
            &change(Operation::Lift),
            Some(feature),
            "https://map.example",
        );
        let e: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(e["id"], "42");
        assert_eq!(e["type"], "org.ogc.api.collection.item.update");
        assert_eq!(e["source"], "https://map.example/ogc/collections/zones");
        assert_eq!(e["subject"], "zone-1");
        assert_eq!(e["operation"], "lift");
        assert_eq!(e["datacontenttype"], "application/geo+json");
        assert_eq!(e["data"]["properties"]["status"], "lifted");
        assert_eq!(e["bbox"], "105.5,18.9,105.6,19");
    }

    #[test]
    fn a_deletion_carries_the_id() {
        let e: Value =
            serde_json::from_str(&cloud_event(&change(Operation::Delete), None, "")).unwrap();
        assert_eq!(e["type"], "org.ogc.api.collection.item.delete");
        assert_eq!(e["data"], json!({"id": "zone-1"}));
    }

    #[test]
    fn every_entity_has_one_topic() {
        let all = topics();
        assert!(all.contains(&"hamlets") && all.contains(&"province"));
        assert!(all.contains(&"support-policies") && all.contains(&"unit-changes"));
        assert_eq!(topic(Entity::Boundaries, Some(Level::Commune)), "communes");
        let unique: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
    }
}
