//! Directive documents (provincial office) and support-policy notices (Department of
//! Labour): particulars as JSON, the PDF uploaded beside them, the list public.

use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::extract::{known, Params};
use crate::router::Settings;
use crate::write::{author, id_for_new, written};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Extension;
use axum::{Json, Router};
use covidmap_core::documents::{Document, DocumentKind};
use covidmap_core::policy::{Action, Place};
use covidmap_messages::answers::DocumentList;
use covidmap_messages::{document_request, FieldError};
use covidmap_store::{Pdf, Write};
use std::sync::Arc;

known!(ListQuery: "kind", "limit", "offset");

/// Largest PDF accepted.
pub const MAX_PDF_BYTES: usize = 10 << 20;

/// The documents routes.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/documents", post(create::<B>).get(list::<B>))
        .route("/api/v1/documents/{id}", put(update::<B>))
        .route(
            "/api/v1/documents/{id}/pdf",
            put(attach_pdf::<B>)
                .get(pdf::<B>)
                .layer(DefaultBodyLimit::max(MAX_PDF_BYTES + 1024)),
        )
}

/// Whether the caller may write documents of this kind (no place: documents are the
/// province's).
fn allow_kind<B: Backend>(
    backend: &B,
    caller: &covidmap_store::Caller,
    kind: DocumentKind,
) -> Result<(), ApiError> {
    let action = Action::new(kind.entity(), Place::Anywhere);
    crate::allow::allow(&backend.snapshot(), caller, &action)
}

/// Publishes a directive (provincial office) or a support policy (labour).
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", operation_id = "create_document", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "kind (directive or support_policy), number, title, issued_on, issuer, summary, link"),
    responses((status = 201, description = "Published", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer)))]
pub(crate) async fn create<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = document_request(&body, settings.today()).map_err(ApiError::Invalid)?;
    allow_kind(&*backend, &caller, request.kind)?;
    let id = id_for_new(request.id.clone(), request.kind.entity())?;
    write(
        backend,
        caller,
        id,
        request,
        Write::Create,
        StatusCode::CREATED,
    )
    .await
}

/// Corrects a document (its PDF stays).
#[utoipa::path(put, path = "/api/v1/documents/{id}", tag = "documents", operation_id = "update_document", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "kind (directive or support_policy), number, title, issued_on, issuer, summary, link"),
    params(("id" = String, Path, description = "the document")),
    responses((status = 200, description = "Changed", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such document", body = crate::error::ErrorAnswer)))]
pub(crate) async fn update<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let current = store
        .document_kind(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    // Both what it is and what it becomes must be the caller's to write.
    allow_kind(&*backend, &caller, current)?;
    let request = document_request(&body, settings.today()).map_err(ApiError::Invalid)?;
    allow_kind(&*backend, &caller, request.kind)?;
    write(backend, caller, id, request, Write::Update, StatusCode::OK).await
}

fn not_found(id: &str) -> ApiError {
    ApiError::NoMatch {
        field: "id".into(),
        message: format!("there is no current document {id:?}"),
    }
}

async fn write<B: Backend>(
    backend: Arc<B>,
    caller: covidmap_store::Caller,
    id: String,
    request: covidmap_messages::DocumentRequest,
    mode: Write,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let doc = Document {
        id,
        kind: request.kind,
        number: request.number,
        title: request.title,
        issued_on: request.issued_on,
        issuer: request.issuer,
        summary: request.summary,
        link: request.link,
    };
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let edited = store.put_document(&doc, mode, &author(&caller)).await?;
    Ok(written(status, &doc.id, edited))
}

/// `PUT /api/v1/documents/{id}/pdf`: the body is the PDF itself.
#[utoipa::path(put, path = "/api/v1/documents/{id}/pdf", tag = "documents", operation_id = "attach_document_pdf", security(("bearer" = [])),
    request_body(content = String, content_type = "application/pdf", description = "the PDF, up to 10 MB; optional header X-File-Name"),
    params(("id" = String, Path, description = "the document")),
    responses((status = 200, description = "Attached", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such document", body = crate::error::ErrorAnswer),
              (status = 413, description = "Over 10 MB", body = crate::error::ErrorAnswer)))]
pub(crate) async fn attach_pdf<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let kind = store
        .document_kind(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    allow_kind(&*backend, &caller, kind)?;
    let bytes = body.map_err(|e| ApiError::BadBody {
        status: e.status(),
        message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the PDF is larger than {MAX_PDF_BYTES} bytes")
        } else {
            e.body_text()
        },
    })?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(ApiError::Invalid(vec![FieldError {
            field: "body".into(),
            message: "is not a PDF (it does not begin with %PDF-); send the file itself with Content-Type: application/pdf".into(),
        }]));
    }
    let name = headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|n| {
            n.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .take(100)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("{id}.pdf"));
    let pdf = Pdf {
        name,
        bytes: bytes.to_vec(),
    };
    let edited = store.put_document_pdf(&id, &pdf, &author(&caller)).await?;
    Ok(written(StatusCode::OK, &id, edited))
}

/// `GET /api/v1/documents/{id}/pdf`.
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", operation_id = "document_pdf",
    params(("id" = String, Path, description = "the document")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 404, description = "No such document or no PDF", body = crate::error::ErrorAnswer)))]
pub(crate) async fn pdf<B: Backend>(
    State(backend): State<Arc<B>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let pdf = store
        .document_pdf(&id)
        .await?
        .ok_or_else(|| ApiError::NoMatch {
            field: "id".into(),
            message: format!("document {id:?} has no PDF"),
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", pdf.name),
            ),
        ],
        pdf.bytes,
    )
        .into_response())
}

/// `GET /api/v1/documents?kind=&limit=&offset=`: newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", operation_id = "list_documents",
    params(("kind" = Option<String>, Query, description = "directive or support_policy"),
           ("limit" = Option<i64>, Query, description = "1–200 (20)"), ("offset" = Option<i64>, Query, description = "skipped")),
    responses((status = 200, description = "Newest first", body = DocumentList), (status = 400, description = "A parameter is wrong", body = crate::error::ErrorAnswer)))]
pub(crate) async fn list<B: Backend>(
    State(backend): State<Arc<B>>,
    params: Params<ListQuery>,
) -> Result<Response, ApiError> {
    let kind = params
        .get("kind")
        .map(|k| {
            k.parse::<DocumentKind>()
                .map_err(|e| ApiError::bad_parameter("kind", e))
        })
        .transpose()?;
    let limit = params.int("limit", 20, 1..=200)?;
    let offset = params.int("offset", 0, 0..=1_000_000)?;
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let (documents, matched) = store.documents(kind, limit, offset).await?;
    Ok(Json(DocumentList { matched, documents }).into_response())
}
