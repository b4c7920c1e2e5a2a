//! A wire emulator: two or more endpoints joined in one process, on
//! simulated time.
//!
//! The caller drives time. Nothing here reads a clock: [`Wire::send`] and
//! [`Wire::recv`] take `now_ns`, and [`Wire::next_event_ns`] says when the
//! next frame arrives so a simulation can jump over idle time. With two
//! ports a wire is a point-to-point cable; with more it is a hub, a
//! broadcast medium where every frame reaches every other port.
//!
//! # Timing model
//!
//! Each port has a transmitter governed by the [`LinkConfig`] of frames that
//! leave it (so a cable is configured per direction). A frame sent at `now`
//! starts serialising at `max(now, end of the sender's previous frame)`, takes
//! `ceil((len + overhead_bytes) * 8 * 10^9 / rate_bps)` ns on the wire, and
//! its last bit reaches the far end `delay_ns` later. That is its arrival
//! time: a 1500-byte frame at 1 Gbit/s sent at 0 on an idle link with
//! 5 µs of propagation arrives at 12,000 + 5,000 ns. Frames a transmitter
//! has not finished serialising form its queue; a frame that would take the
//! queue past `queue_limit_bytes` is tail-dropped.
//!
//! Every port has a transmitter of its own, so on a hub two ports sending at
//! once do not contend for the medium: there are no collisions and no
//! carrier sense, only each sender's own serialisation and queue.
//!
//! # Impairments
//!
//! Decided per receiving port, independently, in this order: loss; then
//! duplication (a second copy arrives just after the first); then reordering
//! (the frame, with its duplicate, is held back by `reorder_delay_ns`);
//! then, for each copy, corruption (one random bit of one random byte is
//! flipped). All randomness comes from one ChaCha8 generator seeded by the
//! caller (a probability of 0 or 1 draws nothing), so the same seed and the
//! same calls give the same deliveries and the same capture, byte for byte.
//! Frames arriving at the same instant are delivered in the order they were
//! scheduled.
//!
//! # Capture
//!
//! [`Wire::capture_to`] records every frame a port puts on the wire (not
//! those tail-dropped at its queue), as sent, before impairments, in pcap
//! format ([`super::pcap`]) with the simulated send time as timestamp.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, Write};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::pcap::PcapWriter;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// One port of a [`Wire`], as returned by [`Wire::attach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortId(pub usize);

/// How frames leaving one port travel. The default is an ideal link: no
/// serialisation delay, no propagation delay, no impairments, no queue limit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkConfig {
    /// Line rate in bits per second; `None` sends in zero time.
    pub rate_bps: Option<u64>,
    /// Bytes added to every frame's length for serialisation only, e.g. 24
    /// for Ethernet's preamble, start delimiter, FCS and inter-frame gap.
    pub overhead_bytes: u32,
    /// Propagation delay, from last bit sent to last bit received.
    pub delay_ns: u64,
    /// Probability that a frame is lost.
    pub loss: f64,
    /// Probability that a frame is held back by `reorder_delay_ns`, so later
    /// frames overtake it.
    pub reorder: f64,
    /// Extra delay of a reordered frame.
    pub reorder_delay_ns: u64,
    /// Probability that a frame arrives twice.
    pub duplicate: f64,
    /// Probability that a copy arrives with one bit flipped.
    pub corrupt: f64,
    /// Most bytes the sender's queue holds (frames not yet fully
    /// serialised, the one on the wire included); `None` is unbounded.
    pub queue_limit_bytes: Option<usize>,
}

impl LinkConfig {
    /// An ideal link at `rate_bps` with `delay_ns` of propagation.
    pub fn new(rate_bps: u64, delay_ns: u64) -> Self {
        LinkConfig {
            rate_bps: Some(rate_bps),
            delay_ns,
            ..LinkConfig::default()
        }
    }

    /// Time to serialise a frame of `len` bytes.
    pub fn serialisation_ns(&self, len: usize) -> u64 {
        match self.rate_bps {
            None | Some(0) => 0,
            Some(rate) => {
                let bits = (len as u128 + self.overhead_bytes as u128) * 8;
                let ns = (bits * NANOS_PER_SEC).div_ceil(rate as u128);
                u64::try_from(ns).unwrap_or(u64::MAX)
            }
        }
    }
}

/// Counters of one port. `lost`, `duplicated`, `reordered` and `corrupted`
/// count what befell frames this port sent, once per receiving port (a hub
/// decides each receiver's copy on its own); `delivered` counts frames this
/// port received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortStats {
    /// Frames this port put on the wire (tail-dropped ones excluded).
    pub sent: u64,
    /// Frames this port handed to [`Wire::send`] that its queue dropped.
    pub queue_dropped: u64,
    /// Frames from this port lost on the way to a receiver.
    pub lost: u64,
    /// Extra copies of frames from this port.
    pub duplicated: u64,
    /// Copies of frames from this port that arrived with a flipped bit.
    pub corrupted: u64,
    /// Frames from this port held back so later ones overtake them.
    pub reordered: u64,
    /// Frames this port received through [`Wire::recv`].
    pub delivered: u64,
}

/// What became of a frame handed to [`Wire::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// On the wire: its last bit leaves the sender at `done_ns`.
    Queued { done_ns: u64 },
    /// The sender's queue was full; the frame is gone.
    QueueFull,
}

/// Errors of the wire.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("port {0} is not attached to this wire")]
    UnknownPort(usize),
    #[error("cannot write the capture: {0}")]
    Capture(#[from] io::Error),
}

/// A frame on its way to a port. Ordered so a max-heap pops the earliest
/// arrival first, and among equal arrivals the one scheduled first.
#[derive(Debug)]
struct InFlight {
    at_ns: u64,
    seq: u64,
    frame: Vec<u8>,
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ns, self.seq) == (other.at_ns, other.seq)
    }
}

impl Eq for InFlight {}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InFlight {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at_ns, other.seq).cmp(&(self.at_ns, self.seq))
    }
}

#[derive(Debug)]
struct Port {
    config: LinkConfig,
    /// When the transmitter finishes its last queued frame.
    busy_until_ns: u64,
    /// Frames not yet fully serialised: (finish time, length).
    tx_queue: VecDeque<(u64, usize)>,
    tx_queue_bytes: usize,
    /// Frames on their way to this port.
    inbound: BinaryHeap<InFlight>,
    stats: PortStats,
}

/// Two or more ports joined by an emulated medium. See the module docs.
pub struct Wire {
    default_config: LinkConfig,
    ports: Vec<Port>,
    rng: ChaCha8Rng,
    seq: u64,
    capture: Option<PcapWriter<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire")
            .field("default_config", &self.default_config)
            .field("ports", &self.ports)
            .field("seq", &self.seq)
            .field("capturing", &self.capture.is_some())
            .finish()
    }
}

impl Wire {
    /// A wire with no ports. Ports attached later send with `config`
    /// unless [`Wire::set_config`] says otherwise; `seed` seeds every
    /// random decision.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Wire {
            default_config: config,
            ports: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            seq: 0,
            capture: None,
        }
    }

    /// Attaches a new port.
    pub fn attach(&mut self) -> PortId {
        self.ports.push(Port {
            config: self.default_config,
            busy_until_ns: 0,
            tx_queue: VecDeque::new(),
            tx_queue_bytes: 0,
            inbound: BinaryHeap::new(),
            stats: PortStats::default(),
        });
        PortId(self.ports.len() - 1)
    }

    /// Sets how frames leaving `port` travel, from its next frame on.
    pub fn set_config(&mut self, port: PortId, config: LinkConfig) -> Result<(), WireError> {
        self.port_mut(port)?.config = config;
        Ok(())
    }

    /// How frames leaving `port` travel.
    pub fn config(&self, port: PortId) -> Result<LinkConfig, WireError> {
        Ok(self.port(port)?.config)
    }

    /// Captures every frame sent from now on to `writer`, in pcap format.
    /// Writes the pcap global header at once.
    pub fn capture_to<W: Write + Send + 'static>(&mut self, writer: W) -> Result<(), WireError> {
        let boxed: Box<dyn Write + Send> = Box::new(writer);
        self.capture = Some(PcapWriter::new(boxed)?);
        Ok(())
    }

    /// Stops capturing; flushes and gives back the writer.
    pub fn stop_capture(&mut self) -> Result<Option<Box<dyn Write + Send>>, WireError> {
        match self.capture.take() {
            None => Ok(None),
            Some(mut w) => {
                w.flush()?;
                Ok(Some(w.into_inner()))
            }
        }
    }

    /// Puts `frame` on the wire from `port` at `now_ns`. Every other port
    /// receives it, subject to the sender's [`LinkConfig`].
    pub fn send(&mut self, port: PortId, frame: Vec<u8>, now_ns: u64) -> Result<Sent, WireError> {
        let p = self.port_mut(port)?;
        let cfg = p.config;
        // Frames fully serialised by now have left the queue.
        while let Some(&(done, len)) = p.tx_queue.front() {
            if done > now_ns {
                break;
            }
            p.tx_queue.pop_front();
            p.tx_queue_bytes -= len;
        }
        if let Some(limit) = cfg.queue_limit_bytes {
            if p.tx_queue_bytes + frame.len() > limit {
                p.stats.queue_dropped += 1;
                return Ok(Sent::QueueFull);
            }
        }
        let start = p.busy_until_ns.max(now_ns);
        let done_ns = start.saturating_add(cfg.serialisation_ns(frame.len()));
        p.busy_until_ns = done_ns;
        p.tx_queue.push_back((done_ns, frame.len()));
        p.tx_queue_bytes += frame.len();
        p.stats.sent += 1;

        let arrival = done_ns.saturating_add(cfg.delay_ns);
        for dst in 0..self.ports.len() {
            if dst != port.0 {
                self.deliver(port.0, dst, &cfg, &frame, arrival);
            }
        }
        // Last, so a failing capture leaves the wire itself consistent: the
        // frame is on its way even when the error is returned.
        if let Some(cap) = &mut self.capture {
            cap.write_frame(now_ns, &frame)?;
        }
        Ok(Sent::Queued { done_ns })
    }

    /// Schedules `frame` from `src` to `dst`, impairments applied.
    fn deliver(&mut self, src: usize, dst: usize, cfg: &LinkConfig, frame: &[u8], arrival: u64) {
        if chance(&mut self.rng, cfg.loss) {
            self.ports[src].stats.lost += 1;
            return;
        }
        let copies = if chance(&mut self.rng, cfg.duplicate) {
            self.ports[src].stats.duplicated += 1;
            2
        } else {
            1
        };
        let mut at_ns = arrival;
        if chance(&mut self.rng, cfg.reorder) {
            self.ports[src].stats.reordered += 1;
            at_ns = at_ns.saturating_add(cfg.reorder_delay_ns);
        }
        for _ in 0..copies {
            let mut copy = frame.to_vec();
            if !copy.is_empty() && chance(&mut self.rng, cfg.corrupt) {
                let byte = self.rng.gen_range(0..copy.len());
                let bit = self.rng.gen_range(0..8u32);
                copy[byte] ^= 1 << bit;
                self.ports[src].stats.corrupted += 1;
            }
            let seq = self.seq;
            self.seq += 1;
            self.ports[dst].inbound.push(InFlight {
                at_ns,
                seq,
                frame: copy,
            });
        }
    }

    /// The next frame that has reached `port` by `now_ns`, earliest first.
    pub fn recv(&mut self, port: PortId, now_ns: u64) -> Result<Option<Vec<u8>>, WireError> {
        let p = self.port_mut(port)?;
        match p.inbound.peek() {
            Some(f) if f.at_ns <= now_ns => {
                let f = p.inbound.pop().map(|f| f.frame);
                p.stats.delivered += 1;
                Ok(f)
            }
            _ => Ok(None),
        }
    }

    /// When the next frame reaches any port, if one is on its way.
    pub fn next_event_ns(&self) -> Option<u64> {
        self.ports
            .iter()
            .filter_map(|p| p.inbound.peek().map(|f| f.at_ns))
            .min()
    }

    /// When the next frame reaches `port`, if one is on its way.
    pub fn next_arrival_ns(&self, port: PortId) -> Result<Option<u64>, WireError> {
        Ok(self.port(port)?.inbound.peek().map(|f| f.at_ns))
    }

    /// Counters of `port`.
    pub fn stats(&self, port: PortId) -> Result<PortStats, WireError> {
        Ok(self.port(port)?.stats)
    }

    fn port(&self, port: PortId) -> Result<&Port, WireError> {
        self.ports.get(port.0).ok_or(WireError::UnknownPort(port.0))
    }

    fn port_mut(&mut self, port: PortId) -> Result<&mut Port, WireError> {
        self.ports
            .get_mut(port.0)
            .ok_or(WireError::UnknownPort(port.0))
    }
}

/// True with probability `p`. Draws nothing when the answer is certain, so
/// an ideal link consumes no randomness.
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    if p <= 0.0 {
        false
    } else if p >= 1.0 {
        true
    } else {
        rng.gen::<f64>() < p
    }
}

#[cfg(test)]
mod tests {
    use super::super::pcap::PcapReader;
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A capture sink the test can read back after the wire took it.
    #[derive(Clone, Default)]
    struct SharedBuf(Arc<Mutex<Vec<u8>>>);

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl SharedBuf {
        fn bytes(&self) -> Vec<u8> {
            self.0.lock().unwrap().clone()
        }
    }

    /// A frame carrying `id` in its first four bytes, `len` bytes long.
    fn frame(id: u32, len: usize) -> Vec<u8> {
        let mut f = vec![0u8; len.max(4)];
        f[..4].copy_from_slice(&id.to_be_bytes());
        for (i, b) in f.iter_mut().enumerate().skip(4) {
            *b = (i as u32).wrapping_mul(31).wrapping_add(id) as u8;
        }
        f
    }

    fn id_of(f: &[u8]) -> u32 {
        u32::from_be_bytes([f[0], f[1], f[2], f[3]])
    }

    fn pair(config: LinkConfig, seed: u64) -> (Wire, PortId, PortId) {
        let mut w = Wire::new(config, seed);
        let a = w.attach();
        let b = w.attach();
        (w, a, b)
    }

    /// Everything that has reached `port` by `now`.
    fn drain(w: &mut Wire, port: PortId, now: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(f) = w.recv(port, now).unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn serialisation_and_propagation_delay_are_exact() {
        let (mut w, a, b) = pair(LinkConfig::new(1_000_000_000, 5_000), 1);
        // 1500 bytes at 1 Gbit/s: 12,000 ns on the wire, then 5,000 ns.
        assert_eq!(
            w.send(a, frame(1, 1500), 0).unwrap(),
            Sent::Queued { done_ns: 12_000 }
        );
        assert_eq!(w.next_event_ns(), Some(17_000));
        assert_eq!(w.recv(b, 16_999).unwrap(), None);
        assert_eq!(w.recv(b, 17_000).unwrap(), Some(frame(1, 1500)));
        assert_eq!(w.recv(a, 1_000_000).unwrap(), None, "no echo to sender");

        // A second frame sent while the first serialises waits behind it.
        w.send(a, frame(2, 1500), 100_000).unwrap();
        assert_eq!(
            w.send(a, frame(3, 1500), 100_000).unwrap(),
            Sent::Queued { done_ns: 124_000 }
        );
        assert_eq!(w.next_event_ns(), Some(117_000));
        assert_eq!(id_of(&w.recv(b, 117_000).unwrap().unwrap()), 2);
        assert_eq!(w.recv(b, 128_999).unwrap(), None);
        assert_eq!(id_of(&w.recv(b, 129_000).unwrap().unwrap()), 3);

        // 64 bytes at 10 Mbit/s: 51,200 ns; with 24 bytes of Ethernet
        // overhead: 70,400 ns. Odd rates round up.
        let mut cfg = LinkConfig::new(10_000_000, 0);
        assert_eq!(cfg.serialisation_ns(64), 51_200);
        cfg.overhead_bytes = 24;
        assert_eq!(cfg.serialisation_ns(64), 70_400);
        assert_eq!(LinkConfig::new(3, 0).serialisation_ns(1), 2_666_666_667);
        assert_eq!(LinkConfig::default().serialisation_ns(9000), 0);
    }

    #[test]
    fn directions_are_configured_separately() {
        let (mut w, a, b) = pair(LinkConfig::new(1_000_000_000, 1_000), 1);
        w.set_config(b, LinkConfig::new(100_000_000, 2_000))
            .unwrap();
        w.send(a, frame(1, 100), 0).unwrap();
        w.send(b, frame(2, 100), 0).unwrap();
        assert_eq!(w.next_arrival_ns(b).unwrap(), Some(800 + 1_000));
        assert_eq!(w.next_arrival_ns(a).unwrap(), Some(8_000 + 2_000));
    }

    #[test]
    fn frames_from_one_sender_stay_in_order_without_reorder() {
        let seed = 0x5eed_0001;
        println!("seed {seed}");
        let cfg = LinkConfig {
            loss: 0.1,
            duplicate: 0.1,
            corrupt: 0.0,
            ..LinkConfig::new(1_000_000_000, 3_000)
        };
        let (mut w, a, b) = pair(cfg, seed);
        let mut now = 0;
        let mut got = Vec::new();
        for id in 0..5_000u32 {
            // Bursts and gaps, frames of many sizes.
            now += (id as u64 % 7) * 1_000;
            w.send(a, frame(id, 60 + (id as usize * 37) % 1400), now)
                .unwrap();
            got.extend(drain(&mut w, b, now).iter().map(|f| id_of(f)));
        }
        got.extend(drain(&mut w, b, u64::MAX).iter().map(|f| id_of(f)));
        assert!(got.windows(2).all(|p| p[0] <= p[1]), "out of order");
        let s = w.stats(a).unwrap();
        assert_eq!(s.reordered, 0);
        assert_eq!(got.len() as u64, s.sent - s.lost + s.duplicated);
    }

    #[test]
    fn loss_rate_is_within_tolerance_over_100000_frames() {
        let seed = 0x5eed_0002;
        println!("seed {seed}");
        let cfg = LinkConfig {
            loss: 0.1,
            ..LinkConfig::default()
        };
        let (mut w, a, b) = pair(cfg, seed);
        let n = 100_000u32;
        let mut received = 0u64;
        for id in 0..n {
            w.send(a, frame(id, 64), id as u64).unwrap();
            received += drain(&mut w, b, id as u64).len() as u64;
        }
        let s = w.stats(a).unwrap();
        assert_eq!(s.sent, n as u64);
        assert_eq!(received + s.lost, n as u64);
        assert_eq!(w.stats(b).unwrap().delivered, received);
        // One standard deviation is sqrt(n p (1-p)) / n, about 0.00095.
        let rate = s.lost as f64 / n as f64;
        assert!((rate - 0.1).abs() < 0.005, "loss rate {rate}");
    }

    #[test]
    fn duplication_produces_extra_copies() {
        let seed = 0x5eed_0003;
        println!("seed {seed}");
        let always = LinkConfig {
            duplicate: 1.0,
            ..LinkConfig::new(1_000_000_000, 0)
        };
        let (mut w, a, b) = pair(always, seed);
        for id in 0..3 {
            w.send(a, frame(id, 100), 0).unwrap();
        }
        let got = drain(&mut w, b, u64::MAX);
        let want: Vec<Vec<u8>> = [0, 0, 1, 1, 2, 2].iter().map(|&i| frame(i, 100)).collect();
        assert_eq!(got, want);
        assert_eq!(w.stats(a).unwrap().duplicated, 3);

        let half = LinkConfig {
            duplicate: 0.5,
            ..LinkConfig::default()
        };
        let (mut w, a, b) = pair(half, seed);
        for id in 0..10_000 {
            w.send(a, frame(id, 64), 0).unwrap();
        }
        let got = drain(&mut w, b, 0).len() as u64;
        let dup = w.stats(a).unwrap().duplicated;
        assert_eq!(got, 10_000 + dup);
        assert!((4_700..=5_300).contains(&dup), "{dup} duplicates");
    }

    #[test]
    fn corruption_flips_exactly_one_bit() {
        let seed = 0x5eed_0004;
        println!("seed {seed}");
        let cfg = LinkConfig {
            corrupt: 1.0,
            ..LinkConfig::default()
        };
        let (mut w, a, b) = pair(cfg, seed);
        let mut bits_hit = [0u32; 8];
        for id in 0..2_000u32 {
            let sent = frame(id, 1 + id as usize % 200);
            w.send(a, sent.clone(), 0).unwrap();
            let got = w.recv(b, 0).unwrap().unwrap();
            assert_eq!(got.len(), sent.len());
            let flipped: Vec<(usize, u8)> = sent
                .iter()
                .zip(&got)
                .map(|(x, y)| x ^ y)
                .enumerate()
                .filter(|&(_, d)| d != 0)
                .collect();
            assert_eq!(flipped.len(), 1, "frame {id}");
            assert_eq!(flipped[0].1.count_ones(), 1, "frame {id}");
            bits_hit[flipped[0].1.trailing_zeros() as usize] += 1;
        }
        assert!(bits_hit.iter().all(|&n| n > 0), "every bit position is hit");
        assert_eq!(w.stats(a).unwrap().corrupted, 2_000);
    }

    #[test]
    fn reordering_actually_reorders() {
        let seed = 0x5eed_0005;
        println!("seed {seed}");
        let cfg = LinkConfig {
            reorder: 0.2,
            reorder_delay_ns: 50_000,
            ..LinkConfig::new(1_000_000_000, 1_000)
        };
        let (mut w, a, b) = pair(cfg, seed);
        for id in 0..1_000u32 {
            w.send(a, frame(id, 1000), 0).unwrap();
        }
        let got: Vec<u32> = drain(&mut w, b, u64::MAX)
            .iter()
            .map(|f| id_of(f))
            .collect();
        let inversions = got.windows(2).filter(|p| p[0] > p[1]).count();
        assert!(inversions > 0, "no frame was overtaken");
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1_000).collect::<Vec<_>>(), "nothing lost");
        let reordered = w.stats(a).unwrap().reordered;
        assert!((150..=250).contains(&reordered), "{reordered} reordered");
        // A held-back frame is overtaken only by frames that finish
        // serialising within 50 µs after it: 1000-byte frames at 1 Gbit/s
        // leave every 8 µs, so by at most the next six.
        let mut furthest = 0;
        for (i, &x) in got.iter().enumerate() {
            for &y in &got[i + 1..] {
                if y < x {
                    furthest = furthest.max(x - y);
                }
            }
        }
        assert_eq!(furthest, 6);
    }

    #[test]
    fn queue_limit_tail_drops() {
        let cfg = LinkConfig {
            queue_limit_bytes: Some(3_000),
            ..LinkConfig::new(1_000_000_000, 0)
        };
        let (mut w, a, b) = pair(cfg, 1);
        let outcomes: Vec<Sent> = (0..5)
            .map(|id| w.send(a, frame(id, 1000), 0).unwrap())
            .collect();
        assert_eq!(
            outcomes,
            [
                Sent::Queued { done_ns: 8_000 },
                Sent::Queued { done_ns: 16_000 },
                Sent::Queued { done_ns: 24_000 },
                Sent::QueueFull,
                Sent::QueueFull,
            ]
        );
        // Once the first frame has left, there is room for one more.
        assert_eq!(w.send(a, frame(5, 1000), 7_999).unwrap(), Sent::QueueFull);
        assert_eq!(
            w.send(a, frame(6, 1000), 8_000).unwrap(),
            Sent::Queued { done_ns: 32_000 }
        );
        let got: Vec<u32> = drain(&mut w, b, u64::MAX)
            .iter()
            .map(|f| id_of(f))
            .collect();
        assert_eq!(got, [0, 1, 2, 6]);
        let s = w.stats(a).unwrap();
        assert_eq!((s.sent, s.queue_dropped), (4, 3));
    }

    /// When a frame was received, at which port, and its bytes.
    type Delivery = (u64, usize, Vec<u8>);

    /// A busy exchange among three ports with every impairment on; returns
    /// what each port received, when, and the capture.
    fn impaired_run(seed: u64) -> (Vec<Delivery>, Vec<u8>) {
        let cfg = LinkConfig {
            loss: 0.05,
            reorder: 0.1,
            reorder_delay_ns: 20_000,
            duplicate: 0.05,
            corrupt: 0.05,
            queue_limit_bytes: Some(20_000),
            ..LinkConfig::new(100_000_000, 10_000)
        };
        let mut w = Wire::new(cfg, seed);
        let ports = [w.attach(), w.attach(), w.attach()];
        let cap = SharedBuf::default();
        w.capture_to(cap.clone()).unwrap();
        let mut log = Vec::new();
        for id in 0..3_000u32 {
            let now = id as u64 * 3_000;
            let from = ports[id as usize % 3];
            w.send(from, frame(id, 64 + (id as usize * 97) % 1400), now)
                .unwrap();
            for p in ports {
                for f in drain(&mut w, p, now) {
                    log.push((now, p.0, f));
                }
            }
        }
        while let Some(t) = w.next_event_ns() {
            for p in ports {
                for f in drain(&mut w, p, t) {
                    log.push((t, p.0, f));
                }
            }
        }
        (log, cap.bytes())
    }

    #[test]
    fn same_seed_gives_identical_deliveries_and_capture() {
        let seed = 0x5eed_0006;
        println!("seed {seed}");
        let (log1, cap1) = impaired_run(seed);
        let (log2, cap2) = impaired_run(seed);
        assert!(!log1.is_empty());
        assert_eq!(log1, log2);
        assert_eq!(cap1, cap2);
        let (log3, _) = impaired_run(seed + 1);
        assert_ne!(log1, log3, "another seed, another run");
    }

    #[test]
    fn capture_records_every_sent_frame_at_its_send_time() {
        let cfg = LinkConfig {
            loss: 1.0,
            queue_limit_bytes: Some(1_500),
            ..LinkConfig::new(1_000_000_000, 1_000)
        };
        let (mut w, a, b) = pair(cfg, 1);
        let cap = SharedBuf::default();
        w.capture_to(cap.clone()).unwrap();
        w.send(a, frame(1, 1000), 5).unwrap();
        w.send(a, frame(2, 1000), 6).unwrap(); // tail-dropped: not captured
        w.send(b, frame(3, 60), 3_000_000_007).unwrap();
        assert!(w.stop_capture().unwrap().is_some());
        w.send(a, frame(4, 60), 10_000_000_000).unwrap(); // after the capture
        let recs = PcapReader::new(&cap.bytes()[..])
            .unwrap()
            .records()
            .unwrap();
        let got: Vec<(u64, Vec<u8>)> = recs.into_iter().map(|r| (r.ts_ns, r.data)).collect();
        assert_eq!(
            got,
            [(5, frame(1, 1000)), (3_000_000_007, frame(3, 60))],
            "lost frames are captured as sent"
        );
    }

    #[test]
    fn next_event_ns_lets_a_caller_jump_time() {
        // A 1 s link: a caller stepping 1 µs at a time would take a
        // million steps per frame; jumping takes one.
        let (mut w, a, b) = pair(LinkConfig::new(1_000_000_000, 1_000_000_000), 1);
        assert_eq!(w.next_event_ns(), None);
        w.send(a, frame(1, 125), 0).unwrap();
        w.send(b, frame(2, 125), 500_000_000).unwrap();
        let mut steps = Vec::new();
        while let Some(t) = w.next_event_ns() {
            let at_a = drain(&mut w, a, t).len();
            let at_b = drain(&mut w, b, t).len();
            steps.push((t, at_a, at_b));
        }
        assert_eq!(
            steps,
            [(1_000_001_000, 0, 1), (1_500_001_000, 1, 0)],
            "one step per arrival"
        );
    }

    #[test]
    fn three_ports_broadcast() {
        let mut w = Wire::new(LinkConfig::new(1_000_000_000, 100), 1);
        let ports = [w.attach(), w.attach(), w.attach()];
        w.send(ports[0], frame(1, 64), 0).unwrap();
        w.send(ports[2], frame(2, 64), 0).unwrap();
        let at = |w: &mut Wire, p: PortId| -> Vec<u32> {
            drain(w, p, u64::MAX).iter().map(|f| id_of(f)).collect()
        };
        assert_eq!(at(&mut w, ports[0]), [2]);
        assert_eq!(at(&mut w, ports[1]), [1, 2]);
        assert_eq!(at(&mut w, ports[2]), [1]);
        assert_eq!(w.stats(ports[1]).unwrap().delivered, 2);
    }

    #[test]
    fn unknown_port_is_an_error() {
        let (mut w, _, _) = pair(LinkConfig::default(), 1);
        assert!(matches!(
            w.send(PortId(2), vec![0; 60], 0),
            Err(WireError::UnknownPort(2))
        ));
        assert!(matches!(
            w.recv(PortId(9), 0),
            Err(WireError::UnknownPort(9))
        ));
    }
}
