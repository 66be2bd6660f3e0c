//! One `'static` klog [`Callsite`] per tracing call site.
//!
//! klog keeps two things in a call site: its rendered `file.rs:42` (for the text header
//! and JSON `caller`) and its cached `-vmodule` level. Both are meant to be computed once
//! per call site, so the layer keeps one klog call site per tracing call site (leaked:
//! call sites are as many as the program has `tracing` macros), found by the address of
//! the tracing metadata. A small per-thread direct-mapped cache in front of the shared
//! map makes the lookup a few loads.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use klog::Callsite;
use tracing::Metadata;

/// What the layer knows about a tracing call site.
#[derive(Debug)]
pub(crate) struct CallsiteInfo {
    /// The klog call site: the tracing file, line and module path.
    pub(crate) klog: Callsite,
    /// Whether the tracing metadata has a file (else the header shows an unknown caller).
    pub(crate) has_file: bool,
    /// Whether the call site has a `v` field (its level is known only per event).
    pub(crate) has_v: bool,
}

static SHARED: LazyLock<RwLock<HashMap<usize, &'static CallsiteInfo>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

const FRONT_SLOTS: usize = 64;

type Slot = Cell<(usize, Option<&'static CallsiteInfo>)>;

thread_local! {
    static FRONT: [Slot; FRONT_SLOTS] = const { [const { Cell::new((0, None)) }; FRONT_SLOTS] };
}

fn key(metadata: &Metadata<'_>) -> usize {
    std::ptr::from_ref(metadata) as usize
}

fn slot_index(key: usize) -> usize {
    ((key >> 4) ^ (key >> 11)) % FRONT_SLOTS
}

/// The call site of `metadata`, created on first use.
#[inline]
pub(crate) fn info(metadata: &'static Metadata<'static>) -> &'static CallsiteInfo {
    match cached(metadata) {
        Some(info) => info,
        None => insert(metadata),
    }
}

/// The call site of `metadata` if it was created before (a non-`'static` metadata cannot
/// create one).
#[inline]
pub(crate) fn cached(metadata: &Metadata<'_>) -> Option<&'static CallsiteInfo> {
    let key = key(metadata);
    let index = slot_index(key);
    let front = FRONT
        .try_with(|front| match front[index].get() {
            (k, Some(info)) if k == key => Some(info),
            _ => None,
        })
        .ok()
        .flatten();
    if front.is_some() {
        return front;
    }
    let shared = SHARED
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
        .copied()?;
    let _ = FRONT.try_with(|front| front[index].set((key, Some(shared))));
    Some(shared)
}

#[cold]
#[inline(never)]
fn insert(metadata: &'static Metadata<'static>) -> &'static CallsiteInfo {
    let key = key(metadata);
    let info = *SHARED
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(key)
        .or_insert_with(|| {
            Box::leak(Box::new(CallsiteInfo {
                klog: Callsite::new(
                    metadata.file().unwrap_or(""),
                    metadata.line().unwrap_or(0),
                    metadata.module_path().unwrap_or(""),
                ),
                has_file: metadata.file().is_some(),
                has_v: metadata.fields().field("v").is_some(),
            }))
        });
    let _ = FRONT.try_with(|front| front[slot_index(key)].set((key, Some(info))));
    info
}
