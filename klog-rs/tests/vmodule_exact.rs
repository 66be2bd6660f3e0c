//! Exact `-vmodule` entries (`pattern==N`, a klog-rs extension): quieting a chatty module
//! below the global `-v`, through the global settings, a configuration and flags.
//!
//! Own test binary because it changes the process-wide `-v` and `-vmodule`; one test
//! function, so the steps run in order.

use klog::{info, Logger, LoggingConfiguration, SharedBuffer, TextSink, VModuleItem};

/// Messages without their headers.
fn messages(out: &SharedBuffer) -> Vec<String> {
    String::from_utf8(out.take())
        .unwrap()
        .lines()
        .map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest).to_owned())
        .collect()
}

mod chatty {
    pub(super) fn log(logger: &klog::Logger) {
        for v in 0..=5 {
            klog::info!(v: v, logger, "chatty", v);
        }
    }
}

fn log_app(logger: &Logger) {
    for v in 0..=5 {
        info!(v: v, logger, "app", v);
    }
}

fn all(logger: &Logger, out: &SharedBuffer) -> Vec<String> {
    chatty::log(logger);
    log_app(logger);
    messages(out)
}

fn expected(chatty_max: i32, app_max: i32) -> Vec<String> {
    let chatty = (0..=chatty_max).map(|v| format!("\"chatty\" v={v}"));
    let app = (0..=app_max).map(|v| format!("\"app\" v={v}"));
    chatty.chain(app).collect()
}

#[test]
fn exact_entries_quiet_a_module_below_v() {
    let module = concat!(module_path!(), "::chatty");
    let out = SharedBuffer::default();
    // Follows the global -v and -vmodule.
    let global = TextSink::builder().writer(out.clone()).build_logger();

    klog::set_verbosity(4);
    assert_eq!(all(&global, &out), expected(4, 4));

    // The module is lowered to V(1); the rest stays at -v=4.
    klog::set_vmodule(format!("{module}==1").parse().unwrap());
    assert_eq!(all(&global, &out), expected(1, 4));
    // A logger's own offset counts as usual: V(1) through `v(1)` is V(2).
    chatty::log(&global.v(1));
    assert_eq!(messages(&out), expected(0, -1));

    // At -v=0 the same entry raises the module to V(1).
    klog::set_verbosity(0);
    assert_eq!(all(&global, &out), expected(1, 0));

    // ==0 silences every V level above 0, even at -v=10; errors are always written.
    klog::set_verbosity(10);
    klog::set_vmodule(format!("{module}==0").parse().unwrap());
    chatty::log(&global);
    klog::error!(global, "chatty error");
    assert_eq!(messages(&out), [r#""chatty" v=0"#, r#""chatty error""#]);

    // A plain entry still only raises (Go's rule).
    klog::set_vmodule(format!("{module}=1").parse().unwrap());
    assert_eq!(all(&global, &out), expected(5, 5));

    // Cleared: back to -v alone.
    klog::set_vmodule(klog::VModule::default());
    klog::set_verbosity(2);
    assert_eq!(all(&global, &out), expected(2, 2));

    // A configuration with its own threshold (logger_from_config, sink builders).
    let mut config = LoggingConfiguration::default();
    config.verbosity = 5;
    config.vmodule = vec![VModuleItem::exact(module, 3)];
    let own = TextSink::builder()
        .writer(out.clone())
        .verbosity(5)
        .vmodule(format!("{module}==3").parse().unwrap())
        .build_logger();
    assert_eq!(all(&own, &out), expected(3, 5));
    assert!(klog::logger_from_config(&config).is_ok());

    // From the flag and the configuration file's spelling.
    assert_eq!(
        VModuleItem::parse_list(&format!("{module}==3")).unwrap(),
        config.vmodule
    );
    let yaml = format!("vmodule:\n- filePattern: {module}\n  verbosity: 3\n  exact: true\n");
    assert_eq!(
        LoggingConfiguration::from_yaml(&yaml).unwrap().vmodule,
        config.vmodule
    );
    // Written back only when set, so plain entries keep component-base's schema.
    let json = config.to_json().unwrap();
    assert!(json.contains(r#""exact":true"#), "{json}");
    config.vmodule = vec![VModuleItem::new(module, 3)];
    assert!(!config.to_json().unwrap().contains(r#""exact""#));
}
