//! The shared table of klog call sites for `log` call sites: klog's own
//! [`klog::bridge::intern_callsite`].

pub(crate) use klog::bridge::intern_callsite as callsite;
