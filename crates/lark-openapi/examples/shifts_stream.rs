//! Streams a paged list: every shift of the tenant, page after page, as one stream of items. The stream
//! follows the page tokens and stops on `has_more: false`, a missing or empty token, or a repeated one.
//! Against a local emulator, which pages through the reference page's example:
//!
//! ```sh
//! cargo run -p lark-openapi --example shifts_stream
//! ```

use futures::TryStreamExt;
use lark_emulator::{Emulator, RunningEmulator};
use lark_openapi::Api;
use lark_openapi::attendance::v1::shift::list::ListRequest;
use lark_openapi::attendance::v1::types::Shift;

type Failure = Box<dyn std::error::Error>;

/// Every shift, fetched `page_size` at a time.
async fn every_shift(emulator: &RunningEmulator, page_size: i32) -> Result<Vec<Shift>, Failure> {
    let client = emulator.client_builder().build()?;
    let request = ListRequest::builder().page_size(page_size).build()?;
    let shifts = client.attendance().v1().shift().list_stream(request);
    Ok(shifts.try_collect().await?)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let emulator = Emulator::builder().start().await?;
    for shift in every_shift(&emulator, 1).await? {
        let id = shift.shift_id.as_deref().unwrap_or("?");
        let name = shift.shift_name.as_deref().unwrap_or("?");
        println!("{id}  {name}  {} punches a day", shift.punch_times.unwrap_or_default());
    }
    let calls = emulator.calls("/open-apis/attendance/v1/shifts");
    println!("({calls} call(s) to the platform, one a page)");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn one_item_a_page_gives_every_item_in_one_call_each() {
        let emulator = lark_emulator::Emulator::builder().start().await.unwrap();
        let whole = super::every_shift(&emulator, 50).await.unwrap();
        assert!(!whole.is_empty());
        let before = emulator.calls("/open-apis/attendance/v1/shifts");
        let paged = super::every_shift(&emulator, 1).await.unwrap();
        assert_eq!(paged, whole);
        let calls = emulator.calls("/open-apis/attendance/v1/shifts") - before;
        assert_eq!(calls, u64::try_from(whole.len()).unwrap());
    }
}
