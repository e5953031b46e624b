//! The OpenAPI document of the whole API (`GET /api/v1/openapi.json`), generated from the
//! handlers' annotations.

use utoipa::OpenApi;

/// Every error answer: `{"error": {"code", "message", "field"}}`, and for 422 the list of
/// fields at fault.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes JSON the handlers build; never constructed
pub struct ErrorBody {
    error: ErrorDetail,
}

/// The error itself.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// bad_parameter, not_found, unauthorized, forbidden, invalid, conflict, bad_body, unavailable.
    code: String,
    /// What is wrong and what to do about it, in words.
    message: String,
    /// The parameter or body part at fault.
    field: Option<String>,
}

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
        description = "GIS data and map tiles for a provincial COVID-19 portal: status lookups, vector tiles, public layers and figures, and the agencies' write API. Every error is `{\"error\": {\"code\", \"message\", \"field\"}}`."
    ),
    paths(
        crate::routes::health,
        crate::routes::units,
        crate::routes::status,
        crate::routes::search,
        crate::routes::tile,
        crate::routes::tilejson,
        crate::routes::style,
        crate::routes::font_range,
        openapi_json,
        crate::reads::list,
        crate::reads::one,
        crate::changes::stream,
        crate::edits::lockdowns::create_zone,
        crate::edits::lockdowns::update_zone,
        crate::edits::lockdowns::lift,
        crate::edits::lockdowns::create_point,
        crate::edits::lockdowns::update_point,
        crate::edits::facilities::create_facility,
        crate::edits::facilities::update_facility,
        crate::edits::facilities::import_facilities,
        crate::edits::levels::set_level,
        crate::edits::history::revert,
        crate::edits::history::history,
        crate::edits::history::me,
        crate::figures::put_figures,
        crate::figures::put_workers,
        crate::figures::series,
        crate::figures::districts,
        crate::boundaries::upload_boundaries,
        crate::boundaries::revert_upload,
        crate::documents::create,
        crate::documents::update,
        crate::documents::attach_pdf,
        crate::documents::pdf,
        crate::documents::list,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
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
