//! Process-wide tables of what has to be `'static` on the other side of the bridge: klog
//! [`Callsite`]s for slog call sites, and slog keys for klog keys.
//!
//! Both are keyed by what is compiled into the program (call sites, key literals), so
//! they stay small; each has a cap so that a program building keys at run time cannot
//! grow them without bound. A lookup first tries a small per-thread cache, then the
//! shared table.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{PoisonError, RwLock};

use klog::Callsite;

/// At most this many call sites are kept; later ones are built per record.
const MAX_CALLSITES: usize = 1 << 16;
/// At most this many distinct keys are kept; later ones are written as [`OVERFLOW_KEY`].
const MAX_KEYS: usize = 4096;
/// The key written in place of one that could not be kept.
pub(crate) const OVERFLOW_KEY: &str = "!BADKEY";
/// Slots of the per-thread caches (a power of two).
const CACHE_SLOTS: usize = 64;

/// A call site by the addresses of its `'static` strings and its line: two records
/// from the same `slog` macro call always have the same key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct CallsiteKey {
    file: (usize, usize),
    module: (usize, usize),
    line: u32,
}

impl CallsiteKey {
    fn new(file: &'static str, line: u32, module: &'static str) -> Self {
        CallsiteKey {
            file: (file.as_ptr() as usize, file.len()),
            module: (module.as_ptr() as usize, module.len()),
            line,
        }
    }

    fn slot(&self) -> usize {
        let h = (self.file.0 ^ self.module.0.rotate_left(17) ^ (self.line as usize))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
        (h >> 7) & (CACHE_SLOTS - 1)
    }
}

type CallsiteCache = [Option<(CallsiteKey, &'static Callsite)>; CACHE_SLOTS];

thread_local! {
    static CALLSITE_CACHE: RefCell<CallsiteCache> = const { RefCell::new([None; CACHE_SLOTS]) };
    static KEY_CACHE: RefCell<[Option<&'static str>; CACHE_SLOTS]> =
        const { RefCell::new([None; CACHE_SLOTS]) };
}

static CALLSITES: RwLock<Option<HashMap<CallsiteKey, &'static Callsite>>> = RwLock::new(None);
static KEYS: RwLock<Option<HashSet<&'static str>>> = RwLock::new(None);

/// The klog call site for a slog record's location, `None` once the table is full (the
/// caller then builds one per record).
pub(crate) fn callsite(
    file: &'static str,
    line: u32,
    module: &'static str,
) -> Option<&'static Callsite> {
    let key = CallsiteKey::new(file, line, module);
    let slot = key.slot();
    let cached = CALLSITE_CACHE
        .try_with(|c| match c.borrow()[slot] {
            Some((k, callsite)) if k == key => Some(callsite),
            _ => None,
        })
        .ok()
        .flatten();
    if cached.is_some() {
        return cached;
    }
    let callsite = shared_callsite(key, file, line, module)?;
    let _ = CALLSITE_CACHE.try_with(|c| c.borrow_mut()[slot] = Some((key, callsite)));
    Some(callsite)
}

#[cold]
#[inline(never)]
fn shared_callsite(
    key: CallsiteKey,
    file: &'static str,
    line: u32,
    module: &'static str,
) -> Option<&'static Callsite> {
    if let Some(found) = CALLSITES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|map| map.get(&key).copied())
    {
        return Some(found);
    }
    let mut guard = CALLSITES.write().unwrap_or_else(PoisonError::into_inner);
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(found) = map.get(&key) {
        return Some(found);
    }
    if map.len() >= MAX_CALLSITES {
        return None;
    }
    // One per call site of the program, kept for its lifetime, like the `static` the klog
    // macros declare: it caches the call site's `-vmodule` level and its rendering.
    let callsite: &'static Callsite = Box::leak(Box::new(Callsite::new(file, line, module)));
    map.insert(key, callsite);
    Some(callsite)
}

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
