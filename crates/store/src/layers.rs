//! The operational layers: reading the current versions, and writing the sample set. The
//! agencies' versioned edits are in [`crate::edits`].

use crate::error::{Result, StoreError};
use crate::Store;
use chrono::{DateTime, Utc};
use covidmap_core::layers::{
    CommuneLevel, Declaration, Facility, FacilityKind, Layers, LockdownPoint, LockdownZone,
};
use covidmap_core::{AdminUnit, Entity};
use geo::{Geometry, MultiPolygon, Point};
use geozero::wkb::Wkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

/// The columns of a declaration (a zone's or a point's), as `bind_declaration` binds them.
macro_rules! declaration_columns {
    () => {
        "level, status, reason, declared_by, started_at, planned_end, lifted_at"
    };
}
pub(crate) const DECLARATION: &str = declaration_columns!();

const INSERT_ZONE: &str = concat!(
    "INSERT INTO lockdown_zones (id, name, unit_codes, geom, changed_by, ",
    declaration_columns!(),
    ") VALUES ($1, $2, $3, ST_GeomFromEWKB($4), $5, $6, $7, $8, $9, $10, $11, $12)"
);
const INSERT_POINT: &str = concat!(
    "INSERT INTO lockdown_points (id, name, radius_m, geom, changed_by, ",
    declaration_columns!(),
    ") VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10, $11, $12, $13)"
);

impl Store {
    /// A read-only transaction whose every query sees the database at one moment: what is
    /// read with it, and the time of the last change read alongside, agree.
    async fn consistent_read(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// The current version of every layer, and when anything last changed.
    ///
    /// # Errors
    /// The database fails or holds something unreadable.
    pub async fn current_layers(&self) -> Result<Layers> {
        let mut tx = self.consistent_read().await?;
        layers_in(&mut tx).await
    }

    /// Every current unit and layer as of one moment: a change committed while they are
    /// read is in neither or in both, and in their time of last change.
    ///
    /// # Errors
    /// The database fails or holds something unreadable.
    pub async fn current_data(&self) -> Result<(Vec<AdminUnit>, Layers)> {
        let mut tx = self.consistent_read().await?;
        let units = crate::units::current_units_in(&mut tx).await?;
        Ok((units, layers_in(&mut tx).await?))
    }

    /// The latest change to any unit or layer.
    ///
    /// # Errors
    /// The database fails.
    pub async fn last_changed(&self) -> Result<Option<DateTime<Utc>>> {
        let mut conn = self.pool.acquire().await?;
        last_changed_in(&mut conn).await
    }

    /// The union of current units, by code, as one area (a zone declared by whole units).
    ///
    /// # Errors
    /// The database fails, or none of the codes is a current unit.
    pub async fn union_of_units(&self, codes: &[String]) -> Result<MultiPolygon<f64>> {
        let row = sqlx::query(
            "SELECT string_agg(code, ',') AS id, ST_AsBinary(ST_Multi(ST_Union(geom))) AS wkb \
             FROM admin_units_current WHERE code = ANY($1)",
        )
        .bind(codes)
        .fetch_one(&self.pool)
        .await?;
        multipolygon(&row, "wkb")
    }

    /// Whether no layer holds anything yet.
    ///
    /// # Errors
    /// The database fails.
    pub async fn layers_empty(&self) -> Result<bool> {
        let sql = Entity::LAYERS
            .iter()
            .map(|e| format!("NOT EXISTS (SELECT 1 FROM {})", e.table()))
            .collect::<Vec<_>>()
            .join(" AND ");
        Ok(sqlx::query_scalar(&format!("SELECT {sql}"))
            .fetch_one(&self.pool)
            .await?)
    }

    /// Writes a whole set of layers as first versions, in one transaction (the sample data).
    ///
    /// # Errors
    /// The database refuses a row (every check in the schema applies); nothing is written.
    pub async fn insert_layers(&self, layers: &Layers, changed_by: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for z in &layers.zones {
            insert_zone(z, changed_by)?.execute(&mut *tx).await?;
        }
        for p in &layers.points {
            insert_point(p, changed_by).execute(&mut *tx).await?;
        }
        for f in &layers.facilities {
            insert_facility(f, changed_by).execute(&mut *tx).await?;
        }
        for c in &layers.commune_levels {
            insert_commune_level(c, changed_by)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The new row of a zone.
pub(crate) fn insert_zone<'q>(z: &'q LockdownZone, changed_by: &'q str) -> Result<Query<'q>> {
    let q = sqlx::query(INSERT_ZONE)
        .bind(&z.id)
        .bind(&z.name)
        .bind(&z.unit_codes)
        .bind(ewkb(&z.id, &z.area)?)
        .bind(changed_by);
    Ok(bind_declaration(q, &z.declaration))
}

/// The new row of a lockdown point.
pub(crate) fn insert_point<'q>(p: &'q LockdownPoint, changed_by: &'q str) -> Query<'q> {
    #[allow(clippy::cast_possible_truncation)] // radii are metres, well within f32
    let q = sqlx::query(INSERT_POINT)
        .bind(&p.id)
        .bind(&p.name)
        .bind(p.radius_m as f32)
        .bind(p.location.x())
        .bind(p.location.y())
        .bind(changed_by);
    bind_declaration(q, &p.declaration)
}

/// The new row of a checkpoint, camp, testing site or service.
pub(crate) fn insert_facility<'q>(f: &'q Facility, changed_by: &'q str) -> Query<'q> {
    let sql = match f.kind {
        FacilityKind::Checkpoint => "INSERT INTO checkpoints (id, name, geom, status, changed_by, managed_by) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7)",
        FacilityKind::QuarantineCamp => "INSERT INTO quarantine_camps (id, name, geom, status, changed_by, managed_by, capacity, occupancy) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8, $9)",
        FacilityKind::TestingSite => "INSERT INTO testing_sites (id, name, geom, status, changed_by) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6)",
        FacilityKind::EssentialService => "INSERT INTO essential_services (id, name, geom, status, changed_by, category) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7)",
    };
    let q = sqlx::query(sql)
        .bind(&f.id)
        .bind(&f.name)
        .bind(f.location.x())
        .bind(f.location.y())
        .bind(&f.status)
        .bind(changed_by);
    match f.kind {
        FacilityKind::Checkpoint => q.bind(&f.managed_by),
        FacilityKind::QuarantineCamp => q.bind(&f.managed_by).bind(f.capacity).bind(f.occupancy),
        FacilityKind::TestingSite => q,
        FacilityKind::EssentialService => q.bind(&f.category),
    }
}

/// The new row of a commune's epidemic level.
pub(crate) fn insert_commune_level<'q>(c: &'q CommuneLevel, changed_by: &'q str) -> Query<'q> {
    sqlx::query(
        "INSERT INTO commune_levels (id, level, active_cases, changed_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(&c.commune_code)
    .bind(i16::from(c.level))
    .bind(c.active_cases)
    .bind(changed_by)
}

pub(crate) type Query<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

pub(crate) fn bind_declaration<'q>(q: Query<'q>, d: &'q Declaration) -> Query<'q> {
    q.bind(i16::from(d.level))
        .bind(if d.active { "active" } else { "lifted" })
        .bind(&d.reason)
        .bind(&d.declared_by)
        .bind(d.started_at)
        .bind(d.planned_end)
        .bind(d.lifted_at)
}

fn declaration(r: &PgRow) -> Result<Declaration> {
    Ok(Declaration {
        level: level(r)?,
        active: r.try_get::<String, _>("status")? == "active",
        reason: r.try_get("reason")?,
        declared_by: r.try_get("declared_by")?,
        started_at: r.try_get("started_at")?,
        planned_end: r.try_get("planned_end")?,
        lifted_at: r.try_get("lifted_at")?,
    })
}

fn level(r: &PgRow) -> Result<u8> {
    let level: i16 = r.try_get("level")?;
    u8::try_from(level).map_err(|_| StoreError::Unknown {
        code: r.try_get("id").unwrap_or_default(),
        what: "level",
        value: level.to_string(),
    })
}

fn point(r: &PgRow) -> Result<Point<f64>> {
    Ok(Point::new(r.try_get("x")?, r.try_get("y")?))
}

fn multipolygon(r: &PgRow, column: &str) -> Result<MultiPolygon<f64>> {
    let id: String = r.try_get("id")?;
    multipolygon_of(id, r.try_get(column)?)
}

/// A stored outline read from its WKB; `code` names what it is the outline of in the error.
pub(crate) fn multipolygon_of(code: String, wkb: Vec<u8>) -> Result<MultiPolygon<f64>> {
    match Wkb(wkb).to_geo() {
        Ok(Geometry::MultiPolygon(mp)) => Ok(mp),
        Ok(Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        Ok(_) => Err(StoreError::Geometry {
            code,
            reason: "not polygonal".into(),
        }),
        Err(e) => Err(StoreError::Geometry {
            code,
            reason: e.to_string(),
        }),
    }
}

pub(crate) fn ewkb(id: &str, area: &MultiPolygon<f64>) -> Result<Vec<u8>> {
    Geometry::MultiPolygon(area.clone())
        .to_ewkb(CoordDimensions::xy(), Some(4326))
        .map_err(|e| StoreError::Geometry {
            code: id.to_owned(),
            reason: e.to_string(),
        })
}

/// Every layer's current version as `tx` sees the database.
async fn layers_in(tx: &mut Transaction<'_, Postgres>) -> Result<Layers> {
    let zones = sqlx::query(&format!("SELECT id, name, unit_codes, ST_AsBinary(geom) AS wkb, {DECLARATION} FROM lockdown_zones WHERE valid_to IS NULL ORDER BY id"))
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok(LockdownZone { id: r.try_get("id")?, name: r.try_get("name")?, declaration: declaration(r)?, unit_codes: r.try_get("unit_codes")?, area: multipolygon(r, "wkb")? }))
            .collect::<Result<Vec<_>>>()?;
    let points = sqlx::query(&format!("SELECT id, name, radius_m, ST_X(geom) AS x, ST_Y(geom) AS y, {DECLARATION} FROM lockdown_points WHERE valid_to IS NULL ORDER BY id"))
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok(LockdownPoint { id: r.try_get("id")?, name: r.try_get("name")?, declaration: declaration(r)?, location: point(r)?, radius_m: f64::from(r.try_get::<f32, _>("radius_m")?) }))
            .collect::<Result<Vec<_>>>()?;
    let mut facilities = Vec::new();
    for kind in FacilityKind::ALL {
        facilities.extend(facilities_in(tx, kind).await?);
    }
    let commune_levels = sqlx::query(
        "SELECT id, level, active_cases FROM commune_levels WHERE valid_to IS NULL ORDER BY id",
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(CommuneLevel {
            commune_code: r.try_get("id")?,
            level: level(r)?,
            active_cases: r.try_get("active_cases")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Layers {
        zones,
        points,
        facilities,
        commune_levels,
        last_changed: last_changed_in(tx).await?,
    })
}

async fn facilities_in(
    tx: &mut Transaction<'_, Postgres>,
    kind: FacilityKind,
) -> Result<Vec<Facility>> {
    let extra = match kind {
            FacilityKind::Checkpoint => "managed_by, NULL::text AS category, NULL::int AS capacity, NULL::int AS occupancy",
            FacilityKind::QuarantineCamp => "managed_by, NULL::text AS category, capacity, occupancy",
            FacilityKind::TestingSite => "NULL::text AS managed_by, NULL::text AS category, NULL::int AS capacity, NULL::int AS occupancy",
            FacilityKind::EssentialService => "NULL::text AS managed_by, category, NULL::int AS capacity, NULL::int AS occupancy",
        };
    let sql = format!(
            "SELECT id, name, status, {extra}, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y,
                    CASE WHEN GeometryType(geom) = 'POINT' THEN NULL ELSE ST_AsBinary(ST_Multi(geom)) END AS outline
             FROM {} WHERE valid_to IS NULL ORDER BY id",
            kind.table()
        );
    sqlx::query(&sql)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Facility {
                kind,
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                location: point(r)?,
                outline: r
                    .try_get::<Option<Vec<u8>>, _>("outline")?
                    .map(|_| multipolygon(r, "outline"))
                    .transpose()?,
                status: r.try_get("status")?,
                managed_by: r.try_get("managed_by")?,
                category: r.try_get("category")?,
                capacity: r.try_get("capacity")?,
                occupancy: r.try_get("occupancy")?,
            })
        })
        .collect()
}

async fn last_changed_in(conn: &mut sqlx::PgConnection) -> Result<Option<DateTime<Utc>>> {
    let parts: Vec<String> = std::iter::once(Entity::Boundaries)
        .chain(Entity::LAYERS)
        .map(|e| e.table())
        .map(|t| format!("SELECT max(greatest(valid_from, valid_to)) AS t FROM {t}"))
        .collect();
    let sql = format!("SELECT max(t) FROM ({}) changes", parts.join(" UNION ALL "));
    Ok(sqlx::query_scalar(&sql).fetch_one(&mut *conn).await?)
}
