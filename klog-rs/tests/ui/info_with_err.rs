fn main() {
    let logger = klog::Logger::discard();
    let err = std::io::Error::other("boom");
    klog::info!(logger, err: &err, "Failed to sync");
}
