//! TCP sequence numbers and the segment acceptability test of RFC 9293
//! section 3.10.7.4.
//!
//! The type is [`TcpSeqNumber`], re-exported from [`crate::wire::tcp`], its
//! one home (the wire format carries it); its documentation there says how
//! comparison modulo 2^32 works and where it is ambiguous. This module adds
//! the receive-window rule that the TCP machine applies to it.

pub use crate::wire::TcpSeqNumber;

/// The segment acceptability test of RFC 9293 §3.10.7.4 (first check, in
/// SYN-RECEIVED and synchronized states).
///
/// `seg_len` is SEG.LEN: payload octets plus one for SYN and one for FIN.
/// `rcv_wnd` is RCV.WND in octets (after window scaling; at most 2^30).
///
/// | SEG.LEN | RCV.WND | acceptable when                                  |
/// |---------|---------|--------------------------------------------------|
/// | 0       | 0       | SEG.SEQ = RCV.NXT                                |
/// | 0       | >0      | RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND             |
/// | >0      | 0       | never                                            |
/// | >0      | >0      | RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, or         |
/// |         |         | RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND   |
///
/// The third case means a peer probing a zero window gets an ACK in return,
/// but its data is not accepted (the caller still processes ACK/URG/RST).
pub fn segment_acceptable(
    seg_seq: TcpSeqNumber,
    seg_len: usize,
    rcv_nxt: TcpSeqNumber,
    rcv_wnd: usize,
) -> bool {
    match (seg_len, rcv_wnd) {
        (0, 0) => seg_seq == rcv_nxt,
        (0, _) => seg_seq.in_window(rcv_nxt, rcv_wnd),
        (_, 0) => false,
        (_, _) => {
            let last = seg_seq + (seg_len - 1);
            seg_seq.in_window(rcv_nxt, rcv_wnd) || last.in_window(rcv_nxt, rcv_wnd)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: u32 = u32::MAX;

    #[test]
    fn zero_length_zero_window_accepts_only_rcv_nxt() {
        let nxt = TcpSeqNumber(1000);
        assert!(segment_acceptable(nxt, 0, nxt, 0));
        assert!(!segment_acceptable(nxt + 1, 0, nxt, 0));
        assert!(!segment_acceptable(nxt - 1, 0, nxt, 0));
    }

    #[test]
    fn zero_length_open_window_accepts_seq_inside_window() {
        let nxt = TcpSeqNumber(1000);
        assert!(segment_acceptable(nxt, 0, nxt, 100));
        assert!(segment_acceptable(nxt + 99, 0, nxt, 100));
        assert!(!segment_acceptable(nxt + 100, 0, nxt, 100));
        assert!(!segment_acceptable(nxt - 1, 0, nxt, 100));
    }

    #[test]
    fn data_into_zero_window_is_never_acceptable() {
        let nxt = TcpSeqNumber(1000);
        assert!(!segment_acceptable(nxt, 1, nxt, 0));
        assert!(!segment_acceptable(nxt, 1460, nxt, 0));
        assert!(!segment_acceptable(nxt - 10, 20, nxt, 0));
    }

    #[test]
    fn data_into_open_window_accepts_if_first_or_last_octet_inside() {
        let nxt = TcpSeqNumber(1000);
        // Entirely inside.
        assert!(segment_acceptable(nxt, 100, nxt, 100));
        // Starts before, ends inside (retransmission overlapping new data).
        assert!(segment_acceptable(nxt - 10, 11, nxt, 100));
        // Starts before, ends one before RCV.NXT: old duplicate.
        assert!(!segment_acceptable(nxt - 10, 10, nxt, 100));
        // Starts inside, ends beyond the window.
        assert!(segment_acceptable(nxt + 99, 50, nxt, 100));
        // Starts just beyond the window.
        assert!(!segment_acceptable(nxt + 100, 1, nxt, 100));
        // Spans the whole window but neither end is inside: RFC says no.
        assert!(!segment_acceptable(nxt - 1, 102, nxt, 100));
    }

    #[test]
    fn acceptability_holds_across_wrap() {
        let nxt = TcpSeqNumber(TOP - 49);
        assert!(segment_acceptable(TcpSeqNumber(20), 10, nxt, 100));
        assert!(!segment_acceptable(TcpSeqNumber(50), 10, nxt, 100));
        assert!(segment_acceptable(TcpSeqNumber(TOP - 59), 11, nxt, 100));
        assert!(segment_acceptable(TcpSeqNumber(49), 0, nxt, 100));
        assert!(!segment_acceptable(TcpSeqNumber(50), 0, nxt, 100));
    }
}
