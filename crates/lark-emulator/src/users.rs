//! Calls made as a signed-in user: the emulator answers them for the user whose token they carry.

use lark_openapi::authen::v1::user_info::get::GetRequest as UserInfoRequest;
use lark_openapi::runtime::Endpoint;
use serde_json::{Value, json};

use crate::DEMO_TENANT_KEY;
use crate::answer::Answer;
use crate::generic::response_example;
use crate::shared::Shared;
use crate::tokens::Bearer;

/// `authen/v1/user_info`: the page's example profile, as the user the token belongs to (their open_id,
/// the emulated tenant). The route takes only user tokens, so the bearer is a user.
pub(crate) fn user_info(_: &Shared, bearer: &Bearer, _: UserInfoRequest) -> Answer {
    let mut profile = response_example(UserInfoRequest::METADATA)
        .and_then(|mut answer| answer.get_mut("data").map(Value::take))
        .unwrap_or_else(|| json!({}));
    profile["open_id"] = json!(bearer.open_id);
    profile["tenant_key"] = json!(DEMO_TENANT_KEY);
    Answer::ok("success", profile)
}
