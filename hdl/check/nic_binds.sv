`resetall
`timescale 1ns / 1ps
`default_nettype none

// Protocol checkers on the NIC's own ports: BAR0, both DMA masters and both MAC streams. The other bind files
// attach checkers to the ports of single modules (nic_ic_binds.sv, nic_engine_binds.sv,
// nic_csr_binds.sv, nic_cpl_binds.sv), so a model of one module alone (verilator-tb/engines)
// takes the checker modules and its own bind file. Every model is built with --assert, so all
// of them run in every simulation.

// nic_top: BAR0 (AXI4-Lite slave), DMA data and control (AXI4 masters), MAC TX and RX streams.
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

bind nic_top nic_axi4_check #(.ID_W(1), .DATA_W(DATA_W)) chk_dma (
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

bind nic_top nic_axi4_check #(.ID_W(1), .DATA_W(DATA_W)) chk_dma_ctl (
  .clk     (clk),
  .rst     (rst),
  .awid    (m_axi_ctl_awid),
  .awaddr  (m_axi_ctl_awaddr),
  .awlen   (m_axi_ctl_awlen),
  .awsize  (m_axi_ctl_awsize),
  .awburst (m_axi_ctl_awburst),
  .awvalid (m_axi_ctl_awvalid),
  .awready (m_axi_ctl_awready),
  .wdata   (m_axi_ctl_wdata),
  .wstrb   (m_axi_ctl_wstrb),
  .wlast   (m_axi_ctl_wlast),
  .wvalid  (m_axi_ctl_wvalid),
  .wready  (m_axi_ctl_wready),
  .bid     (m_axi_ctl_bid),
  .bresp   (m_axi_ctl_bresp),
  .bvalid  (m_axi_ctl_bvalid),
  .bready  (m_axi_ctl_bready),
  .arid    (m_axi_ctl_arid),
  .araddr  (m_axi_ctl_araddr),
  .arlen   (m_axi_ctl_arlen),
  .arsize  (m_axi_ctl_arsize),
  .arburst (m_axi_ctl_arburst),
  .arvalid (m_axi_ctl_arvalid),
  .arready (m_axi_ctl_arready),
  .rid     (m_axi_ctl_rid),
  .rdata   (m_axi_ctl_rdata),
  .rresp   (m_axi_ctl_rresp),
  .rlast   (m_axi_ctl_rlast),
  .rvalid  (m_axi_ctl_rvalid),
  .rready  (m_axi_ctl_rready)
);

bind nic_top nic_axis_check #(.DATA_W(DATA_W)) chk_mac_tx (
  .clk    (clk),
  .rst    (rst),
  .tdata  (m_axis_tx_tdata),
  .tkeep  (m_axis_tx_tkeep),
  .tvalid (m_axis_tx_tvalid),
  .tready (m_axis_tx_tready),
  .tlast  (m_axis_tx_tlast),
  .tuser  (m_axis_tx_tuser)
);

bind nic_top nic_axis_check #(.DATA_W(DATA_W)) chk_mac_rx (
  .clk    (clk),
  .rst    (rst),
  .tdata  (s_axis_rx_tdata),
  .tkeep  (s_axis_rx_tkeep),
  .tvalid (s_axis_rx_tvalid),
  .tready (s_axis_rx_tready),
  .tlast  (s_axis_rx_tlast),
  .tuser  (s_axis_rx_tuser)
);

`resetall
