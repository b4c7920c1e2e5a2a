//! The sender's SACK scoreboard (RFC 2018, loss recovery per RFC 6675's
//! rules for what is lost and what to retransmit): which bytes above
//! SND.UNA the receiver has reported holding, so retransmissions skip them.

use super::seq::SeqNumber;

/// SACKed ranges above SND.UNA, bounded in count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoreboard {
    _todo: (),
}

impl Scoreboard {
    /// Keeps at most `max_ranges` disjoint ranges (older information is
    /// dropped first when full: it is only an optimisation).
    pub fn new(max_ranges: usize) -> Self {
        let _ = max_ranges;
        todo!()
    }
    /// Forgets everything (after an RTO, RFC 2018 §8: the receiver may renege).
    pub fn clear(&mut self) {
        todo!()
    }
    /// Records SACK blocks `(left, right)` (right exclusive) from one ACK.
    /// Blocks not inside `snd_una..snd_nxt`, empty or reversed ones are
    /// ignored (RFC 2018 / RFC 6675 validity). Returns the bytes newly
    /// marked SACKed.
    pub fn on_sack(
        &mut self,
        blocks: &[(SeqNumber, SeqNumber)],
        snd_una: SeqNumber,
        snd_nxt: SeqNumber,
    ) -> u32 {
        let _ = (blocks, snd_una, snd_nxt);
        todo!()
    }
    /// SND.UNA advanced: drops what lies below it.
    pub fn on_ack(&mut self, snd_una: SeqNumber) {
        let _ = snd_una;
        todo!()
    }
    pub fn is_sacked(&self, seq: SeqNumber) -> bool {
        let _ = seq;
        todo!()
    }
    /// Bytes marked SACKed.
    pub fn sacked_bytes(&self) -> u32 {
        todo!()
    }
    /// One past the highest SACKed byte, if any.
    pub fn highest_sacked(&self) -> Option<SeqNumber> {
        todo!()
    }
    /// The first hole at or after `from` and below the highest SACKed byte:
    /// `(start, len)` of bytes not SACKed that the receiver has evidently
    /// missed. `None` when no SACKed byte lies above `from`.
    pub fn next_hole(&self, from: SeqNumber) -> Option<(SeqNumber, usize)> {
        let _ = from;
        todo!()
    }
    /// Ranges held, lowest first, as `(left, right)`.
    pub fn ranges(&self) -> Vec<(SeqNumber, SeqNumber)> {
        todo!()
    }
}
