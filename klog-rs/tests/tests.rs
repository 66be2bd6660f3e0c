//! Integration tests: one binary, one module per topic.

mod tests {
    pub(crate) mod common;
    mod concurrency;
    mod context;
    mod convert;
    mod crate_docs;
    mod dialect_props;
    mod json;
    mod layers;
    mod lazy_derive;
    mod local_time;
    mod logger;
    mod macros;
    pub(crate) mod properties;
    mod robustness;
    mod values;
}
