fn main() {
    let logger = klog::Logger::discard();
    klog::error!(logger, err: "connection refused", "Failed to sync");
}
