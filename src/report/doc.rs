//! A small document model shared by every text renderer: headings, notes and grids.

use std::borrow::Cow;

use crate::scale::Rag;

/// One cell: its text and, for statuses, the RAG colour to show it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Borrowed when the text lives for the process (an interned status name), so that a
    /// matrix of a million cells does not copy a million strings.
    pub text: Cow<'static, str>,
    pub rag: Option<Rag>,
}

impl Cell {
    /// A plain cell.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: Cow::Owned(text.into()),
            rag: None,
        }
    }

    /// A status cell coloured by its RAG.
    pub fn status(text: impl Into<String>, rag: Option<Rag>) -> Cell {
        Cell {
            text: Cow::Owned(text.into()),
            rag,
        }
    }

    /// A status cell whose text lives for the process (an interned name): not copied.
    pub fn fixed_status(text: &'static str, rag: Option<Rag>) -> Cell {
        Cell {
            text: Cow::Borrowed(text),
            rag,
        }
    }
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    /// A grid with these column names and no rows.
    pub fn new(header: &[&str]) -> Grid {
        Grid {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

/// A part of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Note(String),
    Grid(Grid),
}

/// What a projection looks like to a reader, before choosing a format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    /// Adds a heading.
    pub fn heading(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Heading(s.into()));
    }
    /// Adds a line of text.
    pub fn note(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Note(s.into()));
    }
    /// Adds a table.
    pub fn grid(&mut self, g: Grid) {
        self.blocks.push(Block::Grid(g));
    }
    /// The grids alone, for CSV.
    pub fn grids(&self) -> impl Iterator<Item = &Grid> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Grid(g) => Some(g),
            _ => None,
        })
    }
}
