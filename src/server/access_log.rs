//! One structured line per request (`tracing`, on stderr): method, path, status, duration
//! and the token's name (a bearer token's, or the dashboard session's). Never the token,
//! the query string (evidence names and notes can ride in it) or a body.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::tokens::TokenStore;
use super::AppState;

tokio::task_local! {
    /// The token file as read when the request came in: the request's access checks and its
    /// log line use this one reading (one look at the file per request, not one per use).
    static TOKENS: Arc<TokenStore>;
}

/// The token file as this request's log line read it, inside a request.
pub fn request_tokens() -> Option<Arc<TokenStore>> {
    TOKENS.try_with(Arc::clone).ok()
}

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
    let tokens = state.token_cache.current(&state.tokens).ok();
    let actor = match (&token, &tokens) {
        (None, _) => "-".to_string(),
        (Some(t), Some(store)) => store
            .find(t)
            .map_or_else(|| "(unknown token)".to_string(), |r| r.name.clone()),
        (Some(_), None) => "(unknown token)".to_string(),
    };
    let response = match tokens {
        Some(store) => TOKENS.scope(store, next.run(request)).await,
        None => next.run(request).await,
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
