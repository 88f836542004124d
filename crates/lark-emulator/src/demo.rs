//! The demo tenant: four employees and a day of punches, chosen so that every result appears.

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use lark_openapi::attendance::v1::types::UserFlow;

use crate::attendance::{NewPunch, RecordSource, unix_time};
use crate::employees::Employee;

/// The employees of the demo: id, number and name.
pub const EMPLOYEES: [(&str, &str, &str); 4] = [
    ("E1001", "1001", "Li Lei"),
    ("E1002", "1002", "Han Meimei"),
    ("E1003", "1003", "Zhang Wei"),
    ("E1004", "1004", "Wang Fang"),
];

/// The demo tenant's roster.
pub fn employees() -> Vec<Employee> {
    EMPLOYEES
        .iter()
        .map(|(id, number, name)| Employee::new(*id, *number, *name))
        .collect()
}

/// `punch` as the record an import through `user_flows/batch_create` sends: made by the employee
/// themself at the Xixi office, with `comment` and no optional field set.
pub fn user_flow(punch: &NewPunch, comment: &str) -> UserFlow {
    UserFlow {
        user_id: punch.user_id.clone(),
        creator_id: punch.user_id.clone(),
        location_name: "Xixi office".to_owned(),
        check_time: punch.check_time.to_string(),
        comment: comment.to_owned(),
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

/// A day of punches on `date`: on time; late; a lunch punch and an early leave; a device punch that the
/// open platform may not delete (it is the only one not imported through the platform).
pub fn punches(date: NaiveDate, zone: FixedOffset) -> Vec<NewPunch> {
    let at = |hour: u32, minute: u32| {
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
        unix_time(date, time, zone)
    };
    vec![
        NewPunch::new("E1001", at(8, 52)),
        NewPunch::new("E1001", at(18, 7)),
        NewPunch::new("E1002", at(9, 14)),
        NewPunch::new("E1002", at(18, 30)),
        NewPunch::new("E1003", at(8, 58)),
        NewPunch::new("E1003", at(12, 1)),
        NewPunch::new("E1003", at(17, 42)),
        NewPunch::new("E1004", at(8, 45)).with_source(RecordSource::Device),
        NewPunch::new("E1004", at(18, 2)),
    ]
}
