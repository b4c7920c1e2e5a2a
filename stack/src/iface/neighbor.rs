//! A bounded neighbour cache (ARP for IPv4, RFC 826; NDP for IPv6,
//! RFC 4861 section 7.3) with expiry in simulated time.
//!
//! Entries live `ttl_ns` after they were last confirmed. The cache never
//! holds more than its capacity: inserting into a full cache first drops
//! expired entries and, if none were, the entry closest to expiry, so a
//! flood of forged senders cannot grow it.

use crate::wire::EthernetAddress;
use std::collections::HashMap;
use std::hash::Hash;

#[derive(Debug, Clone, Copy)]
struct Entry {
    hw: EthernetAddress,
    expires_at: u64,
}

/// Protocol address `K` to link-layer address, bounded, expiring.
#[derive(Debug)]
pub struct NeighborCache<K> {
    entries: HashMap<K, Entry>,
    capacity: usize,
    ttl_ns: u64,
}

impl<K: Copy + Eq + Hash> NeighborCache<K> {
    /// A cache of at most `capacity` (at least 1) entries, each valid for
    /// `ttl_ns` after it is learned.
    pub fn new(capacity: usize, ttl_ns: u64) -> Self {
        NeighborCache {
            entries: HashMap::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
            ttl_ns,
        }
    }

    /// The link-layer address of `addr`, if known and not expired at `now`.
    pub fn lookup(&self, addr: &K, now: u64) -> Option<EthernetAddress> {
        self.entries
            .get(addr)
            .filter(|e| e.expires_at > now)
            .map(|e| e.hw)
    }

    /// True if `addr` has an entry (expired or not): RFC 826 updates only
    /// the senders it already knows unless the packet was for us.
    pub fn contains(&self, addr: &K) -> bool {
        self.entries.contains_key(addr)
    }

    /// Learns or refreshes `addr -> hw` at `now`. Returns true if another
    /// live entry had to be evicted to make room.
    pub fn insert(&mut self, addr: K, hw: EthernetAddress, now: u64) -> bool {
        let expires_at = now.saturating_add(self.ttl_ns);
        let mut evicted = false;
        if !self.entries.contains_key(&addr) && self.entries.len() >= self.capacity {
            self.purge(now);
            if self.entries.len() >= self.capacity {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_at)
                    .map(|(k, _)| *k);
                if let Some(k) = oldest {
                    self.entries.remove(&k);
                    evicted = true;
                }
            }
        }
        self.entries.insert(addr, Entry { hw, expires_at });
        evicted
    }

    /// Drops every entry expired at `now`.
    pub fn purge(&mut self, now: u64) {
        self.entries.retain(|_, e| e.expires_at > now);
    }

    /// The earliest expiry time, if any entry exists.
    pub fn next_expiry(&self) -> Option<u64> {
        self.entries.values().map(|e| e.expires_at).min()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 1]);

    #[test]
    fn entries_expire_after_their_ttl() {
        let mut c = NeighborCache::new(4, 100);
        c.insert(1u32, MAC, 10);
        assert_eq!(c.lookup(&1, 109), Some(MAC));
        assert_eq!(c.lookup(&1, 110), None);
        assert_eq!(c.next_expiry(), Some(110));
        c.purge(110);
        assert!(c.is_empty());
    }

    #[test]
    fn full_cache_evicts_the_entry_closest_to_expiry() {
        let mut c = NeighborCache::new(2, 100);
        assert!(!c.insert(1u32, MAC, 0));
        assert!(!c.insert(2u32, MAC, 5));
        assert!(c.insert(3u32, MAC, 6));
        assert_eq!(c.len(), 2);
        assert!(!c.contains(&1));
        assert!(c.contains(&2) && c.contains(&3));
        // Refreshing a present entry never evicts.
        assert!(!c.insert(2u32, MAC, 7));
    }

    #[test]
    fn full_cache_prefers_dropping_expired_entries() {
        let mut c = NeighborCache::new(2, 100);
        c.insert(1u32, MAC, 0);
        c.insert(2u32, MAC, 50);
        assert!(!c.insert(3u32, MAC, 100));
        assert!(c.contains(&2) && c.contains(&3));
    }
}
