//! Rendered JSON views kept for the plan head they were made from: a board's readers ask
//! for the same few views of an unchanged plan again and again, and the answer only changes
//! when an entry is appended.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::entry::{EntryHash, Seq};

/// Views kept at most for one head (then the cache starts again).
const MAX_VIEWS: usize = 256;

type Head = Option<(Seq, EntryHash)>;

/// The views rendered from one head.
#[derive(Default)]
pub struct ViewCache {
    slot: Mutex<(Head, HashMap<String, Bytes>)>,
}

impl ViewCache {
    /// The view `key` rendered from `head`, if kept.
    pub fn get(&self, head: Head, key: &str) -> Option<Response> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.0 == head {
            true => slot.1.get(key).map(|b| json(b.clone())),
            false => None,
        }
    }

    /// Renders `value` as the view `key` of `head`, keeps it, and answers with it.
    pub fn render(&self, head: Head, key: String, value: &impl serde::Serialize) -> Response {
        let body = match serde_json::to_vec(value) {
            Ok(b) => Bytes::from(b),
            Err(e) => {
                return super::ApiError::Internal(format!("the view could not be written: {e}"))
                    .into_response()
            }
        };
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if slot.0 != head || slot.1.len() >= MAX_VIEWS {
            slot.0 = head;
            slot.1.clear();
        }
        slot.1.insert(key, body.clone());
        json(body)
    }
}

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
