//! IP fragment reassembly (IPv4: RFC 791 section 3.2 and RFC 815; IPv6:
//! RFC 8200 section 4.5), bounded so that hostile fragments cannot hurt:
//!
//! - datagrams are keyed by (source, destination, identification, protocol)
//!   for IPv4 and (source, destination, identification) for IPv6;
//! - the bytes held (fragment data plus a fixed charge per fragment and per
//!   datagram for the bookkeeping) stay within
//!   [`ReassemblyConfig::max_bytes`] in total and
//!   [`ReassemblyConfig::max_bytes_per_source`] per source address; to take
//!   a fragment that would exceed either, the datagrams nearest their
//!   timeout (of that source, or of anyone) are evicted first;
//! - a datagram not complete within its family's timeout (from its first
//!   fragment's arrival) is abandoned;
//! - a fragment that overlaps one held, other than an exact duplicate,
//!   discards the whole datagram, and so do the later fragments of that
//!   datagram until its timeout (RFC 5722 for IPv6; the same policy for
//!   IPv4, where overlaps are RFC 1858's attack): the table keeps a small
//!   tombstone for it. Exact duplicates (same offset, length, M flag and
//!   bytes) are ignored (RFC 8200 section 4.5 allows it);
//! - a datagram of more than [`ReassemblyConfig::max_fragments`] fragments,
//!   or whose fragments disagree about where it ends, is discarded the
//!   same way.
//!
//! The table stores the fragmentable part of each fragment apart (an
//! 8-byte fragment claiming offset 65,000 costs 8 bytes and its charge, not
//! a 64 KiB buffer) and joins them once the datagram is complete. What the
//! checks that need the protocol (lengths, the tiny first fragment) decide
//! lives in `ingress`.

use super::Stats;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Limits of the reassembly table. [`Default`] gives Linux-like values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Bytes held for all incomplete datagrams at most (Linux's
    /// `ipfrag_high_thresh`: 4 MiB).
    pub max_bytes: usize,
    /// Bytes held for the datagrams of one source address at most: one
    /// flooding source cannot take the whole table. At least a 64 KiB
    /// datagram's worth, or such datagrams never complete.
    pub max_bytes_per_source: usize,
    /// Fragments one datagram may have at most (a 65,535-byte datagram
    /// over a 576-byte path takes 117).
    pub max_fragments: usize,
    /// How long an IPv4 datagram may take to complete (Linux's
    /// `ipfrag_time`: 30 s).
    pub timeout_v4_ns: u64,
    /// How long an IPv6 datagram may take to complete (RFC 8200 section
    /// 4.5: 60 s).
    pub timeout_v6_ns: u64,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            max_bytes: 4 << 20,
            max_bytes_per_source: 1 << 20,
            max_fragments: 128,
            timeout_v4_ns: 30_000_000_000,
            timeout_v6_ns: 60_000_000_000,
        }
    }
}

/// What one datagram is held under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Key {
    V4 {
        src: [u8; 4],
        dst: [u8; 4],
        ident: u16,
        protocol: u8,
    },
    V6 {
        src: [u8; 16],
        dst: [u8; 16],
        ident: u32,
    },
}

impl Key {
    fn source(&self) -> IpAddr {
        match *self {
            Key::V4 { src, .. } => IpAddr::from(src),
            Key::V6 { src, .. } => IpAddr::from(src),
        }
    }
}

/// The bookkeeping charged per datagram (its entry, keys, indexes) and
/// per fragment held (its map node and buffer header), on top of the bytes.
pub(super) const DATAGRAM_CHARGE: usize = 256;
pub(super) const FRAGMENT_CHARGE: usize = 64;

/// One received fragment, as `ingress` hands it over.
pub(super) struct Fragment<'a> {
    pub key: Key,
    /// Offset of `data` in the datagram's fragmentable part, in bytes.
    pub offset: usize,
    /// More fragments follow (MF / M).
    pub more: bool,
    /// The fragment's share of the fragmentable part.
    pub data: &'a [u8],
    /// For the first fragment (offset 0): the IP header (IPv4, with its
    /// options) or fixed header and unfragmentable part (IPv6) the
    /// reassembled datagram takes.
    pub header: Option<Vec<u8>>,
}

/// What became of a fragment.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Held; the datagram is not complete yet.
    Held,
    /// It completed its datagram: the first fragment's header and the
    /// whole fragmentable part.
    Complete { header: Vec<u8>, payload: Vec<u8> },
    /// Dropped (counted in [`Stats`]), maybe with its datagram.
    Dropped,
}

#[derive(Debug)]
struct Piece {
    data: Vec<u8>,
    more: bool,
}

#[derive(Debug)]
enum State {
    Collecting {
        header: Option<Vec<u8>>,
        /// Fragments by offset; none overlap.
        pieces: BTreeMap<usize, Piece>,
        /// The datagram's fragmentable length, once its last fragment came.
        total: Option<usize>,
        /// Bytes of the fragmentable part held.
        received: usize,
    },
    /// Discarded (overlap, too many fragments, ...): later fragments are
    /// dropped until the deadline.
    Discarded,
}

#[derive(Debug)]
struct Datagram {
    /// When it is abandoned, and a sequence number that orders datagrams
    /// of the same deadline: the eviction and expiry order.
    order: (u64, u64),
    charge: usize,
    state: State,
}

/// Why a datagram is discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Discard {
    Overlap,
    TooManyFragments,
    /// Its fragments disagree about where it ends.
    BadLength,
    /// Its first fragment lacks the whole upper-layer header.
    TinyFirst,
    /// The first fragment's header chain is malformed.
    Malformed,
}

/// The reassembly table of one interface.
#[derive(Debug, Default)]
pub(super) struct Reassembly {
    config: ReassemblyConfig,
    datagrams: HashMap<Key, Datagram>,
    /// Every datagram by (deadline, sequence).
    by_deadline: BTreeMap<(u64, u64), Key>,
    /// Per source: bytes charged and its datagrams by (deadline, sequence).
    sources: HashMap<IpAddr, (usize, BTreeSet<(u64, u64)>)>,
    bytes: usize,
    seq: u64,
}

impl Reassembly {
    pub fn new(config: ReassemblyConfig) -> Self {
        Reassembly {
            config,
            ..Reassembly::default()
        }
    }

    /// Bytes charged now (fragment data and bookkeeping), never more than
    /// `max_bytes`.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Datagrams held (incomplete or discarded and remembered).
    pub fn len(&self) -> usize {
        self.datagrams.len()
    }

    /// The earliest deadline, for `poll_at`.
    pub fn next_deadline(&self) -> Option<u64> {
        self.by_deadline.keys().next().map(|&(t, _)| t)
    }

    fn timeout(&self, key: &Key) -> u64 {
        match key {
            Key::V4 { .. } => self.config.timeout_v4_ns,
            Key::V6 { .. } => self.config.timeout_v6_ns,
        }
    }

    /// Abandons every datagram whose deadline is `now` or earlier.
    pub fn expire(&mut self, now: u64, stats: &mut Stats) {
        while let Some((&(t, s), &key)) = self.by_deadline.iter().next() {
            if t > now {
                break;
            }
            debug_assert_eq!(self.datagrams.get(&key).map(|d| d.order), Some((t, s)));
            if let Some(d) = self.remove(&key) {
                if matches!(d.state, State::Collecting { .. }) {
                    stats.frag_timed_out += 1;
                }
            }
        }
    }

    fn remove(&mut self, key: &Key) -> Option<Datagram> {
        let d = self.datagrams.remove(key)?;
        self.by_deadline.remove(&d.order);
        let src = key.source();
        if let Some((bytes, set)) = self.sources.get_mut(&src) {
            *bytes -= d.charge;
            set.remove(&d.order);
            if set.is_empty() {
                debug_assert_eq!(*bytes, 0);
                self.sources.remove(&src);
            }
        }
        self.bytes -= d.charge;
        Some(d)
    }

    /// Changes the charge of `key`'s datagram (present) by `delta`.
    fn recharge(&mut self, key: &Key, new_charge: usize) {
        let d = self.datagrams.get_mut(key).expect("present");
        let old = d.charge;
        d.charge = new_charge;
        let src = self
            .sources
            .get_mut(&key.source())
            .expect("source of a datagram");
        src.0 = src.0 - old + new_charge;
        self.bytes = self.bytes - old + new_charge;
    }

    /// Discards `key`'s datagram (if held, its fragments are freed) and
    /// remembers it until its deadline, so that its later fragments are
    /// dropped too; a datagram not yet held gets a tombstone of its own.
    pub fn discard(&mut self, now: u64, key: Key, why: Discard, stats: &mut Stats) {
        match why {
            Discard::Overlap => stats.frag_overlap += 1,
            Discard::TooManyFragments => stats.frag_too_many += 1,
            Discard::BadLength => stats.frag_bad_length += 1,
            Discard::TinyFirst => stats.frag_tiny_first += 1,
            Discard::Malformed => stats.frag_malformed += 1,
        }
        if let Some(d) = self.datagrams.get_mut(&key) {
            d.state = State::Discarded;
            self.recharge(&key, DATAGRAM_CHARGE);
            return;
        }
        if self.make_room(&key, DATAGRAM_CHARGE, stats) {
            self.create(now, key, State::Discarded);
        }
    }

    fn create(&mut self, now: u64, key: Key, state: State) {
        self.seq += 1;
        let order = (now.saturating_add(self.timeout(&key)), self.seq);
        self.datagrams.insert(
            key,
            Datagram {
                order,
                charge: DATAGRAM_CHARGE,
                state,
            },
        );
        self.by_deadline.insert(order, key);
        let src = self.sources.entry(key.source()).or_default();
        src.0 += DATAGRAM_CHARGE;
        src.1.insert(order);
        self.bytes += DATAGRAM_CHARGE;
    }

    /// Evicts other datagrams until `extra` more bytes for `key` fit the
    /// source's and the total limit; false if they cannot (nothing else of
    /// the source, or of anyone, left to evict).
    fn make_room(&mut self, key: &Key, extra: usize, stats: &mut Stats) -> bool {
        let src = key.source();
        let own = self.datagrams.get(key).map(|d| d.order);
        loop {
            let used = self.sources.get(&src).map_or(0, |s| s.0);
            if used + extra <= self.config.max_bytes_per_source {
                break;
            }
            let victim = self.sources.get(&src).and_then(|s| {
                s.1.iter()
                    .find(|o| Some(**o) != own)
                    .map(|o| self.by_deadline[o])
            });
            let Some(victim) = victim else {
                return false;
            };
            self.evict(&victim, stats);
        }
        loop {
            if self.bytes + extra <= self.config.max_bytes {
                return true;
            }
            let victim = self
                .by_deadline
                .iter()
                .find(|(o, _)| Some(**o) != own)
                .map(|(_, k)| *k);
            let Some(victim) = victim else {
                return false;
            };
            self.evict(&victim, stats);
        }
    }

    fn evict(&mut self, key: &Key, stats: &mut Stats) {
        if let Some(d) = self.remove(key) {
            if matches!(d.state, State::Collecting { .. }) {
                stats.frag_evicted += 1;
            }
        }
    }

    /// Takes one fragment whose own checks (length a multiple of 8 unless
    /// last, not empty, within the 16-bit length, a sound first fragment) passed.
    pub fn insert(&mut self, now: u64, f: Fragment, stats: &mut Stats) -> Outcome {
        let end = f.offset + f.data.len();
        let key = f.key;
        match self.datagrams.get(&key).map(|d| &d.state) {
            Some(State::Discarded) => {
                stats.frag_after_discard += 1;
                return Outcome::Dropped;
            }
            Some(State::Collecting {
                pieces,
                total,
                received: _,
                header: _,
            }) => {
                // An exact duplicate of a held fragment is ignored.
                if let Some(p) = pieces.get(&f.offset) {
                    if p.data == f.data && p.more == f.more {
                        stats.frag_duplicate += 1;
                        return Outcome::Dropped;
                    }
                }
                let before = pieces.range(..end).next_back();
                if before.is_some_and(|(&o, p)| o + p.data.len() > f.offset) {
                    self.discard(now, key, Discard::Overlap, stats);
                    return Outcome::Dropped;
                }
                let disagrees = match (*total, f.more) {
                    (Some(t), false) => t != end,
                    (Some(t), true) => end >= t,
                    // A last fragment ending before data already held.
                    (None, false) => pieces
                        .iter()
                        .next_back()
                        .is_some_and(|(&o, p)| o + p.data.len() > end),
                    (None, true) => false,
                };
                if disagrees {
                    self.discard(now, key, Discard::BadLength, stats);
                    return Outcome::Dropped;
                }
                if pieces.len() >= self.config.max_fragments {
                    self.discard(now, key, Discard::TooManyFragments, stats);
                    return Outcome::Dropped;
                }
            }
            None => {
                if !self.make_room(&key, DATAGRAM_CHARGE, stats) {
                    stats.frag_no_memory += 1;
                    return Outcome::Dropped;
                }
                self.create(
                    now,
                    key,
                    State::Collecting {
                        header: None,
                        pieces: BTreeMap::new(),
                        total: None,
                        received: 0,
                    },
                );
            }
        }
        let extra = f.data.len() + FRAGMENT_CHARGE + f.header.as_ref().map_or(0, Vec::len);
        if !self.make_room(&key, extra, stats) {
            // This datagram alone is too big for the limits: it can never
            // complete.
            stats.frag_no_memory += 1;
            let held = self.remove(&key).is_some_and(
                |d| matches!(&d.state, State::Collecting { pieces, .. } if !pieces.is_empty()),
            );
            if held {
                stats.frag_evicted += 1;
            }
            return Outcome::Dropped;
        }
        let charge = self.datagrams[&key].charge + extra;
        self.recharge(&key, charge);
        let d = self.datagrams.get_mut(&key).expect("present");
        let State::Collecting {
            header,
            pieces,
            total,
            received,
        } = &mut d.state
        else {
            unreachable!("checked above");
        };
        if f.header.is_some() {
            *header = f.header;
        }
        if !f.more {
            *total = Some(end);
        }
        pieces.insert(
            f.offset,
            Piece {
                data: f.data.to_vec(),
                more: f.more,
            },
        );
        *received += f.data.len();
        // No overlaps and nothing past the end: all bytes present means
        // the datagram is whole.
        let complete = header.is_some() && *total == Some(*received);
        if !complete {
            return Outcome::Held;
        }
        let Some(Datagram {
            state:
                State::Collecting {
                    header: Some(header),
                    pieces,
                    received,
                    ..
                },
            ..
        }) = self.remove(&key)
        else {
            unreachable!("complete means collecting with a header");
        };
        let mut payload = Vec::with_capacity(received);
        for p in pieces.into_values() {
            payload.extend_from_slice(&p.data);
        }
        Outcome::Complete { header, payload }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn key(src: u8, ident: u16) -> Key {
        Key::V4 {
            src: [10, 0, 0, src],
            dst: [10, 0, 0, 1],
            ident,
            protocol: 17,
        }
    }

    fn frag(k: Key, offset: usize, more: bool, data: &[u8]) -> Fragment<'_> {
        Fragment {
            key: k,
            offset,
            more,
            data,
            header: (offset == 0).then(|| vec![0x45; 20]),
        }
    }

    fn bytes(n: usize, tag: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(7) ^ tag).collect()
    }

    #[test]
    fn fragments_in_any_order_complete_the_datagram_once() {
        let data = bytes(40, 1);
        let mut r = Reassembly::new(ReassemblyConfig::default());
        let mut st = Stats::default();
        let k = key(2, 7);
        assert_eq!(
            r.insert(0, frag(k, 16, true, &data[16..32]), &mut st),
            Outcome::Held
        );
        assert_eq!(
            r.insert(0, frag(k, 32, false, &data[32..]), &mut st),
            Outcome::Held
        );
        match r.insert(0, frag(k, 0, true, &data[..16]), &mut st) {
            Outcome::Complete { header, payload } => {
                assert_eq!(header, vec![0x45; 20]);
                assert_eq!(payload, data);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!((r.len(), r.bytes(), r.next_deadline()), (0, 0, None));
        assert_eq!(st, Stats::default());
    }

    #[test]
    fn exact_duplicates_are_ignored_and_other_overlaps_discard_everything() {
        let data = bytes(48, 2);
        let mut r = Reassembly::new(ReassemblyConfig::default());
        let mut st = Stats::default();
        let k = key(2, 1);
        r.insert(0, frag(k, 0, true, &data[..16]), &mut st);
        assert_eq!(
            r.insert(0, frag(k, 0, true, &data[..16]), &mut st),
            Outcome::Dropped
        );
        assert_eq!(st.frag_duplicate, 1);
        // Same range, other bytes: an overlap.
        let other = bytes(16, 9);
        assert_eq!(
            r.insert(0, frag(k, 0, true, &other), &mut st),
            Outcome::Dropped
        );
        assert_eq!(st.frag_overlap, 1);
        assert_eq!(
            r.bytes(),
            DATAGRAM_CHARGE,
            "fragments freed, tombstone kept"
        );
        // Later fragments of the discarded datagram go too, even the ones
        // that would have completed it.
        assert_eq!(
            r.insert(0, frag(k, 16, false, &data[16..]), &mut st),
            Outcome::Dropped
        );
        assert_eq!(st.frag_after_discard, 1);
        // Partial overlap from either side.
        let cases = [((8, 16), (0, 16)), ((0, 16), (8, 16)), ((0, 24), (8, 8))];
        for (i, (first, second)) in cases.into_iter().enumerate() {
            let k = key(3, i as u16);
            let mut st = Stats::default();
            r.insert(
                0,
                frag(k, first.0, true, &data[first.0..first.0 + first.1]),
                &mut st,
            );
            r.insert(
                0,
                frag(k, second.0, true, &data[second.0..second.0 + second.1]),
                &mut st,
            );
            assert_eq!(st.frag_overlap, 1, "{first:?} then {second:?}");
        }
        // The tombstone lasts until the timeout, then the key is new.
        r.expire(30 * S, &mut st);
        assert_eq!(r.len(), 0);
        assert_eq!(
            st.frag_timed_out, 0,
            "tombstones do not time out as datagrams"
        );
    }

    #[test]
    fn disagreeing_ends_and_too_many_fragments_discard_the_datagram() {
        let data = bytes(64, 3);
        let cfg = ReassemblyConfig {
            max_fragments: 3,
            ..ReassemblyConfig::default()
        };
        let mut r = Reassembly::new(cfg);
        let mut st = Stats::default();
        let k = key(4, 1);
        r.insert(0, frag(k, 32, false, &data[32..40]), &mut st);
        r.insert(0, frag(k, 48, false, &data[48..56]), &mut st);
        assert_eq!(st.frag_bad_length, 1, "two different ends");
        let k = key(4, 2);
        r.insert(0, frag(k, 40, false, &data[40..48]), &mut st);
        r.insert(0, frag(k, 48, true, &data[48..56]), &mut st);
        assert_eq!(st.frag_bad_length, 2, "data past the end");
        let k = key(4, 3);
        for i in 0..4 {
            r.insert(
                0,
                frag(k, 8 + i * 8, true, &data[8 + i * 8..16 + i * 8]),
                &mut st,
            );
        }
        assert_eq!(st.frag_too_many, 1);
    }

    #[test]
    fn incomplete_datagrams_time_out_per_family() {
        let mut r = Reassembly::new(ReassemblyConfig::default());
        let mut st = Stats::default();
        r.insert(S, frag(key(5, 1), 8, true, &[0; 8]), &mut st);
        let k6 = Key::V6 {
            src: [0xfe; 16],
            dst: [1; 16],
            ident: 9,
        };
        r.insert(S, frag(k6, 8, true, &[0; 8]), &mut st);
        assert_eq!(r.next_deadline(), Some(31 * S));
        r.expire(31 * S - 1, &mut st);
        assert_eq!(r.len(), 2);
        r.expire(31 * S, &mut st);
        assert_eq!((r.len(), st.frag_timed_out), (1, 1));
        assert_eq!(r.next_deadline(), Some(61 * S));
        r.expire(61 * S, &mut st);
        assert_eq!((r.len(), r.bytes(), st.frag_timed_out), (0, 0, 2));
    }

    #[test]
    fn memory_stays_within_the_limits_by_evicting_the_oldest() {
        let cfg = ReassemblyConfig {
            max_bytes: 20_000,
            max_bytes_per_source: 8_000,
            ..ReassemblyConfig::default()
        };
        let mut r = Reassembly::new(cfg.clone());
        let mut st = Stats::default();
        let piece = [0u8; 1000];
        for i in 0..2000u64 {
            let src = (i % 7) as u8;
            r.insert(i, frag(key(src, i as u16), 8, true, &piece), &mut st);
            assert!(r.bytes() <= cfg.max_bytes);
            for (b, _) in r.sources.values() {
                assert!(*b <= cfg.max_bytes_per_source);
            }
            let sum: usize = r.datagrams.values().map(|d| d.charge).sum();
            assert_eq!(sum, r.bytes());
        }
        assert!(st.frag_evicted > 1900, "{st:?}");
        // A datagram still completes among them.
        let data = bytes(3000, 4);
        let k = key(99, 1);
        r.insert(5000, frag(k, 1000, true, &data[1000..2000]), &mut st);
        r.insert(5000, frag(k, 2000, false, &data[2000..]), &mut st);
        match r.insert(5000, frag(k, 0, true, &data[..1000]), &mut st) {
            Outcome::Complete { payload, .. } => assert_eq!(payload, data),
            o => panic!("{o:?}"),
        }
        // One too big for the source's share can never complete: dropped.
        let big = vec![0u8; 9000];
        let k = key(98, 1);
        assert_eq!(
            r.insert(6000, frag(k, 8, true, &big), &mut st),
            Outcome::Dropped
        );
        assert!(st.frag_no_memory >= 1);
        assert!(!r.datagrams.contains_key(&k));
    }
}
