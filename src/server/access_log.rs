//! One structured line per request (`tracing`, on stderr): method, path, status, duration
//! and the token's name (a bearer token's, or the dashboard session's). Never the token,
//! the query string (evidence names and notes can ride in it) or a body.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Logs `request` once it is answered.
pub async fn log(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .or_else(|| {
            // A dashboard page: the token behind its session cookie.
            crate::web::session::cookie(request.headers(), crate::web::session::COOKIE)
                .and_then(|id| state.sessions.token_of(&id))
        });
    let response = next.run(request).await;
    let actor = match token {
        None => "-".to_string(),
        Some(t) => state
            .token_cache
            .current(&state.tokens)
            .ok()
            .and_then(|s| s.find(&t).map(|r| r.name.clone()))
            .unwrap_or_else(|| "(unknown token)".to_string()),
    };
    tracing::info!(
        target: "readiness::access",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        actor = %actor,
    );
    response
}
