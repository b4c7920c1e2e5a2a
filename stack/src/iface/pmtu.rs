//! The path MTU cache (RFC 1191, RFC 8201): per destination, the largest
//! packet a path carries as Fragmentation Needed / Packet Too Big
//! reported it, below the link's MTU.
//!
//! - An estimate only goes down on a report (a report of a size no smaller
//!   than the estimate, or than the packet it quotes, says nothing new) and
//!   goes back up only by aging: after `timeout_ns` (RFC 1191 §6.3 and
//!   RFC 8201 §4: 10 minutes) the entry is dropped and the destination gets
//!   the link's MTU again, to be lowered anew if the path is still narrow.
//!   Entries past their age are ignored at once and purged at the next poll.
//! - Never below the protocol's floor. IPv6: 1280 (RFC 8200 §5; RFC 8201
//!   §4: a report below it sets 1280, no atomic fragments, RFC 8021).
//!   IPv4: `min_ipv4`, by default Linux's `min_pmtu` of 552 rather than
//!   RFC 791's 68, so a forged report cannot shrink our segments to a few
//!   bytes; a report below it sets it and marks the path *locked*: TCP then
//!   sends with DF clear so that a truly narrower hop fragments (as Linux).
//! - Bounded: at most `max_entries`; a new destination evicts the entry
//!   nearest its expiry.

use std::collections::HashMap;
use std::net::IpAddr;

/// The path MTU cache's limits. [`PmtuConfig::default`] gives RFC 1191's
/// 10 minutes and Linux's IPv4 floor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmtuConfig {
    /// Act on Fragmentation Needed / Packet Too Big at all (off: every
    /// path has the link's MTU, TCP still sets DF).
    pub enabled: bool,
    /// The least IPv4 path MTU taken (RFC 791's minimum is 68; Linux's
    /// `min_pmtu` 552, the default).
    pub min_ipv4: u16,
    /// How long an estimate lives before the link's MTU is tried again.
    pub timeout_ns: u64,
    /// Destinations remembered at most.
    pub max_entries: usize,
}

/// IPv6's minimum link MTU (RFC 8200 §5).
pub const IPV6_MIN_MTU: u16 = 1280;

impl Default for PmtuConfig {
    fn default() -> Self {
        PmtuConfig {
            enabled: true,
            min_ipv4: 552,
            timeout_ns: 600_000_000_000,
            max_entries: 256,
        }
    }
}

/// One destination's estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PathMtu {
    pub mtu: u16,
    /// IPv4: a report went below the floor; TCP sends with DF clear.
    pub locked: bool,
    pub expires: u64,
}

#[derive(Debug)]
pub(super) struct PmtuCache {
    config: PmtuConfig,
    entries: HashMap<IpAddr, PathMtu>,
}

/// What [`PmtuCache::report`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reported {
    /// The estimate went down to this.
    Lowered(u16),
    /// Not lower than what is known: nothing changed.
    Unchanged,
}

impl PmtuCache {
    pub fn new(config: PmtuConfig) -> Self {
        PmtuCache {
            config,
            entries: HashMap::new(),
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The estimate for `dst` valid at `now`, if it is below the link's.
    pub fn get(&self, dst: IpAddr, now: u64) -> Option<PathMtu> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries.get(&dst).copied().filter(|e| e.expires > now)
    }

    /// A validated report that packets of more than `mtu` bytes to `dst`
    /// do not get through, on a link of `link_mtu`. Clamped to the family's
    /// floor (see the module); a first estimate starts its age at `now`,
    /// a lower one restarts it.
    pub fn report(&mut self, dst: IpAddr, mtu: u32, link_mtu: usize, now: u64) -> Reported {
        let (floor, v6) = match dst {
            IpAddr::V4(_) => (self.config.min_ipv4.max(68), false),
            IpAddr::V6(_) => (IPV6_MIN_MTU, true),
        };
        let locked = !v6 && mtu < u32::from(floor);
        let mtu = mtu.max(u32::from(floor)).min(u32::from(u16::MAX)) as u16;
        let current = self
            .get(dst, now)
            .map(|e| e.mtu)
            .unwrap_or(link_mtu.min(usize::from(u16::MAX)) as u16);
        if mtu >= current {
            // At the floor already, a report below it still locks.
            if locked && mtu == current {
                if let Some(e) = self.entries.get_mut(&dst).filter(|e| !e.locked) {
                    e.locked = true;
                    return Reported::Lowered(mtu);
                }
            }
            return Reported::Unchanged;
        }
        if !self.entries.contains_key(&dst) && self.entries.len() >= self.config.max_entries {
            self.purge(now);
            if self.entries.len() >= self.config.max_entries {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(a, _)| *a);
                if let Some(a) = oldest {
                    self.entries.remove(&a);
                }
            }
        }
        if self.config.max_entries == 0 {
            return Reported::Unchanged;
        }
        self.entries.insert(
            dst,
            PathMtu {
                mtu,
                locked,
                expires: now.saturating_add(self.config.timeout_ns),
            },
        );
        Reported::Lowered(mtu)
    }

    /// Drops the estimates aged out by `now`; how many.
    pub fn purge(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.expires > now);
        before - self.entries.len()
    }
}

/// The estimate RFC 1191 §5 makes from a Fragmentation Needed without a
/// next-hop MTU (a router older than RFC 1191): the plateau below the
/// quoted packet's length, from its table of common MTUs.
pub(super) fn plateau_below(len: usize) -> u32 {
    const PLATEAUS: [u32; 11] = [
        65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
    ];
    PLATEAUS
        .into_iter()
        .find(|&p| (p as usize) < len)
        .unwrap_or(68)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn v4() -> IpAddr {
        "10.0.0.2".parse().unwrap()
    }
    fn v6() -> IpAddr {
        "2001:db8::2".parse().unwrap()
    }

    #[test]
    fn estimates_only_go_down_and_age_out_after_ten_minutes() {
        let mut c = PmtuCache::new(PmtuConfig::default());
        assert_eq!(c.report(v4(), 1500, 1500, 0), Reported::Unchanged);
        assert_eq!(c.report(v4(), 1280, 1500, 0), Reported::Lowered(1280));
        assert_eq!(c.report(v4(), 1400, 1500, 5 * SEC), Reported::Unchanged);
        assert_eq!(c.report(v4(), 1280, 1500, 5 * SEC), Reported::Unchanged);
        assert_eq!(c.get(v4(), 599 * SEC).map(|e| e.mtu), Some(1280));
        assert_eq!(c.get(v4(), 600 * SEC), None, "RFC 1191 6.3: 10 minutes");
        assert_eq!(c.purge(600 * SEC), 1);
        assert!(c.is_empty());
        assert_eq!(c.get(v6(), 0), None);
    }

    #[test]
    fn floors_are_1280_for_ipv6_and_552_locked_for_ipv4() {
        let mut c = PmtuCache::new(PmtuConfig::default());
        assert_eq!(c.report(v6(), 600, 1500, 0), Reported::Lowered(1280));
        assert!(!c.get(v6(), 0).unwrap().locked);
        assert_eq!(c.report(v6(), 0, 1500, 0), Reported::Unchanged);
        assert_eq!(c.report(v4(), 68, 1500, 0), Reported::Lowered(552));
        assert!(c.get(v4(), 0).unwrap().locked, "below the floor: DF off");
        let mut c = PmtuCache::new(PmtuConfig::default());
        assert_eq!(c.report(v4(), 552, 1500, 0), Reported::Lowered(552));
        assert!(!c.get(v4(), 0).unwrap().locked);
        assert_eq!(c.report(v4(), 300, 1500, 0), Reported::Lowered(552));
        assert!(c.get(v4(), 0).unwrap().locked);
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_entry_nearest_expiry() {
        let mut c = PmtuCache::new(PmtuConfig {
            max_entries: 3,
            ..PmtuConfig::default()
        });
        for i in 0..10u8 {
            let a = IpAddr::from([10, 0, 1, i]);
            assert_eq!(
                c.report(a, 1400, 1500, u64::from(i) * SEC),
                Reported::Lowered(1400)
            );
            assert!(c.len() <= 3);
        }
        assert!(c.get(IpAddr::from([10, 0, 1, 9]), 9 * SEC).is_some());
        assert!(c.get(IpAddr::from([10, 0, 1, 6]), 9 * SEC).is_none());
    }

    #[test]
    fn rfc_1191_plateaus_estimate_an_mtu_from_the_packet_length() {
        assert_eq!(plateau_below(1500), 1492);
        assert_eq!(plateau_below(1492), 1006);
        assert_eq!(plateau_below(576), 508);
        assert_eq!(plateau_below(60), 68);
    }
}
