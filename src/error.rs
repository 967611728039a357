//! One error type for every handler, rendered as the JSON problem of docs/architecture.md §8:
//! `{"error": {"code", "message", "message_en", "fields", "fields_en"}}`.
//! Messages are Chinese first with an English twin; internals are logged, not shown.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;
use crate::domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {0:?}")]
    Validation(BTreeMap<String, Invalid>),
    #[error("bad request: {0}")]
    BadRequest(Invalid),
    #[error("not signed in")]
    Unauthorized(Invalid),
    #[error("forbidden: {0}")]
    Forbidden(Invalid),
    #[error("not found")]
    NotFound(Invalid),
    #[error("conflict: {0}")]
    Conflict(Invalid),
    #[error("unprocessable: {0}")]
    Unprocessable(Invalid),
    #[error("payload too large: {0}")]
    TooLarge(Invalid),
    #[error("unsupported media type: {0}")]
    UnsupportedMedia(Invalid),
    #[error("too many requests")]
    TooManyRequests(Invalid),
    /// The request body stopped arriving (see `body_timeout_secs`).
    #[error("request timeout: {0}")]
    RequestTimeout(Invalid),
    /// A 429 that knows when to come back: the message says it, and `Retry-After`
    /// carries the seconds.
    #[error("too many requests; retry after {1} s")]
    RetryAfter(Invalid, u64),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(name: &str, invalid: Invalid) -> Self {
        AppError::Validation(BTreeMap::from([(name.to_owned(), invalid)]))
    }

    pub fn not_found() -> Self {
        AppError::NotFound(Invalid::new(
            "未找到该记录，或您无权查看",
            "Not found, or not yours to see",
        ))
    }

    pub fn unauthorized() -> Self {
        AppError::Unauthorized(Invalid::new("请先登录", "Please sign in first"))
    }

    pub fn forbidden(zh: &str, en: &str) -> Self {
        AppError::Forbidden(Invalid::new(zh, en))
    }

    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Conflict(Invalid::new(zh, en))
    }

    pub fn stale() -> Self {
        Self::conflict(
            "该事项已被他人处理或已更新，请刷新后重试",
            "This case was changed by someone else; reload it and try again",
        )
    }

    /// A request body that stopped arriving: the client (or its network) stalled.
    pub fn body_timeout() -> Self {
        AppError::RequestTimeout(Invalid::new(
            "上传或提交的内容长时间没有进展，已中断，请检查网络后重试",
            "The request body stopped arriving and was cut off; check the connection and try again",
        ))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    /// The machine-readable code of the error body (also the `/metrics` label of a
    /// refused upload).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Unprocessable(_) => "unprocessable",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedMedia(_) => "unsupported_media_type",
            AppError::TooManyRequests(_) | AppError::RetryAfter(..) => "too_many_requests",
            AppError::RequestTimeout(_) => "request_timeout",
            AppError::Internal(_) => "internal",
        }
    }

    fn message(&self) -> Invalid {
        match self {
            AppError::Validation(_) => {
                Invalid::new("提交的信息有误，请按提示修改", "Some fields are invalid")
            }
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::Unprocessable(m)
            | AppError::TooLarge(m)
            | AppError::UnsupportedMedia(m)
            | AppError::TooManyRequests(m)
            | AppError::RequestTimeout(m)
            | AppError::RetryAfter(m, _) => m.clone(),
            AppError::Internal(_) => Invalid::new(
                "系统繁忙，请稍后再试",
                "The service had a problem; please try again later",
            ),
        }
    }
}

/// The error body of every refused request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `validation_failed`, `conflict`.
    pub code: String,
    /// Chinese message for the user.
    pub message: String,
    pub message_en: String,
    /// Per-field Chinese messages, keyed by field name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields_en: BTreeMap<String, String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests(_) | AppError::RetryAfter(..) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        let m = self.message();
        let (fields, fields_en) = match self {
            AppError::Validation(f) => (
                f.iter().map(|(k, v)| (k.clone(), v.zh.clone())).collect(),
                f.iter().map(|(k, v)| (k.clone(), v.en.clone())).collect(),
            ),
            _ => (BTreeMap::new(), BTreeMap::new()),
        };
        let mut resp = HttpResponse::build(self.status_code());
        if let AppError::RetryAfter(_, secs) = self {
            resp.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        resp.json(ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: m.zh,
                message_en: m.en,
                fields,
                fields_en,
            },
        })
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(q) => q.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found(),
            // A unique key hit by a concurrent request: the other request won.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
            | Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => AppError::stale(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Collects every field error of a request so the user sees them all at once.
#[derive(Default)]
pub struct Fields(BTreeMap<String, Invalid>);

impl Fields {
    pub fn take<T>(&mut self, name: &str, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(name, e);
                None
            }
        }
    }

    pub fn add(&mut self, name: &str, e: Invalid) {
        self.0.entry(name.to_owned()).or_insert(e);
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}
