//! The two ends of a SYN-cookie handshake (RFC 4987 §3.6) on the
//! connection's side: the SYN-ACK a listener sends without keeping a
//! connection, and the connection it builds when the handshake's last ACK
//! brings the cookie back. Encoding and checking the cookie itself is
//! [`crate::tcp::syncookie`]'s; the interface holds the key.

use super::{Connection, Outgoing, State, TcpConfig};
use crate::tcp::syncookie::{self, CookieOptions};
use crate::wire::{TcpFlags, TcpRepr};
use std::net::SocketAddr;

impl Connection {
    /// The SYN-ACK answering `syn` with the cookie `iss` as our ISN, as a
    /// connection accepting `syn` would send it, except that: without
    /// timestamps (either side) it offers only the MSS, as Linux's cookie
    /// SYN-ACK (there is nowhere to keep window scale and SACK-permitted);
    /// with them, the low 6 bits of its TSval carry the peer's window shift
    /// and SACK-permitted ([`syncookie::encode_timestamp`]). Nothing is
    /// kept: the connection built here is dropped.
    pub fn syn_cookie_reply(
        config: TcpConfig,
        local: SocketAddr,
        remote: SocketAddr,
        iss: u32,
        syn: &TcpRepr,
        now: u64,
    ) -> Option<Outgoing> {
        let syn = cookie_syn(config, syn);
        let mut c = Connection::accept(config, local, remote, iss, &syn, now);
        let mut out = c.transmit(now, 1)?;
        if let Some((tsval, tsecr)) = out.repr.timestamp {
            let opts = CookieOptions {
                wscale: c.ws_ok.then_some(c.snd_shift),
                sack: c.sack_ok,
                ecn: false,
            };
            out.repr.timestamp = Some((syncookie::encode_timestamp(tsval, opts), tsecr));
        }
        Some(out)
    }

    /// The connection a valid cookie stands for: `ack` is the handshake's
    /// last ACK (its `SEG.ACK - 1` is the cookie `iss`, its `SEG.SEQ - 1`
    /// the peer's ISN), `peer_mss` the MSS the cookie carried and `opts`
    /// the options its echoed TSecr carried (`None` if it has no timestamp:
    /// no timestamps, window scaling or SACK then). The connection is in
    /// SYN-RECEIVED with its SYN-ACK sent; hand it `ack` with
    /// [`on_segment`](Self::on_segment) to complete the handshake. The
    /// handshake gives no RTT sample (the SYN-ACK's send time is not
    /// known: the TSval was lowered by up to 63 ms to carry the options).
    #[allow(clippy::too_many_arguments)]
    pub fn accept_cookie(
        config: TcpConfig,
        local: SocketAddr,
        remote: SocketAddr,
        iss: u32,
        ack: &TcpRepr,
        peer_mss: u16,
        opts: Option<CookieOptions>,
        now: u64,
    ) -> Connection {
        let o = opts.unwrap_or_default();
        let syn = TcpRepr {
            seq_number: ack.seq_number - 1,
            ack_number: crate::wire::TcpSeqNumber(0),
            flags: TcpFlags::SYN,
            window_len: ack.window_len,
            max_seg_size: Some(peer_mss),
            window_scale: o.wscale,
            sack_permitted: o.sack,
            sack_ranges: [None; 4],
            timestamp: opts.and(ack.timestamp.map(|(v, _)| (v, 0))),
            payload_len: 0,
            ..*ack
        };
        let mut c = Connection::accept(config, local, remote, iss, &syn, now);
        // The SYN-ACK went out when the SYN came: account for it as sent.
        let _ = c.transmit(now, 1);
        c.rtt.on_retransmit();
        c.ts_rto_floor = c.ts_now(now).wrapping_add(1);
        debug_assert_eq!(c.state, State::SynReceived);
        c
    }
}

/// `syn` as a cookie handshake can honour it: with our timestamps and the
/// peer's, as sent; else without window scale, SACK-permitted and
/// timestamps.
fn cookie_syn(config: TcpConfig, syn: &TcpRepr) -> TcpRepr {
    if config.timestamps && syn.timestamp.is_some() {
        *syn
    } else {
        TcpRepr {
            window_scale: None,
            sack_permitted: false,
            timestamp: None,
            ..*syn
        }
    }
}
