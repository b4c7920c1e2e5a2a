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
/// One cycle; returns 1 when an assertion failed in it.
pub type StepFn = unsafe extern "C" fn(*mut c_void, *const EngineInputs, *mut EngineOutputs) -> u8;
pub type FreeFn = unsafe extern "C" fn(*mut c_void);
/// The messages of the last failing cycle, owned by the model.
pub type ErrorFn = unsafe extern "C" fn(*const c_void) -> *const c_char;

/// A variant's constructor, step, destructor and error accessor.
pub struct EntryPoints {
    pub new: NewFn,
    pub step: StepFn,
    pub free: FreeFn,
    pub error: ErrorFn,
}

macro_rules! variant {
    ($new:ident, $step:ident, $free:ident, $error:ident) => {
        extern "C" {
            fn $new(trace: *const c_char) -> *mut c_void;
            fn $step(sim: *mut c_void, i: *const EngineInputs, o: *mut EngineOutputs) -> u8;
            fn $free(sim: *mut c_void);
            fn $error(sim: *const c_void) -> *const c_char;
        }
    };
}

variant!(
    tx_csum_64_new,
    tx_csum_64_step,
    tx_csum_64_free,
    tx_csum_64_error
);
variant!(
    tx_csum_512_new,
    tx_csum_512_step,
    tx_csum_512_free,
    tx_csum_512_error
);
variant!(
    rx_csum_64_new,
    rx_csum_64_step,
    rx_csum_64_free,
    rx_csum_64_error
);
variant!(
    rx_csum_512_new,
    rx_csum_512_step,
    rx_csum_512_free,
    rx_csum_512_error
);
variant!(
    rx_rss_64_new,
    rx_rss_64_step,
    rx_rss_64_free,
    rx_rss_64_error
);
variant!(
    rx_rss_512_new,
    rx_rss_512_step,
    rx_rss_512_free,
    rx_rss_512_error
);

macro_rules! entry {
    ($new:ident, $step:ident, $free:ident, $error:ident) => {
        EntryPoints {
            new: $new,
            step: $step,
            free: $free,
            error: $error,
        }
    };
}

pub fn entry_points(e: Engine, w: Width) -> EntryPoints {
    match (e, w) {
        (Engine::TxCsum, Width::W64) => {
            entry!(
                tx_csum_64_new,
                tx_csum_64_step,
                tx_csum_64_free,
                tx_csum_64_error
            )
        }
        (Engine::TxCsum, Width::W512) => {
            entry!(
                tx_csum_512_new,
                tx_csum_512_step,
                tx_csum_512_free,
                tx_csum_512_error
            )
        }
        (Engine::RxCsum, Width::W64) => {
            entry!(
                rx_csum_64_new,
                rx_csum_64_step,
                rx_csum_64_free,
                rx_csum_64_error
            )
        }
        (Engine::RxCsum, Width::W512) => {
            entry!(
                rx_csum_512_new,
                rx_csum_512_step,
                rx_csum_512_free,
                rx_csum_512_error
            )
        }
        (Engine::RxRss, Width::W64) => {
            entry!(
                rx_rss_64_new,
                rx_rss_64_step,
                rx_rss_64_free,
                rx_rss_64_error
            )
        }
        (Engine::RxRss, Width::W512) => {
            entry!(
                rx_rss_512_new,
                rx_rss_512_step,
                rx_rss_512_free,
                rx_rss_512_error
            )
        }
    }
}
