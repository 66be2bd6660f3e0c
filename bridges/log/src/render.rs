//! klog's text form of a value the other library has no type for: klog's own
//! [`klog::bridge::value_text`].

pub(crate) use klog::bridge::value_text as render;
