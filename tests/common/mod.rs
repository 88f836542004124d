//! What several end-to-end test binaries build the same way.

use lark_openapi::attendance::v1::types::UserFlow;

/// A punch of `user`, made by `user`, at `check_time` (Unix seconds), at Xixi, with no optional field set.
pub fn user_flow(user: &str, check_time: i64) -> UserFlow {
    lark_emulator::demo::user_flow(&lark_emulator::NewPunch::new(user, check_time), "test")
}
