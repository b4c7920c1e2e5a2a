//! The `extern "C"` surface of `csrc/nic_shim.cpp`. Field order and types
//! match the C structs exactly (both are `repr(C)`).

/// 64-bit words in the widest beat (512 bits). A 64-bit model uses word 0
/// of every data field and the low 8 bits of every strobe or keep.
pub const BEAT_WORDS: usize = 8;

/// What memory drives into one of the NIC's AXI4 DMA masters (`m_axi_*` or
/// `m_axi_ctl_*`). Laid out without padding, so the shim may compare inputs
/// bytewise.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AxiIn {
    pub rdata: [u64; BEAT_WORDS],
    pub awready: u8,
    pub wready: u8,
    pub bid: u8,
    pub bresp: u8,
    pub bvalid: u8,
    pub arready: u8,
    pub rid: u8,
    pub rresp: u8,
    pub rlast: u8,
    pub rvalid: u8,
    pub _pad: [u8; 6],
}

/// What one of the NIC's AXI4 DMA masters drives.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AxiOut {
    pub awaddr: u64,
    pub wdata: [u64; BEAT_WORDS],
    pub wstrb: u64,
    pub araddr: u64,
    pub awid: u8,
    pub awlen: u8,
    pub awsize: u8,
    pub awburst: u8,
    pub awvalid: u8,
    pub wlast: u8,
    pub wvalid: u8,
    pub bready: u8,
    pub arid: u8,
    pub arlen: u8,
    pub arsize: u8,
    pub arburst: u8,
    pub arvalid: u8,
    pub rready: u8,
    pub _pad: [u8; 2],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inputs {
    pub now_ns: u64,
    /// The data master, `m_axi_*`: frame-buffer reads (TX) and writes (RX).
    pub dma: AxiIn,
    /// The control master, `m_axi_ctl_*`: descriptor reads, completion writes.
    pub ctl: AxiIn,
    pub s_axis_rx_tdata: [u64; BEAT_WORDS],
    pub s_axis_rx_tkeep: u64,
    pub s_axil_wdata: u32,
    pub s_axil_awaddr: u16,
    pub s_axil_araddr: u16,
    pub rst: u8,
    pub s_axil_awvalid: u8,
    pub s_axil_wstrb: u8,
    pub s_axil_wvalid: u8,
    pub s_axil_bready: u8,
    pub s_axil_arvalid: u8,
    pub s_axil_rready: u8,
    pub m_axis_tx_tready: u8,
    pub s_axis_rx_tvalid: u8,
    pub s_axis_rx_tlast: u8,
    pub s_axis_rx_tuser: u8,
    pub _pad: [u8; 5],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outputs {
    pub dma: AxiOut,
    pub ctl: AxiOut,
    pub m_axis_tx_tdata: [u64; BEAT_WORDS],
    pub m_axis_tx_tkeep: u64,
    pub s_axil_rdata: u32,
    pub s_axil_awready: u8,
    pub s_axil_wready: u8,
    pub s_axil_bresp: u8,
    pub s_axil_bvalid: u8,
    pub s_axil_arready: u8,
    pub s_axil_rresp: u8,
    pub s_axil_rvalid: u8,
    pub m_axis_tx_tvalid: u8,
    pub m_axis_tx_tlast: u8,
    pub m_axis_tx_tuser: u8,
    pub s_axis_rx_tready: u8,
    pub irq: u8,
    /// The queue interrupt vectors (bit n TX queue n, bit NUM_QUEUES + n RX queue n).
    pub irq_queue: u32,
}

/// Opaque handle to the C++ simulation object.
#[repr(C)]
pub struct NicSim {
    _private: [u8; 0],
}

type NewFn = unsafe extern "C" fn(*const std::ffi::c_char) -> *mut NicSim;
type FreeFn = unsafe extern "C" fn(*mut NicSim);
type StepFn = unsafe extern "C" fn(*mut NicSim, *const Inputs, *mut Outputs) -> u8;
type ErrorFn = unsafe extern "C" fn(*const NicSim) -> *const std::ffi::c_char;

extern "C" {
    fn nic_sim_new(trace_path: *const std::ffi::c_char) -> *mut NicSim;
    fn nic_sim_free(sim: *mut NicSim);
    fn nic_sim_step(sim: *mut NicSim, inputs: *const Inputs, outputs: *mut Outputs) -> u8;
    fn nic_sim_error(sim: *const NicSim) -> *const std::ffi::c_char;
    fn nic512_sim_new(trace_path: *const std::ffi::c_char) -> *mut NicSim;
    fn nic512_sim_free(sim: *mut NicSim);
    fn nic512_sim_step(sim: *mut NicSim, inputs: *const Inputs, outputs: *mut Outputs) -> u8;
    fn nic512_sim_error(sim: *const NicSim) -> *const std::ffi::c_char;
    fn nic_nt_sim_new(trace_path: *const std::ffi::c_char) -> *mut NicSim;
    fn nic_nt_sim_free(sim: *mut NicSim);
    fn nic_nt_sim_step(sim: *mut NicSim, inputs: *const Inputs, outputs: *mut Outputs) -> u8;
    fn nic_nt_sim_error(sim: *const NicSim) -> *const std::ffi::c_char;
    fn nic512_nt_sim_new(trace_path: *const std::ffi::c_char) -> *mut NicSim;
    fn nic512_nt_sim_free(sim: *mut NicSim);
    fn nic512_nt_sim_step(sim: *mut NicSim, inputs: *const Inputs, outputs: *mut Outputs) -> u8;
    fn nic512_nt_sim_error(sim: *const NicSim) -> *const std::ffi::c_char;
}

/// One verilated `nic_top` build's entry points.
struct Model {
    new: NewFn,
    free: FreeFn,
    step: StepFn,
    error: ErrorFn,
}

static MODEL_64: Model = Model {
    new: nic_sim_new,
    free: nic_sim_free,
    step: nic_sim_step,
    error: nic_sim_error,
};

static MODEL_512: Model = Model {
    new: nic512_sim_new,
    free: nic512_sim_free,
    step: nic512_sim_step,
    error: nic512_sim_error,
};

// The same RTL verilated without tracing (build.rs): what a run without a waveform uses.
static MODEL_64_NT: Model = Model {
    new: nic_nt_sim_new,
    free: nic_nt_sim_free,
    step: nic_nt_sim_step,
    error: nic_nt_sim_error,
};

static MODEL_512_NT: Model = Model {
    new: nic512_nt_sim_new,
    free: nic512_nt_sim_free,
    step: nic512_nt_sim_step,
    error: nic512_nt_sim_error,
};

/// The datapath widths `nic_top` is verilated at (`DATA_W`), bits.
pub const WIDTHS: [u32; 2] = [64, 512];

/// Owns one verilated `nic_top`.
pub struct Rtl {
    ptr: *mut NicSim,
    model: &'static Model,
    bits: u32,
    failures: Vec<String>,
}

impl Rtl {
    /// Builds the 64-bit model; with `trace` set, every cycle is dumped to that FST file.
    pub fn new(trace: Option<&std::path::Path>) -> Rtl {
        Rtl::with_width(64, trace).expect("the 64-bit model is built")
    }

    /// Builds the model of `DATA_W = bits` (one of [`WIDTHS`]; `None` for any other). Without
    /// `trace` it is the model verilated without tracing, which does the same in fewer
    /// instructions (build.rs); with it, the traced one.
    pub fn with_width(bits: u32, trace: Option<&std::path::Path>) -> Option<Rtl> {
        let model = match (bits, trace.is_some()) {
            (64, true) => &MODEL_64,
            (64, false) => &MODEL_64_NT,
            (512, true) => &MODEL_512,
            (512, false) => &MODEL_512_NT,
            _ => return None,
        };
        let path = trace.map(|p| {
            std::ffi::CString::new(p.to_string_lossy().as_bytes()).expect("trace path has no NUL")
        });
        let raw = path.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: `raw` is null or a NUL-terminated string that outlives the call;
        // the model's constructor copies what it needs and returns an owned, non-null object.
        let ptr = unsafe { (model.new)(raw) };
        assert!(!ptr.is_null(), "nic_sim_new returned null");
        Some(Rtl {
            ptr,
            model,
            bits,
            failures: Vec::new(),
        })
    }

    /// The model's datapath width, bits.
    pub fn datapath_bits(&self) -> u32 {
        self.bits
    }

    /// Runs one clock cycle with `inputs`; returns the outputs as they were just
    /// before the rising edge. An assertion that failed in the cycle (a checker
    /// of `hdl/check/` or the RTL's own) is kept for [`Rtl::take_failures`].
    pub fn step(&mut self, inputs: &Inputs) -> Outputs {
        let mut out = Outputs::default();
        self.step_into(inputs, &mut out);
        out
    }

    /// [`Rtl::step`] writing the outputs into `out` (every field), so a caller
    /// that steps every cycle keeps one `Outputs` instead of making one a cycle.
    pub fn step_into(&mut self, inputs: &Inputs, out: &mut Outputs) {
        // SAFETY: `self.ptr` is the live object from nic_sim_new (freed only in
        // Drop); both structs are repr(C) and match the C definitions.
        let failed = unsafe { (self.model.step)(self.ptr, inputs, out) };
        if failed != 0 {
            // SAFETY: nic_sim_error returns a NUL-terminated string owned by the
            // model, valid until its next step; it is copied at once.
            let msg = unsafe { std::ffi::CStr::from_ptr((self.model.error)(self.ptr)) };
            self.failures
                .push(msg.to_string_lossy().trim_end().to_string());
        }
    }

    /// True if an assertion failed since the last [`Rtl::take_failures`].
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// The messages of the assertions that failed since the last call, one
    /// entry per failing cycle (`cycle N: ... Assertion failed in ...: why`).
    pub fn take_failures(&mut self) -> Vec<String> {
        std::mem::take(&mut self.failures)
    }
}

// SAFETY: the C++ object is owned by this `Rtl` alone (nothing else holds `ptr`) and is only
// used through `&mut self`, so it is never touched by two threads at once; a verilated model
// with its own VerilatedContext and no `--threads` keeps no state tied to the thread that made
// it (the generated eval code reaches its context through the model, not thread-local storage).
// So the model may move to another thread, e.g. to run two NICs in parallel.
unsafe impl Send for Rtl {}

impl Drop for Rtl {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` came from this model's constructor and is freed exactly once here.
        unsafe { (self.model.free)(self.ptr) };
    }
}
