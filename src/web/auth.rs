//! Signing in with a token, signing out, and the plan picker the visitor lands on.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::error::PageError;
use super::format::query_escape;
use super::layout::{bare_page, page, Frame};
use super::session::{cookie, random_id, same, set_cookie, Visitor, COOKIE, SIGNIN_COOKIE};
use crate::server::api::caller_of;
use crate::server::AppState;

/// Where to go once signed in.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    pub next: Option<String>,
}

/// Only a path on this server: never another site.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn signin_form(next: &str, csrf: &str, problem: Option<&str>) -> maud::Markup {
    html! {
        h1 { "Sign in" }
        p { "Paste the token you were given (made with " code { "readiness token add" } ")." }
        @if let Some(p) = problem {
            p.error role="alert" #signin-error { (p) }
        }
        form method="post" action="/signin" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="next" value=(next);
            label for="token" { "Token" }
            input #token type="password" name="token" autocomplete="off" required
                aria-describedby=[problem.map(|_| "signin-error")];
            button type="submit" { "Sign in" }
        }
    }
}

pub async fn signin_page(Query(q): Query<Next>) -> Response {
    let csrf = random_id();
    let next = local_path(q.next.as_deref());
    let body = bare_page("Sign in", signin_form(&next, &csrf, None));
    (
        [(
            header::SET_COOKIE,
            set_cookie(SIGNIN_COOKIE, &csrf, Some(900)),
        )],
        body,
    )
        .into_response()
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    pub token: String,
    pub csrf: String,
    pub next: Option<String>,
}

pub async fn signin(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): Form<SignIn>,
) -> Response {
    let next = local_path(f.next.as_deref());
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    let token = f.token.trim().to_string();
    let problem = if expected.is_empty() || !same(&expected, &f.csrf) {
        Some("this sign-in form is out of date; it has been renewed, send it again".to_string())
    } else if token.is_empty() {
        Some("type a token".to_string())
    } else if !state
        .plans
        .keys()
        .any(|p| caller_of(&state, Some(&token), p).is_ok())
    {
        Some("that token is unknown or revoked, or is for no plan served here".to_string())
    } else {
        None
    };
    if let Some(problem) = problem {
        let csrf = random_id();
        let body = bare_page("Sign in", signin_form(&next, &csrf, Some(&problem)));
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::SET_COOKIE,
                set_cookie(SIGNIN_COOKIE, &csrf, Some(900)),
            )],
            body,
        )
            .into_response();
    }
    let id = state.sessions.open(token);
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    let h = response.headers_mut();
    for c in [
        set_cookie(COOKIE, &id, None),
        set_cookie(SIGNIN_COOKIE, "", Some(0)),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn signout(
    State(state): State<Arc<AppState>>,
    visitor: Visitor,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    visitor.check_csrf(&f.csrf)?;
    state.sessions.close(&visitor.session);
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/signin".to_string()),
            (header::SET_COOKIE, set_cookie(COOKIE, "", Some(0))),
        ],
    )
        .into_response())
}

pub async fn picker(
    State(state): State<Arc<AppState>>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let plans: Vec<(&String, String)> = state
        .plans
        .keys()
        .filter_map(|p| {
            let c = visitor.caller(&state, p).ok()?;
            Some((p, c.role.as_str().to_string()))
        })
        .collect();
    if plans.len() == 1 {
        let to = format!("/plans/{}", query_escape(plans[0].0));
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
    }
    let who = plans
        .first()
        .and_then(|(p, _)| visitor.caller(&state, p).ok())
        .and_then(|c| c.name);
    let frame = Frame {
        plan: None,
        current: "",
        csrf: &visitor.csrf,
        who: who.as_deref(),
        head: None,
        refresh: false,
        reload_to: None,
    };
    let body = html! {
        h1 { "Plans" }
        ul.plans {
            @for (p, role) in &plans {
                li { a href=(format!("/plans/{}", query_escape(p))) { (p) } " \u{2013} you are " (role) }
            }
        }
    };
    Ok(page("Plans", &frame, body).into_response())
}
