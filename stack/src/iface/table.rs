//! The socket table: a bounded slab of TCP listeners, TCP connections and
//! UDP sockets, with generation-checked handles and the demultiplexing maps
//! (4-tuple, listening port, UDP port).

use crate::socket::Readiness;
use crate::tcp::Connection;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

/// A listening TCP socket.
#[derive(Debug)]
pub(super) struct Listener {
    pub port: u16,
    pub backlog: usize,
    /// Established, not yet accepted (slot indices).
    pub ready: VecDeque<u32>,
    /// Children still in SYN-RECEIVED (slot indices): the half-open queue.
    pub embryonic: Vec<u32>,
    /// Entries of `embryonic` per source address (no zero counts kept).
    pub half_open_by_source: HashMap<IpAddr, u32>,
    /// When the listener last answered a SYN with a cookie: ACKs are
    /// checked for cookies only within the cookies' lifetime after it (as
    /// Linux's `tcp_synq_no_recent_overflow`).
    pub last_cookie_at: Option<u64>,
    pub stats: super::tcp::ListenerStats,
}

impl Listener {
    pub fn new(port: u16, backlog: usize) -> Self {
        Listener {
            port,
            backlog,
            ready: VecDeque::new(),
            embryonic: Vec::new(),
            half_open_by_source: HashMap::new(),
            last_cookie_at: None,
            stats: Default::default(),
        }
    }

    /// Half-open entries from `src`.
    pub fn half_open_from(&self, src: IpAddr) -> u32 {
        self.half_open_by_source.get(&src).copied().unwrap_or(0)
    }

    /// Adds connection `i` from `src` to the half-open queue.
    pub fn push_half_open(&mut self, i: u32, src: IpAddr) {
        self.embryonic.push(i);
        *self.half_open_by_source.entry(src).or_insert(0) += 1;
        self.stats.half_open_peak = self.stats.half_open_peak.max(self.embryonic.len() as u64);
    }

    /// Takes connection `i` from `src` out of the half-open queue; whether
    /// it was there.
    pub fn remove_half_open(&mut self, i: u32, src: IpAddr) -> bool {
        let Some(pos) = self.embryonic.iter().position(|&c| c == i) else {
            return false;
        };
        self.embryonic.swap_remove(pos);
        if let Some(n) = self.half_open_by_source.get_mut(&src) {
            *n -= 1;
            if *n == 0 {
                self.half_open_by_source.remove(&src);
            }
        }
        true
    }
}

/// A TCP connection and what the interface knows about it.
#[derive(Debug)]
pub(super) struct TcpSock {
    pub conn: Connection,
    /// The application is done with it (released, or never accepted and
    /// aborted): freed when CLOSED, refused to handles.
    pub released: bool,
    /// The listener it came from, until accepted.
    pub parent: Option<u32>,
}

#[derive(Debug)]
pub(super) struct UdpSock {
    pub port: u16,
    pub queue: VecDeque<(SocketAddr, Vec<u8>)>,
    /// The peer of a connected socket.
    pub peer: Option<SocketAddr>,
    /// An ICMP error about a datagram to the peer, for the next call.
    pub error: Option<(SocketAddr, crate::socket::IcmpError)>,
}

#[derive(Debug)]
pub(super) enum Entry {
    Listener(Listener),
    Tcp(Box<TcpSock>),
    Udp(UdpSock),
}

#[derive(Debug)]
pub(super) struct Slot {
    pub generation: u32,
    pub entry: Option<Entry>,
    /// Readiness last reported by an event.
    pub reported: Readiness,
}

/// Every socket of an interface.
#[derive(Debug, Default)]
pub(super) struct SocketTable {
    pub slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    /// (local, remote) -> connection slot.
    pub conns: HashMap<(SocketAddr, SocketAddr), u32>,
    /// Listening port -> listener slot.
    pub listeners: HashMap<u16, u32>,
    /// UDP port -> socket slot.
    pub udp: HashMap<u16, u32>,
    /// Next ephemeral port to try.
    pub next_ephemeral: u16,
    /// The connection slot the last segment was demultiplexed to, with
    /// its 4-tuple: consecutive segments of one flow skip hashing the
    /// 4-tuple (see [`SocketTable::lookup_conn`]).
    last_conn: Option<(SocketAddr, SocketAddr, u32)>,
}

pub(super) const EPHEMERAL: std::ops::RangeInclusive<u16> = 49152..=65535;

impl SocketTable {
    pub fn live(&self) -> usize {
        self.live
    }

    /// Puts `entry` in a free slot; `None` if `max` sockets are live.
    pub fn insert(&mut self, entry: Entry, max: usize) -> Option<(u32, u32)> {
        if self.live >= max {
            return None;
        }
        self.live += 1;
        if let Some(i) = self.free.pop() {
            let s = &mut self.slots[i as usize];
            s.entry = Some(entry);
            s.reported = Readiness::default();
            return Some((i, s.generation));
        }
        let i = self.slots.len() as u32;
        self.slots.push(Slot {
            generation: 0,
            entry: Some(entry),
            reported: Readiness::default(),
        });
        Some((i, 0))
    }

    /// Empties slot `i` (its generation moves on, so old handles are
    /// refused) and removes it from the maps.
    pub fn remove(&mut self, i: u32) -> Option<Entry> {
        let s = self.slots.get_mut(i as usize)?;
        let e = s.entry.take()?;
        s.generation = s.generation.wrapping_add(1);
        s.reported = Readiness::default();
        self.free.push(i);
        self.live -= 1;
        match &e {
            Entry::Listener(l) => {
                if self.listeners.get(&l.port) == Some(&i) {
                    self.listeners.remove(&l.port);
                }
            }
            Entry::Tcp(t) => {
                let key = (t.conn.local(), t.conn.remote());
                if self.conns.get(&key) == Some(&i) {
                    self.conns.remove(&key);
                }
            }
            Entry::Udp(u) => {
                if self.udp.get(&u.port) == Some(&i) {
                    self.udp.remove(&u.port);
                }
            }
        }
        Some(e)
    }

    /// The live entry at `i` if `generation` matches.
    pub fn get(&self, i: u32, generation: u32) -> Option<&Entry> {
        let s = self.slots.get(i as usize)?;
        if s.generation != generation {
            return None;
        }
        s.entry.as_ref()
    }

    pub fn get_mut(&mut self, i: u32, generation: u32) -> Option<&mut Entry> {
        let s = self.slots.get_mut(i as usize)?;
        if s.generation != generation {
            return None;
        }
        s.entry.as_mut()
    }

    pub fn tcp_mut(&mut self, i: u32) -> Option<&mut TcpSock> {
        match self.slots.get_mut(i as usize)?.entry.as_mut()? {
            Entry::Tcp(t) => Some(t),
            _ => None,
        }
    }

    /// Takes the connection out of slot `i` for a while (the slot stays
    /// reserved: same generation, not free, still mapped); it must be
    /// given back with [`put_tcp`](Self::put_tcp) before the table is used
    /// for anything else.
    pub fn take_tcp(&mut self, i: u32) -> Option<Box<TcpSock>> {
        let s = self.slots.get_mut(i as usize)?;
        match s.entry.take() {
            Some(Entry::Tcp(t)) => Some(t),
            other => {
                s.entry = other;
                None
            }
        }
    }

    /// Puts back a connection [`take_tcp`](Self::take_tcp) took from slot
    /// `i`.
    pub fn put_tcp(&mut self, i: u32, t: Box<TcpSock>) {
        if let Some(s) = self.slots.get_mut(i as usize) {
            debug_assert!(s.entry.is_none());
            s.entry = Some(Entry::Tcp(t));
        }
    }

    pub fn tcp(&self, i: u32) -> Option<&TcpSock> {
        match self.slots.get(i as usize)?.entry.as_ref()? {
            Entry::Tcp(t) => Some(t),
            _ => None,
        }
    }

    pub fn listener_mut(&mut self, i: u32) -> Option<&mut Listener> {
        match self.slots.get_mut(i as usize)?.entry.as_mut()? {
            Entry::Listener(l) => Some(l),
            _ => None,
        }
    }

    /// The connection slot for (`local`, `remote`), as `conns` maps it.
    /// The last hit is remembered and checked against the slot itself (a
    /// live, not CLOSED connection with exactly that 4-tuple, which
    /// `conns` always maps to its slot: a 4-tuple is only mapped anew when
    /// its old connection is gone or CLOSED), so a flow's consecutive
    /// segments cost a few compares instead of a SipHash of the 4-tuple;
    /// anything else takes the (flood-resistant) map.
    pub fn lookup_conn(&mut self, local: SocketAddr, remote: SocketAddr) -> Option<u32> {
        if let Some((l, r, i)) = self.last_conn {
            if l == local && r == remote {
                if let Some(t) = self.tcp(i) {
                    let c = &t.conn;
                    if c.local() == local
                        && c.remote() == remote
                        && c.state() != crate::tcp::State::Closed
                    {
                        debug_assert_eq!(self.conns.get(&(local, remote)), Some(&i));
                        return Some(i);
                    }
                }
            }
        }
        let i = *self.conns.get(&(local, remote))?;
        self.last_conn = Some((local, remote, i));
        Some(i)
    }

    /// Whether a TCP socket uses local `port` (listener or connection).
    pub fn tcp_port_in_use(&self, port: u16) -> bool {
        self.listeners.contains_key(&port) || self.conns.keys().any(|(l, _)| l.port() == port)
    }

    /// A free ephemeral port (RFC 6056 style sequential search from a
    /// moving cursor), skipping ports `in_use` says are taken.
    pub fn ephemeral(&mut self, in_use: impl Fn(&Self, u16) -> bool) -> Option<u16> {
        let (lo, hi) = (*EPHEMERAL.start(), *EPHEMERAL.end());
        let span = u32::from(hi - lo) + 1;
        if self.next_ephemeral < lo {
            self.next_ephemeral = lo;
        }
        for k in 0..span {
            let p = lo + ((u32::from(self.next_ephemeral - lo) + k) % span) as u16;
            if !in_use(self, p) {
                self.next_ephemeral = if p == hi { lo } else { p + 1 };
                return Some(p);
            }
        }
        None
    }

    /// Every live TCP connection.
    pub fn tcp_iter(&self) -> impl Iterator<Item = &TcpSock> {
        self.slots.iter().filter_map(|s| match &s.entry {
            Some(Entry::Tcp(t)) => Some(&**t),
            _ => None,
        })
    }

    /// Indices of live TCP connections.
    pub fn tcp_indices(&self) -> Vec<u32> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.entry, Some(Entry::Tcp(_))))
            .map(|(i, _)| i as u32)
            .collect()
    }
}
