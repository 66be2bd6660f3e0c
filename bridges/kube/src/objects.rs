//! kube-rs objects as klog object references: [`kobj`], [`KObjExt`], [`kref`], [`kobjs`],
//! [`kobjs_arc`].
//!
//! Each borrows the name and namespace from the object's `ObjectMeta` (or the
//! `ObjectRef`'s fields): nothing is copied or allocated, and a reference logged at a
//! disabled V level is never even built past the macro's gate.

use std::fmt;
use std::sync::Arc;

use kube::runtime::reflector::{Lookup, ObjectRef};
use kube::Resource;

use klog::{KObj, ObjectList, ToValue, Value};

/// The object's reference, Go's `klog.KObj(obj)`: `"namespace/name"` in text
/// (`"name"` for a cluster-scoped object), `{"name":…,"namespace":…}` in JSON.
///
/// Works for every [`kube::Resource`]: `k8s_openapi` types, `DynamicObject`, custom
/// resources. A missing name or namespace is empty, as in Go.
///
/// ```
/// use k8s_openapi::api::core::v1::{Node, Pod};
/// use kube::core::ObjectMeta;
///
/// let pod = Pod {
///     metadata: ObjectMeta {
///         name: Some("coredns".into()),
///         namespace: Some("kube-system".into()),
///         ..ObjectMeta::default()
///     },
///     ..Pod::default()
/// };
/// assert_eq!(klog_kube::kobj(&pod).to_string(), "kube-system/coredns");
///
/// let node = Node {
///     metadata: ObjectMeta { name: Some("node-1".into()), ..ObjectMeta::default() },
///     ..Node::default()
/// };
/// assert_eq!(klog_kube::kobj(&node).to_string(), "node-1"); // cluster-scoped
/// ```
#[must_use]
#[inline]
pub fn kobj<K: Resource + ?Sized>(object: &K) -> KObj<'_> {
    let meta = object.meta();
    KObj::new(
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
    )
}

/// [`kobj`] as a method: `pod.kobj()`.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use kube::core::ObjectMeta;
/// use klog_kube::KObjExt;
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// let pod = Pod {
///     metadata: ObjectMeta {
///         name: Some("web-0".into()),
///         namespace: Some("default".into()),
///         ..ObjectMeta::default()
///     },
///     ..Pod::default()
/// };
/// klog::info!(logger, "Pod synced", pod = pod.kobj());
/// assert!(out.to_string().ends_with("] \"Pod synced\" pod=\"default/web-0\"\n"));
/// ```
pub trait KObjExt {
    /// The object's reference: see [`kobj`].
    fn kobj(&self) -> KObj<'_>;
}

impl<K: Resource + ?Sized> KObjExt for K {
    #[inline]
    fn kobj(&self) -> KObj<'_> {
        kobj(self)
    }
}

/// The reference of a kube-runtime [`ObjectRef`] (what a controller's watches and
/// `Controller::run`'s results carry), Go's `klog.KRef(namespace, name)`.
///
/// ```
/// use k8s_openapi::api::core::v1::{Namespace, Pod};
/// use kube::runtime::reflector::ObjectRef;
///
/// let pod = ObjectRef::<Pod>::new("web-0").within("default");
/// assert_eq!(klog_kube::kref(&pod).to_string(), "default/web-0");
/// let ns = ObjectRef::<Namespace>::new("default");
/// assert_eq!(klog_kube::kref(&ns).to_string(), "default");
/// ```
#[must_use]
#[inline]
pub fn kref<K: Lookup + ?Sized>(object_ref: &ObjectRef<K>) -> KObj<'_> {
    KObj::new(
        object_ref.namespace.as_deref().unwrap_or_default(),
        &object_ref.name,
    )
}

/// A slice (or `Vec`) of objects logged as a list of references, Go's
/// `klog.KObjSlice(objs)`: `["ns/a","ns/b"]` in text, a list of objects in JSON.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use kube::core::ObjectMeta;
///
/// let pod = |name: &str| Pod {
///     metadata: ObjectMeta {
///         name: Some(name.into()),
///         namespace: Some("default".into()),
///         ..ObjectMeta::default()
///     },
///     ..Pod::default()
/// };
/// let pods = vec![pod("web-0"), pod("web-1")];
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::info!(logger, "Pods pending", pods = klog_kube::kobjs(&pods));
/// assert!(out.to_string().ends_with("] \"Pods pending\" pods=[\"default/web-0\",\"default/web-1\"]\n"));
/// ```
#[must_use]
#[inline]
pub fn kobjs<K: Resource>(objects: &[K]) -> KObjs<'_, K> {
    KObjs {
        objects,
        reference: kobj::<K>,
    }
}

/// [`kobjs`] for a slice of `Arc`s, such as a reflector store's
/// `Store::state()`.
///
/// ```
/// use std::sync::Arc;
/// use k8s_openapi::api::core::v1::Pod;
/// use kube::core::ObjectMeta;
///
/// let pod = |name: &str| Arc::new(Pod {
///     metadata: ObjectMeta { name: Some(name.into()), namespace: Some("default".into()), ..ObjectMeta::default() },
///     ..Pod::default()
/// });
/// let state: Vec<Arc<Pod>> = vec![pod("web-0"), pod("web-1")];
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::info!(logger, "Cached", pods = klog_kube::kobjs_arc(&state));
/// assert!(out.to_string().ends_with("] \"Cached\" pods=[\"default/web-0\",\"default/web-1\"]\n"));
/// ```
#[must_use]
#[inline]
pub fn kobjs_arc<K: Resource>(objects: &[Arc<K>]) -> KObjs<'_, Arc<K>> {
    KObjs {
        objects,
        reference: |object| kobj(&**object),
    }
}

/// The list returned by [`kobjs`] and [`kobjs_arc`]: a [`klog::ToValue`] and an
/// [`ObjectList`].
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use klog::ObjectList;
///
/// let pods = [Pod::default(), Pod::default()];
/// assert_eq!(klog_kube::kobjs(&pods).len(), 2);
/// ```
pub struct KObjs<'a, T> {
    objects: &'a [T],
    // A function rather than a trait bound: `impl … for K: Resource` and
    // `impl … for Arc<K>` would overlap (kube may implement `Resource` for `Arc<_>`).
    reference: for<'b> fn(&'b T) -> KObj<'b>,
}

impl<T> fmt::Debug for KObjs<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.objects.iter().map(self.reference))
            .finish()
    }
}

impl<T> Clone for KObjs<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for KObjs<'_, T> {}

impl<T> ObjectList for KObjs<'_, T> {
    fn len(&self) -> usize {
        self.objects.len()
    }

    fn get(&self, index: usize) -> Option<KObj<'_>> {
        self.objects.get(index).map(self.reference)
    }
}

impl<T> ToValue for KObjs<'_, T> {
    fn to_value(&self) -> Value<'_> {
        Value::Objects(self)
    }
}
