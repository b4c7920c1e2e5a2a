`resetall
`timescale 1ns / 1ps
`default_nettype none

// Completion writer: the completion rings of NQ queues of one engine, written in batches without
// stalling the engine that feeds it. Used by both queue engines (docs/nic.md, "Rings" and
// "Pipelining").
//
// The engine pushes one entry per descriptor (in_*: the queue, the descriptor's ring index and the
// record's fields), in each queue's ring order, as soon as that descriptor's work is done; entries
// of different queues may interleave. The writer keeps them in a DEPTH-entry FIFO and writes them
// in bursts: whenever the AW channel is free and fewer than MAX_OUT bursts await their B, it takes
// the run of entries of one queue at the FIFO's unwritten end, up to BATCH, never past the end of
// that queue's ring and never across a 4 KiB boundary, and writes their 32-byte records (four
// beats each, FLAGS with the phase in each record's last byte) in one INCR burst. It does not wait
// for a B before the next burst, so under load entries pile up behind the bursts in flight and
// batches form by themselves; at low latency each completion goes out alone, at once.
//
// B responses come back in order (one AXI ID). For a good B the batch's entries are acknowledged;
// acknowledged entries leave the FIFO one per cycle as ev_cpl pulses (with the entry's queue and
// fields), and that queue's HEAD advances with each pulse, so HEAD and the CSR's counters always
// agree. A refused B (SLVERR/DECERR) kills its queue until that queue's `start`: one ev_fail pulse
// names the queue and the batch's first index; entries of that batch and every later entry of the
// queue leave without a completion (ev_drop pulses instead of ev_cpl), and no burst for the queue
// starts (an entry of a dead queue becomes a null burst that never reaches the bus); the B of every
// burst already issued is awaited and ignored. HEAD stays at the failed index. Other queues go on.
//
// `idle` is high when nothing is buffered, being written or awaiting a B. `start[q]` (queue q's
// ENABLE 0->1, applied by the engine only while no entry of queue q is here) resets q's HEAD to 0,
// its phase to 1 and revives it.
module nic_cpl_writer #(
  parameter int NQ      = 1,    // queues (power of two, 1..16)
  parameter int DEPTH   = 16,   // entries buffered (power of two)
  parameter int BATCH   = 4,    // completions per burst at most (16 beats)
  parameter int MAX_OUT = 16,   // bursts awaiting B at most (power of two)
  localparam int QW     = (NQ > 1) ? $clog2(NQ) : 1
) (
  input  wire            clk,
  input  wire            rst,
  input  wire [NQ*64-1:0] cfg_cpl_base,  // queue q's completion ring base in [64q +: 64]
  input  wire [NQ*13-1:0] cfg_size,      // queue q's ring entries in [13q +: 13]
  input  wire [NQ-1:0]   start,
  // entries, in ring order per queue
  input  wire            in_valid,
  output wire            in_ready,
  input  wire [QW-1:0]   in_queue,     // also written into the record's QUEUE_NUM
  input  wire [11:0]     in_index,
  input  wire [31:0]     in_len,
  input  wire [15:0]     in_csum,
  input  wire [1:0]      in_verdict,
  input  wire [15:0]     in_errors,
  input  wire [31:0]     in_rss_hash,
  input  wire [7:0]      in_rss_type,
  input  wire            in_tag,       // carried to ev_tag, not written
  // entries leaving, one per cycle: acknowledged (ev_cpl) or dropped (ev_drop)
  output wire            ev_cpl,
  output wire            ev_drop,
  output wire [QW-1:0]   ev_queue,
  output wire [31:0]     ev_len,
  output wire [15:0]     ev_errors,
  output wire [1:0]      ev_verdict,
  output wire            ev_tag,
  output wire            ev_fail,
  output wire [QW-1:0]   ev_fail_queue,
  output wire [11:0]     ev_fail_index,
  output wire [NQ*12-1:0] head,        // queue q's HEAD in [12q +: 12]
  output wire            idle,
  // AXI4 write master, 8-byte beats, INCR
  output wire  [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire  [63:0] m_axi_wdata,  output wire [7:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
  input  wire  [1:0]  m_axi_bresp,  input wire m_axi_bvalid, output wire m_axi_bready
);

  localparam int unsigned CPL_SIZE           = nic_pkg::CPL_SIZE;
  localparam int unsigned CPL_FLAG_PHASE_BIT = nic_pkg::CPL_FLAG_PHASE_BIT;

  localparam int AW_ = $clog2(DEPTH);
  localparam int OW  = $clog2(MAX_OUT + 1);
  localparam int EW  = QW + 12 + 32 + 16 + 2 + 16 + 32 + 8 + 1;
  // entry: {queue, index, len, csum, verdict, errors, hash, type, tag}
  localparam int E_Q   = EW - 1;          // queue, QW bits from here down
  localparam int E_IDX = EW - QW - 1;     // index, 12 bits
  localparam int E_LEN = EW - QW - 13;    // len, 32 bits
  localparam int E_CS  = E_LEN - 32;      // csum
  localparam int E_VD  = E_CS - 16;       // verdict
  localparam int E_ER  = E_VD - 2;        // errors
  localparam int E_HS  = E_ER - 16;       // hash

  if (CPL_SIZE != 32 || (1 << AW_) != DEPTH || BATCH < 1 || BATCH > 4 || BATCH > DEPTH)
    $fatal(1, "nic_cpl_writer: unexpected completion size or sizing");
  if (NQ < 1 || NQ > 16 || (NQ & (NQ - 1)) != 0)
    $fatal(1, "nic_cpl_writer: NQ must be a power of two, 1..16");

  // FIFO pointers (with a wrap bit): ev <= ack <= w <= aw <= push.
  logic [EW-1:0] mem  [DEPTH];
  logic          cont [DEPTH];    // entry is of the same queue as the one pushed before it
  logic          dropm [DEPTH];   // entry leaves without a completion
  logic [AW_:0]  p_push;   // next free slot
  logic [AW_:0]  p_aw;     // next entry not yet in a burst
  logic [AW_:0]  p_w;      // next entry whose W beats go out
  logic [AW_:0]  p_ack;    // entries before this have their B (or were dropped)
  logic [AW_:0]  p_ev;     // next entry to leave
  logic [QW-1:0] last_q;   // queue of the last pushed entry
  logic          any_pushed;

  logic [11:0]   head_q  [NQ];
  logic          phase_q [NQ];    // phase of queue q's next record to be written
  logic          dead    [NQ];

  // Bursts issued, in issue order: W side and B side (pointers index MAX_OUT slots).
  localparam int BW = $clog2(MAX_OUT);
  logic [2:0]    wq_n    [MAX_OUT];   // entries per burst
  logic          wq_null [MAX_OUT];   // a null burst: dropped entries, never on the bus
  logic          wq_ph   [MAX_OUT];   // the phase of its records
  logic [BW-1:0] wq_wr, wq_rd;
  logic [OW-1:0] wq_cnt;              // bursts whose W side has not started
  logic [2:0]    bq_n    [MAX_OUT];
  logic          bq_null [MAX_OUT];
  logic [QW-1:0] bq_q    [MAX_OUT];
  logic [11:0]   bq_idx  [MAX_OUT];
  logic [BW-1:0] bq_rd;
  logic [OW-1:0] bq_cnt;              // bursts whose B side has not finished
  logic [OW-1:0] out_n;               // real bursts issued, B not yet seen
  wire           wq_any = (wq_cnt != '0);

  logic          aw_valid;
  logic [63:0]   aw_addr;
  logic [7:0]    aw_len;
  logic [1:0]    w_beat;             // beat of the current record
  logic [2:0]    w_left;             // records left in the burst on W (0: none)
  logic          w_ph;

  if ((1 << BW) != MAX_OUT) $fatal(1, "nic_cpl_writer: MAX_OUT must be a power of two");

  wire [AW_:0] n_buf = p_push - p_ev;
  wire [AW_:0] n_unw = p_push - p_aw;
  assign in_ready = (n_buf != (AW_+1)'(DEPTH));
  wire push = in_valid && in_ready;

  // Next burst: the run of queue aq's entries at p_aw, min(run, BATCH, to the ring's end, to the
  // 4 KiB boundary).
  logic [EW-1:0] a_ent;
  logic [QW-1:0] aq;
  logic [11:0]   a_idx;
  logic [63:0]   a_base;
  logic [12:0]   a_size;
  logic [12:0]   to_end;
  logic [7:0]    to_page;
  logic [2:0]    run_n;
  logic [2:0]    batch_n;
  logic [63:0]   rec_addr;
  logic [AW_-1:0] pa1, pa2, pa3;
  always_comb begin
    a_ent  = mem[p_aw[AW_-1:0]];
    aq     = a_ent[E_Q -: QW];
    a_idx  = a_ent[E_IDX -: 12];
    a_base = cfg_cpl_base[64*aq +: 64];
    a_size = cfg_size[13*aq +: 13];
    rec_addr = a_base + {47'd0, a_idx, 5'd0};
    to_end   = a_size - {1'b0, a_idx};
    to_page  = 8'd128 - {1'b0, rec_addr[11:5]};
    pa1 = p_aw[AW_-1:0] + AW_'(1);
    pa2 = p_aw[AW_-1:0] + AW_'(2);
    pa3 = p_aw[AW_-1:0] + AW_'(3);
    run_n = 3'd1;
    if (n_unw > (AW_+1)'(1) && cont[pa1]) begin
      run_n = 3'd2;
      if (n_unw > (AW_+1)'(2) && cont[pa2]) begin
        run_n = 3'd3;
        if (n_unw > (AW_+1)'(3) && cont[pa3]) run_n = 3'd4;
      end
    end
    batch_n = 3'(BATCH);
    if (run_n < batch_n) batch_n = run_n;
    if (to_end < 13'(batch_n)) batch_n = to_end[2:0];
    if (to_page < 8'(batch_n)) batch_n = to_page[2:0];
  end

  wire aw_free   = !aw_valid || m_axi_awready;
  wire a_dead    = dead[aq];
  // Bursts in the queues never exceed MAX_OUT: bq_cnt < MAX_OUT before each issue.
  wire room      = (bq_cnt < OW'(MAX_OUT)) && (wq_cnt < OW'(MAX_OUT));
  wire aw_issue  = aw_free && (n_unw != '0) && room && !a_dead;
  wire null_issue = (n_unw != '0) && room && a_dead;
  wire issue     = aw_issue || null_issue;

  // The record on W, built through the contract's packed struct.
  logic [EW-1:0]  w_ent;
  nic_pkg::cpl_t  w_rec;
  assign w_ent = mem[p_w[AW_-1:0]];
  always_comb begin
    w_rec              = '0;
    w_rec.len          = w_ent[E_LEN -: 32];
    w_rec.csum         = w_ent[E_CS -: 16];
    w_rec.csum_verdict = {6'd0, w_ent[E_VD -: 2]};
    w_rec.errors       = w_ent[E_ER -: 16];
    w_rec.segs         = (w_ent[E_ER -: 16] == 16'd0) ? 16'd1 : 16'd0;
    w_rec.rss_hash     = w_ent[E_HS -: 32];
    w_rec.rss_type     = w_ent[8:1];
    w_rec.index        = {4'd0, w_ent[E_IDX -: 12]};
    w_rec.queue_num    = 8'(w_ent[E_Q -: QW]);
    w_rec.flags[CPL_FLAG_PHASE_BIT] = w_ph;
  end

  wire w_valid    = (w_left != '0);
  wire w_hs       = w_valid && m_axi_wready;
  wire w_last_rec = (w_left == 3'd1);
  wire w_rec_end  = (w_beat == 2'd3);
  wire w_next     = !w_valid && wq_any;            // take the next burst on the W side
  wire w_skip     = w_next && wq_null[wq_rd];      // a null burst: nothing to send

  // B side: a null burst at the head finishes at once; a real one with its B.
  wire bq_any   = (bq_cnt != '0);
  wire b_null   = bq_any && bq_null[bq_rd];
  wire b_hs     = m_axi_bvalid && (out_n != '0) && !b_null;
  wire b_done   = b_null || b_hs;
  wire [QW-1:0] bqq = bq_q[bq_rd];
  wire b_drop   = b_null || dead[bqq] || (m_axi_bresp != 2'b00);
  wire b_fail   = b_hs && !dead[bqq] && (m_axi_bresp != 2'b00);

  // Event side.
  logic [EW-1:0] ev_ent;
  assign ev_ent = mem[p_ev[AW_-1:0]];
  wire ev_go    = (p_ev != p_ack);
  wire ev_dropd = dropm[p_ev[AW_-1:0]];
  wire [QW-1:0] evq = ev_ent[E_Q -: QW];

  always_ff @(posedge clk) begin
    if (push) begin
      mem[p_push[AW_-1:0]] <= {in_queue, in_index, in_len, in_csum, in_verdict, in_errors,
                               in_rss_hash, in_rss_type, in_tag};
      cont[p_push[AW_-1:0]] <= any_pushed && (in_queue == last_q);
    end
    // Entries of a finished burst: dropped or not. (At most four, contiguous from p_ack.)
    if (b_done) begin
      for (int k = 0; k < 4; k++) begin
        if (3'(k) < bq_n[bq_rd]) dropm[AW_'(p_ack[AW_-1:0] + AW_'(k))] <= b_drop;
      end
    end
  end

  always_ff @(posedge clk) begin
    if (push) begin
      p_push     <= p_push + 1'b1;
      last_q     <= in_queue;
      any_pushed <= 1'b1;
    end
    if (m_axi_awready) aw_valid <= 1'b0;

    if (issue) begin
      if (aw_issue) begin
        aw_valid <= 1'b1;
        aw_addr  <= rec_addr;
        aw_len   <= {3'd0, batch_n, 2'b00} - 8'd1;
        if ({1'b0, a_idx} + 13'(batch_n) == a_size) phase_q[aq] <= !phase_q[aq];
      end
      p_aw           <= p_aw + (AW_+1)'(batch_n);
      wq_n[wq_wr]    <= batch_n;
      wq_null[wq_wr] <= null_issue;
      wq_ph[wq_wr]   <= phase_q[aq];
      bq_n[wq_wr]    <= batch_n;
      bq_null[wq_wr] <= null_issue;
      bq_q[wq_wr]    <= aq;
      bq_idx[wq_wr]  <= a_idx;
      wq_wr          <= wq_wr + 1'b1;
    end

    // W: records of the oldest issued burst, four beats each; a null burst is skipped.
    if (w_next) begin
      wq_rd <= wq_rd + 1'b1;
      w_beat <= 2'd0;
      w_ph <= wq_ph[wq_rd];
      if (w_skip) p_w <= p_w + (AW_+1)'(wq_n[wq_rd]);
      else w_left <= wq_n[wq_rd];
    end
    if (w_hs) begin
      w_beat <= w_beat + 2'd1;
      if (w_rec_end) begin
        p_w    <= p_w + 1'b1;
        w_left <= w_left - 3'd1;
      end
    end

    out_n  <= out_n + OW'(aw_issue) - OW'(b_hs);
    wq_cnt <= wq_cnt + OW'(issue) - OW'(w_next);
    bq_cnt <= bq_cnt + OW'(issue) - OW'(b_done);
    if (b_done) begin
      bq_rd <= bq_rd + 1'b1;
      p_ack <= p_ack + (AW_+1)'(bq_n[bq_rd]);
      if (b_fail) dead[bqq] <= 1'b1;
    end

    if (ev_go) begin
      p_ev <= p_ev + 1'b1;
      if (!ev_dropd) head_q[evq] <= ({1'b0, head_q[evq]} + 13'd1 == cfg_size[13*evq +: 13])
                                    ? 12'd0 : head_q[evq] + 12'd1;
    end

    for (int q = 0; q < NQ; q++) begin
      if (start[q]) begin
        head_q[q]  <= 12'd0;
        phase_q[q] <= 1'b1;
        dead[q]    <= 1'b0;
      end
    end

    if (rst) begin
      p_push     <= '0;
      p_aw       <= '0;
      p_w        <= '0;
      p_ack      <= '0;
      p_ev       <= '0;
      last_q     <= '0;
      any_pushed <= 1'b0;
      wq_wr      <= '0;
      wq_rd      <= '0;
      bq_rd      <= '0;
      out_n      <= '0;
      wq_cnt     <= '0;
      bq_cnt     <= '0;
      w_left     <= '0;
      w_beat     <= 2'd0;
      w_ph       <= 1'b0;
      aw_valid   <= 1'b0;
      for (int q = 0; q < NQ; q++) begin
        head_q[q]  <= 12'd0;
        phase_q[q] <= 1'b1;
        dead[q]    <= 1'b0;
      end
    end
  end

  // A refused B of a live queue: one pulse naming the queue and the burst's first index.
  logic          fail_q;
  logic [QW-1:0] fail_queue_q;
  logic [11:0]   fail_idx_q;
  always_ff @(posedge clk) begin
    fail_q       <= b_fail && !start[bqq];
    fail_queue_q <= bqq;
    fail_idx_q   <= bq_idx[bq_rd];
    if (rst) fail_q <= 1'b0;
  end

  // Outputs
  assign ev_queue   = evq;
  assign ev_len     = ev_ent[E_LEN -: 32];
  assign ev_verdict = ev_ent[E_VD -: 2];
  assign ev_errors  = ev_ent[E_ER -: 16];
  assign ev_tag     = ev_ent[0];
  assign ev_cpl        = ev_go && !ev_dropd;
  assign ev_drop       = ev_go && ev_dropd;
  assign ev_fail       = fail_q;
  assign ev_fail_queue = fail_queue_q;
  assign ev_fail_index = fail_idx_q;
  for (genvar q = 0; q < NQ; q++) begin : g_head
    assign head[12*q +: 12] = head_q[q];
  end
  assign idle = (p_ev == p_push) && (out_n == '0) && !w_valid && !aw_valid && !wq_any &&
                !bq_any;

  assign m_axi_awaddr  = aw_addr;
  assign m_axi_awlen   = aw_len;
  assign m_axi_awvalid = aw_valid;
  assign m_axi_wdata   = w_rec[64*w_beat +: 64];
  assign m_axi_wstrb   = 8'hFF;
  assign m_axi_wlast   = w_rec_end && w_last_rec;
  assign m_axi_wvalid  = w_valid;
  assign m_axi_bready  = (out_n != '0) && !b_null;

  // csum, hash and type are written, not reported; the tag is reported, not written.
  wire unused = ^ev_ent[E_CS -: 16] ^ ^ev_ent[E_HS:1] ^ ^ev_ent[E_IDX -: 12] ^ w_ent[0] ^
                ^a_ent[E_LEN:0];

endmodule

`resetall
