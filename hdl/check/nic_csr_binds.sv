`resetall
`timescale 1ns / 1ps
`default_nettype none

// BAR0's AXI4-Lite protocol on nic_csr's own ports (in the whole NIC these are nic_top's BAR0
// ports, checked there too; this bind serves the CSR benched alone).
bind nic_csr nic_axil_check #(.ADDR_W(12)) chk_axil (
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

`resetall
