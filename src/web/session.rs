//! Dashboard sessions: a token typed once at sign-in becomes an HttpOnly, SameSite=Strict
//! cookie naming a server-side session; the token is checked again on every request, so a
//! revocation holds at once, and every form carries the session's CSRF token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use super::error::PageError;
use crate::server::api::{caller_of, Caller};
use crate::server::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "rl_session";
/// The cookie that ties the sign-in form to the browser that asked for it.
pub const SIGNIN_COOKIE: &str = "rl_signin";
/// A session unused this long is forgotten.
const IDLE: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept at once; the least recently used go first.
const MAX_SESSIONS: usize = 10_000;

/// One signed-in browser.
#[derive(Clone)]
struct Session {
    token: String,
    csrf: String,
    used: Instant,
}

/// Every open session, by its cookie's value.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

/// A random value for a cookie or a CSRF field.
pub fn random_id() -> String {
    let mut raw = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    crate::hex::encode(&raw)
}

/// Equal, compared in constant time.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Sessions {
    /// Opens a session for `token`; returns the cookie value.
    pub fn open(&self, token: String) -> String {
        let id = random_id();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, s| s.used.elapsed() < IDLE);
        if open.len() >= MAX_SESSIONS {
            if let Some(oldest) = open
                .iter()
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone())
            {
                open.remove(&oldest);
            }
        }
        open.insert(
            id.clone(),
            Session {
                token,
                csrf: random_id(),
                used: Instant::now(),
            },
        );
        id
    }

    /// Forgets the session `id`.
    pub fn close(&self, id: &str) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(id);
    }

    /// The token behind session `id`, if it is open.
    pub fn token_of(&self, id: &str) -> Option<String> {
        self.get(id).map(|s| s.token)
    }

    fn get(&self, id: &str) -> Option<Session> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let s = open.get_mut(id)?;
        if s.used.elapsed() >= IDLE {
            open.remove(id);
            return None;
        }
        s.used = Instant::now();
        Some(s.clone())
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value for an HttpOnly, SameSite=Strict cookie (`max_age` 0 removes it).
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> String {
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}")
}

/// A signed-in visitor: the session's token and CSRF token.
pub struct Visitor {
    pub session: String,
    token: String,
    pub csrf: String,
}

impl Visitor {
    /// Who the visitor is for `plan`, with the same roles as the API.
    pub fn caller(&self, state: &AppState, plan: &str) -> Result<Caller, PageError> {
        caller_of(state, Some(&self.token), plan).map_err(PageError::from)
    }

    /// Refuses a form whose CSRF field is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if same(given, &self.csrf) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, PageError> {
        let next = parts.uri.to_string();
        let sign_in = || PageError::SignIn { next: next.clone() };
        let id = cookie(&parts.headers, COOKIE).ok_or_else(sign_in)?;
        let session = state.sessions.get(&id).ok_or_else(sign_in)?;
        // A token revoked since sign-in ends the session.
        if caller_of(state, Some(&session.token), "").is_err()
            && !state
                .plans
                .keys()
                .any(|p| caller_of(state, Some(&session.token), p).is_ok())
        {
            state.sessions.close(&id);
            return Err(sign_in());
        }
        Ok(Visitor {
            session: id,
            token: session.token,
            csrf: session.csrf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_its_token_until_closed() {
        let sessions = Sessions::default();
        let id = sessions.open("rl_token".into());
        let s = sessions.get(&id).unwrap();
        assert_eq!(s.token, "rl_token");
        assert_eq!(s.csrf.len(), 64);
        assert!(sessions.get("another").is_none());
        sessions.close(&id);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn cookies_are_read_by_name_and_set_http_only_and_strict() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; rl_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "rl_"), None);
        let set = set_cookie(COOKIE, "abc", None);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
