`resetall
`timescale 1ns / 1ps
`default_nettype none

// Joins NPORTS ID-less AXI4 masters (the DMA clients: queue engines, and later the offload
// engines) into one AXI4 master whose ID names the port. Every burst is INCR of full-width beats
// (DATA_W/8 bytes: awsize/arsize = clog2(DATA_W/8), 3 at 64 bits, 6 at 512). Adding a DMA client
// adds a port and touches nothing else.
//
// - AR: round-robin among the requesting ports into a held output register (m_axi_ar* are flop
//   outputs, held until accepted); arid = port. R beats go to the port named by rid, beat by
//   beat, so bursts of different IDs may come back interleaved as AXI4 allows; each port sees its
//   own responses in its request order.
// - AW: round-robin into a held output register; awid = port. Each accepted AW pushes its port
//   into a W-order FIFO (WQ_DEPTH entries); W beats are taken from the port at the FIFO's head
//   until its WLAST, then from the next. A new AW is taken as soon as the AW register is free and
//   the FIFO has room, so the next burst's W beats follow the last beat of the previous burst
//   with no idle cycle between them.
// - B: routed by bid.
// A port's W beats are accepted only after that port's AW was taken, so a client that presents W
// before AW (allowed by AXI4) simply waits.
module nic_axi_interconnect #(
  parameter int NPORTS   = 2,
  parameter int ID_W     = 1,
  parameter int DATA_W   = 64,  // data bus width, bits (a power of two, 64..1024)
  parameter int WQ_DEPTH = 4    // AWs accepted whose W burst has not finished (power of two)
) (
  input  wire                     clk,
  input  wire                     rst,

  // client ports
  input  wire [NPORTS-1:0][63:0]  s_axi_araddr,
  input  wire [NPORTS-1:0][7:0]   s_axi_arlen,
  input  wire [NPORTS-1:0]        s_axi_arvalid,
  output wire [NPORTS-1:0]        s_axi_arready,
  output wire [DATA_W-1:0]        s_axi_rdata,
  output wire [1:0]               s_axi_rresp,
  output wire                     s_axi_rlast,
  output wire [NPORTS-1:0]        s_axi_rvalid,
  input  wire [NPORTS-1:0]        s_axi_rready,
  input  wire [NPORTS-1:0][63:0]  s_axi_awaddr,
  input  wire [NPORTS-1:0][7:0]   s_axi_awlen,
  input  wire [NPORTS-1:0]        s_axi_awvalid,
  output wire [NPORTS-1:0]        s_axi_awready,
  input  wire [NPORTS-1:0][DATA_W-1:0] s_axi_wdata,
  input  wire [NPORTS-1:0][DATA_W/8-1:0] s_axi_wstrb,
  input  wire [NPORTS-1:0]        s_axi_wlast,
  input  wire [NPORTS-1:0]        s_axi_wvalid,
  output wire [NPORTS-1:0]        s_axi_wready,
  output wire [1:0]               s_axi_bresp,
  output wire [NPORTS-1:0]        s_axi_bvalid,
  input  wire [NPORTS-1:0]        s_axi_bready,

  // joined master
  output wire [ID_W-1:0]          m_axi_awid,
  output wire [63:0]              m_axi_awaddr,
  output wire [7:0]               m_axi_awlen,
  output wire [2:0]               m_axi_awsize,
  output wire [1:0]               m_axi_awburst,
  output wire                     m_axi_awvalid,
  input  wire                     m_axi_awready,
  output wire [DATA_W-1:0]        m_axi_wdata,
  output wire [DATA_W/8-1:0]      m_axi_wstrb,
  output wire                     m_axi_wlast,
  output wire                     m_axi_wvalid,
  input  wire                     m_axi_wready,
  input  wire [ID_W-1:0]          m_axi_bid,
  input  wire [1:0]               m_axi_bresp,
  input  wire                     m_axi_bvalid,
  output wire                     m_axi_bready,
  output wire [ID_W-1:0]          m_axi_arid,
  output wire [63:0]              m_axi_araddr,
  output wire [7:0]               m_axi_arlen,
  output wire [2:0]               m_axi_arsize,
  output wire [1:0]               m_axi_arburst,
  output wire                     m_axi_arvalid,
  input  wire                     m_axi_arready,
  input  wire [ID_W-1:0]          m_axi_rid,
  input  wire [DATA_W-1:0]        m_axi_rdata,
  input  wire [1:0]               m_axi_rresp,
  input  wire                     m_axi_rlast,
  input  wire                     m_axi_rvalid,
  output wire                     m_axi_rready
);

  localparam logic [2:0] SIZE_BEAT  = 3'($clog2(DATA_W / 8));
  localparam logic [1:0] BURST_INCR = 2'b01;
  localparam int PW  = (NPORTS > 1) ? $clog2(NPORTS) : 1;
  localparam int WQW = $clog2(WQ_DEPTH);

  if (NPORTS < 1 || NPORTS > (1 << ID_W) || (1 << WQW) != WQ_DEPTH || PW > ID_W) begin : g_check
    $fatal(1, "nic_axi_interconnect: NPORTS must fit in ID_W bits; WQ_DEPTH a power of two");
  end
  if (DATA_W < 64 || DATA_W > 1024 || (DATA_W & (DATA_W - 1)) != 0) begin : g_width
    $fatal(1, "nic_axi_interconnect: DATA_W must be a power of two, 64..1024, not %0d", DATA_W);
  end

  // Round-robin: the first requesting port after `last`, cyclically.
  function automatic logic [PW-1:0] rr_pick(input logic [NPORTS-1:0] req, input logic [PW-1:0] last);
    logic [PW-1:0] pick;
    pick = last;
    for (int k = NPORTS; k >= 1; k--) begin
      if (req[(int'(last) + k) % NPORTS]) pick = PW'((int'(last) + k) % NPORTS);
    end
    return pick;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // AR
  // ---------------------------------------------------------------------------------------------
  logic          ar_q_valid;
  logic [63:0]   ar_q_addr;
  logic [7:0]    ar_q_len;
  logic [PW-1:0] ar_q_id;
  logic [PW-1:0] ar_last;

  wire           ar_take = !ar_q_valid || m_axi_arready;
  wire           ar_req  = |s_axi_arvalid;
  wire [PW-1:0]  ar_sel  = rr_pick(s_axi_arvalid, ar_last);

  for (genvar p = 0; p < NPORTS; p++) begin : g_ar
    assign s_axi_arready[p] = ar_take && ar_req && (ar_sel == PW'(p));
  end

  always_ff @(posedge clk) begin
    if (ar_take) begin
      ar_q_valid <= ar_req;
      if (ar_req) begin
        ar_q_addr <= s_axi_araddr[ar_sel];
        ar_q_len  <= s_axi_arlen[ar_sel];
        ar_q_id   <= ar_sel;
        ar_last   <= ar_sel;
      end
    end
    if (rst) begin
      ar_q_valid <= 1'b0;
      ar_last    <= PW'(NPORTS - 1);
    end
  end

  assign m_axi_arid    = ID_W'(ar_q_id);
  assign m_axi_araddr  = ar_q_addr;
  assign m_axi_arlen   = ar_q_len;
  assign m_axi_arsize  = SIZE_BEAT;
  assign m_axi_arburst = BURST_INCR;
  assign m_axi_arvalid = ar_q_valid;

  // R, by rid
  assign s_axi_rdata = m_axi_rdata;
  assign s_axi_rresp = m_axi_rresp;
  assign s_axi_rlast = m_axi_rlast;
  for (genvar p = 0; p < NPORTS; p++) begin : g_r
    assign s_axi_rvalid[p] = m_axi_rvalid && (m_axi_rid == ID_W'(p));
  end
  assign m_axi_rready = s_axi_rready[PW'(m_axi_rid)];

  // ---------------------------------------------------------------------------------------------
  // AW and the W-order FIFO
  // ---------------------------------------------------------------------------------------------
  logic          aw_q_valid;
  logic [63:0]   aw_q_addr;
  logic [7:0]    aw_q_len;
  logic [PW-1:0] aw_q_id;
  logic [PW-1:0] aw_last;
  logic [PW-1:0] wq_mem [WQ_DEPTH];
  logic [WQW:0]  wq_wr, wq_rd;

  wire          wq_full  = (wq_wr - wq_rd) == (WQW+1)'(WQ_DEPTH);
  wire          wq_empty = (wq_wr == wq_rd);
  wire          aw_take  = (!aw_q_valid || m_axi_awready) && !wq_full;
  wire          aw_req   = |s_axi_awvalid;
  wire [PW-1:0] aw_sel   = rr_pick(s_axi_awvalid, aw_last);
  wire          aw_push  = aw_take && aw_req;

  for (genvar p = 0; p < NPORTS; p++) begin : g_aw
    assign s_axi_awready[p] = aw_push && (aw_sel == PW'(p));
  end

  wire [PW-1:0] w_port = wq_mem[wq_rd[WQW-1:0]];
  wire          w_on   = !wq_empty;
  assign m_axi_wdata  = s_axi_wdata[w_port];
  assign m_axi_wstrb  = s_axi_wstrb[w_port];
  assign m_axi_wlast  = s_axi_wlast[w_port];
  assign m_axi_wvalid = w_on && s_axi_wvalid[w_port];
  for (genvar p = 0; p < NPORTS; p++) begin : g_w
    assign s_axi_wready[p] = w_on && (w_port == PW'(p)) && m_axi_wready;
  end
  wire w_end = m_axi_wvalid && m_axi_wready && m_axi_wlast;

  always_ff @(posedge clk) begin
    if (aw_q_valid && m_axi_awready) aw_q_valid <= 1'b0;
    if (aw_push) begin
      aw_q_valid <= 1'b1;
      aw_q_addr  <= s_axi_awaddr[aw_sel];
      aw_q_len   <= s_axi_awlen[aw_sel];
      aw_q_id    <= aw_sel;
      aw_last    <= aw_sel;
      wq_mem[wq_wr[WQW-1:0]] <= aw_sel;
      wq_wr      <= wq_wr + 1'b1;
    end
    if (w_end) wq_rd <= wq_rd + 1'b1;
    if (rst) begin
      aw_q_valid <= 1'b0;
      aw_last    <= PW'(NPORTS - 1);
      wq_wr      <= '0;
      wq_rd      <= '0;
    end
  end

  assign m_axi_awid    = ID_W'(aw_q_id);
  assign m_axi_awaddr  = aw_q_addr;
  assign m_axi_awlen   = aw_q_len;
  assign m_axi_awsize  = SIZE_BEAT;
  assign m_axi_awburst = BURST_INCR;
  assign m_axi_awvalid = aw_q_valid;

  // B, by bid
  assign s_axi_bresp = m_axi_bresp;
  for (genvar p = 0; p < NPORTS; p++) begin : g_b
    assign s_axi_bvalid[p] = m_axi_bvalid && (m_axi_bid == ID_W'(p));
  end
  assign m_axi_bready = s_axi_bready[PW'(m_axi_bid)];

endmodule

`resetall
