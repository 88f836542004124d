//! Batch endpoints that succeed for some ids and fail for others: the ids that failed are in a data field
//! and the envelope's `msg` maps each of them to a reason, e.g. `{"6709359313699356941": "record not found"}`.

use std::collections::BTreeMap;

/// Response data of an endpoint whose spec declares a partial-failure convention. Generated.
pub trait PartialFailure {
    /// Ids the server did not process.
    fn failed_ids(&self) -> &[String];
    /// Ids the server processed; empty when the endpoint does not list them.
    fn succeeded_ids(&self) -> &[String];
}

/// The reasons a `msg` carries. Parsing never fails: a `msg` that is not a JSON object of reasons
/// (such as `"success"`) is kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReasons {
    /// `msg` was a JSON object: reason by id. Non-string reasons are kept as their JSON text.
    ById(BTreeMap<String, String>),
    /// `msg` was anything else, kept as it came.
    Text(String),
}

impl FailureReasons {
    /// Reads the reasons out of an envelope's `msg`.
    pub fn parse(msg: &str) -> Self {
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(msg) {
            Ok(object) => Self::ById(
                object
                    .into_iter()
                    .map(|(id, reason)| {
                        let reason = match reason {
                            serde_json::Value::String(text) => text,
                            other => other.to_string(),
                        };
                        (id, reason)
                    })
                    .collect(),
            ),
            Err(_) => Self::Text(msg.to_owned()),
        }
    }

    /// The reason given for `id`, if `msg` names it.
    pub fn reason(&self, id: &str) -> Option<&str> {
        match self {
            Self::ById(reasons) => reasons.get(id).map(String::as_str),
            Self::Text(_) => None,
        }
    }
}

/// One id that failed, with the server's reason when `msg` gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFailure {
    /// The id.
    pub id: String,
    /// The reason from `msg`; `None` when `msg` does not name this id.
    pub reason: Option<String>,
}

/// Every failed id of `data`, in the server's order, each with its reason from `msg`.
pub fn failures(data: &impl PartialFailure, msg: &str) -> Vec<RecordFailure> {
    let reasons = FailureReasons::parse(msg);
    data.failed_ids()
        .iter()
        .map(|id| RecordFailure {
            id: id.clone(),
            reason: reasons.reason(id).map(str::to_owned),
        })
        .collect()
}

/// How an answer accounts for the ids a batch call sent: ids it gives no outcome for, and ids it reports
/// although they were never sent. Both empty when every sent id is in exactly the lists it should be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accounting {
    /// Sent, but neither succeeded nor failed in the answer: their outcome is unknown.
    pub no_outcome: Vec<String>,
    /// In the answer's lists, but never sent.
    pub not_sent: Vec<String>,
}

impl Accounting {
    /// Whether every sent id, and only those, has an outcome.
    pub fn is_complete(&self) -> bool {
        self.no_outcome.is_empty() && self.not_sent.is_empty()
    }
}

/// How `data` accounts for the ids `sent`.
pub fn account(sent: &[String], data: &impl PartialFailure) -> Accounting {
    let (succeeded, failed) = (data.succeeded_ids(), data.failed_ids());
    // The usual answer lists every id sent, in order, as succeeded or failed: nothing to search.
    if failed.is_empty() && succeeded == sent || succeeded.is_empty() && failed == sent {
        return Accounting::default();
    }
    let reported: Vec<&String> = succeeded.iter().chain(failed).collect();
    let mut accounting = Accounting::default();
    for id in sent {
        if !reported.contains(&id) && !accounting.no_outcome.contains(id) {
            accounting.no_outcome.push(id.clone());
        }
    }
    for id in reported {
        if !sent.contains(id) && !accounting.not_sent.contains(id) {
            accounting.not_sent.push(id.clone());
        }
    }
    accounting
}

/// The keys a `msg` of the list form names, e.g. `[abd754f7-abd754f7, e1002-e1002]`; `None` when `msg`
/// is not such a list (such as `"success"`). Quotes around keys are dropped.
pub fn listed_keys(msg: &str) -> Option<Vec<String>> {
    let inner = msg.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .map(|key| key.trim().trim_matches('"').to_owned())
            .filter(|key| !key.is_empty())
            .collect(),
    )
}

/// The items of a request that a list-form `msg` names as failed; `key` names an item as `msg` does.
pub fn failed_items<'r, T>(items: &'r [T], msg: &str, key: impl Fn(&T) -> String) -> Vec<&'r T> {
    let Some(keys) = listed_keys(msg) else {
        return Vec::new();
    };
    items.iter().filter(|item| keys.contains(&key(item))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Answer {
        ok: Vec<String>,
        failed: Vec<String>,
    }

    impl PartialFailure for Answer {
        fn failed_ids(&self) -> &[String] {
            &self.failed
        }
        fn succeeded_ids(&self) -> &[String] {
            &self.ok
        }
    }

    #[test]
    fn an_answer_accounts_for_every_sent_id_or_says_which_it_does_not() {
        let ids = |list: &[&str]| list.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        let sent = ids(&["1", "2", "3"]);
        let complete = Answer {
            ok: ids(&["1", "3"]),
            failed: ids(&["2"]),
        };
        assert!(account(&sent, &complete).is_complete());
        let partial = Answer {
            ok: ids(&["1", "9"]),
            failed: ids(&[]),
        };
        let accounting = account(&sent, &partial);
        assert_eq!(accounting.no_outcome, ["2", "3"]);
        assert_eq!(accounting.not_sent, ["9"]);
        // Every id, in order, on one side (the quick path), or in another order.
        for (ok, failed) in [
            (&sent, &Vec::new()),
            (&Vec::new(), &sent),
            (&ids(&["3", "1", "2"]), &Vec::new()),
        ] {
            let answer = Answer {
                ok: ok.clone(),
                failed: failed.clone(),
            };
            assert!(account(&sent, &answer).is_complete());
        }
        let short = Answer {
            ok: ids(&["1", "2"]),
            failed: ids(&[]),
        };
        assert_eq!(account(&sent, &short).no_outcome, ["3"]);
    }

    #[test]
    fn a_list_msg_names_failed_items_by_key() {
        assert_eq!(
            listed_keys("[a-b, \"c-d\"]"),
            Some(vec!["a-b".to_owned(), "c-d".to_owned()])
        );
        assert_eq!(listed_keys("[]"), Some(vec![]));
        assert_eq!(listed_keys("success"), None);
        let items = [("a", "b"), ("x-y", "z"), ("c", "d")];
        let failed = failed_items(&items, "[x-y-z, c-d]", |(user, creator)| format!("{user}-{creator}"));
        assert_eq!(failed, [&("x-y", "z"), &("c", "d")]);
        assert!(failed_items(&items, "success", |(u, c)| format!("{u}-{c}")).is_empty());
    }

    #[test]
    fn keeps_non_string_reasons_as_json_text() {
        let reasons = FailureReasons::parse(r#"{"1": {"code": 3}, "2": 7}"#);
        assert_eq!(reasons.reason("1"), Some(r#"{"code":3}"#));
        assert_eq!(reasons.reason("2"), Some("7"));
    }

    #[test]
    fn a_json_value_that_is_not_an_object_is_text() {
        assert_eq!(FailureReasons::parse("[1,2]"), FailureReasons::Text("[1,2]".into()));
        assert_eq!(FailureReasons::parse(""), FailureReasons::Text(String::new()));
    }
}
