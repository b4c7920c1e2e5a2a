`resetall
`timescale 1ns / 1ps
`default_nettype none

// Completion-ring invariants, bound to nic_cpl_writer's ports (hdl/check/nic_cpl_binds.sv; kept
// apart from the protocol binds because the queue engines and the writer are being reworked for
// several queues). Against the ring the CSR configured (cfg_cpl_base, cfg_size):
//   - every completion write burst lies inside the ring [base, base + size * 32), starts on a
//     record and carries whole 32-byte records (4 beats each);
//   - HEAD and a failed index are ring indices (< size).
// The writer's AXI4 write channels are also checked by nic_axi4_check (read side idle).
/* verilator coverage_off */
module nic_cpl_check (
  input wire        clk,
  input wire        rst,
  input wire [63:0] cfg_cpl_base,
  input wire [12:0] cfg_size,
  input wire [11:0] head,
  input wire        ev_fail,
  input wire [11:0] ev_fail_index,
  input wire [63:0] m_axi_awaddr,
  input wire [7:0]  m_axi_awlen,
  input wire        m_axi_awvalid,
  input wire        m_axi_awready,
  input wire [63:0] m_axi_wdata,
  input wire [7:0]  m_axi_wstrb,
  input wire        m_axi_wlast,
  input wire        m_axi_wvalid,
  input wire        m_axi_wready,
  input wire [1:0]  m_axi_bresp,
  input wire        m_axi_bvalid,
  input wire        m_axi_bready
);

  wire        aw_hs   = m_axi_awvalid && m_axi_awready;
  wire [64:0] off     = {1'b0, m_axi_awaddr} - {1'b0, cfg_cpl_base};   // bit 64: below the base
  wire [64:0] end_off = off + {54'd0, m_axi_awlen, 3'b000} + 65'd8;
  wire [64:0] ring    = {47'd0, cfg_size, 5'd0};

  always @(posedge clk) begin
    if (!rst) begin
      if (aw_hs) begin
        assert (!off[64] && end_off <= ring)
          else $error("completion write %h, %0d beats, outside the ring at %h of %0d entries",
                      m_axi_awaddr, m_axi_awlen + 9'd1, cfg_cpl_base, cfg_size);
        assert (off[4:0] == 5'd0 && m_axi_awlen[1:0] == 2'b11)
          else $error("completion write %h, %0d beats, not whole 32-byte records",
                      m_axi_awaddr, m_axi_awlen + 9'd1);
      end
      if (cfg_size != 13'd0) begin
        assert ({1'b0, head} < cfg_size)
          else $error("HEAD %0d outside a ring of %0d entries", head, cfg_size);
      end
      if (ev_fail) begin
        assert ({1'b0, ev_fail_index} < cfg_size)
          else $error("failed index %0d outside a ring of %0d entries", ev_fail_index, cfg_size);
      end
    end
  end

  nic_axi4_check #(.ID_W(1)) u_axi (
    .clk     (clk),
    .rst     (rst),
    .awid    (1'b0),
    .awaddr  (m_axi_awaddr),
    .awlen   (m_axi_awlen),
    .awsize  (3'd3),
    .awburst (2'b01),
    .awvalid (m_axi_awvalid),
    .awready (m_axi_awready),
    .wdata   (m_axi_wdata),
    .wstrb   (m_axi_wstrb),
    .wlast   (m_axi_wlast),
    .wvalid  (m_axi_wvalid),
    .wready  (m_axi_wready),
    .bid     (1'b0),
    .bresp   (m_axi_bresp),
    .bvalid  (m_axi_bvalid),
    .bready  (m_axi_bready),
    .arid    (1'b0),
    .araddr  (64'd0),
    .arlen   (8'd0),
    .arsize  (3'd3),
    .arburst (2'b01),
    .arvalid (1'b0),
    .arready (1'b0),
    .rid     (1'b0),
    .rdata   (64'd0),
    .rresp   (2'd0),
    .rlast   (1'b0),
    .rvalid  (1'b0),
    .rready  (1'b0)
  );

endmodule
/* verilator coverage_on */

`resetall
