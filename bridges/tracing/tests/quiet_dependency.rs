//! A chatty dependency that logs through `tracing` is quieted below `-v` with an exact
//! `-vmodule` entry on its module (`hyper::*==0`), while the rest of the program logs at
//! `-v=4`. Own test binary: it changes the process-wide `-v` and `-vmodule`.

use tracing_subscriber::layer::SubscriberExt;

/// Stands for a dependency such as hyper.
mod hyper {
    pub(crate) fn poll() {
        tracing::info!("connection established");
        tracing::debug!("reading frame");
        tracing::trace!("frame bytes");
    }
}

fn messages(out: &klog::SharedBuffer) -> Vec<String> {
    String::from_utf8(out.take())
        .unwrap()
        .lines()
        .map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest).to_owned())
        .collect()
}

#[test]
fn exact_vmodule_entry_quiets_a_tracing_dependency() {
    let out = klog::SharedBuffer::default();
    let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
    let subscriber = tracing_subscriber::registry().with(klog_tracing::KlogLayer::new(logger));
    let _default = tracing::subscriber::set_default(subscriber);
    let run = || {
        hyper::poll();
        tracing::debug!("reconciling");
        messages(&out)
    };

    klog::set_verbosity(4);
    assert_eq!(
        run(),
        [
            r#""connection established""#,
            r#""reading frame""#,
            r#""reconciling""#
        ]
    );

    // As an operator would write it: --vmodule=quiet_dependency::hyper==0
    let vmodule = concat!(module_path!(), "::hyper==0");
    klog::set_vmodule(vmodule.parse().unwrap());
    assert_eq!(run(), [r#""connection established""#, r#""reconciling""#]);

    // -v=5: the dependency stays at V(0), the rest gets trace! too.
    klog::set_verbosity(5);
    hyper::poll();
    tracing::trace!("reconcile details");
    assert_eq!(
        messages(&out),
        [r#""connection established""#, r#""reconcile details""#]
    );

    klog::set_vmodule(klog::VModule::default());
    assert_eq!(
        run(),
        [
            r#""connection established""#,
            r#""reading frame""#,
            r#""frame bytes""#,
            r#""reconciling""#
        ]
    );
}
