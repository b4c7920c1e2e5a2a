//! SYN cookies (RFC 4987 §3.6), laid out as Linux lays them out
//! (`net/ipv4/syncookies.c`), so that a listener whose half-open queue is
//! full can answer a SYN without keeping anything and still accept the
//! connection when the handshake's last ACK comes back.
//!
//! **The cookie** is our initial sequence number. With `H0` and `H1` keyed
//! hashes (SipHash-2-4 under the interface's secret) of the 4-tuple and
//! `sseq`, the peer's ISN, `H1` also of a time counter `count` (one per
//! [`COOKIE_PERIOD_NS`], 60 s as Linux's `TCP_SYNCOOKIE_PERIOD`) and the MSS
//! index:
//!
//! ```text
//! cookie = H0(tuple, sseq) + (count << 24) + (H1(tuple, sseq, count, mss_index) mod 2^22) << 2 + mss_index
//! ```
//!
//! Linux's layout: the top 8 bits carry the counter, the low 24 bits the
//! MSS index under a hash. Unlike Linux's (which adds `sseq` and the index
//! to the hashes), `sseq` and the index are hashed, so an ACK whose number
//! or sequence number is off by a few is refused rather than read as
//! another MSS. A returning ACK (`SEG.ACK - 1` the cookie, `SEG.SEQ - 1`
//! the peer's ISN) is valid iff, with `H0` taken off, its counter is at
//! most [`MAX_COOKIE_AGE`] - 1 periods old and its 22 hash bits are `H1`
//! of that counter and the index in its low 2 bits: a guessed ACK passes
//! with odds 2^-22 per try, and only for the 4-tuple and ISN it was made
//! for.
//!
//! **The MSS** is one of four values ([`MSS_TABLE_V4`], [`MSS_TABLE_V6`],
//! Linux's `msstab`): the largest not above the peer's MSS.
//!
//! **Options.** A cookie has no room for window scale or SACK-permitted, so
//! (as Linux) they ride in the low 6 bits of our SYN-ACK's TSval, which the
//! peer echoes in TSecr: bits 0-3 the peer's window shift (15 = none), bit 4
//! SACK-permitted, bit 5 ECN (always 0 here: the stack has no ECN). Without
//! timestamps there is nowhere to keep them: the cookie SYN-ACK then offers
//! only the MSS, and the connection has neither window scaling nor SACK.

use siphasher::sip::SipHasher24;
use std::net::{IpAddr, SocketAddr};

use super::rtt::SEC;

/// Length of one step of the cookie's time counter (Linux: 60 s).
pub const COOKIE_PERIOD_NS: u64 = 60 * SEC;
/// A cookie is accepted while its counter is less than this many steps
/// behind the current one (Linux's `MAX_SYNCOOKIE_AGE`): 60 to 120 s.
pub const MAX_COOKIE_AGE: u32 = 2;
/// The MSS values a cookie can carry over IPv4 (Linux's `msstab`).
pub const MSS_TABLE_V4: [u16; 4] = [536, 1300, 1440, 1460];
/// Over IPv6 (Linux's `msstab` for IPv6: 1280, 1480, 1500 and 9000-byte
/// MTUs less 60).
pub const MSS_TABLE_V6: [u16; 4] = [1220, 1420, 1440, 8940];

const COOKIE_BITS: u32 = 24;
const COOKIE_MASK: u32 = (1 << COOKIE_BITS) - 1;
/// Low cookie bits holding the MSS index.
const INDEX_BITS: u32 = 2;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/// Low TSval bits holding the options.
const TS_BITS: u32 = 6;
const TS_MASK: u32 = (1 << TS_BITS) - 1;
const TS_WSCALE_MASK: u32 = 0xf;
const TS_SACK: u32 = 1 << 4;
const TS_ECN: u32 = 1 << 5;

/// The MSS table of `remote`'s family.
pub fn mss_table(v6: bool) -> &'static [u16; 4] {
    if v6 {
        &MSS_TABLE_V6
    } else {
        &MSS_TABLE_V4
    }
}

/// Index of the largest table entry not above `peer_mss` (the smallest
/// entry if all are above it, as Linux does).
pub fn mss_index(peer_mss: u16, v6: bool) -> u8 {
    let t = mss_table(v6);
    (1..t.len()).rev().find(|&i| peer_mss >= t[i]).unwrap_or(0) as u8
}

/// The options a cookie keeps in the low bits of TSval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CookieOptions {
    /// The peer's window shift, if it offered window scaling.
    pub wscale: Option<u8>,
    pub sack: bool,
    pub ecn: bool,
}

impl CookieOptions {
    fn bits(self) -> u32 {
        let ws = self.wscale.map_or(TS_WSCALE_MASK, |s| u32::from(s.min(14)));
        ws | if self.sack { TS_SACK } else { 0 } | if self.ecn { TS_ECN } else { 0 }
    }
}

/// Our SYN-ACK's TSval for a cookie: `ts_now` with its low 6 bits replaced
/// by `opts`, moved back one step if that put it in the future (Linux's
/// `cookie_init_timestamp`), so our clock never runs backwards for the peer.
pub fn encode_timestamp(ts_now: u32, opts: CookieOptions) -> u32 {
    let ts = (ts_now & !TS_MASK) | opts.bits();
    if ts > ts_now {
        ts.wrapping_sub(1 << TS_BITS)
    } else {
        ts
    }
}

/// The options an echoed TSecr carries (every 6-bit value decodes; the
/// caller refuses what it cannot honour, such as ECN, which the stack
/// lacks, as Linux refuses it where ECN is off).
pub fn decode_timestamp(tsecr: u32) -> CookieOptions {
    let ws = tsecr & TS_WSCALE_MASK;
    CookieOptions {
        wscale: (ws != TS_WSCALE_MASK).then_some(ws as u8),
        sack: tsecr & TS_SACK != 0,
        ecn: tsecr & TS_ECN != 0,
    }
}

/// Why a returning ACK's cookie was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieError {
    /// The counter is [`MAX_COOKIE_AGE`] or more periods old (or from the
    /// future).
    Stale,
    /// The hash does not check out (a forged or mistyped ACK number).
    BadHash,
    /// The echoed options ask for what the connection cannot have (ECN).
    BadOptions,
}

/// The keyed hashes of the cookie, under one interface's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieKey {
    k0: u64,
    k1: u64,
}

impl CookieKey {
    /// A key from a 128-bit secret (seed it from a good random source in
    /// production; tests derive it from their seed).
    pub fn new(secret: u128) -> Self {
        CookieKey {
            k0: secret as u64,
            k1: (secret >> 64) as u64,
        }
    }

    /// SipHash-2-4 of the 4-tuple, the peer's ISN, the counter and which
    /// hash (`which`: 0 for `H0`, 1 + the MSS index for `H1`), truncated
    /// to 32 bits.
    fn hash(
        &self,
        (local, remote): (SocketAddr, SocketAddr),
        sseq: u32,
        count: u32,
        which: u8,
    ) -> u32 {
        let mut b = [0u8; 16 + 2 + 16 + 2 + 4 + 4 + 1];
        let mut n = 0;
        for (ip, port) in [(local.ip(), local.port()), (remote.ip(), remote.port())] {
            match ip {
                IpAddr::V4(a) => {
                    b[n..n + 4].copy_from_slice(&a.octets());
                    n += 4;
                }
                IpAddr::V6(a) => {
                    b[n..n + 16].copy_from_slice(&a.octets());
                    n += 16;
                }
            }
            b[n..n + 2].copy_from_slice(&port.to_be_bytes());
            n += 2;
        }
        b[n..n + 4].copy_from_slice(&sseq.to_be_bytes());
        b[n + 4..n + 8].copy_from_slice(&count.to_be_bytes());
        b[n + 8] = which;
        n += 9;
        SipHasher24::new_with_keys(self.k0, self.k1).hash(&b[..n]) as u32
    }

    /// The cookie (our ISN) answering a SYN with sequence number `sseq`
    /// from `remote` to `local` at `now`, carrying MSS table index
    /// `mss_index` (0..4).
    pub fn encode(
        &self,
        local: SocketAddr,
        remote: SocketAddr,
        sseq: u32,
        now: u64,
        mss_index: u8,
    ) -> u32 {
        let count = counter(now);
        let index = mss_index & INDEX_MASK as u8;
        let h0 = self.hash((local, remote), sseq, 0, 0);
        let h1 = self.hash((local, remote), sseq, count, 1 + index);
        h0.wrapping_add(count << COOKIE_BITS)
            .wrapping_add((h1 << INDEX_BITS | u32::from(index)) & COOKIE_MASK)
    }

    /// Checks `cookie` (the returning ACK's `SEG.ACK - 1`) against the
    /// 4-tuple and `sseq` (its `SEG.SEQ - 1`) at `now`: the MSS table index
    /// it carries, or why it is refused.
    pub fn decode(
        &self,
        local: SocketAddr,
        remote: SocketAddr,
        sseq: u32,
        cookie: u32,
        now: u64,
    ) -> Result<u8, CookieError> {
        let count = counter(now);
        let t = cookie.wrapping_sub(self.hash((local, remote), sseq, 0, 0));
        let diff = count.wrapping_sub(t >> COOKIE_BITS) & (u32::MAX >> COOKIE_BITS);
        if diff >= MAX_COOKIE_AGE {
            return Err(CookieError::Stale);
        }
        let index = (t & INDEX_MASK) as u8;
        let h1 = self.hash((local, remote), sseq, count.wrapping_sub(diff), 1 + index);
        if (t ^ (h1 << INDEX_BITS)) & COOKIE_MASK & !INDEX_MASK != 0 {
            return Err(CookieError::BadHash);
        }
        Ok(index)
    }
}

/// The cookie's time counter at `now`.
fn counter(now: u64) -> u32 {
    (now / COOKIE_PERIOD_NS) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn tuples() -> [(SocketAddr, SocketAddr); 2] {
        [
            (
                "10.0.0.1:80".parse().unwrap(),
                "192.0.2.7:40001".parse().unwrap(),
            ),
            (
                "[2001:db8::1]:443".parse().unwrap(),
                "[2001:db8::99]:51000".parse().unwrap(),
            ),
        ]
    }

    fn every_option_combination() -> Vec<CookieOptions> {
        let mut v = Vec::new();
        for ws in std::iter::once(None).chain((0..=14).map(Some)) {
            for sack in [false, true] {
                for ecn in [false, true] {
                    v.push(CookieOptions {
                        wscale: ws,
                        sack,
                        ecn,
                    });
                }
            }
        }
        v
    }

    #[test]
    fn cookie_round_trips_every_mss_entry_and_option_combination() {
        let seed = test_support::seed(0x5c00_c1e5);
        println!("seed {seed:#x}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let key = CookieKey::new(rng.gen());
        for (local, remote) in tuples() {
            let table = mss_table(remote.is_ipv6());
            for (i, &mss) in table.iter().enumerate() {
                // The peer's MSS anywhere in [entry, next entry) maps to it.
                let next = table.get(i + 1).map_or(u16::MAX, |&m| m - 1);
                for peer_mss in [mss, next, rng.gen_range(mss..=next)] {
                    assert_eq!(mss_index(peer_mss, remote.is_ipv6()), i as u8);
                }
                for opts in every_option_combination() {
                    let sseq: u32 = rng.gen();
                    let now = rng.gen_range(0..1000 * COOKIE_PERIOD_NS);
                    let cookie = key.encode(local, remote, sseq, now, i as u8);
                    // Accepted now and up to the end of the next period.
                    let later = (now / COOKIE_PERIOD_NS + 2) * COOKIE_PERIOD_NS - 1;
                    for at in [now, now + 1, later] {
                        assert_eq!(
                            key.decode(local, remote, sseq, cookie, at),
                            Ok(i as u8),
                            "{local}->{remote} mss {mss} at {at}"
                        );
                    }
                    let ts_now: u32 = rng.gen();
                    let ts = encode_timestamp(ts_now, opts);
                    assert!(ts_now.wrapping_sub(ts) < 64, "{ts_now} -> {ts}");
                    assert_eq!(decode_timestamp(ts), opts, "{opts:?}");
                }
            }
        }
    }

    #[test]
    fn a_peer_mss_below_the_table_gets_the_smallest_entry() {
        assert_eq!(mss_index(100, false), 0);
        assert_eq!(mss_index(0, true), 0);
        assert_eq!(mss_index(u16::MAX, false), 3);
        assert_eq!(mss_index(9000, true), 3);
    }

    #[test]
    fn forged_cookies_are_refused() {
        let seed = test_support::seed(0xf0_12ed);
        println!("seed {seed:#x}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let key = CookieKey::new(rng.gen());
        let other = CookieKey::new(rng.gen());
        let [(local, remote), _] = tuples();
        let now = 5 * COOKIE_PERIOD_NS + 7;
        let sseq = 123_456;
        let good = key.encode(local, remote, sseq, now, 2);
        // Stale: two periods later; from the future: a period earlier.
        assert_eq!(
            key.decode(local, remote, sseq, good, now + 2 * COOKIE_PERIOD_NS),
            Err(CookieError::Stale)
        );
        assert_eq!(
            key.decode(local, remote, sseq, good, now - COOKIE_PERIOD_NS),
            Err(CookieError::Stale)
        );
        // Another peer ISN, port, key, or a nearby ACK number.
        let mut other_port = remote;
        other_port.set_port(remote.port() + 1);
        for bad in [
            key.decode(local, remote, sseq + 1, good, now),
            key.decode(local, other_port, sseq, good, now),
            other.decode(local, remote, sseq, good, now),
            key.decode(local, remote, sseq, good.wrapping_add(4), now),
            key.decode(local, remote, sseq, good.wrapping_sub(1), now),
            key.decode(local, remote, sseq, good ^ 0x100, now),
            key.decode(local, remote, sseq.wrapping_sub(1), good, now),
        ] {
            assert!(bad.is_err(), "{bad:?}");
        }
        // Random guesses: 2 in 256 carry a live counter, and 1 in 2^22 of
        // those the right hash bits (2^-29 a guess): none of 100,000.
        let passed = (0..100_000)
            .filter(|_| key.decode(local, remote, sseq, rng.gen(), now).is_ok())
            .count();
        assert_eq!(passed, 0);
        // The option bits as laid out: 15 is "no window scaling".
        assert_eq!(decode_timestamp(0x0f).wscale, None);
        assert_eq!(decode_timestamp(0x1e).wscale, Some(14));
        assert!(decode_timestamp(0x1f).sack && !decode_timestamp(0x1f).ecn);
        assert!(decode_timestamp(0x2f).ecn && !decode_timestamp(0x2f).sack);
    }
}
