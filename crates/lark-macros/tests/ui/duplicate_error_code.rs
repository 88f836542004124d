lark_macros::endpoint!("duplicate_error_code.yaml");

fn main() {}
