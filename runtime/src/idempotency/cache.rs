//! The optional per-instance memory of completed records
//! ([`CACHE_ENV`](super::CACHE_ENV)): a repeat of a hot key is answered
//! without a round trip. Off by default: records of other instances are
//! not seen, and a record removed by hand from the table still answers
//! here until it expires.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use super::key::{Claim, Hash};
use super::store::{mismatch, now_ms, Replay};
use crate::Diagnostic;

/// The largest response kept in memory, in bytes; larger ones are read
/// from the table.
pub(crate) const MAX_ENTRY: usize = 64 * 1024;

/// Completed records by id, the oldest dropped first when full.
#[derive(Debug)]
pub(crate) struct Cache {
    capacity: usize,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    records: HashMap<Hash, Entry>,
    order: VecDeque<Hash>,
}

#[derive(Debug)]
struct Entry {
    until: i64,
    payload: Option<Hash>,
    replay: Replay,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The kept outcome of `claim`'s key, unless expired; a different
    /// payload is the mismatch error.
    pub(crate) fn get(&self, claim: &Claim) -> Option<Result<Replay, Diagnostic>> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = kept.records.get(&claim.id)?;
        if entry.until <= now_ms() {
            // Its place in `order` goes when it comes up for eviction.
            kept.records.remove(&claim.id);
            return None;
        }
        if let (Some(expected), Some(stored)) = (&claim.payload, &entry.payload) {
            if expected != stored {
                return Some(Err(mismatch()));
            }
        }
        Some(Ok(entry.replay.clone()))
    }

    /// Keeps `replay` for `claim`'s key until `until`, unless it is
    /// larger than [`MAX_ENTRY`]: the memory stays bounded by the capacity
    /// times that.
    pub(crate) fn put(&self, claim: &Claim, replay: &Replay, until: i64) {
        if replay
            .as_ref()
            .is_ok_and(|json| json.get().len() > MAX_ENTRY)
        {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if !kept.records.contains_key(&claim.id) {
            while kept.records.len() >= self.capacity {
                let Some(oldest) = kept.order.pop_front() else {
                    break;
                };
                kept.records.remove(&oldest);
            }
        }
        let entry = Entry {
            until,
            payload: claim.payload,
            replay: replay.clone(),
        };
        if kept.records.insert(claim.id, entry).is_none() {
            kept.order.push_back(claim.id);
        }
        // Ids of entries removed as expired, never evicted: bounded too.
        if kept.order.len() > 2 * self.capacity {
            let Kept { records, order } = &mut *kept;
            order.retain(|id| records.contains_key(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    fn claim(n: u8, payload: Option<u8>) -> Claim {
        Claim {
            id: [n; 32],
            payload: payload.map(|p| [p; 32]),
        }
    }

    fn json(text: &str) -> Replay {
        Ok(RawValue::from_string(text.to_owned()).unwrap())
    }

    #[test]
    fn answers_until_expiry_and_drops_the_oldest() {
        let cache = Cache::new(2);
        let later = now_ms() + 60_000;
        cache.put(&claim(1, None), &json("1"), later);
        cache.put(&claim(2, None), &json("2"), later);
        cache.put(&claim(3, None), &json("3"), later);
        assert!(cache.get(&claim(1, None)).is_none());
        let two = cache.get(&claim(2, None)).unwrap().unwrap().unwrap();
        assert_eq!(two.get(), "2");
        cache.put(&claim(4, None), &json("4"), now_ms() - 1);
        assert!(cache.get(&claim(4, None)).is_none());
    }

    #[test]
    fn replacing_a_key_evicts_nothing_and_large_responses_are_not_kept() {
        let cache = Cache::new(2);
        let later = now_ms() + 60_000;
        cache.put(&claim(1, None), &json("1"), later);
        cache.put(&claim(2, None), &json("2"), later);
        cache.put(&claim(2, None), &json("22"), later);
        assert!(cache.get(&claim(1, None)).is_some());
        let large = format!("\"{}\"", "x".repeat(MAX_ENTRY));
        cache.put(&claim(3, None), &json(&large), later);
        assert!(cache.get(&claim(3, None)).is_none());
    }

    #[test]
    fn a_different_payload_is_refused() {
        let cache = Cache::new(4);
        cache.put(&claim(1, Some(7)), &json("1"), now_ms() + 60_000);
        let err = cache.get(&claim(1, Some(8))).unwrap().unwrap_err();
        assert_eq!(err.error_type, super::super::PAYLOAD_MISMATCH_ERROR);
        assert!(cache.get(&claim(1, Some(7))).unwrap().is_ok());
    }
}
