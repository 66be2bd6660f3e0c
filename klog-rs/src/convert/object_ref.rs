//! Kubernetes object references in JSON (`{"name":…,"namespace":…}`), component-base's
//! form of klog's `KObj`/`KRef`, as the filters, the text output and the pretty view see them.

use std::borrow::Cow;

use crate::go::escape::find_quote_or_escape;

/// A JSON object reference: `{"name":…}` or `{"name":…,"namespace":…}` (component-base's
/// form of klog's `KObj`/`KRef`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ObjectRef<'a> {
    #[serde(borrow)]
    pub(super) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(super) namespace: Cow<'a, str>,
}

impl ObjectRef<'_> {
    /// klog's text: `namespace/name`, or `name` without a namespace.
    pub(super) fn write_text(&self, out: &mut Vec<u8>) {
        if !self.namespace.is_empty() {
            out.extend_from_slice(self.namespace.as_bytes());
            out.push(b'/');
        }
        out.extend_from_slice(self.name.as_bytes());
    }

    /// Whether klog's raw `"namespace/name"` reads back as this reference: no quote,
    /// backslash or control character (a line break would even start a forged line).
    pub(super) fn is_plain(&self) -> bool {
        let plain = |s: &str| {
            // One pass without early exit (vectorized) clears the usual name; a quote, a
            // backslash or a byte outside printable ASCII gets the exact look.
            let suspect = s.bytes().fold(false, |suspect, b| {
                suspect | !(b' '..=b'~').contains(&b) | (b == b'"') | (b == b'\\')
            });
            !suspect || !s.chars().any(|c| c == '"' || c == '\\' || c.is_control())
        };
        plain(&self.name) && plain(&self.namespace)
    }

    pub(super) fn text_matches(&self, want: &str) -> bool {
        match want.split_once('/') {
            Some((ns, name)) => self.namespace == ns && self.name == name,
            None => self.namespace.is_empty() && self.name == want,
        }
    }
}

pub(super) fn object_ref(raw: &str) -> Option<ObjectRef<'_>> {
    let rest = raw.strip_prefix("{\"name\":")?;
    // component-base's own spelling, without escapes: read here (most references).
    /// A string without escapes at the start of `s`, and the rest.
    fn plain(s: &str) -> Option<(&str, &str)> {
        let s = s.strip_prefix('"')?;
        let n = find_quote_or_escape(s.as_bytes());
        (s.as_bytes().get(n) == Some(&b'"')).then(|| (&s[..n], &s[n + 1..]))
    }
    if let Some((name, after)) = plain(rest) {
        if after == "}" {
            return Some(ObjectRef {
                name: Cow::Borrowed(name),
                namespace: Cow::Borrowed(""),
            });
        }
        if let Some((namespace, "}")) = after.strip_prefix(",\"namespace\":").and_then(plain) {
            return Some(ObjectRef {
                name: Cow::Borrowed(name),
                namespace: Cow::Borrowed(namespace),
            });
        }
    }
    serde_json::from_str(raw).ok()
}
