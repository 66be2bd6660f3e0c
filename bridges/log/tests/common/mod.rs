//! The `log` backend of the test binaries: one process-wide backend (the facade takes
//! one, once) that hands each record to the backend the current test thread chose, so
//! tests can run in parallel.

#![allow(dead_code, unreachable_pub)]

use std::cell::RefCell;
use std::sync::{Arc, Once};

use log::{Log, Metadata, Record};

thread_local! {
    static CURRENT: RefCell<Option<Arc<dyn Log>>> = const { RefCell::new(None) };
}

struct Dispatch;

impl Log for Dispatch {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        CURRENT.with(|c| c.borrow().as_ref().is_some_and(|l| l.enabled(metadata)))
    }

    fn log(&self, record: &Record<'_>) {
        let current = CURRENT.with(|c| c.borrow().clone());
        if let Some(backend) = current {
            backend.log(record);
        }
    }

    fn flush(&self) {}
}

static DISPATCH: Dispatch = Dispatch;

/// Sends this thread's `log` records to `backend` until the next call.
pub fn use_backend(backend: Arc<dyn Log>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&DISPATCH).expect("the only log backend");
        log::set_max_level(log::LevelFilter::Trace);
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(backend));
}
