`resetall
`timescale 1ns / 1ps
`default_nettype none

// Completion writer: one queue's completion ring, written in batches without stalling the engine
// that feeds it. Used by both queue engines (docs/nic.md, "Rings" and "Pipelining").
//
// The engine pushes one entry per descriptor, in ring order, as soon as that descriptor's work is
// done (in_*). The writer keeps them in a DEPTH-entry FIFO and writes them to the ring in bursts:
// whenever the AW channel is free and fewer than MAX_OUT bursts await their B, it takes every
// entry not yet written, up to BATCH, never past the end of the ring and never across a 4 KiB
// boundary, and writes their 32-byte records (four beats each, FLAGS with the phase in each
// record's last byte) in one INCR burst. It does not wait for a B before the next burst, so under
// load entries pile up behind the bursts in flight and batches form by themselves; at low latency
// each completion goes out alone, at once.
//
// B responses come back in order (one AXI ID). For a good B the batch's entries are acknowledged;
// acknowledged entries leave the FIFO one per cycle as ev_cpl pulses (with the entry's fields),
// and HEAD advances with each pulse, so HEAD and the CSR's counters always agree. A refused B
// (SLVERR/DECERR): one ev_fail pulse naming the batch's first index, and the writer is dead until
// `start`: entries of that batch and after it are dropped without events, no new burst starts, and
// the B of every burst already issued is awaited and ignored; HEAD stays at the failed index.
//
// `idle` is high when nothing is buffered, being written or awaiting a B. `start` (the queue's
// ENABLE 0->1, applied by the engine only while this writer is idle) resets HEAD to 0 and the
// phase to 1.
module nic_cpl_writer #(
  parameter int DEPTH   = 16,   // entries buffered (power of two)
  parameter int BATCH   = 4,    // completions per burst at most (16 beats)
  parameter int MAX_OUT = 16    // bursts awaiting B at most (power of two)
) (
  input  wire         clk,
  input  wire         rst,
  input  wire  [63:0] cfg_cpl_base,
  input  wire  [12:0] cfg_size,
  input  wire  [7:0]  queue_id,     // written into every record's QUEUE
  input  wire         start,
  // entries, in ring order
  input  wire         in_valid,
  output wire         in_ready,
  input  wire  [31:0] in_len,
  input  wire  [15:0] in_csum,
  input  wire  [1:0]  in_verdict,
  input  wire  [15:0] in_errors,
  input  wire  [31:0] in_rss_hash,
  input  wire  [7:0]  in_rss_type,
  input  wire         in_tag,       // carried to ev_tag, not written
  // acknowledged completions, one per cycle
  output wire         ev_cpl,
  output wire  [31:0] ev_len,
  output wire  [15:0] ev_errors,
  output wire  [1:0]  ev_verdict,
  output wire         ev_tag,
  output wire         ev_fail,
  output wire  [11:0] ev_fail_index,
  output wire  [11:0] head,
  output wire         idle,
  // AXI4 write master, 8-byte beats, INCR
  output wire  [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire  [63:0] m_axi_wdata,  output wire [7:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
  input  wire  [1:0]  m_axi_bresp,  input wire m_axi_bvalid, output wire m_axi_bready
);

  localparam int unsigned CPL_SIZE           = nic_pkg::CPL_SIZE;
  localparam int unsigned CPL_FLAG_PHASE_BIT = nic_pkg::CPL_FLAG_PHASE_BIT;

  localparam int AW_ = $clog2(DEPTH);
  localparam int OW  = $clog2(MAX_OUT + 1);
  localparam int EW  = 32 + 16 + 2 + 16 + 32 + 8 + 1;  // {len, csum, verdict, errors, hash, type, tag}

  if (CPL_SIZE != 32 || (1 << AW_) != DEPTH || BATCH < 1 || BATCH > 4 || BATCH > DEPTH)
    $fatal(1, "nic_cpl_writer: unexpected completion size or sizing");

  // FIFO pointers (with a wrap bit): ev <= ack <= w <= aw <= push.
  logic [EW-1:0] mem [DEPTH];
  logic [AW_:0]  p_push;   // next free slot
  logic [AW_:0]  p_aw;     // next entry not yet in a burst
  logic [AW_:0]  p_w;      // next entry whose W beats go out
  logic [AW_:0]  p_ack;    // entries before this have a good B
  logic [AW_:0]  p_ev;     // next entry to leave as ev_cpl

  logic [11:0]   idx_aw;   // ring index of entry p_aw
  logic [11:0]   idx_w;    // ring index of the record on W
  logic          phase_w;
  logic [11:0]   head_q;
  logic          dead;

  // Bursts issued: their entry counts, awaiting W then B (pointers index MAX_OUT slots).
  localparam int QW = $clog2(MAX_OUT);
  logic [AW_:0]  wq_n   [MAX_OUT];   // entries per burst (W side, in issue order)
  logic [QW-1:0] wq_wr, wq_rd;
  logic [OW-1:0] out_n;              // bursts issued, B not yet seen
  logic [AW_:0]  bq_n   [MAX_OUT];   // same counts, B side
  logic [11:0]   bq_idx [MAX_OUT];   // first ring index of each burst
  logic [QW-1:0] bq_rd;
  logic [OW-1:0] wq_cnt;             // bursts issued whose W has not started
  wire           wq_any = (wq_cnt != '0);

  logic          aw_valid;
  logic [63:0]   aw_addr;
  logic [7:0]    aw_len;
  logic [1:0]    w_beat;             // beat of the current record
  logic [AW_:0]  w_left;             // records left in the burst on W (0: none)

  if ((1 << QW) != MAX_OUT) $fatal(1, "nic_cpl_writer: MAX_OUT must be a power of two");

  wire [AW_:0] n_buf   = p_push - p_ev;
  wire [AW_:0] n_unw   = p_push - p_aw;
  assign in_ready = (n_buf != (AW_+1)'(DEPTH));
  wire push = in_valid && in_ready;

  // Next burst: min(unwritten, BATCH, to the ring's end, to the 4 KiB boundary).
  logic [12:0] to_end;
  logic [7:0]  to_page;
  logic [3:0]  batch_n;
  logic [63:0] rec_addr;
  always_comb begin
    rec_addr = cfg_cpl_base + {47'd0, idx_aw, 5'd0};
    to_end   = cfg_size - {1'b0, idx_aw};
    to_page  = 8'd128 - {1'b0, rec_addr[11:5]};
    batch_n  = 4'(BATCH);
    if (n_unw < (AW_+1)'(batch_n)) batch_n = 4'(n_unw);
    if (to_end < 13'(batch_n)) batch_n = to_end[3:0];
    if (to_page < 8'(batch_n)) batch_n = to_page[3:0];
  end

  wire aw_free  = !aw_valid || m_axi_awready;
  // Bursts awaiting W or B never exceed out_n < MAX_OUT, so the MAX_OUT-slot burst queues cannot
  // overflow.
  wire aw_issue = aw_free && !dead && (n_unw != '0) && (out_n < OW'(MAX_OUT));

  // The record on W, built through the contract's packed struct.
  logic [EW-1:0]  w_ent;
  nic_pkg::cpl_t  w_rec;
  assign w_ent = mem[p_w[AW_-1:0]];
  always_comb begin
    w_rec              = '0;
    w_rec.len          = w_ent[EW-1 -: 32];
    w_rec.csum         = w_ent[EW-33 -: 16];
    w_rec.csum_verdict = {6'd0, w_ent[EW-49 -: 2]};
    w_rec.errors       = w_ent[EW-51 -: 16];
    w_rec.segs         = (w_ent[EW-51 -: 16] == 16'd0) ? 16'd1 : 16'd0;
    w_rec.rss_hash     = w_ent[EW-67 -: 32];
    w_rec.rss_type     = w_ent[8:1];
    w_rec.index        = {4'd0, idx_w};
    w_rec.queue_num    = queue_id;
    w_rec.flags[CPL_FLAG_PHASE_BIT] = phase_w;
  end

  wire w_valid = (w_left != '0);
  wire w_hs    = w_valid && m_axi_wready;
  wire w_last_rec = (w_left == (AW_+1)'(1));
  wire w_rec_end  = (w_beat == 2'd3);
  wire b_hs    = m_axi_bvalid && (out_n != '0);

  // Event side.
  logic [EW-1:0] ev_ent;
  assign ev_ent = mem[p_ev[AW_-1:0]];
  wire ev_go = (p_ev != p_ack);
  // Dead: once the acknowledged entries have left and nothing is on the bus, drop the rest.
  wire drop  = dead && (p_ev == p_ack) && (p_ev != p_push) && (out_n == '0) && !w_valid &&
               !aw_valid && !wq_any;

  logic [11:0] idx_aw_next;
  always_comb begin
    idx_aw_next = idx_aw + 12'(batch_n);
    if ({1'b0, idx_aw} + 13'(batch_n) == cfg_size) idx_aw_next = 12'd0;
  end

  always_ff @(posedge clk) begin
    if (push) mem[p_push[AW_-1:0]] <=
      {in_len, in_csum, in_verdict, in_errors, in_rss_hash, in_rss_type, in_tag};
  end

  always_ff @(posedge clk) begin
    if (push) p_push <= p_push + 1'b1;
    if (m_axi_awready) aw_valid <= 1'b0;

    if (aw_issue) begin
      aw_valid <= 1'b1;
      aw_addr  <= rec_addr;
      aw_len   <= {2'd0, batch_n, 2'b00} - 8'd1;
      p_aw     <= p_aw + (AW_+1)'(batch_n);
      idx_aw   <= idx_aw_next;
      wq_n[wq_wr]   <= (AW_+1)'(batch_n);
      wq_wr         <= wq_wr + 1'b1;
      bq_n[wq_wr]   <= (AW_+1)'(batch_n);
      bq_idx[wq_wr] <= idx_aw;
    end

    // W: records of the oldest issued burst, two beats each.
    if (!w_valid && wq_any) begin
      w_left <= wq_n[wq_rd];
      wq_rd  <= wq_rd + 1'b1;
      w_beat <= 2'd0;
    end
    if (w_hs) begin
      w_beat <= w_beat + 2'd1;
      if (w_rec_end) begin
        p_w    <= p_w + 1'b1;
        w_left <= w_left - 1'b1;
        idx_w  <= ({1'b0, idx_w} + 13'd1 == cfg_size) ? 12'd0 : idx_w + 12'd1;
        if ({1'b0, idx_w} + 13'd1 == cfg_size) phase_w <= !phase_w;
      end
    end

    out_n <= out_n + OW'(aw_issue) - OW'(b_hs);
    wq_cnt <= wq_cnt + OW'(aw_issue) - OW'(!w_valid && wq_any);
    if (b_hs) begin
      bq_rd <= bq_rd + 1'b1;
      if (!dead) begin
        if (m_axi_bresp != 2'b00) dead <= 1'b1;
        else p_ack <= p_ack + bq_n[bq_rd];
      end
    end

    if (ev_go) begin
      p_ev   <= p_ev + 1'b1;
      head_q <= ({1'b0, head_q} + 13'd1 == cfg_size) ? 12'd0 : head_q + 12'd1;
    end else if (drop) begin
      p_ev  <= p_push;
      p_ack <= p_push;
      p_w   <= p_push;
      p_aw  <= p_push;
    end

    if (start || rst) begin
      p_push   <= '0;
      p_aw     <= '0;
      p_w      <= '0;
      p_ack    <= '0;
      p_ev     <= '0;
      idx_aw   <= 12'd0;
      idx_w    <= 12'd0;
      phase_w  <= 1'b1;
      head_q   <= 12'd0;
      dead     <= 1'b0;
      wq_wr    <= '0;
      wq_rd    <= '0;
      bq_rd    <= '0;
      out_n    <= '0;
      wq_cnt   <= '0;
      w_left   <= '0;
      w_beat   <= 2'd0;
      aw_valid <= 1'b0;
    end
  end

  // A refused B: one pulse naming the failed burst's first index.
  logic        fail_q;
  logic [11:0] fail_idx_q;
  always_ff @(posedge clk) begin
    fail_q <= b_hs && !dead && (m_axi_bresp != 2'b00) && !start;
    fail_idx_q <= bq_idx[bq_rd];
    if (rst) fail_q <= 1'b0;
  end

  // Outputs
  assign ev_len     = ev_ent[EW-1 -: 32];
  assign ev_verdict = ev_ent[EW-49 -: 2];
  assign ev_errors  = ev_ent[EW-51 -: 16];
  assign ev_tag     = ev_ent[0];
  assign ev_cpl        = ev_go;
  assign ev_fail       = fail_q;
  assign ev_fail_index = fail_idx_q;
  assign head          = head_q;
  assign idle          = (p_ev == p_push) && (out_n == '0) && !w_valid && !aw_valid && !wq_any;

  assign m_axi_awaddr  = aw_addr;
  assign m_axi_awlen   = aw_len;
  assign m_axi_awvalid = aw_valid;
  assign m_axi_wdata   = w_rec[64*w_beat +: 64];
  assign m_axi_wstrb   = 8'hFF;
  assign m_axi_wlast   = w_rec_end && w_last_rec;
  assign m_axi_wvalid  = w_valid;
  assign m_axi_bready  = (out_n != '0);

  // csum, hash and type are written, not reported; the tag is reported, not written.
  wire unused = ^ev_ent[EW-33 -: 16] ^ ^ev_ent[EW-67:1] ^ w_ent[0];

endmodule

`resetall
