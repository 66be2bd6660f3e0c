//! Small immutable arrays kept inside their owner up to a fixed size and on the heap beyond:
//! a derived logger's rendered context (its name, bound pairs) is usually small, and keeping
//! it inside the sink's own allocation makes deriving cost one allocation instead of three
//! or four.

use std::fmt;
use std::ops::Deref;

/// A `[T]`: up to `N` items inline, more in one heap allocation. Replaced whole
/// ([`set`](Self::set)) or appended to ([`grow`](Self::grow)).
#[derive(Clone)]
pub(crate) enum CompactVec<T: Copy + Default, const N: usize> {
    Inline { len: usize, items: [T; N] },
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> CompactVec<T, N> {
    /// A copy of `items`.
    pub(crate) fn from_slice(items: &[T]) -> Self {
        if items.len() <= N {
            let mut inline = [T::default(); N];
            inline[..items.len()].copy_from_slice(items);
            CompactVec::Inline {
                len: items.len(),
                items: inline,
            }
        } else {
            CompactVec::Heap(items.to_vec())
        }
    }

    /// Room for `n` more items at the end (to overwrite), inline while they fit; spills to
    /// the heap once when they do not.
    #[inline]
    pub(crate) fn grow(&mut self, n: usize) -> &mut [T] {
        if let CompactVec::Inline { len, items } = self {
            if *len + n > N {
                let mut heap = Vec::with_capacity((*len + n).max(2 * N));
                heap.extend_from_slice(items.get(..*len).unwrap_or_default());
                *self = CompactVec::Heap(heap);
            }
        }
        match self {
            CompactVec::Inline { len, items } => {
                let start = *len;
                *len += n;
                items.get_mut(start..start + n).unwrap_or_default()
            }
            CompactVec::Heap(heap) => {
                let start = heap.len();
                heap.resize(start + n, T::default());
                heap.get_mut(start..).unwrap_or_default()
            }
        }
    }
}

impl<T: Copy + Default, const N: usize> CompactVec<T, N> {
    /// Replaces the items with a copy of `items`, in place when they fit (no move of the
    /// inline array: the owner may already sit in its final allocation).
    pub(crate) fn set(&mut self, items: &[T]) {
        match self {
            CompactVec::Inline { len, items: inline } if items.len() <= N => {
                inline[..items.len()].copy_from_slice(items);
                *len = items.len();
            }
            _ => *self = CompactVec::from_slice(items),
        }
    }
}

impl<T: Copy + Default, const N: usize> Default for CompactVec<T, N> {
    fn default() -> Self {
        CompactVec::Inline {
            len: 0,
            items: [T::default(); N],
        }
    }
}

impl<T: Copy + Default, const N: usize> Deref for CompactVec<T, N> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            CompactVec::Inline { len, items } => &items[..*len],
            CompactVec::Heap(items) => items,
        }
    }
}

impl<T: Copy + Default + fmt::Debug, const N: usize> fmt::Debug for CompactVec<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::CompactVec;

    #[test]
    fn keeps_the_items_inline_or_on_the_heap() {
        for n in 0..10u8 {
            let items: Vec<u8> = (0..n).collect();
            let compact = CompactVec::<u8, 4>::from_slice(&items);
            assert_eq!(&*compact, &items[..]);
            assert_eq!(matches!(compact, CompactVec::Inline { .. }), n <= 4);
            assert_eq!(&*compact.clone(), &items[..]);
            let mut set = CompactVec::<u8, 4>::from_slice(&[9; 6]);
            set.set(&items);
            assert_eq!(&*set, &items[..]);
            let mut set = CompactVec::<u8, 4>::default();
            set.set(&items);
            assert_eq!(&*set, &items[..]);
        }
        assert!(CompactVec::<u8, 4>::default().is_empty());
        let mut grown = CompactVec::<u8, 4>::default();
        for n in 0..10u8 {
            grown.grow(1).copy_from_slice(&[n]);
            assert_eq!(&*grown, &(0..=n).collect::<Vec<_>>()[..]);
            assert_eq!(matches!(grown, CompactVec::Inline { .. }), n < 4);
        }
    }
}
