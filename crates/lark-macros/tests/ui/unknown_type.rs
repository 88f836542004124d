lark_macros::endpoint!("unknown_type.yaml");

fn main() {}
