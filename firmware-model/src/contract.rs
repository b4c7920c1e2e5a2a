//! The host/NIC contract, written once.
//!
//! Everything the host and the NIC must agree on lives here: the BAR0 register
//! map, the bit fields inside registers, the descriptor and completion record
//! layouts and the limits. The SystemVerilog package `hdl/nic_pkg.sv` and the
//! tables in `docs/contract.md` are *generated* from these definitions by
//! `cargo run -p firmware-model --bin gen-contract`; the test
//! `generated_files_match_contract` fails when either has drifted.
//!
//! Each `contract!` block below defines Rust constants (used by the model and
//! the driver) and a table of the same items (used by the generators), from a
//! single list, so the two cannot disagree.

/// Access type of a register, as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Ro,
    /// Read/write.
    Rw,
    /// Read; writing 1 to a bit clears it.
    Rw1c,
    /// Write only (reads return 0).
    Wo,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Rw1c => "RW1C",
            Access::Wo => "WO",
        }
    }
}

/// One named item of a table: a register, a bit, a field or a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub name: &'static str,
    /// Offset, bit number, byte offset or value, depending on the table.
    pub value: u64,
    /// Width in bytes for fields, access for registers; unused elsewhere.
    pub width: u32,
    pub access: Option<Access>,
    pub doc: &'static str,
}

/// A named table of items, rendered as one section of the docs and one block
/// of the SystemVerilog package.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Prefix of the generated SystemVerilog names (e.g. `REG_`).
    pub sv_prefix: &'static str,
    pub title: &'static str,
    pub doc: &'static str,
    pub kind: TableKind,
    pub items: &'static [Item],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Register offsets; `value` is the byte offset, `access` is set.
    Registers,
    /// Bit numbers inside a register or a record field.
    Bits,
    /// Fields of an in-memory record; `value` is the byte offset, `width` bytes.
    Fields,
    /// Plain constants.
    Constants,
}

macro_rules! registers {
    ($mod:ident, $table:ident, $prefix:literal, $title:literal, $doc:literal,
     { $( $name:ident = $off:expr, $acc:ident, $idoc:literal; )* }) => {
        #[doc = $doc]
        pub mod $mod { $( #[doc = $idoc] pub const $name: u32 = $off; )* }
        pub const $table: Table = Table {
            sv_prefix: $prefix, title: $title, doc: $doc, kind: TableKind::Registers,
            items: &[ $( Item { name: stringify!($name), value: $off as u64, width: 4,
                               access: Some(Access::$acc), doc: $idoc }, )* ],
        };
    };
}

macro_rules! bits {
    ($mod:ident, $table:ident, $prefix:literal, $title:literal, $doc:literal,
     { $( $name:ident = $bit:expr, $idoc:literal; )* }) => {
        #[doc = $doc]
        pub mod $mod {
            $( #[doc = $idoc] pub const $name: u32 = 1 << $bit; )*
            /// Bit numbers, for messages.
            pub mod bit { $( pub const $name: u32 = $bit; )* }
            /// Names of the set bits of `v`, lowest first.
            pub fn names(v: u32) -> Vec<&'static str> {
                let mut out = Vec::new();
                $( if v & (1 << $bit) != 0 { out.push(stringify!($name)); } )*
                out
            }
        }
        pub const $table: Table = Table {
            sv_prefix: $prefix, title: $title, doc: $doc, kind: TableKind::Bits,
            items: &[ $( Item { name: stringify!($name), value: $bit as u64, width: 1,
                               access: None, doc: $idoc }, )* ],
        };
    };
}

/// A record in host memory: byte ranges for every field, a table for the
/// generators, and a typed codec (`$ty::encode` / `$ty::decode`) so that no
/// side writes a bare offset. Field widths follow their Rust types; reserved
/// bytes are listed separately, read as anything and written as 0.
macro_rules! fields {
    ($mod:ident, $table:ident, $ty:ident, $prefix:literal, $title:literal, $doc:literal,
     size = $size:expr,
     { $( $field:ident : $name:ident = $off:expr, $fty:ty, $idoc:literal; )* }
     reserved { $( $rname:ident = $roff:expr, $rw:expr; )* }) => {
        #[doc = $doc]
        pub mod $mod {
            /// Size of the record in bytes.
            pub const SIZE: usize = $size;
            $( #[doc = $idoc]
               pub const $name: core::ops::Range<usize> =
                   $off..$off + core::mem::size_of::<$fty>(); )*
            $( /// Reserved: written as 0.
               pub const $rname: core::ops::Range<usize> = $roff..$roff + $rw; )*

            #[doc = $doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
            pub struct $ty { $( #[doc = $idoc] pub $field: $fty, )* }

            impl $ty {
                /// The record's bytes (reserved bytes 0).
                pub fn encode(&self) -> [u8; SIZE] {
                    let mut b = [0u8; SIZE];
                    $( b[$name].copy_from_slice(&self.$field.to_le_bytes()); )*
                    b
                }
                /// The record read from its bytes (reserved bytes ignored).
                pub fn decode(b: &[u8; SIZE]) -> $ty {
                    $ty { $( $field: {
                        let mut a = [0u8; core::mem::size_of::<$fty>()];
                        a.copy_from_slice(&b[$name]);
                        <$fty>::from_le_bytes(a)
                    }, )* }
                }
            }
        }
        pub const $table: Table = Table {
            sv_prefix: $prefix, title: $title, doc: $doc, kind: TableKind::Fields,
            items: &[ Item { name: "SIZE", value: $size as u64, width: 0, access: None,
                             doc: "Size of the record in bytes." },
                      $( Item { name: stringify!($name), value: $off as u64,
                                width: core::mem::size_of::<$fty>() as u32,
                                access: None, doc: $idoc }, )*
                      $( Item { name: stringify!($rname), value: $roff as u64, width: $rw,
                                access: None, doc: "Zero." }, )* ],
        };
    };
}

macro_rules! constants {
    ($mod:ident, $table:ident, $prefix:literal, $title:literal, $doc:literal,
     { $( $name:ident = $v:expr, $idoc:literal; )* }) => {
        constants!($mod, $table, $prefix, $title, $doc, type = u32, { $( $name = $v, $idoc; )* });
    };
    ($mod:ident, $table:ident, $prefix:literal, $title:literal, $doc:literal, type = $t:ty,
     { $( $name:ident = $v:expr, $idoc:literal; )* }) => {
        #[doc = $doc]
        pub mod $mod { $( #[doc = $idoc] pub const $name: $t = $v; )* }
        pub const $table: Table = Table {
            sv_prefix: $prefix, title: $title, doc: $doc, kind: TableKind::Constants,
            items: &[ $( Item { name: stringify!($name), value: $v as u64, width: 0,
                               access: None, doc: $idoc }, )* ],
        };
    };
}

constants!(limits, LIMITS, "", "Constants",
    "Identity values and limits every implementation of the NIC shares.",
{
    ID_MAGIC = 0x4E49_4331, "Value of the ID register: ASCII `NIC1`.";
    VERSION = 0x0002_0001, "Contract version: major in bits 31:16, minor in 15:0 (VERSION_* fields).";
    NUM_TXQ = 8, "Number of TX queues in the default build (the QUEUES register says how many a NIC has; a power of two, at most MAX_QUEUES).";
    NUM_RXQ = 8, "Number of RX queues in the default build (as NUM_TXQ).";
    MAX_FRAME = 9216, "Largest frame, in bytes, a TX descriptor may carry.";
    MAX_RX_FRAME = 16384, "Largest frame, in bytes, the MAC RX port takes: the RX buffer holds a whole frame before its queue is chosen; a longer frame is dropped and counted (RX_OVERSIZE).";
    MIN_RING_SIZE = 2, "Smallest ring size (entries); sizes are powers of two.";
    MAX_RING_SIZE = 4096, "Largest ring size (entries).";
    RING_ALIGN = 64, "Descriptor and completion ring bases must be multiples of this.";
    BUF_ALIGN = 8, "Buffer addresses in descriptors must be multiples of this.";
    TXQ_BASE = 0x200, "BAR0 offset of TX queue 0's register block.";
    RXQ_BASE = 0x400, "BAR0 offset of RX queue 0's register block.";
    QUEUE_STRIDE = 0x40, "Distance between the register blocks of queues n and n+1.";
    MAX_QUEUES = 8, "Queue register blocks BAR0 reserves per direction (NUM_TXQ, NUM_RXQ are at most this).";
    STATS_BASE = 0x100, "BAR0 offset of the statistics counters.";
    NUM_STATS = 12, "Number of statistics counters (64 bits each).";
    BAR0_SIZE = 0x1000, "Size of BAR0 in bytes.";
    RSS_KEY_WORDS = 10, "Words of the RSS key register block (40 bytes).";
    RSS_INDIR_LEN = 128, "Entries of the RSS indirection table: a frame goes to RX queue RSS_INDIR[hash & 0x7F].";
    RSS_INDIR_WORDS = 32, "Words of the RSS_INDIR register block (four 8-bit entries each).";
});

registers!(reg, REGISTERS, "REG_", "Global registers (BAR0)",
    "Global registers. All registers are 32 bits wide and 32-bit aligned; \
     reads of unmapped offsets return 0 and writes to them are ignored.",
{
    ID = 0x000, Ro, "Identity: `ID_MAGIC`.";
    VERSION = 0x004, Ro, "Contract version.";
    CAPS = 0x008, Ro, "What the NIC can do (CAP_* bits).";
    FEATURES = 0x00C, Rw, "Which offloads are switched on (CAP_* bits); bits not in CAPS read 0.";
    CTRL = 0x010, Rw, "Global control (CTRL_* bits).";
    STATUS = 0x014, Ro, "Global status (STATUS_* bits).";
    QUEUES = 0x018, Ro, "Number of TX and RX queues (QUEUES_* fields).";
    MAX_FRAME = 0x01C, Ro, "Largest TX frame in bytes (`MAX_FRAME`).";
    ERR_CAUSE = 0x020, Rw1c, "Sticky malformed-use errors (ERR_* bits).";
    ERR_INFO = 0x024, Ro, "Where the first error since ERR_CAUSE was last 0 happened (ERR_INFO_* fields).";
    IRQ_CAUSE = 0x030, Rw1c, "Pending interrupt causes (IRQ_* bits).";
    IRQ_MASK = 0x034, Rw, "Enabled interrupt causes (IRQ_* bits).";
    IRQ_ITR = 0x038, Rw, "Interrupt moderation: least time between two interrupts, in ns (0: none).";
    TIME_LO = 0x040, Ro, "The NIC's time input, ns, bits 31:0; reading it latches TIME_HI.";
    TIME_HI = 0x044, Ro, "Bits 63:32 of the time latched by the last TIME_LO read.";
    IRQ_MOD_FRAMES = 0x048, Rw, "Queue interrupt moderation by count: a queue's vector fires once this many of its completions are pending (0 and 1: at the first).";
    IRQ_MOD_NS = 0x04C, Rw, "Queue interrupt moderation by time: ... or once its oldest pending completion has waited this many ns of the TIME input (0: at once).";
    RSS_KEY = 0x600, Rw, "RSS key, RSS_KEY_WORDS words: key byte 4i+j in bits 8j+7:8j of RSS_KEY + 4i. Reset: the RSS specification's verification key.";
    RSS_INDIR = 0x640, Rw, "RSS indirection table, RSS_INDIR_WORDS words: entry 4i+j (an RX queue number) in bits 8j+7:8j of RSS_INDIR + 4i. Bits of an entry at or above log2(NUM_RXQ) read 0. Reset: every entry 0.";
});

registers!(qreg, QUEUE_REGISTERS, "QREG_", "Per-queue registers",
    "Per-queue registers, at offsets from the queue's block: TX queue n at \
     `TXQ_BASE + n * QUEUE_STRIDE`, RX queue n at `RXQ_BASE + n * QUEUE_STRIDE`.",
{
    RING_LO = 0x00, Rw, "Descriptor ring base address, bits 31:0.";
    RING_HI = 0x04, Rw, "Descriptor ring base address, bits 63:32.";
    CPL_LO = 0x08, Rw, "Completion ring base address, bits 31:0.";
    CPL_HI = 0x0C, Rw, "Completion ring base address, bits 63:32.";
    SIZE = 0x10, Rw, "Entries in both rings: a power of two, MIN_RING_SIZE..=MAX_RING_SIZE.";
    CTRL = 0x14, Rw, "QCTRL_* bits. Writing ENABLE 0->1 checks the ring setup and zeroes HEAD and TAIL.";
    TAIL = 0x18, Rw, "Doorbell: the host's producer index. Values >= SIZE are refused (ERR_DOORBELL).";
    HEAD = 0x1C, Ro, "The NIC's consumer index: the next descriptor it will process.";
    STATUS = 0x20, Ro, "QSTATUS_* bits.";
    IRQ = 0x24, Rw, "The queue's interrupt vector (QIRQ_* bits, COUNT in bits 31:16): TX queue n is vector n, RX queue n vector NUM_TXQ + n.";
    FRAMES_LO = 0x28, Ro, "This queue's frames: TX sent whole, RX delivered without error; bits 31:0 (reading it latches FRAMES_HI). Only RESET zeroes the per-queue counters.";
    FRAMES_HI = 0x2C, Ro, "Bits 63:32 of FRAMES as latched by the last FRAMES_LO read.";
    BYTES_LO = 0x30, Ro, "Bytes of those frames, bits 31:0 (reading it latches BYTES_HI).";
    BYTES_HI = 0x34, Ro, "Bits 63:32 of BYTES as latched by the last BYTES_LO read.";
    ERRORS = 0x38, Ro, "This queue's completions written with an error (32 bits, wraps).";
    DROPPED = 0x3C, Ro, "RX: frames RSS chose this queue for and dropped because it was disabled or halted (32 bits, wraps). TX: 0.";
});

registers!(stat, STATS, "STAT_", "Statistics counters",
    "Statistics: 64-bit counters at `STATS_BASE + 8 * n`. Reading the low word \
     latches the high word, which a read of `+4` returns. RESET zeroes them.",
{
    TX_FRAMES = 0x100, Ro, "Frames transmitted whole (to the wire or the MAC loopback).";
    TX_BYTES = 0x108, Ro, "Bytes of those frames.";
    RX_FRAMES = 0x110, Ro, "Frames delivered to the host without error.";
    RX_BYTES = 0x118, Ro, "Bytes of those frames.";
    TX_ERRORS = 0x120, Ro, "TX descriptors completed with an error.";
    RX_ERRORS = 0x128, Ro, "RX completions written with an error.";
    RX_DROPPED = 0x130, Ro, "Frames dropped because the RX queue RSS chose was disabled or halted (all queues).";
    MALFORMED = 0x138, Ro, "Malformed-use events (each one that sets an ERR_CAUSE bit).";
    TX_CSUM = 0x140, Ro, "TX frames whose L4 checksum the NIC filled in.";
    RX_CSUM_GOOD = 0x148, Ro, "RX frames completed with checksum verdict GOOD.";
    RX_CSUM_BAD = 0x150, Ro, "RX frames completed with checksum verdict BAD.";
    RX_OVERSIZE = 0x158, Ro, "Frames dropped at the MAC RX port for being longer than MAX_RX_FRAME.";
});

bits!(cap, CAPS, "CAP_", "Capability and feature bits (CAPS, FEATURES)",
    "Capability bits in CAPS; the same bits switch the offloads on in FEATURES. \
     Offload engines arrive in later versions; until then their bits read 0.",
{
    RX_CSUM = 0, "RX checksum verification and CHECKSUM_COMPLETE sum (`rx-checksumming`).";
    TX_CSUM = 1, "TX partial checksum insertion (`tx-checksum-ip-generic`).";
    TSO4 = 2, "TCP segmentation offload over IPv4 (`tcp-segmentation-offload`).";
    TSO6 = 3, "TCP segmentation offload over IPv6 (`tx-tcp6-segmentation`).";
    LRO = 4, "Large receive offload (`large-receive-offload`).";
    TOE = 5, "Full TCP offload (`tcp-offload-engine`).";
    RXHASH = 6, "RSS: the Toeplitz hash of each received frame's flow in its completion (`receive-hashing`).";
    LOOPBACK = 31, "MAC loopback (`loopback`).";
});

bits!(ctrl, CTRL, "CTRL_", "CTRL bits",
    "Global control bits.",
{
    RESET = 0, "Write 1: return every register, queue and counter to its reset value. Reads 0.";
    LOOPBACK = 1, "MAC loopback: TX frames go to the RX path instead of the wire; the wire RX input is not accepted.";
});

bits!(status, STATUS, "STATUS_", "STATUS bits",
    "Global status bits.",
{
    READY = 0, "The NIC is out of reset and accepts work.";
});

bits!(qctrl, QCTRL, "QCTRL_", "Queue CTRL bits",
    "Per-queue control bits.",
{
    ENABLE = 0, "The queue runs. 0->1 checks SIZE (ERR_RING_SIZE) and both bases (ERR_RING_ALIGN); on failure it stays 0.";
});

bits!(qstatus, QSTATUS, "QSTATUS_", "Queue STATUS bits",
    "Per-queue status bits.",
{
    ENABLED = 0, "The queue is enabled.";
    HALTED = 1, "The queue stopped after a DMA error on a ring; disable and re-enable it.";
});

bits!(qirq, QIRQ, "QIRQ_", "Queue IRQ bits",
    "Per-queue interrupt vector control. The vector's line is high while ENABLE and PENDING and \
     (COUNT >= IRQ_MOD_FRAMES or the TIME input has moved IRQ_MOD_NS ns past the completion that \
     set PENDING). COUNT (bits 31:16, read-only) counts the queue's completions since PENDING was \
     last cleared, saturating at 0xFFFF.",
{
    ENABLE = 0, "The queue's completions raise its vector.";
    PENDING = 1, "Write 1 to clear (and zero COUNT): a completion was written since it was last cleared.";
});

constants!(qirq_field, QIRQ_FIELDS, "QIRQ_", "Queue IRQ fields",
    "Fields of a queue's IRQ register besides its bits.",
{
    COUNT_SHIFT = 16, "COUNT: the queue's completions since PENDING was last cleared, bits 31:16.";
    COUNT_MAX = 0xFFFF, "COUNT saturates here.";
});

bits!(err, ERRORS, "ERR_", "Error bits (ERR_CAUSE, completion `errors`)",
    "Error bits. ERR_CAUSE holds the malformed-use ones; completion records \
     use the same numbering for the errors of one descriptor.",
{
    DESC_LEN = 0, "Descriptor length 0, a TX length over MAX_FRAME, or a buffer [ADDR, ADDR + LEN) past the top of the 64-bit address space.";
    DESC_ALIGN = 1, "Descriptor buffer address not a multiple of BUF_ALIGN.";
    DMA_READ = 2, "A DMA read was refused (address outside host memory).";
    DMA_WRITE = 3, "A DMA write was refused (address outside host memory).";
    RX_TOO_BIG = 4, "Completion only: the frame was longer than the buffer; the buffer holds its first bytes.";
    RX_FRAME = 5, "Completion only: the MAC marked the frame bad (tuser).";
    DESC_CSUM = 6, "NEEDS_CSUM with CSUM_START + CSUM_OFFSET + 2 > LEN (TX checksum offload on).";
    RING_SIZE = 8, "ERR_CAUSE only: queue enabled with a bad SIZE.";
    RING_ALIGN = 9, "ERR_CAUSE only: queue enabled with a misaligned ring base, or a ring past the top of the 64-bit address space.";
    DOORBELL = 10, "ERR_CAUSE only: TAIL written with a value >= SIZE.";
});

bits!(irq, IRQ, "IRQ_", "Interrupt cause bits (IRQ_CAUSE, IRQ_MASK)",
    "Interrupt causes. The interrupt line is high while (IRQ_CAUSE & IRQ_MASK) != 0, \
     rising no sooner than IRQ_ITR ns after it last rose.",
{
    TX_DONE = 0, "A TX completion was written.";
    RX_DONE = 1, "An RX completion was written.";
    ERROR = 2, "An ERR_CAUSE bit was set.";
});

constants!(err_info, ERR_INFO, "ERR_INFO_", "ERR_INFO fields",
    "Layout of ERR_INFO: `index` bits 15:0, `queue` bits 19:16, `is_rx` bit 20, \
     `code` (the ERR_* bit number) bits 28:24, `valid` bit 31.",
{
    INDEX_SHIFT = 0, "Ring index of the descriptor (or the refused TAIL value, low 16 bits).";
    QUEUE_SHIFT = 16, "Queue number (4 bits).";
    IS_RX_SHIFT = 20, "1 for an RX queue, 0 for a TX queue.";
    CODE_SHIFT = 24, "ERR_* bit number (5 bits).";
    VALID_SHIFT = 31, "1 when the other fields hold an error.";
});

constants!(vnet, VNET, "VNET_", "virtio_net_hdr values (TX descriptor VNET_FLAGS, GSO_TYPE)",
    "Values of the per-packet offload metadata, as `virtio_net_hdr` defines them.",
{
    F_NEEDS_CSUM = 1, "flags: fill in the checksum from CSUM_START to the end at CSUM_START + CSUM_OFFSET.";
    F_DATA_VALID = 2, "flags: (RX in virtio) the checksum is known good.";
    GSO_NONE = 0, "gso_type: not a super-segment.";
    GSO_TCPV4 = 1, "gso_type: TCP over IPv4.";
    GSO_UDP = 3, "gso_type: UDP fragmentation offload.";
    GSO_TCPV6 = 4, "gso_type: TCP over IPv6.";
    GSO_ECN = 0x80, "gso_type bit: the super-segment carries ECN CWR.";
});

fields!(txd, TX_DESC, TxDesc, "TXD_", "TX descriptor",
    "TX descriptor, 32 bytes, little endian. Per-packet offload metadata has \
     `virtio_net_hdr` semantics.",
    size = 32,
{
    addr: ADDR = 0, u64, "Buffer DMA address (multiple of BUF_ALIGN).";
    len: LEN = 8, u32, "Frame length in bytes, 1..=MAX_FRAME.";
    vnet_flags: VNET_FLAGS = 12, u8, "virtio_net_hdr.flags (NEEDS_CSUM = 1, DATA_VALID = 2).";
    gso_type: GSO_TYPE = 13, u8, "virtio_net_hdr.gso_type (NONE 0, TCPV4 1, UDP 3, TCPV6 4, ECN 0x80).";
    hdr_len: HDR_LEN = 14, u16, "virtio_net_hdr.hdr_len.";
    gso_size: GSO_SIZE = 16, u16, "virtio_net_hdr.gso_size.";
    csum_start: CSUM_START = 18, u16, "virtio_net_hdr.csum_start.";
    csum_offset: CSUM_OFFSET = 20, u16, "virtio_net_hdr.csum_offset.";
}
reserved { RESERVED = 22, 10; });

fields!(rxd, RX_DESC, RxDesc, "RXD_", "RX descriptor",
    "RX descriptor, 16 bytes, little endian.",
    size = 16,
{
    addr: ADDR = 0, u64, "Buffer DMA address (multiple of BUF_ALIGN).";
    len: LEN = 8, u32, "Buffer capacity in bytes (not 0).";
}
reserved { RESERVED = 12, 4; });

fields!(cpl, COMPLETION, Completion, "CPL_", "Completion record (TX and RX)",
    "Completion record, 32 bytes, little endian, written to `CPL base + 32 * i` \
     for descriptor i. The NIC writes it in one burst, FLAGS last; the host knows \
     a record is new when its PHASE bit equals the ring's current phase, which \
     starts at 1 when the queue is enabled and flips each time the index wraps.",
    size = 32,
{
    len: LEN = 0, u32, "TX: descriptor length. RX: frame length on the wire.";
    csum: CSUM = 4, u16, "RX: one's-complement sum of the frame after the Ethernet header (CHECKSUM_COMPLETE); 0 when not computed.";
    segs: SEGS = 6, u16, "Segments: RX frames coalesced into this one, TX segments produced; 0 when the frame was not sent or delivered.";
    errors: ERRORS = 8, u16, "ERR_* bits for this descriptor.";
    csum_verdict: CSUM_VERDICT = 10, u8, "RX checksum verdict (VERDICT_* values).";
    rss_type: RSS_TYPE = 11, u8, "RX: what RSS_HASH was computed over (RSS_TYPE_* values); 0 when not hashed.";
    index: INDEX = 12, u16, "Ring index of the descriptor this completes.";
    queue_num: QUEUE_NUM = 14, u8, "Number of the queue this completion belongs to.";
    rss_hash: RSS_HASH = 16, u32, "RX: the Toeplitz RSS hash of the frame's flow; 0 when not hashed.";
    flags: FLAGS = 31, u8, "CPL_FLAG_* bits.";
}
reserved { RESERVED = 15, 1; RESERVED2 = 20, 11; });

/// Word `i` of the RSS key registers after reset (little endian bytes of
/// the verification key).
pub(crate) const fn rss_key_reset_word(i: usize) -> u32 {
    let k = &crate::rss::VERIFICATION_KEY;
    u32::from_le_bytes([k[4 * i], k[4 * i + 1], k[4 * i + 2], k[4 * i + 3]])
}

constants!(rss_key_reset, RSS_KEY_RESET, "RSS_KEY_RESET_", "RSS_KEY reset values",
    "The RSS_KEY registers after reset: the RSS specification's verification key.",
{
    W0 = crate::contract::rss_key_reset_word(0), "RSS_KEY + 0x00.";
    W1 = crate::contract::rss_key_reset_word(1), "RSS_KEY + 0x04.";
    W2 = crate::contract::rss_key_reset_word(2), "RSS_KEY + 0x08.";
    W3 = crate::contract::rss_key_reset_word(3), "RSS_KEY + 0x0C.";
    W4 = crate::contract::rss_key_reset_word(4), "RSS_KEY + 0x10.";
    W5 = crate::contract::rss_key_reset_word(5), "RSS_KEY + 0x14.";
    W6 = crate::contract::rss_key_reset_word(6), "RSS_KEY + 0x18.";
    W7 = crate::contract::rss_key_reset_word(7), "RSS_KEY + 0x1C.";
    W8 = crate::contract::rss_key_reset_word(8), "RSS_KEY + 0x20.";
    W9 = crate::contract::rss_key_reset_word(9), "RSS_KEY + 0x24.";
});

constants!(rss_type, RSS_TYPE, "RSS_TYPE_", "RSS hash types (completion RSS_TYPE)",
    "What RSS_HASH was computed over; the numbering is virtio's VIRTIO_NET_HASH_REPORT_*.", type = u8,
{
    NONE = 0, "Not hashed: RXHASH off, not IP, or an IP header the parser rejects.";
    IPV4 = 1, "IPv4 source and destination addresses.";
    TCPV4 = 2, "IPv4 addresses, then TCP source and destination ports.";
    UDPV4 = 3, "IPv4 addresses, then UDP source and destination ports.";
    IPV6 = 4, "IPv6 source and destination addresses.";
    TCPV6 = 5, "IPv6 addresses, then TCP ports.";
    UDPV6 = 6, "IPv6 addresses, then UDP ports.";
});

constants!(verdict, VERDICT, "VERDICT_", "Checksum verdict values (completion CSUM_VERDICT)",
    "What the RX checksum engine concluded about a frame's checksums.", type = u8,
{
    NOT_CHECKED = 0, "Not checked: offload off, not a TCP/UDP packet it parses, or not whole.";
    GOOD = 1, "Every checksum it checked (IPv4 header, TCP/UDP) is right.";
    BAD = 2, "At least one checksum it checked is wrong.";
});

bits!(cpl_flag, CPL_FLAGS, "CPL_FLAG_", "Completion FLAGS bits",
    "Bits of a completion record's FLAGS byte.",
{
    PHASE = 0, "The ring's phase when the record was written: 1 on the first pass after ENABLE, flipped at every wrap.";
});

constants!(queues_reg, QUEUES_FIELDS, "QUEUES_", "QUEUES fields",
    "Layout of the QUEUES register.",
{
    TXQ_SHIFT = 0, "Number of TX queues, bits 7:0.";
    RXQ_SHIFT = 8, "Number of RX queues, bits 15:8.";
    COUNT_MASK = 0xFF, "Width mask of each count.";
});

constants!(version_reg, VERSION_FIELDS, "VERSION_", "VERSION fields",
    "Layout of the VERSION register.",
{
    MAJOR_SHIFT = 16, "Major version, bits 31:16: a driver refuses a major it does not speak.";
    MINOR_MASK = 0xFFFF, "Minor version, bits 15:0: additions a driver may ignore.";
});

/// Every table, in the order the generated files list them.
pub const TABLES: &[Table] = &[
    LIMITS,
    REGISTERS,
    QUEUE_REGISTERS,
    STATS,
    CAPS,
    CTRL,
    STATUS,
    QCTRL,
    QSTATUS,
    ERRORS,
    IRQ,
    ERR_INFO,
    VNET,
    TX_DESC,
    RX_DESC,
    COMPLETION,
    VERDICT,
    RSS_TYPE,
    RSS_KEY_RESET,
    CPL_FLAGS,
    QIRQ,
    QIRQ_FIELDS,
    QUEUES_FIELDS,
    VERSION_FIELDS,
];

/// The completion FLAGS bit that carries the phase.
pub const CPL_FLAG_PHASE: u8 = cpl_flag::PHASE as u8;

/// BAR0 offset of register `r` of TX queue `q`.
pub const fn txq(q: u32, r: u32) -> u32 {
    limits::TXQ_BASE + q * limits::QUEUE_STRIDE + r
}

/// BAR0 offset of register `r` of RX queue `q`.
pub const fn rxq(q: u32, r: u32) -> u32 {
    limits::RXQ_BASE + q * limits::QUEUE_STRIDE + r
}

/// Packs an ERR_INFO value.
pub const fn err_info_value(code: u32, is_rx: bool, queue: u32, index: u32) -> u32 {
    (1 << err_info::VALID_SHIFT)
        | ((code & 0x1f) << err_info::CODE_SHIFT)
        | ((is_rx as u32) << err_info::IS_RX_SHIFT)
        | ((queue & 0xf) << err_info::QUEUE_SHIFT)
        | (index & 0xffff)
}

/// Human reading of an ERR_INFO value, e.g. `DESC_LEN on TX queue 0, descriptor 17`.
pub fn describe_err_info(v: u32) -> Option<String> {
    if v >> err_info::VALID_SHIFT & 1 == 0 {
        return None;
    }
    let code = (v >> err_info::CODE_SHIFT) & 0x1f;
    let name = err::names(1 << code).first().copied().unwrap_or("UNKNOWN");
    let dir = if (v >> err_info::IS_RX_SHIFT) & 1 == 1 {
        "RX"
    } else {
        "TX"
    };
    let queue = (v >> err_info::QUEUE_SHIFT) & 0xf;
    let index = v & 0xffff;
    let what = match 1 << code {
        err::DOORBELL => format!("refused TAIL value {index}"),
        err::RING_SIZE | err::RING_ALIGN => "ring setup".to_string(),
        _ => format!("descriptor {index}"),
    };
    Some(format!("{name} on {dir} queue {queue}, {what}"))
}
