// extern "C" shim for hdl/check/nic_check_tb.sv, the checkers' own test bench: every input is
// set from Rust each cycle (layout matches CheckInputs in src/checker.rs). check_tb_step runs one
// cycle and returns 1 when a checker fired; check_tb_error gives its messages.

#include <cstdint>

#include "Vcheck_tb.h"
#include "vl_model.h"

extern "C" {

struct CheckInputs {
    uint64_t awaddr, wdata, araddr, rdata, cfg_cpl_base, tdata, rb_buf_addr;
    uint32_t l_wdata, l_rdata, rb_buf_len;
    uint16_t cfg_size, head, ev_fail_index, l_awaddr, l_araddr;
    uint8_t rst;
    uint8_t awid, awlen, awsize, awburst, awvalid, awready;
    uint8_t wstrb, wlast, wvalid, wready;
    uint8_t bid, bresp, bvalid, bready;
    uint8_t arid, arlen, arsize, arburst, arvalid, arready;
    uint8_t rid, rresp, rlast, rvalid, rready;
    uint8_t cpl_en, ev_fail, rb_en, rb_buf_valid, rb_aw_last;
    uint8_t tkeep, tvalid, tready, tlast, tuser;
    uint8_t l_awvalid, l_awready, l_wstrb, l_wvalid, l_wready, l_bresp, l_bvalid, l_bready;
    uint8_t l_arvalid, l_arready, l_rresp, l_rvalid, l_rready;
    uint8_t h_valid, h_ready, h_payload;
};

struct CheckTb : VlModel<Vcheck_tb> {
    CheckTb() : VlModel<Vcheck_tb>("tb") {}
};

CheckTb* check_tb_new() { return new CheckTb; }

void check_tb_free(CheckTb* s) {
    if (!s) return;
    s->finish("check_tb");
    delete s;
}

const char* check_tb_error(const CheckTb* s) { return s->error.c_str(); }

uint8_t check_tb_step(CheckTb* s, const CheckInputs* i) {
    Vcheck_tb* t = s->top.get();
    s->use_context();
    t->rst = i->rst;
    t->awid = i->awid;
    t->awaddr = i->awaddr;
    t->awlen = i->awlen;
    t->awsize = i->awsize;
    t->awburst = i->awburst;
    t->awvalid = i->awvalid;
    t->awready = i->awready;
    t->wdata = i->wdata;
    t->wstrb = i->wstrb;
    t->wlast = i->wlast;
    t->wvalid = i->wvalid;
    t->wready = i->wready;
    t->bid = i->bid;
    t->bresp = i->bresp;
    t->bvalid = i->bvalid;
    t->bready = i->bready;
    t->arid = i->arid;
    t->araddr = i->araddr;
    t->arlen = i->arlen;
    t->arsize = i->arsize;
    t->arburst = i->arburst;
    t->arvalid = i->arvalid;
    t->arready = i->arready;
    t->rid = i->rid;
    t->rdata = i->rdata;
    t->rresp = i->rresp;
    t->rlast = i->rlast;
    t->rvalid = i->rvalid;
    t->rready = i->rready;
    t->cpl_en = i->cpl_en;
    t->cfg_cpl_base = i->cfg_cpl_base;
    t->cfg_size = i->cfg_size;
    t->head = i->head;
    t->ev_fail = i->ev_fail;
    t->ev_fail_index = i->ev_fail_index;
    t->rb_en = i->rb_en;
    t->rb_buf_valid = i->rb_buf_valid;
    t->rb_buf_addr = i->rb_buf_addr;
    t->rb_buf_len = i->rb_buf_len;
    t->rb_aw_last = i->rb_aw_last;
    t->tdata = i->tdata;
    t->tkeep = i->tkeep;
    t->tvalid = i->tvalid;
    t->tready = i->tready;
    t->tlast = i->tlast;
    t->tuser = i->tuser;
    t->l_awaddr = i->l_awaddr;
    t->l_awvalid = i->l_awvalid;
    t->l_awready = i->l_awready;
    t->l_wdata = i->l_wdata;
    t->l_wstrb = i->l_wstrb;
    t->l_wvalid = i->l_wvalid;
    t->l_wready = i->l_wready;
    t->l_bresp = i->l_bresp;
    t->l_bvalid = i->l_bvalid;
    t->l_bready = i->l_bready;
    t->l_araddr = i->l_araddr;
    t->l_arvalid = i->l_arvalid;
    t->l_arready = i->l_arready;
    t->l_rdata = i->l_rdata;
    t->l_rresp = i->l_rresp;
    t->l_rvalid = i->l_rvalid;
    t->l_rready = i->l_rready;
    t->h_valid = i->h_valid;
    t->h_ready = i->h_ready;
    t->h_payload = i->h_payload;
    s->half_cycle(0);
    s->half_cycle(1);
    return s->take_failure();
}

}  // extern "C"
