//! The bridges' one interning table: what must be `'static` on one side of a bridge and
//! is not on the other. klog [`Callsite`]s for other frameworks' call sites, and
//! `'static` copies of keys.
//!
//! Both are keyed by what is compiled into the program (call sites, key literals), so
//! they stay small; each has a cap so that a program building them at run time cannot
//! grow them without bound. A lookup first tries a small per-thread cache, then the
//! shared table.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{PoisonError, RwLock};

use crate::callsite::Callsite;

/// At most this many call sites are kept; later ones are built per record.
const MAX_CALLSITES: usize = 1 << 16;
/// At most this many distinct keys are kept.
const MAX_KEYS: usize = 4096;
/// Slots of the per-thread caches (a power of two).
const CACHE_SLOTS: usize = 64;

/// A call site by the addresses of its `'static` strings and its line: two records
/// from the same macro call always have the same key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct CallsiteKey {
    file: (usize, usize),
    module: (usize, usize),
    line: u32,
}

impl CallsiteKey {
    /// No call site's: string addresses are never 0.
    const NONE: CallsiteKey = CallsiteKey {
        file: (0, 0),
        module: (0, 0),
        line: 0,
    };

    #[inline]
    fn new(file: &str, line: u32, module: &str) -> Self {
        CallsiteKey {
            file: (file.as_ptr() as usize, file.len()),
            module: (module.as_ptr() as usize, module.len()),
            line,
        }
    }

    #[inline]
    fn slot(&self) -> usize {
        let h = (self.file.0 ^ self.module.0.rotate_left(17) ^ (self.line as usize))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
        (h >> 7) & (CACHE_SLOTS - 1)
    }
}

type CallsiteSlot = Cell<(CallsiteKey, Option<&'static Callsite>)>;

thread_local! {
    static CALLSITE_CACHE: [CallsiteSlot; CACHE_SLOTS] =
        const { [const { Cell::new((CallsiteKey::NONE, None)) }; CACHE_SLOTS] };
    static KEY_CACHE: RefCell<[Option<&'static str>; CACHE_SLOTS]> =
        const { RefCell::new([None; CACHE_SLOTS]) };
}

static CALLSITES: RwLock<Option<HashMap<CallsiteKey, &'static Callsite>>> = RwLock::new(None);
static KEYS: RwLock<Option<HashSet<&'static str>>> = RwLock::new(None);

/// A shared `'static` klog call site for a location of another framework's call site
/// (klog records refer to a `'static` call site, which caches its `-vmodule` level and
/// its rendering): one per location, kept for the program's lifetime like the `static`
/// the klog macros declare. `None` once 65,536 locations are kept (then build a
/// [`Callsite`] per record). A lookup first tries a small per-thread cache.
///
/// The strings must be the other framework's `'static` strings of that call site: the
/// table is keyed by their addresses.
///
/// ```
/// let a = klog::bridge::intern_callsite("src/a.rs", 3, "app::a").unwrap();
/// let b = klog::bridge::intern_callsite("src/a.rs", 3, "app::a").unwrap();
/// assert!(std::ptr::eq(a, b));
/// assert_eq!(a.line(), 3);
/// ```
#[inline]
#[must_use]
pub fn intern_callsite(
    file: &'static str,
    line: u32,
    module: &'static str,
) -> Option<&'static Callsite> {
    let key = CallsiteKey::new(file, line, module);
    if let Some(found) = cached_callsite(key) {
        return Some(found);
    }
    let callsite = shared_callsite(key, file, line, module)?;
    cache_callsite(key, callsite);
    Some(callsite)
}

/// The call site [`intern_callsite`] made for these strings (the same ones: the lookup
/// is by address), if it made one; never makes one. For a framework that asks about a
/// call site whose strings it lends only for the call.
///
/// ```
/// static FILE: &str = "src/b.rs";
/// assert!(klog::bridge::find_callsite(FILE, 7, "app::b").is_none());
/// let made = klog::bridge::intern_callsite(FILE, 7, "app::b").unwrap();
/// let found = klog::bridge::find_callsite(FILE, 7, "app::b").unwrap();
/// assert!(std::ptr::eq(made, found));
/// ```
#[must_use]
pub fn find_callsite(file: &str, line: u32, module: &str) -> Option<&'static Callsite> {
    let key = CallsiteKey::new(file, line, module);
    if let Some(found) = cached_callsite(key) {
        return Some(found);
    }
    let found = CALLSITES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|map| map.get(&key).copied())?;
    cache_callsite(key, found);
    Some(found)
}

#[inline]
fn cached_callsite(key: CallsiteKey) -> Option<&'static Callsite> {
    CALLSITE_CACHE
        .try_with(|c| match c[key.slot()].get() {
            (k, callsite) if k == key => callsite,
            _ => None,
        })
        .ok()
        .flatten()
}

fn cache_callsite(key: CallsiteKey, callsite: &'static Callsite) {
    let _ = CALLSITE_CACHE.try_with(|c| c[key.slot()].set((key, Some(callsite))));
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

/// A `'static` copy of `key`, for frameworks whose keys or field names are `&'static str`
/// (slog's keys, tracing's field names): one per distinct key, kept for the program's
/// lifetime. `None` once 4,096 distinct keys are kept.
///
/// ```
/// let owned = String::from("podName");
/// let a = klog::bridge::intern_key(&owned).unwrap();
/// let b = klog::bridge::intern_key("podName").unwrap();
/// assert!(std::ptr::eq(a, b));
/// ```
#[inline]
#[must_use]
pub fn intern_key(key: &str) -> Option<&'static str> {
    let slot = key_slot(key);
    let cached = KEY_CACHE
        .try_with(|c| c.borrow()[slot].filter(|k| *k == key))
        .ok()
        .flatten();
    if cached.is_some() {
        return cached;
    }
    let interned = shared_key(key)?;
    let _ = KEY_CACHE.try_with(|c| c.borrow_mut()[slot] = Some(interned));
    Some(interned)
}

#[inline]
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
fn shared_key(key: &str) -> Option<&'static str> {
    if let Some(found) = KEYS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|set| set.get(key).copied())
    {
        return Some(found);
    }
    let mut guard = KEYS.write().unwrap_or_else(PoisonError::into_inner);
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(found) = set.get(key) {
        return Some(found);
    }
    if set.len() >= MAX_KEYS {
        return None;
    }
    let interned: &'static str = Box::leak(key.into());
    set.insert(interned);
    Some(interned)
}
