//! The loop guard: klog's own [`klog::bridge::enter`], shared by every bridge, so a
//! record crosses out of klog and into klog at most once per thread stack.

pub(crate) use klog::bridge::{active, enter, Direction};
