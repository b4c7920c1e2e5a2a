//! Capture files in the classic libpcap format, with nanosecond timestamps.
//!
//! The layout is the one `pcap-savefile(5)` describes and Wireshark and
//! tcpdump read: a 24-byte global header, then per frame a 16-byte record
//! header and the captured bytes. We write the nanosecond-resolution magic
//! (`0xa1b23c4d`), so timestamps in simulated nanoseconds survive exactly.
//! Everything is written little-endian; a reader tells the byte order from
//! the magic.
//!
//! Timestamps are whatever the caller passes: in this crate, simulated time.
//! Nothing here reads a clock.
//!
//! [`PcapReader`] is small: it reads what [`PcapWriter`] writes (and the
//! microsecond and big-endian variants of the same format), enough for
//! round-trip tests and for tests that inspect a capture.

use std::io::{self, Read, Write};

/// Magic of a nanosecond-resolution capture.
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Magic of a microsecond-resolution capture.
pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Format version we write: 2.4, the only one in use.
pub const VERSION_MAJOR: u16 = 2;
pub const VERSION_MINOR: u16 = 4;
/// Largest frame kept whole; longer frames are truncated in the file and
/// keep their original length in the record header.
pub const SNAPLEN: u32 = 65_535;
/// `LINKTYPE_ETHERNET`: frames start with the Ethernet header, no FCS.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Length of the global header.
pub const GLOBAL_HEADER_LEN: usize = 24;
/// Length of a record header.
pub const RECORD_HEADER_LEN: usize = 16;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Writes a capture to any [`Write`]. The global header is written by
/// [`PcapWriter::new`], one record per [`PcapWriter::write_frame`].
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    inner: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the global header (nanosecond magic, version 2.4, snaplen
    /// 65535, Ethernet) and returns the writer.
    pub fn new(mut inner: W) -> io::Result<Self> {
        let mut hdr = [0u8; GLOBAL_HEADER_LEN];
        hdr[0..4].copy_from_slice(&MAGIC_NANOS.to_le_bytes());
        hdr[4..6].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
        hdr[6..8].copy_from_slice(&VERSION_MINOR.to_le_bytes());
        // thiszone (i32) and sigfigs (u32) stay 0: timestamps are UTC-free
        // simulated time.
        hdr[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
        hdr[20..24].copy_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        inner.write_all(&hdr)?;
        Ok(PcapWriter { inner })
    }

    /// Appends one frame seen at `ts_ns` nanoseconds. A frame longer than
    /// [`SNAPLEN`] is cut to it; the record keeps the original length.
    pub fn write_frame(&mut self, ts_ns: u64, frame: &[u8]) -> io::Result<()> {
        let ts_sec = u32::try_from(ts_ns / NANOS_PER_SEC).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("timestamp {ts_ns} ns does not fit pcap's 32-bit seconds"),
            )
        })?;
        let ts_nsec = (ts_ns % NANOS_PER_SEC) as u32;
        let orig_len = u32::try_from(frame.len()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "frame of {} bytes does not fit pcap's 32-bit length",
                    frame.len()
                ),
            )
        })?;
        let incl_len = orig_len.min(SNAPLEN);
        let mut hdr = [0u8; RECORD_HEADER_LEN];
        hdr[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        hdr[4..8].copy_from_slice(&ts_nsec.to_le_bytes());
        hdr[8..12].copy_from_slice(&incl_len.to_le_bytes());
        hdr[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.inner.write_all(&hdr)?;
        self.inner.write_all(&frame[..incl_len as usize])
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The underlying writer, unflushed.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives back the underlying writer, unflushed.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// What was wrong with a capture file.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("cannot read capture: {0}")]
    Io(#[from] io::Error),
    #[error("not a pcap capture: magic {0:#010x}")]
    BadMagic(u32),
    #[error("capture ends inside a {what} ({got} of {want} bytes)")]
    Truncated {
        what: &'static str,
        got: usize,
        want: usize,
    },
    #[error("record of {incl_len} bytes is longer than the snaplen {snaplen}")]
    RecordTooLong { incl_len: u32, snaplen: u32 },
}

/// The global header, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalHeader {
    /// True for the nanosecond magic, false for microseconds.
    pub nanos: bool,
    pub version_major: u16,
    pub version_minor: u16,
    pub snaplen: u32,
    pub linktype: u32,
}

/// One record, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapRecord {
    /// Timestamp in nanoseconds (microsecond files are scaled up).
    pub ts_ns: u64,
    /// Length of the frame on the wire; `data` may be shorter.
    pub orig_len: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
}

/// Reads a capture from any [`Read`].
#[derive(Debug)]
pub struct PcapReader<R: Read> {
    inner: R,
    header: GlobalHeader,
    big_endian: bool,
}

impl<R: Read> PcapReader<R> {
    /// Reads and checks the global header.
    pub fn new(mut inner: R) -> Result<Self, PcapError> {
        let mut hdr = [0u8; GLOBAL_HEADER_LEN];
        let got = read_full(&mut inner, &mut hdr)?;
        if got < hdr.len() {
            return Err(PcapError::Truncated {
                what: "global header",
                got,
                want: hdr.len(),
            });
        }
        let le_magic = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let (big_endian, magic) = match le_magic {
            MAGIC_NANOS | MAGIC_MICROS => (false, le_magic),
            m if m.swap_bytes() == MAGIC_NANOS || m.swap_bytes() == MAGIC_MICROS => {
                (true, m.swap_bytes())
            }
            m => return Err(PcapError::BadMagic(m)),
        };
        let u16_at = |i: usize| {
            let b = [hdr[i], hdr[i + 1]];
            if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        };
        let u32_at = |i: usize| field_u32(&hdr[i..i + 4], big_endian);
        let header = GlobalHeader {
            nanos: magic == MAGIC_NANOS,
            version_major: u16_at(4),
            version_minor: u16_at(6),
            snaplen: u32_at(16),
            linktype: u32_at(20),
        };
        Ok(PcapReader {
            inner,
            header,
            big_endian,
        })
    }

    /// The global header.
    pub fn header(&self) -> GlobalHeader {
        self.header
    }

    /// The next record, or `None` at a clean end of file.
    pub fn next_record(&mut self) -> Result<Option<PcapRecord>, PcapError> {
        let mut hdr = [0u8; RECORD_HEADER_LEN];
        let got = read_full(&mut self.inner, &mut hdr)?;
        if got == 0 {
            return Ok(None);
        }
        if got < hdr.len() {
            return Err(PcapError::Truncated {
                what: "record header",
                got,
                want: hdr.len(),
            });
        }
        let be = self.big_endian;
        let ts_sec = field_u32(&hdr[0..4], be) as u64;
        let ts_frac = field_u32(&hdr[4..8], be) as u64;
        let incl_len = field_u32(&hdr[8..12], be);
        let orig_len = field_u32(&hdr[12..16], be);
        let snaplen = self.header.snaplen.max(SNAPLEN);
        if incl_len > snaplen {
            return Err(PcapError::RecordTooLong { incl_len, snaplen });
        }
        let mut data = vec![0u8; incl_len as usize];
        let got = read_full(&mut self.inner, &mut data)?;
        if got < data.len() {
            return Err(PcapError::Truncated {
                what: "record body",
                got,
                want: data.len(),
            });
        }
        let frac_ns = if self.header.nanos {
            ts_frac
        } else {
            ts_frac * 1_000
        };
        Ok(Some(PcapRecord {
            ts_ns: ts_sec * NANOS_PER_SEC + frac_ns,
            orig_len,
            data,
        }))
    }

    /// Every remaining record.
    pub fn records(&mut self) -> Result<Vec<PcapRecord>, PcapError> {
        let mut out = Vec::new();
        while let Some(r) = self.next_record()? {
            out.push(r);
        }
        Ok(out)
    }
}

fn field_u32(b: &[u8], big_endian: bool) -> u32 {
    let b = [b[0], b[1], b[2], b[3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// Reads until `buf` is full or end of file; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_header_is_nanosecond_pcap_2_4_snaplen_65535_ethernet() {
        let w = PcapWriter::new(Vec::new()).unwrap();
        assert_eq!(
            w.into_inner(),
            [
                0x4d, 0x3c, 0xb2, 0xa1, // magic, nanoseconds
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0x00, 0x00, 0x00, 0x00, // thiszone
                0x00, 0x00, 0x00, 0x00, // sigfigs
                0xff, 0xff, 0x00, 0x00, // snaplen 65535
                0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET
            ]
        );
    }

    #[test]
    fn record_header_splits_nanoseconds_into_seconds_and_fraction() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write_frame(3_000_000_123, &[0xde, 0xad, 0xbe]).unwrap();
        let bytes = w.into_inner();
        assert_eq!(
            &bytes[GLOBAL_HEADER_LEN..],
            [
                0x03, 0x00, 0x00, 0x00, // ts_sec 3
                0x7b, 0x00, 0x00, 0x00, // ts_nsec 123
                0x03, 0x00, 0x00, 0x00, // incl_len
                0x03, 0x00, 0x00, 0x00, // orig_len
                0xde, 0xad, 0xbe,
            ]
        );
    }

    #[test]
    fn frames_longer_than_snaplen_are_cut_and_keep_their_length() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        let big = vec![0x5a; SNAPLEN as usize + 10];
        w.write_frame(1, &big).unwrap();
        let bytes = w.into_inner();
        assert_eq!(
            bytes.len(),
            GLOBAL_HEADER_LEN + RECORD_HEADER_LEN + SNAPLEN as usize
        );
        let rec = PcapReader::new(&bytes[..]).unwrap().records().unwrap();
        assert_eq!(rec.len(), 1);
        assert_eq!(rec[0].orig_len, SNAPLEN + 10);
        assert_eq!(rec[0].data, &big[..SNAPLEN as usize]);
    }

    #[test]
    fn writer_and_reader_round_trip() {
        let frames: Vec<(u64, Vec<u8>)> = vec![
            (0, vec![]),
            (12_000, vec![1, 2, 3, 4]),
            (1_999_999_999, (0..=255).collect()),
            (4_000_000_000_000_000_001, vec![0xff; 60]),
        ];
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        for (ts, f) in &frames {
            w.write_frame(*ts, f).unwrap();
        }
        let bytes = w.into_inner();
        let mut r = PcapReader::new(&bytes[..]).unwrap();
        assert_eq!(
            r.header(),
            GlobalHeader {
                nanos: true,
                version_major: 2,
                version_minor: 4,
                snaplen: 65_535,
                linktype: 1,
            }
        );
        let got = r.records().unwrap();
        let want: Vec<PcapRecord> = frames
            .into_iter()
            .map(|(ts_ns, data)| PcapRecord {
                ts_ns,
                orig_len: data.len() as u32,
                data,
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn timestamp_past_32_bit_seconds_is_refused() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        let err = w.write_frame((u32::MAX as u64 + 1) * NANOS_PER_SEC, &[0]);
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn reader_accepts_big_endian_microsecond_files() {
        let mut b = Vec::new();
        b.extend_from_slice(&MAGIC_MICROS.to_be_bytes());
        b.extend_from_slice(&2u16.to_be_bytes());
        b.extend_from_slice(&4u16.to_be_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&65_535u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        for v in [7u32, 5, 2, 2] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&[0xaa, 0xbb]);
        let mut r = PcapReader::new(&b[..]).unwrap();
        assert!(!r.header().nanos);
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!(rec.ts_ns, 7_000_005_000);
        assert_eq!(rec.data, [0xaa, 0xbb]);
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn reader_rejects_bad_magic_and_truncation() {
        assert!(matches!(
            PcapReader::new(&[0u8; 24][..]),
            Err(PcapError::BadMagic(0))
        ));
        assert!(matches!(
            PcapReader::new(&[0x4d, 0x3c][..]),
            Err(PcapError::Truncated { got: 2, .. })
        ));
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write_frame(5, &[1, 2, 3, 4]).unwrap();
        let bytes = w.into_inner();
        let cut = &bytes[..bytes.len() - 1];
        let mut r = PcapReader::new(cut).unwrap();
        assert!(matches!(
            r.next_record(),
            Err(PcapError::Truncated {
                what: "record body",
                got: 3,
                want: 4
            })
        ));
    }
}
