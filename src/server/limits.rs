//! Limits that keep one slow or greedy client from stalling the others: request bodies of at
//! most [`MAX_BODY`] (evidence uploads are streamed to disk under their own limit), headers
//! of at most [`MAX_HEADER_BYTES`] sent within the header timeout (default
//! [`HEADER_TIMEOUT`]), at most `--max-connections` connections open (see
//! [`super::connections`]), at most [`MAX_IN_FLIGHT`] requests answered at once (more wait),
//! and an answer within [`TIMEOUT`] or a 503 ([`UPLOAD_TIMEOUT`] for an upload). Event
//! streams are exempt from the timeout: they are meant to stay open.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto::Builder;

use super::error::ApiError;
use super::AppState;

/// The largest request body accepted (JSON writes are small; evidence uploads are streamed
/// under `--max-upload` instead).
pub const MAX_BODY: usize = 1 << 20;
/// The largest request head (request line and headers) read.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The default time a client has to send a request's headers (`--header-timeout`).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of connections served at once (`--max-connections`).
pub const MAX_CONNECTIONS: usize = 1024;
/// How long an evidence upload may take (a large file over a slow line).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Requests answered at once; the rest wait their turn.
pub const MAX_IN_FLIGHT: usize = 256;
/// How long a request may take before it is answered 503.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Applies the in-flight limit and the timeout to one request.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // The API's entry stream and the dashboard's live updates of it.
    let path = request.uri().path();
    let streaming = path.ends_with("/stream") || path.ends_with("/live");
    let limit = if request.method() == Method::POST && path.ends_with("/evidence") {
        UPLOAD_TIMEOUT
    } else {
        TIMEOUT
    };
    let Ok(_permit) = state.in_flight.clone().acquire_owned().await else {
        return ApiError::Unavailable("the server is stopping".into()).into_response();
    };
    if streaming {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable(format!(
            "no answer within {} seconds; try again (a write that timed out may still have been committed: check the head)",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Closes a connection that takes longer than `timeout` to send a request's headers (a
/// "slowloris" sending a byte at a time) or that stays idle that long between requests.
pub fn header_timeout(builder: &mut Builder<TokioExecutor>, timeout: Duration) {
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_buf_size(MAX_HEADER_BYTES);
}
