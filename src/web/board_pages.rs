//! The board's views: what moved between two reviews, the readiness gaps, the activity log,
//! the print-ready board report and evidence downloads, from the same queries and
//! projections as `diff`, `check`, `log`, `report` and `GET .../evidence`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::context::{AtQuery, PlanCtx};
use super::doc::doc_markup;
use super::error::PageError;
use super::format::{query_escape, uk_date, uk_time};
use super::layout::page;
use super::plan_pages::frame;
use super::session::Visitor;
use crate::plan::activity::ActivityRow;
use crate::report::board::{diff_doc, gaps_doc};
use crate::server::board::{board, log_rows, named, report_html, BoardQuery, LogParams};
use crate::server::tokens::Role;
use crate::server::AppState;

/// Empty form fields are absent ones.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A choice of review, `chosen` selected.
fn review_select(ctx: &PlanCtx, name: &str, label: &str, chosen: Option<&str>) -> Markup {
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            @for r in ctx.plan.reviews_by_date() {
                option value=(r.label) selected[Some(r.label.as_str()) == chosen] {
                    (r.label) " (" (uk_date(&r.date)) ")"
                }
            }
        }
    }
}

/// `from` and `to` reviews.
#[derive(Debug, Default, Deserialize)]
pub struct DiffForm {
    pub from: Option<String>,
    pub to: Option<String>,
    pub known_at: Option<String>,
}

pub async fn diff_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<DiffForm>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let at = AtQuery {
        as_of: None,
        known_at: q.known_at.clone(),
    };
    let ctx = PlanCtx::load(&state, &visitor, &plan, &at).await?;
    ctx.caller.require(Role::Viewer, "a diff")?;
    let reviews = ctx.plan.reviews_by_date();
    let to = given(&q.to).or_else(|| ctx.point.as_ref().map(|p| p.label.clone()));
    let from = given(&q.from).or_else(|| {
        let i = reviews.iter().position(|r| Some(&r.label) == to.as_ref())?;
        reviews.get(i.checked_sub(1)?).map(|r| r.label.clone())
    });
    let shown = match (&from, &to) {
        (Some(f), Some(t)) => {
            let b = board(&state, &plan, ctx.known_at.clone()).await?;
            let from = named(&b.plan, "from", f)?;
            let to = named(&b.plan, "to", t)?;
            let d = crate::plan::diff::diff(&b.plan, Some(&from), &to, &b.touches)
                .map_err(|e| crate::server::ApiError::BadRequest(e.to_string()))?;
            Some(doc_markup(&diff_doc(&d), false))
        }
        _ => None,
    };
    let body = html! {
        h1 { "What moved between two reviews" }
        form.pick method="get" action=(ctx.href("/diff")) {
            (review_select(&ctx, "from", "From", from.as_deref()))
            (review_select(&ctx, "to", "To", to.as_deref()))
            @if let Some(k) = &ctx.known_at { input type="hidden" name="known_at" value=(k); }
            button type="submit" { "Compare" }
        }
        @match shown {
            Some(m) => (m),
            None => p { "The plan needs two reviews to compare." },
        }
    };
    Ok(page("What moved", &frame(&ctx, &visitor, "/diff"), body).into_response())
}

pub async fn gaps_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<AtQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &q).await?;
    ctx.caller.require(Role::Viewer, "the readiness gaps")?;
    let b = board(&state, &plan, ctx.known_at.clone()).await?;
    let label = q.as_of().unwrap_or_else(|| "latest".to_string());
    let at = named(&b.plan, "as_of", &label)?;
    let g = crate::plan::gaps::gaps(&b.plan, &at, &b.recent)
        .map_err(|e| crate::server::ApiError::BadRequest(e.to_string()))?;
    let body = html! {
        h1 { "Readiness gaps" }
        (ctx.timeline("/gaps"))
        (doc_markup(&gaps_doc(&g), true))
    };
    Ok(page("Readiness gaps", &frame(&ctx, &visitor, "/gaps"), body).into_response())
}

/// Activity rows as a table, each action linked to its page.
pub fn rows_table(ctx: &PlanCtx, rows: &[ActivityRow]) -> Markup {
    html! {
        div.scroll {
            table.log {
                thead { tr { th scope="col" { "Entry" } th scope="col" { "When" } th scope="col" { "Who" }
                    th scope="col" { "Action" } th scope="col" { "What" } } }
                tbody {
                    @for r in rows {
                        tr id=(format!("entry-{}", r.seq)) data-type=(r.event_type) {
                            td.num { (r.seq) }
                            td { (uk_time(&r.recorded_at)) }
                            td { (r.actor) }
                            td {
                                @if let Some(a) = &r.action {
                                    a href=(ctx.href(&format!("/actions/{}", query_escape(a)))) { (a) }
                                }
                            }
                            td {
                                (r.summary)
                                @for m in &r.marks { " " span.mark { (m) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The activity log's filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct LogForm {
    pub by: Option<String>,
    pub event: Option<String>,
    pub area: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

pub async fn log_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(f): Query<LogForm>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &AtQuery::default()).await?;
    ctx.caller.require(Role::Viewer, "the activity log")?;
    let params = LogParams {
        action: given(&f.action),
        area: given(&f.area),
        event: given(&f.event),
        by: given(&f.by),
        since: given(&f.since),
        until: given(&f.until),
    };
    let rows = log_rows(&state, &plan, params).await;
    let chosen = given(&f.event);
    let body = html! {
        h1 { "Activity" }
        form.filters method="get" action=(ctx.href("/log")) {
            label for="by" { "Who" }
            input #by name="by" value=[f.by.as_deref()];
            label for="event" { "Kind" }
            select #event name="event" {
                option value="" { "Any" }
                @for t in crate::event::Event::TYPES {
                    option value=(t) selected[chosen.as_deref() == Some(*t)] { (t.replace('_', " ")) }
                }
            }
            label for="area" { "Area" }
            select #area name="area" {
                option value="" { "Any" }
                @for a in &ctx.plan.areas {
                    option value=(a.id) selected[f.area.as_deref() == Some(a.id.as_str())] { (a.id) }
                }
            }
            label for="action" { "Action" }
            input #action name="action" value=[f.action.as_deref()];
            label for="since" { "From" }
            input #since type="date" name="since" value=[f.since.as_deref()];
            label for="until" { "To" }
            input #until type="date" name="until" value=[f.until.as_deref()];
            button type="submit" { "Filter" }
        }
        @match &rows {
            Ok(rows) => {
                p.note { (rows.len()) " entries" }
                (rows_table(&ctx, rows))
            },
            Err(e) => p.error role="alert" { (e.to_string()) },
        }
    };
    let status = match &rows {
        Ok(_) => axum::http::StatusCode::OK,
        Err(e) => e.status(),
    };
    Ok((
        status,
        page("Activity", &frame(&ctx, &visitor, "/log"), body),
    )
        .into_response())
}

pub async fn report_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<AtQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    visitor
        .caller(&state, &plan)?
        .require(Role::Viewer, "the board report")?;
    let html = report_html(
        &state,
        &plan,
        BoardQuery {
            as_of: q.as_of(),
            since: None,
            known_at: q.known_at(),
        },
    )
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

pub async fn evidence_download(
    State(state): State<Arc<AppState>>,
    Path((plan, sha256)): Path<(String, String)>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    visitor
        .caller(&state, &plan)?
        .require(Role::Viewer, "downloading evidence")?;
    Ok(crate::server::evidence::send(&state, &plan, sha256).await?)
}
