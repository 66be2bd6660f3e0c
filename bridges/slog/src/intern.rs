//! Process-wide tables of what has to be `'static` on the other side of the bridge: klog
//! [`Callsite`]s for slog call sites, and slog keys for klog keys.
//!
//! Both are keyed by what is compiled into the program (call sites, key literals), so
//! they stay small; each has a cap so that a program building keys at run time cannot
//! grow them without bound. A lookup first tries a small per-thread cache, then the
//! shared table.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{PoisonError, RwLock};

/// At most this many distinct keys are kept; later ones are written as [`OVERFLOW_KEY`].
const MAX_KEYS: usize = 4096;
/// The key written in place of one that could not be kept.
pub(crate) const OVERFLOW_KEY: &str = "!BADKEY";
/// Slots of the per-thread cache (a power of two).
const CACHE_SLOTS: usize = 64;

thread_local! {
    static KEY_CACHE: RefCell<[Option<&'static str>; CACHE_SLOTS]> =
        const { RefCell::new([None; CACHE_SLOTS]) };
}

static KEYS: RwLock<Option<HashSet<&'static str>>> = RwLock::new(None);

/// The klog call site for a slog record's location: klog's shared table.
pub(crate) use klog::bridge::intern_callsite as callsite;

/// A `'static` copy of `key` (slog keys are `&'static str`), or [`OVERFLOW_KEY`] once
/// [`MAX_KEYS`] distinct keys are kept.
pub(crate) fn key(key: &str) -> &'static str {
    let slot = key_slot(key);
    let cached = KEY_CACHE
        .try_with(|c| c.borrow()[slot].filter(|k| *k == key))
        .ok()
        .flatten();
    if let Some(found) = cached {
        return found;
    }
    let interned = shared_key(key);
    let _ = KEY_CACHE.try_with(|c| c.borrow_mut()[slot] = Some(interned));
    interned
}

fn key_slot(key: &str) -> usize {
    // FNV-1a over at most the first 16 bytes and the length: keys are short.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ key.len() as u64;
    for &b in key.as_bytes().iter().take(16) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h as usize) & (CACHE_SLOTS - 1)
}

#[cold]
#[inline(never)]
fn shared_key(key: &str) -> &'static str {
    if let Some(found) = KEYS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|set| set.get(key).copied())
    {
        return found;
    }
    let mut guard = KEYS.write().unwrap_or_else(PoisonError::into_inner);
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(found) = set.get(key) {
        return found;
    }
    if set.len() >= MAX_KEYS {
        return OVERFLOW_KEY;
    }
    let interned: &'static str = Box::leak(key.into());
    set.insert(interned);
    interned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callsites_are_shared_per_location() {
        let a = callsite("src/a.rs", 3, "app::a").expect("kept");
        let b = callsite("src/a.rs", 3, "app::a").expect("kept");
        assert!(std::ptr::eq(a, b));
        assert_eq!(
            (a.file(), a.line(), a.module_path()),
            ("src/a.rs", 3, "app::a")
        );
        let c = callsite("src/a.rs", 4, "app::a").expect("kept");
        assert!(!std::ptr::eq(a, c));
    }

    #[test]
    fn keys_are_interned_by_content() {
        let owned = String::from("podName");
        let a = key(&owned);
        let b = key("podName");
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "podName");
        assert_eq!(key("other"), "other");
    }
}
