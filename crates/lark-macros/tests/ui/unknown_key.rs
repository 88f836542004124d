lark_macros::endpoint!("unknown_key.yaml");

fn main() {}
