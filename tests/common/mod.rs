//! What several end-to-end test binaries build the same way.

use lark_openapi::attendance::v1::types::UserFlow;

/// A punch of `user`, made by `user`, at `check_time` (Unix seconds), at Xixi, with no optional field set.
pub fn user_flow(user: &str, check_time: i64) -> UserFlow {
    UserFlow {
        user_id: user.to_owned(),
        creator_id: user.to_owned(),
        location_name: "Xixi".to_owned(),
        check_time: check_time.to_string(),
        comment: "test".to_owned(),
        record_id: None,
        longitude: None,
        latitude: None,
        ssid: None,
        bssid: None,
        is_field: None,
        is_wifi: None,
        r#type: None,
        photo_urls: None,
        device_id: None,
        check_result: None,
        external_id: None,
        idempotent_id: None,
        create_time: None,
    }
}
