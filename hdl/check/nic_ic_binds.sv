`resetall
`timescale 1ns / 1ps
`default_nettype none

// The DMA interconnect: every client port and the joined master port. In the NIC its clients
// follow the NIC's DMA rules (bursts of at most 16 beats). Benched alone
// (verilator-tb/engines, +define+NIC_CHECK_ANY_AXI4) it carries any AXI4 burst, up to 256 beats
// and 512 outstanding, and is held to AXI4 itself.
`ifdef NIC_CHECK_ANY_AXI4
`define NIC_IC_CHECK_PARAMS .DEPTH(1024), .MAX_BEATS(256)
`else
`define NIC_IC_CHECK_PARAMS .DEPTH(256), .MAX_BEATS(16)
`endif
bind nic_axi_interconnect nic_ic_check #(.NPORTS(NPORTS), .ID_W(ID_W), .DATA_W(DATA_W), `NIC_IC_CHECK_PARAMS)
  chk_ic (
  .clk           (clk),
  .rst           (rst),
  .s_axi_araddr  (s_axi_araddr),
  .s_axi_arlen   (s_axi_arlen),
  .s_axi_arvalid (s_axi_arvalid),
  .s_axi_arready (s_axi_arready),
  .s_axi_rdata   (s_axi_rdata),
  .s_axi_rresp   (s_axi_rresp),
  .s_axi_rlast   (s_axi_rlast),
  .s_axi_rvalid  (s_axi_rvalid),
  .s_axi_rready  (s_axi_rready),
  .s_axi_awaddr  (s_axi_awaddr),
  .s_axi_awlen   (s_axi_awlen),
  .s_axi_awvalid (s_axi_awvalid),
  .s_axi_awready (s_axi_awready),
  .s_axi_wdata   (s_axi_wdata),
  .s_axi_wstrb   (s_axi_wstrb),
  .s_axi_wlast   (s_axi_wlast),
  .s_axi_wvalid  (s_axi_wvalid),
  .s_axi_wready  (s_axi_wready),
  .s_axi_bresp   (s_axi_bresp),
  .s_axi_bvalid  (s_axi_bvalid),
  .s_axi_bready  (s_axi_bready),
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

`resetall
