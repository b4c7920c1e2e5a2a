//! An offload-aware TCP/IP host stack.
//!
//! Portable: it owns no threads and reads no clock; the caller feeds it frames
//! and the time, and gets back frames and the next deadline. Layered:
//!
//! - [`checksum`]: the Internet checksum, the software fallback's hot path.
//! - [`wire`]: zero-copy views over packet bytes and their parsed `Repr`s.
//! - [`tcp`]: TCP, part by part (sequence arithmetic, RTO, congestion control so far).
//! - [`phy`]: the device trait with offload capabilities and per-packet
//!   metadata (`virtio_net_hdr` semantics), and the wire emulator.
//! - [`iface`]: an Ethernet interface: ARP and NDP neighbour caches, ICMP
//!   and ICMPv6 echo, checksum offload decisions.

pub mod checksum;
pub mod iface;
pub mod phy;
pub mod socket;
pub mod tcp;
pub mod wire;
