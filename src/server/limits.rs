//! Limits that keep one slow or greedy client from stalling the others: request bodies of at
//! most [`MAX_BODY`], at most [`MAX_IN_FLIGHT`] requests answered at once (more wait), and
//! an answer within [`TIMEOUT`] or a 503. Event streams are exempt from the timeout: they
//! are meant to stay open.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::AppState;

/// The largest request body accepted (JSON writes are small; evidence uploads are not
/// served yet).
pub const MAX_BODY: usize = 1 << 20;
/// Requests answered at once; the rest wait their turn.
pub const MAX_IN_FLIGHT: usize = 256;
/// How long a request may take before it is answered 503.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Applies the in-flight limit and the timeout to one request.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // The API's entry stream and the dashboard's live updates of it.
    let path = request.uri().path();
    let streaming = path.ends_with("/stream") || path.ends_with("/live");
    let Ok(_permit) = state.in_flight.clone().acquire_owned().await else {
        return ApiError::Unavailable("the server is stopping".into()).into_response();
    };
    if streaming {
        return next.run(request).await;
    }
    match tokio::time::timeout(TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable(format!(
            "no answer within {} seconds; try again (a write that timed out may still have been committed: check the head)",
            TIMEOUT.as_secs()
        ))
        .into_response(),
    }
}
