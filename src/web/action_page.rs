//! One action's page: its fields, its status at every review, its evidence (to download),
//! its sign-offs and its whole history, from the projection `readiness history` prints.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::board_pages::rows_table;
use super::context::{AtQuery, PlanCtx};
use super::error::PageError;
use super::format::{query_escape, rag_class, status_mark, uk_date, uk_time};
use super::layout::page;
use super::plan_pages::frame;
use super::session::Visitor;
use crate::report::views::status_text;
use crate::server::board::{history_view, HistoryQuery};
use crate::server::tokens::Role;
use crate::server::AppState;

pub async fn action_page(
    State(state): State<Arc<AppState>>,
    Path((plan, action)): Path<(String, String)>,
    Query(q): Query<AtQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &q).await?;
    ctx.caller.require(Role::Viewer, "an action's history")?;
    let hq = HistoryQuery {
        as_of: ctx.point.as_ref().map(|p| p.label.clone()),
        known_at: ctx.known_at.clone(),
    };
    let (p, h) = history_view(&state, &plan, &action, hq).await?;
    let a = p.action(&h.action);
    let evidence_href = |sha: &str| ctx.href(&format!("/evidence/{sha}"));
    let body = html! {
        h1 { "Action " (h.action) }
        p.what { (h.text) }
        @if let Some(a) = a {
            dl.fields {
                @if let Some(l) = &a.fields.lead { dt { "Lead" } dd { (l) } }
                @if let Some(s) = &a.fields.start { dt { "Start" } dd { (uk_date(s)) } }
                @if let Some(e) = &a.fields.end { dt { "End" } dd { (uk_date(e)) } }
                @if let Some(w) = a.withdrawn() { dt { "Withdrawn" } dd { (w.reason) " (entry " (w.seq.0) ")" } }
            }
        }
        (ctx.timeline(&format!("/actions/{}", query_escape(&h.action))))
        h2 { "Status at each review" }
        div.scroll {
            table.statuses {
                thead { tr { th scope="col" { "Review" } th scope="col" { "Status" } th scope="col" { "Recorded" } th scope="col" { "Note" } } }
                tbody {
                    @for (r, s) in &h.reviews {
                        tr {
                            th scope="row" { (r.label) br; span.date { (uk_date(&r.date)) } }
                            @match s {
                                Some(s) => {
                                    td class=(rag_class(s.rag)) { (status_mark(&status_text(s), s.rag)) }
                                    td { "Entry " (s.seq) ", " (s.actor) ", " (uk_time(&s.recorded_at)) }
                                    td { (s.note.as_deref().unwrap_or("")) }
                                },
                                None => { td { "No status" } td {} td {} },
                            }
                        }
                    }
                }
            }
        }
        h2 { "Evidence" }
        @match a.map(|a| a.evidence()).filter(|e| !e.is_empty()) {
            Some(list) => ul.evidence {
                @for e in list {
                    li {
                        a href=(evidence_href(&e.sha256)) download=(e.file_name) { (e.file_name) }
                        " \u{2013} entry " (e.seq.0)
                        @if let Some(r) = &e.review { ", for " (r) }
                        @if let Some(s) = e.superseded_by { ", superseded by entry " (s.0) }
                        " " code.hash { (e.sha256) }
                    }
                }
            },
            None => p { "No evidence attached." },
        }
        h2 { "Sign-offs" }
        @match a.map(|a| a.signoffs()).filter(|s| !s.is_empty()) {
            Some(list) => ul.signoffs {
                @for o in list {
                    li { (o.review) ": " (o.status) " signed by " (o.actor) " as " (o.role)
                        " on " (uk_time(&o.recorded_at)) " (entry " (o.seq.0) ")" }
                }
            },
            None => p { "Not signed off." },
        }
        h2 { "Whole history" }
        p.note { "Every entry about this action, oldest first; corrections stand beside what they correct." }
        (rows_table(&ctx, &h.entries))
    };
    let title = format!("Action {}", h.action);
    Ok(page(&title, &frame(&ctx, &visitor, "/actions"), body).into_response())
}
