//! Bulk deletion of 1,000 ids through `batch_del_all` against the emulator, which enforces batch_del's
//! documented 10 calls a second: ids per second as a ratio of the 100 ids/s ceiling (10 calls × 10 ids)
//! and the number of calls the emulator refused with 429. One run takes about ten seconds, so this is a
//! plain measurement rather than a criterion loop.

#![allow(missing_docs)]

use std::time::Instant;

use lark_emulator::{Emulator, NewPunch};
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::runtime::Endpoint;
use lark_openapi::{Api, BulkOptions};

const IDS: usize = 1_000;
const CEILING_IDS_PER_SECOND: f64 = 100.0;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder().start().await.expect("the emulator starts");
        let ids = emulator.import((0..IDS as i64).map(|i| NewPunch::new("E1", 1_795_483_800 + i)));
        let client = emulator.client_builder().build().expect("a client");
        let started = Instant::now();
        let report = client
            .attendance()
            .v1()
            .user_flow()
            .batch_del_all(ids, &BulkOptions::default())
            .await;
        let elapsed = started.elapsed().as_secs_f64();
        let calls = emulator.calls(BatchDelRequest::METADATA.path_template);
        let ids_per_second = report.succeeded.len() as f64 / elapsed;
        println!("bulk/batch_del_all_{IDS}_ids_at_10_rps (emulator)");
        println!(
            "  succeeded {} failed {} unknown {}",
            report.succeeded.len(),
            report.failed.len(),
            report.unknown.len()
        );
        println!(
            "  {elapsed:.2} s, {ids_per_second:.1} ids/s = {:.3} x the {CEILING_IDS_PER_SECOND} ids/s ceiling",
            ids_per_second / CEILING_IDS_PER_SECOND
        );
        println!(
            "  {calls} calls for {} chunks: {} refused with 429",
            IDS / 10,
            calls.saturating_sub((IDS / 10) as u64)
        );
    });
}
