//! `nicctl`'s command line: every subcommand and option as clap definitions, in the library so
//! that the parser can be tested and fuzzed (`host-driver/nicctl/fuzz`, target `cli_args`)
//! without running a command. The binary (`src/main.rs`) parses with [`Cli::parse`] and runs
//! each subcommand from its file in `src/cmd/`.

use clap::{Parser, Subcommand, ValueEnum};
use host_driver::driver;

/// Parses `args` (the program name first) as `nicctl` does, without exiting: help, version and
/// usage errors come back as the [`clap::Error`] that `Cli::parse` would print.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args)
}

#[derive(Parser)]
#[command(
    name = "nicctl",
    version,
    about = "Query and control the offload NIC, ethtool-style"
)]
pub struct Cli {
    /// Device: sim (RTL in Verilator), model (firmware model) or vfio:<pci address>.
    #[arg(long, global = true, default_value = "sim")]
    pub device: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Show offload capabilities and which are on (like `ethtool -k`).
    Caps,
    /// Show the NIC's statistics counters (like `ethtool -S`).
    Stats,
    /// Dump BAR0 registers, decoded (like `ethtool -d`).
    Regs,
    /// Switch features on or off (like `ethtool -K`): `nicctl features rx-checksumming off`.
    /// Without arguments, shows them like `caps`.
    Features {
        /// Pairs of feature name and on|off.
        #[arg(value_name = "NAME on|off")]
        settings: Vec<String>,
    },
    /// Loop random frames through the NIC and check them byte for byte (like `ethtool -t`).
    Selftest(SelftestArgs),
    /// Two hosts (TCP/IP stack + driver + NIC) joined by an emulated wire move seeded
    /// pseudo-random bytes over TCP; prints SHA-256 of both ends, simulated throughput and
    /// which offloads did the work.
    Demo(DemoArgs),
    /// Run the stack on a TAP device (real clock) serving echo, discard or HTTP, for
    /// ping, nc and curl from the kernel side. Runs until SIGINT/SIGTERM or --for.
    Serve(ServeArgs),
    /// Show the RSS indirection table, hash function and key (like `ethtool -x`). `--key` sets
    /// the key (like `ethtool -X hkey`): 40 bytes as hex, colons optional. `--indir` sets the
    /// table (like `ethtool -X`): `equal N` spreads flows over RX queues 0..N-1, `weight W0 W1
    /// ...` over queues 0, 1, ... in proportion to the weights, `default` round robin over
    /// every RX queue.
    Rss {
        #[arg(long, value_name = "KEY", value_parser = crate::rss_spec::parse_rss_key)]
        key: Option<[u8; driver::RSS_KEY_LEN]>,
        #[arg(
            long,
            value_name = "equal N | weight W0 W1 ... | default",
            num_args = 0..,
            allow_negative_numbers = true
        )]
        indir: Option<Vec<String>>,
    },
    /// Measure the RTL in Verilator, in cycles.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Each offload engine alone, at 64 and 512 bits, with back-to-back frames of 64, 576,
    /// 1500 and 9000 bytes and no stalls: bytes per cycle, and cycles from a frame's last
    /// input beat to its checksum being ready.
    Engines,
    /// The whole NIC (sim device) through the driver: TX alone, RX alone and both at once,
    /// per frame size and DMA latency, in simulated time (Gb/s of frame bytes, Mpps,
    /// fraction of the datapath's line rate).
    Nic(BenchNicArgs),
    /// Single modules alone (AXI interconnect at 2 and 4 ports, completion writer, CSR),
    /// memory at 8 ns and 1 us: throughput, fairness and latency in cycles, one row per
    /// figure; every transfer is checked while it runs.
    Modules(BenchModulesArgs),
}

#[derive(clap::Args)]
pub struct BenchModulesArgs {
    /// Cycles measured per run (after a warm-up); small values make a quick smoke run.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub cycles: u64,
}

#[derive(clap::Args)]
pub struct BenchNicArgs {
    /// Datapath widths (DATA_W) of the NIC, bits, comma-separated: 64, 512 or both.
    #[arg(long, default_value = "64,512", value_parser = crate::bench_nic::parse_widths)]
    pub width: std::vec::Vec<u32>,
    /// DMA latencies, comma-separated (ns, us; e.g. 8ns,250ns,1us,2us).
    #[arg(long, default_value = "8ns,250ns,1us,2us", value_parser = crate::bench_nic::parse_latencies)]
    pub latency: std::vec::Vec<u64>,
    /// Frame sizes in bytes, comma-separated.
    #[arg(long, default_value = "64,576,1500,9000", value_parser = crate::bench_nic::parse_sizes)]
    pub sizes: std::vec::Vec<usize>,
    /// Frames per run (the first and last tenth are warm-up and drain); default by size,
    /// about 2 MB: 2000 of 64 or 576 bytes, 1333 of 1500, 222 of 9000.
    #[arg(long)]
    pub frames: Option<u64>,
    /// Harness stall profile: none, coin, bursty or per-channel (its memory latency is
    /// replaced by --latency).
    #[arg(long, default_value = "none")]
    pub profile: String,
    /// Seed of the harness's stall decisions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Bytes to send, with an optional K, M or G suffix (KiB, MiB, GiB).
    #[arg(long, default_value = "64M", value_parser = crate::demo::parse_bytes)]
    pub bytes: u64,
    /// Seed of the data and of the wire's impairments.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Connect over IPv6 (default IPv4).
    #[arg(long)]
    pub ipv6: bool,
    /// Line rate of the wire, bits per second (K, M, G suffixes are decimal).
    #[arg(long, default_value = "10G", value_parser = crate::demo::parse_rate)]
    pub rate: u64,
    /// One-way propagation delay (ns, us, ms or s).
    #[arg(long, default_value = "10us", value_parser = crate::demo::parse_duration_ns)]
    pub delay: u64,
    /// Probability that the wire loses a frame (each direction), 0 <= P < 1.
    #[arg(long, default_value_t = 0.0)]
    pub loss: f64,
    /// Offloads: as the device has them switched on (`nicctl features`), all on, or all off.
    #[arg(long, value_enum, default_value_t = OffloadsArg::Device)]
    pub offloads: OffloadsArg,
    /// Capture every frame on the wire to this pcap file.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,
    /// Give up after this much simulated time (default: from size and rate).
    #[arg(long, value_name = "DURATION", value_parser = crate::demo::parse_duration_ns)]
    pub sim_timeout: Option<u64>,
    /// DMA latency of the sim NICs' host memory (ns, us): AR to first read beat, write to B.
    #[arg(long, value_name = "DURATION", default_value = "1us", value_parser = crate::demo::parse_duration_ns)]
    pub dma_latency: u64,
    /// OS threads running the two NICs: 2 (in parallel while both have work) or 1 (in turn).
    /// Only the wall time differs.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub nic_threads: u8,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OffloadsArg {
    Device,
    On,
    Off,
}

#[derive(clap::Args)]
pub struct SelftestArgs {
    /// Number of frames.
    #[arg(long, default_value_t = 1000)]
    pub frames: u64,
    /// Smallest frame, bytes.
    #[arg(long, default_value_t = 60)]
    pub min_len: usize,
    /// Largest frame, bytes.
    #[arg(long, default_value_t = 9000)]
    pub max_len: usize,
    /// Seed for frame sizes and contents (and sim stalls); print it, replay it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where frames turn around: inside the NIC's MAC, or a connector on the wire port.
    #[arg(long, value_enum, default_value_t = LoopbackArg::Mac)]
    pub loopback: LoopbackArg,
    /// Random backpressure on every channel of the sim device.
    #[arg(long)]
    pub stalls: bool,
    /// Queue pairs to use (default: all the NIC has; 1 is TX and RX queue 0 only).
    #[arg(long, value_name = "N")]
    pub queues: Option<u32>,
    /// Test-only fault: the wire loopback connector corrupts this frame (implies --loopback wire,
    /// and --queues 1 unless given, so that the frame counted on the wire is the frame sent).
    #[arg(long, hide = true)]
    pub fault_corrupt_frame: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LoopbackArg {
    Mac,
    Wire,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// TAP interface to create (needs root or CAP_NET_ADMIN).
    #[arg(long)]
    pub tap: String,
    /// Our address IP/PREFIX; once for IPv4 and once for IPv6 at most.
    #[arg(long = "addr", value_name = "IP/PREFIX", required = true, value_parser = crate::serve::parse_addr)]
    pub addrs: Vec<(std::net::IpAddr, u8)>,
    /// TCP port (default: 7 echo, 9 discard, 80 http).
    #[arg(long)]
    pub port: Option<u16>,
    /// The application on the port.
    #[arg(long, value_enum)]
    pub app: AppArg,
    /// Our MAC address.
    #[arg(long, default_value = "02:4e:49:43:00:01", value_parser = crate::serve::parse_mac)]
    pub mac: [u8; 6],
    /// Stop after this many seconds (default: run until SIGINT or SIGTERM).
    #[arg(long = "for", value_name = "SECONDS")]
    pub for_secs: Option<f64>,
    /// One line per connection.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AppArg {
    Echo,
    Discard,
    Http,
}
