//! The page shell every dashboard page shares: header, the plan's navigation, the sign-out
//! form, the live-update notice, and the one stylesheet and script the binary serves.

use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet (board report colours; readable at 390 px; prints cleanly).
pub const CSS: &str = include_str!("assets/app.css");
/// The only script: live updates over Server-Sent Events and upload progress.
pub const JS: &str = include_str!("assets/app.js");

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        JS,
    )
}

/// The pages of a plan, as the navigation lists them: path under the plan, and name.
const PLAN_PAGES: &[(&str, &str)] = &[
    ("", "Plan"),
    ("/matrix", "RAG matrix"),
    ("/diff", "What moved"),
    ("/gaps", "Gaps"),
    ("/log", "Activity"),
    ("/record", "Record"),
    ("/verify", "Verify"),
    ("/sign-off", "Sign off"),
    ("/report", "Board report"),
];

/// Where a page sits: its plan, which of the plan's pages it is, the signed-in
/// visitor's CSRF token and name, and the head it shows (where live updates start).
pub struct Frame<'a> {
    pub plan: Option<&'a str>,
    pub current: &'a str,
    pub csrf: &'a str,
    pub who: Option<&'a str>,
    pub head: Option<u64>,
    /// The page may be refreshed in place when the ledger changes (no form on it).
    pub refresh: bool,
    /// Without JavaScript, the page reloads itself from this address every second (a
    /// verification running); with it, the script follows along instead.
    pub reload_to: Option<String>,
}

/// A full page: `title`, and `body` inside the frame.
pub fn page(title: &str, frame: &Frame<'_>, body: Markup) -> Markup {
    let live = frame
        .plan
        .map(|p| format!("/plans/{}/live", super::format::query_escape(p)));
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " \u{2013} readiness" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
                @if let Some(to) = &frame.reload_to {
                    noscript { meta http-equiv="refresh" content=(format!("1; url={to}")); }
                }
            }
            body data-live=[live] data-head=[frame.head] data-refresh=[frame.refresh.then_some("yes")] {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "readiness" }
                    @if let Some(p) = frame.plan {
                        span.plan-name { (p) }
                    }
                    form.signout method="post" action="/signout" {
                        input type="hidden" name="csrf" value=(frame.csrf);
                        @if let Some(w) = frame.who {
                            span.who { "Signed in as " (w) " " }
                        }
                        button type="submit" { "Sign out" }
                    }
                }
                @if let Some(p) = frame.plan {
                    nav.plan-nav aria-label="Plan pages" {
                        ul {
                            @for (path, name) in PLAN_PAGES {
                                li {
                                    @let href = format!("/plans/{}{path}", super::format::query_escape(p));
                                    @if *path == frame.current {
                                        a href=(href) aria-current="page" { (name) }
                                    } @else {
                                        a href=(href) { (name) }
                                    }
                                }
                            }
                        }
                    }
                }
                div #live-notice role="status" aria-live="polite" {}
                main #main tabindex="-1" { (body) }
                footer.foot { "Every view is rebuilt from the ledger's hash-chained log." }
            }
        }
    }
}

/// A page without a plan or a session: sign-in and errors.
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " \u{2013} readiness" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header.top { a.brand href="/" { "readiness" } }
                main #main { (body) }
            }
        }
    }
}
