//! The slow log (SLOWLOG): commands that ran for at least
//! `slowlog-log-slower-than` microseconds. Each core logs the commands of
//! its own clients (it knows their address and name); SLOWLOG GET merges
//! the cores' logs by entry id, which the node hands out in order.

use bytes::Bytes;
use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct SlowEntry {
    pub id: u64,
    /// Unix time, seconds.
    pub time: u64,
    pub micros: u64,
    /// As [`crate::cmdstats::slowlog_args`] keeps them.
    pub args: Vec<Bytes>,
    /// The client's `ip:port` and name.
    pub addr: String,
    pub name: Bytes,
}

/// One core's log, newest first, at most `slowlog-max-len` entries.
#[derive(Default)]
pub struct SlowLog {
    entries: VecDeque<SlowEntry>,
}

impl SlowLog {
    pub fn push(&mut self, entry: SlowEntry, max_len: usize) {
        self.entries.push_front(entry);
        self.trim(max_len);
    }

    /// Drops the oldest entries beyond `max_len` (also when the setting
    /// shrank, as Redis trims at the next entry).
    pub fn trim(&mut self, max_len: usize) {
        self.entries.truncate(max_len);
    }

    /// The newest `count` entries, newest first.
    pub fn newest(&self, count: usize) -> Vec<SlowEntry> {
        self.entries.iter().take(count).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> SlowEntry {
        SlowEntry {
            id,
            time: 0,
            micros: id,
            args: vec![Bytes::from_static(b"get")],
            addr: String::new(),
            name: Bytes::new(),
        }
    }

    #[test]
    fn keeps_the_newest_entries_up_to_the_limit() {
        let mut log = SlowLog::default();
        for id in 1..=5 {
            log.push(entry(id), 3);
        }
        assert_eq!(log.len(), 3);
        let ids: Vec<u64> = log.newest(10).iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![5, 4, 3]);
        assert_eq!(log.newest(1)[0].id, 5);
        log.trim(1);
        assert_eq!(log.len(), 1);
        log.reset();
        assert!(log.is_empty());
        log.push(entry(6), 0);
        assert!(log.is_empty());
    }
}
