//! `POST /api/v1/boundaries`: a boundary file uploaded by an agency (multipart, field
//! `file`), read and checked by the ingest crate exactly as `covidmap ingest` does, first as
//! a dry run (what would be added, changed, removed), then committed. A district committee
//! uploads only its own district's communes and hamlets.

use crate::allow::allow;
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use crate::write::author;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use covidmap_core::policy::{Action, Place, Policy};
use covidmap_core::{Entity, Level};
use covidmap_ingest::FieldFlags;
use covidmap_messages::answers::UploadAnswer;
use covidmap_messages::FieldError;
use covidmap_upload::{saved_name, upload, UploadError, UploadRequest};
use std::sync::Arc;
use tokio::io::AsyncWriteExt as _;

known!(UploadBoundariesQuery: "level", "dry_run", "parent", "two_tier", "expect_diff", "name_field", "code_field", "parent_field", "source_crs", "encoding");

/// Largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 50 << 20;

/// The upload route.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/boundaries", post(upload_boundaries::<B>))
        .route("/api/v1/uploads/{id}/revert", post(revert_upload::<B>))
        // Room for the multipart framing around the largest file.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + (64 << 10)))
}

fn bad_file(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError::BadBody {
        status,
        message: message.into(),
    }
}

/// Saves the multipart field `file` under `dir`, keeping only a safe form of its name.
async fn save_file(
    mut multipart: Multipart,
    dir: &std::path::Path,
) -> Result<std::path::PathBuf, ApiError> {
    let too_large = || {
        bad_file(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the file is larger than {MAX_UPLOAD_BYTES} bytes; upload one district at a time"
            ),
        )
    };
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad_file(
                e.status(),
                format!("the upload could not be read: {}", e.body_text()),
            )
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let original = field.file_name().unwrap_or_default().to_owned();
        let name = saved_name(&original).map_err(|message| ApiError::invalid("file", message))?;
        let path = dir.join(name);
        // Written through tokio's file, off the runtime's worker threads.
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?;
        let mut written = 0_usize;
        while let Some(chunk) = field.chunk().await.map_err(read_error)? {
            written += chunk.len();
            if written > MAX_UPLOAD_BYTES {
                return Err(too_large());
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| ApiError::Internal(Box::new(e)))?;
        }
        file.flush()
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?;
        return Ok(path);
    }
    Err(ApiError::invalid(
        "file",
        "no file: send the boundary file as the multipart field `file`",
    ))
}

#[utoipa::path(post, path = "/api/v1/boundaries", tag = "boundaries", security(("bearer" = [])),
    request_body(content = String, content_type = "multipart/form-data", description = "field `file`: a zipped shapefile, GeoJSON, GeoPackage, KML or CSV, up to 50 MB"),
    params(("level" = String, Query, description = "commune or hamlet (district: provincial office)"),
           ("dry_run" = Option<bool>, Query, description = "report the change without writing"),
           ("parent" = Option<String>, Query, description = "the unit every feature lies in"),
           ("two_tier" = Option<bool>, Query, description = "communes put directly in a province that has districts: the move to two tiers (every commune of the province replaced, its districts closed)"),
           ("expect_diff" = Option<String>, Query, description = "apply only if the change is still the dry run's diff_digest"),
           ("name_field" = Option<String>, Query, description = "the field holding names"),
           ("code_field" = Option<String>, Query, description = "the field holding codes"),
           ("parent_field" = Option<String>, Query, description = "the field holding parent codes"),
           ("source_crs" = Option<String>, Query, description = "the file's CRS, when its own is missing or wrong"),
           ("encoding" = Option<String>, Query, description = "utf-8, tcvn3, vni or windows-1258")),
    responses((status = 200, description = "Dry run: what would be added, changed, removed", body = UploadAnswer), (status = 201, description = "Applied", body = UploadAnswer), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer),
              (status = 409, description = "The change is not the dry run's any more, or would orphan units", body = crate::error::ErrorAnswer),
              (status = 413, description = "Over 50 MB", body = crate::error::ErrorAnswer)))]
pub(crate) async fn upload_boundaries<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    params: Params<UploadBoundariesQuery>,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    let snapshot = backend.snapshot();
    allow(
        &snapshot,
        &caller,
        &Action::new(Entity::Boundaries, Place::Anywhere),
    )?;
    let level = params
        .get("level")
        .ok_or_else(|| ApiError::bad_parameter("level", "level is required: commune or hamlet"))?
        .parse::<Level>()
        .map_err(|e| ApiError::bad_parameter("level", e.to_string()))?;
    if level == Level::Province {
        return Err(ApiError::bad_parameter(
            "level",
            "the province's outline is loaded by the operator (`covidmap ingest FILE --level province`); level must be commune or hamlet",
        ));
    }
    // Who may upload this level at all, before the file is read.
    let level_only = Place::Boundaries {
        level,
        codes: Vec::new(),
        parents: Vec::new(),
        outlines: Vec::new(),
    };
    allow(
        &snapshot,
        &caller,
        &Action::new(Entity::Boundaries, level_only),
    )?;
    let dry_run = params.bool("dry_run")?.unwrap_or(false);
    let store = backend.store().ok_or(ApiError::ReadOnly)?.clone();
    let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(Box::new(e)))?;
    let path = save_file(multipart, dir.path()).await?;
    let mut request = UploadRequest::new(path, level, caller.org.name.clone());
    request.read.fields = FieldFlags {
        name: params.get("name_field").cloned(),
        code: params.get("code_field").cloned(),
        parent: params.get("parent_field").cloned(),
    };
    request.read.source_crs = params.get("source_crs").cloned();
    request.read.encoding = params
        .get("encoding")
        .map(|e| {
            e.parse()
                .map_err(|err| ApiError::bad_parameter("encoding", format!("{err}")))
        })
        .transpose()?;
    request.parent = params.get("parent").cloned();
    request.author = Some(author(&caller));
    request.dry_run = dry_run;
    request.expected_diff = params.get("expect_diff").cloned();
    request.two_tier = params.bool("two_tier")?.unwrap_or(false);
    // Every unit of the file and every parent it replaces units under: the caller's.
    let guard: covidmap_upload::Guard =
        Arc::new(move |action: &Action| Policy::new(&*snapshot).check(&caller, action));
    let report = upload(&store, request, guard).await.map_err(upload_error)?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(UploadAnswer {
            dry_run,
            report: serde_json::to_value(report).map_err(|e| ApiError::Internal(Box::new(e)))?,
        }),
    )
        .into_response())
}

/// `POST /api/v1/uploads/{id}/revert`: the units an upload touched, back as they were.
#[utoipa::path(post, path = "/api/v1/uploads/{id}/revert", tag = "boundaries", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the upload")),
    responses((status = 200, description = "Reverted, as a new upload", body = covidmap_store::RevertedUpload), (status = 401, description = "No valid token", body = crate::error::ErrorAnswer),
              (status = 403, description = "Not the caller's district", body = crate::error::ErrorAnswer), (status = 404, description = "No such upload", body = crate::error::ErrorAnswer),
              (status = 409, description = "Units changed since; revert the later upload first", body = crate::error::ErrorAnswer)))]
pub(crate) async fn revert_upload<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    axum::extract::Path(upload_id): axum::extract::Path<i64>,
) -> Result<Response, ApiError> {
    let snapshot = backend.snapshot();
    allow(
        &snapshot,
        &caller,
        &Action::new(Entity::Boundaries, Place::Anywhere),
    )?;
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let (level, parents) =
        store
            .upload_parents(upload_id)
            .await?
            .ok_or_else(|| ApiError::NoMatch {
                field: "id".into(),
                message: format!("there is no upload {upload_id}"),
            })?;
    // Undoing an upload writes the units it touched, under the parents they had before
    // and after it: all of them must be the caller's.
    let touched = Place::Boundaries {
        level,
        codes: Vec::new(),
        parents,
        outlines: Vec::new(),
    };
    let action = Action::new(Entity::Boundaries, touched).called(format!("upload {upload_id}"));
    allow(&snapshot, &caller, &action)?;
    let reverted = store
        .revert_upload(upload_id, &author(&caller))
        .await
        .map_err(|e| match e {
            covidmap_store::StoreError::ChangedSince { .. }
            | covidmap_store::StoreError::WouldOrphan { .. } => ApiError::Conflict(e.to_string()),
            other => other.into(),
        })?;
    Ok(Json(reverted).into_response())
}

/// Refusals of the file say what is wrong with it, feature by feature (422).
fn upload_error(e: UploadError) -> ApiError {
    match e {
        UploadError::Ingest(e) => ApiError::Invalid(
            e.problems()
                .into_iter()
                .map(|p| FieldError {
                    field: match (p.feature, &p.field) {
                        (Some(n), Some(f)) => format!("file: feature {n}, field {f}"),
                        (Some(n), None) => format!("file: feature {n}"),
                        (None, Some(f)) => format!("file: field {f}"),
                        (None, None) => "file".to_owned(),
                    },
                    message: format!("{} ({})", p.message, p.fix),
                })
                .collect(),
        ),
        UploadError::Refused(refusal) => refusal.into(),
        UploadError::NotTwoTier(_) => ApiError::bad_parameter("parent", e.to_string()),
        UploadError::Store(e) => match e {
            covidmap_store::StoreError::DiffChanged
            | covidmap_store::StoreError::WouldOrphan { .. } => ApiError::Conflict(e.to_string()),
            covidmap_store::StoreError::CodeTaken { .. } => {
                ApiError::invalid("file", e.to_string())
            }
            other => other.into(),
        },
        UploadError::Worker(e) => ApiError::Internal(Box::new(e)),
    }
}
