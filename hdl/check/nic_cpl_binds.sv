`resetall
`timescale 1ns / 1ps
`default_nettype none

// Completion-ring invariants on nic_cpl_writer's ports. Kept in a file of its own: it names the
// writer's ports, which change with the queue engines, so this is what to adapt then.
bind nic_cpl_writer nic_cpl_check #(.NQ(NQ), .DATA_W(DATA_W)) chk_ring (
  .clk           (clk),
  .rst           (rst),
  .cfg_cpl_base  (cfg_cpl_base),
  .cfg_size      (cfg_size),
  .head          (head),
  .ev_fail       (ev_fail),
  .ev_fail_queue (ev_fail_queue),
  .ev_fail_index (ev_fail_index),
  .m_axi_awaddr  (m_axi_awaddr),
  .m_axi_awlen   (m_axi_awlen),
  .m_axi_awvalid (m_axi_awvalid),
  .m_axi_awready (m_axi_awready),
  .m_axi_wdata   (m_axi_wdata),
  .m_axi_wstrb   (m_axi_wstrb),
  .m_axi_wlast   (m_axi_wlast),
  .m_axi_wvalid  (m_axi_wvalid),
  .m_axi_wready  (m_axi_wready),
  .m_axi_bresp   (m_axi_bresp),
  .m_axi_bvalid  (m_axi_bvalid),
  .m_axi_bready  (m_axi_bready)
);

`resetall
