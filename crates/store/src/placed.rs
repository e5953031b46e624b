//! Where a stored version of an entity lies and who manages it: the write it would take to
//! make it, as the write policy checks it (an update and a revert are checked as the entity
//! stands and as it will stand).

use crate::{Result, Store, StoreError};
use covidmap_core::documents::DocumentKind;
use covidmap_core::policy::{Action, Place};
use covidmap_core::Entity;

impl Store {
    /// A version of an entity as the write that would make it, for the write policy, with
    /// its number (a write checked on it is made on it: `Write::UpdateFrom`): the current
    /// version (`version_id` `None`) or the given one; `None` when there is no such entity or
    /// version. A zone declared over units is placed by their codes (by its outline once
    /// one of them is no more); a lockdown
    /// point by its circle; figures and levels by their commune; a document is a directive
    /// or a support policy as its kind says.
    ///
    /// # Errors
    /// The database fails, or a stored geometry or kind cannot be read.
    pub async fn stored_action(
        &self,
        entity: Entity,
        id: &str,
        version_id: Option<i64>,
    ) -> Result<Option<(Action, i64)>> {
        let table = entity.table();
        let columns = match entity {
            Entity::Boundaries => return Ok(None),
            // Placed by its units while they all still exist (a unit recoded or removed
            // since leaves the zone placed by its outline).
            Entity::LockdownZones => {
                "ST_AsBinary(geom), NULL::real, \
                 CASE WHEN NOT EXISTS (SELECT 1 FROM unnest(unit_codes) c \
                                       WHERE c NOT IN (SELECT code FROM admin_units_current)) \
                      THEN unit_codes END, NULL, NULL, NULL"
            }
            Entity::LockdownPoints => "ST_AsBinary(geom), radius_m, NULL, NULL, NULL, NULL",
            Entity::Checkpoints | Entity::QuarantineCamps => {
                "ST_AsBinary(geom), NULL, NULL, NULL, managed_by, NULL"
            }
            Entity::TestingSites | Entity::EssentialServices => {
                "ST_AsBinary(geom), NULL, NULL, NULL, NULL, NULL"
            }
            Entity::CommuneLevels => "NULL, NULL, NULL, id, NULL, NULL",
            Entity::DailyFigures | Entity::ReturningWorkers => {
                "NULL, NULL, NULL, commune_code, NULL, NULL"
            }
            Entity::SupportPolicies | Entity::Directives => "NULL, NULL, NULL, NULL, NULL, kind",
            // Province-wide: the provincial office's.
            Entity::UnitChanges => "NULL, NULL, NULL, NULL, NULL, NULL",
        };
        type Row = (
            Option<Vec<u8>>,
            Option<f32>,
            Option<Vec<String>>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
        );
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {columns}, version_id FROM {table} WHERE id = $1 \
             AND CASE WHEN $2::bigint IS NULL THEN valid_to IS NULL ELSE version_id = $2 END"
        ))
        .bind(id)
        .bind(version_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((wkb, radius_m, unit_codes, commune, managed_by, kind, version_id)) = row else {
            return Ok(None);
        };
        let geometry = wkb
            .map(|w| {
                geozero::ToGeo::to_geo(&geozero::wkb::Wkb(w)).map_err(|e| StoreError::Geometry {
                    code: id.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let place = match (geometry, radius_m, commune) {
            _ if unit_codes.as_ref().is_some_and(|c| !c.is_empty()) => {
                Place::Units(unit_codes.unwrap_or_default())
            }
            (_, _, Some(code)) => Place::Commune(code),
            (Some(geo::Geometry::Point(p)), Some(r), _) => Place::Circle(p, f64::from(r)),
            (Some(geo::Geometry::Point(p)), None, _) => Place::Point(p),
            (Some(geo::Geometry::MultiPolygon(a)), _, _) => Place::Area(a),
            (Some(geo::Geometry::Polygon(a)), _, _) => Place::Area(geo::MultiPolygon(vec![a])),
            _ => Place::Anywhere,
        };
        let entity = match kind {
            Some(k) => k
                .parse::<DocumentKind>()
                .map_err(|_| StoreError::Unknown {
                    code: id.to_owned(),
                    what: "document kind",
                    value: k,
                })?
                .entity(),
            None => entity,
        };
        Ok(Some((
            Action::new(entity, place).managed_by(managed_by),
            version_id,
        )))
    }
}
