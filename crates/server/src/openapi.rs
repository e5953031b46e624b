//! The OpenAPI document of the whole API (`GET /api/v1/openapi.json`), generated from the
//! handlers' annotations.

use utoipa::OpenApi;

/// Adds the bearer-token scheme the write routes name.
struct BearerTokens;

impl utoipa::Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An organisation's token: `covidmap token create --org … --role …`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "covidmap",
        description = "GIS data and map tiles for a provincial COVID-19 portal: status lookups, vector tiles, public layers and figures, and the agencies' write API. Every error is `{\"error\": {\"code\", \"message\", \"field\"}}`. The same layers, with their history, are also served as OGC API – Features (Parts 1, 2 and 3) under /ogc."
    ),
    external_docs(url = "/ogc", description = "OGC API – Features: the landing page of every layer as a collection, with its own OpenAPI document at /ogc/api"),
    paths(
        crate::service::health,
        crate::units::units,
        crate::unit_changes::list,
        crate::unit_changes::upload,
        crate::lookups::status,
        crate::lookups::search,
        crate::tiles::tile,
        crate::tiles::tilejson,
        crate::tiles::style,
        crate::tiles::font_range,
        openapi_json,
        crate::reads::list,
        crate::reads::one,
        crate::changes::changes,
        crate::changes::asyncapi,
        crate::webhooks::create,
        crate::webhooks::list,
        crate::webhooks::one,
        crate::webhooks::pause,
        crate::webhooks::resume,
        crate::webhooks::delete,
        crate::edits::lockdowns::create_zone,
        crate::edits::lockdowns::update_zone,
        crate::edits::lockdowns::lift,
        crate::edits::lockdowns::create_point,
        crate::edits::lockdowns::update_point,
        crate::edits::facilities::create_facility,
        crate::edits::facilities::update_facility,
        crate::edits::facilities::delete_facility,
        crate::edits::facilities::import_facilities,
        crate::edits::levels::set_level,
        crate::edits::history::revert,
        crate::edits::history::history,
        crate::edits::history::me,
        crate::figures::put_figures,
        crate::figures::put_workers,
        crate::figures::series,
        crate::figures::districts,
        crate::freshness::freshness,
        crate::boundaries::upload_boundaries,
        crate::boundaries::revert_upload,
        crate::documents::create,
        crate::documents::update,
        crate::documents::attach_pdf,
        crate::documents::pdf,
        crate::documents::list,
    ),
    components(schemas(crate::error::ErrorAnswer, covidmap_messages::answers::ErrorDetail)),
    modifiers(&BearerTokens)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", responses((status = 200, description = "OpenAPI 3.1")))]
pub(crate) async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.clone(),
    )
        .into_response()
}

/// Every path the document describes, in its order (worked out once).
pub(crate) fn paths() -> &'static [String] {
    static PATHS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| ApiDoc::openapi().paths.paths.into_keys().collect())
}
