lark_macros::endpoint!("min_greater_than_max.yaml");

fn main() {}
