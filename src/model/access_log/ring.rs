//! A bounded buffer of the most recent log lines: pushing is O(1), the
//! oldest line is dropped when full, and the number dropped is kept so the
//! Logs view can say how much scrolled away.

use std::collections::VecDeque;

use super::LogLine;

/// Lines kept by default.
pub const DEFAULT_RING_CAPACITY: usize = 50_000;

/// The most recent `capacity` items, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRing<T = LogLine> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u64,
}

impl<T> Default for LogRing<T> {
    fn default() -> Self {
        LogRing::new(DEFAULT_RING_CAPACITY)
    }
}

impl<T> LogRing<T> {
    /// An empty ring holding at most `capacity` items (0 keeps nothing).
    pub fn new(capacity: usize) -> Self {
        LogRing {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            dropped: 0,
        }
    }

    /// Appends `item`, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        if self.items.len() == self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(item);
    }

    /// Appends every item of `items` in order.
    pub fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }

    /// Items held now.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The maximum held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Items dropped because the ring was full, since creation or [`LogRing::clear`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Items ever pushed (held + dropped).
    pub fn total_pushed(&self) -> u64 {
        self.dropped + self.items.len() as u64
    }

    /// The `i`-th held item, oldest first.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    /// The newest item.
    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    /// Held items, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.items.iter()
    }

    /// Forgets every item and the dropped count.
    pub fn clear(&mut self) {
        self.items.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_in_order_and_counts_drops() {
        let mut ring = LogRing::new(3);
        ring.extend(1..=5);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!((ring.len(), ring.dropped(), ring.total_pushed()), (3, 2, 5));
        assert_eq!((ring.get(0), ring.last()), (Some(&3), Some(&5)));
        assert_eq!(ring.iter().next_back(), Some(&5));
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(ring.dropped(), 0);
    }

    #[test]
    fn default_capacity_and_zero_capacity() {
        let ring: LogRing = LogRing::default();
        assert_eq!(ring.capacity(), 50_000);
        let mut none = LogRing::new(0);
        none.push("x");
        assert_eq!((none.len(), none.dropped()), (0, 1));
    }

    #[test]
    fn holds_exactly_capacity_under_load() {
        let mut ring = LogRing::new(DEFAULT_RING_CAPACITY);
        ring.extend(0..120_000u32);
        assert_eq!(ring.len(), DEFAULT_RING_CAPACITY);
        assert_eq!(ring.dropped(), 70_000);
        assert_eq!(ring.get(0), Some(&70_000));
        assert_eq!(ring.last(), Some(&119_999));
    }
}
