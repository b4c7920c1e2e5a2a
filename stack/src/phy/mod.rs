//! What the stack needs from a network device, and the devices it has.
//!
//! A device reports its offload [`Capabilities`]; the stack then uses every
//! offload present and does the rest in software, per device, at run time.
//! Per-packet metadata has `virtio_net_hdr` semantics ([`TxMeta`]) on
//! transmit and carries the NIC's checksum verdict, complete sum and
//! coalesced-segment count ([`RxMeta`]) on receive.

/// Offloads a device has switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Largest frame the device sends or receives, without FCS.
    pub max_frame: usize,
    /// The device completes `CHECKSUM_PARTIAL` frames (NEEDS_CSUM).
    pub tx_checksum: bool,
    /// The device reports an RX checksum verdict and complete sum.
    pub rx_checksum: bool,
    /// The device segments TCP super-segments (IPv4, IPv6) up to `max_tso_bytes`.
    pub tso_v4: bool,
    pub tso_v6: bool,
    pub max_tso_bytes: usize,
    /// The device coalesces received TCP segments (LRO).
    pub lro: bool,
}

/// virtio_net_hdr flag: the device must fill in the checksum.
pub const F_NEEDS_CSUM: u8 = 1;
/// virtio_net_hdr gso_type values.
pub const GSO_NONE: u8 = 0;
pub const GSO_TCPV4: u8 = 1;
pub const GSO_TCPV6: u8 = 4;
pub const GSO_ECN: u8 = 0x80;

/// Per-packet transmit metadata, `virtio_net_hdr` semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxMeta {
    pub flags: u8,
    pub gso_type: u8,
    pub hdr_len: u16,
    pub gso_size: u16,
    pub csum_start: u16,
    pub csum_offset: u16,
}

/// What the NIC said about a received frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RxChecksum {
    /// Not checked: verify in software.
    #[default]
    None,
    /// Verified good (CHECKSUM_UNNECESSARY).
    Good,
    /// Verified bad.
    Bad,
}

/// Per-packet receive metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxMeta {
    pub checksum: RxChecksum,
    /// CHECKSUM_COMPLETE: folded sum of the bytes after the Ethernet header, if reported.
    pub complete_sum: Option<u16>,
    /// Segments an LRO frame holds (1 for an ordinary frame).
    pub segments: u16,
}

/// The error a device's own failure carries: the driver's or the OS's typed
/// error, kept whole so a caller can walk the cause chain
/// ([`std::error::Error::source`]).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A device refused a frame.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("frame of {len} bytes exceeds the device's limit of {max}")]
    TooBig { len: usize, max: usize },
    #[error("device transmit queue is full")]
    Exhausted,
    /// The device failed: `context` says at what, `source` why (the
    /// driver's or the OS's error, not flattened to text).
    #[error("device I/O error: {context}")]
    Io {
        context: String,
        #[source]
        source: BoxError,
    },
    /// The device refused the frame for a reason no lower-level error
    /// explains: metadata asking for an offload that is switched off,
    /// malformed segmentation metadata.
    #[error("device refused the frame: {0}")]
    Refused(String),
}

impl DeviceError {
    /// [`DeviceError::Io`] with its context and the error that caused it.
    pub fn io(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        DeviceError::Io {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// A network device as the stack sees it. No clock and no threads: the
/// caller polls.
pub trait Device {
    /// Offloads the device has switched on now (may change at run time).
    fn capabilities(&self) -> Capabilities;
    /// Sends one frame with its offload metadata.
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError>;
    /// The next received frame, if one is waiting.
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)>;
}

pub mod emulator;
pub mod hop;
pub mod pcap;
pub mod tap;
