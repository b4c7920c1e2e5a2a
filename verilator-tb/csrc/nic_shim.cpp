// extern "C" shim between the Rust harness and the verilated nic_top.
// One call, nic_step, runs one clock cycle: it applies the harness's inputs,
// settles the logic with the clock low, copies the outputs the harness needs
// to decide this cycle's handshakes, then raises the clock. It returns 1 when
// an assertion (hdl/check/ or the RTL's own) failed in that cycle; the
// messages are then in nic_sim_error.
// With coverage compiled in (NIC_COVERAGE=1 builds), nic_sim_free writes the
// model's counters to $NIC_COVERAGE_DIR/nic_top-<pid>-<n>.dat.
// The struct layouts must match `ffi::Inputs`/`ffi::Outputs` in src/ffi.rs.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

// Built four times by build.rs: at 64 bits (class Vnic_top, functions nic_sim_*) and with
// NIC_WIDE defined at 512 bits (class Vnic512, functions nic512_sim_*), each also with
// NIC_NOTRACE defined for the model verilated without tracing (classes Vnic_nt and Vnic512_nt,
// functions nic_nt_sim_* and nic512_nt_sim_*; no waveform). Each build's types live in a namespace
// of their own, so all of them can be linked into one program.
#define NIC_CAT2(a, b) a##b
#define NIC_CAT(a, b) NIC_CAT2(a, b)
#if defined(NIC_WIDE) && defined(NIC_NOTRACE)
#include "Vnic512_nt.h"
#include "Vnic512_nt__Syms.h"
#include "Vnic512_nt___024root.h"
#define VTOP Vnic512_nt
#define VROOT Vnic512_nt___024root
#define FN(x) nic512_nt_sim_##x
#define NIC_NS nic512nt
#define NIC_COV_NAME "nic_top512"
#elif defined(NIC_WIDE)
#include "Vnic512.h"
#include "Vnic512__Syms.h"
#include "Vnic512___024root.h"
#define VTOP Vnic512
#define VROOT Vnic512___024root
#define FN(x) nic512_sim_##x
#define NIC_NS nic512
#define NIC_COV_NAME "nic_top512"
#elif defined(NIC_NOTRACE)
#include "Vnic_nt.h"
#include "Vnic_nt__Syms.h"
#include "Vnic_nt___024root.h"
#define VTOP Vnic_nt
#define VROOT Vnic_nt___024root
#define FN(x) nic_nt_sim_##x
#define NIC_NS nic64nt
#define NIC_COV_NAME "nic_top"
#else
#include "Vnic_top.h"
#include "Vnic_top__Syms.h"
#include "Vnic_top___024root.h"
#define VTOP Vnic_top
#define VROOT Vnic_top___024root
#define FN(x) nic_sim_##x
#define NIC_NS nic64
#define NIC_COV_NAME "nic_top"
#endif
#define ROOTFN(x) NIC_CAT(VROOT, x)
#include "verilated.h"
#include "verilated_fst_c.h"
#if VM_COVERAGE
#include <unistd.h>

#include "verilated_cov.h"
#endif

// The two half cycles without eval()'s generic loops.
//
// Verilator 5.006's eval() always runs the ico region on its first iteration,
// whether or not an input changed. nic_sim_step calls eval() twice per cycle:
// with clk low after the new inputs are applied (that pass is needed: it
// settles the logic that depends on inputs, which decides this cycle's
// outputs), then with clk high, where ico would recompute exactly the same
// values, since no input and no state changed in between.
//
// fall() is eval() with clk low, written out: the ico region once (its only
// trigger is "first iteration", so eval() runs it exactly once), then the
// active/NBA loop, which with clk falling finds no trigger. rise() is the
// active/NBA loop alone (the second half of the generated
// Vnic_top___024root___eval), skipping the ico loop; everything else,
// including the convergence checks, is the same. Neither goes through
// Vnic_top::eval_step (its init test, thread bookkeeping and message-queue
// drain; the drain, Verilated::endOfEval, runs once per cycle at the end of
// rise()). They call generated functions that are internal to Verilator's
// output, so they are compiled only for the version they were written against
// (VERILATOR_VERSION_INTEGER is from verilated_config.h); any other version
// uses the plain eval(). NIC_SIM_PLAIN_EVAL=1 forces eval() at run time, to
// check the two give the same outputs (examples/sim_replay.rs).
//
// rise() is right only while no ico logic reads the clock; build.rs checks the
// generated code and defines NIC_ICO_READS_CLK when some does.
//
// fall() also skips the ico region when no input but now_ns changed since the
// last cycle. The ico region is the combinational logic that reads inputs;
// Verilator replicates each such block into the NBA region too when it also
// reads state, so after a rising edge every combinational value already
// stands as the current inputs and the new state make it. With the same
// inputs, ico would recompute exactly those values. now_ns is read only by
// clocked logic (nic_csr's time registers and interrupt throttle): build.rs
// defines NIC_ICO_READS_NOW, which turns the skip off, if generated ico code
// ever reads it.
#if VERILATOR_VERSION_INTEGER == 5006000 && !defined(NIC_ICO_READS_CLK)
#define NIC_FAST_RISE 1
void ROOTFN(___eval_triggers__ico)(VROOT* vlSelf);
void ROOTFN(___eval_ico)(VROOT* vlSelf);
void ROOTFN(___eval_triggers__act)(VROOT* vlSelf);
void ROOTFN(___eval_act)(VROOT* vlSelf);
void ROOTFN(___eval_nba)(VROOT* vlSelf);

// The active/NBA loop of Vnic_top___024root___eval: the same calls in the same
// order (act triggers; while any: NBA triggers |= them, act region, act
// triggers again; then the NBA region; repeat until no act trigger).
static void act_nba(VROOT* r) {
    uint32_t nba_iters = 0;
    for (;;) {
        ROOTFN(___eval_triggers__act)(r);
        if (!r->__VactTriggered.any()) return;
        r->__VnbaTriggered.clear();
        uint32_t act_iters = 0;
        do {
            if (VL_UNLIKELY(++act_iters > 101)) {
                VL_FATAL_MT(__FILE__, __LINE__, "", "Active region did not converge.");
            }
            r->__VnbaTriggered.set(r->__VactTriggered);
            ROOTFN(___eval_act)(r);
            ROOTFN(___eval_triggers__act)(r);
        } while (r->__VactTriggered.any());
        if (VL_UNLIKELY(++nba_iters > 101)) {
            VL_FATAL_MT(__FILE__, __LINE__, "", "NBA region did not converge.");
        }
        ROOTFN(___eval_nba)(r);
    }
}

// clk low, inputs applied: eval(); `ico` false skips the ico region (see above).
static void fall(VROOT* r, bool ico) {
#if VM_TRACE
    r->vlSymsp->__Vm_activity = true;
#endif
    r->clk = 0;
    if (ico) {
        r->__VicoIterCount = 0;
        ROOTFN(___eval_triggers__ico)(r);
        r->__VicoIterCount = 1;
        ROOTFN(___eval_ico)(r);
    }
    act_nba(r);
}

// The rising edge: eval() without its ico pass.
static void rise(VROOT* r) {
#if VM_TRACE
    r->vlSymsp->__Vm_activity = true;
#endif
    r->clk = 1;
    act_nba(r);
    Verilated::endOfEval(r->vlSymsp->__Vm_evalMsgQp);
}
#endif

namespace NIC_NS {

// Data ports: 64 bits are a QData, 512 a VlWide<16> (32-bit words, word 0 the low bits).
static inline void put(QData& d, const uint64_t* w) { d = w[0]; }
template <std::size_t N>
static inline void put(VlWide<N>& d, const uint64_t* w) {
    for (std::size_t i = 0; i < N / 2; i++) {
        d[2 * i] = (uint32_t)w[i];
        d[2 * i + 1] = (uint32_t)(w[i] >> 32);
    }
}
static inline void get(const QData& d, uint64_t* w) { w[0] = d; }
template <std::size_t N>
static inline void get(const VlWide<N>& d, uint64_t* w) {
    for (std::size_t i = 0; i < N / 2; i++) w[i] = (uint64_t)d[2 * i] | ((uint64_t)d[2 * i + 1] << 32);
}

extern "C" {

// One AXI4 DMA master's inputs and outputs (m_axi_* and m_axi_ctl_*), without padding. Data is
// in 64-bit words, word 0 the low bits; a 64-bit model uses word 0 and the low 8 strobe bits.
constexpr int BEAT_WORDS = 8;

struct AxiIn {
    uint64_t rdata[BEAT_WORDS];
    uint8_t awready;
    uint8_t wready;
    uint8_t bid;
    uint8_t bresp;
    uint8_t bvalid;
    uint8_t arready;
    uint8_t rid;
    uint8_t rresp;
    uint8_t rlast;
    uint8_t rvalid;
    uint8_t pad[6];
};

struct AxiOut {
    uint64_t awaddr;
    uint64_t wdata[BEAT_WORDS];
    uint64_t wstrb;
    uint64_t araddr;
    uint8_t awid;
    uint8_t awlen;
    uint8_t awsize;
    uint8_t awburst;
    uint8_t awvalid;
    uint8_t wlast;
    uint8_t wvalid;
    uint8_t bready;
    uint8_t arid;
    uint8_t arlen;
    uint8_t arsize;
    uint8_t arburst;
    uint8_t arvalid;
    uint8_t rready;
    uint8_t pad[2];
};

struct NicInputs {
    uint64_t now_ns;
    AxiIn dma;  // m_axi_*: frame-buffer reads and writes
    AxiIn ctl;  // m_axi_ctl_*: descriptor reads, completion writes
    uint64_t s_axis_rx_tdata[BEAT_WORDS];
    uint64_t s_axis_rx_tkeep;
    uint32_t s_axil_wdata;
    uint16_t s_axil_awaddr;
    uint16_t s_axil_araddr;
    uint8_t rst;
    uint8_t s_axil_awvalid;
    uint8_t s_axil_wstrb;
    uint8_t s_axil_wvalid;
    uint8_t s_axil_bready;
    uint8_t s_axil_arvalid;
    uint8_t s_axil_rready;
    uint8_t m_axis_tx_tready;
    uint8_t s_axis_rx_tvalid;
    uint8_t s_axis_rx_tlast;
    uint8_t s_axis_rx_tuser;
    uint8_t pad[5];
};

struct NicOutputs {
    AxiOut dma;
    AxiOut ctl;
    uint64_t m_axis_tx_tdata[BEAT_WORDS];
    uint64_t m_axis_tx_tkeep;
    uint32_t s_axil_rdata;
    uint8_t s_axil_awready;
    uint8_t s_axil_wready;
    uint8_t s_axil_bresp;
    uint8_t s_axil_bvalid;
    uint8_t s_axil_arready;
    uint8_t s_axil_rresp;
    uint8_t s_axil_rvalid;
    uint8_t m_axis_tx_tvalid;
    uint8_t m_axis_tx_tlast;
    uint8_t m_axis_tx_tuser;
    uint8_t s_axis_rx_tready;
    uint8_t irq;
    uint32_t irq_queue;
};

struct NicSim {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<VTOP> top;
    std::unique_ptr<VerilatedFstC> trace;
    uint64_t half_cycles = 0;
    // NIC_SIM_RECORD=prefix: every cycle's inputs and outputs are appended to
    // prefix.<n> (n counts the models this process built), for the replay
    // example (examples/sim_replay.rs) to time the model alone and to check
    // that a changed RTL or build gives the same outputs cycle for cycle.
    FILE* record = nullptr;
    bool plain_eval = false;  // NIC_SIM_PLAIN_EVAL set: rising edge by eval()
    // The inputs of the last cycle, for fall()'s ico skip; none before the first.
    NicInputs last_in = {};
    bool have_last_in = false;
    uint64_t cycles = 0;
    std::string error;  // the messages of the last cycle in which an assertion failed
};

// Verilator reports $error and $stop to the calling thread's context: make it this model's
// (tests create and step models on several threads).
static void use_context(NicSim* s) {
    if (VL_UNLIKELY(Verilated::threadContextp() != s->ctx.get())) {
        Verilated::threadContextp(s->ctx.get());
    }
}

// After a cycle: an assertion that failed set gotError (fatalOnError is off, so $error does not
// abort); keep what it printed. Anything else printed goes to stderr.
static uint8_t check_errors(NicSim* s) {
    if (VL_UNLIKELY(s->ctx->gotError())) {
        s->error = "cycle " + std::to_string(s->cycles) + ": " + vltb_take_output();
        s->ctx->gotError(false);
        return 1;
    }
    vltb_flush_output();
    return 0;
}

// Record file layout: a header, then per cycle one NicInputs then one NicOutputs.
struct NicRecordHeader {
    char magic[8];  // "NICREC3\0"
    uint32_t inputs_size;
    uint32_t outputs_size;
    uint32_t datapath_bits;  // the model's DATA_W
    uint32_t reserved;
};

#ifdef NIC_WIDE
constexpr uint32_t DATAPATH_BITS = 512;
constexpr const char* RECORD_SUFFIX = ".512.";  // prefix.512.<n>
#else
constexpr uint32_t DATAPATH_BITS = 64;
constexpr const char* RECORD_SUFFIX = ".";  // prefix.<n>
#endif

static FILE* open_record() {
    static std::atomic<unsigned> models{0};
    const char* prefix = std::getenv("NIC_SIM_RECORD");
    if (!prefix || !*prefix) return nullptr;
    std::string path = std::string(prefix) + RECORD_SUFFIX + std::to_string(models++);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return nullptr;
    NicRecordHeader h = {{'N', 'I', 'C', 'R', 'E', 'C', '3', 0},
                         (uint32_t)sizeof(NicInputs), (uint32_t)sizeof(NicOutputs), DATAPATH_BITS,
                         0};
    std::fwrite(&h, sizeof h, 1, f);
    return f;
}

// trace_path: NULL for no waveform, else the FST file to write.
NicSim* FN(new)(const char* trace_path) {
#if !VM_TRACE
    if (trace_path) return nullptr;  // a model without tracing cannot write a waveform
#endif
    NicSim* s = new NicSim;
    s->ctx.reset(new VerilatedContext);
    s->ctx->fatalOnError(false);
    s->ctx->traceEverOn(trace_path != nullptr);
    s->top.reset(new VTOP(s->ctx.get(), "nic_top"));
#if VM_TRACE
    if (trace_path) {
        s->trace.reset(new VerilatedFstC);
        s->top->trace(s->trace.get(), 99);
        s->trace->open(trace_path);
    }
#endif
    s->top->clk = 0;
    s->top->eval();
    s->record = open_record();
    const char* plain = std::getenv("NIC_SIM_PLAIN_EVAL");
    s->plain_eval = plain && *plain && *plain != '0';
    return s;
}

void FN(free)(NicSim* s) {
    if (!s) return;
    if (s->trace) s->trace->close();
    if (s->record) std::fclose(s->record);
    use_context(s);
    s->top->final();
#if VM_COVERAGE
    if (const char* dir = std::getenv("NIC_COVERAGE_DIR")) {
        static std::atomic<unsigned> written{0};
        std::string path = std::string(dir) + "/" NIC_COV_NAME "-" + std::to_string(getpid()) + "-" +
                           std::to_string(written++) + ".dat";
        s->ctx->coveragep()->write(path.c_str());
    }
#endif
    delete s;
}

// The messages of the last cycle nic_sim_step returned 1 for ("" if none); valid until the next
// call on this model.
const char* FN(error)(const NicSim* s) { return s->error.c_str(); }

// The ports are written and read on the root object, where they are plain members
// (Vnic_top's port members are references to them: one load more each).
static void apply(VROOT* t, const NicInputs* in) {
    t->rst = in->rst;
    t->now_ns = in->now_ns;
    t->s_axil_awaddr = in->s_axil_awaddr;
    t->s_axil_awvalid = in->s_axil_awvalid;
    t->s_axil_wdata = in->s_axil_wdata;
    t->s_axil_wstrb = in->s_axil_wstrb;
    t->s_axil_wvalid = in->s_axil_wvalid;
    t->s_axil_bready = in->s_axil_bready;
    t->s_axil_araddr = in->s_axil_araddr;
    t->s_axil_arvalid = in->s_axil_arvalid;
    t->s_axil_rready = in->s_axil_rready;
    t->m_axi_awready = in->dma.awready;
    t->m_axi_wready = in->dma.wready;
    t->m_axi_bid = in->dma.bid;
    t->m_axi_bresp = in->dma.bresp;
    t->m_axi_bvalid = in->dma.bvalid;
    t->m_axi_arready = in->dma.arready;
    t->m_axi_rid = in->dma.rid;
    put(t->m_axi_rdata, in->dma.rdata);
    t->m_axi_rresp = in->dma.rresp;
    t->m_axi_rlast = in->dma.rlast;
    t->m_axi_rvalid = in->dma.rvalid;
    t->m_axi_ctl_awready = in->ctl.awready;
    t->m_axi_ctl_wready = in->ctl.wready;
    t->m_axi_ctl_bid = in->ctl.bid;
    t->m_axi_ctl_bresp = in->ctl.bresp;
    t->m_axi_ctl_bvalid = in->ctl.bvalid;
    t->m_axi_ctl_arready = in->ctl.arready;
    t->m_axi_ctl_rid = in->ctl.rid;
    put(t->m_axi_ctl_rdata, in->ctl.rdata);
    t->m_axi_ctl_rresp = in->ctl.rresp;
    t->m_axi_ctl_rlast = in->ctl.rlast;
    t->m_axi_ctl_rvalid = in->ctl.rvalid;
    t->m_axis_tx_tready = in->m_axis_tx_tready;
    put(t->s_axis_rx_tdata, in->s_axis_rx_tdata);
    t->s_axis_rx_tkeep = in->s_axis_rx_tkeep;
    t->s_axis_rx_tvalid = in->s_axis_rx_tvalid;
    t->s_axis_rx_tlast = in->s_axis_rx_tlast;
    t->s_axis_rx_tuser = in->s_axis_rx_tuser;
}

static void collect(const VROOT* t, NicOutputs* o) {
    o->s_axil_awready = t->s_axil_awready;
    o->s_axil_wready = t->s_axil_wready;
    o->s_axil_bresp = t->s_axil_bresp;
    o->s_axil_bvalid = t->s_axil_bvalid;
    o->s_axil_arready = t->s_axil_arready;
    o->s_axil_rdata = t->s_axil_rdata;
    o->s_axil_rresp = t->s_axil_rresp;
    o->s_axil_rvalid = t->s_axil_rvalid;
    o->dma.awid = t->m_axi_awid;
    o->dma.awaddr = t->m_axi_awaddr;
    o->dma.awlen = t->m_axi_awlen;
    o->dma.awsize = t->m_axi_awsize;
    o->dma.awburst = t->m_axi_awburst;
    o->dma.awvalid = t->m_axi_awvalid;
    get(t->m_axi_wdata, o->dma.wdata);
    o->dma.wstrb = t->m_axi_wstrb;
    o->dma.wlast = t->m_axi_wlast;
    o->dma.wvalid = t->m_axi_wvalid;
    o->dma.bready = t->m_axi_bready;
    o->dma.arid = t->m_axi_arid;
    o->dma.araddr = t->m_axi_araddr;
    o->dma.arlen = t->m_axi_arlen;
    o->dma.arsize = t->m_axi_arsize;
    o->dma.arburst = t->m_axi_arburst;
    o->dma.arvalid = t->m_axi_arvalid;
    o->dma.rready = t->m_axi_rready;
    o->ctl.awid = t->m_axi_ctl_awid;
    o->ctl.awaddr = t->m_axi_ctl_awaddr;
    o->ctl.awlen = t->m_axi_ctl_awlen;
    o->ctl.awsize = t->m_axi_ctl_awsize;
    o->ctl.awburst = t->m_axi_ctl_awburst;
    o->ctl.awvalid = t->m_axi_ctl_awvalid;
    get(t->m_axi_ctl_wdata, o->ctl.wdata);
    o->ctl.wstrb = t->m_axi_ctl_wstrb;
    o->ctl.wlast = t->m_axi_ctl_wlast;
    o->ctl.wvalid = t->m_axi_ctl_wvalid;
    o->ctl.bready = t->m_axi_ctl_bready;
    o->ctl.arid = t->m_axi_ctl_arid;
    o->ctl.araddr = t->m_axi_ctl_araddr;
    o->ctl.arlen = t->m_axi_ctl_arlen;
    o->ctl.arsize = t->m_axi_ctl_arsize;
    o->ctl.arburst = t->m_axi_ctl_arburst;
    o->ctl.arvalid = t->m_axi_ctl_arvalid;
    o->ctl.rready = t->m_axi_ctl_rready;
    get(t->m_axis_tx_tdata, o->m_axis_tx_tdata);
    o->m_axis_tx_tkeep = t->m_axis_tx_tkeep;
    o->m_axis_tx_tvalid = t->m_axis_tx_tvalid;
    o->m_axis_tx_tlast = t->m_axis_tx_tlast;
    o->m_axis_tx_tuser = t->m_axis_tx_tuser;
    o->s_axis_rx_tready = t->s_axis_rx_tready;
    o->irq = t->irq;
    o->irq_queue = t->irq_queue;
}

// One clock cycle. `out` receives the outputs as they stand just before the
// rising edge, i.e. the values that decide this cycle's handshakes.
uint8_t FN(step)(NicSim* s, const NicInputs* in, NicOutputs* out) {
    VTOP* t = s->top.get();
    use_context(s);
    VROOT* r = t->rootp;
#ifdef NIC_FAST_RISE
    if (!s->plain_eval) {
        // Every input after now_ns, compared with last cycle's (the struct's tail
        // padding excluded).
        constexpr size_t from = offsetof(NicInputs, dma);
        constexpr size_t to = offsetof(NicInputs, s_axis_rx_tuser) + 1;
        bool same = s->have_last_in &&
                    std::memcmp(reinterpret_cast<const char*>(in) + from,
                                reinterpret_cast<const char*>(&s->last_in) + from, to - from) == 0;
#ifdef NIC_ICO_READS_NOW
        same = false;
#endif
        if (same) {
            r->now_ns = in->now_ns;
        } else {
            apply(r, in);
            s->last_in = *in;
            s->have_last_in = true;
        }
        fall(r, !same);
    } else
#endif
    {
        apply(r, in);
        t->clk = 0;
        t->eval();
    }
    collect(r, out);
    if (VL_UNLIKELY(s->record)) {
        std::fwrite(in, sizeof *in, 1, s->record);
        std::fwrite(out, sizeof *out, 1, s->record);
    }
    if (VL_UNLIKELY(s->trace)) s->trace->dump(s->half_cycles);
    s->half_cycles++;
#ifdef NIC_FAST_RISE
    if (!s->plain_eval) {
        rise(r);
    } else
#endif
    {
        t->clk = 1;
        t->eval();
    }
    if (VL_UNLIKELY(s->trace)) s->trace->dump(s->half_cycles);
    s->half_cycles++;
    uint8_t failed = check_errors(s);
    s->cycles++;
    return failed;
}

}  // extern "C"
}  // namespace NIC_NS
