//! The latency monitor (LATENCY LATEST / HISTORY / RESET): for each event
//! (`command`, `fast-command`, ...) that took at least
//! `latency-monitor-threshold` milliseconds, the worst latency of each
//! second, for the last [`crate::limits::LATENCY_HISTORY_LEN`] seconds that
//! had one, and the worst ever. As Redis's `latency.c`; each core keeps its
//! own, and the LATENCY commands merge them.

use crate::limits::LATENCY_HISTORY_LEN;
use std::collections::VecDeque;

/// One event's samples: (unix second, milliseconds), oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series {
    pub samples: VecDeque<(u64, u64)>,
    pub max: u64,
}

impl Series {
    fn add(&mut self, ms: u64, now_s: u64) {
        self.max = self.max.max(ms);
        if let Some(last) = self.samples.back_mut() {
            if last.0 == now_s {
                last.1 = last.1.max(ms);
                return;
            }
        }
        if self.samples.len() == LATENCY_HISTORY_LEN {
            self.samples.pop_front();
        }
        self.samples.push_back((now_s, ms));
    }

    /// Adds another core's series of the same event: the worst of each
    /// second, the newest seconds kept.
    pub fn merge(&mut self, other: &Series) {
        self.max = self.max.max(other.max);
        let mut all: Vec<(u64, u64)> = self.samples.iter().chain(&other.samples).copied().collect();
        all.sort_unstable();
        let mut merged: VecDeque<(u64, u64)> = VecDeque::with_capacity(all.len());
        for (t, ms) in all {
            match merged.back_mut() {
                Some(last) if last.0 == t => last.1 = last.1.max(ms),
                _ => merged.push_back((t, ms)),
            }
        }
        while merged.len() > LATENCY_HISTORY_LEN {
            merged.pop_front();
        }
        self.samples = merged;
    }
}

/// One core's events, in the order they were first seen.
#[derive(Clone, Debug, Default)]
pub struct LatencyMonitor {
    events: Vec<(&'static str, Series)>,
}

impl LatencyMonitor {
    /// Records `ms` for `event` at `now_s`.
    pub fn add(&mut self, event: &'static str, ms: u64, now_s: u64) {
        match self.events.iter_mut().find(|(e, _)| *e == event) {
            Some((_, s)) => s.add(ms, now_s),
            None => {
                let mut s = Series::default();
                s.add(ms, now_s);
                self.events.push((event, s));
            }
        }
    }

    pub fn events(&self) -> &[(&'static str, Series)] {
        &self.events
    }

    /// Adds another core's events.
    pub fn merge(&mut self, other: &LatencyMonitor) {
        for (event, series) in &other.events {
            match self.events.iter_mut().find(|(e, _)| e == event) {
                Some((_, s)) => s.merge(series),
                None => self.events.push((event, series.clone())),
            }
        }
    }

    /// Forgets the named events (all when `names` is empty), and gives
    /// them.
    pub fn take(&mut self, names: &[&[u8]]) -> LatencyMonitor {
        let named = |e: &str| names.is_empty() || names.contains(&e.as_bytes());
        let (taken, kept) = std::mem::take(&mut self.events)
            .into_iter()
            .partition(|(e, _)| named(e));
        self.events = kept;
        LatencyMonitor { events: taken }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_worst_of_each_second_and_the_worst_ever() {
        let mut m = LatencyMonitor::default();
        m.add("command", 5, 100);
        m.add("command", 9, 100);
        m.add("command", 3, 100);
        m.add("command", 4, 101);
        let s = &m.events()[0].1;
        assert_eq!(s.samples, VecDeque::from(vec![(100, 9), (101, 4)]));
        assert_eq!(s.max, 9);
        for t in 0..2 * LATENCY_HISTORY_LEN as u64 {
            m.add("fast-command", 1, 1000 + t);
        }
        let s = &m.events()[1].1;
        assert_eq!(s.samples.len(), LATENCY_HISTORY_LEN);
        assert_eq!(
            s.samples.back(),
            Some(&(1000 + 2 * LATENCY_HISTORY_LEN as u64 - 1, 1))
        );
    }

    #[test]
    fn merges_cores_by_second_and_resets_by_name() {
        let mut a = LatencyMonitor::default();
        a.add("command", 5, 100);
        a.add("command", 2, 102);
        let mut b = LatencyMonitor::default();
        b.add("command", 7, 100);
        b.add("command", 1, 101);
        b.add("fast-command", 3, 100);
        a.merge(&b);
        assert_eq!(
            a.events()[0].1.samples,
            VecDeque::from(vec![(100, 7), (101, 1), (102, 2)])
        );
        assert_eq!(a.events()[0].1.max, 7);
        assert_eq!(a.events().len(), 2);
        let taken = a.take(&[b"fast-command", b"nothing"]);
        assert_eq!(taken.events().len(), 1);
        assert_eq!(taken.events()[0].0, "fast-command");
        assert_eq!(a.take(&[]).events().len(), 1);
        assert!(a.events().is_empty());
    }
}
