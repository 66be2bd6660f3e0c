//! The bridges' one per-thread buffer pool: a record crossing a bridge is copied into
//! buffers reused from record to record, so that once warm it costs no allocation.

use std::cell::RefCell;
use std::thread::LocalKey;

use crate::value::KeyValue;

/// Vectors above this capacity are not kept for the next record.
const MAX_KEPT_ELEMENTS: usize = 256;

/// Runs `f` with this thread's `T` in `buffer`, or with a fresh `T` while that one is in
/// use (a value that logs again while it is being copied) or gone (thread teardown).
/// Clearing what `f` finds and trimming what it leaves are up to `f`.
///
/// ```
/// use std::cell::RefCell;
///
/// thread_local! {
///     static LINE: RefCell<String> = const { RefCell::new(String::new()) };
/// }
/// let len = klog::bridge::with_thread_buffer(&LINE, |line| {
///     line.clear();
///     line.push_str("reused");
///     line.len()
/// });
/// assert_eq!(len, 6);
/// ```
#[inline]
pub fn with_thread_buffer<T: Default + 'static, R>(
    buffer: &'static LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    let mut f = Some(f);
    let reused = buffer
        .try_with(|cell| {
            let mut kept = cell.try_borrow_mut().ok()?;
            let f = f.take()?;
            Some(f(&mut kept))
        })
        .ok()
        .flatten();
    match (reused, f) {
        (Some(result), _) => result,
        (None, Some(f)) => f(&mut T::default()),
        (None, None) => unreachable!("`f` is taken only when the buffer is used"),
    }
}

/// This thread's vector in `pool`, empty, for elements of another lifetime (`T` and `U`
/// are one type but for lifetimes: the allocation is reused), or a new one while it is
/// in use. Give it back with [`give_back_vec`].
///
/// ```
/// use std::cell::RefCell;
///
/// thread_local! {
///     static WORDS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
/// }
/// let text = String::from("a b");
/// let mut words: Vec<&str> = klog::bridge::take_vec(&WORDS);
/// words.extend(text.split(' '));
/// assert_eq!(words, ["a", "b"]);
/// klog::bridge::give_back_vec(&WORDS, words);
/// ```
#[inline]
#[must_use]
pub fn take_vec<T: 'static, U>(pool: &'static LocalKey<RefCell<Vec<T>>>) -> Vec<U> {
    let kept = pool
        .try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    recycle(kept)
}

/// Keeps `vec`'s allocation in `pool` for the next [`take_vec`] (emptied; not when it is
/// large, or smaller than the one kept).
#[inline]
pub fn give_back_vec<T: 'static, U>(pool: &'static LocalKey<RefCell<Vec<T>>>, vec: Vec<U>) {
    if vec.capacity() > MAX_KEPT_ELEMENTS {
        return;
    }
    let empty = recycle(vec);
    let _ = pool.try_with(|cell| {
        if let Ok(mut kept) = cell.try_borrow_mut() {
            if kept.capacity() < empty.capacity() {
                *kept = empty;
            }
        }
    });
}

/// An empty vector with `vec`'s allocation (the standard library collects a `Vec` into
/// one of the same layout in place).
fn recycle<T, U>(mut vec: Vec<T>) -> Vec<U> {
    vec.clear();
    vec.into_iter().filter_map(|_| None).collect()
}

thread_local! {
    static KEY_VALUES: RefCell<Vec<KeyValue<'static>>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with `pairs` collected in this thread's reused buffer of klog key/values
/// (what a bridge writing into klog hands to a [`Record`](crate::Record)).
///
/// ```
/// use klog::KeyValue;
/// let count = klog::bridge::with_key_values(
///     [KeyValue::new("a", &1), KeyValue::new("b", "x")],
///     |pairs| pairs.len(),
/// );
/// assert_eq!(count, 2);
/// ```
#[inline]
pub fn with_key_values<'a, R>(
    pairs: impl IntoIterator<Item = KeyValue<'a>>,
    f: impl FnOnce(&[KeyValue<'a>]) -> R,
) -> R {
    let mut kvs: Vec<KeyValue<'a>> = take_vec(&KEY_VALUES);
    kvs.extend(pairs);
    let result = f(&kvs);
    give_back_vec(&KEY_VALUES, kvs);
    result
}
