//! A kube-runtime reconcile that logs like a Go controller-runtime one: [`ReconcileLogger`].

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use kube::runtime::controller::Action;
use kube::Resource;

use klog::{KeyValue, Logger};

use crate::kobj;

/// The next `reconcileID`: unique within the process, so one reconcile's lines can be
/// found among interleaved ones (controller-runtime uses a UUID for the same purpose).
static RECONCILE_IDS: AtomicU64 = AtomicU64::new(1);

/// Wraps a `kube_runtime::Controller`'s reconcile function and error policy so that each
/// reconcile logs as a Go controller-runtime one does.
///
/// - [`reconcile`](Self::reconcile) runs every call with a derived logger current
///   ([`klog::from_context`] and the klog macros without a logger return it): named after
///   the controller, with the object and a `reconcileID` bound, e.g.
///   `logger="pod-controller" pod="default/web-0" reconcileID=7`. A successful reconcile
///   is logged at [`verbosity`](Self::verbosity) (V4 by default) as `"Reconcile
///   succeeded"`, with `requeueAfter` when the returned [`Action`] requeues.
/// - [`error_policy`](Self::error_policy) logs each failed reconcile with that logger as
///   `"Reconciler error" err="…"`, plus the `requeueAfter` its policy chose.
///
/// The base logger is [`logger`](Self::logger)'s if one was given, else the current one
/// ([`klog::from_context`]) where the controller calls the reconcile function; so a
/// controller stream run under `klog::WithLogger::with_logger` (or a `klog::testing`
/// logger) uses that one.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use k8s_openapi::api::core::v1::Pod;
/// use kube::core::ObjectMeta;
/// use kube::runtime::controller::Action;
///
/// #[derive(Debug)]
/// struct Error;
/// impl std::fmt::Display for Error {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("image pull failed")
///     }
/// }
/// impl std::error::Error for Error {}
///
/// async fn reconcile(pod: Arc<Pod>, _ctx: Arc<()>) -> Result<Action, Error> {
///     klog::info!("Reconciling"); // the reconcile's logger, from the context
///     if pod.metadata.name.as_deref() == Some("bad") {
///         return Err(Error);
///     }
///     Ok(Action::requeue(Duration::from_secs(300)))
/// }
///
/// fn error_policy(_pod: Arc<Pod>, _err: &Error, _ctx: Arc<()>) -> Action {
///     Action::requeue(Duration::from_secs(5))
/// }
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// let logging = klog_kube::ReconcileLogger::new("pod-controller").logger(logger);
///
/// // With a controller: `Controller::new(pods, watcher::Config::default())
/// //     .run(logging.reconcile(reconcile), logging.error_policy(error_policy), ctx)`.
/// // Called by hand here:
/// let mut reconcile = logging.reconcile(reconcile);
/// let error_policy = logging.error_policy(error_policy);
/// let pod = |name: &str| Arc::new(Pod {
///     metadata: ObjectMeta {
///         name: Some(name.into()),
///         namespace: Some("default".into()),
///         ..ObjectMeta::default()
///     },
///     ..Pod::default()
/// });
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// assert!(rt.block_on(reconcile(pod("web-0"), Arc::new(()))).is_ok());
/// let err = rt.block_on(reconcile(pod("bad"), Arc::new(()))).unwrap_err();
/// assert_eq!(error_policy(pod("bad"), &err, Arc::new(())), Action::requeue(Duration::from_secs(5)));
///
/// let text = out.to_string();
/// let lines: Vec<&str> = text.lines().collect();
/// assert!(lines[0].contains("] \"Reconciling\" logger=\"pod-controller\" pod=\"default/web-0\" reconcileID="));
/// assert!(lines[1].contains("] \"Reconciling\" logger=\"pod-controller\" pod=\"default/bad\" reconcileID="));
/// assert!(lines[2].starts_with('E'));
/// assert!(lines[2].contains("] \"Reconciler error\" err=\"image pull failed\" logger=\"pod-controller\" pod=\"default/bad\" reconcileID="));
/// assert!(lines[2].ends_with(" requeueAfter=\"5s\""));
/// ```
#[derive(Clone, Debug)]
pub struct ReconcileLogger {
    name: Arc<str>,
    logger: Option<Logger>,
    object_key: Option<Arc<str>>,
    verbosity: i32,
}

impl ReconcileLogger {
    /// Logging for the controller `name` (the logger name, e.g. `"pod-controller"`).
    ///
    /// ```
    /// let logging = klog_kube::ReconcileLogger::new("pod-controller");
    /// assert_eq!(logging.name(), "pod-controller");
    /// ```
    #[must_use]
    pub fn new(name: &str) -> ReconcileLogger {
        ReconcileLogger {
            name: name.into(),
            logger: None,
            object_key: None,
            verbosity: 4,
        }
    }

    /// The logger to derive from, instead of the current one at each reconcile.
    ///
    /// ```
    /// let logging = klog_kube::ReconcileLogger::new("pod-controller")
    ///     .logger(klog::background().with_name("operator"));
    /// # let _ = logging;
    /// ```
    #[must_use]
    pub fn logger(mut self, logger: Logger) -> ReconcileLogger {
        self.logger = Some(logger);
        self
    }

    /// The key the reconciled object is bound under; by default its kind in lower case
    /// (`pod`, `deployment`), as controller-runtime does.
    ///
    /// ```
    /// use k8s_openapi::api::core::v1::Pod;
    /// let logging = klog_kube::ReconcileLogger::new("web").object_key("object");
    /// let logger = logging.for_object(&Pod::default());
    /// # let _ = logger;
    /// ```
    #[must_use]
    pub fn object_key(mut self, key: &str) -> ReconcileLogger {
        self.object_key = Some(key.into());
        self
    }

    /// The V level of the `"Reconcile succeeded"` lines (4 by default: debug, as
    /// kube-runtime's own per-reconcile events; controller-runtime uses 5).
    ///
    /// ```
    /// let logging = klog_kube::ReconcileLogger::new("pod-controller").verbosity(2);
    /// # let _ = logging;
    /// ```
    #[must_use]
    pub fn verbosity(mut self, verbosity: i32) -> ReconcileLogger {
        self.verbosity = verbosity;
        self
    }

    /// The controller's name.
    ///
    /// ```
    /// assert_eq!(klog_kube::ReconcileLogger::new("web").name(), "web");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The logger a reconcile of `object` gets, without its `reconcileID`: the base logger
    /// named after the controller, with the object bound. For code that runs outside
    /// [`reconcile`](Self::reconcile), such as a watch mapper.
    ///
    /// ```
    /// use k8s_openapi::api::core::v1::Pod;
    /// use kube::core::ObjectMeta;
    ///
    /// let out = klog::SharedBuffer::default();
    /// let logging = klog_kube::ReconcileLogger::new("pod-controller")
    ///     .logger(klog::TextSink::builder().writer(out.clone()).build_logger());
    /// let pod = Pod {
    ///     metadata: ObjectMeta { name: Some("web-0".into()), namespace: Some("default".into()), ..Default::default() },
    ///     ..Pod::default()
    /// };
    /// klog::info!(logging.for_object(&pod), "Mapped");
    /// assert!(out.to_string().ends_with("] \"Mapped\" logger=\"pod-controller\" pod=\"default/web-0\"\n"));
    /// ```
    #[must_use]
    pub fn for_object<K>(&self, object: &K) -> Logger
    where
        K: Resource,
        K::DynamicType: Default,
    {
        let key = self.key::<K>(&K::DynamicType::default());
        self.derive(&key, object, None)
    }

    /// Wraps a reconcile function for `Controller::run`: see the type's documentation.
    /// The error type becomes [`ReconcileError<E>`], which
    /// [`error_policy`](Self::error_policy) takes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use k8s_openapi::api::core::v1::Pod;
    /// use kube::runtime::controller::Action;
    ///
    /// async fn reconcile(_pod: Arc<Pod>, _ctx: Arc<()>) -> Result<Action, std::io::Error> {
    ///     Ok(Action::await_change())
    /// }
    /// let mut reconcile = klog_kube::ReconcileLogger::new("pod-controller").reconcile(reconcile);
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(reconcile(Arc::new(Pod::default()), Arc::new(()))).unwrap(), Action::await_change());
    /// ```
    pub fn reconcile<K, Ctx, F, Fut, E>(
        &self,
        reconcile: F,
    ) -> impl FnMut(Arc<K>, Arc<Ctx>) -> Reconcile<Fut>
    where
        K: Resource,
        K::DynamicType: Default,
        F: FnMut(Arc<K>, Arc<Ctx>) -> Fut,
        Fut: Future<Output = Result<Action, E>>,
    {
        self.reconcile_with(&K::DynamicType::default(), reconcile)
    }

    /// [`reconcile`](Self::reconcile) for resources whose type is known at run time
    /// (`DynamicObject`, as with `Controller::new_with`): the object key is the kind of
    /// `dyntype` in lower case, unless [`object_key`](Self::object_key) is set.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use k8s_openapi::api::apps::v1::Deployment;
    /// use kube::core::{ApiResource, DynamicObject};
    /// use kube::runtime::controller::Action;
    ///
    /// let logger = klog::testing::logger();
    /// let resource = ApiResource::erase::<Deployment>(&());
    /// let mut reconcile = klog_kube::ReconcileLogger::new("deployment-controller")
    ///     .logger(logger.logger().clone())
    ///     .reconcile_with(&resource, |_: Arc<DynamicObject>, _: Arc<()>| async {
    ///         klog::info!("Reconciling");
    ///         Ok::<_, std::io::Error>(Action::await_change())
    ///     });
    /// let web = Arc::new(DynamicObject::new("web", &resource).within("default"));
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(reconcile(web, Arc::new(()))).unwrap();
    /// assert_eq!(logger.entries()[0].value("deployment"), Some("\"default/web\""));
    /// ```
    pub fn reconcile_with<K, Ctx, F, Fut, E>(
        &self,
        dyntype: &K::DynamicType,
        mut reconcile: F,
    ) -> impl FnMut(Arc<K>, Arc<Ctx>) -> Reconcile<Fut>
    where
        K: Resource,
        F: FnMut(Arc<K>, Arc<Ctx>) -> Fut,
        Fut: Future<Output = Result<Action, E>>,
    {
        let this = self.clone();
        let key = self.key::<K>(dyntype);
        move |object, context| {
            let id = RECONCILE_IDS.fetch_add(1, Ordering::Relaxed);
            let logger = this.derive(&key, &*object, Some(id));
            // The function's synchronous part runs with the logger current too.
            let inner = klog::with_logger(logger.clone(), || reconcile(object, context));
            Reconcile {
                inner,
                logger,
                verbosity: this.verbosity,
            }
        }
    }

    /// Wraps an error policy for `Controller::run`: runs it with the failed reconcile's
    /// logger current, then logs `"Reconciler error"` with `err=` and the chosen
    /// `requeueAfter`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use k8s_openapi::api::core::v1::Pod;
    /// use kube::runtime::controller::Action;
    ///
    /// let policy = klog_kube::ReconcileLogger::new("pod-controller")
    ///     .error_policy(|_pod: Arc<Pod>, _err: &std::io::Error, _ctx: Arc<()>| {
    ///         Action::requeue(Duration::from_secs(5))
    ///     });
    /// # let _ = policy;
    /// ```
    pub fn error_policy<K, Ctx, E, P>(
        &self,
        policy: P,
    ) -> impl Fn(Arc<K>, &ReconcileError<E>, Arc<Ctx>) -> Action
    where
        K: Resource,
        E: Error + 'static,
        P: Fn(Arc<K>, &E, Arc<Ctx>) -> Action,
    {
        move |object, error, context| {
            let logger = &error.logger;
            let action =
                klog::with_logger(logger.clone(), || policy(object, &error.error, context));
            match requeue_after(&action) {
                Some(after) => klog::error!(
                    logger,
                    err: &error.error,
                    "Reconciler error",
                    requeueAfter = after
                ),
                None => klog::error!(logger, err: &error.error, "Reconciler error"),
            }
            action
        }
    }

    fn key<K: Resource>(&self, dyntype: &K::DynamicType) -> Arc<str> {
        match &self.object_key {
            Some(key) => key.clone(),
            None => K::kind(dyntype).to_lowercase().into(),
        }
    }

    fn derive<K: Resource>(&self, key: &str, object: &K, id: Option<u64>) -> Logger {
        let base = match &self.logger {
            Some(logger) => logger.clone(),
            None => klog::from_context(),
        };
        let object = kobj(object);
        let logger = base.with_name(&self.name);
        match id {
            Some(id) => logger.with_values(&[
                KeyValue::new(key, &object),
                KeyValue::new("reconcileID", &id),
            ]),
            None => logger.with_values(&[KeyValue::new(key, &object)]),
        }
    }
}

pin_project_lite::pin_project! {
    /// A reconcile future made by [`ReconcileLogger::reconcile`]: the reconcile's logger is
    /// current on every poll.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use k8s_openapi::api::core::v1::Pod;
    /// use kube::runtime::controller::Action;
    ///
    /// let mut reconcile = klog_kube::ReconcileLogger::new("pod-controller")
    ///     .reconcile(|_pod: Arc<Pod>, _ctx: Arc<()>| async { Ok::<_, std::io::Error>(Action::await_change()) });
    /// let future: klog_kube::Reconcile<_> = reconcile(Arc::new(Pod::default()), Arc::new(()));
    /// assert_eq!(future.logger().sink().is_some(), klog::background().sink().is_some());
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Reconcile<F> {
        #[pin]
        inner: F,
        logger: Logger,
        verbosity: i32,
    }
}

impl<F> Reconcile<F> {
    /// The reconcile's logger.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }
}

impl<F, E> Future for Reconcile<F>
where
    F: Future<Output = Result<Action, E>>,
{
    type Output = Result<Action, ReconcileError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let result = match klog::with_logger(this.logger.clone(), || inner.poll(cx)) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        Poll::Ready(match result {
            Ok(action) => {
                let logger = this.logger.v(*this.verbosity);
                if logger.enabled() {
                    match requeue_after(&action) {
                        Some(after) => {
                            klog::info!(logger, "Reconcile succeeded", requeueAfter = after)
                        }
                        None => klog::info!(logger, "Reconcile succeeded"),
                    }
                }
                Ok(action)
            }
            Err(error) => Err(ReconcileError {
                error,
                logger: this.logger.clone(),
            }),
        })
    }
}

/// A failed reconcile's error with the reconcile's logger, as [`ReconcileLogger::reconcile`]
/// returns it and [`ReconcileLogger::error_policy`] takes it. Displays as the error.
///
/// ```
/// use std::sync::Arc;
/// use k8s_openapi::api::core::v1::Pod;
/// use kube::runtime::controller::Action;
///
/// let mut reconcile = klog_kube::ReconcileLogger::new("pod-controller").reconcile(
///     |_pod: Arc<Pod>, _ctx: Arc<()>| async { Err::<Action, _>(std::io::Error::other("boom")) },
/// );
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let err = rt.block_on(reconcile(Arc::new(Pod::default()), Arc::new(()))).unwrap_err();
/// assert_eq!(err.to_string(), "boom");
/// assert_eq!(err.into_inner().kind(), std::io::ErrorKind::Other);
/// ```
#[derive(Debug)]
pub struct ReconcileError<E> {
    error: E,
    logger: Logger,
}

impl<E> ReconcileError<E> {
    /// The reconcile function's error.
    pub fn inner(&self) -> &E {
        &self.error
    }

    /// The reconcile function's error, by value.
    pub fn into_inner(self) -> E {
        self.error
    }

    /// The failed reconcile's logger.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }
}

impl<E: fmt::Display> fmt::Display for ReconcileError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<E: Error> Error for ReconcileError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

/// When `action` requeues, if it does. kube-runtime keeps the duration private, so it is
/// read back from `Action`'s `Debug` text (`Action { requeue_after: Some(1.5s) }`); a
/// test pins that format for the kube version in use.
pub(crate) fn requeue_after(action: &Action) -> Option<Duration> {
    if *action == Action::await_change() {
        return None;
    }
    let text = format!("{action:?}");
    let inner = text.split_once("Some(")?.1.split_once(')')?.0;
    parse_debug_duration(inner)
}

/// Parses `Duration`'s `Debug` text: digits, an optional fraction, a unit.
fn parse_debug_duration(text: &str) -> Option<Duration> {
    let unit_at = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(unit_at);
    let scale: u128 = match unit {
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "µs" => 1_000,
        "ns" => 1,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let mut nanos = whole.parse::<u128>().ok()?.checked_mul(scale)?;
    let mut place = scale;
    for digit in fraction.bytes() {
        if !digit.is_ascii_digit() {
            return None;
        }
        place /= 10;
        nanos += u128::from(digit - b'0') * place;
    }
    Some(Duration::from_nanos(u64::try_from(nanos).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requeue_durations_are_read_back_from_actions() {
        for after in [
            Duration::from_secs(300),
            Duration::from_millis(1500),
            Duration::from_micros(12),
            Duration::from_nanos(1_000_000_001),
            Duration::from_nanos(7),
            Duration::ZERO,
        ] {
            assert_eq!(requeue_after(&Action::requeue(after)), Some(after));
        }
        assert_eq!(requeue_after(&Action::await_change()), None);
        assert_eq!(parse_debug_duration("1.5h"), None);
    }
}
