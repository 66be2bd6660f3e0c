fn main() {
    klog::warning!(v: 2, "Retrying in {0}s", seconds = 5);
}
