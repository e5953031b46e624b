//! A server over the sample data, and the requests the API tests send it: tokens, JSON
//! requests, uploads, imports, and the state of every layer as one hash.

use crate::TestDb;
use covidmap_core::agency::Role;
use covidmap_core::Level;
use covidmap_live::LiveData;
use geo::InteriorPoint;
use serde_json::{json, Value};
use std::sync::Arc;

/// A server over the sample data, on a free port, following the change feed.
pub struct Api {
    /// Its database.
    pub db: TestDb,
    /// The server's backend.
    pub backend: Arc<LiveData>,
    /// The server's URL.
    pub base: String,
    _feed: tokio::task::JoinHandle<()>,
}

impl Api {
    pub async fn start() -> Api {
        Api::start_with(|_| covidmap_server::Settings::default()).await
    }

    /// [`Api::start`] with the settings `settings` makes for the address served on.
    pub async fn start_with(
        settings: impl FnOnce(std::net::SocketAddr) -> covidmap_server::Settings,
    ) -> Api {
        let db = TestDb::with_sample().await;
        let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
        let feed = Arc::clone(&backend).follow_changes();
        let base = crate::serve_http_with(Arc::clone(&backend), settings).await;
        Api {
            db,
            backend,
            base,
            _feed: feed,
        }
    }

    pub async fn token(&self, org: &str, role: Role) -> String {
        self.db
            .store
            .create_token(org, role, "test")
            .await
            .unwrap()
            .1
    }

    /// Sends a request; returns the status and the JSON answer.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let client = reqwest::Client::new();
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "POST" => client.post(&url),
            "PUT" => client.put(&url),
            "DELETE" => client.delete(&url),
            _ => client.get(&url),
        };
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text })),
        )
    }

    /// Every version of every entity, every audit entry and every change-log row, as one
    /// hash: equal before and after means nothing was written.
    pub async fn state(&self) -> String {
        let mut tables: Vec<&str> = covidmap_core::Entity::ALL
            .iter()
            .map(|e| e.table())
            .collect();
        tables.dedup();
        let parts: Vec<String> = tables
            .iter()
            .map(|t| format!("(SELECT coalesce(md5(string_agg(to_jsonb(x)::text, ',' ORDER BY version_id)), '') FROM {t} x)"))
            .chain(["audit_log", "change_log"].map(|t| {
                format!("(SELECT coalesce(md5(string_agg(to_jsonb(x)::text, ',' ORDER BY id)), '') FROM {t} x)")
            }))
            .collect();
        let sql = format!("SELECT concat_ws('|', {})", parts.join(", "));
        sqlx::query_scalar(&sql)
            .fetch_one(self.db.store.pool())
            .await
            .unwrap()
    }

    pub async fn status_at(&self, p: geo::Point<f64>) -> Value {
        self.send(
            "GET",
            &format!("/api/v1/status?lat={}&lon={}", p.y(), p.x()),
            None,
            None,
        )
        .await
        .1
    }

    /// The features of the tile over `p` at zoom `z`, decoded by GDAL; `None` when the
    /// server answers 204.
    pub async fn tile_features(
        &self,
        p: geo::Point<f64>,
        z: u8,
    ) -> Option<std::collections::BTreeMap<String, Vec<crate::Decoded>>> {
        let [x, y] = covidmap_tiles::grid::to_mercator(p.x(), p.y());
        let rect = covidmap_tiles::MercatorRect {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        };
        let (xs, ys) = covidmap_tiles::TileId::covering(z, &rect);
        let tile = covidmap_tiles::TileId::new(u32::from(z), *xs.start(), *ys.start()).unwrap();
        let response = reqwest::get(format!(
            "{}/tiles/{}/{}/{}.mvt",
            self.base, tile.z, tile.x, tile.y
        ))
        .await
        .unwrap();
        if response.status() == 204 {
            return None;
        }
        let bytes = response.bytes().await.unwrap();
        Some(crate::decode_tile(tile, &bytes))
    }

    /// A sample checkpoint or camp that `manager` manages, and where it is.
    pub fn facility_managed_by(&self, manager: &str) -> (String, geo::Point<f64>) {
        self.backend
            .snapshot()
            .layers()
            .facilities
            .iter()
            .find(|f| f.managed_by.as_deref() == Some(manager))
            .map(|f| (f.id.clone(), f.location))
            .unwrap()
    }

    /// An active sample zone lying outside the district, and the district it lies in.
    pub fn foreign_zone(&self, district: &str) -> (String, String) {
        let snapshot = self.backend.snapshot();
        snapshot
            .layers()
            .zones
            .iter()
            .filter(|z| z.declaration.active)
            .find_map(|z| {
                let d = snapshot.unit_at(Level::District, z.area.interior_point().unwrap())?;
                (d.code != district).then(|| (z.id.clone(), d.code.clone()))
            })
            .unwrap()
    }

    /// A hamlet of the district and a point inside it.
    pub fn hamlet_in(&self, district: &str) -> (String, geo::Point<f64>) {
        let snapshot = self.backend.snapshot();
        let hamlet = snapshot
            .units()
            .iter()
            .filter(|u| u.level == Level::Hamlet)
            .find(|u| {
                let p = u.geometry.interior_point().unwrap();
                snapshot
                    .unit_at(Level::District, p)
                    .map(|d| d.code.as_str())
                    == Some(district)
                    && snapshot.zones_at(p).is_empty()
                    && snapshot.lockdown_points_at(p).is_empty()
            })
            .unwrap();
        (
            hamlet.code.clone(),
            hamlet.geometry.interior_point().unwrap(),
        )
    }
}

/// The actions of a `/api/v1/history` answer, oldest first.
#[must_use]
pub fn actions(history: &Value) -> Vec<&str> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

pub fn square(p: geo::Point<f64>, half: f64) -> Value {
    let (x, y) = (p.x(), p.y());
    json!({"type": "Polygon", "coordinates": [[
        [x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half], [x - half, y - half]
    ]]})
}

pub fn zone_feature(geometry: Value, name: &str) -> Value {
    json!({
        "type": "Feature",
        "geometry": geometry,
        "properties": {"name": name, "level": 4, "reason": "ca mắc trong cộng đồng",
                       "started_at": "2021-09-13T08:00:00+07:00", "planned_end": "2021-09-27T08:00:00+07:00"}
    })
}

pub fn point_feature(p: geo::Point<f64>, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.x(), p.y()]}, "properties": properties})
}

/// The hamlets of a commune as a GeoJSON file's bytes, the first renamed to `rename`.
pub fn hamlets_file(api: &Api, commune: &str, rename: &str) -> Vec<u8> {
    let snapshot = api.backend.snapshot();
    let features: Vec<Value> = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::Hamlet && u.parent_code.as_deref() == Some(commune))
        .enumerate()
        .map(|(i, u)| {
            let name = if i == 0 { rename } else { u.name.as_str() };
            json!({
                "type": "Feature",
                "geometry": geojson::Geometry::new(geojson::Value::from(&u.geometry)),
                "properties": {"code": u.code, "name": name},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

impl Api {
    pub async fn upload(
        &self,
        query: &str,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/boundaries?{query}", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text })),
        )
    }
}

impl Api {
    pub async fn import(&self, path: &str, token: &str, csv: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

impl Api {
    /// The status answer for an address; a status other than 200 fails the test.
    pub async fn address(&self, text: &str) -> Value {
        let encoded: String = text
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let path = format!("/api/v1/status?address={encoded}");
        let (status, body) = self.send("GET", &path, None, None).await;
        assert_eq!(status, 200, "{text}: {body}");
        body
    }
}

/// The code of the commune an answer names, or "-".
#[must_use]
pub fn commune_code(answer: &Value) -> &str {
    answer["units"]["commune"]["code"].as_str().unwrap_or("-")
}
