//! Bad specs become compile errors that name `file:line:column` and the field.

#[test]
fn bad_specs_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
