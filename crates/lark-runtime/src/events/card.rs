//! Card callbacks: a user clicked or filled in an interactive card (`card.action.trigger`). The handler's
//! [`CardActionReply`] goes back to the platform within its 3 seconds: over a webhook as the answer's
//! body, over the long connection in the acknowledgement.
//!
//! No reference page describes this callback; its fields are those the long-connection protocol note
//! (`platform/events/long-connection-protocol.md`) lists, all optional, and unknown fields are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dispatcher::{HandlerError, HandlerOutcome, HandlerReply};
use super::{Event, EventSchema};

/// A user's action on an interactive card, as `card.action.trigger` delivers it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardAction {
    /// Who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<CardOperator>,
    /// The token for updating the card later (a delayed update), valid for a limited time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// What the user did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<CardActionDetail>,
    /// Where the card was shown (e.g. `im_message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// How the callback was delivered (e.g. for a link preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_type: Option<String>,
    /// The message, chat or link the card belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CardContext>,
}

/// The user who acted on a card, by each of their ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardOperator {
    /// The tenant the user belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_key: Option<String>,
    /// The user's `user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's `open_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// The user's `union_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
}

/// The component acted on and what it carried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardActionDetail {
    /// The `value` the card's author attached to the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The component's tag (`button`, `select_static`, `input`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The option chosen in a single-choice component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The user's time zone, for date and time pickers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The component's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A submitted form's values, by component name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_value: Option<Value>,
    /// The text typed into an input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_value: Option<String>,
    /// The options chosen in a multiple-choice component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Whether a checker is now checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
}

/// Where the card was shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardContext {
    /// The link of a link preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The token of a link preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_token: Option<String>,
    /// The message that carries the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_message_id: Option<String>,
    /// The chat of that message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_chat_id: Option<String>,
}

impl Event for CardAction {
    const EVENT_TYPE: &'static str = "card.action.trigger";
    const SCHEMA: EventSchema = EventSchema::V2;
    const SUMMARY: &'static str = "A user acted on an interactive card (a card callback).";
    const EXAMPLE: Option<&'static str> = None;
}

/// What a card callback answers: a toast shown to the user, an updated card, both or neither.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardActionReply {
    /// A short message shown to the user who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toast: Option<Toast>,
    /// The card that replaces the one acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardUpdate>,
}

impl CardActionReply {
    /// A reply that shows `content` as a toast of `kind`.
    pub fn toast(kind: ToastKind, content: impl Into<String>) -> Self {
        Self {
            toast: Some(Toast {
                kind,
                content: Some(content.into()),
                i18n: None,
            }),
            card: None,
        }
    }

    /// The same reply, also replacing the card with `card`.
    #[must_use]
    pub fn with_card(mut self, card: CardUpdate) -> Self {
        self.card = Some(card);
        self
    }
}

/// A toast: a short message shown to the user who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toast {
    /// How it is shown.
    #[serde(rename = "type")]
    pub kind: ToastKind,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The text by locale (`zh_cn`, `en_us`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i18n: Option<BTreeMap<String, String>>,
}

/// How a toast is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToastKind {
    /// Neutral information.
    Info,
    /// The action succeeded.
    Success,
    /// Something needs the user's attention.
    Warning,
    /// The action failed.
    Error,
}

/// The card that replaces the one acted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardUpdate {
    /// `raw` (the card's JSON) or `template` (a card template with its variables).
    #[serde(rename = "type")]
    pub kind: String,
    /// The card's JSON, or the template's id and variables.
    pub data: Value,
}

impl CardUpdate {
    /// A card given as its JSON.
    pub fn raw(card: Value) -> Self {
        Self {
            kind: "raw".to_owned(),
            data: card,
        }
    }
}

impl HandlerReply for CardActionReply {
    fn into_reply(self) -> Option<Value> {
        serde_json::to_value(self).ok()
    }
}

impl HandlerOutcome for CardActionReply {
    fn into_result(self) -> Result<Option<Value>, HandlerError> {
        Ok(self.into_reply())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_the_json_the_platform_reads() {
        let reply = CardActionReply::toast(ToastKind::Success, "Approved")
            .with_card(CardUpdate::raw(serde_json::json!({"elements": []})));
        assert_eq!(
            reply.into_reply().unwrap(),
            serde_json::json!({
                "toast": {"type": "success", "content": "Approved"},
                "card": {"type": "raw", "data": {"elements": []}},
            })
        );
        assert_eq!(CardActionReply::default().into_reply().unwrap(), serde_json::json!({}));
    }

    #[test]
    fn an_action_reads_what_the_callback_carries() {
        let body = serde_json::json!({
            "operator": {"open_id": "ou_1", "tenant_key": "t1"},
            "token": "c-123",
            "action": {"value": {"ticket": 7}, "tag": "button", "unknown": true},
            "context": {"open_message_id": "om_1", "open_chat_id": "oc_1"},
        });
        let action: CardAction = serde_json::from_value(body).unwrap();
        assert_eq!(action.operator.unwrap().open_id.as_deref(), Some("ou_1"));
        assert_eq!(action.action.unwrap().value, Some(serde_json::json!({"ticket": 7})));
        assert_eq!(action.context.unwrap().open_chat_id.as_deref(), Some("oc_1"));
    }
}
