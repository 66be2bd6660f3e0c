// A value cannot carry unchecked JSON into a line: only the crate makes a `RawJson`.
fn main() {
    let forged = klog::__private::Value::RawJson(klog::__private::RawJson("1\nI0101 forged"));
    let _ = forged;
}
