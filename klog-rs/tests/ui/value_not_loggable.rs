struct Spec {
    replicas: u32,
}

fn main() {
    let logger = klog::Logger::discard();
    let spec = Spec { replicas: 3 };
    klog::info!(logger, "Applied", spec);
    let _ = spec.replicas;
}
