//! The macros' rejected forms fail to compile with a message that says what to write
//! instead. Each `ui/*.rs` holds one form; its `.stderr` is the expected compiler output
//! (rustc's wording, so a new compiler may need `TRYBUILD=overwrite` after a review).

#[test]
fn rejected_macro_forms() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
