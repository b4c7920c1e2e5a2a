`resetall
`timescale 1ns / 1ps
`default_nettype none

// Completion-ring invariants, bound to nic_cpl_writer's ports (hdl/check/nic_cpl_binds.sv, kept
// apart from the protocol binds: it follows the writer's port list, which changes with the queue
// engines). Against the rings the CSR configured (cfg_cpl_base, cfg_size per queue):
//   - every completion write burst lies inside one queue's ring [base, base + size * 32) and
//     starts on a record and ends on one (whole 32-byte records at 64 bits, 4 beats each; at 512
//     bits whole beats of two records, the burst starting at the beat that holds its first
//     record, so only the 64-byte beat alignment is checked; rings are 64-byte aligned);
//   - every queue's HEAD, and a failed index, are indices of that queue's ring (< size).
// The writer's AXI4 write channels are also checked by nic_axi4_check (read side idle).
/* verilator coverage_off */
module nic_cpl_check #(
  parameter int NQ = 1,
  parameter int DATA_W = 64,          // AXI data width, bits: 64 or 512
  localparam int QW = (NQ > 1) ? $clog2(NQ) : 1,
  localparam int KW = DATA_W / 8
) (
  input wire              clk,
  input wire              rst,
  input wire [NQ*64-1:0]  cfg_cpl_base,    // queue q's ring base in [64q +: 64]
  input wire [NQ*13-1:0]  cfg_size,        // queue q's ring entries in [13q +: 13]
  input wire [NQ*12-1:0]  head,            // queue q's HEAD in [12q +: 12]
  input wire              ev_fail,
  input wire [QW-1:0]     ev_fail_queue,
  input wire [11:0]       ev_fail_index,
  input wire [63:0]       m_axi_awaddr,
  input wire [7:0]        m_axi_awlen,
  input wire              m_axi_awvalid,
  input wire              m_axi_awready,
  input wire [DATA_W-1:0] m_axi_wdata,
  input wire [KW-1:0]     m_axi_wstrb,
  input wire              m_axi_wlast,
  input wire              m_axi_wvalid,
  input wire              m_axi_wready,
  input wire [1:0]        m_axi_bresp,
  input wire              m_axi_bvalid,
  input wire              m_axi_bready
);

  wire aw_hs = m_axi_awvalid && m_axi_awready;
  localparam logic [63:0] A_LOW = 64'(KW) - 64'd1;  // address bits within a beat

  // The burst lies in queue q's ring: [base, base + size * 32).
  function automatic logic in_ring(input logic [63:0] base, input logic [12:0] size,
                                   input logic [63:0] addr, input logic [7:0] len);
    logic [64:0] off, end_off;
    off     = {1'b0, addr} - {1'b0, base};             // bit 64: below the base
    end_off = off + (65'(len) + 65'd1) * 65'(KW);
    return !off[64] && end_off <= {47'd0, size, 5'd0};
  endfunction

  // At 64 bits a burst is whole records (4 beats each) from a record's start; at 512 bits every
  // beat holds two records, so any beat-aligned burst is on record boundaries.
  function automatic logic whole_records(input logic [63:0] addr, input logic [7:0] len);
    if (KW >= 32) return (addr & A_LOW) == 64'd0;
    return addr[4:0] == 5'd0 && ((32'(len) + 32'd1) * 32'(KW)) % 32 == 0;
  endfunction

  // Every check is made in the clocked block below under the event it checks, with block
  // variables for its temporaries, so that a simulator does none of it in other cycles.
  always @(posedge clk) begin
    if (!rst) begin
      if (aw_hs) begin : aw
        logic in_any;
        in_any = 1'b0;
        for (int q = 0; q < NQ; q++) begin
          if (in_ring(cfg_cpl_base[64*q +: 64], cfg_size[13*q +: 13], m_axi_awaddr, m_axi_awlen))
            in_any = 1'b1;
        end
        assert (in_any)
          else $error("completion write %h, %0d beats, outside every completion ring",
                      m_axi_awaddr, m_axi_awlen + 9'd1);
        assert (whole_records(m_axi_awaddr, m_axi_awlen))
          else $error("completion write %h, %0d beats, not whole 32-byte records",
                      m_axi_awaddr, m_axi_awlen + 9'd1);
      end
      for (int q = 0; q < NQ; q++) begin
        if (cfg_size[13*q +: 13] != 13'd0) begin
          assert ({1'b0, head[12*q +: 12]} < cfg_size[13*q +: 13])
            else $error("queue %0d: HEAD %0d outside its ring of %0d entries", q,
                        head[12*q +: 12], cfg_size[13*q +: 13]);
        end
      end
      if (ev_fail) begin
        assert ({1'b0, ev_fail_index} < cfg_size[13*ev_fail_queue +: 13])
          else $error("queue %0d: failed index %0d outside its ring", ev_fail_queue, ev_fail_index);
      end
    end
  end

  nic_axi4_check #(.ID_W(1), .DATA_W(DATA_W)) u_axi (
    .clk     (clk),
    .rst     (rst),
    .awid    (1'b0),
    .awaddr  (m_axi_awaddr),
    .awlen   (m_axi_awlen),
    .awsize  (3'($clog2(KW))),
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
    .arsize  (3'($clog2(KW))),
    .arburst (2'b01),
    .arvalid (1'b0),
    .arready (1'b0),
    .rid     (1'b0),
    .rdata   ('0),
    .rresp   (2'd0),
    .rlast   (1'b0),
    .rvalid  (1'b0),
    .rready  (1'b0)
  );

endmodule
/* verilator coverage_on */

`resetall
