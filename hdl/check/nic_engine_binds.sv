`resetall
`timescale 1ns / 1ps
`default_nettype none

// Stream checkers on the offload engines' ports: every stream in and out, and the side channels
// (TX checksum command, RX checksum and RSS results). Part of hdl/nic.f, and compiled alone into
// every engine model (verilator-tb/engines/build.rs) with the engine under test.

bind nic_tx_csum nic_axis_check #(.DATA_W(DATA_W)) chk_in (
  .clk (clk), .rst (rst),
  .tdata (s_axis_tdata), .tkeep (s_axis_tkeep), .tvalid (s_axis_tvalid), .tready (s_axis_tready),
  .tlast (s_axis_tlast), .tuser (s_axis_tuser)
);
bind nic_tx_csum nic_axis_check #(.DATA_W(DATA_W)) chk_out (
  .clk (clk), .rst (rst),
  .tdata (m_axis_tdata), .tkeep (m_axis_tkeep), .tvalid (m_axis_tvalid), .tready (m_axis_tready),
  .tlast (m_axis_tlast), .tuser (m_axis_tuser)
);
bind nic_tx_csum nic_hs_check #(.W(33), .NAME("TX checksum command")) chk_cmd (
  .clk (clk), .rst (rst), .valid (s_axis_cmd_valid), .ready (s_axis_cmd_ready),
  .payload ({s_axis_cmd_csum_en, s_axis_cmd_csum_start, s_axis_cmd_csum_offset})
);

bind nic_rx_csum nic_axis_check #(.DATA_W(DATA_W)) chk_in (
  .clk (clk), .rst (rst),
  .tdata (s_axis_tdata), .tkeep (s_axis_tkeep), .tvalid (s_axis_tvalid), .tready (s_axis_tready),
  .tlast (s_axis_tlast), .tuser (s_axis_tuser)
);
bind nic_rx_csum nic_axis_check #(.DATA_W(DATA_W)) chk_out (
  .clk (clk), .rst (rst),
  .tdata (m_axis_tdata), .tkeep (m_axis_tkeep), .tvalid (m_axis_tvalid), .tready (m_axis_tready),
  .tlast (m_axis_tlast), .tuser (m_axis_tuser)
);
bind nic_rx_csum nic_hs_check #(.W(18), .NAME("RX checksum result")) chk_res (
  .clk (clk), .rst (rst), .valid (m_axis_res_valid), .ready (m_axis_res_ready),
  .payload ({m_axis_res_verdict, m_axis_res_csum})
);

bind nic_rx_rss nic_axis_check #(.DATA_W(DATA_W)) chk_in (
  .clk (clk), .rst (rst),
  .tdata (s_axis_tdata), .tkeep (s_axis_tkeep), .tvalid (s_axis_tvalid), .tready (s_axis_tready),
  .tlast (s_axis_tlast), .tuser (s_axis_tuser)
);
bind nic_rx_rss nic_axis_check #(.DATA_W(DATA_W)) chk_out (
  .clk (clk), .rst (rst),
  .tdata (m_axis_tdata), .tkeep (m_axis_tkeep), .tvalid (m_axis_tvalid), .tready (m_axis_tready),
  .tlast (m_axis_tlast), .tuser (m_axis_tuser)
);
bind nic_rx_rss nic_hs_check #(.W(36 + QUEUE_W), .NAME("RSS result")) chk_res (
  .clk (clk), .rst (rst), .valid (m_axis_res_valid), .ready (m_axis_res_ready),
  .payload ({m_axis_res_hash, m_axis_res_type, m_axis_res_queue})
);

`resetall
