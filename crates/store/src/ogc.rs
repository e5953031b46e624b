//! OGC API – Features reads: an [`ItemsQuery`] written as one SQL statement with bound
//! values, its features built as GeoJSON text by PostGIS and sent on as they are read, each
//! row carrying how many match in all (one scan: the window count is taken over the matching
//! keys, before any geometry is encoded). Collections' extents for their documents.

use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use covidmap_core::{Entity, Level};
use covidmap_ogc::collection::{Collection, Outline, Property, Source};
use covidmap_ogc::filter::{Predicate, Scalar, Shape};
use covidmap_ogc::{Crs, Extent, ItemsQuery, Temporal};
use sqlx::postgres::PgArguments;
use sqlx::Arguments as _;
use tokio::sync::mpsc;

/// One feature read, with how many match the query in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OgcFeature {
    /// Features matching the query, over every page.
    pub matched: i64,
    /// The version it is (its entity tag, for a feature of its own geometry).
    pub version_id: i64,
    /// The feature, as GeoJSON text.
    pub feature: String,
}

/// A collection's state, for validators: its last change and its number of versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionMark {
    /// The last time a version began or ended; none when the collection is empty.
    pub changed: Option<DateTime<Utc>>,
    /// How many versions it holds.
    pub versions: i64,
}

/// Features read this many at a time are sent on before the next are read.
const CHANNEL_DEPTH: usize = 256;

/// Where a collection's rows are: the table, the condition its rows meet, and its geometry.
struct Table {
    name: &'static str,
    condition: Option<&'static str>,
}

fn table(c: &Collection) -> Table {
    let condition = match c.source {
        Source::Units(Level::Province) => Some("t.level = 'province'"),
        Source::Units(Level::District) => Some("t.level = 'district'"),
        Source::Units(Level::Commune) => Some("t.level = 'commune'"),
        Source::Units(Level::Hamlet) => Some("t.level = 'hamlet'"),
        // Declarations in force: a lifted one is found at a moment before its lifting.
        Source::Entity(Entity::LockdownZones | Entity::LockdownPoints) => {
            Some("t.status = 'active'")
        }
        Source::Entity(Entity::Directives) => Some("t.kind = 'directive'"),
        Source::Entity(Entity::SupportPolicies) => Some("t.kind = 'support_policy'"),
        Source::Entity(_) => None,
    };
    let name = match c.source {
        Source::Units(_) => "admin_units",
        Source::Entity(e) => e.table(),
    };
    Table { name, condition }
}

/// A statement being written: its text and its bound values.
#[derive(Default)]
struct Sql {
    text: String,
    args: PgArguments,
    count: usize,
    failed: Option<String>,
}

impl Sql {
    fn bind<T>(&mut self, value: T) -> String
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
    {
        if let Err(e) = self.args.add(value) {
            self.failed = Some(e.to_string());
        }
        self.count += 1;
        format!("${}", self.count)
    }
}

/// The versions in force then, for a table aliased `alias`.
fn in_force(sql: &mut Sql, alias: &str, when: Temporal) -> String {
    match when {
        Temporal::Now => format!("{alias}.valid_to IS NULL"),
        Temporal::Instant(t) => {
            let t = sql.bind(t);
            format!("{alias}.valid_from <= {t} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {t})")
        }
        Temporal::Interval { start, end } => {
            let mut parts = Vec::new();
            if let Some(end) = end {
                parts.push(format!("{alias}.valid_from <= {}", sql.bind(end)));
            }
            if let Some(start) = start {
                parts.push(format!(
                    "({alias}.valid_to IS NULL OR {alias}.valid_to >= {})",
                    sql.bind(start)
                ));
            }
            if parts.is_empty() {
                "true".to_owned()
            } else {
                parts.join(" AND ")
            }
        }
    }
}

/// The geometry of a row of `t`: its own, or the outline of the unit that stands for it, as
/// it stood when the versions of `u` that `force` takes were in force.
fn geometry(c: &Collection, force: &str) -> String {
    let unit = match c.outline_of {
        Some(Outline::Commune(code)) => format!("u.code = t.{code} AND u.level = 'commune'"),
        Some(Outline::Province) => "u.level = 'province'".to_owned(),
        None => return "t.geom".to_owned(),
    };
    format!("(SELECT u.geom FROM admin_units u WHERE {unit} AND {force} ORDER BY u.valid_from DESC LIMIT 1)")
}

/// A row of `t` as a GeoJSON feature of `c`: its key as the id, `geom` in `crs`, the
/// properties named (all of the collection's when none are).
fn feature_json(c: &Collection, geom: &str, crs: Crs, properties: Option<&[&Property]>) -> String {
    let properties: Vec<String> = properties
        .map_or_else(|| c.properties.iter().collect(), <[&Property]>::to_vec)
        .iter()
        .map(|p| format!("'{0}', t.{0}", p.name))
        .collect();
    let mut g = if crs.srid() == 4326 {
        geom.to_owned()
    } else {
        format!("ST_Transform({geom}, {})", crs.srid())
    };
    if crs.northing_first() {
        g = format!("ST_FlipCoordinates({g})");
    }
    format!(
        "json_build_object('type', 'Feature', 'id', t.{key}, 'geometry', ST_AsGeoJSON({g}, {decimals})::json, \
         'properties', json_build_object({properties}))::text",
        key = c.key,
        decimals = crs.decimals(),
        properties = properties.join(", "),
    )
}

/// A literal shape, in the filter's CRS, as WGS 84.
fn shape(sql: &mut Sql, s: &Shape, geom: &str, crs: Crs) -> String {
    let srid = crs.srid();
    let flip = |g: String| {
        if crs.northing_first() {
            format!("ST_FlipCoordinates({g})")
        } else {
            g
        }
    };
    match s {
        Shape::Feature => geom.to_owned(),
        Shape::Wkt(wkt) => {
            let wkt = sql.bind(wkt.clone());
            format!(
                "ST_Transform(ST_SetSRID({}, {srid}), 4326)",
                flip(format!("ST_GeomFromText({wkt})"))
            )
        }
        Shape::Envelope(b) => {
            let b = if crs.northing_first() {
                [b[1], b[0], b[3], b[2]]
            } else {
                *b
            };
            let [x0, y0, x1, y1] = b.map(|v| sql.bind(v));
            format!("ST_Transform(ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, {srid}), 4326)")
        }
    }
}

fn scalar(sql: &mut Sql, s: &Scalar) -> String {
    match s {
        // Names come from the collection's own list, never from the request.
        Scalar::Property(p) => format!("t.{}", p.name),
        Scalar::Text(t) => format!("{}::text", sql.bind(t.clone())),
        Scalar::Number(n) => format!("{}::float8", sql.bind(*n)),
        Scalar::Bool(b) => format!("{}::bool", sql.bind(*b)),
        Scalar::Date(d) => format!("{}::date", sql.bind(*d)),
        Scalar::Timestamp(t) => format!("{}::timestamptz", sql.bind(*t)),
        Scalar::CaseInsensitive(inner) => format!("lower({})", scalar(sql, inner)),
        Scalar::Arithmetic { op, left, right } => {
            let (l, r) = (scalar(sql, left), scalar(sql, right));
            format!("({l}::float8 {op} {r}::float8)")
        }
    }
}

fn predicate(sql: &mut Sql, p: &Predicate, geom: &str, crs: Crs) -> String {
    let join = |parts: &[Predicate], with: &str, sql: &mut Sql| {
        if parts.is_empty() {
            return (with == " AND ").to_string();
        }
        let parts: Vec<String> = parts.iter().map(|p| predicate(sql, p, geom, crs)).collect();
        format!("({})", parts.join(with))
    };
    match p {
        Predicate::And(parts) => join(parts, " AND ", sql),
        Predicate::Or(parts) => join(parts, " OR ", sql),
        Predicate::Not(inner) => format!(
            "(NOT coalesce({}, false))",
            predicate(sql, inner, geom, crs)
        ),
        Predicate::Literal(b) => b.to_string(),
        Predicate::Compare { op, left, right } => {
            format!(
                "({} {} {})",
                scalar(sql, left),
                op.sql(),
                scalar(sql, right)
            )
        }
        Predicate::Like { value, pattern } => {
            format!("({} LIKE {})", scalar(sql, value), scalar(sql, pattern))
        }
        Predicate::Between { value, low, high } => {
            let v = scalar(sql, value);
            format!(
                "({v} BETWEEN {} AND {})",
                scalar(sql, low),
                scalar(sql, high)
            )
        }
        Predicate::In { value, list } => {
            let v = scalar(sql, value);
            let items: Vec<String> = list.iter().map(|s| scalar(sql, s)).collect();
            format!("({v} IN ({}))", items.join(", "))
        }
        Predicate::IsNull(value) => format!("({} IS NULL)", scalar(sql, value)),
        Predicate::Spatial { op, left, right } => {
            let (l, r) = (shape(sql, left, geom, crs), shape(sql, right, geom, crs));
            format!("{}({l}, {r})", op.postgis())
        }
    }
}

/// The whole statement: (matched, feature text) per row of the page, in order.
fn statement(q: &ItemsQuery) -> Sql {
    let c = q.collection;
    let t = table(c);
    let mut sql = Sql::default();
    let force = in_force(&mut sql, "u", q.datetime);
    let geom = geometry(c, &force);
    let mut conditions = vec![in_force(&mut sql, "t", q.datetime)];
    conditions.extend(t.condition.map(str::to_owned));
    if let Some((b, crs)) = q.bbox {
        let envelope = shape(
            &mut sql,
            &Shape::Envelope(if crs.northing_first() {
                [b[1], b[0], b[3], b[2]]
            } else {
                b
            }),
            &geom,
            crs,
        );
        conditions.push(format!("ST_Intersects({geom}, {envelope})"));
    }
    if let Some(id) = &q.id {
        conditions.push(format!("t.{} = {}", c.key, sql.bind(id.clone())));
    }
    if let Some(filter) = &q.filter {
        conditions.push(format!(
            "coalesce({}, false)",
            predicate(&mut sql, filter, &geom, q.filter_crs)
        ));
    }
    let key = format!("t.{}", c.key);
    let sort: Vec<String> = q
        .sortby
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "s{i} {}",
                if s.descending {
                    "DESC NULLS LAST"
                } else {
                    "ASC NULLS FIRST"
                }
            )
        })
        .collect();
    let sort_columns: String = q
        .sortby
        .iter()
        .enumerate()
        .map(|(i, s)| format!(", t.{} AS s{i}", s.property.name))
        .collect();
    let order = sort
        .iter()
        .cloned()
        .chain(["k".to_owned()])
        .collect::<Vec<_>>()
        .join(", ");
    // An interval holds several versions of a feature: the last of them stands for it.
    let (distinct, latest) = match q.datetime {
        Temporal::Interval { .. } => (
            format!("DISTINCT ON ({key})"),
            format!(" ORDER BY {key}, t.valid_from DESC"),
        ),
        _ => (String::new(), String::new()),
    };
    let feature = feature_json(c, &geom, q.crs, q.properties.as_deref());
    let (limit, offset) = (sql.bind(i64::from(q.limit)), sql.bind(i64::from(q.offset)));
    sql.text = format!(
        "WITH candidates AS (
             SELECT {distinct} t.version_id, {key} AS k{sort_columns}
             FROM {table} t WHERE {conditions}{latest}
         ), page AS (
             SELECT version_id, count(*) OVER () AS matched, row_number() OVER (ORDER BY {order}) AS n
             FROM candidates ORDER BY {order} LIMIT {limit} OFFSET {offset}
         )
         SELECT p.matched, p.version_id, {feature}
         FROM page p JOIN {table} t ON t.version_id = p.version_id ORDER BY p.n",
        table = t.name,
        conditions = conditions.join(" AND "),
    );
    sql
}

impl Store {
    /// The features a query asks for, sent on as PostGIS writes them; the first message
    /// tells whether the query runs (an error then), and the channel closes after the last.
    #[must_use]
    pub fn ogc_features(&self, q: &ItemsQuery) -> mpsc::Receiver<Result<OgcFeature>> {
        let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
        let sql = statement(q);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            use futures_util::TryStreamExt as _;
            if let Some(reason) = sql.failed {
                let _ = tx.send(Err(StoreError::Encode(reason))).await;
                return;
            }
            let mut rows =
                sqlx::query_as_with::<_, (i64, i64, String), _>(&sql.text, sql.args).fetch(&pool);
            loop {
                let next = rows.try_next().await;
                let message = match next {
                    Ok(Some((matched, version_id, feature))) => Ok(OgcFeature {
                        matched,
                        version_id,
                        feature,
                    }),
                    Ok(None) => break,
                    Err(e) => Err(StoreError::Database(e)),
                };
                let failed = message.is_err();
                if tx.send(message).await.is_err() || failed {
                    break;
                }
            }
        });
        rx
    }

    /// The features that `versions` of `c` wrote, in CRS84, each with the geometry it had
    /// then (a commune's outline as it stood when the version began): what change events
    /// carry. A version that is not of `c` is left out.
    ///
    /// # Errors
    /// The database fails.
    pub async fn ogc_versions(
        &self,
        c: &Collection,
        versions: &[i64],
    ) -> Result<Vec<(i64, String)>> {
        let t = table(c);
        let geom = geometry(
            c,
            "u.valid_from <= t.valid_from AND (u.valid_to IS NULL OR u.valid_to > t.valid_from)",
        );
        let sql = format!(
            "SELECT t.version_id, {feature} FROM {table} t WHERE t.version_id = ANY($1)",
            feature = feature_json(c, &geom, Crs::Crs84, None),
            table = t.name,
        );
        Ok(sqlx::query_as(&sql)
            .bind(versions)
            .fetch_all(&self.pool)
            .await?)
    }

    /// How many features a query matches in all (asked only when its page is empty, so that
    /// the rows could not say).
    ///
    /// # Errors
    /// The database fails.
    pub async fn ogc_count(&self, q: &ItemsQuery) -> Result<i64> {
        let mut q = q.clone();
        q.offset = 0;
        q.limit = 1;
        let mut rx = self.ogc_features(&q);
        match rx.recv().await {
            Some(Ok(first)) => Ok(first.matched),
            Some(Err(e)) => Err(e),
            None => Ok(0),
        }
    }

    /// What a collection's answers depend on, cheaply: its last change (a version begun or
    /// ended) and how many versions it holds (which a plain SQL delete also changes). Any
    /// answer about it, at any `datetime`, is the same while both are.
    ///
    /// # Errors
    /// The database fails.
    pub async fn ogc_mark(&self, c: &Collection) -> Result<CollectionMark> {
        let t = table(c);
        let sql = format!(
            "SELECT max(greatest(t.valid_from, t.valid_to)), count(*) FROM {table} t WHERE {condition}",
            table = t.name,
            condition = t.condition.unwrap_or("true"),
        );
        let (changed, versions): (Option<DateTime<Utc>>, i64) =
            sqlx::query_as(&sql).fetch_one(&self.pool).await?;
        Ok(CollectionMark { changed, versions })
    }

    /// Each collection's extent: the box of its current features and the span of its history.
    ///
    /// # Errors
    /// The database fails.
    pub async fn ogc_extents(&self, collections: &[Collection]) -> Result<Vec<Extent>> {
        let mut extents = Vec::with_capacity(collections.len());
        for c in collections {
            let t = table(c);
            let condition = t.condition.unwrap_or("true");
            let bbox = if c.outline_of.is_some() {
                "(SELECT ST_Extent(geom)::geometry FROM admin_units_current WHERE level IN ('commune', 'province'))"
            } else {
                "ST_Extent(t.geom) FILTER (WHERE t.valid_to IS NULL)::geometry"
            };
            let sql = format!(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), first, last FROM (
                     SELECT {bbox} AS b, min(t.valid_from) AS first,
                            CASE WHEN bool_or(t.valid_to IS NULL) THEN NULL ELSE max(t.valid_to) END AS last
                     FROM {table} t WHERE {condition}) e",
                table = t.name
            );
            type Row = (
                Option<f64>,
                Option<f64>,
                Option<f64>,
                Option<f64>,
                Option<DateTime<Utc>>,
                Option<DateTime<Utc>>,
            );
            let (x0, y0, x1, y1, first, last): Row =
                sqlx::query_as(&sql).fetch_one(&self.pool).await?;
            let bbox = match (x0, y0, x1, y1) {
                (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                _ => None,
            };
            extents.push(Extent { bbox, first, last });
        }
        Ok(extents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use covidmap_ogc::{Service, Vn2000Zone};
    use std::collections::BTreeMap;

    fn query(collection: &str, pairs: &[(&str, &str)]) -> ItemsQuery {
        let service = Service {
            zone: Vn2000Zone::nearest(104.9),
            utc_offset: chrono::FixedOffset::east_opt(25200).unwrap(),
        };
        let params: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ItemsQuery::read(
            covidmap_ogc::collection(collection).unwrap(),
            &params,
            &service,
        )
        .unwrap()
    }

    #[test]
    fn values_are_bound_never_written_into_the_statement() {
        let sql = statement(&query(
            "zones",
            &[
                ("filter", "name = 'x); DROP TABLE t; --'"),
                ("bbox", "105,18,106,19"),
            ],
        ));
        assert!(!sql.text.contains("DROP"), "{}", sql.text);
        assert!(sql.failed.is_none());
        assert!(sql.text.contains("t.status = 'active'"));
    }

    #[test]
    fn intervals_take_the_last_version_of_each_feature() {
        let sql = statement(&query(
            "hamlets",
            &[("datetime", "2021-09-01T00:00:00Z/..")],
        ));
        assert!(sql.text.contains("DISTINCT ON (t.code)"), "{}", sql.text);
        let now = statement(&query("hamlets", &[]));
        assert!(now.text.contains("t.valid_to IS NULL") && !now.text.contains("DISTINCT"));
    }
}
