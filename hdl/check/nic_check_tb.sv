`resetall
`timescale 1ns / 1ps
`default_nettype none

// Test bench for the checkers themselves (verilator-tb/engines/tests/checkers.rs): every signal a
// checker watches is an input, driven cycle by cycle from Rust, so a test can play a correct
// sequence and then plant a violation and see the checker's $error. Not part of the NIC
// (not in hdl/nic.f); verilated by verilator-tb/engines/build.rs as its own model.
//
// One AXI4 link (ID_W 1), one 64-bit AXI-Stream, one AXI4-Lite link and one 8-bit valid/ready
// channel. The completion-ring checker watches the AXI4 link's write channels while cpl_en is 1
// (it is held in reset otherwise, as generic AXI4 traffic is not completion records); the RX
// buffer checker watches them while rb_en is 1.
/* verilator coverage_off */
module nic_check_tb (
  input wire        clk,
  input wire        rst,
  // AXI4
  input wire        awid,
  input wire [63:0] awaddr,
  input wire [7:0]  awlen,
  input wire [2:0]  awsize,
  input wire [1:0]  awburst,
  input wire        awvalid,
  input wire        awready,
  input wire [63:0] wdata,
  input wire [7:0]  wstrb,
  input wire        wlast,
  input wire        wvalid,
  input wire        wready,
  input wire        bid,
  input wire [1:0]  bresp,
  input wire        bvalid,
  input wire        bready,
  input wire        arid,
  input wire [63:0] araddr,
  input wire [7:0]  arlen,
  input wire [2:0]  arsize,
  input wire [1:0]  arburst,
  input wire        arvalid,
  input wire        arready,
  input wire        rid,
  input wire [63:0] rdata,
  input wire [1:0]  rresp,
  input wire        rlast,
  input wire        rvalid,
  input wire        rready,
  // completion ring (on the AXI4 write channels)
  input wire        cpl_en,
  input wire [63:0] cfg_cpl_base,
  input wire [12:0] cfg_size,
  input wire [11:0] head,
  input wire        ev_fail,
  input wire [11:0] ev_fail_index,
  // RX buffer checker (on the AXI4 write channels)
  input wire        rb_en,
  input wire        rb_buf_valid,
  input wire [63:0] rb_buf_addr,
  input wire [31:0] rb_buf_len,
  input wire        rb_aw_last,
  // AXI-Stream
  input wire [63:0] tdata,
  input wire [7:0]  tkeep,
  input wire        tvalid,
  input wire        tready,
  input wire        tlast,
  input wire        tuser,
  // AXI4-Lite
  input wire [11:0] l_awaddr,
  input wire        l_awvalid,
  input wire        l_awready,
  input wire [31:0] l_wdata,
  input wire [3:0]  l_wstrb,
  input wire        l_wvalid,
  input wire        l_wready,
  input wire [1:0]  l_bresp,
  input wire        l_bvalid,
  input wire        l_bready,
  input wire [11:0] l_araddr,
  input wire        l_arvalid,
  input wire        l_arready,
  input wire [31:0] l_rdata,
  input wire [1:0]  l_rresp,
  input wire        l_rvalid,
  input wire        l_rready,
  // valid/ready side channel
  input wire        h_valid,
  input wire        h_ready,
  input wire [7:0]  h_payload
);

  nic_axi4_check #(.ID_W(1)) u_axi4 (
    .clk (clk), .rst (rst),
    .awid (awid), .awaddr (awaddr), .awlen (awlen), .awsize (awsize), .awburst (awburst),
    .awvalid (awvalid), .awready (awready),
    .wdata (wdata), .wstrb (wstrb), .wlast (wlast), .wvalid (wvalid), .wready (wready),
    .bid (bid), .bresp (bresp), .bvalid (bvalid), .bready (bready),
    .arid (arid), .araddr (araddr), .arlen (arlen), .arsize (arsize), .arburst (arburst),
    .arvalid (arvalid), .arready (arready),
    .rid (rid), .rdata (rdata), .rresp (rresp), .rlast (rlast), .rvalid (rvalid), .rready (rready)
  );

  nic_cpl_check u_cpl (
    .clk (clk), .rst (rst || !cpl_en),
    .cfg_cpl_base (cfg_cpl_base), .cfg_size (cfg_size), .head (head),
    .ev_fail (ev_fail), .ev_fail_queue (1'b0), .ev_fail_index (ev_fail_index),
    .m_axi_awaddr (awaddr), .m_axi_awlen (awlen), .m_axi_awvalid (awvalid),
    .m_axi_awready (awready),
    .m_axi_wdata (wdata), .m_axi_wstrb (wstrb), .m_axi_wlast (wlast), .m_axi_wvalid (wvalid),
    .m_axi_wready (wready),
    .m_axi_bresp (bresp), .m_axi_bvalid (bvalid), .m_axi_bready (bready)
  );

  nic_rxbuf_check u_rxbuf (
    .clk (clk), .rst (rst || !rb_en),
    .buf_valid (rb_buf_valid), .buf_addr (rb_buf_addr), .buf_len (rb_buf_len),
    .awaddr (awaddr), .awlen (awlen), .awvalid (awvalid), .awready (awready),
    .aw_frame_last (rb_aw_last),
    .wstrb (wstrb), .wlast (wlast), .wvalid (wvalid), .wready (wready)
  );

  nic_axis_check #(.DATA_W(64)) u_axis (
    .clk (clk), .rst (rst),
    .tdata (tdata), .tkeep (tkeep), .tvalid (tvalid), .tready (tready), .tlast (tlast),
    .tuser (tuser)
  );

  nic_axil_check #(.ADDR_W(12)) u_axil (
    .clk (clk), .rst (rst),
    .awaddr (l_awaddr), .awvalid (l_awvalid), .awready (l_awready),
    .wdata (l_wdata), .wstrb (l_wstrb), .wvalid (l_wvalid), .wready (l_wready),
    .bresp (l_bresp), .bvalid (l_bvalid), .bready (l_bready),
    .araddr (l_araddr), .arvalid (l_arvalid), .arready (l_arready),
    .rdata (l_rdata), .rresp (l_rresp), .rvalid (l_rvalid), .rready (l_rready)
  );

  nic_hs_check #(.W(8), .NAME("side channel")) u_hs (
    .clk (clk), .rst (rst), .valid (h_valid), .ready (h_ready), .payload (h_payload)
  );

endmodule
/* verilator coverage_on */

`resetall
