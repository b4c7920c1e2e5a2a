`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX buffer: holds each received frame whole, with its checksum and RSS results, before the RX
// queue engine sees it, so that the engine knows the frame's queue (which RSS picks from the whole
// frame) before its first beat (docs/nic.md, "Queues and RSS").
//
// Write side: beats from nic_rx_rss go into a DEPTH-beat memory (MAX_RX_FRAME bytes). A frame is
// committed at its last beat; until then its beats are invisible to the read side. A frame longer
// than MAX_RX_FRAME (more than DEPTH beats) is dropped: its beats past the limit are consumed and
// discarded, and at its last beat the write pointer returns to the frame's start. Every frame, kept
// or dropped, leaves one entry in the frame FIFO (FD_DEPTH entries; a new frame's first beat waits
// while it is full). The input stalls only while the memory is full and the frame is not yet too
// long, so a frame of MAX_RX_FRAME bytes always fits once the frames before it have left.
//
// Read side: the committed beats leave in order through a registered output stage. The metadata
// of the frame at the head of the frame FIFO is on m_meta_* once that frame's checksum result
// (s_csum_*) and RSS result (s_rss_*), one per frame in frame order from the engines upstream, are
// in; m_meta_ready (the RX engine starting the frame) pops all three. For a dropped frame the three
// are popped at once and ev_oversize pulses.
module nic_rx_buffer #(
  parameter int DATA_W   = 64,    // stream width in bits: 64 or 512
  parameter int QUEUE_W  = 3,
  parameter int FD_DEPTH = 64     // frames held at most (power of two)
) (
  input  wire                clk,
  input  wire                rst,
  // frames in
  input  wire [DATA_W-1:0]   s_axis_tdata,
  input  wire [DATA_W/8-1:0] s_axis_tkeep,
  input  wire                s_axis_tvalid,
  output wire                s_axis_tready,
  input  wire                s_axis_tlast,
  input  wire                s_axis_tuser,
  // per-frame results, in frame order
  input  wire                s_csum_valid,
  output wire                s_csum_ready,
  input  wire [1:0]          s_csum_verdict,
  input  wire [15:0]         s_csum_sum,
  input  wire                s_rss_valid,
  output wire                s_rss_ready,
  input  wire [31:0]         s_rss_hash,
  input  wire [3:0]          s_rss_type,
  input  wire [QUEUE_W-1:0]  s_rss_queue,
  // whole frames out
  output wire [DATA_W-1:0]   m_axis_tdata,
  output wire [DATA_W/8-1:0] m_axis_tkeep,
  output wire                m_axis_tvalid,
  input  wire                m_axis_tready,
  output wire                m_axis_tlast,
  output wire                m_axis_tuser,
  // the head frame's metadata
  output wire                m_meta_valid,
  input  wire                m_meta_ready,
  output wire [QUEUE_W-1:0]  m_meta_queue,
  output wire [31:0]         m_meta_hash,
  output wire [3:0]          m_meta_type,
  output wire [1:0]          m_meta_verdict,
  output wire [15:0]         m_meta_csum,
  output wire                ev_oversize
);

  localparam int KW    = DATA_W / 8;
  localparam int DEPTH = int'(nic_pkg::MAX_RX_FRAME) / KW;   // beats
  localparam int AW    = $clog2(DEPTH);
  localparam int EW    = DATA_W + KW + 2;                     // {tuser, tlast, tkeep, tdata}
  localparam int FW    = $clog2(FD_DEPTH);

  if (DATA_W != 64 && DATA_W != 512) begin : g_width
    $fatal(1, "nic_rx_buffer: DATA_W must be 64 or 512, not %0d", DATA_W);
  end
  if ((1 << AW) != DEPTH || (1 << FW) != FD_DEPTH) begin : g_depth
    $fatal(1, "nic_rx_buffer: DEPTH and FD_DEPTH must be powers of two");
  end

  logic [EW-1:0] mem [DEPTH];
  logic [AW:0]   wp;         // next beat written
  logic [AW:0]   wp_commit;  // beats before this belong to committed frames
  logic [AW:0]   rp;         // next beat read
  logic [AW:0]   f_beats;    // beats of the frame being written so far (saturates at DEPTH)
  logic          in_frame;   // a frame has begun and not ended
  logic          fd_mem [FD_DEPTH];   // per frame: dropped
  logic [FW:0]   fd_wr, fd_rd;

  logic [EW-1:0] out_ent;
  logic          out_valid;

  // Write side.
  wire fd_full  = (fd_wr - fd_rd) == (FW+1)'(FD_DEPTH);
  wire used_full = (wp - rp) == (AW+1)'(DEPTH);
  wire ovs      = (f_beats == (AW+1)'(DEPTH));   // this beat is past the limit
  assign s_axis_tready = in_frame ? (ovs || !used_full) : (!fd_full && !used_full);
  wire in_hs    = s_axis_tvalid && s_axis_tready;
  wire store    = in_hs && !ovs;
  wire in_end   = in_hs && s_axis_tlast;
  wire dropped  = ovs;   // with in_end: the frame is too long

  // Read side.
  wire fd_any   = (fd_wr != fd_rd);
  wire fd_drop  = fd_mem[fd_rd[FW-1:0]];
  wire res_in   = fd_any && s_csum_valid && s_rss_valid;
  wire skip     = res_in && fd_drop;
  assign m_meta_valid = res_in && !fd_drop;
  wire meta_pop = m_meta_valid && m_meta_ready;
  wire pop_res  = skip || meta_pop;
  wire rd_any   = (rp != wp_commit);
  wire rd_pop   = rd_any && (!out_valid || m_axis_tready);

  always_ff @(posedge clk) begin
    if (store) mem[wp[AW-1:0]] <= {s_axis_tuser, s_axis_tlast, s_axis_tkeep, s_axis_tdata};
    if (in_end) fd_mem[fd_wr[FW-1:0]] <= dropped;
    if (rd_pop) out_ent <= mem[rp[AW-1:0]];
  end

  always_ff @(posedge clk) begin
    if (store) wp <= wp + 1'b1;
    if (in_hs) begin
      in_frame <= !s_axis_tlast;
      // Count to DEPTH and stay there: "past the limit".
      if (!s_axis_tlast && !ovs) f_beats <= f_beats + 1'b1;
      if (s_axis_tlast) f_beats <= '0;
    end
    if (in_end) begin
      fd_wr <= fd_wr + 1'b1;
      if (dropped) wp <= wp_commit;
      else wp_commit <= wp + 1'b1;
    end
    if (pop_res) fd_rd <= fd_rd + 1'b1;
    if (rd_pop) begin
      rp <= rp + 1'b1;
      out_valid <= 1'b1;
    end else if (m_axis_tready) begin
      out_valid <= 1'b0;
    end
    if (rst) begin
      wp        <= '0;
      wp_commit <= '0;
      rp        <= '0;
      f_beats   <= '0;
      in_frame  <= 1'b0;
      fd_wr     <= '0;
      fd_rd     <= '0;
      out_valid <= 1'b0;
    end
  end

  logic ev_q;
  always_ff @(posedge clk) begin
    ev_q <= skip && !rst;
  end

  assign s_csum_ready   = pop_res;
  assign s_rss_ready    = pop_res;
  assign m_meta_queue   = s_rss_queue;
  assign m_meta_hash    = s_rss_hash;
  assign m_meta_type    = s_rss_type;
  assign m_meta_verdict = s_csum_verdict;
  assign m_meta_csum    = s_csum_sum;
  assign ev_oversize    = ev_q;

  assign m_axis_tvalid = out_valid;
  assign {m_axis_tuser, m_axis_tlast, m_axis_tkeep, m_axis_tdata} = out_ent;

endmodule

`resetall
