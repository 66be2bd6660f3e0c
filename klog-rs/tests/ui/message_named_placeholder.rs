fn main() {
    let logger = klog::Logger::discard();
    let err = std::io::Error::other("boom");
    klog::error!(logger, err: &err, "Failed to sync {pod:?}");
}
