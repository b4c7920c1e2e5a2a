//! The NIC's contract and its behavioural model.
//!
//! - [`contract`]: register map, bit fields, descriptor and completion layouts.
//! - [`contract_gen`]: renders the contract as SystemVerilog and Markdown.
//! - [`csum`]: the checksum offload engines as plain functions (docs/offloads.md).
//! - [`mem`]: host memory as the NIC's DMA sees it.
//! - [`nic`]: the NIC as a behavioural model, the executable spec of the RTL.
//! - [`rss`]: receive-side scaling: the Toeplitz hash, its input per frame, the queue.

pub mod contract;
pub mod contract_gen;
pub mod csum;
pub mod mem;
pub mod nic;
pub mod rss;
