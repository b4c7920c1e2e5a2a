//! Seeded stalls for every channel the harness drives, and the timing of the
//! host memory behind the NIC's AXI4 port.
//!
//! A [`Backpressure`] is two independent knobs:
//!
//! - [`Stalls`]: when each channel the harness drives (the AXI4 slave's AR, R,
//!   AW, W and B, the MAC TX `tready`, the MAC RX `tvalid`) holds back. Named
//!   profiles: `none`, `coin`, `bursty`, `per-channel` ([`Backpressure::by_name`]).
//! - [`MemTiming`]: how long memory takes to answer (ns, optionally jittered),
//!   how many bursts it accepts at once, and whether read data of different
//!   AXI IDs may come back out of order and interleaved (AXI4 A5.3: only
//!   responses of one ID must keep their request order).
//!
//! Every decision comes from one seeded stream ([`Dice`]), so a run replays
//! exactly from its seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;

/// Clock period of the simulated NIC, ns (250 MHz).
const NS_PER_CYCLE: u64 = 4;

/// A channel the harness drives, each with its own stall decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `m_axi_arready`: memory takes a read request.
    Ar,
    /// `m_axi_rvalid`: memory offers a read data beat.
    R,
    /// `m_axi_awready`: memory takes a write request.
    Aw,
    /// `m_axi_wready`: memory takes a write data beat.
    W,
    /// `m_axi_bvalid`: memory offers a write response.
    B,
    /// `m_axis_tx_tready`: the wire takes a MAC TX beat.
    MacTx,
    /// `s_axis_rx_tvalid`: the wire offers a MAC RX beat.
    MacRx,
}

impl Channel {
    /// Every channel, in the order of [`PerChannel`]'s fields.
    pub const ALL: [Channel; 7] = [
        Channel::Ar,
        Channel::R,
        Channel::Aw,
        Channel::W,
        Channel::B,
        Channel::MacTx,
        Channel::MacRx,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// A ready the harness drives (as opposed to a valid).
    pub fn is_ready(self) -> bool {
        matches!(
            self,
            Channel::Ar | Channel::Aw | Channel::W | Channel::MacTx
        )
    }
}

/// Chance per cycle that each channel is stalled, 0 (never) to 1 (always;
/// a run with a channel stalled for ever never finishes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerChannel {
    pub ar: f64,
    pub r: f64,
    pub aw: f64,
    pub w: f64,
    pub b: f64,
    pub mac_tx: f64,
    pub mac_rx: f64,
}

impl PerChannel {
    fn get(&self, c: Channel) -> f64 {
        match c {
            Channel::Ar => self.ar,
            Channel::R => self.r,
            Channel::Aw => self.aw,
            Channel::W => self.w,
            Channel::B => self.b,
            Channel::MacTx => self.mac_tx,
            Channel::MacRx => self.mac_rx,
        }
    }
}

/// When the channels the harness drives hold back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stalls {
    /// Every ready high and every valid raised as soon as there is something to offer.
    None,
    /// An independent coin per channel and cycle: a ready is high with
    /// probability `ready`, a valid is raised with probability `valid`.
    Coin { ready: f64, valid: f64 },
    /// Long stalls: each channel is a two-state Markov chain (Gilbert
    /// model), stepped once a cycle. A flowing channel stops with probability
    /// `stop` per cycle, a stopped one flows again with probability `go`: runs
    /// of about `1/stop` flowing cycles and `1/go` stalled ones.
    Bursty { stop: f64, go: f64 },
    /// Each channel stalled with its own probability per cycle.
    PerChannel(PerChannel),
}

/// Timing and capacity of host memory as the NIC's AXI4 port sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemTiming {
    /// From AR accepted to the burst's first R beat due, and from a write
    /// burst's last W beat (with its AW) to its B due, ns. Rounded up to
    /// whole 4 ns cycles, at least one.
    pub latency_ns: u64,
    /// Extra latency drawn uniformly from `0..=jitter_ns` per burst.
    pub jitter_ns: u64,
    /// Read bursts accepted and not yet fully answered, at most (`arready`
    /// low beyond). At least 1.
    pub max_reads: u32,
    /// Write bursts accepted (AW) whose B has not been taken, at most
    /// (`awready` low beyond). At least 1.
    pub max_writes: u32,
    /// Read data (and write responses) of different IDs may be returned out
    /// of request order and, for reads, with beats of different bursts
    /// interleaved. Responses of one ID always keep request order.
    pub reorder: bool,
}

impl Default for MemTiming {
    /// 8 ns, no jitter, 256 reads and 256 writes outstanding (a PCIe host
    /// with 8-bit tags: 256 non-posted reads in flight), in order.
    fn default() -> Self {
        MemTiming {
            latency_ns: 8,
            jitter_ns: 0,
            max_reads: 256,
            max_writes: 256,
            reorder: false,
        }
    }
}

impl MemTiming {
    /// The default with a fixed latency of `ns`.
    pub fn with_latency_ns(ns: u64) -> Self {
        MemTiming {
            latency_ns: ns,
            ..MemTiming::default()
        }
    }

    /// Latency range in cycles: (least, most).
    pub fn latency_cycles(&self) -> (u64, u64) {
        let lo = self.latency_ns.div_ceil(NS_PER_CYCLE).max(1);
        let hi = lo.saturating_add(self.jitter_ns / NS_PER_CYCLE);
        (lo, hi)
    }
}

/// A stall pattern and a memory: everything the harness decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backpressure {
    pub stalls: Stalls,
    pub mem: MemTiming,
}

/// A profile name [`Backpressure::by_name`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backpressure profile '{0}': valid profiles are {}", Backpressure::NAMES.join(", "))]
pub struct UnknownProfile(pub String);

impl Backpressure {
    /// The named profiles, for [`Backpressure::by_name`] and error messages.
    pub const NAMES: [&'static str; 4] = ["none", "coin", "bursty", "per-channel"];

    /// Never stalls; memory answers in 8 ns, in order, 64 bursts deep.
    pub fn none() -> Self {
        Backpressure {
            stalls: Stalls::None,
            mem: MemTiming::default(),
        }
    }

    /// The `coin` profile: frequent short stalls on every channel (ready high
    /// 60 %, valid 70 % of cycles) and a memory latency of 4 to 96 ns per
    /// burst, with read data of different IDs reordered and interleaved.
    pub fn random() -> Self {
        Backpressure {
            stalls: Stalls::Coin {
                ready: 0.6,
                valid: 0.7,
            },
            mem: MemTiming {
                latency_ns: 4,
                jitter_ns: 92,
                reorder: true,
                ..MemTiming::default()
            },
        }
    }

    /// The `bursty` profile: stalls of about 32 cycles every 64 or so on
    /// each channel independently, memory as in `coin`.
    pub fn bursty() -> Self {
        Backpressure {
            stalls: Stalls::Bursty {
                stop: 1.0 / 64.0,
                go: 1.0 / 32.0,
            },
            mem: Backpressure::random().mem,
        }
    }

    /// The `per-channel` profile: each channel its own stall probability
    /// (AR 0.5, R 0.1, AW 0.3, W 0.2, B 0.6, MAC TX 0.4, MAC RX 0.25),
    /// memory as in `coin`.
    pub fn per_channel() -> Self {
        Backpressure {
            stalls: Stalls::PerChannel(PerChannel {
                ar: 0.5,
                r: 0.1,
                aw: 0.3,
                w: 0.2,
                b: 0.6,
                mac_tx: 0.4,
                mac_rx: 0.25,
            }),
            mem: Backpressure::random().mem,
        }
    }

    /// A named profile: `none`, `coin`, `bursty` or `per-channel`.
    pub fn by_name(name: &str) -> Result<Self, UnknownProfile> {
        match name {
            "none" => Ok(Backpressure::none()),
            "coin" => Ok(Backpressure::random()),
            "bursty" => Ok(Backpressure::bursty()),
            "per-channel" => Ok(Backpressure::per_channel()),
            _ => Err(UnknownProfile(name.to_string())),
        }
    }

    /// The same stalls with another memory.
    pub fn with_mem(self, mem: MemTiming) -> Self {
        Backpressure { mem, ..self }
    }

    /// The same stalls and memory, but a fixed DMA latency of `ns` (no jitter).
    pub fn with_latency_ns(self, ns: u64) -> Self {
        Backpressure {
            mem: MemTiming {
                latency_ns: ns,
                jitter_ns: 0,
                ..self.mem
            },
            ..self
        }
    }
}

impl FromStr for Backpressure {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backpressure::by_name(s)
    }
}

impl fmt::Display for Backpressure {
    /// The profile's name if the stalls are a named profile's, else `custom`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Backpressure::NAMES
            .iter()
            .find(|n| Backpressure::by_name(n).is_ok_and(|b| b.stalls == self.stalls))
            .copied()
            .unwrap_or("custom");
        f.write_str(name)
    }
}

/// A probability usable by `gen_bool`: NaN counts as 1, the rest is clamped.
fn prob(p: f64) -> f64 {
    if p.is_nan() {
        1.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

/// The harness's random source: one seeded stream for every decision.
pub struct Dice {
    rng: ChaCha8Rng,
    bp: Backpressure,
    /// Bursty: whether each channel is stalled now.
    stalled: [bool; 7],
}

impl Dice {
    pub fn new(seed: u64, bp: Backpressure) -> Self {
        Dice {
            rng: ChaCha8Rng::seed_from_u64(seed),
            bp,
            stalled: [false; 7],
        }
    }

    /// The profile this dice plays.
    pub fn backpressure(&self) -> Backpressure {
        self.bp
    }

    fn chance(&mut self, p: f64) -> bool {
        let p = prob(p);
        p >= 1.0 || (p > 0.0 && self.rng.gen_bool(p))
    }

    /// Whether `c` flows this cycle (ready high / valid raised). Call it once
    /// per channel and cycle: a bursty channel's chain steps on each call.
    #[inline]
    pub fn go(&mut self, c: Channel) -> bool {
        // Inlined, so that a harness without stalls (the demo, the benches) pays one test per
        // channel and cycle, not a call.
        if matches!(self.bp.stalls, Stalls::None) {
            return true;
        }
        self.draw(c)
    }

    /// `go` for a profile with stalls.
    #[inline(never)]
    fn draw(&mut self, c: Channel) -> bool {
        match self.bp.stalls {
            Stalls::None => true,
            Stalls::Coin { ready, valid } => self.chance(if c.is_ready() { ready } else { valid }),
            Stalls::Bursty { stop, go } => {
                let s = &mut self.stalled[c.index()];
                let flip = if *s { go } else { stop };
                if self.chance(flip) {
                    let s = &mut self.stalled[c.index()];
                    *s = !*s;
                }
                !self.stalled[c.index()]
            }
            Stalls::PerChannel(p) => !self.chance(p.get(c)),
        }
    }

    /// Whether every channel flows this cycle, one decision each, in
    /// [`Channel::ALL`] order.
    pub fn cycle(&mut self) -> [bool; 7] {
        if self.bp.stalls == Stalls::None {
            return [true; 7]; // what `go` says for each, without a draw
        }
        Channel::ALL.map(|c| self.go(c))
    }

    /// A ready of a harness whose channels have no names (engine benches):
    /// the MAC TX ready's pattern.
    pub fn ready(&mut self) -> bool {
        self.go(Channel::MacTx)
    }

    /// A valid of a harness whose channels have no names: the MAC RX valid's pattern.
    pub fn valid(&mut self) -> bool {
        self.go(Channel::MacRx)
    }

    /// Memory latency of one burst, cycles.
    pub fn latency(&mut self) -> u64 {
        let (lo, hi) = self.bp.mem.latency_cycles();
        if lo >= hi {
            lo
        } else {
            self.rng.gen_range(lo..=hi)
        }
    }

    /// A uniform pick of `0..n` (0 when `n` is 0 or 1, without a draw).
    pub fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.rng.gen_range(0..n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_profile_parses_and_an_unknown_one_lists_them() {
        for n in Backpressure::NAMES {
            let b: Backpressure = n.parse().unwrap();
            assert_eq!(b.to_string(), n);
        }
        assert_eq!(Backpressure::by_name("coin"), Ok(Backpressure::random()));
        assert_eq!(Backpressure::by_name("none"), Ok(Backpressure::none()));
        let e = "stormy".parse::<Backpressure>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown backpressure profile 'stormy': valid profiles are none, coin, bursty, per-channel"
        );
    }

    #[test]
    fn latency_rounds_up_to_whole_cycles() {
        assert_eq!(MemTiming::with_latency_ns(8).latency_cycles(), (2, 2));
        assert_eq!(MemTiming::with_latency_ns(0).latency_cycles(), (1, 1));
        assert_eq!(
            MemTiming::with_latency_ns(1000).latency_cycles(),
            (250, 250)
        );
        assert_eq!(
            MemTiming::with_latency_ns(2001).latency_cycles(),
            (501, 501)
        );
        assert_eq!(Backpressure::random().mem.latency_cycles(), (1, 24));
        let huge = MemTiming {
            latency_ns: u64::MAX,
            jitter_ns: u64::MAX,
            ..MemTiming::default()
        };
        let (lo, hi) = huge.latency_cycles();
        assert_eq!((lo, hi), (1 << 62, (1 << 62) + u64::MAX / 4));
    }

    /// Longest run of equal values in a sequence.
    fn longest_run(v: &[bool], want: bool) -> usize {
        let (mut best, mut cur) = (0, 0);
        for &x in v {
            cur = if x == want { cur + 1 } else { 0 };
            best = best.max(cur);
        }
        best
    }

    #[test]
    fn bursty_stalls_come_in_long_runs_and_coin_stalls_do_not() {
        let seed = 11;
        println!("seed {seed}");
        let run = |bp| {
            let mut d = Dice::new(seed, bp);
            (0..20_000).map(|_| d.go(Channel::R)).collect::<Vec<_>>()
        };
        let bursty = run(Backpressure::bursty());
        let coin = run(Backpressure::random());
        let stalled = bursty.iter().filter(|g| !**g).count() as f64 / 20_000.0;
        assert!((0.2..0.5).contains(&stalled), "bursty stalled {stalled}");
        assert!(
            longest_run(&bursty, false) >= 60,
            "bursty stall runs too short"
        );
        assert!(longest_run(&coin, false) < 20, "coin stall runs too long");
    }

    #[test]
    fn per_channel_odds_apply_to_their_own_channel() {
        let seed = 5;
        println!("seed {seed}");
        let mut d = Dice::new(seed, Backpressure::per_channel());
        let mut flowed = [0u32; 7];
        for _ in 0..20_000 {
            for (k, g) in d.cycle().iter().enumerate() {
                flowed[k] += *g as u32;
            }
        }
        let Stalls::PerChannel(p) = Backpressure::per_channel().stalls else {
            unreachable!()
        };
        for c in Channel::ALL {
            let got = 1.0 - flowed[c.index()] as f64 / 20_000.0;
            assert!((got - p.get(c)).abs() < 0.03, "{c:?}: stalled {got}");
        }
    }

    #[test]
    fn out_of_range_probabilities_do_not_panic() {
        let bp = Backpressure {
            stalls: Stalls::Coin {
                ready: f64::NAN,
                valid: -3.0,
            },
            mem: MemTiming::default(),
        };
        let mut d = Dice::new(1, bp);
        assert!(d.ready());
        assert!(!d.valid());
    }
}
