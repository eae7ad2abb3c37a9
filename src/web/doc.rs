//! A report `Doc` (the one the command line prints as a table or Markdown) as dashboard
//! HTML: headings, notes and tables, status cells with their RAG shape and word.

use maud::{html, Markup};

use super::format::{rag_class, status_mark};
use crate::report::doc::{Block, Doc, Grid};

/// `doc` as HTML, its first heading skipped when the page has its own.
pub fn doc_markup(doc: &Doc, skip_first_heading: bool) -> Markup {
    let skip = skip_first_heading
        .then(|| {
            doc.blocks
                .iter()
                .position(|b| matches!(b, Block::Heading(_)))
        })
        .flatten();
    html! {
        @for (i, b) in doc.blocks.iter().enumerate() {
            @match b {
                Block::Heading(h) => @if Some(i) != skip { h2 { (h) } },
                Block::Note(n) => p.note { (n) },
                Block::Grid(g) => (grid_markup(g)),
            }
        }
    }
}

/// A grid as a table.
pub fn grid_markup(g: &Grid) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { @for h in &g.header { th scope="col" { (h) } } } }
                tbody {
                    @for row in &g.rows {
                        tr {
                            @for cell in row {
                                @if cell.rag.is_some() {
                                    td class=(rag_class(cell.rag)) { (status_mark(&cell.text, cell.rag)) }
                                } @else {
                                    td { (cell.text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
