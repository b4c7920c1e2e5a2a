// extern "C" shim for one verilated module benched alone. Compiled once per
// variant with VTOP (the verilated class), VHDR (its header), FN(x) (the C
// symbol prefix), one of MOD_ICX (nic_axi_interconnect, with P_NPORTS),
// MOD_CPL (nic_cpl_writer, with P_NQ) or MOD_CSR (nic_csr), and a P_K define per
// Verilator parameter. Layouts match src/modules/ffi.rs.
//
// Each step applies the inputs, evaluates with clk low (the outputs of this
// cycle, combinational paths from the inputs included), reads the outputs,
// then evaluates the rising edge. Ports the shim does not name keep the value
// Verilator gives them at construction (0 with --x-initial fast): the CSR
// shim drives only clk, rst and the AXI-Lite slave, so new engine-side inputs
// of nic_csr stay tied to 0 without a change here.
//
// FN(step) returns 1 when an assertion (a checker of hdl/check/ bound to the
// module's ports, or the module's own) failed in that cycle; FN(error) gives
// the messages. With coverage compiled in, FN(free) writes the counters to
// $NIC_COVERAGE_DIR/<variant>-<pid>-<n>.dat.

#include <cstdint>
#include <string>

#include VHDR
#include "vl_model.h"

namespace {

template <std::size_t N>
void put(VlWide<N>& d, const uint32_t* w) { for (std::size_t i = 0; i < N; i++) d[i] = w[i]; }
void put(QData& d, const uint32_t* w) { d = (uint64_t)w[0] | ((uint64_t)w[1] << 32); }
void put(IData& d, const uint32_t* w) { d = w[0]; }
void put(SData& d, const uint32_t* w) { d = (SData)w[0]; }
void put(CData& d, const uint32_t* w) { d = (CData)w[0]; }

// NPORTS 64-bit values as one packed [NPORTS-1:0][63:0] vector.
template <typename T>
void put64(T& d, const uint64_t* v, int n) {
    uint32_t w[16] = {0};
    for (int k = 0; k < n; k++) {
        w[2 * k] = (uint32_t)v[k];
        w[2 * k + 1] = (uint32_t)(v[k] >> 32);
    }
    put(d, w);
}

// NPORTS bytes as one packed [NPORTS-1:0][7:0] vector (at most 4 ports).
template <typename T>
void put8(T& d, const uint8_t* v, int n) {
    uint32_t w[2] = {0, 0};
    for (int k = 0; k < n; k++) w[0] |= (uint32_t)v[k] << (8 * k);
    put(d, w);
}


template <std::size_t N>
void get(const VlWide<N>& d, uint32_t* w) { for (std::size_t i = 0; i < N; i++) w[i] = d[i]; }
void get(QData d, uint32_t* w) { w[0] = (uint32_t)d; w[1] = (uint32_t)(d >> 32); }
void get(IData d, uint32_t* w) { w[0] = d; }
void get(SData d, uint32_t* w) { w[0] = d; }
void get(CData d, uint32_t* w) { w[0] = d; }

// n fields of `width` bits (at most 64) packed from bit 0 up into w (nw words, zeroed first).
void pack(uint32_t* w, int nw, const uint64_t* v, int n, int width) {
    for (int i = 0; i < nw; i++) w[i] = 0;
    for (int k = 0; k < n; k++)
        for (int b = 0; b < width; b++)
            if ((v[k] >> b) & 1) w[(k * width + b) / 32] |= 1u << ((k * width + b) % 32);
}

uint64_t field(const uint32_t* w, int k, int width) {
    uint64_t v = 0;
    for (int b = 0; b < width; b++)
        v |= (uint64_t)((w[(k * width + b) / 32] >> ((k * width + b) % 32)) & 1) << b;
    return v;
}

}  // namespace

extern "C" {

#if defined(MOD_ICX)
struct FN(inputs) {
    uint64_t s_araddr[4];
    uint64_t s_awaddr[4];
    uint64_t s_wdata[4];
    uint64_t m_rdata;
    uint8_t s_arlen[4];
    uint8_t s_awlen[4];
    uint8_t s_wstrb[4];
    uint8_t rst;
    // per-port bit masks
    uint8_t s_arvalid;
    uint8_t s_rready;
    uint8_t s_awvalid;
    uint8_t s_wlast;
    uint8_t s_wvalid;
    uint8_t s_bready;
    // memory side
    uint8_t m_awready;
    uint8_t m_wready;
    uint8_t m_bid;
    uint8_t m_bresp;
    uint8_t m_bvalid;
    uint8_t m_arready;
    uint8_t m_rid;
    uint8_t m_rresp;
    uint8_t m_rlast;
    uint8_t m_rvalid;
};

struct FN(outputs) {
    uint64_t s_rdata;
    uint64_t m_awaddr;
    uint64_t m_wdata;
    uint64_t m_araddr;
    // per-port bit masks
    uint8_t s_arready;
    uint8_t s_rvalid;
    uint8_t s_awready;
    uint8_t s_wready;
    uint8_t s_bvalid;
    uint8_t s_rresp;
    uint8_t s_rlast;
    uint8_t s_bresp;
    // memory side
    uint8_t m_awid;
    uint8_t m_awlen;
    uint8_t m_awsize;
    uint8_t m_awburst;
    uint8_t m_awvalid;
    uint8_t m_wstrb;
    uint8_t m_wlast;
    uint8_t m_wvalid;
    uint8_t m_bready;
    uint8_t m_arid;
    uint8_t m_arlen;
    uint8_t m_arsize;
    uint8_t m_arburst;
    uint8_t m_arvalid;
    uint8_t m_rready;
};
#elif defined(MOD_CPL)
// Per-queue fields in arrays of CPL_NQ (the first P_NQ used); start is a mask.
#define CPL_NQ 8
static_assert(P_NQ >= 1 && P_NQ <= CPL_NQ, "nic_cpl_writer: NQ up to 8 in this shim");
struct FN(inputs) {
    uint64_t cfg_cpl_base[CPL_NQ];
    uint32_t in_len;
    uint32_t in_rss_hash;
    uint16_t cfg_size[CPL_NQ];
    uint16_t in_index;
    uint16_t in_csum;
    uint16_t in_errors;
    uint8_t rst;
    uint8_t start;
    uint8_t in_valid;
    uint8_t in_queue;
    uint8_t in_verdict;
    uint8_t in_rss_type;
    uint8_t in_tag;
    uint8_t m_awready;
    uint8_t m_wready;
    uint8_t m_bresp;
    uint8_t m_bvalid;
};

struct FN(outputs) {
    uint64_t m_awaddr;
    uint64_t m_wdata;
    uint32_t ev_len;
    uint16_t ev_errors;
    uint16_t ev_fail_index;
    uint16_t head[CPL_NQ];
    uint8_t in_ready;
    uint8_t ev_cpl;
    uint8_t ev_drop;
    uint8_t ev_queue;
    uint8_t ev_verdict;
    uint8_t ev_tag;
    uint8_t ev_fail;
    uint8_t ev_fail_queue;
    uint8_t idle;
    uint8_t m_awlen;
    uint8_t m_awvalid;
    uint8_t m_wstrb;
    uint8_t m_wlast;
    uint8_t m_wvalid;
    uint8_t m_bready;
};
#elif defined(MOD_CSR)
struct FN(inputs) {
    uint32_t wdata;
    uint16_t awaddr;
    uint16_t araddr;
    uint8_t rst;
    uint8_t awvalid;
    uint8_t wstrb;
    uint8_t wvalid;
    uint8_t bready;
    uint8_t arvalid;
    uint8_t rready;
};

struct FN(outputs) {
    uint32_t rdata;
    uint8_t awready;
    uint8_t wready;
    uint8_t bresp;
    uint8_t bvalid;
    uint8_t arready;
    uint8_t rresp;
    uint8_t rvalid;
};
#else
#error "module_shim.cpp: define MOD_ICX, MOD_CPL or MOD_CSR"
#endif

struct FN(sim) : VlModel<VTOP> {
    FN(sim)() : VlModel<VTOP>("module") {}
};

FN(sim)* FN(new)(const char* trace_path) {
    auto* s = new FN(sim);
    if (trace_path) s->open_trace(trace_path);
    return s;
}

void FN(free)(FN(sim)* s) {
    if (!s) return;
    s->finish(VNAME);
    delete s;
}

const char* FN(error)(const FN(sim)* s) { return s->error.c_str(); }

uint8_t FN(step)(FN(sim)* s, const FN(inputs)* in, FN(outputs)* out) {
    VTOP* t = s->top.get();
    s->use_context();
    t->rst = in->rst;
#if defined(MOD_ICX)
    const int n = P_NPORTS;
    put64(t->s_axi_araddr, in->s_araddr, n);
    put8(t->s_axi_arlen, in->s_arlen, n);
    t->s_axi_arvalid = in->s_arvalid;
    t->s_axi_rready = in->s_rready;
    put64(t->s_axi_awaddr, in->s_awaddr, n);
    put8(t->s_axi_awlen, in->s_awlen, n);
    t->s_axi_awvalid = in->s_awvalid;
    put64(t->s_axi_wdata, in->s_wdata, n);
    put8(t->s_axi_wstrb, in->s_wstrb, n);
    t->s_axi_wlast = in->s_wlast;
    t->s_axi_wvalid = in->s_wvalid;
    t->s_axi_bready = in->s_bready;
    t->m_axi_awready = in->m_awready;
    t->m_axi_wready = in->m_wready;
    t->m_axi_bid = in->m_bid;
    t->m_axi_bresp = in->m_bresp;
    t->m_axi_bvalid = in->m_bvalid;
    t->m_axi_arready = in->m_arready;
    t->m_axi_rid = in->m_rid;
    t->m_axi_rdata = in->m_rdata;
    t->m_axi_rresp = in->m_rresp;
    t->m_axi_rlast = in->m_rlast;
    t->m_axi_rvalid = in->m_rvalid;
#elif defined(MOD_CPL)
    {
        uint32_t w[2 * CPL_NQ];
        uint64_t v[CPL_NQ];
        for (int q = 0; q < P_NQ; q++) v[q] = in->cfg_cpl_base[q];
        pack(w, 2 * CPL_NQ, v, P_NQ, 64);
        put(t->cfg_cpl_base, w);
        for (int q = 0; q < P_NQ; q++) v[q] = in->cfg_size[q];
        pack(w, 2 * CPL_NQ, v, P_NQ, 13);
        put(t->cfg_size, w);
    }
    t->start = in->start & ((1u << P_NQ) - 1);
    t->in_valid = in->in_valid;
    t->in_queue = in->in_queue;
    t->in_index = in->in_index;
    t->in_len = in->in_len;
    t->in_csum = in->in_csum;
    t->in_verdict = in->in_verdict;
    t->in_errors = in->in_errors;
    t->in_rss_hash = in->in_rss_hash;
    t->in_rss_type = in->in_rss_type;
    t->in_tag = in->in_tag;
    t->m_axi_awready = in->m_awready;
    t->m_axi_wready = in->m_wready;
    t->m_axi_bresp = in->m_bresp;
    t->m_axi_bvalid = in->m_bvalid;
#elif defined(MOD_CSR)
    t->s_axil_awaddr = in->awaddr;
    t->s_axil_awvalid = in->awvalid;
    t->s_axil_wdata = in->wdata;
    t->s_axil_wstrb = in->wstrb;
    t->s_axil_wvalid = in->wvalid;
    t->s_axil_bready = in->bready;
    t->s_axil_araddr = in->araddr;
    t->s_axil_arvalid = in->arvalid;
    t->s_axil_rready = in->rready;
#endif
    s->half_cycle(0);
#if defined(MOD_ICX)
    out->s_arready = t->s_axi_arready;
    out->s_rdata = t->s_axi_rdata;
    out->s_rresp = t->s_axi_rresp;
    out->s_rlast = t->s_axi_rlast;
    out->s_rvalid = t->s_axi_rvalid;
    out->s_awready = t->s_axi_awready;
    out->s_wready = t->s_axi_wready;
    out->s_bresp = t->s_axi_bresp;
    out->s_bvalid = t->s_axi_bvalid;
    out->m_awid = t->m_axi_awid;
    out->m_awaddr = t->m_axi_awaddr;
    out->m_awlen = t->m_axi_awlen;
    out->m_awsize = t->m_axi_awsize;
    out->m_awburst = t->m_axi_awburst;
    out->m_awvalid = t->m_axi_awvalid;
    out->m_wdata = t->m_axi_wdata;
    out->m_wstrb = t->m_axi_wstrb;
    out->m_wlast = t->m_axi_wlast;
    out->m_wvalid = t->m_axi_wvalid;
    out->m_bready = t->m_axi_bready;
    out->m_arid = t->m_axi_arid;
    out->m_araddr = t->m_axi_araddr;
    out->m_arlen = t->m_axi_arlen;
    out->m_arsize = t->m_axi_arsize;
    out->m_arburst = t->m_axi_arburst;
    out->m_arvalid = t->m_axi_arvalid;
    out->m_rready = t->m_axi_rready;
#elif defined(MOD_CPL)
    out->in_ready = t->in_ready;
    out->ev_cpl = t->ev_cpl;
    out->ev_drop = t->ev_drop;
    out->ev_queue = t->ev_queue;
    out->ev_len = t->ev_len;
    out->ev_errors = t->ev_errors;
    out->ev_verdict = t->ev_verdict;
    out->ev_tag = t->ev_tag;
    out->ev_fail = t->ev_fail;
    out->ev_fail_queue = t->ev_fail_queue;
    out->ev_fail_index = t->ev_fail_index;
    {
        uint32_t w[(12 * CPL_NQ + 31) / 32 + 1] = {0};
        get(t->head, w);
        for (int q = 0; q < P_NQ; q++) out->head[q] = (uint16_t)field(w, q, 12);
    }
    out->idle = t->idle;
    out->m_awaddr = t->m_axi_awaddr;
    out->m_awlen = t->m_axi_awlen;
    out->m_awvalid = t->m_axi_awvalid;
    out->m_wdata = t->m_axi_wdata;
    out->m_wstrb = t->m_axi_wstrb;
    out->m_wlast = t->m_axi_wlast;
    out->m_wvalid = t->m_axi_wvalid;
    out->m_bready = t->m_axi_bready;
#elif defined(MOD_CSR)
    out->awready = t->s_axil_awready;
    out->wready = t->s_axil_wready;
    out->bresp = t->s_axil_bresp;
    out->bvalid = t->s_axil_bvalid;
    out->arready = t->s_axil_arready;
    out->rdata = t->s_axil_rdata;
    out->rresp = t->s_axil_rresp;
    out->rvalid = t->s_axil_rvalid;
#endif
    s->half_cycle(1);
    return s->take_failure();
}

}  // extern "C"
