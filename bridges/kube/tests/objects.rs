//! kube-rs objects logged as klog object references, in text and JSON, as Go's
//! `klog.KObj`, `klog.KRef` and `klog.KObjSlice` write them.

use std::borrow::Cow;
use std::time::UNIX_EPOCH;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use klog::{info, JsonSink, Logger, SharedBuffer, TextSink};
use klog_kube::KObjExt;
use kube::core::{ApiResource, DynamicObject, NamespaceResourceScope, ObjectMeta};
use kube::runtime::reflector::ObjectRef;
use kube::Resource;

fn meta(namespace: Option<&str>, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespace.map(Into::into),
        ..ObjectMeta::default()
    }
}

fn pod(namespace: &str, name: &str) -> Pod {
    Pod {
        metadata: meta(Some(namespace), name),
        ..Pod::default()
    }
}

/// A custom resource, as `#[derive(CustomResource)]` would make one.
#[derive(Clone, Debug, Default)]
struct Widget {
    metadata: ObjectMeta,
}

impl Resource for Widget {
    type DynamicType = ();
    type Scope = NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        "Widget".into()
    }
    fn group(_: &()) -> Cow<'_, str> {
        "example.com".into()
    }
    fn version(_: &()) -> Cow<'_, str> {
        "v1".into()
    }
    fn plural(_: &()) -> Cow<'_, str> {
        "widgets".into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn text(out: &SharedBuffer) -> Logger {
    TextSink::builder()
        .writer(out.clone())
        .fixed_time(UNIX_EPOCH)
        .time_zone(klog::TimeZone::Utc)
        .pid(1)
        .fixed_caller(Some("controller.go"), 7)
        .build_logger()
}

fn json(out: &SharedBuffer) -> Logger {
    JsonSink::builder()
        .writer(out.clone())
        .fixed_time(UNIX_EPOCH)
        .time_zone(klog::TimeZone::Utc)
        .fixed_caller(Some("controller.go"), 7)
        .build_logger()
}

/// Logs one record with every kind of object, through `logger`.
fn log_all(logger: &Logger) {
    let pods = vec![pod("default", "web-0"), pod("default", "web-1")];
    let node = Node {
        metadata: meta(None, "node-1"),
        ..Node::default()
    };
    let deployment =
        DynamicObject::new("web", &ApiResource::erase::<Deployment>(&())).within("default");
    let widget = Widget {
        metadata: meta(Some("shop"), "gear"),
    };
    let object_ref = ObjectRef::from_obj(&pods[0]);
    info!(
        logger,
        "Objects",
        pod = klog_kube::kobj(&pods[0]),
        node = node.kobj(),
        deployment = deployment.kobj(),
        widget = widget.kobj(),
        object = klog_kube::kref(&object_ref),
        pods = klog_kube::kobjs(&pods),
        empty = klog_kube::kobjs::<Pod>(&[]),
    );
}

#[test]
fn text_references_are_namespace_slash_name() {
    let out = SharedBuffer::default();
    log_all(&text(&out));
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 controller.go:7] \"Objects\" pod=\"default/web-0\" \
         node=\"node-1\" deployment=\"default/web\" widget=\"shop/gear\" \
         object=\"default/web-0\" pods=[\"default/web-0\",\"default/web-1\"] empty=[]\n"
    );
}

#[test]
fn json_references_are_objects_without_namespace_when_cluster_scoped() {
    let out = SharedBuffer::default();
    log_all(&json(&out));
    let line = out.to_string();
    for part in [
        r#""pod":{"name":"web-0","namespace":"default"}"#,
        r#""node":{"name":"node-1"}"#,
        r#""deployment":{"name":"web","namespace":"default"}"#,
        r#""widget":{"name":"gear","namespace":"shop"}"#,
        r#""object":{"name":"web-0","namespace":"default"}"#,
        r#""pods":[{"name":"web-0","namespace":"default"},{"name":"web-1","namespace":"default"}]"#,
        r#""empty":[]"#,
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}

#[test]
fn references_borrow_from_the_object() {
    let pod = pod("default", "web-0");
    let reference = pod.kobj();
    assert!(std::ptr::eq(
        reference.name(),
        pod.metadata.name.as_deref().unwrap()
    ));
    assert!(std::ptr::eq(
        reference.namespace(),
        pod.metadata.namespace.as_deref().unwrap()
    ));
    // An object without metadata logs as Go's empty ObjectRef.
    assert_eq!(Pod::default().kobj(), klog::KObj::new("", ""));
}
