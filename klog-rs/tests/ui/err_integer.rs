fn main() {
    let logger = klog::Logger::discard();
    let code = 42;
    klog::error!(logger, err: &code, "Failed to sync");
}
