fn main() {
    let logger = klog::Logger::discard();
    let err = std::io::Error::other("boom");
    klog::error!(logger, "Failed to sync", err: &err);
}
