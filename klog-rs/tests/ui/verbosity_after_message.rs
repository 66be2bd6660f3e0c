fn main() {
    let logger = klog::Logger::discard();
    klog::info!(logger, "Synced", v: 2);
}
