//! `info!`, `warning!`, `error!`, `fatal!`, `enabled!`.
//!
//! Each call declares a `static` [`Callsite`](crate::Callsite), checks verbosity (one
//! relaxed atomic load first), and only then evaluates the key/values.
//!
//! Key/value syntax, as in `tracing`: `key = value` (any [`ToValue`](crate::ToValue)),
//! `"any key" = value`, `key = %display`, `key = ?debug`, and the shorthands `%name`,
//! `?name` and `name` (key and value both `name`).

/// Logs an info record (severity `I`): `info!([v: N,] [logger,] "message", key = value, …)`.
///
/// Without a logger the process-wide one is used. `v: N` sets the verbosity (added to
/// the logger's own [`v`](crate::Logger::v)); nothing is evaluated when it is disabled.
///
/// ```
/// use klog::{info, KObj};
/// let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
/// let (attempt, latency_ms) = (3, 12.5);
/// info!(logger, "Pod status updated",
///     pod = KObj::new("kube-system", "coredns"), status = "ready", attempt, latency_ms);
/// info!(v: 4, logger, "Probe ok", "probe name" = "liveness", addr = %"10.0.0.1", ?latency_ms);
/// ```
#[macro_export]
macro_rules! info {
    (v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Info, $v, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__klog_log!(Info, 0, $($rest)+)
    };
}

/// Logs a warning record (severity `W`): the same syntax as [`info!`].
///
/// ```
/// let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
/// klog::warning!(logger, "Slow response", elapsed = std::time::Duration::from_millis(1500));
/// ```
#[macro_export]
macro_rules! warning {
    (v: $v:expr, $($rest:tt)+) => {
        $crate::__klog_log!(Warning, $v, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__klog_log!(Warning, 0, $($rest)+)
    };
}

/// Logs an error record (severity `E`), whatever the verbosity:
/// `error!([logger,] [err: &error,] "message", key = value, …)`.
///
/// `err: e` takes a reference to anything implementing `std::error::Error` (or a
/// `dyn Error`); it is written first, as `err="…"`.
///
/// ```
/// let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
/// let err = std::io::Error::other("connection refused");
/// klog::error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
/// klog::error!(logger, "Invariant violated", shard = 7);
/// ```
#[macro_export]
macro_rules! error {
    (err: $err:expr, $msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_error!(__klog_current, $err, $msg $($rest)*)
    }};
    ($msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_log!(Error, 0, __klog_current, $msg $($rest)*)
    }};
    ($logger:expr, err: $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_error!($logger, $err, $msg $(, $($kv)*)?)
    };
    ($logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_log!(Error, 0, $logger, $msg $(, $($kv)*)?)
    };
}

/// Logs a fatal record (severity `F`), flushes, prints the current thread's backtrace to
/// stderr and exits the process with status 255 (klog's `Fatal`):
/// `fatal!([logger,] [err: &error,] "message", key = value, …)`.
///
/// ```no_run
/// let logger = klog::background();
/// let err = std::io::Error::other("cannot bind :8080");
/// klog::fatal!(logger, err: &err, "Failed to start server", port = 8080);
/// ```
#[macro_export]
macro_rules! fatal {
    (err: $err:expr, $msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_fatal!(__klog_current, Some($crate::__private::as_dyn_error($err)), $msg $($rest)*)
    }};
    ($msg:literal $($rest:tt)*) => {{
        let __klog_current = $crate::__private::current();
        $crate::__klog_fatal!(__klog_current, None, $msg $($rest)*)
    }};
    ($logger:expr, err: $err:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!($logger, Some($crate::__private::as_dyn_error($err)), $msg $(, $($kv)*)?)
    };
    ($logger:expr, $msg:expr $(, $($kv:tt)*)?) => {
        $crate::__klog_fatal!($logger, None, $msg $(, $($kv)*)?)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_fatal {
    ($logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {{
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
}

/// Whether an info call would be written: `enabled!([v: N,] [logger])`.
///
/// ```
/// let logger = klog::TextSink::builder().writer(std::io::sink()).verbosity(2).build_logger();
/// assert!(klog::enabled!(v: 2, logger));
/// assert!(!klog::enabled!(v: 3, logger));
/// ```
#[macro_export]
macro_rules! enabled {
    (v: $v:expr, $logger:expr) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        __klog_logger.enabled_for(&__KLOG_CALLSITE, $crate::__klog_level!(__klog_logger, $v))
    }};
    (v: $v:expr) => {{
        let __klog_current = $crate::__private::current();
        $crate::enabled!(v: $v, __klog_current)
    }};
    ($logger:expr) => {
        $crate::enabled!(v: 0, $logger)
    };
    () => {
        $crate::enabled!(v: 0)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_level {
    ($logger:expr, $v:expr) => {{
        let __klog_v: i32 = $v;
        $logger
            .level()
            .saturating_add(if __klog_v > 0 { __klog_v } else { 0 })
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_log {
    // Without a logger: the gate first (the logger's offset only raises the level),
    // then the current logger.
    ($severity:ident, $v:expr, $msg:literal $(, $($kv:tt)*)?) => {{
        let __klog_v: i32 = $v;
        if $crate::__private::gate_allows(__klog_v) {
            let __klog_current = $crate::__private::current();
            $crate::__klog_log!($severity, __klog_v, __klog_current, $msg $(, $($kv)*)?)
        }
    }};
    (Error, $v:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        if __klog_logger.sink().is_some() {
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
    ($severity:ident, $v:expr, $logger:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        let __klog_level = $crate::__klog_level!(__klog_logger, $v);
        if __klog_logger.enabled_for(&__KLOG_CALLSITE, __klog_level) {
            $crate::__private::log(
                &__KLOG_CALLSITE,
                __klog_logger,
                $crate::__private::Severity::$severity,
                __klog_level,
                None,
                $msg,
                &$crate::__klog_kvs!(@ [] $($($kv)*)?),
            );
        }
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __klog_error {
    ($logger:expr, $err:expr, $msg:expr $(, $($kv:tt)*)?) => {{
        static __KLOG_CALLSITE: $crate::Callsite =
            $crate::Callsite::new(file!(), line!(), module_path!());
        let __klog_logger: &$crate::Logger = &$logger;
        if __klog_logger.sink().is_some() {
            $crate::__private::log(
                &__KLOG_CALLSITE,
                __klog_logger,
                $crate::__private::Severity::Error,
                0,
                Some($crate::__private::as_dyn_error($err)),
                $msg,
                &$crate::__klog_kvs!(@ [] $($($kv)*)?),
            );
        }
    }};
}

/// Builds the `[KeyValue; N]` array of a call, munching one pair at a time. Each key is
/// a literal, so its text and JSON renderings are built at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __klog_kvs {
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
