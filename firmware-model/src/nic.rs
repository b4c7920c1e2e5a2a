//! The NIC as a behavioural model (being written).

/// A frame on the MAC-side port. `bad` is the AXI-Stream `tuser` bit on the
/// last beat: the sender aborted the frame and a MAC must not deliver it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    pub data: Vec<u8>,
    pub bad: bool,
}
