//! A page handler's early answer as an error, so that handlers can use `?`: the
//! sign-in redirect, a refused form, an error page in the user's language.

use std::cell::RefCell;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// The finished response, rendered by [`Ctx`](super::ctx::Ctx) while it knew the user's
/// language; actix asks for it once.
pub struct PageError {
    status: StatusCode,
    // Boxed: a handler's `Result` stays small on the happy path.
    response: RefCell<Option<Box<HttpResponse>>>,
}

pub type PageResult = Result<HttpResponse, PageError>;

impl From<HttpResponse> for PageError {
    fn from(r: HttpResponse) -> Self {
        PageError {
            status: r.status(),
            response: RefCell::new(Some(Box::new(r))),
        }
    }
}

impl fmt::Debug for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PageError({})", self.status)
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page answered with {}", self.status)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        match self.response.borrow_mut().take() {
            Some(r) => *r,
            None => HttpResponse::build(self.status).finish(),
        }
    }
}
