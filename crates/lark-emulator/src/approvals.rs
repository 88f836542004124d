//! Approval instances: creating one gives it a code and sends `approval_instance` with the status
//! PENDING; a test then decides it (APPROVED or REJECTED) through the control API, and each change sends
//! the event again, as the platform does for an app subscribed to the definition.

use std::collections::BTreeMap;

use lark_openapi::approval::v4::events::approval_instance::ApprovalInstance;
use lark_openapi::approval::v4::instance::create::CreateRequest;
use rand::Rng;
use serde_json::json;

use crate::DEMO_TENANT_KEY;
use crate::answer::Answer;
use crate::events::now_millis;
use crate::shared::{Shared, lock};
use crate::tokens::Bearer;

/// The code for a `uuid` that an instance already has (given in the create page's prose).
const UUID_TAKEN: i64 = 60012;

/// The instances created so far, by instance code.
#[derive(Debug, Default)]
pub(crate) struct Approvals {
    instances: BTreeMap<String, Instance>,
}

#[derive(Debug)]
struct Instance {
    approval_code: String,
    status: &'static str,
    uuid: Option<String>,
}

/// How a test decides a pending instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalDecision {
    /// Every approver agreed: `APPROVED`.
    Approved,
    /// An approver refused: `REJECTED`.
    Rejected,
}

impl ApprovalDecision {
    fn status(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
        }
    }
}

/// `instance/create`: a new pending instance of the definition, announced by its event.
pub(crate) fn create(shared: &Shared, _: &Bearer, request: CreateRequest) -> Answer {
    // The page: one instance per uuid in a tenant, compared without case; a second one fails with 60012.
    let taken = request.uuid().is_some_and(|uuid| {
        let approvals = lock(&shared.approvals);
        let mut uuids = approvals
            .instances
            .values()
            .filter_map(|instance| instance.uuid.as_ref());
        uuids.any(|known| known.eq_ignore_ascii_case(uuid))
    });
    if taken {
        return Answer::error(400, UUID_TAKEN, "the uuid names an instance already");
    }
    let code = instance_code();
    let instance = Instance {
        approval_code: request.approval_code().clone(),
        status: "PENDING",
        uuid: request.uuid().cloned(),
    };
    announce(shared, &code, &instance);
    lock(&shared.approvals).instances.insert(code.clone(), instance);
    Answer::ok("success", json!({ "instance_code": code }))
}

/// Decides a pending instance and sends its event; why not, when it is unknown or already decided.
pub(crate) fn decide(shared: &Shared, instance_code: &str, decision: ApprovalDecision) -> Result<(), String> {
    let mut approvals = lock(&shared.approvals);
    let Some(instance) = approvals.instances.get_mut(instance_code) else {
        return Err(format!("no approval instance {instance_code:?}"));
    };
    if instance.status != "PENDING" {
        return Err(format!("instance {instance_code:?} is {} already", instance.status));
    }
    instance.status = decision.status();
    announce(shared, instance_code, instance);
    Ok(())
}

/// Sends `approval_instance` (a 1.0 delivery) with the instance's status now.
fn announce(shared: &Shared, instance_code: &str, instance: &Instance) {
    let now = now_millis().to_string();
    let body = json!({
        "app_id": shared.config.app_id,
        "tenant_key": DEMO_TENANT_KEY,
        "type": "approval_instance",
        "approval_code": instance.approval_code,
        "instance_code": instance_code,
        "status": instance.status,
        "operate_time": now,
        "instance_operate_time": now,
        "uuid": instance.uuid,
    });
    // Built from JSON so that the body is whatever the spec's generated type says a delivery holds.
    match serde_json::from_value::<ApprovalInstance>(body) {
        Ok(event) => shared.outbox.send_v1(&event),
        Err(error) => tracing::error!(%error, "the approval_instance body does not fit its type"),
    }
}

/// A code in the platform's form: an upper-case UUID.
fn instance_code() -> String {
    let hex = format!("{:032X}", rand::rng().random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
