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
// that queue's ring and never across a 4 KiB boundary, and writes their 32-byte records (FLAGS
// with the phase in each record's last byte) in one INCR burst. It does not wait
// for a B before the next burst, so under load entries pile up behind the bursts in flight and
// batches form by themselves; at low latency each completion goes out alone, at once. W does not
// idle between bursts: the next burst's first beat follows the current one's last beat (a null
// burst still costs one W cycle).
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
// Data width DATA_W (64 or 512 bits). At 64 bits a record is four beats. At 512 bits a beat holds
// two records: a burst starts at the beat holding its first record (the record's address rounded
// down to 64 bytes), and a half beat that is not the batch's has its strobes low, so a batch of n
// records starting at an odd index is ceil((n + 1) / 2) beats and one at an even index
// ceil(n / 2). Bursts are at most 16 beats: BATCH is at most 4 at 64 bits, 16 at 512.
//
// Pairing (512 bits): a record alone in its beat costs a whole beat of the write channel, as two
// do. While `defer` is high (the engine has frames in flight, so more records follow soon), a burst
// whose last beat would be half empty and that could still grow (its queue's run is all that is
// unwritten, and neither BATCH, the ring's end nor 4 KiB stops it) waits for the next record, for
// at most MAX_WAIT cycles. With `defer` low, and always at 64 bits, every burst goes at once.
//
// `idle` is high when nothing is buffered, being written or awaiting a B. `start[q]` (queue q's
// ENABLE 0->1, applied by the engine only while no entry of queue q is here) resets q's HEAD to 0,
// its phase to 1 and revives it.
module nic_cpl_writer #(
  parameter int NQ      = 1,    // queues (power of two, 1..16)
  parameter int DEPTH   = 16,   // entries buffered (power of two)
  parameter int BATCH   = 4,    // completions per burst at most (16 beats)
  parameter int MAX_OUT = 16,   // bursts awaiting B at most (power of two)
  parameter int DATA_W  = 64,   // AXI data width, bits: 64 or 512
  parameter int MAX_WAIT = 32,  // cycles a half-beat burst may wait for a partner (512 bits)
  localparam int QW     = (NQ > 1) ? $clog2(NQ) : 1,
  localparam int KW     = DATA_W / 8
) (
  input  wire            clk,
  input  wire            rst,
  input  wire [NQ*64-1:0] cfg_cpl_base,  // queue q's completion ring base in [64q +: 64]
  input  wire [NQ*13-1:0] cfg_size,      // queue q's ring entries in [13q +: 13]
  input  wire [NQ-1:0]   start,
  input  wire            defer,        // more records follow soon: pair records
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
  // AXI4 write master, DATA_W/8-byte beats, INCR
  output wire  [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire  [DATA_W-1:0] m_axi_wdata, output wire [KW-1:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
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

  // Records per beat (RPB) and beats per record (BPR): one of them is 1.
  localparam int RPB = (KW >= 32) ? KW / 32 : 1;
  localparam int BPR = (KW >= 32) ? 1 : 32 / KW;
  localparam int NW  = $clog2(BATCH + 1);          // record counts 0..BATCH
  localparam int SW  = (RPB > 1) ? $clog2(RPB) : 1; // slot of a record within its beat
  localparam logic [63:0] A_LOW = 64'(KW) - 64'd1;    // address bits within a beat
  localparam int MAX_BEATS = 16;

  if (DATA_W != 64 && DATA_W != 512)
    $fatal(1, "nic_cpl_writer: DATA_W must be 64 or 512, not %0d", DATA_W);
  if (CPL_SIZE != 32 || (1 << AW_) != DEPTH || BATCH < 1 || BATCH > DEPTH ||
      (BPR > 1 && BATCH * BPR > MAX_BEATS) || (BATCH + 2 * RPB - 2) / RPB > MAX_BEATS)
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

  // (Packed vectors: Verilator keeps a per-cycle "written" flag for every site that writes an
  // element of an unpacked array.)
  logic [NQ-1:0][11:0] head_q;
  logic [NQ-1:0] phase_q;         // phase of queue q's next record to be written
  logic [NQ-1:0] dead;

  // Bursts issued, in issue order: W side and B side (pointers index MAX_OUT slots).
  localparam int BW = $clog2(MAX_OUT);
  logic [NW-1:0] wq_n    [MAX_OUT];   // entries per burst
  logic          wq_null [MAX_OUT];   // a null burst: dropped entries, never on the bus
  logic          wq_ph   [MAX_OUT];   // the phase of its records
  logic [SW-1:0] wq_slot [MAX_OUT];   // slot of its first record in the first beat (RPB > 1)
  logic [BW-1:0] wq_wr, wq_rd;
  logic [OW-1:0] wq_cnt;              // bursts whose W side has not started
  logic [NW-1:0] bq_n    [MAX_OUT];
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
  logic [1:0]    w_beat;             // beat of the current record (BPR > 1)
  logic [NW-1:0] w_left;             // records left in the burst on W (0: none)
  logic [SW-1:0] w_slot;             // slot of the next record in the beat (RPB > 1)
  logic          w_ph;

  if ((1 << BW) != MAX_OUT) $fatal(1, "nic_cpl_writer: MAX_OUT must be a power of two");

  wire [AW_:0] n_buf = p_push - p_ev;
  wire [AW_:0] n_unw = p_push - p_aw;
  assign in_ready = (n_buf != (AW_+1)'(DEPTH));
  wire push = in_valid && in_ready;

  // Next burst: the run of queue aq's entries at p_aw, min(run, BATCH, to the ring's end, to the
  // 4 KiB boundary). Worked out only while there is an unwritten entry: every use is under issue,
  // which needs one (all 0 otherwise, as when the writer is idle, most cycles).
  logic [EW-1:0] a_ent;
  logic [QW-1:0] aq;
  logic [11:0]   a_idx;
  logic [63:0]   a_base;
  logic [12:0]   a_size;
  logic [12:0]   to_end;
  logic [7:0]    to_page;
  logic [NW-1:0] run_n;
  logic [NW-1:0] batch_n;
  logic [63:0]   rec_addr;
  logic          run_on;
  logic [SW-1:0] a_slot;             // slot of the batch's first record in its beat
  logic [7:0]    a_beats;            // beats of the batch's burst
  always_comb begin
    a_ent    = '0;
    aq       = '0;
    a_idx    = '0;
    a_base   = '0;
    a_size   = '0;
    rec_addr = '0;
    to_end   = '0;
    to_page  = '0;
    run_n    = '0;
    run_on   = 1'b0;
    batch_n  = '0;
    a_slot   = '0;
    a_beats  = '0;
    if (n_unw != '0) begin
      a_ent  = mem[p_aw[AW_-1:0]];
      aq     = a_ent[E_Q -: QW];
      a_idx  = a_ent[E_IDX -: 12];
      a_base = cfg_cpl_base[64*aq +: 64];
      a_size = cfg_size[13*aq +: 13];
      rec_addr = a_base + {47'd0, a_idx, 5'd0};
      to_end   = a_size - {1'b0, a_idx};
      to_page  = 8'd128 - {1'b0, rec_addr[11:5]};
      // The run of entries of aq's queue at p_aw, up to BATCH.
      run_n  = NW'(1);
      run_on = 1'b1;
      for (int k = 1; k < BATCH; k++) begin
        run_on = run_on && (n_unw > (AW_+1)'(k)) && cont[AW_'(p_aw[AW_-1:0] + AW_'(k))];
        if (run_on) run_n = NW'(k + 1);
      end
      batch_n = run_n;
      if (to_end < 13'(batch_n)) batch_n = NW'(to_end);
      if (to_page < 8'(batch_n)) batch_n = NW'(to_page);
      a_slot  = (RPB > 1) ? rec_addr[5 +: SW] : '0;
      a_beats = (RPB > 1) ? 8'((int'(a_slot) + int'(batch_n) + RPB - 1) / RPB)
                          : 8'(int'(batch_n) * BPR);
    end
  end

  wire aw_free   = !aw_valid || m_axi_awready;
  wire a_dead    = dead[aq];
  // Pairing: the burst would end in a half-empty beat, and the next record could join it.
  localparam int WT_W = $clog2(MAX_WAIT + 1);
  logic [WT_W-1:0] wait_cnt;           // cycles the unwritten head has waited
  wire half_end  = (RPB > 1) && (((int'(a_slot) + int'(batch_n)) % RPB) != 0);
  wire can_grow  = (batch_n == run_n) && ((AW_+1)'(run_n) == n_unw) && (int'(run_n) < BATCH) &&
                   (to_end > 13'(run_n)) && (to_page > 8'(run_n));
  wire hold      = defer && half_end && can_grow && (wait_cnt != WT_W'(MAX_WAIT));
  // Bursts in the queues never exceed MAX_OUT: bq_cnt < MAX_OUT before each issue.
  wire room      = (bq_cnt < OW'(MAX_OUT)) && (wq_cnt < OW'(MAX_OUT));
  wire aw_issue  = aw_free && (n_unw != '0) && room && !a_dead && !hold;
  wire null_issue = (n_unw != '0) && room && a_dead;
  wire issue     = aw_issue || null_issue;

  // A record, built through the contract's packed struct (byte 0 in bits 7:0).
  function automatic nic_pkg::cpl_t rec_of(input logic [EW-1:1] e, input logic ph);
    nic_pkg::cpl_t r;
    r              = '0;
    r.len          = e[E_LEN -: 32];
    r.csum         = e[E_CS -: 16];
    r.csum_verdict = {6'd0, e[E_VD -: 2]};
    r.errors       = e[E_ER -: 16];
    r.segs         = (e[E_ER -: 16] == 16'd0) ? 16'd1 : 16'd0;
    r.rss_hash     = e[E_HS -: 32];
    r.rss_type     = e[8:1];
    r.index        = {4'd0, e[E_IDX -: 12]};
    r.queue_num    = 8'(e[E_Q -: QW]);
    r.flags[CPL_FLAG_PHASE_BIT] = ph;
    return r;
  endfunction

  wire w_valid    = (w_left != '0);
  wire w_hs       = w_valid && m_axi_wready;

  // The W beat: at 64 bits a quarter of the record at p_w; at 512 bits the records at p_w,
  // p_w + 1, ... in the slots from w_slot on, as many as the burst has left.
  logic [DATA_W-1:0] w_data;
  logic [KW-1:0]     w_strb;
  logic [NW-1:0]     w_recs;             // records finished by this beat
  logic              w_last;
  if (BPR > 1) begin : g_w_narrow
    nic_pkg::cpl_t rec;
    always_comb begin
      rec    = rec_of(mem[p_w[AW_-1:0]][EW-1:1], w_ph);
      w_data = rec[DATA_W*w_beat +: DATA_W];
      w_strb = '1;
      w_recs = NW'(w_beat == 2'(BPR - 1));
      w_last = (w_beat == 2'(BPR - 1)) && (w_left == NW'(1));
    end
    wire unused_slot = ^w_slot;
  end else begin : g_w_wide
    always_comb begin
      w_data = '0;
      w_strb = '0;
      w_recs = '0;
      for (int s = 0; s < RPB; s++) begin
        if (s >= int'(w_slot) && w_recs < w_left) begin
          w_data[256*s +: 256] = rec_of(mem[AW_'(p_w[AW_-1:0] + AW_'(w_recs))][EW-1:1], w_ph);
          w_strb[32*s +: 32]   = '1;
          w_recs = w_recs + NW'(1);
        end
      end
      w_last = (w_recs == w_left);
    end
  end

  wire w_end      = w_hs && w_last;                // the burst's last beat goes out
  // Take the next burst on the W side when W is free, or in the cycle of the current burst's last
  // beat, so that W does not idle between bursts.
  wire w_next     = wq_any && (!w_valid || w_end);
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
      for (int k = 0; k < BATCH; k++) begin
        if (NW'(k) < bq_n[bq_rd]) dropm[AW_'(p_ack[AW_-1:0] + AW_'(k))] <= b_drop;
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
        aw_addr  <= rec_addr & ~A_LOW;
        aw_len   <= a_beats - 8'd1;
        if ({1'b0, a_idx} + 13'(batch_n) == a_size) phase_q[aq] <= !phase_q[aq];
      end
      p_aw           <= p_aw + (AW_+1)'(batch_n);
      wq_n[wq_wr]    <= batch_n;
      wq_null[wq_wr] <= null_issue;
      wq_ph[wq_wr]   <= phase_q[aq];
      wq_slot[wq_wr] <= a_slot;
      bq_n[wq_wr]    <= batch_n;
      bq_null[wq_wr] <= null_issue;
      bq_q[wq_wr]    <= aq;
      bq_idx[wq_wr]  <= a_idx;
      wq_wr          <= wq_wr + 1'b1;
    end

    // W: records of the oldest issued burst; a null burst is skipped. The next burst is loaded in
    // the cycle of the current burst's last beat.
    if (w_hs) begin
      w_beat <= (w_beat == 2'(BPR - 1)) ? 2'd0 : w_beat + 2'd1;
      w_slot <= '0;
      w_left <= w_left - w_recs;
    end
    p_w <= p_w + (w_hs ? (AW_+1)'(w_recs) : '0) + (w_skip ? (AW_+1)'(wq_n[wq_rd]) : '0);
    if (w_next) begin
      wq_rd <= wq_rd + 1'b1;
      w_beat <= 2'd0;
      w_ph <= wq_ph[wq_rd];
      w_slot <= wq_slot[wq_rd];
      if (!w_skip) w_left <= wq_n[wq_rd];
    end

    if (issue || n_unw == '0) wait_cnt <= '0;
    else if (wait_cnt != WT_W'(MAX_WAIT)) wait_cnt <= wait_cnt + 1'b1;
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

    if (start != '0) begin
      for (int q = 0; q < NQ; q++) begin
        if (start[q]) begin
          head_q[q]  <= 12'd0;
          phase_q[q] <= 1'b1;
          dead[q]    <= 1'b0;
        end
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
      w_slot     <= '0;
      w_ph       <= 1'b0;
      aw_valid   <= 1'b0;
      wait_cnt   <= '0;
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
  assign head = head_q;
  assign idle = (p_ev == p_push) && (out_n == '0) && !w_valid && !aw_valid && !wq_any &&
                !bq_any;

  assign m_axi_awaddr  = aw_addr;
  assign m_axi_awlen   = aw_len;
  assign m_axi_awvalid = aw_valid;
  assign m_axi_wdata   = w_data;
  assign m_axi_wstrb   = w_strb;
  assign m_axi_wlast   = w_last;
  assign m_axi_wvalid  = w_valid;
  assign m_axi_bready  = (out_n != '0) && !b_null;

  // csum, hash and type are written, not reported; the tag is reported, not written.
  wire unused = ^ev_ent[E_CS -: 16] ^ ^ev_ent[E_HS:1] ^ ^ev_ent[E_IDX -: 12] ^ ^a_ent[E_LEN:0];

endmodule

`resetall
