//! What the change-log tests share: a write by plain SQL, and the check that events came as
//! the log has them.

use serde_json::Value;

/// A plain SQL statement adding the police checkpoint `id` at `(lon, lat)`, written by
/// `changed_by` (an organisation's name, or anyone's).
#[must_use]
pub fn insert_checkpoint(id: &str, lon: f64, lat: f64, changed_by: &str) -> String {
    format!(
        "INSERT INTO checkpoints (id, name, geom, managed_by, status, changed_by) \
         VALUES ('{id}', 'Chốt {id}', ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326), 'police', 'active', '{changed_by}')"
    )
}

/// Asserts that `events` (CloudEvents) are of `subjects`, in this order, their ids
/// increasing as the log's do.
pub fn assert_in_log_order(events: &[Value], subjects: &[String]) {
    let got: Vec<&str> = events
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(got, subjects.iter().map(String::as_str).collect::<Vec<_>>());
    let ids: Vec<i64> = events
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or_default()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in log order: {ids:?}");
}
