//! Public listings of the layers as GeoJSON, built by PostGIS: current or as they stood at a
//! moment, filtered by unit or bounding box, a page at a time.

use crate::{Result, Store};
use chrono::{DateTime, Utc};
use covidmap_core::Entity;

/// What to list.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureQuery {
    /// One of the layers with a geometry ([`Entity::has_geometry`]).
    pub entity: Entity,
    /// As the layer stood then (every version valid at that moment); `None`: now.
    pub at: Option<DateTime<Utc>>,
    /// Only declarations in force (zones and points: active, started, not lifted at the
    /// moment); facilities: only open or active ones.
    pub in_force: Option<bool>,
    /// Only features meeting this unit (a district, commune or hamlet code).
    pub within_unit: Option<String>,
    /// Only features meeting this box: min lon, min lat, max lon, max lat.
    pub bbox: Option<[f64; 4]>,
    /// Only the feature with this id.
    pub id: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Features skipped.
    pub offset: i64,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePage {
    /// The features, as GeoJSON text, ordered by id.
    pub features: Vec<String>,
    /// How many match in all.
    pub matched: i64,
}

/// The columns each layer lists, as `json_build_object` arguments.
fn properties(entity: Entity) -> &'static str {
    match entity {
        Entity::LockdownZones => "'id', id, 'name', name, 'level', level, 'status', status, 'reason', reason, 'declared_by', declared_by, 'started_at', started_at, 'planned_end', planned_end, 'lifted_at', lifted_at, 'unit_codes', unit_codes, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
        Entity::LockdownPoints => "'id', id, 'name', name, 'level', level, 'status', status, 'reason', reason, 'declared_by', declared_by, 'started_at', started_at, 'planned_end', planned_end, 'lifted_at', lifted_at, 'radius_m', radius_m, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
        Entity::Checkpoints => "'id', id, 'name', name, 'status', status, 'managed_by', managed_by, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
        Entity::QuarantineCamps => "'id', id, 'name', name, 'status', status, 'managed_by', managed_by, 'capacity', capacity, 'occupancy', occupancy, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
        Entity::TestingSites => "'id', id, 'name', name, 'status', status, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
        _ => "'id', id, 'name', name, 'status', status, 'category', category, 'version_id', version_id, 'changed_by', changed_by, 'valid_from', valid_from",
    }
}

impl Store {
    /// One page of a layer.
    ///
    /// # Errors
    /// The database fails.
    pub async fn features(&self, q: &FeatureQuery) -> Result<FeaturePage> {
        let table = q.entity.table();
        let in_force = if q.entity.is_declaration() {
            "(status = 'active' OR lifted_at > coalesce($1, now())) AND started_at <= coalesce($1, now())"
        } else if q.entity == Entity::Checkpoints {
            "status = 'active'"
        } else {
            "status = 'open'"
        };
        let force_filter = match q.in_force {
            Some(true) => format!("AND {in_force}"),
            Some(false) => format!("AND NOT ({in_force})"),
            None => String::new(),
        };
        let props = properties(q.entity);
        let sql = format!(
            "WITH matching AS (
                 SELECT * FROM {table} t
                 WHERE CASE WHEN $1::timestamptz IS NULL THEN valid_to IS NULL
                            ELSE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) END
                   {force_filter}
                   AND ($2::text IS NULL OR ST_Intersects(t.geom,
                        (SELECT geom FROM admin_units_current WHERE code = $2)))
                   AND ($3::float8[] IS NULL OR ST_Intersects(t.geom,
                        ST_MakeEnvelope($3[1], $3[2], $3[3], $3[4], 4326)))
                   AND ($6::text IS NULL OR t.id = $6)
             )
             SELECT (SELECT count(*) FROM matching),
                    coalesce(array_agg(json_build_object('type', 'Feature', 'id', id,
                        'geometry', ST_AsGeoJSON(geom, 6)::json,
                        'properties', json_build_object({props}))::text ORDER BY id), '{{}}')
             FROM (SELECT * FROM matching ORDER BY id LIMIT $4 OFFSET $5) page"
        );
        let (matched, features): (i64, Vec<String>) = sqlx::query_as(&sql)
            .bind(q.at)
            .bind(&q.within_unit)
            .bind(q.bbox.map(|b| b.to_vec()))
            .bind(q.limit)
            .bind(q.offset)
            .bind(&q.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(FeaturePage { features, matched })
    }
}
