fn main() {
    let logger = klog::Logger::discard();
    let name = "web";
    klog::info!(logger, "Synced {}", name);
}
