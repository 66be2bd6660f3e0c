//! [`Callsite`]: where a log call is, known at compile time.
//!
//! Each macro invocation declares one `static` callsite, so a record's file and line cost
//! nothing at run time (Go's klog pays ~350 ns per line for `runtime.Caller`). It also
//! caches the level the global `-vmodule` gives it, so matching file patterns happens
//! once per call site and `-vmodule` change, not per call, and the highest level any sink
//! can write there, which the macros check inline (tracing's cached `Interest`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

/// The source location of a log call: file, line and module path.
///
/// The macros create one `static` per call site; the [`Logger`](crate::Logger) methods
/// build one from `#[track_caller]`'s location.
///
/// ```
/// static CALLSITE: klog::Callsite = klog::Callsite::new("src/pods.rs", 42, "controller::pods");
/// assert_eq!(CALLSITE.file(), "src/pods.rs");
/// assert_eq!(CALLSITE.line(), 42);
/// ```
#[derive(Debug)]
pub struct Callsite {
    /// The highest level any sink can write at this call site (`-v`, the sinks' own
    /// thresholds, the global vmodule's level here), or [`GATE_UNKNOWN`] until it is
    /// computed and after every change of the settings, in the low 32 bits. What the
    /// macros compare with inline: one load, whether or not a `-vmodule` is set. The high
    /// 32 bits are the generation of the settings change that last reset it: a gate is
    /// only stored over the reset it was computed after (compare and swap), so a gate
    /// computed from settings a later change replaced is never seen, not even briefly.
    gate: AtomicU64,
    /// Whether this (`static`) call site is in the registry whose gates every change of
    /// the settings resets.
    registered: AtomicBool,
    /// The global vmodule's level for this call site, whether its entry is exact, and
    /// the settings' generation it was matched for: `(generation << 33) | (exact << 32)
    /// | level as u32` (generation 0 = never matched; `i32::MIN` = no pattern matches).
    vmodule_cache: AtomicU64,
    file: &'static str,
    /// Where the base name (after the last `/`) starts in `file`, found once at compile
    /// time so the header does not search for it on every record.
    base_name_start: usize,
    /// Where the last two path components start (the JSON format's `caller`).
    short_path_start: usize,
    line: u32,
    module_path: &'static str,
    /// Whether this is a `static` (macros) and may keep renderings for later records.
    cacheable: bool,
    /// `file.rs:42` and `dir/file.rs:42` (JSON-escaped), rendered on first use.
    rendered: OnceLock<RenderedCaller>,
}

/// The gate of a call site whose bound is not known: every level passes the inline check
/// and the full decision computes the bound.
pub(crate) const GATE_UNKNOWN: i32 = i32::MAX;

/// A call site's location as each format writes it, rendered once, kept inline in the
/// `static` call site: a heap block could share a cache line with data another thread
/// writes on every record.
#[derive(Debug)]
pub(crate) struct RenderedCaller {
    text: InlineBytes<64>,
    json: InlineBytes<112>,
}

impl RenderedCaller {
    /// The text header's `file.rs:42`, if it fit.
    #[inline]
    pub(crate) fn text(&self) -> Option<&[u8]> {
        self.text.get()
    }

    /// The JSON `caller` value without quotes, `dir/file.rs:42` zap-escaped, if it fit.
    #[inline]
    pub(crate) fn json(&self) -> Option<&[u8]> {
        self.json.get()
    }
}

/// Up to `N` bytes stored inline; longer content is not kept.
#[derive(Debug)]
struct InlineBytes<const N: usize> {
    bytes: [u8; N],
    len: Option<u8>,
}

impl<const N: usize> InlineBytes<N> {
    fn new(content: &[u8]) -> Self {
        let mut bytes = [0; N];
        let len = match bytes.get_mut(..content.len()) {
            Some(prefix) => {
                prefix.copy_from_slice(content);
                u8::try_from(content.len()).ok()
            }
            None => None,
        };
        InlineBytes { bytes, len }
    }

    #[inline]
    fn get(&self) -> Option<&[u8]> {
        self.len.and_then(|len| self.bytes.get(..usize::from(len)))
    }
}

/// The index after the `n`-th `/` from the end of `path` (0 if it has fewer).
const fn after_nth_last_slash(path: &str, n: usize) -> usize {
    let bytes = path.as_bytes();
    let mut seen = 0;
    let mut i = bytes.len();
    while i > 0 {
        if bytes[i - 1] == b'/' {
            seen += 1;
            if seen == n {
                return i;
            }
        }
        i -= 1;
    }
    0
}

/// zap's short caller: the path after its second-to-last `/` (the whole path with fewer).
pub(crate) fn short_path(path: &str) -> &str {
    path.get(after_nth_last_slash(path, 2)..).unwrap_or(path)
}

impl Callsite {
    /// A call site from `file!()`, `line!()` and `module_path!()`.
    #[must_use]
    pub const fn new(file: &'static str, line: u32, module_path: &'static str) -> Callsite {
        Callsite {
            gate: AtomicU64::new(GATE_UNKNOWN as u32 as u64),
            registered: AtomicBool::new(false),
            vmodule_cache: AtomicU64::new(0),
            file,
            base_name_start: after_nth_last_slash(file, 1),
            short_path_start: after_nth_last_slash(file, 2),
            line,
            module_path,
            cacheable: true,
            rendered: OnceLock::new(),
        }
    }

    /// A call site from a `#[track_caller]` location (no module path).
    #[must_use]
    pub fn from_location(location: &'static std::panic::Location<'static>) -> Callsite {
        Callsite {
            // Built per call: caching a rendering would allocate on every record.
            cacheable: false,
            ..Callsite::new(location.file(), location.line(), "")
        }
    }

    /// The source file as `file!()` wrote it.
    #[must_use]
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The file name after its last `/`, as klog's header shows it.
    ///
    /// ```
    /// let callsite = klog::Callsite::new("src/controller/pods.rs", 1, "");
    /// assert_eq!(callsite.base_name(), "pods.rs");
    /// ```
    #[must_use]
    pub fn base_name(&self) -> &'static str {
        // `/` is ASCII, so the index after it is a char boundary.
        self.file.get(self.base_name_start..).unwrap_or(self.file)
    }

    /// The last two components of the path, as the Kubernetes JSON format's `caller`
    /// shows it (zap's short caller).
    ///
    /// ```
    /// let callsite = klog::Callsite::new("src/controller/pods.rs", 1, "");
    /// assert_eq!(callsite.short_path(), "controller/pods.rs");
    /// ```
    #[must_use]
    pub fn short_path(&self) -> &'static str {
        self.file.get(self.short_path_start..).unwrap_or(self.file)
    }

    /// The location rendered for the text header and the JSON `caller`, kept for the
    /// next record when this is a `static` call site.
    #[inline]
    pub(crate) fn rendered(&self) -> Option<&RenderedCaller> {
        if !self.cacheable {
            return None;
        }
        Some(self.rendered.get_or_init(|| self.render()))
    }

    #[cold]
    #[inline(never)]
    fn render(&self) -> RenderedCaller {
        let line = itoa::Buffer::new().format(self.line).as_bytes().to_vec();
        let mut text = self.base_name().as_bytes().to_vec();
        text.push(b':');
        text.extend_from_slice(&line);
        let mut json = Vec::new();
        crate::go::escape::write_zap_body_utf8(&mut json, self.short_path());
        json.push(b':');
        json.extend_from_slice(&line);
        RenderedCaller {
            text: InlineBytes::new(&text),
            json: InlineBytes::new(&json),
        }
    }

    /// The cached gate: a level above it is disabled in every sink (see `verbosity`'s
    /// module docs). [`GATE_UNKNOWN`] lets every call through to the full decision.
    #[inline(always)]
    pub(crate) fn gate(&self) -> i32 {
        self.gate.load(Ordering::Relaxed) as u32 as i32
    }

    /// The gate with the generation of its last reset, for [`set_gate`](Self::set_gate).
    /// Sequentially consistent: read before the settings the gate is computed from.
    pub(crate) fn gate_word(&self) -> u64 {
        self.gate.load(Ordering::SeqCst)
    }

    /// Makes the gate unknown, for the settings change of `generation`. Sequentially
    /// consistent, after that change's settings were stored.
    pub(crate) fn reset_gate(&self, generation: u32) {
        self.gate.store(
            (u64::from(generation) << 32) | u64::from(GATE_UNKNOWN as u32),
            Ordering::SeqCst,
        );
    }

    /// Stores `gate` if the gate is still `seen` (read by [`gate_word`](Self::gate_word)
    /// before the settings `gate` was computed from): no reset came in between.
    pub(crate) fn set_gate(&self, seen: u64, gate: i32) {
        let _ = self.gate.compare_exchange(
            seen,
            (seen >> 32 << 32) | u64::from(gate as u32),
            Ordering::SeqCst,
            Ordering::Relaxed,
        );
    }

    /// Marks the call site registered; `true` for the one caller that must add it to the
    /// registry.
    pub(crate) fn claim_registration(&self) -> bool {
        !self.registered.load(Ordering::Relaxed) && !self.registered.swap(true, Ordering::SeqCst)
    }

    /// Whether the call site is in the registry (its gate is kept).
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.load(Ordering::SeqCst)
    }

    /// The cached global-vmodule level and whether it is exact, if it was matched for
    /// the generation of the settings word `gate` (bits 33 and up).
    #[inline]
    pub(crate) fn cached_vmodule_level(&self, gate: u64) -> Option<(i32, bool)> {
        let cache = self.vmodule_cache.load(Ordering::Relaxed);
        (cache >> 33 == gate >> 33).then_some((cache as u32 as i32, cache & (1 << 32) != 0))
    }

    /// The gate's second check while a global vmodule is set, for a `level` above every
    /// sink's threshold: `false` when the cache is current and its level is below
    /// `level` (whether raising or exact, no sink writes it); `true` sends the call on
    /// to the full decision (which re-matches a stale cache).
    #[inline(always)]
    pub(crate) fn vmodule_may_raise(&self, gate: u64, level: i32) -> bool {
        let cache = self.vmodule_cache.load(Ordering::Relaxed);
        cache >> 33 != gate >> 33 || level <= cache as u32 as i32
    }

    /// Stores the global-vmodule level (and whether it is exact) matched for the
    /// generation of the settings word `gate`.
    pub(crate) fn cache_vmodule_level(&self, gate: u64, level: i32, exact: bool) {
        let cache = (gate >> 33 << 33) | (u64::from(exact) << 32) | u64::from(level as u32);
        self.vmodule_cache.store(cache, Ordering::Relaxed);
    }

    /// The line.
    #[must_use]
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The module path (empty when unknown).
    #[must_use]
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings_are_kept_inline_when_they_fit() {
        static SHORT: Callsite = Callsite::new("src/controller/pods.rs", 42, "app");
        let rendered = SHORT.rendered().expect("static call sites keep renderings");
        assert_eq!(rendered.text(), Some(&b"pods.rs:42"[..]));
        assert_eq!(rendered.json(), Some(&b"controller/pods.rs:42"[..]));
    }

    #[test]
    fn long_paths_are_rendered_per_record_instead() {
        static LONG: Callsite = Callsite::new(
            "src/a_directory_with_a_rather_long_name/another_directory_name_that_is_long/and_a_file_name_that_is_even_longer_than_the_sixty_four_bytes_kept_inline.rs",
            7,
            "app",
        );
        let rendered = LONG.rendered().expect("rendered");
        assert_eq!(rendered.text(), None);
        assert_eq!(rendered.json(), None);
        assert!(LONG.base_name().starts_with("and_a_file_name"));
    }

    #[test]
    fn per_call_locations_are_not_cached() {
        let here = Callsite::from_location(std::panic::Location::caller());
        assert!(here.rendered().is_none());
    }
}
