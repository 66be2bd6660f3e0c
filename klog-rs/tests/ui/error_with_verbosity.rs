fn main() {
    let logger = klog::Logger::discard();
    klog::error!(logger, v: 2, "Failed to sync");
}
