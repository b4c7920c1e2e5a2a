//! The `extern "C"` entry points of `engine_shim.cpp`, one set per variant.

use crate::{Engine, Width};
use std::ffi::{c_char, c_void};

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineInputs {
    pub s_tdata: [u32; 16],
    pub s_tkeep: u64,
    pub cmd_csum_start: u16,
    pub cmd_csum_offset: u16,
    pub rst: u8,
    pub s_tvalid: u8,
    pub s_tlast: u8,
    pub s_tuser: u8,
    pub m_tready: u8,
    pub cmd_valid: u8,
    pub cmd_csum_en: u8,
    pub enable: u8,
    pub res_ready: u8,
    /// RSS only: the key, word 0 = key bits 31:0 (key bytes 36..39).
    pub key: [u32; 10],
    pub tbl_queue: u16,
    pub tbl_we: u8,
    pub tbl_index: u8,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineOutputs {
    pub m_tdata: [u32; 16],
    pub m_tkeep: u64,
    pub res_csum: u16,
    pub s_tready: u8,
    pub m_tvalid: u8,
    pub m_tlast: u8,
    pub m_tuser: u8,
    pub cmd_ready: u8,
    pub stat_csum_ready: u8,
    pub res_valid: u8,
    pub res_verdict: u8,
    /// RSS only.
    pub res_hash: u32,
    pub res_queue: u16,
    pub res_type: u8,
}

pub type NewFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
pub type StepFn = unsafe extern "C" fn(*mut c_void, *const EngineInputs, *mut EngineOutputs);
pub type FreeFn = unsafe extern "C" fn(*mut c_void);

macro_rules! variant {
    ($new:ident, $step:ident, $free:ident) => {
        extern "C" {
            fn $new(trace: *const c_char) -> *mut c_void;
            fn $step(sim: *mut c_void, i: *const EngineInputs, o: *mut EngineOutputs);
            fn $free(sim: *mut c_void);
        }
    };
}

variant!(tx_csum_64_new, tx_csum_64_step, tx_csum_64_free);
variant!(tx_csum_512_new, tx_csum_512_step, tx_csum_512_free);
variant!(rx_csum_64_new, rx_csum_64_step, rx_csum_64_free);
variant!(rx_csum_512_new, rx_csum_512_step, rx_csum_512_free);
variant!(rx_rss_64_new, rx_rss_64_step, rx_rss_64_free);
variant!(rx_rss_512_new, rx_rss_512_step, rx_rss_512_free);

pub fn entry_points(e: Engine, w: Width) -> (NewFn, StepFn, FreeFn) {
    match (e, w) {
        (Engine::TxCsum, Width::W64) => (tx_csum_64_new, tx_csum_64_step, tx_csum_64_free),
        (Engine::TxCsum, Width::W512) => (tx_csum_512_new, tx_csum_512_step, tx_csum_512_free),
        (Engine::RxCsum, Width::W64) => (rx_csum_64_new, rx_csum_64_step, rx_csum_64_free),
        (Engine::RxCsum, Width::W512) => (rx_csum_512_new, rx_csum_512_step, rx_csum_512_free),
        (Engine::RxRss, Width::W64) => (rx_rss_64_new, rx_rss_64_step, rx_rss_64_free),
        (Engine::RxRss, Width::W512) => (rx_rss_512_new, rx_rss_512_step, rx_rss_512_free),
    }
}
