//! The NIC's contract and its behavioural model.
//!
//! - [`contract`]: register map, bit fields, descriptor and completion layouts.
//! - [`contract_gen`]: renders the contract as SystemVerilog and Markdown.
//! - [`mem`]: host memory as the NIC's DMA sees it.
//! - [`nic`]: the NIC as a behavioural model, the executable spec of the RTL.

pub mod contract;
pub mod contract_gen;
pub mod mem;
pub mod nic;
