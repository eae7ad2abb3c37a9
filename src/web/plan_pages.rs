//! The plan as at a review and the RAG matrix, from the same projection values as
//! `readiness plan` and `readiness matrix` (`plan::view::plan_at` and `matrix`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::context::{AtQuery, PlanCtx};
use super::error::PageError;
use super::format::{legend, query_escape, rag_class, status_mark, uk_date};
use super::layout::{page, Frame};
use super::session::Visitor;
use crate::plan::view::{matrix, plan_at};
use crate::report::views::status_text;
use crate::server::AppState;

pub fn frame<'a>(ctx: &'a PlanCtx, visitor: &'a Visitor, current: &'a str) -> Frame<'a> {
    Frame {
        plan: Some(&ctx.name),
        current,
        csrf: &visitor.csrf,
        who: ctx.caller.name.as_deref(),
        head: ctx.head(),
        refresh: true,
        reload_to: None,
    }
}

pub async fn plan_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<AtQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &q).await?;
    let view = plan_at(&ctx.plan, ctx.point.as_ref());
    let body = html! {
        h1 { (view.title) }
        (ctx.timeline(""))
        (legend())
        @for area in &view.areas {
            section.area aria-labelledby=(format!("area-{}", area.id)) {
                h2 id=(format!("area-{}", area.id)) { "Area " (area.id) ": " (area.title) }
                div.scroll {
                    table.plan {
                        thead { tr { th { "Action" } th { "What" } th { "Lead" } th { "End" } th { "Status" } } }
                        tbody {
                            @for a in &area.actions {
                                tr {
                                    td.id { a href=(ctx.href(&format!("/actions/{}", query_escape(&a.id)))) { (a.id) } }
                                    td.what { (a.action) }
                                    td { (a.lead.as_deref().unwrap_or("")) }
                                    td { (a.end.as_deref().map(uk_date).unwrap_or_default()) }
                                    @match &a.status {
                                        Some(s) => td class=(rag_class(s.rag)) data-status=(s.status.to_string()) {
                                            (status_mark(&status_text(s), s.rag))
                                            @if let Some(w) = &a.withdrawn {
                                                br; em { "Withdrawn " (w.from) ": " (w.reason) }
                                            }
                                        },
                                        None => td {
                                            "No status"
                                            @if let Some(w) = &a.withdrawn {
                                                br; em { "Withdrawn " (w.from) ": " (w.reason) }
                                            }
                                        },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(h) = &view.head {
            p.note { "Ledger head: entry " (h.seq) " " code.hash { (h.hash.to_string()) } }
        }
    };
    Ok(page(&view.title, &frame(&ctx, &visitor, ""), body).into_response())
}

pub async fn matrix_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<AtQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &q).await?;
    // As `readiness matrix`: every review unless one is asked for.
    let m = matrix(&ctx.plan, q.as_of().and(ctx.point.as_ref()));
    let body = html! {
        h1 { "RAG matrix" }
        (ctx.timeline("/matrix"))
        (legend())
        div.scroll {
            table.matrix #matrix {
                caption { (m.title) }
                thead {
                    tr {
                        th scope="col" { "Action" }
                        @for r in &m.reviews {
                            th scope="col" data-review=(r.label) { (r.label) br; span.date { (uk_date(&r.date)) } }
                        }
                    }
                }
                tbody {
                    @for row in &m.rows {
                        tr data-action=(row.action) {
                            th scope="row" {
                                a href=(ctx.href(&format!("/actions/{}", query_escape(&row.action)))) { (row.action) }
                                @if row.withdrawn { " " em { "(withdrawn)" } }
                            }
                            @for (i, cell) in row.cells.iter().enumerate() {
                                @let review = m.reviews.get(i).map(|r| r.label.as_str()).unwrap_or("");
                                @match cell {
                                    Some(c) => td class=(rag_class(c.rag)) data-review=(review)
                                        data-status=(c.status.to_string()) data-rag=[c.rag.map(|r| r.as_str())] {
                                        (status_mark(&c.status, c.rag))
                                    },
                                    None => td data-review=(review) { span.sr { "no status" } },
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("RAG matrix", &frame(&ctx, &visitor, "/matrix"), body).into_response())
}
