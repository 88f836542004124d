//! Fault injection: the next calls to an endpoint fail, stall or lose their connection, on request.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happens to a call that a fault hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with this HTTP status and platform code instead of serving the call; nothing is applied.
    Fail {
        /// The HTTP status, e.g. 500.
        http_status: u16,
        /// The platform code in the body, e.g. 1225000.
        code: i64,
        /// The message in the body.
        msg: String,
    },
    /// Wait this long, then serve the call as usual.
    Delay {
        /// The wait, in milliseconds.
        millis: u64,
    },
    /// Apply the call, then cut the connection before the answer's body: the client cannot know whether
    /// it was applied.
    DropConnection,
}

/// A rule: which calls a fault hits and what happens to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The request path it applies to (e.g. `/open-apis/attendance/v1/user_flows/batch_del`); every
    /// platform endpoint when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What happens.
    pub action: FaultAction,
    /// How many calls it hits before it is used up.
    #[serde(default = "one")]
    pub times: u32,
    /// It hits every `every`-th matching call (1: each one), e.g. 10 for one call in ten.
    #[serde(default = "one")]
    pub every: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// The next call fails with this status and code.
    pub fn fail(http_status: u16, code: i64, msg: impl Into<String>) -> Self {
        Self::new(FaultAction::Fail {
            http_status,
            code,
            msg: msg.into(),
        })
    }

    /// The next call waits `delay` first.
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultAction::Delay {
            millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The next call is applied but its connection is cut before the answer.
    pub fn drop_connection() -> Self {
        Self::new(FaultAction::DropConnection)
    }

    fn new(action: FaultAction) -> Self {
        Self {
            endpoint: None,
            action,
            times: 1,
            every: 1,
        }
    }

    /// Only calls to this request path.
    pub fn on(self, endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: Some(endpoint.into()),
            ..self
        }
    }

    /// Hits this many calls instead of one.
    pub fn times(self, times: u32) -> Self {
        Self { times, ..self }
    }

    /// Hits every `every`-th matching call instead of each one.
    pub fn every(self, every: u32) -> Self {
        Self {
            every: every.max(1),
            ..self
        }
    }
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    matched: u64,
    hits_left: u32,
}

/// The faults in force, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<Rule>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        let hits_left = fault.times;
        self.rules.push(Rule {
            fault,
            matched: 0,
            hits_left,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// The action for a call to `path`, if a rule hits it. Every matching rule counts the call.
    pub(crate) fn next(&mut self, path: &str) -> Option<FaultAction> {
        let mut action = None;
        for rule in &mut self.rules {
            if rule.fault.endpoint.as_deref().is_some_and(|endpoint| endpoint != path) {
                continue;
            }
            rule.matched += 1;
            let due = rule.matched % u64::from(rule.fault.every.max(1)) == 0;
            if due && rule.hits_left > 0 && action.is_none() {
                rule.hits_left -= 1;
                action = Some(rule.fault.action.clone());
            }
        }
        self.rules.retain(|rule| rule.hits_left > 0);
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_hits_the_calls_it_names_and_is_used_up() {
        let mut faults = Faults::default();
        faults.add(Fault::fail(500, 1225000, "system error").on("/a").every(3).times(2));
        let hits: Vec<bool> = (0..9).map(|_| faults.next("/a").is_some()).collect();
        assert_eq!(hits, [false, false, true, false, false, true, false, false, false]);
        assert!(faults.next("/b").is_none());
    }

    #[test]
    fn faults_read_from_json() {
        let fault: Fault = serde_json::from_str(
            r#"{"endpoint": "/x", "action": {"kind": "fail", "http_status": 500, "code": 1225000, "msg": "system error"}, "times": 3}"#,
        )
        .unwrap();
        assert_eq!(fault, Fault::fail(500, 1225000, "system error").on("/x").times(3));
        let fault: Fault = serde_json::from_str(r#"{"action": {"kind": "drop_connection"}}"#).unwrap();
        assert_eq!(fault, Fault::drop_connection());
    }
}
