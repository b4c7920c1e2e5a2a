//! An offload-aware TCP/IP host stack.
//!
//! Portable: it owns no threads and reads no clock; the caller feeds it frames
//! and the time, and gets back frames and the next deadline. Layered:
//!
//! - [`checksum`]: the Internet checksum, the software fallback's hot path.
//! - [`wire`]: zero-copy views over packet bytes and their parsed `Repr`s.
//! - [`tcp`]: TCP: sequence arithmetic, RTO, NewReno, buffers, SACK
//!   scoreboard, and the pure per-connection state machine.
//! - [`phy`]: the device trait with offload capabilities and per-packet
//!   metadata (`virtio_net_hdr` semantics), the wire emulator, the TAP
//!   device. (A wire port that emulates our NIC's offloads in software is
//!   `EmulatorPort`, in the crate `emulated-nic`, which follows the NIC
//!   model's rules and so lives outside the stack.)
//! - [`iface`]: an Ethernet interface: ARP and NDP neighbour caches, ICMP
//!   and ICMPv6 echo, the socket table and TCP/UDP, checksum offload use,
//!   TSO super-frames or software GSO ([`iface::gso`]), software GRO
//!   ([`iface::gro`]).
//! - [`socket`]: what an application holds: handles, readiness, events.
//!
//! The application API is on [`iface::Interface`]: `tcp_listen`,
//! `tcp_accept`, `tcp_connect`, `tcp_send`, `tcp_recv` (or zero-copy
//! `tcp_recv_peek`/`tcp_recv_consume`), `tcp_close`/`tcp_release`,
//! `udp_bind`/`udp_send_to`/`udp_recv_from`, `readiness`/`take_events`;
//! then `poll(now, device)` moves the frames and `poll_at()` says when to
//! call it again:
//!
//! ```ignore
//! let l = server.tcp_listen(7, 16)?;
//! let c = client.tcp_connect(now, "10.0.0.2:7".parse()?)?;
//! loop {
//!     client.poll(now, &mut dev_a);
//!     server.poll(now, &mut dev_b);
//!     if let Some(s) = server.tcp_accept(l)? { /* ... */ }
//!     now = next_deadline(client.poll_at(), server.poll_at(), wire);
//! }
//! ```

/// Defines a struct of `u64` counters and its `counters()` method, which
/// lists every field by name in declaration order (for reports and JSON,
/// without naming each counter a second time).
macro_rules! counters {
    (
        $(#[$sm:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* pub $field:ident: u64, )*
        }
    ) => {
        $(#[$sm])*
        pub struct $name {
            $( $(#[$fm])* pub $field: u64, )*
        }

        impl $name {
            /// Every counter, by field name, in declaration order.
            pub fn counters(&self) -> Vec<(&'static str, u64)> {
                vec![$( (stringify!($field), self.$field) ),*]
            }
        }
    };
}

pub mod checksum;
pub mod iface;
pub mod phy;
pub mod socket;
pub mod tcp;
pub mod wire;

#[cfg(test)]
mod tests {
    #[test]
    fn counters_list_every_field_by_name_in_order() {
        let mut s = crate::iface::Stats {
            tx_frames: 7,
            ..Default::default()
        };
        s.udp_wrong_peer = 3;
        let c = s.counters();
        assert_eq!(c[0], ("rx_frames", 0));
        assert_eq!(c[1], ("tx_frames", 7));
        assert_eq!(c.last(), Some(&("udp_wrong_peer", 3)));
        // One entry per field: the Debug form names the same fields.
        assert_eq!(c.len(), format!("{s:?}").matches(": ").count());
        let t = crate::tcp::ConnStats {
            retransmits: 2,
            ..Default::default()
        };
        assert!(t.counters().contains(&("retransmits", 2)));
    }
}
