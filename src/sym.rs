//! Interned strings: the few texts a large plan repeats on every status (review labels,
//! status names, actors, batch times) stored once per process and named by a 4-byte id.
//!
//! A plan of a million statuses holds each of them in a handful of bytes instead of a
//! 16-byte shared pointer per string, which keeps replay and verify within the memory of the
//! plan's shape. Interned text is never freed: a process meets few distinct texts (one
//! `recorded_at` per batch, a few dozen labels), and a long-running server holds them in its
//! plan anyway.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU32;
use std::sync::{Mutex, OnceLock};

/// An interned string: compares and copies as an integer, reads as `&str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sym(NonZeroU32);

/// Ids are split into buckets of doubling size (bucket `k` holds ids `2^k .. 2^(k+1)`), so
/// the table grows without moving what readers already see, and reading takes no lock.
const BUCKETS: usize = 32;

type Bucket = Box<[OnceLock<&'static str>]>;

static TABLE: [OnceLock<Bucket>; BUCKETS] = [const { OnceLock::new() }; BUCKETS];

/// The writer's side: text to id. Taken only when this thread has not met the text before.
static IDS: Mutex<Option<HashMap<&'static str, NonZeroU32>>> = Mutex::new(None);

thread_local! {
    /// Texts this thread has interned or looked up: most lookups never take the lock.
    static SEEN: RefCell<foldhash::HashMap<&'static str, Sym>> = RefCell::default();
}

fn slot(id: u32) -> (usize, usize) {
    let k = (u32::BITS - 1 - id.leading_zeros()) as usize;
    (k, (id - (1 << k)) as usize)
}

impl Sym {
    /// The id of `text`, interning it on first use in this process.
    pub fn new(text: &str) -> Sym {
        if let Some(sym) = SEEN.with(|seen| seen.borrow().get(text).copied()) {
            return sym;
        }
        let sym = Sym::intern(text);
        SEEN.with(|seen| seen.borrow_mut().insert(sym.as_str(), sym));
        sym
    }

    /// [`Sym::new`] for text seldom met twice (notes): not remembered by the thread, so a
    /// thread's cache stays the size of the plan's repeated texts.
    pub fn rare(text: &str) -> Sym {
        if let Some(sym) = SEEN.with(|seen| seen.borrow().get(text).copied()) {
            return sym;
        }
        Sym::intern(text)
    }

    /// The id of `text` if this process has interned it, without interning it: a lookup
    /// by text that never grows the table. A text found is remembered by the thread (these
    /// are labels looked up again and again, not notes), so a server's reader threads do
    /// not take the lock for every status they read.
    pub fn existing(text: &str) -> Option<Sym> {
        if let Some(sym) = SEEN.with(|seen| seen.borrow().get(text).copied()) {
            return Some(sym);
        }
        let found = {
            let ids = IDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            ids.as_ref()?.get(text).map(|&id| Sym(id))?
        };
        SEEN.with(|seen| seen.borrow_mut().insert(found.as_str(), found));
        Some(found)
    }

    /// The order of first interning in this process: an integer compare, for containers
    /// that need some order but not the text's.
    pub fn id(self) -> u32 {
        self.0.get()
    }

    fn intern(text: &str) -> Sym {
        let mut ids = IDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let ids = ids.get_or_insert_with(HashMap::new);
        if let Some(&id) = ids.get(text) {
            return Sym(id);
        }
        let next = u32::try_from(ids.len() + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .filter(|id| id.get() < u32::MAX)
            .expect("fewer than 2^32 distinct interned strings");
        let leaked: &'static str = Box::leak(text.into());
        let (k, at) = slot(next.get());
        let bucket = TABLE[k].get_or_init(|| (0..1usize << k).map(|_| OnceLock::new()).collect());
        // The slot is filled before the id is handed out, so every reader finds it set.
        let _ = bucket[at].set(leaked);
        ids.insert(leaked, next);
        Sym(next)
    }

    /// The interned text, valid for the life of the process.
    pub fn as_str(self) -> &'static str {
        let (k, at) = slot(self.0.get());
        TABLE[k]
            .get()
            .and_then(|bucket| bucket[at].get())
            .expect("a Sym is made only after its text is stored")
    }
}

impl std::ops::Deref for Sym {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Lets maps keyed by `Sym` be searched with `&str`; hashing and ordering follow the text.
impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// Ordered by text, as the strings it replaces were: output never depends on which text a
/// process happened to meet first.
impl Ord for Sym {
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if self.0 == other.0 {
            std::cmp::Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        Sym::new(text)
    }
}

impl From<&String> for Sym {
    fn from(text: &String) -> Sym {
        Sym::new(text)
    }
}

impl From<String> for Sym {
    fn from(text: String) -> Sym {
        Sym::new(&text)
    }
}

impl std::fmt::Debug for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Sym {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sym, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Sym::new(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_the_same_id_on_every_thread() {
        let here = Sym::new("RAG May 21");
        let there = std::thread::spawn(|| Sym::new("RAG May 21"))
            .join()
            .unwrap();
        assert_eq!(here, there);
        assert_eq!(there.as_str(), "RAG May 21");
        assert_ne!(Sym::new("RAG May 21"), Sym::new("RAG May 22"));
    }

    #[test]
    fn existing_finds_what_any_thread_interned_and_interns_nothing() {
        let made = std::thread::spawn(|| Sym::new("zz existing test"))
            .join()
            .unwrap();
        assert_eq!(Sym::existing("zz existing test"), Some(made));
        assert_eq!(Sym::existing("zz existing test"), Some(made));
        // Asked twice: had the first lookup interned it, the second would find it.
        assert_eq!(Sym::existing("zz never interned"), None);
        assert_eq!(Sym::existing("zz never interned"), None);
    }

    #[test]
    fn order_and_hash_follow_the_text_not_the_id() {
        let later = Sym::new("zz order test b");
        let earlier = Sym::new("zz order test a");
        assert!(earlier < later);
        let mut set = std::collections::HashSet::new();
        set.insert(later);
        assert!(set.contains("zz order test b"));
    }

    #[test]
    fn texts_stay_readable_as_the_table_grows_past_several_buckets() {
        let syms: Vec<(String, Sym)> = (0..5000)
            .map(|i| {
                let t = format!("grow {i}");
                let s = Sym::new(&t);
                (t, s)
            })
            .collect();
        for (t, s) in &syms {
            assert_eq!(s.as_str(), t);
        }
    }

    #[test]
    fn ids_fill_their_bucket_slots() {
        assert_eq!(slot(1), (0, 0));
        assert_eq!(slot(2), (1, 0));
        assert_eq!(slot(3), (1, 1));
        assert_eq!(slot(4), (2, 0));
        assert_eq!(
            slot(u32::MAX - 1),
            (31, (u32::MAX - 1 - (1 << 31)) as usize)
        );
    }
}
