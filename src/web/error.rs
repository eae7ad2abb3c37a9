//! Why a dashboard page could not be shown: the API's refusals, worded the same, as a page
//! with the same status code; a missing session sends the browser to sign in.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::bare_page;
use crate::server::ApiError;

/// A refusal of a page or a form.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("sign in first")]
    SignIn { next: String },
    #[error(
        "this form is out of date or came from another site; reload the page and send it again"
    )]
    Csrf,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl PageError {
    /// The status code the API would answer.
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Api(e) => e.status(),
        }
    }

    /// The message shown: the API's, except for the server's own trouble (logged instead).
    pub fn message(&self) -> String {
        match self {
            PageError::Api(ApiError::Internal(why)) => {
                eprintln!("readiness serve: internal error: {why}");
                "the server could not answer; its log says why".to_string()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::SignIn { next } = &self {
            let to = format!("/signin?next={}", super::format::query_escape(next));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
        }
        let status = self.status();
        let body = html! {
            div.problem role="alert" {
                h1 { (status.canonical_reason().unwrap_or("Error")) }
                p { (self.message()) }
                p { a href="/" { "Back to the plans" } }
            }
        };
        (status, bare_page("Could not show this page", body)).into_response()
    }
}
