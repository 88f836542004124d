//! Event ids already taken: the platform delivers at least once and redelivers for hours, so an id is
//! remembered for a while, within a fixed memory bound.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Ids seen, oldest first, each with when it was taken.
#[derive(Debug)]
pub(crate) struct SeenEvents {
    times: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
    keep_for: Duration,
    capacity: usize,
}

impl SeenEvents {
    pub(crate) fn new(keep_for: Duration, capacity: usize) -> Self {
        Self {
            times: HashMap::new(),
            order: VecDeque::new(),
            keep_for,
            capacity: capacity.max(1),
        }
    }

    /// Takes `id` for handling: `false` when it was taken before (a redelivery).
    pub(crate) fn take(&mut self, id: &str, now: Instant) -> bool {
        self.forget_old(now);
        if self.times.contains_key(id) {
            return false;
        }
        while self.times.len() >= self.capacity {
            let Some((_, oldest)) = self.order.pop_front() else {
                break;
            };
            self.times.remove(&oldest);
        }
        self.times.insert(id.to_owned(), now);
        self.order.push_back((now, id.to_owned()));
        true
    }

    /// Gives `id` back: its handler failed, so the platform's redelivery must be handled.
    pub(crate) fn release(&mut self, id: &str) {
        if self.times.remove(id).is_some() {
            self.order.retain(|(_, seen)| seen != id);
        }
    }

    fn forget_old(&mut self, now: Instant) {
        while let Some((taken, _)) = self.order.front() {
            if now.duration_since(*taken) < self.keep_for {
                break;
            }
            if let Some((taken, id)) = self.order.pop_front()
                && self.times.get(&id) == Some(&taken)
            {
                self.times.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_taken_once_until_released_or_forgotten() {
        let start = Instant::now();
        let mut seen = SeenEvents::new(Duration::from_secs(60), 2);
        assert!(seen.take("a", start));
        assert!(!seen.take("a", start));
        seen.release("a");
        assert!(seen.take("a", start));
        assert!(!seen.take("a", start + Duration::from_secs(59)));
        assert!(seen.take("a", start + Duration::from_secs(61)));
        // The bound: a third id pushes out the oldest.
        assert!(seen.take("b", start + Duration::from_secs(62)));
        assert!(seen.take("c", start + Duration::from_secs(62)));
        assert!(seen.take("a", start + Duration::from_secs(62)));
    }
}
