#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| klog_fuzz::check_dialects(data));
