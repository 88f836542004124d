//! The long connection's frames: protobuf proto2 messages of package `pbbp2`, one per binary WebSocket
//! message. Fields 1 to 4 are `required`: they are written even when zero, as the platform's peers reject
//! a frame without them.

use prost::Message;

/// `Frame.method` of a control frame (ping, pong).
pub const METHOD_CONTROL: i32 = 0;
/// `Frame.method` of a data frame (an event, a card callback, their acknowledgements).
pub const METHOD_DATA: i32 = 1;

/// A frame's key/value header.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct Header {
    /// The header's name (`type`, `message_id`, `sum`, `seq`, `trace_id`, `biz_rt`, …).
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// Its value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// One frame of the long connection.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct Frame {
    /// Sequence id: 0 in pings, echoed in acknowledgements.
    #[prost(uint64, required, tag = "1")]
    pub seq_id: u64,
    /// Log id: 0 in pings, echoed in acknowledgements.
    #[prost(uint64, required, tag = "2")]
    pub log_id: u64,
    /// The connection's `service_id`, from its URL.
    #[prost(int32, required, tag = "3")]
    pub service: i32,
    /// [`METHOD_CONTROL`] or [`METHOD_DATA`].
    #[prost(int32, required, tag = "4")]
    pub method: i32,
    /// Key/value headers.
    #[prost(message, repeated, tag = "5")]
    pub headers: Vec<Header>,
    /// Not read; echoed.
    #[prost(string, optional, tag = "6")]
    pub payload_encoding: Option<String>,
    /// Not read; echoed.
    #[prost(string, optional, tag = "7")]
    pub payload_type: Option<String>,
    /// The JSON payload.
    #[prost(bytes = "vec", optional, tag = "8")]
    pub payload: Option<Vec<u8>>,
    /// Not read; echoed.
    #[prost(string, optional, tag = "9")]
    pub log_id_new: Option<String>,
}

/// The header keys the protocol uses.
pub mod keys {
    /// `ping` or `pong` on control frames; `event` or `card` on data frames.
    pub const TYPE: &str = "type";
    /// The delivery's id, shared by all its fragments.
    pub const MESSAGE_ID: &str = "message_id";
    /// How many fragments the delivery has (1: not split).
    pub const SUM: &str = "sum";
    /// This fragment's index, from 0.
    pub const SEQ: &str = "seq";
    /// The delivery's trace id.
    pub const TRACE_ID: &str = "trace_id";
    /// The handler's time in milliseconds, added to an acknowledgement.
    pub const BIZ_RT: &str = "biz_rt";
}

impl Frame {
    /// A ping for the connection of `service`.
    pub fn ping(service: i32) -> Self {
        Self::control(service, "ping", None)
    }

    /// A pong, carrying a new client configuration (JSON) when `config` is given.
    pub fn pong(service: i32, config: Option<Vec<u8>>) -> Self {
        Self::control(service, "pong", config)
    }

    fn control(service: i32, kind: &str, payload: Option<Vec<u8>>) -> Self {
        Self {
            service,
            method: METHOD_CONTROL,
            headers: vec![Header::new(keys::TYPE, kind)],
            payload,
            ..Self::default()
        }
    }

    /// The first value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|header| header.key == key)
            .map(|header| header.value.as_str())
    }

    /// The `type` header.
    pub fn kind(&self) -> Option<&str> {
        self.header(keys::TYPE)
    }

    /// Header `key` read as a number (`None` when missing or not a number).
    pub fn number(&self, key: &str) -> Option<u64> {
        self.header(key).and_then(|value| value.trim().parse().ok())
    }

    /// The acknowledgement of this (received) frame: every field echoed, `biz_rt` added, and `payload`.
    pub fn acknowledgement(&self, biz_rt_millis: u128, payload: Vec<u8>) -> Self {
        let mut ack = self.clone();
        ack.headers.push(Header::new(keys::BIZ_RT, &biz_rt_millis.to_string()));
        ack.payload = Some(payload);
        ack
    }

    /// The frame's protobuf bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// Reads a frame from protobuf bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        Self::decode(bytes)
    }
}

impl Header {
    /// A header.
    pub fn new(key: &str, value: &str) -> Self {
        Self {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_are_written_even_when_zero() {
        let bytes = Frame::ping(0).to_bytes();
        // Tags 1 to 4 as varints (field << 3), each with the value 0, then the `type` header.
        assert_eq!(&bytes[..8], &[0x08, 0, 0x10, 0, 0x18, 0, 0x20, 0]);
        assert_eq!(Frame::from_bytes(&bytes).unwrap().kind(), Some("ping"));
    }

    #[test]
    fn an_acknowledgement_echoes_the_frame_and_adds_biz_rt() {
        let received = Frame {
            seq_id: 7,
            log_id: 9,
            service: 33,
            method: METHOD_DATA,
            headers: vec![Header::new(keys::TYPE, "event"), Header::new("instance_id", "i-1")],
            payload_encoding: Some(String::new()),
            payload_type: None,
            payload: Some(b"{}".to_vec()),
            log_id_new: Some("L".to_owned()),
        };
        let ack = received.acknowledgement(12, b"{\"code\":200}".to_vec());
        assert_eq!(
            (ack.seq_id, ack.log_id, ack.service, ack.method),
            (7, 9, 33, METHOD_DATA)
        );
        assert_eq!(ack.header("instance_id"), Some("i-1"));
        assert_eq!(ack.number(keys::BIZ_RT), Some(12));
        assert_eq!(ack.log_id_new.as_deref(), Some("L"));
        assert_eq!(ack.payload.as_deref(), Some(&b"{\"code\":200}"[..]));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Frame::from_bytes(&[0xff, 0xff, 0xff]).is_err());
    }
}
