//! The web dashboard served by `readiness serve`: server-rendered pages over the same
//! projections, queries and write path as the JSON API (see the README's "Dashboard").
//! Signing in turns a token into a session cookie; every page works without JavaScript.

pub mod action_page;
pub mod auth;
pub mod board_pages;
pub mod context;
pub mod doc;
pub mod error;
pub mod format;
pub mod forms;
pub mod forms_page;
pub mod layout;
pub mod live;
pub mod plan_pages;
pub mod session;
pub mod trust_pages;
pub mod verify_job;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::server::AppState;

/// The dashboard's routes, merged into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    let plan = |rest: &str| format!("/plans/{{plan}}{rest}");
    Router::new()
        .route("/", get(auth::picker))
        .route("/signin", get(auth::signin_page).post(auth::signin))
        .route("/signout", post(auth::signout))
        .route("/assets/app.css", get(layout::css))
        .route("/assets/app.js", get(layout::js))
        .route(&plan(""), get(plan_pages::plan_page))
        .route(&plan("/matrix"), get(plan_pages::matrix_page))
        .route(&plan("/diff"), get(board_pages::diff_page))
        .route(&plan("/gaps"), get(board_pages::gaps_page))
        .route(&plan("/log"), get(board_pages::log_page))
        .route(&plan("/report"), get(board_pages::report_page))
        .route(&plan("/actions/{action}"), get(action_page::action_page))
        .route(
            &plan("/evidence/{sha256}"),
            get(board_pages::evidence_download),
        )
        .route(&plan("/verify"), get(trust_pages::verify_page))
        .route(&plan("/verify/progress"), get(trust_pages::verify_progress))
        .route(&plan("/sign-off"), get(trust_pages::sign_off_page))
        .route(&plan("/live"), get(live::live))
        .route(&plan("/record"), get(forms::record_page))
        .route(&plan("/record/status"), post(forms::post_status))
        .route(&plan("/record/review"), post(forms::post_review))
        .route(&plan("/record/correction"), post(forms::post_correction))
        .route(&plan("/record/withdrawal"), post(forms::post_withdrawal))
        .route(
            &plan("/record/evidence"),
            // Streamed to disk under the server's --max-upload, field by field.
            post(forms::post_evidence).layer(DefaultBodyLimit::disable()),
        )
}
