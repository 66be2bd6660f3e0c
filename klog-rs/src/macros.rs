//! `info!`, `warning!`, `error!`, `fatal!`, `enabled!`, `with_values!`.
//!
//! Each call declares a `static` [`Callsite`](crate::Callsite), checks verbosity (one
//! relaxed atomic load first), and only then evaluates the key/values.
//!
//! Key/value syntax, as in `tracing`: `key = value` (any [`ToValue`](crate::ToValue)),
//! `"any key" = value`, `key = %display`, `key = ?debug`, and the shorthands `%name`,
//! `?name` and `name` (key and value both `name`).
//!
//! Messages are constant, as in klog: a literal message with `format!` placeholders
//! (`"Synced {}"`, `"Synced {name}"`) is a compile error that says to put the values in
//! key/values instead.

/// Logs an info record (severity `I`): `info!([v: N,] [logger,] "message", key = value, …)`.
///
/// Without a logger the current one is used ([`from_context`](crate::from_context)).
/// `v: N` sets the verbosity (added to the logger's own [`v`](crate::Logger::v)); it may
/// come before or after the logger. Nothing is evaluated when the call is disabled.
///
/// The message is constant (klog's rule: values go in key/values). A literal message with
/// `format!` placeholders does not compile:
///
/// ```compile_fail
/// let logger = klog::Logger::discard();
/// let name = "web";
/// klog::info!(logger, "Synced {}", name); // error: klog messages are constant…
/// ```
///
/// Write `info!(logger, "Synced", name)` instead. `{{` is not a placeholder, and a message
/// that must contain `{…}` can be passed as a constant (`const MSG: &str = "…";`), which is
/// not checked.
///
/// ```
/// use klog::{info, KObj};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).verbosity(4).build_logger();
/// let (attempt, latency_ms) = (3, 12.5);
/// info!(logger, "Pod status updated",
///     pod = KObj::new("kube-system", "coredns"), status = "ready", attempt, latency_ms);
/// info!(v: 4, logger, "Probe ok", "probe name" = "liveness", addr = %"10.0.0.1", ?latency_ms);
/// info!(logger, v: 4, "Probe ok", ports = [80, 443], node = None::<&str>);
/// let text = out.to_string();
/// assert!(text.contains("] \"Pod status updated\" pod=\"kube-system/coredns\" status=\"ready\" attempt=3 latency_ms=12.5\n"));
/// assert!(text.contains("] \"Probe ok\" probe name=\"liveness\" addr=\"10.0.0.1\" latency_ms=\"12.5\"\n"));
/// assert!(text.ends_with("] \"Probe ok\" ports=[80,443] node=null\n"));
/// ```
#[macro_export]
macro_rules! info {
    (v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Info, $v, $($rest)+)
    };
    ($logger:expr, v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Info, $v, $logger, $($rest)+)
    };
    ($logger:expr, err: $($rest:tt)*) => {
        ::core::compile_error!(
            "info! takes no `err:`: use error!(logger, err: &e, \"message\", …), or log the error as a value: info!(logger, \"message\", err = &e as &dyn std::error::Error)"
        )
    };
    ($($rest:tt)+) => {
        $crate::__klog_log!(Info, 0, $($rest)+)
    };
}

/// Logs a warning record (severity `W`): the same syntax as [`info!`].
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::warning!(logger, "Slow response", elapsed = std::time::Duration::from_millis(1500));
/// assert!(out.to_string().starts_with('W'));
/// assert!(out.to_string().ends_with("] \"Slow response\" elapsed=\"1.5s\"\n"));
/// ```
#[macro_export]
macro_rules! warning {
    (v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Warning, $v, $($rest)+)
    };
    ($logger:expr, v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Warning, $v, $logger, $($rest)+)
    };
    ($logger:expr, err: $($rest:tt)*) => {
        ::core::compile_error!(
            "warning! takes no `err:`: use error!(logger, err: &e, \"message\", …), or log the error as a value: warning!(logger, \"message\", err = &e as &dyn std::error::Error)"
        )
    };
    ($($rest:tt)+) => {
        $crate::__klog_log!(Warning, 0, $($rest)+)
    };
}

/// Logs an error record (severity `E`), whatever the verbosity:
/// `error!([logger,] [err: e,] "message", key = value, …)`.
///
/// `err:` takes the error as a program holds it, by reference or by value (it is only
/// borrowed): any `E: std::error::Error`, `dyn Error` (`&dyn Error`,
/// `&(dyn Error + Send + Sync)`), `Box<dyn Error + Send + Sync>`, `Arc<dyn Error>`, and
/// types that deref or `AsRef` to `dyn Error` such as `anyhow::Error`. It is written first,
/// as `err="…"` (its `Display` text). `err:` may also come before the logger. Error records
/// have no verbosity: `v:` is a compile error.
///
/// ```
/// use std::error::Error;
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// let err = std::io::Error::other("connection refused");
/// klog::error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
/// let boxed: Box<dyn Error + Send + Sync> = "quota exceeded".into();
/// klog::error!(logger, err: &boxed, "Failed to create");
/// let dynamic: &dyn Error = &err;
/// klog::error!(logger, err: dynamic, "Failed to watch");
/// klog::error!(logger, "Invariant violated", shard = 7);
/// let text = out.to_string();
/// assert!(text.contains("] \"Failed to sync\" err=\"connection refused\" key=\"kube-system/coredns\"\n"));
/// assert!(text.contains("] \"Failed to create\" err=\"quota exceeded\"\n"));
/// assert!(text.contains("] \"Failed to watch\" err=\"connection refused\"\n"));
/// assert!(text.ends_with("] \"Invariant violated\" shard=7\n"));
/// ```
///
/// Anything else is rejected with a message saying what `err:` takes:
///
/// ```compile_fail
/// let logger = klog::Logger::discard();
/// klog::error!(logger, err: "not an error", "Failed");
/// ```
#[macro_export]
macro_rules! error {
    (v: $($rest:tt)*) => {
        $crate::__klog_no_v!(error)
    };
    (err: $err:expr, $msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_error!(__klog_current, $err, $msg $($rest)*)
    }};
    (err: $err:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_error!($logger, $err, $msg $(, $($kv)*)?)
    };
    ($msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_log!(Error, 0, __klog_current, $msg $($rest)*)
    }};
    ($logger:expr, err: $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_error!($logger, $err, $msg $(, $($kv)*)?)
    };
    ($logger:expr, v: $($rest:tt)*) => {
        $crate::__klog_no_v!(error)
    };
    ($logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_log!(Error, 0, $logger, $msg $(, $($kv)*)?)
    };
}

/// Logs a fatal record (severity `F`), flushes, prints the current thread's backtrace to
/// stderr and exits the process with status 255 (klog's `Fatal`):
/// `fatal!([logger,] [err: e,] "message", key = value, …)`. `err:` takes what
/// [`error!`]'s does.
///
/// ```no_run
/// let logger = klog::background();
/// let err = std::io::Error::other("cannot bind :8080");
/// klog::fatal!(logger, err: &err, "Failed to start server", port = 8080);
/// ```
#[macro_export]
macro_rules! fatal {
    (v: $($rest:tt)*) => {
        $crate::__klog_no_v!(fatal)
    };
    (err: $err:expr, $msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_fatal!(__klog_current, Some($crate::__klog_err!($err)), $msg $($rest)*)
    }};
    (err: $err:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!($logger, Some($crate::__klog_err!($err)), $msg $(, $($kv)*)?)
    };
    ($msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_fatal!(__klog_current, None, $msg $($rest)*)
    }};
    ($logger:expr, err: $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!($logger, Some($crate::__klog_err!($err)), $msg $(, $($kv)*)?)
    };
    ($logger:expr, v: $($rest:tt)*) => {
        $crate::__klog_no_v!(fatal)
    };
    ($logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!($logger, None, $msg $(, $($kv)*)?)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_no_v {
    (error) => {
        ::core::compile_error!(
            "error! takes no `v:`: error records are written whatever the verbosity (logr's Error); use info!(v: N, …) or warning!(v: N, …) for a verbosity"
        )
    };
    (fatal) => {
        ::core::compile_error!(
            "fatal! takes no `v:`: fatal records are written whatever the verbosity"
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_fatal {
    (@go $logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        $crate::__private::fatal(
            &__KLOG_CALLSITE,
            __klog_logger,
            $err,
            $msg,
            &$crate::__klog_kvs!(@ [] $($($kv)*)?),
        )
    }};
    ($logger:expr, $err:expr, $msg:literal $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!(@go $logger, $err, $crate::__klog_msg!($msg) $(, $($kv)*)?)
    };
    ($logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!(@go $logger, $err, $msg $(, $($kv)*)?)
    };
}

/// Whether an info call would be written: `enabled!([v: N,] [logger])` (`v:` may also
/// follow the logger).
///
/// ```
/// let logger = klog::TextSink::builder().writer(std::io::sink()).verbosity(2).build_logger();
/// assert!(klog::enabled!(v: 2, logger));
/// assert!(klog::enabled!(logger, v: 2));
/// assert!(!klog::enabled!(v: 3, logger));
/// ```
#[macro_export]
macro_rules! enabled {
    (v: $v:expr, $logger:expr) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        __klog_logger.enabled_v_at_callsite($v, &__KLOG_CALLSITE)
    }};
    (v: $v:expr) => {{
        let __klog_current = $crate::__private::current();
        $crate::enabled!(v: $v, __klog_current)
    }};
    ($logger:expr, v: $v:expr) => {
        $crate::enabled!(v: $v, $logger)
    };
    ($logger:expr) => {
        $crate::enabled!(v: 0, $logger)
    };
    () => {
        $crate::enabled!(v: 0)
    };
}

/// A logger that adds key/values to every record, with the key/value syntax of [`info!`]:
/// `with_values!(logger, key = value, …)` is
/// [`logger.with_values(&[…])`](crate::Logger::with_values) (logr's `WithValues`).
///
/// ```
/// use klog::{info, with_values, KObj};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// let pod = KObj::new("kube-system", "coredns");
/// let attempt = 2;
/// let pod_logger = with_values!(logger, pod, attempt, "node name" = "worker-1", phase = %"Running");
/// info!(pod_logger, "Synced");
/// assert!(out.to_string().ends_with(
///     "] \"Synced\" pod=\"kube-system/coredns\" attempt=2 node name=\"worker-1\" phase=\"Running\"\n"
/// ));
/// ```
#[macro_export]
macro_rules! with_values {
    ($logger:expr $(, $($kv:tt)*)?) => {
        $crate::Logger::with_values(&$logger, &$crate::__klog_kvs!(@ [] $($($kv)*)?))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_log {
    (@go Error, $v:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        if !__klog_logger.is_discard() {
            $crate::__private::log(
                &__KLOG_CALLSITE,
                __klog_logger,
                $crate::__private::Severity::Error,
                0,
                None,
                $msg,
                &$crate::__klog_kvs!(@ [] $($($kv)*)?),
            );
        }
    }};
    (@go $severity:ident, $v:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        let __klog_v: i32 = $v;
        if __klog_logger.enabled_v_at_callsite(__klog_v, &__KLOG_CALLSITE) {
            $crate::__private::log(
                &__KLOG_CALLSITE,
                __klog_logger,
                $crate::__private::Severity::$severity,
                __klog_logger.level_at_v(__klog_v),
                None,
                $msg,
                &$crate::__klog_kvs!(@ [] $($($kv)*)?),
            );
        }
    }};
    // Without a logger: the gate first (the logger's offset only raises the level),
    // then the current logger.
    ($severity:ident, $v:expr, $msg:literal $(, $($kv:tt)*)?) => {{
        let __klog_v: i32 = $v;
        if $crate::__private::gate_allows(__klog_v) {
            let __klog_current = $crate::__private::current();
            $crate::__klog_log!(@go $severity, __klog_v, __klog_current, $crate::__klog_msg!($msg) $(, $($kv)*)?)
        }
    }};
    ($severity:ident, $v:expr, $logger:expr, $msg:literal $(, $($kv:tt)*)?) => {
        $crate::__klog_log!(@go $severity, $v, $logger, $crate::__klog_msg!($msg) $(, $($kv)*)?)
    };
    ($severity:ident, $v:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_log!(@go $severity, $v, $logger, $msg $(, $($kv)*)?)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_error {
    (@go $logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        if !__klog_logger.is_discard() {
            $crate::__private::log(
                &__KLOG_CALLSITE,
                __klog_logger,
                $crate::__private::Severity::Error,
                0,
                Some($crate::__klog_err!($err)),
                $msg,
                &$crate::__klog_kvs!(@ [] $($($kv)*)?),
            );
        }
    }};
    ($logger:expr, $err:expr, $msg:literal $(, $($kv:tt)*)?) => {
        $crate::__klog_error!(@go $logger, $err, $crate::__klog_msg!($msg) $(, $($kv)*)?)
    };
    ($logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_error!(@go $logger, $err, $msg $(, $($kv)*)?)
    };
}

/// Builds the `[KeyValue; N]` array of a call, munching one pair at a time. Each key is
/// a literal, so its text and JSON renderings are built at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __klog_kvs {
    (@ [$($out:expr),*] v : $($rest:tt)*) => {
        ::core::compile_error!(
            "`v:` goes before the message: info!(logger, v: 2, \"message\", key = value, …)"
        )
    };
    (@ [$($out:expr),*] err : $($rest:tt)*) => {
        ::core::compile_error!(
            "`err:` goes before the message: error!(logger, err: &e, \"message\", key = value, …)"
        )
    };
    (@ [$($out:expr),*] $(,)?) => {
        [$($out),*]
    };
    // key = %display / key = ?debug / key = value
    (@ [$($out:expr),*] $k:ident = % $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::Value::Display(&$v))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] $k:ident = ? $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::Value::Debug(&$v))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] $k:ident = $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::ToValue::to_value(&$v))] $($($rest)*)?)
    };
    // "any key" = …
    (@ [$($out:expr),*] $k:literal = % $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!($k, $crate::Value::Display(&$v))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] $k:literal = ? $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!($k, $crate::Value::Debug(&$v))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] $k:literal = $v:expr $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!($k, $crate::ToValue::to_value(&$v))] $($($rest)*)?)
    };
    // %name / ?name / name
    (@ [$($out:expr),*] % $k:ident $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::Value::Display(&$k))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] ? $k:ident $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::Value::Debug(&$k))] $($($rest)*)?)
    };
    (@ [$($out:expr),*] $k:ident $(, $($rest:tt)*)?) => {
        $crate::__klog_kvs!(@ [$($out,)* $crate::__klog_kv!(stringify!($k), $crate::ToValue::to_value(&$k))] $($($rest)*)?)
    };
}

/// The error of `err: e`: `e` borrowed, its kind picked by method resolution (see
/// `__private`'s `ErrArg`).
#[doc(hidden)]
#[macro_export]
macro_rules! __klog_err {
    ($err:expr) => {
        $crate::__private::error_arg({
            #[allow(unused_imports)]
            use $crate::__private::{
                ErrAsRef as _, ErrAsRefSendSync as _, ErrDeref as _, ErrError as _,
                ErrNothing as _, ErrRefAsRef as _, ErrRefAsRefSendSync as _, ErrRefDeref as _,
                ErrRefError as _, ErrRefRefError as _,
            };
            (&&&&&&&&&&$crate::__private::ErrArg(&$err)).__klog_error()
        })
    };
}

/// A literal message, checked at compile time for `format!` placeholders.
#[doc(hidden)]
#[macro_export]
macro_rules! __klog_msg {
    ($msg:literal) => {{
        // A const item, not an inline `const {}`: `cargo check` evaluates items too.
        const _: () = $crate::__private::check_message($msg);
        $msg
    }};
}

/// One pair with a literal key, rendered at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __klog_kv {
    ($key:expr, $value:expr) => {
        $crate::KeyValue::from_value($key, $value).with_rendered_key(
            const {
                &$crate::__private::RenderedKey::new(
                    $key,
                    concat!(" ", $key),
                    concat!(",\"", $key, "\":"),
                )
            },
        )
    };
}
