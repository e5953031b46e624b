//! The AsyncAPI 3.0 document of the change channels: what the stream of changes sends, so
//! that the operations centre's tools can generate a consumer. The OGC landing page links it
//! as `rel=hub`, as the OGC API publish-subscribe draft links its broker.

use crate::events::topics;
use serde_json::{json, Value};

/// The media type of the document.
pub const ASYNCAPI_TYPE: &str = "application/vnd.aai.asyncapi+json;version=3.0.0";

/// The document, for the service reached at `base` (`https://host`).
#[must_use]
pub fn document(base: &str) -> Value {
    let (scheme, host) = base.split_once("://").unwrap_or(("http", base));
    let message = |event: &str, summary: &str| {
        json!({
            "name": format!("org.ogc.api.collection.item.{event}"),
            "title": format!("Item {event}"),
            "summary": summary,
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": "#/components/schemas/CloudEvent"},
        })
    };
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "covidmap changes",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every committed change of the shared map — by the API, an upload, a revert or an operator's own SQL — in the order it committed, as CloudEvents 1.0 in structured JSON. The stream is Server-Sent Events: `GET /api/v1/changes` with `Accept: text/event-stream`; each event's SSE id is the change's id, and a client that reconnects with `Last-Event-ID` (or `?since=`) receives every change after it, once. The same log is paged as JSON without that header. The first event of a stream is `ready` (not a CloudEvent): where the stream starts and how current the node is.",
        },
        "servers": {
            "node": {
                "host": host,
                "protocol": scheme,
                "pathname": "/api/v1",
                "description": "Any node: each follows the same change log.",
            },
        },
        "channels": {
            "changes": {
                "address": "/changes",
                "title": "The change log, as Server-Sent Events",
                "description": format!("Query parameters: `collections` (comma-separated, of: {}), `bbox` (min_lon,min_lat,max_lon,max_lat: changes touching it), `since` (a change id). Header `Last-Event-ID` resumes a stream. 410 when retention has dropped changes after the position asked for: reload, then follow.", topics().join(", ")),
                "messages": {
                    "itemCreate": message("create", "A feature was created"),
                    "itemUpdate": message("update", "A feature has a new version (also a lockdown lifted, an earlier version restored)"),
                    "itemDelete": message("delete", "A feature was closed with nothing in its place; data holds its id"),
                },
            },
        },
        "operations": {
            "receiveChanges": {
                "action": "receive",
                "channel": {"$ref": "#/channels/changes"},
                "summary": "Follow the changes",
                "messages": [
                    {"$ref": "#/channels/changes/messages/itemCreate"},
                    {"$ref": "#/channels/changes/messages/itemUpdate"},
                    {"$ref": "#/channels/changes/messages/itemDelete"},
                ],
            },
        },
        "components": {
            "schemas": {
                "CloudEvent": {
                    "type": "object",
                    "required": ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data", "collection", "operation", "organisation"],
                    "properties": {
                        "specversion": {"const": "1.0"},
                        "id": {"type": "string", "description": "The change's id: increasing in commit order; the key to de-duplicate by"},
                        "source": {"type": "string", "format": "uri", "description": "The collection (`…/ogc/collections/{id}`), or the API's resource where there is no collection"},
                        "type": {"enum": ["org.ogc.api.collection.item.create", "org.ogc.api.collection.item.update", "org.ogc.api.collection.item.delete"]},
                        "subject": {"type": "string", "description": "The feature's id, stable across its versions"},
                        "time": {"type": "string", "format": "date-time", "description": "When the version began (for a deletion: ended)"},
                        "datacontenttype": {"enum": ["application/geo+json", "application/json"]},
                        "collection": {"type": "string", "description": "The collection's id (extension attribute)"},
                        "operation": {"enum": ["create", "update", "lift", "delete", "revert"], "description": "What the change did, finer than `type` (extension attribute)"},
                        "organisation": {"type": "string", "description": "The organisation that made it (extension attribute)"},
                        "bbox": {"type": "string", "description": "min_lon,min_lat,max_lon,max_lat touched, before and after (extension attribute; absent where the change has no place)"},
                        "data": {"description": "The feature as the change left it (GeoJSON, as the collection's items serve it), or {\"id\": …} for a deletion and where there is no collection"},
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_names_its_server_channel_and_messages() {
        let doc = super::document("https://map.example");
        assert_eq!(doc["asyncapi"], "3.0.0");
        assert_eq!(doc["servers"]["node"]["host"], "map.example");
        assert_eq!(doc["servers"]["node"]["protocol"], "https");
        assert_eq!(doc["channels"]["changes"]["address"], "/changes");
        assert_eq!(doc["operations"]["receiveChanges"]["action"], "receive");
    }
}
