lark_macros::endpoint!("yaml_syntax.yaml");

fn main() {}
