`resetall
`timescale 1ns / 1ps
`default_nettype none

// Joins two ID-less AXI4 masters (port 0: TX engine, port 1: RX engine) into one AXI4 master
// whose 1-bit ID names the port. Every burst is INCR of 8-byte beats (awsize/arsize = 3).
//
// - AR: round-robin between the ports into an output register (m_axi_ar* are registered and
//   held until accepted); arid = port. R beats go to the port named by rid.
// - AW/W: a port is granted from its AW handshake until the WLAST handshake of that burst;
//   no other AW is taken meanwhile, so W beats never interleave. Round-robin between the ports;
//   awid = port; m_axi_aw* are registered and held until accepted. W beats pass through from the
//   granted port only, starting the cycle after its AW handshake. B goes to the port named by bid.
// Each engine's responses come back in its request order because all of them carry its ID.
module nic_axi_arbiter (
  input  wire         clk,
  input  wire         rst,

  // port 0 (TX engine)
  input  wire  [63:0] s0_axi_araddr,
  input  wire  [7:0]  s0_axi_arlen,
  input  wire         s0_axi_arvalid,
  output wire         s0_axi_arready,
  output wire  [63:0] s0_axi_rdata,
  output wire  [1:0]  s0_axi_rresp,
  output wire         s0_axi_rlast,
  output wire         s0_axi_rvalid,
  input  wire         s0_axi_rready,
  input  wire  [63:0] s0_axi_awaddr,
  input  wire  [7:0]  s0_axi_awlen,
  input  wire         s0_axi_awvalid,
  output wire         s0_axi_awready,
  input  wire  [63:0] s0_axi_wdata,
  input  wire  [7:0]  s0_axi_wstrb,
  input  wire         s0_axi_wlast,
  input  wire         s0_axi_wvalid,
  output wire         s0_axi_wready,
  output wire  [1:0]  s0_axi_bresp,
  output wire         s0_axi_bvalid,
  input  wire         s0_axi_bready,

  // port 1 (RX engine)
  input  wire  [63:0] s1_axi_araddr,
  input  wire  [7:0]  s1_axi_arlen,
  input  wire         s1_axi_arvalid,
  output wire         s1_axi_arready,
  output wire  [63:0] s1_axi_rdata,
  output wire  [1:0]  s1_axi_rresp,
  output wire         s1_axi_rlast,
  output wire         s1_axi_rvalid,
  input  wire         s1_axi_rready,
  input  wire  [63:0] s1_axi_awaddr,
  input  wire  [7:0]  s1_axi_awlen,
  input  wire         s1_axi_awvalid,
  output wire         s1_axi_awready,
  input  wire  [63:0] s1_axi_wdata,
  input  wire  [7:0]  s1_axi_wstrb,
  input  wire         s1_axi_wlast,
  input  wire         s1_axi_wvalid,
  output wire         s1_axi_wready,
  output wire  [1:0]  s1_axi_bresp,
  output wire         s1_axi_bvalid,
  input  wire         s1_axi_bready,

  // joined master
  output wire  [0:0]  m_axi_awid,
  output wire  [63:0] m_axi_awaddr,
  output wire  [7:0]  m_axi_awlen,
  output wire  [2:0]  m_axi_awsize,
  output wire  [1:0]  m_axi_awburst,
  output wire         m_axi_awvalid,
  input  wire         m_axi_awready,
  output wire  [63:0] m_axi_wdata,
  output wire  [7:0]  m_axi_wstrb,
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
  input  wire  [63:0] m_axi_rdata,
  input  wire  [1:0]  m_axi_rresp,
  input  wire         m_axi_rlast,
  input  wire         m_axi_rvalid,
  output wire         m_axi_rready
);

  localparam logic [2:0] SIZE_8B = 3'd3;
  localparam logic [1:0] BURST_INCR = 2'b01;

  // Round-robin pick of two requesters: the other port than `last` when both request.
  function automatic logic rr_pick(input logic req0, input logic req1, input logic last);
    return (req0 && req1) ? !last : req1;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // AR: round-robin into a held output register
  // ---------------------------------------------------------------------------------------------

  logic        ar_q_valid;
  logic [63:0] ar_q_addr;
  logic [7:0]  ar_q_len;
  logic        ar_q_id;
  logic        ar_last;  // port granted last

  wire ar_take = !ar_q_valid || m_axi_arready;  // the output register can load this cycle
  wire ar_req = s0_axi_arvalid || s1_axi_arvalid;
  wire ar_sel = rr_pick(s0_axi_arvalid, s1_axi_arvalid, ar_last);

  assign s0_axi_arready = ar_take && !ar_sel;
  assign s1_axi_arready = ar_take && ar_sel;

  always_ff @(posedge clk) begin
    if (rst) begin
      ar_q_valid <= 1'b0;
      ar_q_addr <= '0;
      ar_q_len <= '0;
      ar_q_id <= 1'b0;
      ar_last <= 1'b1;
    end else if (ar_take) begin
      ar_q_valid <= ar_req;
      if (ar_req) begin
        ar_q_addr <= ar_sel ? s1_axi_araddr : s0_axi_araddr;
        ar_q_len <= ar_sel ? s1_axi_arlen : s0_axi_arlen;
        ar_q_id <= ar_sel;
        ar_last <= ar_sel;
      end
    end
  end

  assign m_axi_arid = ar_q_id;
  assign m_axi_araddr = ar_q_addr;
  assign m_axi_arlen = ar_q_len;
  assign m_axi_arsize = SIZE_8B;
  assign m_axi_arburst = BURST_INCR;
  assign m_axi_arvalid = ar_q_valid;

  // ---------------------------------------------------------------------------------------------
  // R: routed by rid
  // ---------------------------------------------------------------------------------------------

  assign s0_axi_rdata = m_axi_rdata;
  assign s0_axi_rresp = m_axi_rresp;
  assign s0_axi_rlast = m_axi_rlast;
  assign s0_axi_rvalid = m_axi_rvalid && !m_axi_rid[0];
  assign s1_axi_rdata = m_axi_rdata;
  assign s1_axi_rresp = m_axi_rresp;
  assign s1_axi_rlast = m_axi_rlast;
  assign s1_axi_rvalid = m_axi_rvalid && m_axi_rid[0];
  assign m_axi_rready = m_axi_rid[0] ? s1_axi_rready : s0_axi_rready;

  // ---------------------------------------------------------------------------------------------
  // AW/W: one write burst at a time, round-robin
  // ---------------------------------------------------------------------------------------------

  logic        aw_q_valid;
  logic [63:0] aw_q_addr;
  logic [7:0]  aw_q_len;
  logic        aw_q_id;
  logic        aw_last;  // port granted last
  logic        w_busy;  // a burst's W beats are being passed
  logic        w_port;  // from this port

  wire aw_take = !aw_q_valid && !w_busy;
  wire aw_req = s0_axi_awvalid || s1_axi_awvalid;
  wire aw_sel = rr_pick(s0_axi_awvalid, s1_axi_awvalid, aw_last);

  assign s0_axi_awready = aw_take && !aw_sel;
  assign s1_axi_awready = aw_take && aw_sel;

  assign m_axi_wdata = w_port ? s1_axi_wdata : s0_axi_wdata;
  assign m_axi_wstrb = w_port ? s1_axi_wstrb : s0_axi_wstrb;
  assign m_axi_wlast = w_port ? s1_axi_wlast : s0_axi_wlast;
  assign m_axi_wvalid = w_busy && (w_port ? s1_axi_wvalid : s0_axi_wvalid);
  assign s0_axi_wready = w_busy && !w_port && m_axi_wready;
  assign s1_axi_wready = w_busy && w_port && m_axi_wready;

  always_ff @(posedge clk) begin
    if (rst) begin
      aw_q_valid <= 1'b0;
      aw_q_addr <= '0;
      aw_q_len <= '0;
      aw_q_id <= 1'b0;
      aw_last <= 1'b1;
      w_busy <= 1'b0;
      w_port <= 1'b0;
    end else begin
      if (aw_q_valid && m_axi_awready) begin
        aw_q_valid <= 1'b0;
      end
      if (m_axi_wvalid && m_axi_wready && m_axi_wlast) begin
        w_busy <= 1'b0;
      end
      if (aw_take && aw_req) begin
        aw_q_valid <= 1'b1;
        aw_q_addr <= aw_sel ? s1_axi_awaddr : s0_axi_awaddr;
        aw_q_len <= aw_sel ? s1_axi_awlen : s0_axi_awlen;
        aw_q_id <= aw_sel;
        aw_last <= aw_sel;
        w_busy <= 1'b1;
        w_port <= aw_sel;
      end
    end
  end

  assign m_axi_awid = aw_q_id;
  assign m_axi_awaddr = aw_q_addr;
  assign m_axi_awlen = aw_q_len;
  assign m_axi_awsize = SIZE_8B;
  assign m_axi_awburst = BURST_INCR;
  assign m_axi_awvalid = aw_q_valid;

  // ---------------------------------------------------------------------------------------------
  // B: routed by bid
  // ---------------------------------------------------------------------------------------------

  assign s0_axi_bresp = m_axi_bresp;
  assign s0_axi_bvalid = m_axi_bvalid && !m_axi_bid[0];
  assign s1_axi_bresp = m_axi_bresp;
  assign s1_axi_bvalid = m_axi_bvalid && m_axi_bid[0];
  assign m_axi_bready = m_axi_bid[0] ? s1_axi_bready : s0_axi_bready;

endmodule

`resetall
