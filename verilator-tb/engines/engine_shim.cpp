// extern "C" shim for one verilated offload engine. Compiled once per variant
// with VTOP (the verilated class), VHDR (its header), FN(x) (the C symbol
// prefix) and ENGINE_TX, ENGINE_RX or ENGINE_RSS. Layouts match src/ffi.rs.
// FN(step) returns 1 when an assertion (a checker of hdl/check/ bound to the
// engine's ports, or the engine's own) failed in that cycle; FN(error) gives
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
template <std::size_t N>
void get(const VlWide<N>& d, uint32_t* w) { for (std::size_t i = 0; i < N; i++) w[i] = d[i]; }
void get(const QData& d, uint32_t* w) { w[0] = (uint32_t)d; w[1] = (uint32_t)(d >> 32); }

}  // namespace

extern "C" {

struct EngineInputs {
    uint32_t s_tdata[16];
    uint64_t s_tkeep;
    uint16_t cmd_csum_start;
    uint16_t cmd_csum_offset;
    uint8_t rst;
    uint8_t s_tvalid;
    uint8_t s_tlast;
    uint8_t s_tuser;
    uint8_t m_tready;
    uint8_t cmd_valid;
    uint8_t cmd_csum_en;
    uint8_t enable;
    uint8_t res_ready;
    // ENGINE_RSS only
    uint32_t key[10];
    uint16_t tbl_queue;
    uint8_t tbl_we;
    uint8_t tbl_index;
};

struct EngineOutputs {
    uint32_t m_tdata[16];
    uint64_t m_tkeep;
    uint16_t res_csum;
    uint8_t s_tready;
    uint8_t m_tvalid;
    uint8_t m_tlast;
    uint8_t m_tuser;
    uint8_t cmd_ready;
    uint8_t stat_csum_ready;
    uint8_t res_valid;
    uint8_t res_verdict;
    // ENGINE_RSS only
    uint32_t res_hash;
    uint16_t res_queue;
    uint8_t res_type;
};

struct FN(sim) : VlModel<VTOP> {
    FN(sim)() : VlModel<VTOP>("engine") {}
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

uint8_t FN(step)(FN(sim)* s, const EngineInputs* in, EngineOutputs* out) {
    VTOP* t = s->top.get();
    s->use_context();
    t->rst = in->rst;
    put(t->s_axis_tdata, in->s_tdata);
    t->s_axis_tkeep = in->s_tkeep;
    t->s_axis_tvalid = in->s_tvalid;
    t->s_axis_tlast = in->s_tlast;
    t->s_axis_tuser = in->s_tuser;
    t->m_axis_tready = in->m_tready;
#ifdef ENGINE_TX
    t->s_axis_cmd_valid = in->cmd_valid;
    t->s_axis_cmd_csum_en = in->cmd_csum_en;
    t->s_axis_cmd_csum_start = in->cmd_csum_start;
    t->s_axis_cmd_csum_offset = in->cmd_csum_offset;
#elif defined(ENGINE_RSS)
    put(t->key, in->key);
    t->tbl_we = in->tbl_we;
    t->tbl_index = in->tbl_index;
    t->tbl_queue = in->tbl_queue;
    t->m_axis_res_ready = in->res_ready;
#else
    t->enable = in->enable;
    t->m_axis_res_ready = in->res_ready;
#endif
    s->half_cycle(0);
    get(t->m_axis_tdata, out->m_tdata);
    out->m_tkeep = t->m_axis_tkeep;
    out->s_tready = t->s_axis_tready;
    out->m_tvalid = t->m_axis_tvalid;
    out->m_tlast = t->m_axis_tlast;
    out->m_tuser = t->m_axis_tuser;
#ifdef ENGINE_TX
    out->cmd_ready = t->s_axis_cmd_ready;
    out->stat_csum_ready = t->stat_csum_ready;
#elif defined(ENGINE_RSS)
    out->res_valid = t->m_axis_res_valid;
    out->res_hash = t->m_axis_res_hash;
    out->res_type = t->m_axis_res_type;
    out->res_queue = t->m_axis_res_queue;
#else
    out->res_valid = t->m_axis_res_valid;
    out->res_verdict = t->m_axis_res_verdict;
    out->res_csum = t->m_axis_res_csum;
#endif
    s->half_cycle(1);
    return s->take_failure();
}

}  // extern "C"
