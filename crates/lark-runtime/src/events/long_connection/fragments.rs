//! Reassembly of a delivery the platform split into fragments: buffered by `message_id` into `sum` slots
//! indexed by `seq`, in any order, joined when every slot is filled. The buffer belongs to the client, not
//! to one connection, so fragments sent before a reconnect can meet those sent after it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The most fragments one delivery may have; a frame announcing more is refused.
pub const MAX_FRAGMENTS: u64 = 1024;

/// Why a fragment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FragmentError {
    /// `seq` is not below `sum`.
    #[error("fragment {seq} of a delivery in {sum} fragments")]
    OutOfRange {
        /// The fragment's index.
        seq: u64,
        /// The announced count.
        sum: u64,
    },
    /// `sum` is above [`MAX_FRAGMENTS`].
    #[error("a delivery in {0} fragments (at most {MAX_FRAGMENTS})")]
    TooMany(u64),
    /// A fragment announced another `sum` than the earlier fragments of its delivery.
    #[error("fragments of one delivery announce {earlier} and {now} fragments")]
    SumChanged {
        /// What the earlier fragments said.
        earlier: u64,
        /// What this one says.
        now: u64,
    },
    /// Buffering it would pass the byte limit.
    #[error("buffering the fragment would pass the {0}-byte limit for incomplete deliveries")]
    Full(usize),
}

struct Pending {
    slots: Vec<Option<Vec<u8>>>,
    filled: usize,
    bytes: usize,
    first_at: Instant,
}

/// Incomplete deliveries, each dropped when it is not complete `expiry` after its first fragment.
pub struct Fragments {
    pending: HashMap<String, Pending>,
    expiry: Duration,
    max_bytes: usize,
    bytes: usize,
}

impl Fragments {
    /// A buffer whose incomplete deliveries expire after `expiry` and together hold at most `max_bytes`.
    pub fn new(expiry: Duration, max_bytes: usize) -> Self {
        Self {
            pending: HashMap::new(),
            expiry,
            max_bytes,
            bytes: 0,
        }
    }

    /// Adds fragment `seq` of `sum` of delivery `message_id`; gives the whole payload once every fragment is
    /// in. A delivery in one fragment (`sum` 0 or 1) is whole at once. A fragment repeated replaces itself.
    pub fn add(
        &mut self,
        message_id: &str,
        sum: u64,
        seq: u64,
        payload: Vec<u8>,
        now: Instant,
    ) -> Result<Option<Vec<u8>>, FragmentError> {
        self.expire(now);
        if sum <= 1 {
            return Ok(Some(payload));
        }
        if sum > MAX_FRAGMENTS {
            return Err(FragmentError::TooMany(sum));
        }
        if seq >= sum {
            return Err(FragmentError::OutOfRange { seq, sum });
        }
        let pending = self.pending.entry(message_id.to_owned()).or_insert_with(|| Pending {
            slots: vec![None; usize::try_from(sum).unwrap_or(usize::MAX)],
            filled: 0,
            bytes: 0,
            first_at: now,
        });
        let earlier = pending.slots.len() as u64;
        if earlier != sum {
            return Err(FragmentError::SumChanged { earlier, now: sum });
        }
        let index = usize::try_from(seq).unwrap_or(usize::MAX);
        let replaced = pending.slots[index].as_ref().map_or(0, Vec::len);
        let bytes = self.bytes - replaced + payload.len();
        if bytes > self.max_bytes {
            return Err(FragmentError::Full(self.max_bytes));
        }
        self.bytes = bytes;
        pending.bytes = pending.bytes - replaced + payload.len();
        if pending.slots[index].replace(payload).is_none() {
            pending.filled += 1;
        }
        if pending.filled < pending.slots.len() {
            return Ok(None);
        }
        let whole = self.pending.remove(message_id).map(|pending| {
            self.bytes -= pending.bytes;
            pending.slots.into_iter().flatten().flatten().collect()
        });
        Ok(whole)
    }

    /// Drops every delivery whose first fragment came more than the expiry ago; gives their ids.
    pub fn expire(&mut self, now: Instant) -> Vec<String> {
        let expiry = self.expiry;
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, pending)| now.saturating_duration_since(pending.first_at) > expiry)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            if let Some(pending) = self.pending.remove(id) {
                self.bytes -= pending.bytes;
            }
        }
        expired
    }

    /// How many deliveries are incomplete.
    pub fn incomplete(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer() -> Fragments {
        Fragments::new(Duration::from_secs(10), 1024)
    }

    #[test]
    fn fragments_in_any_order_make_one_payload() {
        let mut fragments = buffer();
        let now = Instant::now();
        assert_eq!(fragments.add("m", 3, 2, b"c".to_vec(), now), Ok(None));
        assert_eq!(fragments.add("m", 3, 0, b"a".to_vec(), now), Ok(None));
        assert_eq!(
            fragments.add("m", 3, 0, b"a".to_vec(), now),
            Ok(None),
            "a repeat fills nothing new"
        );
        assert_eq!(fragments.add("m", 3, 1, b"b".to_vec(), now), Ok(Some(b"abc".to_vec())));
        assert_eq!(fragments.incomplete(), 0);
        assert_eq!(fragments.bytes, 0);
    }

    #[test]
    fn a_whole_delivery_needs_no_buffer() {
        let mut fragments = buffer();
        assert_eq!(
            fragments.add("m", 1, 0, b"x".to_vec(), Instant::now()),
            Ok(Some(b"x".to_vec()))
        );
        assert_eq!(
            fragments.add("n", 0, 0, b"y".to_vec(), Instant::now()),
            Ok(Some(b"y".to_vec()))
        );
    }

    #[test]
    fn an_incomplete_delivery_expires() {
        let mut fragments = buffer();
        let start = Instant::now();
        fragments.add("m", 2, 0, b"a".to_vec(), start).unwrap();
        assert!(fragments.expire(start + Duration::from_secs(5)).is_empty());
        assert_eq!(fragments.expire(start + Duration::from_secs(11)), ["m"]);
        // The late fragment starts a new delivery; it is never completed by the expired one.
        assert_eq!(
            fragments.add("m", 2, 1, b"b".to_vec(), start + Duration::from_secs(12)),
            Ok(None)
        );
        assert_eq!(fragments.bytes, 1);
    }

    #[test]
    fn bad_fragments_are_refused() {
        let mut fragments = Fragments::new(Duration::from_secs(10), 4);
        let now = Instant::now();
        assert_eq!(
            fragments.add("m", 2, 2, vec![], now),
            Err(FragmentError::OutOfRange { seq: 2, sum: 2 })
        );
        assert_eq!(
            fragments.add("m", u64::MAX, 0, vec![], now),
            Err(FragmentError::TooMany(u64::MAX))
        );
        fragments.add("m", 2, 0, b"ab".to_vec(), now).unwrap();
        assert_eq!(
            fragments.add("m", 3, 1, vec![], now),
            Err(FragmentError::SumChanged { earlier: 2, now: 3 })
        );
        assert_eq!(
            fragments.add("n", 2, 0, b"abc".to_vec(), now),
            Err(FragmentError::Full(4))
        );
    }
}
