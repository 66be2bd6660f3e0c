//! Kubernetes object references: [`KObj`] (also named [`KRef`]), [`KObjSlice`] and what they
//! need of an object ([`KMetadata`]).

use std::fmt;

use super::{ToValue, Value};

/// What [`KObj::from_meta`] and [`KObjSlice`] need of a Kubernetes object (klog's
/// `KMetadata`).
///
/// ```
/// struct Pod { namespace: String, name: String }
/// impl klog::KMetadata for Pod {
///     fn name(&self) -> &str { &self.name }
///     fn namespace(&self) -> &str { &self.namespace }
/// }
/// let pod = Pod { namespace: "kube-system".into(), name: "coredns".into() };
/// assert_eq!(klog::KObj::from_meta(&pod).to_string(), "kube-system/coredns");
/// ```
pub trait KMetadata {
    /// The object's name.
    fn name(&self) -> &str;
    /// The object's namespace; empty for cluster-scoped objects.
    fn namespace(&self) -> &str;
}

impl<T: KMetadata + ?Sized> KMetadata for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn namespace(&self) -> &str {
        (**self).namespace()
    }
}

/// A reference to a Kubernetes object (klog's `ObjectRef`): `"namespace/name"` in text
/// (just `"name"` without a namespace), `{"name":…,"namespace":…}` in JSON.
///
/// [`KRef`] is the same type under klog's other name.
///
/// ```
/// let pod = klog::KObj::new("kube-system", "coredns");
/// assert_eq!(pod.to_string(), "kube-system/coredns");
/// assert_eq!(klog::KRef::new("", "node-1").to_string(), "node-1");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KObj<'a> {
    namespace: &'a str,
    name: &'a str,
}

/// klog's `KRef(namespace, name)`: the same type as [`KObj`].
pub type KRef<'a> = KObj<'a>;

impl<'a> KObj<'a> {
    /// A reference from a namespace (may be empty) and a name.
    #[must_use]
    pub const fn new(namespace: &'a str, name: &'a str) -> KObj<'a> {
        KObj { namespace, name }
    }

    /// A reference to an object (klog's `KObj(obj)`).
    #[must_use]
    pub fn from_meta<M: KMetadata + ?Sized>(object: &'a M) -> KObj<'a> {
        KObj {
            namespace: object.namespace(),
            name: object.name(),
        }
    }

    /// The namespace.
    #[must_use]
    pub fn namespace(&self) -> &'a str {
        self.namespace
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }
}

impl fmt::Display for KObj<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.namespace.is_empty() {
            f.write_str(self.namespace)?;
            f.write_str("/")?;
        }
        f.write_str(self.name)
    }
}

impl ToValue for KObj<'_> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Object(*self)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for KObj<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let fields = if self.namespace.is_empty() { 1 } else { 2 };
        let mut s = serializer.serialize_struct("ObjectRef", fields)?;
        s.serialize_field("name", self.name)?;
        if self.namespace.is_empty() {
            s.skip_field("namespace")?;
        } else {
            s.serialize_field("namespace", self.namespace)?;
        }
        s.end()
    }
}

/// A list of object references, as [`KObjSlice`] presents it to the encoders.
///
/// # For implementors
/// `get(i)` returns `None` for an item that is absent (Go's `nil`, written `null`).
pub trait ObjectList {
    /// The number of items.
    fn len(&self) -> usize;
    /// Whether the list is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The reference at `index`, `None` for an absent item.
    fn get(&self, index: usize) -> Option<KObj<'_>>;
}

/// A slice of objects logged as a list of references (klog's `KObjSlice`):
/// `[ "ns/a","ns/b" ]` in text, a list of objects in JSON. Items may be `Option`s; `None`
/// is written `null`.
///
/// ```
/// let refs = [klog::KObj::new("default", "a"), klog::KObj::new("default", "b")];
/// let slice = klog::KObjSlice::new(&refs);
/// # use klog::ObjectList;
/// assert_eq!(slice.len(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KObjSlice<'a, T> {
    items: &'a [T],
}

impl<'a, T> KObjSlice<'a, T> {
    /// Wraps a slice of objects ([`KMetadata`], [`KObj`]) or of `Option`s of them.
    #[must_use]
    pub fn new(items: &'a [T]) -> KObjSlice<'a, T> {
        KObjSlice { items }
    }
}

/// An item of a [`KObjSlice`]: an object, or an `Option` of one.
pub trait KObjItem {
    /// The reference, `None` for an absent item.
    fn object_ref(&self) -> Option<KObj<'_>>;
}

impl<M: KMetadata> KObjItem for M {
    fn object_ref(&self) -> Option<KObj<'_>> {
        Some(KObj::from_meta(self))
    }
}

impl<M: KMetadata> KObjItem for Option<M> {
    fn object_ref(&self) -> Option<KObj<'_>> {
        self.as_ref().map(KObj::from_meta)
    }
}

impl KMetadata for KObj<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn namespace(&self) -> &str {
        self.namespace
    }
}

impl<T: KObjItem> ObjectList for KObjSlice<'_, T> {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn get(&self, index: usize) -> Option<KObj<'_>> {
        self.items.get(index).and_then(KObjItem::object_ref)
    }
}

impl<T: KObjItem> ToValue for KObjSlice<'_, T> {
    fn to_value(&self) -> Value<'_> {
        Value::Objects(self)
    }
}
