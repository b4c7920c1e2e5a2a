//! The protocol checkers' own test bench (`hdl/check/nic_check_tb.sv`): every
//! signal the checkers watch is an input set from Rust each cycle, so a test
//! can play a correct sequence, then plant a violation and see the RTL
//! checker fire with its message (`tests/checkers.rs`).

/// Every input of `nic_check_tb`; field order and types match `CheckInputs`
/// in `check_shim.cpp` (both `repr(C)`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckInputs {
    pub awaddr: u64,
    pub wdata: u64,
    pub araddr: u64,
    pub rdata: u64,
    pub cfg_cpl_base: u64,
    pub tdata: u64,
    /// RX buffer checker: the buffer a frame is given.
    pub rb_buf_addr: u64,
    pub l_wdata: u32,
    pub l_rdata: u32,
    pub rb_buf_len: u32,
    pub cfg_size: u16,
    pub head: u16,
    pub ev_fail_index: u16,
    pub l_awaddr: u16,
    pub l_araddr: u16,
    pub rst: u8,
    pub awid: u8,
    pub awlen: u8,
    pub awsize: u8,
    pub awburst: u8,
    pub awvalid: u8,
    pub awready: u8,
    pub wstrb: u8,
    pub wlast: u8,
    pub wvalid: u8,
    pub wready: u8,
    pub bid: u8,
    pub bresp: u8,
    pub bvalid: u8,
    pub bready: u8,
    pub arid: u8,
    pub arlen: u8,
    pub arsize: u8,
    pub arburst: u8,
    pub arvalid: u8,
    pub arready: u8,
    pub rid: u8,
    pub rresp: u8,
    pub rlast: u8,
    pub rvalid: u8,
    pub rready: u8,
    pub cpl_en: u8,
    pub ev_fail: u8,
    /// RX buffer checker on (it watches the AXI4 write channels).
    pub rb_en: u8,
    pub rb_buf_valid: u8,
    /// The accepted AW is its frame's last burst.
    pub rb_aw_last: u8,
    pub tkeep: u8,
    pub tvalid: u8,
    pub tready: u8,
    pub tlast: u8,
    pub tuser: u8,
    pub l_awvalid: u8,
    pub l_awready: u8,
    pub l_wstrb: u8,
    pub l_wvalid: u8,
    pub l_wready: u8,
    pub l_bresp: u8,
    pub l_bvalid: u8,
    pub l_bready: u8,
    pub l_arvalid: u8,
    pub l_arready: u8,
    pub l_rresp: u8,
    pub l_rvalid: u8,
    pub l_rready: u8,
    pub h_valid: u8,
    pub h_ready: u8,
    pub h_payload: u8,
}

#[repr(C)]
struct CheckTbSim {
    _private: [u8; 0],
}

extern "C" {
    fn check_tb_new() -> *mut CheckTbSim;
    fn check_tb_free(sim: *mut CheckTbSim);
    fn check_tb_step(sim: *mut CheckTbSim, i: *const CheckInputs) -> u8;
    fn check_tb_error(sim: *const CheckTbSim) -> *const std::ffi::c_char;
}

/// One verilated `nic_check_tb`.
pub struct CheckTb {
    ptr: *mut CheckTbSim,
    /// What the next [`CheckTb::step`] applies.
    pub inp: CheckInputs,
}

impl CheckTb {
    /// A bench with AXI4 sizes and bursts set to the legal 8-byte INCR, out of
    /// four cycles of reset.
    pub fn new() -> CheckTb {
        // SAFETY: check_tb_new returns an owned object, freed only in Drop.
        let ptr = unsafe { check_tb_new() };
        assert!(!ptr.is_null(), "check_tb_new returned null");
        let mut tb = CheckTb {
            ptr,
            inp: CheckInputs {
                awsize: 3,
                awburst: 1,
                arsize: 3,
                arburst: 1,
                rst: 1,
                ..Default::default()
            },
        };
        for _ in 0..4 {
            tb.step().expect("no check runs in reset");
        }
        tb.inp.rst = 0;
        tb
    }

    /// One clock cycle with `self.inp`; the checkers' messages if any fired.
    pub fn step(&mut self) -> Result<(), String> {
        // SAFETY: `ptr` is live until Drop; CheckInputs is repr(C) and matches.
        let failed = unsafe { check_tb_step(self.ptr, &self.inp) };
        if failed != 0 {
            // SAFETY: a NUL-terminated string owned by the model, valid until
            // its next step; copied at once.
            let msg = unsafe { std::ffi::CStr::from_ptr(check_tb_error(self.ptr)) };
            return Err(msg.to_string_lossy().trim_end().to_string());
        }
        Ok(())
    }
}

impl Default for CheckTb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CheckTb {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from check_tb_new and is freed exactly once here.
        unsafe { check_tb_free(self.ptr) };
    }
}
