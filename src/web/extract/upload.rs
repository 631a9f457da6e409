//! Forms and API calls that carry files (`multipart/form-data`): every text field through the one
//! text check (see `text`), every file part as an `Upload` for the service to clean. The pages also
//! carry files already cleaned from the preview to the submission, base64 in `kept` fields: they are
//! uploads like any other and are cleaned again, never trusted.
use super::fields::Fields;
use super::form::{command, malformed, read};
use super::json::ApiJson;
use super::origin::same_origin;
use super::text::check;
use crate::service::Upload;
use crate::web::error::Error;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Request};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::de::DeserializeOwned;

/// The hidden field that carries a cleaned file from one page to the next.
pub const KEPT: &str = "kept";

/// A multipart body: its text fields, in order, and its files with the names of their fields.
pub(super) struct Parts {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, Upload)>,
}

pub(super) fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"))
}

/// Read a multipart body (its files too when `files`). A file input left empty (no name, no bytes)
/// is no file.
pub(super) async fn read_parts<S: Send + Sync>(
    req: Request,
    state: &S,
    files: bool,
) -> Result<Parts, Error> {
    let unreadable = |e: MultipartError| {
        if e.status().as_u16() == 413 {
            Error::TooLarge
        } else {
            Error::MalformedJson(e.body_text())
        }
    };
    let mut form = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| Error::MalformedJson(e.body_text()))?;
    let mut parts = Parts {
        fields: Vec::new(),
        files: Vec::new(),
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        check(&name, "")?;
        match field.file_name().map(shown_name) {
            Some(_) if !files => {}
            Some(file) => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !(file.is_empty() && bytes.is_empty()) {
                    let upload = Upload {
                        name: file,
                        bytes: bytes.to_vec(),
                    };
                    parts.files.push((name, upload));
                }
            }
            None => {
                let text = field.text().await.map_err(unreadable)?;
                check(&name, &text)?;
                parts.fields.push((name, text));
            }
        }
    }
    Ok(parts)
}

/// A file's name as sent, fit to be shown in an error: control characters dropped, at most 100
/// characters. It is never stored.
fn shown_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// The fields and files of a form, with the files carried in `kept` fields decoded.
async fn fields_and_files<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Fields, Vec<Upload>), Error> {
    if !is_multipart(&req) {
        return Ok((read(req, state).await?, Vec::new()));
    }
    let parts = read_parts(req, state, true).await?;
    let mut fields = Fields::new(parts.fields);
    let mut files = Vec::new();
    for (n, text) in fields.take_all(KEPT).into_iter().enumerate() {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| Error::InvalidText { field: KEPT.into() })?;
        files.push(Upload {
            name: format!("#{}", n + 1),
            bytes,
        });
    }
    files.extend(parts.files.into_iter().map(|(_, f)| f));
    Ok((fields, files))
}

/// A public form with files (the report form and its preview): same origin, the fields as `T`.
pub struct PageUpload<T>(pub T, pub Vec<Upload>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageUpload<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !same_origin(req.headers(), req.extensions()) {
            return Err(Error::CsrfFailed);
        }
        let (fields, files) = fields_and_files(req, state).await?;
        Ok(PageUpload(command(fields)?, files))
    }
}

/// A reporter's form with files (a reply): as `PageUpload`, plus the receipt in its hidden field.
pub struct ReceiptUpload<T>(pub String, pub T, pub Vec<Upload>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ReceiptUpload<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !same_origin(req.headers(), req.extensions()) {
            return Err(Error::CsrfFailed);
        }
        let (mut fields, files) = fields_and_files(req, state).await?;
        let receipt = fields.take("receipt").map_err(malformed)?;
        Ok(ReceiptUpload(receipt, command(fields)?, files))
    }
}

/// An API body that may carry files: JSON as `ApiJson` (no files), or `multipart/form-data` whose
/// text fields make `T` as a form's do and whose file parts are the files.
pub struct ApiUpload<T>(pub T, pub Vec<Upload>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiUpload<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_multipart(&req) {
            let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
            return Ok(ApiUpload(value, Vec::new()));
        }
        let parts = read_parts(req, state, true).await?;
        let files = parts.files.into_iter().map(|(_, f)| f).collect();
        Ok(ApiUpload(command(Fields::new(parts.fields))?, files))
    }
}
