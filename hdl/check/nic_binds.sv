`resetall
`timescale 1ns / 1ps
`default_nettype none

// Protocol checkers attached to module ports that are stable (hdl/check/README in
// hdl/README.md): the NIC's own ports, the DMA interconnect's ports, and the stream ports of the
// offload engines. Every verilated model is built with --assert, so these run in every
// simulation; the engine models (verilator-tb/engines/build.rs) get the engine binds only
// (nic_engine_binds.sv), since a bind must name a module of the design.

// nic_top: BAR0 (AXI4-Lite slave), DMA (AXI4 master), MAC TX and RX streams.
bind nic_top nic_axil_check #(.ADDR_W(12)) chk_bar0 (
  .clk     (clk),
  .rst     (rst),
  .awaddr  (s_axil_awaddr),
  .awvalid (s_axil_awvalid),
  .awready (s_axil_awready),
  .wdata   (s_axil_wdata),
  .wstrb   (s_axil_wstrb),
  .wvalid  (s_axil_wvalid),
  .wready  (s_axil_wready),
  .bresp   (s_axil_bresp),
  .bvalid  (s_axil_bvalid),
  .bready  (s_axil_bready),
  .araddr  (s_axil_araddr),
  .arvalid (s_axil_arvalid),
  .arready (s_axil_arready),
  .rdata   (s_axil_rdata),
  .rresp   (s_axil_rresp),
  .rvalid  (s_axil_rvalid),
  .rready  (s_axil_rready)
);

bind nic_top nic_axi4_check #(.ID_W(1)) chk_dma (
  .clk     (clk),
  .rst     (rst),
  .awid    (m_axi_awid),
  .awaddr  (m_axi_awaddr),
  .awlen   (m_axi_awlen),
  .awsize  (m_axi_awsize),
  .awburst (m_axi_awburst),
  .awvalid (m_axi_awvalid),
  .awready (m_axi_awready),
  .wdata   (m_axi_wdata),
  .wstrb   (m_axi_wstrb),
  .wlast   (m_axi_wlast),
  .wvalid  (m_axi_wvalid),
  .wready  (m_axi_wready),
  .bid     (m_axi_bid),
  .bresp   (m_axi_bresp),
  .bvalid  (m_axi_bvalid),
  .bready  (m_axi_bready),
  .arid    (m_axi_arid),
  .araddr  (m_axi_araddr),
  .arlen   (m_axi_arlen),
  .arsize  (m_axi_arsize),
  .arburst (m_axi_arburst),
  .arvalid (m_axi_arvalid),
  .arready (m_axi_arready),
  .rid     (m_axi_rid),
  .rdata   (m_axi_rdata),
  .rresp   (m_axi_rresp),
  .rlast   (m_axi_rlast),
  .rvalid  (m_axi_rvalid),
  .rready  (m_axi_rready)
);

bind nic_top nic_axis_check #(.DATA_W(64)) chk_mac_tx (
  .clk    (clk),
  .rst    (rst),
  .tdata  (m_axis_tx_tdata),
  .tkeep  (m_axis_tx_tkeep),
  .tvalid (m_axis_tx_tvalid),
  .tready (m_axis_tx_tready),
  .tlast  (m_axis_tx_tlast),
  .tuser  (m_axis_tx_tuser)
);

bind nic_top nic_axis_check #(.DATA_W(64)) chk_mac_rx (
  .clk    (clk),
  .rst    (rst),
  .tdata  (s_axis_rx_tdata),
  .tkeep  (s_axis_rx_tkeep),
  .tvalid (s_axis_rx_tvalid),
  .tready (s_axis_rx_tready),
  .tlast  (s_axis_rx_tlast),
  .tuser  (s_axis_rx_tuser)
);

// The DMA interconnect: every client port and the joined master port.
bind nic_axi_interconnect nic_ic_check #(.NPORTS(NPORTS), .ID_W(ID_W)) chk_ic (
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
