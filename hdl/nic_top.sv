`resetall
`timescale 1ns / 1ps
`default_nettype none

// The NIC: BAR0 registers (nic_csr), the TX and RX queue engines, the checksum engines, two DMA
// interconnects and the MAC loopback mux.
//
// DMA leaves on two AXI4 masters, each joining one port of each queue engine (ID 0: TX, 1: RX):
//   m_axi_*     data: TX frame-buffer reads, RX frame-buffer writes (the bulk of the bytes)
//   m_axi_ctl_* control: descriptor reads and completion-record writes of both engines
// so descriptor fetches and completion writes never wait behind frame bursts on the same channel.
// A shell joins both into its PCIe DMA engine, or maps them to two of its DMA queues (docs/hardware.md).
//
// NUM_QUEUES TX and RX queues (the contract's NUM_TXQ in the default build): one TX engine and one
// RX engine serve all of them.
//
// Streams:
//   TX engine -> nic_tx_csum (command from the TX engine, patches when csum_en) -> loopback mux
//   loopback mux -> nic_rx_csum (enable = FEATURES.RX_CSUM) -> nic_rx_rss (hash, queue) ->
//   nic_rx_buffer (whole frames, with both results as metadata) -> RX engine
//
// MAC loopback (CTRL.LOOPBACK): the TX checksum engine's output feeds the RX checksum engine's
// input directly; m_axis_tx_tvalid is held 0 and s_axis_rx_tready is held 0. Otherwise the TX side
// drives m_axis_tx_* and s_axis_rx_* feeds the RX side. The mux is combinational; LOOPBACK is only
// changed while both queues are idle (docs/nic.md, Control).
//
// DATA_W (64 or 512) is the width of the whole datapath: the AXI4 DMA data bus (beats of DATA_W/8
// bytes, INCR bursts of at most 16 beats, never across 4 KiB), the MAC TX and RX streams and every
// stream and DMA port in between. What the host sees is the same at every width (docs/nic.md).
//
// CTRL.RESET: nic_csr resets its registers and pulses soft_rst, which resets the queue engines, the
// checksum engines and the interconnect together with rst.
module nic_top #(
  parameter int DATA_W     = 64,   // datapath width, bits: 64 or 512 (AXI4 DMA data, MAC streams)
  parameter int NUM_QUEUES = int'(nic_pkg::NUM_TXQ),
  localparam int KW = DATA_W / 8,
  localparam int N  = NUM_QUEUES,
  localparam int QW = (N > 1) ? $clog2(N) : 1
) (
  input  wire         clk,
  input  wire         rst,
  input  wire  [63:0] now_ns,

  // BAR0, AXI4-Lite slave
  input  wire  [11:0] s_axil_awaddr,
  input  wire         s_axil_awvalid,
  output wire         s_axil_awready,
  input  wire  [31:0] s_axil_wdata,
  input  wire  [3:0]  s_axil_wstrb,
  input  wire         s_axil_wvalid,
  output wire         s_axil_wready,
  output wire  [1:0]  s_axil_bresp,
  output wire         s_axil_bvalid,
  input  wire         s_axil_bready,
  input  wire  [11:0] s_axil_araddr,
  input  wire         s_axil_arvalid,
  output wire         s_axil_arready,
  output wire  [31:0] s_axil_rdata,
  output wire  [1:0]  s_axil_rresp,
  output wire         s_axil_rvalid,
  input  wire         s_axil_rready,

  // DMA data (frame buffers: TX reads, RX writes), AXI4 master
  output wire  [0:0]  m_axi_awid,
  output wire  [63:0] m_axi_awaddr,
  output wire  [7:0]  m_axi_awlen,
  output wire  [2:0]  m_axi_awsize,
  output wire  [1:0]  m_axi_awburst,
  output wire         m_axi_awvalid,
  input  wire         m_axi_awready,
  output wire  [DATA_W-1:0] m_axi_wdata,
  output wire  [KW-1:0]  m_axi_wstrb,
  output wire         m_axi_wlast,
  output wire         m_axi_wvalid,
  input  wire         m_axi_wready,
  input  wire  [0:0]  m_axi_bid,
  input  wire  [1:0]  m_axi_bresp,
  input  wire         m_axi_bvalid,
  output wire         m_axi_bready,
  output wire  [0:0]  m_axi_arid,
  output wire  [63:0] m_axi_araddr,
  output wire  [7:0]  m_axi_arlen,
  output wire  [2:0]  m_axi_arsize,
  output wire  [1:0]  m_axi_arburst,
  output wire         m_axi_arvalid,
  input  wire         m_axi_arready,
  input  wire  [0:0]  m_axi_rid,
  input  wire  [DATA_W-1:0] m_axi_rdata,
  input  wire  [1:0]  m_axi_rresp,
  input  wire         m_axi_rlast,
  input  wire         m_axi_rvalid,
  output wire         m_axi_rready,

  // DMA control (descriptor reads, completion writes), AXI4 master
  output wire  [0:0]  m_axi_ctl_awid,
  output wire  [63:0] m_axi_ctl_awaddr,
  output wire  [7:0]  m_axi_ctl_awlen,
  output wire  [2:0]  m_axi_ctl_awsize,
  output wire  [1:0]  m_axi_ctl_awburst,
  output wire         m_axi_ctl_awvalid,
  input  wire         m_axi_ctl_awready,
  output wire  [DATA_W-1:0] m_axi_ctl_wdata,
  output wire  [KW-1:0]  m_axi_ctl_wstrb,
  output wire         m_axi_ctl_wlast,
  output wire         m_axi_ctl_wvalid,
  input  wire         m_axi_ctl_wready,
  input  wire  [0:0]  m_axi_ctl_bid,
  input  wire  [1:0]  m_axi_ctl_bresp,
  input  wire         m_axi_ctl_bvalid,
  output wire         m_axi_ctl_bready,
  output wire  [0:0]  m_axi_ctl_arid,
  output wire  [63:0] m_axi_ctl_araddr,
  output wire  [7:0]  m_axi_ctl_arlen,
  output wire  [2:0]  m_axi_ctl_arsize,
  output wire  [1:0]  m_axi_ctl_arburst,
  output wire         m_axi_ctl_arvalid,
  input  wire         m_axi_ctl_arready,
  input  wire  [0:0]  m_axi_ctl_rid,
  input  wire  [DATA_W-1:0] m_axi_ctl_rdata,
  input  wire  [1:0]  m_axi_ctl_rresp,
  input  wire         m_axi_ctl_rlast,
  input  wire         m_axi_ctl_rvalid,
  output wire         m_axi_ctl_rready,

  // MAC TX, AXI-Stream
  output wire  [DATA_W-1:0] m_axis_tx_tdata,
  output wire  [KW-1:0]  m_axis_tx_tkeep,
  output wire         m_axis_tx_tvalid,
  input  wire         m_axis_tx_tready,
  output wire         m_axis_tx_tlast,
  output wire         m_axis_tx_tuser,

  // MAC RX, AXI-Stream
  input  wire  [DATA_W-1:0] s_axis_rx_tdata,
  input  wire  [KW-1:0]  s_axis_rx_tkeep,
  input  wire         s_axis_rx_tvalid,
  output wire         s_axis_rx_tready,
  input  wire         s_axis_rx_tlast,
  input  wire         s_axis_rx_tuser,

  output wire         irq,
  output wire [2*NUM_QUEUES-1:0] irq_queue   // queue vectors: TX queue q bit q, RX queue q bit N + q
);

  if (DATA_W != 64 && DATA_W != 512) begin : g_width
    $fatal(1, "nic_top: DATA_W must be 64 or 512, not %0d", DATA_W);
  end

  // ---------------------------------------------------------------------------------------------
  // Wires
  // ---------------------------------------------------------------------------------------------

  wire        soft_rst;
  wire        loopback;
  wire        feat_tx_csum;
  wire        feat_rx_csum;
  wire        feat_rxhash;
  wire [319:0] rss_key;
  wire        eng_rst = rst || soft_rst;

  // CSR <-> TX engine (per queue q: the field in [W*q +: W])
  wire [N*64-1:0] tx_cfg_ring_base;
  wire [N*64-1:0] tx_cfg_cpl_base;
  wire [N*13-1:0] tx_cfg_size;
  wire [N-1:0]    tx_q_enable;
  wire [N-1:0]    tx_q_start;
  wire [N*12-1:0] tx_q_tail;
  wire [N*12-1:0] tx_q_head;
  wire [N-1:0]    tx_q_busy;
  wire        tx_ev_halt;
  wire        tx_ev_cpl;
  wire [QW-1:0] tx_ev_cpl_queue;
  wire [31:0] tx_ev_cpl_len;
  wire [15:0] tx_ev_cpl_errors;
  wire        tx_ev_cpl_csum;
  wire        tx_ev_err;
  wire [QW-1:0] tx_ev_err_queue;
  wire [4:0]  tx_ev_err_code;
  wire [15:0] tx_ev_err_index;

  // CSR <-> RX engine
  wire [N*64-1:0] rx_cfg_ring_base;
  wire [N*64-1:0] rx_cfg_cpl_base;
  wire [N*13-1:0] rx_cfg_size;
  wire [N-1:0]    rx_q_enable;
  wire [N-1:0]    rx_q_start;
  wire [N*12-1:0] rx_q_tail;
  wire [N*12-1:0] rx_q_head;
  wire [N-1:0]    rx_q_busy;
  wire        rx_ev_halt;
  wire        rx_ev_cpl;
  wire [QW-1:0] rx_ev_cpl_queue;
  wire [31:0] rx_ev_cpl_len;
  wire [15:0] rx_ev_cpl_errors;
  wire [1:0]  rx_ev_cpl_verdict;
  wire        rx_ev_err;
  wire [QW-1:0] rx_ev_err_queue;
  wire [4:0]  rx_ev_err_code;
  wire [15:0] rx_ev_err_index;
  wire        rx_ev_drop;
  wire        rx_ev_oversize;

  // CSR -> nic_rx_rss indirection table
  wire          tbl_we;
  wire [6:0]    tbl_index;
  wire [QW-1:0] tbl_queue;

  // TX engine: data port (reads) -> u_ic port 0, control port -> u_ic_ctl port 0
  wire [63:0] tx_axi_araddr;
  wire [7:0]  tx_axi_arlen;
  wire        tx_axi_arvalid;
  wire        tx_axi_arready;
  wire [DATA_W-1:0] tx_axi_rdata;
  wire [1:0]  tx_axi_rresp;
  wire        tx_axi_rlast;
  wire        tx_axi_rvalid;
  wire        tx_axi_rready;
  wire [63:0] tx_ctl_araddr;
  wire [7:0]  tx_ctl_arlen;
  wire        tx_ctl_arvalid;
  wire        tx_ctl_arready;
  wire [DATA_W-1:0] tx_ctl_rdata;
  wire [1:0]  tx_ctl_rresp;
  wire        tx_ctl_rlast;
  wire        tx_ctl_rvalid;
  wire        tx_ctl_rready;
  wire [63:0] tx_ctl_awaddr;
  wire [7:0]  tx_ctl_awlen;
  wire        tx_ctl_awvalid;
  wire        tx_ctl_awready;
  wire [DATA_W-1:0] tx_ctl_wdata;
  wire [KW-1:0]  tx_ctl_wstrb;
  wire        tx_ctl_wlast;
  wire        tx_ctl_wvalid;
  wire        tx_ctl_wready;
  wire [1:0]  tx_ctl_bresp;
  wire        tx_ctl_bvalid;
  wire        tx_ctl_bready;

  // RX engine: data port (writes) -> u_ic port 1, control port -> u_ic_ctl port 1
  wire [63:0] rx_axi_awaddr;
  wire [7:0]  rx_axi_awlen;
  wire        rx_axi_awvalid;
  wire        rx_axi_awready;
  wire [DATA_W-1:0] rx_axi_wdata;
  wire [KW-1:0]  rx_axi_wstrb;
  wire        rx_axi_wlast;
  wire        rx_axi_wvalid;
  wire        rx_axi_wready;
  wire [1:0]  rx_axi_bresp;
  wire        rx_axi_bvalid;
  wire        rx_axi_bready;
  wire [63:0] rx_ctl_araddr;
  wire [7:0]  rx_ctl_arlen;
  wire        rx_ctl_arvalid;
  wire        rx_ctl_arready;
  wire [DATA_W-1:0] rx_ctl_rdata;
  wire [1:0]  rx_ctl_rresp;
  wire        rx_ctl_rlast;
  wire        rx_ctl_rvalid;
  wire        rx_ctl_rready;
  wire [63:0] rx_ctl_awaddr;
  wire [7:0]  rx_ctl_awlen;
  wire        rx_ctl_awvalid;
  wire        rx_ctl_awready;
  wire [DATA_W-1:0] rx_ctl_wdata;
  wire [KW-1:0]  rx_ctl_wstrb;
  wire        rx_ctl_wlast;
  wire        rx_ctl_wvalid;
  wire        rx_ctl_wready;
  wire [1:0]  rx_ctl_bresp;
  wire        rx_ctl_bvalid;
  wire        rx_ctl_bready;

  // TX engine stream out and checksum command -> nic_tx_csum
  wire [DATA_W-1:0] txe_axis_tdata;
  wire [KW-1:0]  txe_axis_tkeep;
  wire        txe_axis_tvalid;
  wire        txe_axis_tready;
  wire        txe_axis_tlast;
  wire        txe_axis_tuser;
  wire        txe_cmd_valid;
  wire        txe_cmd_ready;
  wire        txe_cmd_csum_en;
  wire [15:0] txe_cmd_csum_start;
  wire [15:0] txe_cmd_csum_offset;

  // nic_tx_csum out (to the loopback mux), loopback mux out (to nic_rx_csum)
  wire [DATA_W-1:0] tx_axis_tdata;
  wire [KW-1:0]  tx_axis_tkeep;
  wire        tx_axis_tvalid;
  wire        tx_axis_tready;
  wire        tx_axis_tlast;
  wire        tx_axis_tuser;
  wire [DATA_W-1:0] rx_axis_tdata;
  wire [KW-1:0]  rx_axis_tkeep;
  wire        rx_axis_tvalid;
  wire        rx_axis_tready;
  wire        rx_axis_tlast;
  wire        rx_axis_tuser;

  // nic_rx_csum out -> nic_rx_rss in
  wire [DATA_W-1:0] rsi_axis_tdata;
  wire [KW-1:0]  rsi_axis_tkeep;
  wire        rsi_axis_tvalid;
  wire        rsi_axis_tready;
  wire        rsi_axis_tlast;
  wire        rsi_axis_tuser;
  // nic_rx_rss result -> nic_rx_buffer
  wire        rss_res_valid;
  wire        rss_res_ready;
  wire [31:0] rss_res_hash;
  wire [3:0]  rss_res_type;
  wire [QW-1:0] rss_res_queue;

  // nic_rx_rss out -> nic_rx_buffer; nic_rx_csum result channel -> nic_rx_buffer
  wire [DATA_W-1:0] rsb_axis_tdata;
  wire [KW-1:0]  rsb_axis_tkeep;
  wire        rsb_axis_tvalid;
  wire        rsb_axis_tready;
  wire        rsb_axis_tlast;
  wire        rsb_axis_tuser;
  wire        rxe_res_valid;
  wire        rxe_res_ready;
  wire [1:0]  rxe_res_verdict;
  wire [15:0] rxe_res_csum;

  // nic_rx_buffer -> RX engine: whole frames and their metadata
  wire [DATA_W-1:0] rxe_axis_tdata;
  wire [KW-1:0]  rxe_axis_tkeep;
  wire        rxe_axis_tvalid;
  wire        rxe_axis_tready;
  wire        rxe_axis_tlast;
  wire        rxe_axis_tuser;
  wire        meta_valid;
  wire        meta_ready;
  wire [QW-1:0] meta_queue;
  wire [31:0] meta_hash;
  wire [3:0]  meta_type;
  wire [1:0]  meta_verdict;
  wire [15:0] meta_csum;

  // stat_csum_ready is for latency measurement in the engine's own tests; unused here.
  wire        tx_csum_stat_ready;

  // q_busy is part of the engine interface; nothing in the CSR needs it yet.
  wire        unused_busy = ^tx_q_busy ^ ^rx_q_busy ^ tx_csum_stat_ready;

  // ---------------------------------------------------------------------------------------------
  // MAC loopback mux
  // ---------------------------------------------------------------------------------------------

  assign m_axis_tx_tdata = tx_axis_tdata;
  assign m_axis_tx_tkeep = tx_axis_tkeep;
  assign m_axis_tx_tvalid = tx_axis_tvalid && !loopback;
  assign m_axis_tx_tlast = tx_axis_tlast;
  assign m_axis_tx_tuser = tx_axis_tuser;
  assign tx_axis_tready = loopback ? rx_axis_tready : m_axis_tx_tready;

  assign rx_axis_tdata = loopback ? tx_axis_tdata : s_axis_rx_tdata;
  assign rx_axis_tkeep = loopback ? tx_axis_tkeep : s_axis_rx_tkeep;
  assign rx_axis_tvalid = loopback ? tx_axis_tvalid : s_axis_rx_tvalid;
  assign rx_axis_tlast = loopback ? tx_axis_tlast : s_axis_rx_tlast;
  assign rx_axis_tuser = loopback ? tx_axis_tuser : s_axis_rx_tuser;
  assign s_axis_rx_tready = rx_axis_tready && !loopback;

  // ---------------------------------------------------------------------------------------------
  // Instances
  // ---------------------------------------------------------------------------------------------

  nic_csr #(.NUM_QUEUES(N)) u_csr (
    .clk              (clk),
    .rst              (rst),
    .now_ns           (now_ns),
    .s_axil_awaddr    (s_axil_awaddr),
    .s_axil_awvalid   (s_axil_awvalid),
    .s_axil_awready   (s_axil_awready),
    .s_axil_wdata     (s_axil_wdata),
    .s_axil_wstrb     (s_axil_wstrb),
    .s_axil_wvalid    (s_axil_wvalid),
    .s_axil_wready    (s_axil_wready),
    .s_axil_bresp     (s_axil_bresp),
    .s_axil_bvalid    (s_axil_bvalid),
    .s_axil_bready    (s_axil_bready),
    .s_axil_araddr    (s_axil_araddr),
    .s_axil_arvalid   (s_axil_arvalid),
    .s_axil_arready   (s_axil_arready),
    .s_axil_rdata     (s_axil_rdata),
    .s_axil_rresp     (s_axil_rresp),
    .s_axil_rvalid    (s_axil_rvalid),
    .s_axil_rready    (s_axil_rready),
    .soft_rst         (soft_rst),
    .loopback         (loopback),
    .irq              (irq),
    .irq_queue        (irq_queue),
    .feat_tx_csum     (feat_tx_csum),
    .feat_rx_csum     (feat_rx_csum),
    .feat_rxhash      (feat_rxhash),
    .rss_key          (rss_key),
    .tbl_we           (tbl_we),
    .tbl_index        (tbl_index),
    .tbl_queue        (tbl_queue),
    .tx_cfg_ring_base (tx_cfg_ring_base),
    .tx_cfg_cpl_base  (tx_cfg_cpl_base),
    .tx_cfg_size      (tx_cfg_size),
    .tx_q_enable      (tx_q_enable),
    .tx_q_start       (tx_q_start),
    .tx_q_tail        (tx_q_tail),
    .tx_q_head        (tx_q_head),
    .tx_ev_halt       (tx_ev_halt),
    .tx_ev_cpl        (tx_ev_cpl),
    .tx_ev_cpl_queue  (tx_ev_cpl_queue),
    .tx_ev_cpl_len    (tx_ev_cpl_len),
    .tx_ev_cpl_errors (tx_ev_cpl_errors),
    .tx_ev_cpl_csum   (tx_ev_cpl_csum),
    .tx_ev_err        (tx_ev_err),
    .tx_ev_err_queue  (tx_ev_err_queue),
    .tx_ev_err_code   (tx_ev_err_code),
    .tx_ev_err_index  (tx_ev_err_index),
    .rx_cfg_ring_base (rx_cfg_ring_base),
    .rx_cfg_cpl_base  (rx_cfg_cpl_base),
    .rx_cfg_size      (rx_cfg_size),
    .rx_q_enable      (rx_q_enable),
    .rx_q_start       (rx_q_start),
    .rx_q_tail        (rx_q_tail),
    .rx_q_head        (rx_q_head),
    .rx_ev_halt       (rx_ev_halt),
    .rx_ev_cpl        (rx_ev_cpl),
    .rx_ev_cpl_queue  (rx_ev_cpl_queue),
    .rx_ev_cpl_len    (rx_ev_cpl_len),
    .rx_ev_cpl_errors (rx_ev_cpl_errors),
    .rx_ev_cpl_verdict(rx_ev_cpl_verdict),
    .rx_ev_err        (rx_ev_err),
    .rx_ev_err_queue  (rx_ev_err_queue),
    .rx_ev_err_code   (rx_ev_err_code),
    .rx_ev_err_index  (rx_ev_err_index),
    .rx_ev_drop       (rx_ev_drop),
    .rx_ev_oversize   (rx_ev_oversize)
  );

  nic_tx_engine #(.NQ(N), .DATA_W(DATA_W)) u_tx (
    .clk            (clk),
    .rst            (eng_rst),
    .cfg_ring_base  (tx_cfg_ring_base),
    .cfg_cpl_base   (tx_cfg_cpl_base),
    .cfg_size       (tx_cfg_size),
    .q_enable       (tx_q_enable),
    .q_start        (tx_q_start),
    .feat_tx_csum   (feat_tx_csum),
    .q_tail         (tx_q_tail),
    .q_head         (tx_q_head),
    .q_busy         (tx_q_busy),
    .ev_halt        (tx_ev_halt),
    .ev_cpl         (tx_ev_cpl),
    .ev_cpl_queue   (tx_ev_cpl_queue),
    .ev_cpl_len     (tx_ev_cpl_len),
    .ev_cpl_errors  (tx_ev_cpl_errors),
    .ev_cpl_csum    (tx_ev_cpl_csum),
    .ev_err         (tx_ev_err),
    .ev_err_queue   (tx_ev_err_queue),
    .ev_err_code    (tx_ev_err_code),
    .ev_err_index   (tx_ev_err_index),
    .m_axi_araddr      (tx_axi_araddr),
    .m_axi_arlen       (tx_axi_arlen),
    .m_axi_arvalid     (tx_axi_arvalid),
    .m_axi_arready     (tx_axi_arready),
    .m_axi_rdata       (tx_axi_rdata),
    .m_axi_rresp       (tx_axi_rresp),
    .m_axi_rlast       (tx_axi_rlast),
    .m_axi_rvalid      (tx_axi_rvalid),
    .m_axi_rready      (tx_axi_rready),
    .m_axi_ctl_araddr  (tx_ctl_araddr),
    .m_axi_ctl_arlen   (tx_ctl_arlen),
    .m_axi_ctl_arvalid (tx_ctl_arvalid),
    .m_axi_ctl_arready (tx_ctl_arready),
    .m_axi_ctl_rdata   (tx_ctl_rdata),
    .m_axi_ctl_rresp   (tx_ctl_rresp),
    .m_axi_ctl_rlast   (tx_ctl_rlast),
    .m_axi_ctl_rvalid  (tx_ctl_rvalid),
    .m_axi_ctl_rready  (tx_ctl_rready),
    .m_axi_ctl_awaddr  (tx_ctl_awaddr),
    .m_axi_ctl_awlen   (tx_ctl_awlen),
    .m_axi_ctl_awvalid (tx_ctl_awvalid),
    .m_axi_ctl_awready (tx_ctl_awready),
    .m_axi_ctl_wdata   (tx_ctl_wdata),
    .m_axi_ctl_wstrb   (tx_ctl_wstrb),
    .m_axi_ctl_wlast   (tx_ctl_wlast),
    .m_axi_ctl_wvalid  (tx_ctl_wvalid),
    .m_axi_ctl_wready  (tx_ctl_wready),
    .m_axi_ctl_bresp   (tx_ctl_bresp),
    .m_axi_ctl_bvalid  (tx_ctl_bvalid),
    .m_axi_ctl_bready  (tx_ctl_bready),
    .m_axis_tdata   (txe_axis_tdata),
    .m_axis_tkeep   (txe_axis_tkeep),
    .m_axis_tvalid  (txe_axis_tvalid),
    .m_axis_tready  (txe_axis_tready),
    .m_axis_tlast   (txe_axis_tlast),
    .m_axis_tuser   (txe_axis_tuser),
    .m_axis_cmd_valid       (txe_cmd_valid),
    .m_axis_cmd_ready       (txe_cmd_ready),
    .m_axis_cmd_csum_en     (txe_cmd_csum_en),
    .m_axis_cmd_csum_start  (txe_cmd_csum_start),
    .m_axis_cmd_csum_offset (txe_cmd_csum_offset)
  );

  nic_tx_csum #(
    .DATA_W (DATA_W)
  ) u_tx_csum (
    .clk                    (clk),
    .rst                    (eng_rst),
    .s_axis_cmd_valid       (txe_cmd_valid),
    .s_axis_cmd_ready       (txe_cmd_ready),
    .s_axis_cmd_csum_en     (txe_cmd_csum_en),
    .s_axis_cmd_csum_start  (txe_cmd_csum_start),
    .s_axis_cmd_csum_offset (txe_cmd_csum_offset),
    .s_axis_tdata           (txe_axis_tdata),
    .s_axis_tkeep           (txe_axis_tkeep),
    .s_axis_tvalid          (txe_axis_tvalid),
    .s_axis_tready          (txe_axis_tready),
    .s_axis_tlast           (txe_axis_tlast),
    .s_axis_tuser           (txe_axis_tuser),
    .m_axis_tdata           (tx_axis_tdata),
    .m_axis_tkeep           (tx_axis_tkeep),
    .m_axis_tvalid          (tx_axis_tvalid),
    .m_axis_tready          (tx_axis_tready),
    .m_axis_tlast           (tx_axis_tlast),
    .m_axis_tuser           (tx_axis_tuser),
    .stat_csum_ready        (tx_csum_stat_ready)
  );

  nic_rx_csum #(
    .DATA_W (DATA_W)
  ) u_rx_csum (
    .clk                (clk),
    .rst                (eng_rst),
    .enable             (feat_rx_csum),
    .s_axis_tdata       (rx_axis_tdata),
    .s_axis_tkeep       (rx_axis_tkeep),
    .s_axis_tvalid      (rx_axis_tvalid),
    .s_axis_tready      (rx_axis_tready),
    .s_axis_tlast       (rx_axis_tlast),
    .s_axis_tuser       (rx_axis_tuser),
    .m_axis_tdata       (rsi_axis_tdata),
    .m_axis_tkeep       (rsi_axis_tkeep),
    .m_axis_tvalid      (rsi_axis_tvalid),
    .m_axis_tready      (rsi_axis_tready),
    .m_axis_tlast       (rsi_axis_tlast),
    .m_axis_tuser       (rsi_axis_tuser),
    .m_axis_res_valid   (rxe_res_valid),
    .m_axis_res_ready   (rxe_res_ready),
    .m_axis_res_verdict (rxe_res_verdict),
    .m_axis_res_csum    (rxe_res_csum)
  );

  // RSS: the Toeplitz hash of every frame's flow under RSS_KEY, and its queue from RSS_INDIR.
  nic_rx_rss #(
    .DATA_W  (DATA_W),
    .QUEUE_W (QW)
  ) u_rx_rss (
    .clk              (clk),
    .rst              (eng_rst),
    .key              (rss_key),
    .tbl_we           (tbl_we),
    .tbl_index        (tbl_index),
    .tbl_queue        (tbl_queue),
    .s_axis_tdata     (rsi_axis_tdata),
    .s_axis_tkeep     (rsi_axis_tkeep),
    .s_axis_tvalid    (rsi_axis_tvalid),
    .s_axis_tready    (rsi_axis_tready),
    .s_axis_tlast     (rsi_axis_tlast),
    .s_axis_tuser     (rsi_axis_tuser),
    .m_axis_tdata     (rsb_axis_tdata),
    .m_axis_tkeep     (rsb_axis_tkeep),
    .m_axis_tvalid    (rsb_axis_tvalid),
    .m_axis_tready    (rsb_axis_tready),
    .m_axis_tlast     (rsb_axis_tlast),
    .m_axis_tuser     (rsb_axis_tuser),
    .m_axis_res_valid (rss_res_valid),
    .m_axis_res_ready (rss_res_ready),
    .m_axis_res_hash  (rss_res_hash),
    .m_axis_res_type  (rss_res_type),
    .m_axis_res_queue (rss_res_queue)
  );

  // Whole frames: the RX engine learns each frame's queue before its first beat.
  nic_rx_buffer #(
    .DATA_W  (DATA_W),
    .QUEUE_W (QW)
  ) u_rx_buf (
    .clk            (clk),
    .rst            (eng_rst),
    .s_axis_tdata   (rsb_axis_tdata),
    .s_axis_tkeep   (rsb_axis_tkeep),
    .s_axis_tvalid  (rsb_axis_tvalid),
    .s_axis_tready  (rsb_axis_tready),
    .s_axis_tlast   (rsb_axis_tlast),
    .s_axis_tuser   (rsb_axis_tuser),
    .s_csum_valid   (rxe_res_valid),
    .s_csum_ready   (rxe_res_ready),
    .s_csum_verdict (rxe_res_verdict),
    .s_csum_sum     (rxe_res_csum),
    .s_rss_valid    (rss_res_valid),
    .s_rss_ready    (rss_res_ready),
    .s_rss_hash     (rss_res_hash),
    .s_rss_type     (rss_res_type),
    .s_rss_queue    (rss_res_queue),
    .m_axis_tdata   (rxe_axis_tdata),
    .m_axis_tkeep   (rxe_axis_tkeep),
    .m_axis_tvalid  (rxe_axis_tvalid),
    .m_axis_tready  (rxe_axis_tready),
    .m_axis_tlast   (rxe_axis_tlast),
    .m_axis_tuser   (rxe_axis_tuser),
    .m_meta_valid   (meta_valid),
    .m_meta_ready   (meta_ready),
    .m_meta_queue   (meta_queue),
    .m_meta_hash    (meta_hash),
    .m_meta_type    (meta_type),
    .m_meta_verdict (meta_verdict),
    .m_meta_csum    (meta_csum),
    .ev_oversize    (rx_ev_oversize)
  );

  nic_rx_engine #(.NQ(N), .DATA_W(DATA_W)) u_rx (
    .clk            (clk),
    .rst            (eng_rst),
    .cfg_ring_base  (rx_cfg_ring_base),
    .cfg_cpl_base   (rx_cfg_cpl_base),
    .cfg_size       (rx_cfg_size),
    .q_enable       (rx_q_enable),
    .q_start        (rx_q_start),
    .q_tail         (rx_q_tail),
    .q_head         (rx_q_head),
    .q_busy         (rx_q_busy),
    .ev_halt        (rx_ev_halt),
    .ev_cpl         (rx_ev_cpl),
    .ev_cpl_queue   (rx_ev_cpl_queue),
    .ev_cpl_len     (rx_ev_cpl_len),
    .ev_cpl_errors  (rx_ev_cpl_errors),
    .ev_cpl_verdict (rx_ev_cpl_verdict),
    .ev_err         (rx_ev_err),
    .ev_err_queue   (rx_ev_err_queue),
    .ev_err_code    (rx_ev_err_code),
    .ev_err_index   (rx_ev_err_index),
    .ev_drop        (rx_ev_drop),
    .m_axi_ctl_araddr  (rx_ctl_araddr),
    .m_axi_ctl_arlen   (rx_ctl_arlen),
    .m_axi_ctl_arvalid (rx_ctl_arvalid),
    .m_axi_ctl_arready (rx_ctl_arready),
    .m_axi_ctl_rdata   (rx_ctl_rdata),
    .m_axi_ctl_rresp   (rx_ctl_rresp),
    .m_axi_ctl_rlast   (rx_ctl_rlast),
    .m_axi_ctl_rvalid  (rx_ctl_rvalid),
    .m_axi_ctl_rready  (rx_ctl_rready),
    .m_axi_ctl_awaddr  (rx_ctl_awaddr),
    .m_axi_ctl_awlen   (rx_ctl_awlen),
    .m_axi_ctl_awvalid (rx_ctl_awvalid),
    .m_axi_ctl_awready (rx_ctl_awready),
    .m_axi_ctl_wdata   (rx_ctl_wdata),
    .m_axi_ctl_wstrb   (rx_ctl_wstrb),
    .m_axi_ctl_wlast   (rx_ctl_wlast),
    .m_axi_ctl_wvalid  (rx_ctl_wvalid),
    .m_axi_ctl_wready  (rx_ctl_wready),
    .m_axi_ctl_bresp   (rx_ctl_bresp),
    .m_axi_ctl_bvalid  (rx_ctl_bvalid),
    .m_axi_ctl_bready  (rx_ctl_bready),
    .m_axi_awaddr      (rx_axi_awaddr),
    .m_axi_awlen       (rx_axi_awlen),
    .m_axi_awvalid     (rx_axi_awvalid),
    .m_axi_awready     (rx_axi_awready),
    .m_axi_wdata       (rx_axi_wdata),
    .m_axi_wstrb       (rx_axi_wstrb),
    .m_axi_wlast       (rx_axi_wlast),
    .m_axi_wvalid      (rx_axi_wvalid),
    .m_axi_wready      (rx_axi_wready),
    .m_axi_bresp       (rx_axi_bresp),
    .m_axi_bvalid      (rx_axi_bvalid),
    .m_axi_bready      (rx_axi_bready),
    .s_axis_tdata   (rxe_axis_tdata),
    .s_axis_tkeep   (rxe_axis_tkeep),
    .s_axis_tvalid  (rxe_axis_tvalid),
    .s_axis_tready  (rxe_axis_tready),
    .s_axis_tlast   (rxe_axis_tlast),
    .s_axis_tuser   (rxe_axis_tuser),
    .feat_rxhash         (feat_rxhash),
    .s_axis_meta_valid   (meta_valid),
    .s_axis_meta_ready   (meta_ready),
    .s_axis_meta_queue   (meta_queue),
    .s_axis_meta_hash    (meta_hash),
    .s_axis_meta_type    (meta_type),
    .s_axis_meta_verdict (meta_verdict),
    .s_axis_meta_csum    (meta_csum)
  );

  // DMA clients -> interconnects. Data (u_ic): port 0 the TX engine's buffer reads, port 1 the RX
  // engine's buffer writes; the unused halves of both ports are tied idle. Control (u_ic_ctl):
  // port 0 the TX engine's descriptor reads and completion writes, port 1 the RX engine's.
  wire [DATA_W-1:0] ic_rdata, icc_rdata;
  wire [1:0]  ic_rresp, ic_bresp, icc_rresp, icc_bresp;
  wire        ic_rlast, icc_rlast;
  wire        ic_rx_arready, ic_rx_rvalid, ic_tx_awready, ic_tx_wready, ic_tx_bvalid;
  assign tx_axi_rdata = ic_rdata;
  assign tx_axi_rresp = ic_rresp;
  assign tx_axi_rlast = ic_rlast;
  assign rx_axi_bresp = ic_bresp;
  assign tx_ctl_rdata = icc_rdata;
  assign tx_ctl_rresp = icc_rresp;
  assign tx_ctl_rlast = icc_rlast;
  assign rx_ctl_rdata = icc_rdata;
  assign rx_ctl_rresp = icc_rresp;
  assign rx_ctl_rlast = icc_rlast;
  assign tx_ctl_bresp = icc_bresp;
  assign rx_ctl_bresp = icc_bresp;
  // The data interconnect's unused directions: never requested, so never answered.
  wire        unused_ic = ic_rx_arready ^ ic_rx_rvalid ^ ic_tx_awready ^ ic_tx_wready ^ ic_tx_bvalid;

  nic_axi_interconnect #(.NPORTS(2), .ID_W(1), .DATA_W(DATA_W)) u_ic (
    .clk           (clk),
    .rst           (eng_rst),
    .s_axi_araddr  ({64'd0, tx_axi_araddr}),
    .s_axi_arlen   ({8'd0, tx_axi_arlen}),
    .s_axi_arvalid ({1'b0, tx_axi_arvalid}),
    .s_axi_arready ({ic_rx_arready, tx_axi_arready}),
    .s_axi_rdata   (ic_rdata),
    .s_axi_rresp   (ic_rresp),
    .s_axi_rlast   (ic_rlast),
    .s_axi_rvalid  ({ic_rx_rvalid, tx_axi_rvalid}),
    .s_axi_rready  ({1'b1, tx_axi_rready}),
    .s_axi_awaddr  ({rx_axi_awaddr, 64'd0}),
    .s_axi_awlen   ({rx_axi_awlen, 8'd0}),
    .s_axi_awvalid ({rx_axi_awvalid, 1'b0}),
    .s_axi_awready ({rx_axi_awready, ic_tx_awready}),
    .s_axi_wdata   ({rx_axi_wdata, DATA_W'(0)}),
    .s_axi_wstrb   ({rx_axi_wstrb, KW'(0)}),
    .s_axi_wlast   ({rx_axi_wlast, 1'b0}),
    .s_axi_wvalid  ({rx_axi_wvalid, 1'b0}),
    .s_axi_wready  ({rx_axi_wready, ic_tx_wready}),
    .s_axi_bresp   (ic_bresp),
    .s_axi_bvalid  ({rx_axi_bvalid, ic_tx_bvalid}),
    .s_axi_bready  ({rx_axi_bready, 1'b1}),
    .m_axi_awid    (m_axi_awid),
    .m_axi_awaddr  (m_axi_awaddr),
    .m_axi_awlen   (m_axi_awlen),
    .m_axi_awsize  (m_axi_awsize),
    .m_axi_awburst (m_axi_awburst),
    .m_axi_awvalid (m_axi_awvalid),
    .m_axi_awready (m_axi_awready),
    .m_axi_wdata   (m_axi_wdata),
    .m_axi_wstrb   (m_axi_wstrb),
    .m_axi_wlast   (m_axi_wlast),
    .m_axi_wvalid  (m_axi_wvalid),
    .m_axi_wready  (m_axi_wready),
    .m_axi_bid     (m_axi_bid),
    .m_axi_bresp   (m_axi_bresp),
    .m_axi_bvalid  (m_axi_bvalid),
    .m_axi_bready  (m_axi_bready),
    .m_axi_arid    (m_axi_arid),
    .m_axi_araddr  (m_axi_araddr),
    .m_axi_arlen   (m_axi_arlen),
    .m_axi_arsize  (m_axi_arsize),
    .m_axi_arburst (m_axi_arburst),
    .m_axi_arvalid (m_axi_arvalid),
    .m_axi_arready (m_axi_arready),
    .m_axi_rid     (m_axi_rid),
    .m_axi_rdata   (m_axi_rdata),
    .m_axi_rresp   (m_axi_rresp),
    .m_axi_rlast   (m_axi_rlast),
    .m_axi_rvalid  (m_axi_rvalid),
    .m_axi_rready  (m_axi_rready)
  );

  nic_axi_interconnect #(.NPORTS(2), .ID_W(1), .DATA_W(DATA_W)) u_ic_ctl (
    .clk           (clk),
    .rst           (eng_rst),
    .s_axi_araddr  ({rx_ctl_araddr, tx_ctl_araddr}),
    .s_axi_arlen   ({rx_ctl_arlen, tx_ctl_arlen}),
    .s_axi_arvalid ({rx_ctl_arvalid, tx_ctl_arvalid}),
    .s_axi_arready ({rx_ctl_arready, tx_ctl_arready}),
    .s_axi_rdata   (icc_rdata),
    .s_axi_rresp   (icc_rresp),
    .s_axi_rlast   (icc_rlast),
    .s_axi_rvalid  ({rx_ctl_rvalid, tx_ctl_rvalid}),
    .s_axi_rready  ({rx_ctl_rready, tx_ctl_rready}),
    .s_axi_awaddr  ({rx_ctl_awaddr, tx_ctl_awaddr}),
    .s_axi_awlen   ({rx_ctl_awlen, tx_ctl_awlen}),
    .s_axi_awvalid ({rx_ctl_awvalid, tx_ctl_awvalid}),
    .s_axi_awready ({rx_ctl_awready, tx_ctl_awready}),
    .s_axi_wdata   ({rx_ctl_wdata, tx_ctl_wdata}),
    .s_axi_wstrb   ({rx_ctl_wstrb, tx_ctl_wstrb}),
    .s_axi_wlast   ({rx_ctl_wlast, tx_ctl_wlast}),
    .s_axi_wvalid  ({rx_ctl_wvalid, tx_ctl_wvalid}),
    .s_axi_wready  ({rx_ctl_wready, tx_ctl_wready}),
    .s_axi_bresp   (icc_bresp),
    .s_axi_bvalid  ({rx_ctl_bvalid, tx_ctl_bvalid}),
    .s_axi_bready  ({rx_ctl_bready, tx_ctl_bready}),
    .m_axi_awid    (m_axi_ctl_awid),
    .m_axi_awaddr  (m_axi_ctl_awaddr),
    .m_axi_awlen   (m_axi_ctl_awlen),
    .m_axi_awsize  (m_axi_ctl_awsize),
    .m_axi_awburst (m_axi_ctl_awburst),
    .m_axi_awvalid (m_axi_ctl_awvalid),
    .m_axi_awready (m_axi_ctl_awready),
    .m_axi_wdata   (m_axi_ctl_wdata),
    .m_axi_wstrb   (m_axi_ctl_wstrb),
    .m_axi_wlast   (m_axi_ctl_wlast),
    .m_axi_wvalid  (m_axi_ctl_wvalid),
    .m_axi_wready  (m_axi_ctl_wready),
    .m_axi_bid     (m_axi_ctl_bid),
    .m_axi_bresp   (m_axi_ctl_bresp),
    .m_axi_bvalid  (m_axi_ctl_bvalid),
    .m_axi_bready  (m_axi_ctl_bready),
    .m_axi_arid    (m_axi_ctl_arid),
    .m_axi_araddr  (m_axi_ctl_araddr),
    .m_axi_arlen   (m_axi_ctl_arlen),
    .m_axi_arsize  (m_axi_ctl_arsize),
    .m_axi_arburst (m_axi_ctl_arburst),
    .m_axi_arvalid (m_axi_ctl_arvalid),
    .m_axi_arready (m_axi_ctl_arready),
    .m_axi_rid     (m_axi_ctl_rid),
    .m_axi_rdata   (m_axi_ctl_rdata),
    .m_axi_rresp   (m_axi_ctl_rresp),
    .m_axi_rlast   (m_axi_ctl_rlast),
    .m_axi_rvalid  (m_axi_ctl_rvalid),
    .m_axi_rready  (m_axi_ctl_rready)
  );

endmodule

`resetall
