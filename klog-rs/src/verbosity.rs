//! The global `-v` threshold, the global `-vmodule`, and the fast checks the macros make
//! first.
//!
//! Hot path: no allocation, no locks. A macro call is decided by:
//! 1. `level <= callsite.gate()`, inlined at every call site: one relaxed load of a word
//!    in the call site's own `static` and a compare. The gate is the highest level any
//!    sink can write there: the global `-v`, the thresholds sinks were built with, and
//!    the level the global `-vmodule` gives this call site (tracing's per-call-site
//!    `Interest`). Disabled calls stop here, with or without a `-vmodule`.
//! 2. Out of line, only for calls the gate lets through: a call site whose gate is
//!    unknown (first call, or the settings changed) registers itself and matches the
//!    `-vmodule` once, in a cold function; then the full decision ([`globally_enabled`],
//!    or the sink's). No lock and no path matching on the hot path.
//!
//! Changing `-v`, `-vmodule` or a sink's threshold takes effect at every call site on
//! its next call: every change bumps the generation (invalidating every call site's
//! vmodule cache) and resets the gate of every registered call site to unknown, stamped
//! with the generation. A gate is stored by compare and swap over the reset read before
//! the settings it was computed from, so a thread computing from settings a racing change
//! replaced never stores its gate, not even for a moment.
//!
//! [`Logger::enabled_for`](crate::Logger::enabled_for) with a call site that may not be
//! `static` uses a global gate instead (`-v` and the sinks' thresholds, no bound while a
//! `-vmodule` is set), then [`vmodule_gate`] (one load of the settings word, and of the
//! call site's cached vmodule level while a `-vmodule` is set) and the full decision.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::callsite::{Callsite, GATE_UNKNOWN};
use crate::vmodule::VModule;

/// klog's `-v`.
static GLOBAL_V: AtomicI32 = AtomicI32::new(0);
/// The largest threshold of a live sink (a sink's own `-v`, or the highest level its own
/// vmodule can raise a call to).
static SINK_MAX_V: AtomicI32 = AtomicI32::new(i32::MIN);
/// `max(GLOBAL_V, SINK_MAX_V)`: no sink writes a level above it, unless the global
/// vmodule raises it for a call site.
static MAX_V: AtomicI32 = AtomicI32::new(0);
/// The first check of every call: `MAX_V`, or `i32::MAX` while a global vmodule is set (so
/// that a disabled call without vmodule costs one load and one compare, inline).
static GATE: AtomicI32 = AtomicI32::new(0);
/// The settings in one word, for the second check: `(generation << 33) | (vmodule set <<
/// 32) | MAX_V as u32`. A call at most `MAX_V` goes on to the full decision; above it, it
/// is disabled unless a global vmodule is set and the call site's cache (matched for this
/// generation) says the vmodule may raise it. The generation changes with every change of
/// `-v`, `-vmodule` or the sinks' thresholds, so a call site's cache is never older than
/// the settings. Starts at generation 1 (a fresh call site holds 0: stale).
static SETTINGS: AtomicU64 = AtomicU64::new(gate_word(1, false, 0));
/// Bit of [`SETTINGS`] set while a global vmodule with entries is set.
const GATE_VMODULE: u64 = 1 << 32;

/// Packs the settings word (see [`SETTINGS`]).
const fn gate_word(generation: u32, vmodule: bool, max_v: i32) -> u64 {
    ((generation as u64) << 33) | ((vmodule as u64) << 32) | (max_v as u32 as u64)
}

/// Whether a global `-vmodule` with entries is set: the second check runs only then.
static VMODULE_ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether the global `-vmodule` has exact entries (`pattern==N`), which can lower `-v`:
/// only then does an enabled call ask its call site.
static VMODULE_EXACT: AtomicBool = AtomicBool::new(false);
/// The global `-vmodule`, read only when a call site's cache is stale.
static VMODULE: RwLock<Option<Arc<VModule>>> = RwLock::new(None);
/// The `static` call sites whose gate was computed: every change of the settings resets
/// their gates. Grows once per call site (on its first call), never on the hot path.
static CALLSITES: Mutex<Vec<&'static Callsite>> = Mutex::new(Vec::new());

/// Sets the global `-v` threshold: `V(n)` calls with `n` above it are disabled in sinks
/// that follow the global threshold. Takes effect at once, on every thread.
///
/// ```
/// klog::set_verbosity(2);
/// assert_eq!(klog::verbosity(), 2);
/// # klog::set_verbosity(0);
/// ```
pub fn set_verbosity(v: i32) {
    GLOBAL_V.store(v, Ordering::Relaxed);
    recompute();
    notify_listeners();
}

/// The global `-v` threshold.
///
/// ```
/// assert!(klog::verbosity() >= i32::MIN);
/// ```
#[must_use]
pub fn verbosity() -> i32 {
    GLOBAL_V.load(Ordering::Relaxed)
}

/// Sets (or with an empty value, clears) the global `-vmodule`: per-file (and, beyond
/// klog, per-path and per-module) thresholds that raise `-v` for matching call sites in
/// sinks that follow the global threshold. Takes effect at every call site on its next
/// call.
///
/// ```
/// let vmodule: klog::VModule = "controller=4,kube*=2".parse().unwrap();
/// klog::set_vmodule(vmodule);
/// # klog::set_vmodule(klog::VModule::default());
/// ```
pub fn set_vmodule(vmodule: VModule) {
    let active = !vmodule.is_empty();
    let exact = vmodule.has_exact();
    *VMODULE.write() = active.then(|| Arc::new(vmodule));
    VMODULE_ACTIVE.store(active, Ordering::Release);
    VMODULE_EXACT.store(exact, Ordering::Release);
    recompute();
    notify_listeners();
}

/// Called after every change of the global `-v` or `-vmodule`: bridges whose host
/// framework caches filter decisions (tracing's interest caches) rebuild them.
static LISTENERS: Mutex<Vec<fn()>> = Mutex::new(Vec::new());

/// Adds a function called after every [`set_verbosity`] and [`set_vmodule`].
pub(crate) fn add_listener(listener: fn()) {
    LISTENERS.lock().push(listener);
}

/// Calls the listeners on this thread, with no lock of klog's held (a listener may ask
/// klog for the new settings).
fn notify_listeners() {
    let listeners = LISTENERS.lock().clone();
    for listener in listeners {
        listener();
    }
}

/// The global `-vmodule`, if one with entries is set.
///
/// ```
/// assert!(klog::vmodule().is_none_or(|v| !v.is_empty()));
/// ```
#[must_use]
pub fn vmodule() -> Option<Arc<VModule>> {
    VMODULE.read().clone()
}

/// The own thresholds of the live sinks that have one: level → how many sinks.
static SINK_THRESHOLDS: Mutex<BTreeMap<i32, usize>> = Mutex::new(BTreeMap::new());

/// Serialises [`recompute`]: its loads and stores must not interleave with another's, or a
/// stale bound could be stored last.
static RECOMPUTE: Mutex<()> = Mutex::new(());

/// Keeps a sink's own threshold in the fast check for as long as the sink lives.
#[derive(Debug)]
pub(crate) struct SinkThreshold(i32);

impl Drop for SinkThreshold {
    fn drop(&mut self) {
        let mut thresholds = SINK_THRESHOLDS.lock();
        if let Some(count) = thresholds.get_mut(&self.0) {
            *count -= 1;
            if *count == 0 {
                thresholds.remove(&self.0);
            }
        }
        update_sink_max(&thresholds);
    }
}

/// Called by sinks with their own threshold so the fast check never silences them; the
/// bound comes down again when the last sink with that threshold is dropped.
pub(crate) fn register_sink_threshold(v: i32) -> SinkThreshold {
    let mut thresholds = SINK_THRESHOLDS.lock();
    *thresholds.entry(v).or_default() += 1;
    update_sink_max(&thresholds);
    SinkThreshold(v)
}

fn update_sink_max(thresholds: &BTreeMap<i32, usize>) {
    let max = thresholds.keys().next_back().copied().unwrap_or(i32::MIN);
    SINK_MAX_V.store(max, Ordering::Relaxed);
    recompute();
}

fn recompute() {
    let _serial = RECOMPUTE.lock();
    let max = GLOBAL_V
        .load(Ordering::Relaxed)
        .max(SINK_MAX_V.load(Ordering::Relaxed));
    MAX_V.store(max, Ordering::Relaxed);
    // A new generation for every change: the vmodule, `-v` and the sinks' bounds a call
    // site's cache was matched against are all older than it. Release: whoever reads
    // this word with acquire sees the settings it was made from (see `rematch`).
    // The generation is the settings word's own (changes are serialised here).
    let generation = (SETTINGS.load(Ordering::Relaxed) >> 33) + 1;
    let vmodule = VMODULE_ACTIVE.load(Ordering::Relaxed);
    // 31 bits of generation fit the word; a wrap after 2^31 changes is harmless in
    // practice (a call site would have to sleep through all of them).
    // Sequentially consistent, before the resets below: a gate computed from the old
    // settings is either reset here or re-checked against this word (see `rematch`).
    SETTINGS.store(
        gate_word(generation as u32 & (u32::MAX >> 1), vmodule, max),
        Ordering::SeqCst,
    );
    GATE.store(if vmodule { i32::MAX } else { max }, Ordering::Relaxed);
    let generation = generation as u32 & (u32::MAX >> 1);
    for callsite in CALLSITES.lock().iter() {
        callsite.reset_gate(generation);
    }
}

/// The out-of-line start of a macro call the call site's gate (`gate`, as loaded) let
/// through: computes the gate first if it is unknown.
#[inline(always)]
pub(crate) fn refresh_gate(gate: i32, callsite: &'static Callsite) {
    if gate == GATE_UNKNOWN {
        compute_gate(callsite);
    }
}

/// Registers the call site (once) and matches it against the settings, which stores its
/// gate. A gate that really is `i32::MAX` is recomputed on every call: correct, and only
/// for a level no one uses.
#[cold]
#[inline(never)]
fn compute_gate(callsite: &'static Callsite) {
    if callsite.claim_registration() {
        CALLSITES.lock().push(callsite);
    }
    // Both read after the registration: a change whose reset missed this call site (its
    // walk of the registry came first) published its settings before, so this sees them.
    // The gate word first: a change whose reset comes after it makes the store below
    // fail; one whose reset came before it stored its settings before that.
    let seen = callsite.gate_word();
    rematch(callsite, SETTINGS.load(Ordering::SeqCst), Some(seen));
}

/// The first, cheapest check: a level above it is disabled everywhere.
#[inline(always)]
pub(crate) fn gate() -> i32 {
    GATE.load(Ordering::Relaxed)
}

/// The second check, for a call the [`gate`] let through: `false` only when no sink can
/// write `level` at `callsite`. A call at most every sink's threshold passes on one load
/// and a compare; above it (only while a global vmodule is set), the call site's cache is
/// loaded and its generation and level compared.
#[inline(always)]
pub(crate) fn vmodule_gate(level: i32, callsite: &Callsite) -> bool {
    let word = SETTINGS.load(Ordering::Relaxed);
    level <= word as i32 || (word & GATE_VMODULE != 0 && callsite.vmodule_may_raise(word, level))
}

/// The upper bound of all thresholds: a level above it is disabled everywhere, unless
/// the global vmodule raises it for the call site.
#[inline(always)]
pub(crate) fn max_v() -> i32 {
    MAX_V.load(Ordering::Relaxed)
}

/// Whether the global `-vmodule` enables `level` at `callsite`.
#[inline]
pub(crate) fn vmodule_enables(callsite: &Callsite, level: i32) -> bool {
    VMODULE_ACTIVE.load(Ordering::Relaxed) && callsite_vmodule_level(callsite).0 >= level
}

/// The call site's global-vmodule level (`i32::MIN` when no pattern matches) and whether
/// its entry is exact, from its cache while the generation is current.
#[inline]
fn callsite_vmodule_level(callsite: &Callsite) -> (i32, bool) {
    // Acquire: a generation this thread sees comes with the settings it was made from.
    let word = SETTINGS.load(Ordering::Acquire);
    match callsite.cached_vmodule_level(word) {
        Some(level) => level,
        None => rematch(callsite, word, None),
    }
}

#[cold]
#[inline(never)]
fn rematch(callsite: &Callsite, word: u64, seen: Option<u64>) -> (i32, bool) {
    let (level, exact) = VMODULE
        .read()
        .as_ref()
        .and_then(|v| v.rule_for(callsite.file(), callsite.module_path()))
        .unwrap_or((i32::MIN, false));
    // Cached with the generation read before the vmodule: if the vmodule changed since,
    // the generation did too, and the entry is already stale.
    callsite.cache_vmodule_level(word, level, exact);
    // Only a registered call site keeps a gate (its resets reach it), and only over the
    // reset `seen` (see `Callsite::set_gate`).
    if let Some(seen) = seen.filter(|_| callsite.is_registered()) {
        let max_v = word as u32 as i32;
        let gate = if word & GATE_VMODULE != 0 {
            max_v.max(level)
        } else {
            max_v
        };
        callsite.set_gate(seen, gate);
    }
    (level, exact)
}

/// Whether a sink that follows the global settings writes `level` at `callsite`.
#[inline]
pub(crate) fn globally_enabled(level: i32, callsite: Option<&Callsite>) -> bool {
    if VMODULE_EXACT.load(Ordering::Relaxed) {
        if let Some(c) = callsite {
            if let (n, true) = callsite_vmodule_level(c) {
                // An exact entry decides alone: it can lower -v as well as raise it.
                return level.max(0) <= n;
            }
        }
    }
    level <= verbosity() || callsite.is_some_and(|c| vmodule_enables(c, level))
}
