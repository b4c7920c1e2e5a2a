//! The application side of `nicctl` (the binary is `src/main.rs`): what its subcommands run on top
//! of the driver library (`host-driver`), which carries none of it.
//!
//! - [`demo`]: `nicctl demo`, two stacks on two NICs over an emulated wire;
//! - [`serve`]: `nicctl serve`, a stack on a NIC answering on a TAP device;
//! - [`rss_spec`]: `nicctl rss`'s `--indir` forms, key and table formats (ethtool's);
//! - [`cli`]: the command line (clap definitions of every subcommand and option);
//! - [`bench_nic`]: `nicctl bench nic`, whole-NIC throughput through the driver;
//! - [`state`]: the settings `nicctl` keeps per device between runs.

pub mod bench_nic;
pub mod cli;
pub mod demo;
pub mod rss_spec;
pub mod serve;
pub mod state;
