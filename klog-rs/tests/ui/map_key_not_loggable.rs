use std::collections::HashMap;

fn main() {
    let logger = klog::Logger::discard();
    let ready = HashMap::from([(true, 3), (false, 1)]);
    klog::info!(logger, "Counted", ready);
}
