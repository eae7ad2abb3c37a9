//! What a plan's page starts from: the visitor's role for the plan, the plan folded as known
//! at a date, the review a page is at, and the review timeline to step through.

use maud::{html, Markup};
use serde::Deserialize;

use super::error::PageError;
use super::format::{query_escape, uk_date};
use super::session::Visitor;
use crate::asof::ResolvedPoint;
use crate::plan::Plan;
use crate::server::api::{plan_of, point, served, Caller};
use crate::server::AppState;

/// `as_of` and `known_at`, as the API and the command line take them; empty fields (from
/// a form left blank) count as absent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AtQuery {
    pub as_of: Option<String>,
    pub known_at: Option<String>,
}

impl AtQuery {
    fn clean(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
    pub fn as_of(&self) -> Option<String> {
        Self::clean(&self.as_of)
    }
    pub fn known_at(&self) -> Option<String> {
        Self::clean(&self.known_at)
    }
}

/// A plan page's footing.
pub struct PlanCtx {
    pub name: String,
    pub caller: Caller,
    pub plan: std::sync::Arc<Plan>,
    pub point: Option<ResolvedPoint>,
    pub known_at: Option<String>,
}

impl PlanCtx {
    /// Checks the visitor may read `name`, folds it as known at `q.known_at` and resolves
    /// `q.as_of` (default: the latest review on or before today), as the API does.
    pub async fn load(
        state: &AppState,
        visitor: &Visitor,
        name: &str,
        q: &AtQuery,
    ) -> Result<PlanCtx, PageError> {
        let caller = visitor.caller(state, name)?;
        let known_at = q.known_at();
        let plan = plan_of(served(state, name)?, known_at.clone()).await?;
        let point = point(state, &plan, q.as_of().as_deref())?;
        Ok(PlanCtx {
            name: name.to_string(),
            caller,
            plan,
            point,
            known_at,
        })
    }

    /// The head seq of the plan as loaded.
    pub fn head(&self) -> Option<u64> {
        self.plan.head.map(|(s, _)| s.0)
    }

    /// `/plans/NAME` + `rest`.
    pub fn href(&self, rest: &str) -> String {
        format!("/plans/{}{rest}", query_escape(&self.name))
    }

    /// The review timeline for the page at `path`: every review, the current one marked,
    /// with previous and next, and the "as known on" form.
    pub fn timeline(&self, path: &str) -> Markup {
        let reviews = self.plan.reviews_by_date();
        let current = self.point.as_ref().map(|p| p.label.as_str());
        let at = reviews
            .iter()
            .position(|r| Some(r.label.as_str()) == current);
        let known = self
            .known_at
            .as_deref()
            .map(|k| format!("&known_at={}", query_escape(k)))
            .unwrap_or_default();
        let link =
            |label: &str| format!("{}?as_of={}{known}", self.href(path), query_escape(label));
        let prev = at
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| reviews.get(i));
        let next = at.and_then(|i| reviews.get(i + 1));
        html! {
            nav.timeline aria-label="Review timeline" {
                p.step {
                    @if let Some(r) = prev {
                        a rel="prev" href=(link(&r.label)) { "\u{2190} " (r.label) }
                    }
                    @if let Some(p) = &self.point {
                        strong.at { "At " (p.label) " (" (uk_date(&p.date)) ")" }
                    } @else {
                        strong.at { "No reviews yet" }
                    }
                    @if let Some(r) = next {
                        a rel="next" href=(link(&r.label)) { (r.label) " \u{2192}" }
                    }
                }
                ol.reviews {
                    @for r in &reviews {
                        li {
                            @if Some(r.label.as_str()) == current {
                                a href=(link(&r.label)) aria-current="step" {
                                    (r.label) span.date { (uk_date(&r.date)) }
                                }
                            } @else {
                                a href=(link(&r.label)) {
                                    (r.label) span.date { (uk_date(&r.date)) }
                                }
                            }
                        }
                    }
                }
                form.known method="get" action=(self.href(path)) {
                    @if let Some(p) = &self.point {
                        input type="hidden" name="as_of" value=(p.label);
                    }
                    label for="known_at" { "As the ledger knew it on" }
                    input #known_at type="date" name="known_at" value=[self.known_at.as_deref()];
                    button type="submit" { "Show" }
                    @if let Some(k) = &self.known_at {
                        span.known-note { " Showing what was recorded by " (uk_date(k)) "." }
                    }
                }
            }
        }
    }
}
