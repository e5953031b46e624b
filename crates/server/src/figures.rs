//! Daily figures and returning workers: written by the health agencies and the Department
//! of Labour, read by everyone as time series per unit, with district and province totals.

use crate::allow::allow_commune;
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::extract::{known, Params};
use crate::router::Settings;
use crate::write::{author, written};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Extension;
use axum::{Json, Router};
use chrono::{Duration, NaiveDate};
use covidmap_core::figures::{DailyFigures, ReturningWorkers};
use covidmap_core::Entity;
use covidmap_core::Level;
use covidmap_messages::answers::{
    DistrictFigures, DistrictTotals, FigureSeries, PeriodTotals, UnitSummary,
};
use covidmap_messages::{figures_day, figures_request, workers_request};
use std::sync::Arc;

known!(SeriesQuery: "unit", "from", "to");
known!(DistrictsQuery: "day");

/// Largest body of a day's figures (a handful of numbers).
const FIGURES_BODY: usize = 64 << 10;

/// Longest series answered, in days.
pub const MAX_SERIES_DAYS: i64 = 366;

/// The figures routes.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/figures/{commune}/{day}", put(put_figures::<B>))
        .route(
            "/api/v1/returning-workers/{commune}/{day}",
            put(put_workers::<B>),
        )
        .route("/api/v1/figures", get(series::<B>))
        .route("/api/v1/figures/districts", get(districts::<B>))
}

fn day(text: &str, settings: &Settings) -> Result<NaiveDate, ApiError> {
    figures_day(text, settings.today()).map_err(|e| ApiError::Invalid(vec![e]))
}

/// A commune's figures for a day (health centres for their district, CDC).
#[utoipa::path(put, path = "/api/v1/figures/{commune}/{day}", tag = "figures", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "new_cases, active, recovered, deaths, in_quarantine (none negative)"),
    params(("commune" = String, Path, description = "the commune"), ("day" = String, Path, description = "YYYY-MM-DD, not in the future")),
    responses((status = 200, description = "Written (a correction is a new version)", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such commune", body = crate::error::ErrorAnswer)))]
pub(crate) async fn put_figures<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Authenticated(caller): Authenticated,
    Path((commune, day_text)): Path<(String, String)>,
    JsonBody(body): JsonBody<FIGURES_BODY>,
) -> Result<Response, ApiError> {
    allow_commune(&backend.snapshot(), &caller, Entity::DailyFigures, &commune)?;
    let day = day(&day_text, &settings)?;
    let counts = figures_request(&body).map_err(ApiError::Invalid)?;
    let figures = DailyFigures {
        commune_code: commune,
        day,
        counts,
    };
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let edited = store.put_figures(&figures, &author(&caller)).await?;
    Ok(written(StatusCode::OK, &figures.id(), edited))
}

/// Workers who came back to a commune on a day (Department of Labour).
#[utoipa::path(put, path = "/api/v1/returning-workers/{commune}/{day}", tag = "figures", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "{\"arrived\": n}"),
    params(("commune" = String, Path, description = "the commune"), ("day" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "Written", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such commune", body = crate::error::ErrorAnswer)))]
pub(crate) async fn put_workers<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Authenticated(caller): Authenticated,
    Path((commune, day_text)): Path<(String, String)>,
    JsonBody(body): JsonBody<FIGURES_BODY>,
) -> Result<Response, ApiError> {
    allow_commune(
        &backend.snapshot(),
        &caller,
        Entity::ReturningWorkers,
        &commune,
    )?;
    let day = day(&day_text, &settings)?;
    let arrived = workers_request(&body).map_err(ApiError::Invalid)?;
    let workers = ReturningWorkers {
        commune_code: commune,
        day,
        arrived,
    };
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let edited = store
        .put_returning_workers(&workers, &author(&caller))
        .await?;
    Ok(written(StatusCode::OK, &workers.id(), edited))
}

fn date_param<K>(params: &Params<K>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    params
        .get(name)
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_parameter(name, format!("{name} must be a date like 2021-09-13"))
            })
        })
        .transpose()
}

/// `GET /api/v1/figures?unit=&from=&to=`: one unit's series (a district or commune; the
/// province when `unit` is left out), a day per entry, and the sums over the period.
#[utoipa::path(get, path = "/api/v1/figures", tag = "figures", operation_id = "figure_series",
    params(("unit" = Option<String>, Query, description = "a district or commune; the province when left out"),
           ("from" = Option<String>, Query, description = "first day (two weeks before `to`)"),
           ("to" = Option<String>, Query, description = "last day (the latest with figures)")),
    responses((status = 200, description = "Sums per day and over the period", body = FigureSeries), (status = 400, description = "A parameter is wrong", body = crate::error::ErrorAnswer)))]
pub(crate) async fn series<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    params: Params<SeriesQuery>,
) -> Result<Response, ApiError> {
    let snapshot = backend.snapshot();
    let unit = params
        .get("unit")
        .map(|code| {
            snapshot
                .unit(code)
                .filter(|u| matches!(u.level, Level::District | Level::Commune))
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "unit",
                        format!("no current district or commune has the code {code:?}"),
                    )
                })
        })
        .transpose()?;
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let to = match date_param(&params, "to")? {
        Some(d) => d,
        None => store
            .latest_figures_day()
            .await?
            .unwrap_or_else(|| settings.today()),
    };
    let from = date_param(&params, "from")?.unwrap_or(to - Duration::days(13));
    if from > to {
        return Err(ApiError::bad_parameter("from", "from must not be after to"));
    }
    if (to - from).num_days() >= MAX_SERIES_DAYS {
        return Err(ApiError::bad_parameter(
            "from",
            format!("a series covers at most {MAX_SERIES_DAYS} days"),
        ));
    }
    let days = store
        .figure_series(unit.map(|u| u.code.as_str()), from, to)
        .await?;
    let unit = unit.map_or_else(|| whole_map(snapshot.region()), UnitSummary::from);
    let totals = PeriodTotals::of(&days);
    Ok(Json(FigureSeries {
        unit,
        from,
        to,
        days,
        totals,
    })
    .into_response())
}

/// What a series without a unit sums over: the map's province, or its provinces (their
/// codes joined by commas).
fn whole_map(region: &covidmap_core::Region) -> UnitSummary {
    UnitSummary {
        code: region
            .provinces
            .iter()
            .map(|(code, _)| code.as_str())
            .collect::<Vec<_>>()
            .join(","),
        name: region.name_or_default(),
        level: Level::Province,
    }
}

/// `GET /api/v1/figures/districts?day=`: every district's sums for a day (the latest day
/// with figures when none is given), and the province's.
#[utoipa::path(get, path = "/api/v1/figures/districts", tag = "figures", operation_id = "district_figures",
    params(("day" = Option<String>, Query, description = "the day (the latest with figures)")),
    responses((status = 200, description = "Each district's sums and the province's", body = DistrictFigures), (status = 400, description = "A parameter is wrong", body = crate::error::ErrorAnswer)))]
pub(crate) async fn districts<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    params: Params<DistrictsQuery>,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let day = match date_param(&params, "day")? {
        Some(d) => d,
        None => store
            .latest_figures_day()
            .await?
            .unwrap_or_else(|| settings.today()),
    };
    let snapshot = backend.snapshot();
    let rows = store.district_totals(day).await?;
    let province = store
        .figure_series(None, day, day)
        .await?
        .into_iter()
        .next();
    let districts = rows
        .into_iter()
        .map(|(code, totals)| DistrictTotals {
            name: snapshot.unit(&code).map(|u| u.name.clone()),
            code,
            totals,
        })
        .collect();
    Ok(Json(DistrictFigures {
        day,
        province,
        districts,
    })
    .into_response())
}
