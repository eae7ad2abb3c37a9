//! `plan` as a terminal table without colour, streamed: the text of
//! `render(view, plan_doc, ..)` in that format, written from the view's rows straight to a
//! writer, each cell borrowed from the view where it can be rather than copied into a
//! [`super::Doc`] (a plan of ten thousand actions has seventy thousand cells).

use std::cell::RefCell;
use std::io;

use super::plain_grid::{Chunked, Rows, Sink, Table, Text, TooWide};
use super::safe_text;
use super::views::{area_note, plan_notes, plan_row, PLAN_COLUMNS};
use crate::plan::view::{ActionAt, ActionsAt, AreaAt, PlanAt};

/// Writes `view` exactly as `to_table(&plan_doc(view), false)` shows it, each area's
/// actions given by `actions`. Writes nothing and returns [`TooWide`] if a column is too
/// wide to lay out without comfy-table.
pub fn write_plan_table(
    out: &mut dyn io::Write,
    view: &PlanAt<'_>,
    actions: &impl PlanActions,
) -> io::Result<Result<(), TooWide>> {
    let rows = PlanRows {
        view,
        actions,
        kept: RefCell::default(),
    };
    let mut table = match Table::measure(&PLAN_COLUMNS, &rows, safe_text::terminal) {
        Ok(table) => table,
        Err(TooWide) => return Ok(Err(TooWide)),
    };
    let mut sink = Chunked::new(out);
    // `plan_doc`'s blocks as `to_table` writes them: the heading and notes, the grid, then
    // a note per area, each ending its line.
    let line = |sink: &mut Chunked<_>, text: &str| {
        sink.push_str(&safe_text::terminal(text));
        sink.push('\n');
    };
    line(&mut sink, &view.title);
    for note in plan_notes(view) {
        line(&mut sink, &note);
    }
    table.write(&mut sink)?;
    sink.push('\n');
    for area in &view.areas {
        line(&mut sink, &area_note(area));
    }
    sink.finish()?;
    Ok(Ok(()))
}

/// Where the table's actions come from: those a view holds ([`Held`]), or actions made
/// as they are read ([`ActionsAt`], with a [`crate::plan::view::plan_outline`]), so that
/// a plan of ten thousand actions is never a second list of them.
pub trait PlanActions {
    /// Hands `visit` the actions of `area` in plan order, stopping at the first error.
    fn each<E>(
        &self,
        area: &AreaAt<'_>,
        visit: impl FnMut(&ActionAt<'_>) -> Result<(), E>,
    ) -> Result<(), E>;

    /// How many actions [`PlanActions::each`] hands over across `view`'s areas, or a little
    /// more: the kept rows are given their room once rather than doubled into it.
    fn count(&self, view: &PlanAt<'_>) -> usize;
}

/// The actions each area of the view holds.
pub struct Held;

impl PlanActions for Held {
    fn each<E>(
        &self,
        area: &AreaAt<'_>,
        visit: impl FnMut(&ActionAt<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        area.actions.iter().try_for_each(visit)
    }

    fn count(&self, view: &PlanAt<'_>) -> usize {
        view.areas.iter().map(|a| a.actions.len()).sum()
    }
}

impl PlanActions for ActionsAt<'_> {
    fn each<E>(
        &self,
        area: &AreaAt<'_>,
        mut visit: impl FnMut(&ActionAt<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.of_area(&area.id).try_for_each(|a| visit(&a))
    }

    fn count(&self, _: &PlanAt<'_>) -> usize {
        ActionsAt::count(self)
    }
}

/// The plan's rows as `plan_doc` makes them, each made when it is first read. Pass 1 keeps
/// their text, so pass 2 copies it rather than making every row again (making a row is
/// most of the table's cost: its status found, its fields in effect, its cells).
struct PlanRows<'v, A> {
    view: &'v PlanAt<'v>,
    actions: &'v A,
    kept: RefCell<Option<KeptRows>>,
}

/// Rows' cells as one text, and where each cell ends in it.
struct KeptRows {
    text: String,
    ends: Vec<u32>,
    /// Rows expected in all: once a few are kept, their mean length sizes the text.
    rows: usize,
}

impl KeptRows {
    const CELLS: usize = PLAN_COLUMNS.len();
    /// Rows kept before the text is given room for the rest.
    const SAMPLE: usize = 32;

    fn for_rows(rows: usize) -> KeptRows {
        KeptRows {
            text: String::new(),
            ends: Vec::with_capacity(rows.saturating_mul(Self::CELLS).min(1 << 24)),
            rows,
        }
    }

    /// Keeps a row; false once the text outgrows the `u32` offsets (the rows are then
    /// made again).
    fn keep(&mut self, cells: &[std::borrow::Cow<'_, str>; Self::CELLS]) -> bool {
        if self.ends.len() == Self::SAMPLE * Self::CELLS && self.rows > Self::SAMPLE {
            // The mean row of the sample, an eighth more, for every row still to come.
            let per_row = self.text.len() / Self::SAMPLE + 1;
            let more = (self.rows - Self::SAMPLE).saturating_mul(per_row + per_row / 8);
            // Room refused is only room not given ahead: the text grows as it would have.
            let _ = self.text.try_reserve_exact(more.min(u32::MAX as usize));
        }
        for cell in cells {
            self.text.push_str(cell);
            match u32::try_from(self.text.len()) {
                Ok(end) => self.ends.push(end),
                Err(_) => return false,
            }
        }
        true
    }

    fn each_row<E>(&self, mut visit: impl FnMut(&[Text<'_>]) -> Result<(), E>) -> Result<(), E> {
        let mut start = 0;
        for ends in self.ends.chunks_exact(Self::CELLS) {
            let cells: [Text<'_>; Self::CELLS] = std::array::from_fn(|i| {
                let (from, to) = (if i == 0 { start } else { ends[i - 1] }, ends[i]);
                Text::Own(&self.text[from as usize..to as usize])
            });
            start = ends[Self::CELLS - 1];
            visit(&cells)?;
        }
        Ok(())
    }
}

impl<A: PlanActions> Rows for PlanRows<'_, A> {
    fn each_row<E>(&self, mut visit: impl FnMut(&[Text<'_>]) -> Result<(), E>) -> Result<(), E> {
        if let Some(kept) = &*self.kept.borrow() {
            return kept.each_row(visit);
        }
        let mut kept = Some(KeptRows::for_rows(self.actions.count(self.view)));
        for area in &self.view.areas {
            self.actions.each(area, |a| {
                let (cells, _) = plan_row(area, a);
                if kept.as_mut().is_some_and(|k| !k.keep(&cells)) {
                    kept = None;
                }
                visit(&cells.each_ref().map(|c| Text::Own(c)))
            })?;
        }
        *self.kept.borrow_mut() = kept;
        Ok(())
    }

    fn shared(&self, _: usize) -> &str {
        ""
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::entry::{EntryHash, Head};
    use crate::plan::view::{ActionAt, AreaAt, ReviewRef, StatusAt, WithdrawnAt};
    use crate::report::render::to_table;
    use crate::report::views::plan_doc;
    use crate::scale::Rag;

    fn status(name: &str, rag: Option<Rag>, marked: bool) -> StatusAt {
        StatusAt {
            status: name.into(),
            rag,
            review: "RAG May 20".into(),
            carried_forward: marked,
            seq: 4,
            recorded_at: "2021-01-01T00:00:00Z".into(),
            actor: "me".into(),
            note: None,
            late: marked,
            imported: false,
            corrected_by: marked.then_some(9),
            signed_by: Vec::new(),
            signoff_superseded: false,
        }
    }

    fn withdrawal(reason: &str) -> WithdrawnAt {
        WithdrawnAt {
            seq: 12,
            reason: reason.into(),
            from: "from RAG May 21".into(),
        }
    }

    /// The fast path's bytes, or none if it declined (having written nothing).
    fn streamed(view: &PlanAt) -> Option<String> {
        let mut out = Vec::new();
        let written = write_plan_table(&mut out, view, &Held).expect("a Vec takes all");
        if written.is_err() {
            assert!(out.is_empty(), "nothing written when declined");
            return None;
        }
        Some(String::from_utf8(out).expect("UTF-8"))
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 .()]{0,12}",
            any::<String>().prop_map(|s| s.chars().take(8).collect()),
            Just("wide \u{4e2d}\u{6587} e\u{301}".to_string()),
            Just("tab\there\nline \u{1b}[31m".to_string()),
        ]
    }

    fn action() -> impl Strategy<Value = ActionAt<'static>> {
        let rag = prop_oneof![Just(None), Just(Some(Rag::Red)), Just(Some(Rag::Blue))];
        let status = (text(), rag, any::<bool>()).prop_map(|(n, r, m)| status(&n, r, m));
        (
            (text(), text(), proptest::option::of(text())),
            proptest::option::of(status),
            proptest::option::of(text()),
            proptest::option::of(text()),
        )
            .prop_map(|((id, lead, end), status, gone, pending)| ActionAt {
                id: id.into(),
                action: "do it".into(),
                lead: Some(lead.into()),
                start: None,
                end: end.map(Into::into),
                status,
                withdrawn: gone.map(|r| withdrawal(&r)),
                withdrawal_pending: pending.map(|r| withdrawal(&r)),
            })
    }

    fn view() -> impl Strategy<Value = PlanAt<'static>> {
        let area = (text(), text(), proptest::collection::vec(action(), 0..4))
            .prop_map(|(id, title, actions)| AreaAt { id, title, actions });
        (
            text(),
            proptest::option::of(text()),
            proptest::collection::vec(area, 0..3),
        )
            .prop_map(|(title, review, areas)| PlanAt {
                title,
                origin: "o".into(),
                review: review.map(|label| ReviewRef {
                    label,
                    date: "2021-05-31".into(),
                }),
                head: Some(Head {
                    seq: 7,
                    hash: EntryHash([3; 32]),
                }),
                areas,
            })
    }

    proptest! {
        #[test]
        fn the_streamed_table_is_the_documents(v in view()) {
            prop_assert_eq!(streamed(&v), Some(to_table(&plan_doc(&v), false)));
        }
    }

    /// A table many times [`Chunked`]'s chunk: every chunk ends with a whole row, and the
    /// text is the document's byte for byte.
    #[test]
    fn a_table_of_many_chunks_is_the_documents() {
        let actions: Vec<ActionAt> = (0..3_000)
            .map(|i| ActionAt {
                id: format!("1.{i}").into(),
                action: "do it".into(),
                lead: Some(format!("Lead {}", i % 17).into()),
                start: None,
                end: Some("March 21".into()),
                status: Some(status("Embedded", Some(Rag::Blue), i % 5 == 0)),
                withdrawn: None,
                withdrawal_pending: None,
            })
            .collect();
        let v = PlanAt {
            title: "T".into(),
            origin: "o".into(),
            review: None,
            head: None,
            areas: vec![AreaAt {
                id: "1".into(),
                title: "One".into(),
                actions,
            }],
        };
        let whole = to_table(&plan_doc(&v), false);
        assert!(whole.len() > 4 * (1 << 16), "{} bytes", whole.len());
        assert_eq!(streamed(&v), Some(whole));
    }

    #[test]
    fn a_column_too_wide_is_declined() {
        let mut v = PlanAt {
            title: "T".into(),
            origin: "o".into(),
            review: None,
            head: None,
            areas: Vec::new(),
        };
        assert_eq!(
            streamed(&v).as_deref(),
            Some(to_table(&plan_doc(&v), false).as_str())
        );
        v.areas.push(AreaAt {
            id: "x".repeat(70_000),
            title: "wide".into(),
            actions: vec![ActionAt {
                id: "1.1".into(),
                action: "a".into(),
                lead: None,
                start: None,
                end: None,
                status: None,
                withdrawn: None,
                withdrawal_pending: None,
            }],
        });
        assert_eq!(streamed(&v), None);
    }

    #[test]
    fn actions_made_as_read_give_the_table_of_the_whole_view() {
        use crate::asof::ResolvedPoint;
        use crate::event::{ActionAdded, ActionAmended, ActionWithdrawn, Event, StatusRecorded};
        use crate::plan::view::{plan_at, plan_outline, ActionsAt};
        use crate::test_events::{area, plan_from, small_plan};

        let mut events = small_plan();
        events.push(area("2"));
        for (id, area) in [("1.2", "1"), ("2.1", "2"), ("1.3", "1")] {
            events.push(Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: area.into(),
                action: format!("Action {id}"),
                end: Some("March 21".into()),
                ..Default::default()
            }));
        }
        events.push(Event::StatusRecorded(StatusRecorded {
            action: "1.2".into(),
            review: "R1".into(),
            status: "Embedded".into(),
            note: None,
        }));
        // Amended from R2: a view at R1 shows the old lead, made for the view.
        events.push(Event::ActionAmended(ActionAmended {
            id: "1.1".into(),
            changes: [("lead".to_string(), "New lead".to_string())].into(),
            reason: "moved".into(),
            from: Some("R2".into()),
        }));
        events.push(Event::ActionWithdrawn(ActionWithdrawn {
            id: "2.1".into(),
            reason: "merged".into(),
            from: Some("R2".into()),
        }));
        let plan = plan_from(&events);
        for (label, date) in [("R1", "2020-05-31"), ("R2", "2020-08-31")] {
            let point = ResolvedPoint {
                label: label.into(),
                date: date.into(),
            };
            let whole = plan_at(&plan, Some(&point));
            let mut out = Vec::new();
            let outline = plan_outline(&plan, Some(&point));
            let actions = ActionsAt::new(&plan, Some(&point));
            let written = write_plan_table(&mut out, &outline, &actions).expect("a Vec");
            assert!(written.is_ok());
            let text = String::from_utf8(out).expect("UTF-8");
            assert_eq!(text, to_table(&plan_doc(&whole), false));
            assert!(text.contains(if label == "R1" {
                "Old lead"
            } else {
                "New lead"
            }));
            let withdrawn = if label == "R1" {
                "(to be withdrawn from R2"
            } else {
                "Withdrawn from R2"
            };
            assert!(text.contains(withdrawn), "{text}");
        }
    }
}
