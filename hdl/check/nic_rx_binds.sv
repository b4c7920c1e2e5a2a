`resetall
`timescale 1ns / 1ps
`default_nettype none

// nic_rx_engine: no data write outside the buffer its frame was given (nic_rxbuf_check). The
// buffer of each frame that writes (a descriptor with LEN != 0, not past 2^64 and ADDR % 8 == 0, at the
// frame's start) and the last-burst mark of each write burst come from inside the engine; the
// bursts and beats are its data port's.
bind nic_rx_engine nic_rxbuf_check #(.DATA_W(DATA_W)) chk_rxbuf (
  .clk           (clk),
  .rst           (rst),
  .buf_valid     (start_recv && (dh_len != 32'd0) && !dh_wraps && (dh_addr[2:0] == 3'd0)),
  .buf_addr      (dh_addr),
  .buf_len       (dh_len),
  .awaddr        (m_axi_awaddr),
  .awlen         (m_axi_awlen),
  .awvalid       (m_axi_awvalid),
  .awready       (m_axi_awready),
  .aw_frame_last (cq_last[cq_aw_i]),
  .wstrb         (m_axi_wstrb),
  .wlast         (m_axi_wlast),
  .wvalid        (m_axi_wvalid),
  .wready        (m_axi_wready)
);

`resetall
