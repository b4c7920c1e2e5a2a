//! The `extern "C"` entry points of `module_shim.cpp`, one set per variant,
//! and a generic owner of one verilated module.

use std::ffi::{c_char, c_void};
use std::marker::PhantomData;

/// `nic_axi_interconnect` inputs (`MOD_ICX`). Per-port fields are indexed by
/// port (at most 4); per-port bits are masks, bit p = port p.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct IcxInputs {
    pub s_araddr: [u64; 4],
    pub s_awaddr: [u64; 4],
    pub s_wdata: [u64; 4],
    pub m_rdata: u64,
    pub s_arlen: [u8; 4],
    pub s_awlen: [u8; 4],
    pub s_wstrb: [u8; 4],
    pub rst: u8,
    pub s_arvalid: u8,
    pub s_rready: u8,
    pub s_awvalid: u8,
    pub s_wlast: u8,
    pub s_wvalid: u8,
    pub s_bready: u8,
    pub m_awready: u8,
    pub m_wready: u8,
    pub m_bid: u8,
    pub m_bresp: u8,
    pub m_bvalid: u8,
    pub m_arready: u8,
    pub m_rid: u8,
    pub m_rresp: u8,
    pub m_rlast: u8,
    pub m_rvalid: u8,
}

/// `nic_axi_interconnect` outputs.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct IcxOutputs {
    pub s_rdata: u64,
    pub m_awaddr: u64,
    pub m_wdata: u64,
    pub m_araddr: u64,
    pub s_arready: u8,
    pub s_rvalid: u8,
    pub s_awready: u8,
    pub s_wready: u8,
    pub s_bvalid: u8,
    pub s_rresp: u8,
    pub s_rlast: u8,
    pub s_bresp: u8,
    pub m_awid: u8,
    pub m_awlen: u8,
    pub m_awsize: u8,
    pub m_awburst: u8,
    pub m_awvalid: u8,
    pub m_wstrb: u8,
    pub m_wlast: u8,
    pub m_wvalid: u8,
    pub m_bready: u8,
    pub m_arid: u8,
    pub m_arlen: u8,
    pub m_arsize: u8,
    pub m_arburst: u8,
    pub m_arvalid: u8,
    pub m_rready: u8,
}

/// Queues of the completion writer as built (its NQ), and the length of the
/// per-queue arrays below.
pub const CPL_NQ: usize = 8;

/// `nic_cpl_writer` inputs (`MOD_CPL`). Per-queue fields are indexed by
/// queue; `start` is a mask, bit q = queue q.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CplInputs {
    pub cfg_cpl_base: [u64; CPL_NQ],
    pub in_len: u32,
    pub in_rss_hash: u32,
    pub cfg_size: [u16; CPL_NQ],
    pub in_index: u16,
    pub in_csum: u16,
    pub in_errors: u16,
    pub rst: u8,
    pub start: u8,
    pub in_valid: u8,
    pub in_queue: u8,
    pub in_verdict: u8,
    pub in_rss_type: u8,
    pub in_tag: u8,
    pub m_awready: u8,
    pub m_wready: u8,
    pub m_bresp: u8,
    pub m_bvalid: u8,
}

/// `nic_cpl_writer` outputs; `head[q]` is queue q's HEAD.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CplOutputs {
    pub m_awaddr: u64,
    pub m_wdata: u64,
    pub ev_len: u32,
    pub ev_errors: u16,
    pub ev_fail_index: u16,
    pub head: [u16; CPL_NQ],
    pub in_ready: u8,
    pub ev_cpl: u8,
    pub ev_drop: u8,
    pub ev_queue: u8,
    pub ev_verdict: u8,
    pub ev_tag: u8,
    pub ev_fail: u8,
    pub ev_fail_queue: u8,
    pub idle: u8,
    pub m_awlen: u8,
    pub m_awvalid: u8,
    pub m_wstrb: u8,
    pub m_wlast: u8,
    pub m_wvalid: u8,
    pub m_bready: u8,
}

/// `nic_csr` AXI-Lite inputs (`MOD_CSR`); every other input is tied to 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CsrInputs {
    pub wdata: u32,
    pub awaddr: u16,
    pub araddr: u16,
    pub rst: u8,
    pub awvalid: u8,
    pub wstrb: u8,
    pub wvalid: u8,
    pub bready: u8,
    pub arvalid: u8,
    pub rready: u8,
}

/// `nic_csr` AXI-Lite outputs.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CsrOutputs {
    pub rdata: u32,
    pub awready: u8,
    pub wready: u8,
    pub bresp: u8,
    pub bvalid: u8,
    pub arready: u8,
    pub rresp: u8,
    pub rvalid: u8,
}

type NewFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);

/// A variant's step: one cycle; 1 when an assertion failed in it.
type StepFn<I, O> = unsafe extern "C" fn(*mut c_void, *const I, *mut O) -> u8;
/// The messages of the last failing cycle, owned by the model.
type ErrorFn = unsafe extern "C" fn(*const c_void) -> *const c_char;

/// One verilated module with inputs `I` and outputs `O`, with the protocol
/// checkers of `hdl/check/` bound to its ports.
pub struct Model<I, O> {
    ptr: *mut c_void,
    step_fn: StepFn<I, O>,
    free_fn: FreeFn,
    error_fn: ErrorFn,
    _io: PhantomData<(I, O)>,
}

impl<I, O: Default> Model<I, O> {
    fn new(new_fn: NewFn, step_fn: StepFn<I, O>, free_fn: FreeFn, error_fn: ErrorFn) -> Self {
        let trace = std::env::var_os("NIC_TRACE").map(|p| {
            std::ffi::CString::new(p.to_string_lossy().as_bytes()).expect("trace path has no NUL")
        });
        let raw = trace.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: `raw` is null or a NUL-terminated string alive for the call;
        // the constructor returns an owned object freed only in Drop.
        let ptr = unsafe { new_fn(raw) };
        assert!(!ptr.is_null(), "module model constructor returned null");
        Model {
            ptr,
            step_fn,
            free_fn,
            error_fn,
            _io: PhantomData,
        }
    }

    /// One clock cycle: applies `i`, returns the outputs seen before the
    /// rising edge, then clocks; with the messages of the assertions that
    /// failed in the cycle, if any.
    pub fn step_checked(&mut self, i: &I) -> (O, Option<String>) {
        let mut o = O::default();
        // SAFETY: `ptr` is the live model from the matching constructor; both
        // structs are repr(C) and match module_shim.cpp for this variant.
        let failed = unsafe { (self.step_fn)(self.ptr, i, &mut o) };
        if failed == 0 {
            return (o, None);
        }
        // SAFETY: a NUL-terminated string owned by the model, valid until its
        // next step; copied at once.
        let msg = unsafe { std::ffi::CStr::from_ptr((self.error_fn)(self.ptr)) };
        (o, Some(msg.to_string_lossy().trim_end().to_string()))
    }

    /// One clock cycle, as [`Model::step_checked`]; the outputs, or the
    /// messages of the assertions that failed.
    pub fn try_step(&mut self, i: &I) -> Result<O, String> {
        match self.step_checked(i) {
            (o, None) => Ok(o),
            (_, Some(e)) => Err(e),
        }
    }

    /// One clock cycle that records a failed assertion's messages in `errors`
    /// (as the benches record their own checks) and returns the outputs.
    pub fn step_into(&mut self, i: &I, errors: &mut Vec<String>) -> O {
        let (o, e) = self.step_checked(i);
        if let Some(e) = e {
            errors.push(format!("RTL assertion failed: {e}"));
        }
        o
    }

    /// One clock cycle, as [`Model::try_step`]; an assertion that fails
    /// panics with its message (like `$stop` in a simulator).
    pub fn step(&mut self, i: &I) -> O {
        match self.try_step(i) {
            Ok(o) => o,
            Err(msg) => panic!("RTL assertion failed:\n{msg}"),
        }
    }
}

impl<I, O> Drop for Model<I, O> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from the matching constructor and is freed once.
        unsafe { (self.free_fn)(self.ptr) };
    }
}

macro_rules! variant {
    ($new:ident, $step:ident, $free:ident, $error:ident, $i:ty, $o:ty) => {
        extern "C" {
            fn $new(trace: *const c_char) -> *mut c_void;
            fn $step(sim: *mut c_void, i: *const $i, o: *mut $o) -> u8;
            fn $free(sim: *mut c_void);
            fn $error(sim: *const c_void) -> *const c_char;
        }
    };
}

variant!(
    icx_2_new,
    icx_2_step,
    icx_2_free,
    icx_2_error,
    IcxInputs,
    IcxOutputs
);
variant!(
    icx_4_new,
    icx_4_step,
    icx_4_free,
    icx_4_error,
    IcxInputs,
    IcxOutputs
);
variant!(
    cpl_writer_new,
    cpl_writer_step,
    cpl_writer_free,
    cpl_writer_error,
    CplInputs,
    CplOutputs
);
variant!(csr_new, csr_step, csr_free, csr_error, CsrInputs, CsrOutputs);

/// The interconnect built with `nports` ports (2 or 4).
pub fn interconnect(nports: usize) -> Model<IcxInputs, IcxOutputs> {
    match nports {
        2 => Model::new(icx_2_new, icx_2_step, icx_2_free, icx_2_error),
        4 => Model::new(icx_4_new, icx_4_step, icx_4_free, icx_4_error),
        n => panic!("nic_axi_interconnect is built with 2 or 4 ports, not {n}"),
    }
}

/// The completion writer (NQ 8, DEPTH 64, BATCH 4, MAX_OUT 16).
pub fn cpl_writer() -> Model<CplInputs, CplOutputs> {
    Model::new(
        cpl_writer_new,
        cpl_writer_step,
        cpl_writer_free,
        cpl_writer_error,
    )
}

/// The register file.
pub fn csr() -> Model<CsrInputs, CsrOutputs> {
    Model::new(csr_new, csr_step, csr_free, csr_error)
}
