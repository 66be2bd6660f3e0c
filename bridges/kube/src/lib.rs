//! [kube-rs](https://kube.rs) support for [klog-rs](klog): Kubernetes objects as klog object
//! references, and controllers whose reconciles log like Go's controller-runtime.
//!
//! - [`kobj`] / [`KObjExt::kobj`]: any [`kube::Resource`] (`k8s_openapi` types,
//!   `DynamicObject`, `#[derive(CustomResource)]` types) as Go's `klog.KObj(obj)`:
//!   `pod="kube-system/coredns"` in text, `"pod":{"name":"coredns","namespace":"kube-system"}`
//!   in JSON; cluster-scoped objects have no namespace.
//! - [`kref`]: a kube-runtime [`ObjectRef`](kube::runtime::reflector::ObjectRef) as Go's
//!   `klog.KRef(namespace, name)`.
//! - [`kobjs`]: a slice or `Vec` of objects as Go's `klog.KObjSlice(objs)`; [`kobjs_arc`]
//!   for `Arc`s, such as a reflector store's contents.
//! - [`ReconcileLogger`]: wraps a `kube_runtime::Controller`'s reconcile function and error
//!   policy so that each reconcile runs with a logger named after the controller, with the
//!   object and a `reconcileID` bound, current for [`klog::from_context`]; reconcile errors
//!   are logged with `err=` and the requeue their policy chose.
//!
//! These borrow the name and namespace from the object's metadata: logging an object
//! allocates nothing, and at a disabled V level costs nothing beyond the gate.
//!
//! ```
//! use k8s_openapi::api::core::v1::Pod;
//! use kube::core::ObjectMeta;
//! use klog_kube::KObjExt;
//!
//! let out = klog::SharedBuffer::default();
//! let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
//! let pod = Pod {
//!     metadata: ObjectMeta {
//!         name: Some("coredns".into()),
//!         namespace: Some("kube-system".into()),
//!         ..ObjectMeta::default()
//!     },
//!     ..Pod::default()
//! };
//! klog::info!(logger, "Pod status updated", pod = pod.kobj(), status = "ready");
//! assert!(out
//!     .to_string()
//!     .ends_with("] \"Pod status updated\" pod=\"kube-system/coredns\" status=\"ready\"\n"));
//! ```
//!
//! # Why a crate of its own
//! The orphan rule decides what can be written where. klog-rs could implement its own
//! [`klog::KMetadata`] for every `K: kube::Resource` behind a `kube` feature, but that
//! blanket impl does not compile next to klog-rs's `impl KMetadata for &T` (E0119: a
//! downstream crate may implement `Resource` for `&_`), it would forbid users' own
//! `KMetadata` impls for their custom resources, and it would put kube, kube-runtime and
//! k8s-openapi into the core crate's feature graph. Here, outside
//! klog-rs, neither `impl KMetadata for K` nor `impl From<&K> for KObj` is allowed (foreign
//! trait, foreign type), but everything needed is: functions returning klog's own
//! [`KObj`](klog::KObj), an extension trait of this crate implemented for every
//! `Resource`, a list type implementing klog's public [`ObjectList`](klog::ObjectList) and
//! [`ToValue`](klog::ToValue), and the reconcile wrappers. So klog-rs stays light and
//! kube-free, and kube users add one crate.
//!
//! # Kubernetes version
//! As k8s-openapi asks of libraries, this crate enables no Kubernetes version feature of
//! `k8s-openapi`: the application does (`k8s-openapi = { version = "0.29", features =
//! ["latest"] }`). Building this library on its own (`cargo check -p klog-kube`, `cargo
//! package`) needs one chosen, e.g. `K8S_OPENAPI_ENABLED_VERSION=1.37`.
//!
//! See `docs/kube.md` in the repository for a walk-through with Go's klog and
//! controller-runtime side by side.

mod objects;
mod reconcile;

pub use objects::{kobj, kobjs, kobjs_arc, kref, KObjExt, KObjs};
pub use reconcile::{Reconcile, ReconcileError, ReconcileLogger};

/// `docs/kube.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../../docs/kube.md")]
#[cfg(doctest)]
pub struct KubeGuideDoctests;

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
