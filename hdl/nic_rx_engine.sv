`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX queue engine for NQ RX queues: implements "Receive" in docs/nic.md, pipelined so that no frame
// waits for a memory round trip of another ("Pipelining" there).
//
// Stages:
//   fetch    As soon as the host posts descriptors (HEAD .. TAIL) on a queue, reads them ahead of
//            any frame in blocks of up to DESC_BLOCK (one burst, never past the ring's end or across
//            4 KiB) into that queue's DQD-entry descriptor FIFO, whose space is reserved when the
//            block is issued; a descriptor with a refused beat is marked. A scheduler visits one
//            queue per cycle, round robin, and fetches a block for it when it has posted
//            descriptors and room.
//   receive  Frames on s_axis_* in arrival order, back to back (the next frame starts in the cycle
//            of the last beat of the one before; from idle, a frame takes one cycle to start),
//            each with its metadata on s_axis_meta_* (valid from before its first beat: the RX
//            buffer in front holds whole frames): the queue RSS chose (queue 0 with feat_rxhash
//            off), the RSS hash and type, the checksum verdict and sum. For the frame's queue:
//            disabled or halted -> the frame is consumed and dropped. No descriptor in its
//            FIFO (HEAD == TAIL, or its fetch still in flight) -> the frame waits at the port (and
//            every frame behind it, whatever its queue). A
//            marked descriptor -> the queue halts here and the frame is dropped. Otherwise the
//            descriptor is checked (LEN 0 or ADDR + LEN past 2^64 -> DESC_LEN, ADDR % 8 ->
//            DESC_ALIGN: the frame is consumed, nothing written) and the frame is written cut-through: each beat holding
//            bytes below ADDR + LEN goes into a staging FIFO (wstrb trimmed to tkeep and the
//            capacity), beats past it are discarded. At the frame's last beat an entry goes into
//            the order FIFO and the next frame may start; the frame's writes drain behind it.
//   write    Staged beats leave in INCR bursts (closed at 16 beats, at the last beat to write, or
//            before a 4 KiB boundary), AW in order, W once that burst's AW is accepted, up to B_MAX
//            bursts awaiting B. The last burst of each frame is marked, so the B side knows where
//            each frame's writes end and whether any was refused.
//   retire   Pops the order FIFO in frame order, one entry per cycle, once the frame's writes are
//            acknowledged (the checksum and RSS results were taken with the frame's metadata; RSS
//            is reported only with FEATURES.RXHASH on). It raises the frame's ev_err (DESC_LEN,
//            DESC_ALIGN, DMA_WRITE of a refused data write, or DMA_READ with ev_halt for a marked
//            descriptor), ev_drop for a dropped frame, and hands the completion to nic_cpl_writer,
//            which writes completions in batches and reports each (ev_cpl) once acknowledged;
//            HEAD is the writer's. Events thus come in frame order, as when one frame was handled
//            at a time.
//
// Two AXI4 masters: the control port carries the descriptor fetches (AR/R) and the completion
// writer's bursts (AW/W/B), the data port the frames' buffer writes, so a completion never takes a
// data beat's cycle. A completion is handed to the writer only after all of its frame's data
// writes were acknowledged (B), so it is never visible before the frame's bytes.
//
// Width. DATA_W (64 or 512) is the width of the AXI4 data bus and of the stream in. Every AXI
// address is a multiple of DATA_W/8 (the beat). Descriptors (16 bytes) are fetched as whole beats:
// at 64 bits two beats each, at 512 bits four per beat (a block starts with the beat that holds
// its first descriptor; the slots before it are ignored). A buffer starts at any multiple of 8:
// write beat k of a frame is the beat at (ADDR rounded down to the beat) + k beats, holding the
// frame's bytes that fall in it (stream beat k shifted up by o = ADDR % (DATA_W/8), and the top o
// bytes of stream beat k - 1), with strobes for exactly the buffer's bytes below ADDR + LEN. When
// the frame's last stream beat spills past its write beat (o plus its bytes > DATA_W/8), one more
// write beat follows in a cycle of its own (state S_FLUSH) before the next frame may start. At 64
// bits o is always 0 and stream beats are written as they come.
//
// After a halt of queue q the engine drops every new frame of q until q's q_start and raises no
// more errors for q's frames already in flight; a refused completion write (reported by the writer)
// halts the queue too. q_start (ENABLE 0->1) is held until nothing of queue q is in flight — no
// frame of q being received or between receive and its completion, no descriptor read of q
// outstanding — and then resets q's HEAD, fetch pointer and descriptor FIFO; a frame of q arriving
// meanwhile waits at the port. Other queues run on throughout.

module nic_rx_engine #(
  parameter int NQ = 1,                // RX queues (power of two, 1..16)
  parameter int DATA_W = 64,           // AXI4 data and stream width, bits: 64 or 512
  localparam int QW = (NQ > 1) ? $clog2(NQ) : 1,
  localparam int KW = DATA_W / 8       // bytes per beat
) (
  input  wire        clk,
  input  wire        rst,              // synchronous, active high
  // per queue q: the field in [W*q +: W]
  input  wire [NQ*64-1:0] cfg_ring_base,  // RX descriptor ring base (64-byte aligned)
  input  wire [NQ*64-1:0] cfg_cpl_base,   // completion ring base (64-byte aligned)
  input  wire [NQ*13-1:0] cfg_size,       // ring entries, power of two 2..4096
  input  wire [NQ-1:0]    q_enable,       // queue enabled and not halted
  input  wire [NQ-1:0]    q_start,        // pulse: head <= 0, phase <= 1
  input  wire [NQ*12-1:0] q_tail,
  output wire [NQ*12-1:0] q_head,
  output wire [NQ-1:0]    q_busy,
  output wire        ev_halt,          // with ev_err: queue ev_err_queue halted
  output wire        ev_cpl,
  output wire [QW-1:0] ev_cpl_queue,
  output wire [31:0] ev_cpl_len,
  output wire [15:0] ev_cpl_errors,
  output wire [1:0]  ev_cpl_verdict,   // with ev_cpl: the completion's CSUM_VERDICT
  output wire        ev_err,
  output wire [QW-1:0] ev_err_queue,   // the queue of ev_err, ev_halt and ev_drop
  output wire [4:0]  ev_err_code,
  output wire [15:0] ev_err_index,
  output wire        ev_drop,
  // AXI4 masters, no ID (the interconnects add it); beats of DATA_W/8 bytes, INCR.
  // Control port: descriptor fetches (AR/R) and completion writes (AW/W/B).
  output wire [63:0] m_axi_ctl_araddr, output wire [7:0] m_axi_ctl_arlen, output wire m_axi_ctl_arvalid, input wire m_axi_ctl_arready,
  input  wire [DATA_W-1:0] m_axi_ctl_rdata, input wire [1:0] m_axi_ctl_rresp, input wire m_axi_ctl_rlast, input wire m_axi_ctl_rvalid, output wire m_axi_ctl_rready,
  output wire [63:0] m_axi_ctl_awaddr, output wire [7:0] m_axi_ctl_awlen, output wire m_axi_ctl_awvalid, input wire m_axi_ctl_awready,
  output wire [DATA_W-1:0] m_axi_ctl_wdata, output wire [KW-1:0] m_axi_ctl_wstrb, output wire m_axi_ctl_wlast, output wire m_axi_ctl_wvalid, input wire m_axi_ctl_wready,
  input  wire [1:0]  m_axi_ctl_bresp,  input wire m_axi_ctl_bvalid, output wire m_axi_ctl_bready,
  // Data port (write only): the frames' buffer writes.
  output wire [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire [DATA_W-1:0] m_axi_wdata, output wire [KW-1:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
  input  wire [1:0]  m_axi_bresp,  input wire m_axi_bvalid, output wire m_axi_bready,
  // MAC RX AXI-Stream (from the wire or the MAC loopback)
  input  wire [DATA_W-1:0] s_axis_tdata, input wire [KW-1:0] s_axis_tkeep, input wire s_axis_tvalid, output wire s_axis_tready,
  input  wire        s_axis_tlast, input wire s_axis_tuser,
  // per-frame metadata (one per frame on s_axis, in order; taken at the frame's start)
  input  wire        feat_rxhash,      // FEATURES.RXHASH (changed only while idle)
  input  wire        s_axis_meta_valid,
  output wire        s_axis_meta_ready,
  input  wire [QW-1:0] s_axis_meta_queue,  // the queue RSS chose
  input  wire [31:0] s_axis_meta_hash,
  input  wire [3:0]  s_axis_meta_type,
  input  wire [1:0]  s_axis_meta_verdict,
  input  wire [15:0] s_axis_meta_csum
);

  localparam int unsigned RXD_SIZE           = nic_pkg::RXD_SIZE;
  localparam int unsigned RXD_ADDR_OFF       = nic_pkg::RXD_ADDR_OFF;
  localparam int unsigned RXD_LEN_OFF        = nic_pkg::RXD_LEN_OFF;
  localparam int unsigned ERR_DESC_LEN_BIT   = nic_pkg::ERR_DESC_LEN_BIT;
  localparam int unsigned ERR_DESC_ALIGN_BIT = nic_pkg::ERR_DESC_ALIGN_BIT;
  localparam int unsigned ERR_DMA_READ_BIT   = nic_pkg::ERR_DMA_READ_BIT;
  localparam int unsigned ERR_DMA_WRITE_BIT  = nic_pkg::ERR_DMA_WRITE_BIT;
  localparam int unsigned ERR_RX_TOO_BIG_BIT = nic_pkg::ERR_RX_TOO_BIG_BIT;
  localparam int unsigned ERR_RX_FRAME_BIT   = nic_pkg::ERR_RX_FRAME_BIT;

  // Sizing. At 512 bits a 64-byte frame is one beat, so four times as many frames (and their
  // descriptors, bursts and completions) are in flight at a given latency: those depths scale.
  localparam bit WIDE       = (DATA_W == 512);
  localparam int KS         = $clog2(KW);      // address bits within a beat
  localparam int NKW        = KS + 1;          // byte counts 0..KW
  // Descriptors per fetch burst: 8 x 16 B = 16 beats at 64 bits; 32 = 8 or 9 beats at 512.
  localparam int DESC_BLOCK = WIDE ? 32 : 8;
  localparam int FN_W       = $clog2(DESC_BLOCK + 1);
  // Descriptor FIFO per queue (power of two): >= rate x latency for one busy queue.
  localparam int DESC_DEPTH = WIDE ? ((NQ == 1) ? 256 : 128) : ((NQ == 1) ? 64 : 32);
  localparam int DESC_AW    = $clog2(DESC_DEPTH);
  localparam int OUT_W      = WIDE ? 10 : 8;   // frames of a queue past receive: <= ORD + CW depth
  localparam int MAX_RD     = WIDE ? 15 : 7;   // descriptor fetches in flight
  localparam int RQ_DEPTH   = MAX_RD + 1;      // their tags (power of two)
  localparam int RQ_AW      = $clog2(RQ_DEPTH);
  localparam int DQ_DEPTH   = 64;              // staged data beats (power of two)
  localparam int DQ_AW      = $clog2(DQ_DEPTH);
  localparam int CQ_DEPTH   = WIDE ? 32 : 8;   // closed bursts waiting for AW/W (power of two)
  localparam int CQ_AW      = $clog2(CQ_DEPTH);
  localparam int MAX_BEATS  = 16;              // beats per write burst
  localparam int B_MAX      = WIDE ? 256 : 64; // data bursts awaiting B at most
  localparam int B_W        = $clog2(B_MAX + 1);
  localparam int BT_DEPTH   = B_MAX;           // data bursts awaiting B (power of two)
  localparam int BT_AW      = $clog2(BT_DEPTH);
  localparam int ORD_DEPTH  = WIDE ? 256 : 64; // frames between receive and retire
  localparam int ORD_AW     = $clog2(ORD_DEPTH);
  localparam int DONE_DEPTH = WIDE ? 256 : 64; // frames whose writes are all acknowledged
  localparam int DONE_AW    = $clog2(DONE_DEPTH);
  localparam int RES_DEPTH  = WIDE ? 512 : 128;  // checksum results held (power of two)
  localparam int RES_AW     = $clog2(RES_DEPTH);
  localparam int CW_DEPTH   = WIDE ? 256 : 64; // completion writer: entries, records per burst,
  localparam int CW_BATCH   = WIDE ? 16 : 4;   //   bursts awaiting B
  localparam int CW_OUT     = WIDE ? 64 : 16;
  // Descriptors per beat (DPB) and beats per descriptor (BPD): one of them is 1.
  localparam int DPB        = (KW >= 16) ? KW / 16 : 1;
  localparam int BPD        = (KW >= 16) ? 1 : 16 / KW;
  localparam int DSW        = (DPB > 1) ? $clog2(DPB) : 1;
  localparam int DNW        = $clog2(DPB + 1);
  localparam logic [63:0] A_LOW = 64'(KW) - 64'd1;   // address bits within a beat
  // {queue, kind, index, len, {desc_len, desc_align, too_big, bad}}
  localparam int ORD_W      = QW + 2 + 12 + 32 + 4;

  localparam logic [1:0] K_FRAME = 2'd0, K_DROP = 2'd1, K_HALT = 2'd2;

  if (RXD_SIZE != 16 || RXD_ADDR_OFF != 0 || RXD_LEN_OFF != 8) begin : g_layout
    $fatal(1, "nic_rx_engine: unexpected RX descriptor layout");
  end
  if (BT_DEPTH < B_MAX || DONE_DEPTH < ORD_DEPTH ||
      (BPD > 1 && DESC_BLOCK * BPD > MAX_BEATS) ||
      (DESC_BLOCK + 2 * DPB - 2) / DPB > MAX_BEATS || (1 << RQ_AW) != RQ_DEPTH) begin : g_sizing
    $fatal(1, "nic_rx_engine: inconsistent sizing");
  end
  if (DATA_W != 64 && DATA_W != 512) begin : g_width
    $fatal(1, "nic_rx_engine: DATA_W must be 64 or 512, not %0d", DATA_W);
  end
  if (NQ < 1 || NQ > 16 || (NQ & (NQ - 1)) != 0) begin : g_nq
    $fatal(1, "nic_rx_engine: NQ must be a power of two, 1..16");
  end

  // Slot of queue q's descriptor FIFO entry at pointer p.
  localparam int DI_W = (NQ > 1) ? QW + DESC_AW : DESC_AW;
  function automatic logic [DI_W-1:0] dslot(input logic [QW-1:0] q,
                                            input logic [DESC_AW-1:0] p);
    return (NQ > 1) ? DI_W'({q, p}) : DI_W'(p);
  endfunction

  function automatic logic [NKW-1:0] popcount(input logic [KW-1:0] v);
    logic [NKW-1:0] n;
    n = '0;
    for (int i = 0; i < KW; i++) n = n + NKW'(v[i]);
    return n;
  endfunction

  // The low n lanes of a beat, n = 0..KW (saturating).
  function automatic logic [KW-1:0] low_lanes(input logic [31:0] n);
    return (n >= 32'(KW)) ? '1 : ~({KW{1'b1}} << n[NKW-1:0]);
  endfunction

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [1:0] { S_IDLE, S_RECV, S_DROP, S_FLUSH } state_t;
  state_t      state;
  // per queue
  // (Packed vectors, not unpacked arrays: Verilator keeps a "written this cycle" flag for every
  // site that writes an element of an unpacked array, cleared and tested every cycle.)
  logic [NQ-1:0] halt_rx;              // new frames are dropped (halted) until q_start
  logic [NQ-1:0] halted_ev;            // a halt was reported: no more errors until q_start
  logic [NQ-1:0] start_pending;
  logic [NQ-1:0][11:0] fetch_idx;
  logic [NQ-1:0][DESC_AW:0] desc_inflight;  // descriptors requested, not yet in the FIFO
  logic [NQ-1:0][DESC_AW:0] desc_wr, desc_rd;
  logic [NQ-1:0][11:0] recv_idx;       // ring index of the next descriptor taken
  logic [NQ-1:0][OUT_W-1:0] outstanding;  // frames past receive, not yet completed or dropped

  // fetch
  logic [QW-1:0]    sched_q;    // the queue the fetch scheduler looks at
  logic [RQ_AW-1:0] rd_out;     // descriptor bursts in flight
  logic             ar_valid;
  logic [63:0]      ar_addr;
  logic [7:0]       ar_len;
  // Each descriptor burst in flight, in order: its queue, and (DPB > 1) the slots of its first
  // beat before its first descriptor and how many descriptors it has.
  logic [QW-1:0]    rq_mem [RQ_DEPTH];
  logic [DSW-1:0]   rq_skip [RQ_DEPTH];
  logic [FN_W-1:0]  rq_n [RQ_DEPTH];
  logic [RQ_AW-1:0] rq_wr, rq_rd;
  logic [64+32:0]   desc_mem [NQ*DESC_DEPTH];   // {refused, addr, len}, queue q's at q*DESC_DEPTH

  // receive
  logic [QW-1:0] cur_q;         // the queue of the frame being received
  logic [11:0] cur_idx;
  logic [1:0]  kind_cur;        // K_DROP or K_HALT while in S_DROP
  logic [31:0] desc_len;
  logic [1:0]  desc_err;        // {DESC_ALIGN, DESC_LEN}
  logic [31:0] frame_len;
  logic [63:0] cur_addr;        // the next write beat's address (a multiple of the beat)
  logic [31:0] rem;             // lanes of the buffer from cur_addr on (saturates at 0)
  logic [KS-1:0] cur_o;         // the buffer's offset in its first beat (0 at 64 bits)
  logic        first_wb;        // the next write beat is the frame's first
  logic [DATA_W-1:0] carry;     // the last stream beat written (its top cur_o bytes go on)
  logic [NKW-1:0] fl_n;         // S_FLUSH: bytes of the frame in the flush beat
  logic [63:0] open_addr;
  logic [4:0]  open_cnt;

  // staging and write path
  logic [KW+DATA_W-1:0] dq_mem [DQ_DEPTH];  // {strobes, data}
  logic [DQ_AW:0]   dq_wr, dq_rd;
  logic [63:0]      cq_addr [CQ_DEPTH];
  logic [3:0]       cq_len  [CQ_DEPTH];
  logic             cq_last [CQ_DEPTH];   // the frame's last burst
  logic [CQ_AW:0]   cq_wr, cq_aw, cq_w;
  logic [3:0]       w_beat;
  logic [B_W-1:0]   b_out;                // data bursts awaiting B
  logic             b_err_acc;            // a data B of the frame being acknowledged was refused

  // data bursts awaiting B: whether each is its frame's last
  logic [BT_DEPTH-1:0] bt_last;
  logic [BT_AW:0]   bt_wr, bt_b;          // push at AW, pop at B

  // order / done / result FIFOs
  logic [ORD_W-1:0] ord_mem [ORD_DEPTH];
  logic [ORD_AW:0]  ord_wr, ord_rd;
  logic             done_mem [DONE_DEPTH];
  logic [DONE_AW:0] done_wr, done_rd;
  logic [17+36:0]   res_mem [RES_DEPTH];   // {verdict, csum, rss type, rss hash}
  logic [RES_AW:0]  res_wr, res_rd;

  // events
  logic        ev_halt_q, ev_err_q, ev_drop_q;
  logic [QW-1:0] ev_err_queue_q;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // ---------------------------------------------------------------------------------------------
  // Fetch: a block of queue sched_q's posted descriptors into its reserved FIFO space
  // ---------------------------------------------------------------------------------------------
  wire fetch_run = q_enable[sched_q] && !halt_rx[sched_q] && !start_pending[sched_q];
  // The block queue sched_q would fetch. Worked out only while that queue runs: every use is
  // under want_desc, which needs it, and the scheduler passes over queues that do not run in most
  // cycles (fetch_n = 0 then, and the rest unused).
  logic [12:0] f_size;
  logic [11:0] f_idx, size_mask, posted;
  logic [12:0] to_end;
  logic [63:0] fetch_addr;
  logic [8:0]  to_page;
  logic [DESC_AW:0]   f_count;
  logic [DESC_AW+1:0] desc_space;
  logic [FN_W-1:0] fetch_n;
  logic [DSW-1:0]  fetch_skip;   // the block's burst starts at the beat holding its first one
  logic [4:0]      fetch_beats;
  always_comb begin
    f_size = '0;
    f_idx = '0;
    size_mask = '0;
    posted = '0;
    to_end = '0;
    fetch_addr = '0;
    to_page = '0;
    f_count = '0;
    desc_space = '0;
    fetch_n = '0;
    fetch_skip = '0;
    fetch_beats = '0;
    if (fetch_run) begin
      f_size     = cfg_size[13*sched_q +: 13];
      f_idx      = fetch_idx[sched_q];
      size_mask  = 12'(f_size - 13'd1);
      posted     = (q_tail[12*sched_q +: 12] - f_idx) & size_mask;
      to_end     = f_size - {1'b0, f_idx};
      fetch_addr = cfg_ring_base[64*sched_q +: 64] + {48'd0, f_idx, 4'd0};
      to_page    = 9'd256 - {1'b0, fetch_addr[11:4]};
      f_count    = desc_wr[sched_q] - desc_rd[sched_q];
      desc_space = (DESC_AW+2)'(DESC_DEPTH) - {1'b0, f_count} - {1'b0, desc_inflight[sched_q]};
      fetch_n = FN_W'(DESC_BLOCK);
      if (posted < 12'(fetch_n)) fetch_n = FN_W'(posted);
      if (to_end < 13'(fetch_n)) fetch_n = FN_W'(to_end);
      if (to_page < 9'(fetch_n)) fetch_n = FN_W'(to_page);
      fetch_skip  = (DPB > 1) ? fetch_addr[4 +: DSW] : '0;
      fetch_beats = (DPB > 1) ? 5'((int'(fetch_skip) + int'(fetch_n) + DPB - 1) / DPB)
                              : 5'(int'(fetch_n) * BPD);
    end
  end
  wire want_desc = fetch_run && (fetch_n != '0) && (desc_space >= (DESC_AW+2)'(fetch_n));
  wire ar_issue  = want_desc && (!ar_valid || m_axi_ctl_arready) && (rd_out < RQ_AW'(MAX_RD));
  wire r_hs      = m_axi_ctl_rvalid;   // rready = 1: FIFO space was reserved
  wire r_err     = (m_axi_ctl_rresp != 2'b00);
  wire [QW-1:0] r_q = rq_mem[rq_rd];

  // Descriptors completed by this R beat: d_n of them, d_ent[0..d_n-1] in ring order, all of
  // queue r_q. Entry: {refused, addr, len}.
  logic [64+32:0] d_ent [DPB];
  logic [DNW-1:0] d_n;
  if (BPD > 1) begin : g_desc_narrow
    logic        r_beat;     // second beat of the descriptor being assembled
    logic        r_ref;
    logic [63:0] r_addr;
    assign d_n      = DNW'(r_hs && r_beat);
    assign d_ent[0] = {r_ref || r_err, r_addr, m_axi_ctl_rdata[31:0]};
    always_ff @(posedge clk) begin
      if (r_hs) begin
        r_beat <= !r_beat;
        if (!r_beat) begin
          r_addr <= m_axi_ctl_rdata;
          r_ref  <= r_err;
        end
      end
      if (rst) r_beat <= 1'b0;
    end
    wire unused_d = ^rq_skip[rq_rd] ^ ^rq_n[rq_rd] ^ ^m_axi_ctl_rdata[63:32];
  end else begin : g_desc_wide
    // Slot sl of beat r_cnt is descriptor r_cnt * DPB + sl - skip of the burst, if it is one of
    // its rq_n.
    logic [3:0] r_cnt;
    always_comb begin
      d_n = '0;
      for (int k = 0; k < DPB; k++) d_ent[k] = '0;
      for (int sl = 0; sl < DPB; sl++) begin
        automatic int pos = int'(r_cnt) * DPB + sl - int'(rq_skip[rq_rd]);
        if (r_hs && pos >= 0 && pos < int'(rq_n[rq_rd])) begin
          d_ent[DSW'(d_n)] = {r_err, m_axi_ctl_rdata[128*sl + 8*RXD_ADDR_OFF +: 64],
                              m_axi_ctl_rdata[128*sl + 8*RXD_LEN_OFF +: 32]};
          d_n = d_n + DNW'(1);
        end
      end
    end
    always_ff @(posedge clk) begin
      if (r_hs) r_cnt <= m_axi_ctl_rlast ? 4'd0 : r_cnt + 4'd1;
      if (rst) r_cnt <= 4'd0;
    end
    logic [DPB-1:0] unused_rsv;
    always_comb begin
      for (int sl = 0; sl < DPB; sl++) unused_rsv[sl] = ^m_axi_ctl_rdata[128*sl + 96 +: 32];
    end
    wire unused_d = ^unused_rsv;
  end

  // The frame's queue and the head of its descriptor FIFO.
  wire [QW-1:0] mq = feat_rxhash ? s_axis_meta_queue : QW'(0);
  wire [64+32:0] dh = desc_mem[dslot(mq, desc_rd[mq][DESC_AW-1:0])];
  wire [KS-1:0] dh_o = dh[32 +: KS];   // the buffer's offset in its first beat
  wire        dh_ref  = dh[96];
  wire [63:0] dh_addr = dh[95:32];
  wire [31:0] dh_len  = dh[31:0];
  // A buffer past the top of the address space would wrap to 0: a length error, nothing written.
  wire        dh_wraps = ({1'b0, dh_addr} + {33'd0, dh_len}) > {1'b1, 64'd0};
  wire        desc_avail = (desc_wr[mq] != desc_rd[mq]);

  // ---------------------------------------------------------------------------------------------
  // Receive
  // ---------------------------------------------------------------------------------------------
  wire ord_full = (ord_wr - ord_rd) == (ORD_AW+1)'(ORD_DEPTH);
  wire [DQ_AW:0] dq_count = dq_wr - dq_rd;
  wire [CQ_AW:0] cq_count = cq_wr - cq_w;

  wire stage_room = (dq_count != (DQ_AW+1)'(DQ_DEPTH)) && (cq_count != (CQ_AW+1)'(CQ_DEPTH));
  logic tready;
  always_comb begin
    case (state)
      S_DROP:  tready = !ord_full;
      S_RECV:  tready = !ord_full && ((desc_err != 2'b00) || (rem == 32'd0) || stage_room);
      default: tready = 1'b0;
    endcase
  end

  wire        beat      = s_axis_tvalid && tready;
  wire        wr_beat   = beat && (state == S_RECV) && (desc_err == 2'b00) && (rem != 32'd0);
  wire        fl_beat   = (state == S_FLUSH) && stage_room;   // the frame's flush write beat
  wire        st_push   = wr_beat || fl_beat;
  wire        frame_last = beat && s_axis_tlast;
  // The beat's lengths and the write beat. Worked out only while a frame is under way (not
  // S_IDLE): every use is under beat, st_push or frame_last, none of which happens in S_IDLE (all
  // 0 there).
  logic [NKW-1:0]    nk;
  logic [DATA_W-1:0] carry_lo;   // the top cur_o bytes of the last stream beat, moved down
  logic [KW-1:0]     o_lanes, cap_mask, in_lanes;
  logic [DATA_W-1:0] st_data;
  logic [KW-1:0]     st_strb;
  logic              spill;      // the frame's last stream beat spills into one more write beat
  logic              last_wr;
  logic [4:0]        cnt_new;
  logic              close_burst;
  logic [31:0]       len_total;
  always_comb begin
    nk          = '0;
    carry_lo    = '0;
    o_lanes     = '0;
    cap_mask    = '0;
    in_lanes    = '0;
    st_data     = '0;
    st_strb     = '0;
    spill       = 1'b0;
    last_wr     = 1'b0;
    cnt_new     = '0;
    close_burst = 1'b0;
    len_total   = '0;
    if (state != S_IDLE) begin
      nk = popcount(s_axis_tkeep);
      // The write beat: stream beat shifted up by cur_o, below it the top cur_o bytes of the last
      // stream beat (none in the frame's first write beat); strobes for the buffer's bytes only.
      carry_lo = (cur_o == '0) ? '0 : carry >> (DATA_W - 8 * int'(cur_o));
      o_lanes  = low_lanes(32'(cur_o));
      cap_mask = low_lanes(rem);
      st_data  = fl_beat ? carry_lo : ((s_axis_tdata << (8 * int'(cur_o))) | carry_lo);
      in_lanes = (s_axis_tkeep << cur_o) | (first_wb ? '0 : o_lanes);
      st_strb  = cap_mask & (fl_beat ? low_lanes(32'(fl_n)) : in_lanes);
      spill    = s_axis_tlast && (32'(cur_o) + 32'(nk) > 32'(KW));
      last_wr  = fl_beat || (rem <= 32'(KW)) || (s_axis_tlast && !spill);
      cnt_new  = open_cnt + 5'd1;
      close_burst = last_wr || (cnt_new == 5'(MAX_BEATS)) || (cur_addr[11:KS] == {(12-KS){1'b1}});
      len_total = frame_len + (s_axis_tlast ? 32'(nk) : 32'(KW));
    end
  end
  wire        ord_push  = frame_last;   // S_RECV or S_DROP
  // The frame's last beat sends it to S_FLUSH: its last stream beat spills into one more write
  // beat within the buffer.
  wire        to_flush  = wr_beat && s_axis_tlast && spill && (rem > 32'(KW));

  // Frame start decision: in S_IDLE (no beat is taken there), or in the cycle the frame before
  // ends (its last beat, or its flush beat), so that frames follow each other with no idle cycle.
  // The next frame's metadata is valid from before its first beat (the RX buffer holds it whole).
  wire frame_done = (frame_last && !to_flush) || fl_beat;
  wire res_full   = (res_wr - res_rd) == (RES_AW+1)'(RES_DEPTH);
  wire can_start  = (((state == S_IDLE) && s_axis_tvalid) || frame_done) && s_axis_meta_valid &&
                    !start_pending[mq] && !ord_full && !res_full;
  wire start_drop = can_start && (!q_enable[mq] || halt_rx[mq]);
  wire start_halt = can_start && !start_drop && desc_avail && dh_ref;
  wire start_recv = can_start && !start_drop && desc_avail && !dh_ref;

  // ---------------------------------------------------------------------------------------------
  // Write path: the data bursts on the data port (the completion writer has the control port's)
  // ---------------------------------------------------------------------------------------------
  wire        cw_in_ready, cw_idle;
  wire        cw_ev_cpl, cw_ev_drop, cw_ev_fail, cw_ev_tag;
  wire [QW-1:0] cw_ev_queue, cw_ev_fail_queue;
  wire [31:0] cw_ev_len;
  wire [15:0] cw_ev_errors;
  wire [1:0]  cw_ev_verdict;
  wire [11:0] cw_ev_fail_index;
  wire [NQ*12-1:0] cw_head;
  // Frames are being written or coming in, so more completions follow soon: the writer pairs
  // records (512 bits) rather than write one alone in a beat of the control port.
  wire cw_defer = (dq_wr != dq_rd) || (state == S_RECV) || (state == S_FLUSH);

  wire [CQ_AW-1:0] cq_aw_i = cq_aw[CQ_AW-1:0];
  wire [CQ_AW-1:0] cq_w_i  = cq_w[CQ_AW-1:0];
  // AW in order of the closed bursts (payload stable until accepted: cq_aw moves only then).
  wire d_awvalid = (cq_aw != cq_wr) && (b_out != B_W'(B_MAX));
  wire aw_hs     = d_awvalid && m_axi_awready;
  // W: the beats of each burst whose AW was accepted, in order.
  wire       d_wvalid = (cq_w != cq_aw);
  wire       d_wlast  = (w_beat == cq_len[cq_w_i]);
  wire       d_w_hs   = d_wvalid && m_axi_wready;
  // B (bready = 1: at most B_MAX bursts are outstanding, and their tags fit).
  wire       bt_bh    = bt_last[bt_b[BT_AW-1:0]];
  wire       d_b_hs   = m_axi_bvalid;
  wire       d_b_err  = (m_axi_bresp != 2'b00);
  wire       d_b_last = d_b_hs && bt_bh;        // the B of a frame's last burst

  // ---------------------------------------------------------------------------------------------
  // Retire
  // ---------------------------------------------------------------------------------------------
  wire [ORD_W-1:0] oh = ord_mem[ord_rd[ORD_AW-1:0]];
  wire [QW-1:0] o_q   = oh[ORD_W-1 -: QW];
  wire [1:0]  o_kind  = oh[ORD_W-QW-1 -: 2];
  wire [11:0] o_index = oh[ORD_W-QW-3 -: 12];
  wire [31:0] o_len   = oh[35:4];
  wire        o_dlen  = oh[3];
  wire        o_dalign = oh[2];
  wire        o_big   = oh[1];
  wire        o_bad   = oh[0];
  wire        o_data  = (o_kind == K_FRAME) && !o_dlen && !o_dalign;
  wire ord_empty  = (ord_wr == ord_rd);
  wire done_empty = (done_wr == done_rd);
  wire res_push   = can_start && (start_drop || start_halt || start_recv);   // the metadata taken
  wire [53:0] res_h = res_mem[res_rd[RES_AW-1:0]];
  wire done_err   = done_mem[done_rd[DONE_AW-1:0]];

  wire ready_ent = !ord_empty && (!o_data || !done_empty);
  wire retire    = ready_ent && !cw_ev_fail && ((o_kind != K_FRAME) || cw_in_ready);
  logic [15:0] r_errors;
  always_comb begin
    r_errors = 16'd0;
    if (o_dlen)  r_errors[ERR_DESC_LEN_BIT] = 1'b1;
    if (o_dalign) r_errors[ERR_DESC_ALIGN_BIT] = 1'b1;
    if (o_data && done_err) r_errors[ERR_DMA_WRITE_BIT] = 1'b1;
    if (o_big)   r_errors[ERR_RX_TOO_BIG_BIT] = 1'b1;
    if (o_bad)   r_errors[ERR_RX_FRAME_BIT] = 1'b1;
  end
  wire o_halted = halted_ev[o_q];
  wire cw_push = retire && (o_kind == K_FRAME) && !o_halted;

  // Queue q restarts once nothing of it is left in the engine; the writer restarts it likewise.
  logic [NQ-1:0] restart;
  always_comb begin
    restart = '0;
    if (start_pending != '0) begin
      for (int q = 0; q < NQ; q++) begin
        restart[q] = start_pending[q] && (outstanding[q] == '0) && (desc_inflight[q] == '0) &&
                     !((state != S_IDLE) && (cur_q == QW'(q)));
      end
    end
  end

  nic_cpl_writer #(
    .NQ(NQ), .DEPTH(CW_DEPTH), .BATCH(CW_BATCH), .MAX_OUT(CW_OUT), .DATA_W(DATA_W)
  ) u_cpl (
    .clk           (clk),
    .rst           (rst),
    .cfg_cpl_base  (cfg_cpl_base),
    .cfg_size      (cfg_size),
    .start         (restart),
    .defer         (cw_defer),
    .in_valid      (cw_push),
    .in_ready      (cw_in_ready),
    .in_queue      (o_q),
    .in_index      (o_index),
    .in_len        (o_len),
    .in_csum       (res_h[51:36]),
    .in_verdict    (res_h[53:52]),
    .in_errors     (r_errors),
    .in_rss_hash   (feat_rxhash ? res_h[31:0] : 32'd0),
    .in_rss_type   (feat_rxhash ? {4'd0, res_h[35:32]} : 8'd0),
    .in_tag        (1'b0),
    .ev_cpl        (cw_ev_cpl),
    .ev_drop       (cw_ev_drop),
    .ev_queue      (cw_ev_queue),
    .ev_len        (cw_ev_len),
    .ev_errors     (cw_ev_errors),
    .ev_verdict    (cw_ev_verdict),
    .ev_tag        (cw_ev_tag),
    .ev_fail       (cw_ev_fail),
    .ev_fail_queue (cw_ev_fail_queue),
    .ev_fail_index (cw_ev_fail_index),
    .head          (cw_head),
    .idle          (cw_idle),
    .m_axi_awaddr  (m_axi_ctl_awaddr),
    .m_axi_awlen   (m_axi_ctl_awlen),
    .m_axi_awvalid (m_axi_ctl_awvalid),
    .m_axi_awready (m_axi_ctl_awready),
    .m_axi_wdata   (m_axi_ctl_wdata),
    .m_axi_wstrb   (m_axi_ctl_wstrb),
    .m_axi_wlast   (m_axi_ctl_wlast),
    .m_axi_wvalid  (m_axi_ctl_wvalid),
    .m_axi_wready  (m_axi_ctl_wready),
    .m_axi_bresp   (m_axi_ctl_bresp),
    .m_axi_bvalid  (m_axi_ctl_bvalid),
    .m_axi_bready  (m_axi_ctl_bready)
  );

  // ---------------------------------------------------------------------------------------------
  // Memories (no reset)
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    for (int k = 0; k < DPB; k++) begin
      if (DNW'(k) < d_n) desc_mem[dslot(r_q, DESC_AW'(desc_wr[r_q][DESC_AW-1:0] + DESC_AW'(k)))]
        <= d_ent[k];
    end
    if (st_push) dq_mem[dq_wr[DQ_AW-1:0]] <= {st_strb, st_data};
    if (st_push && close_burst) begin
      cq_addr[cq_wr[CQ_AW-1:0]] <= (open_cnt == 5'd0) ? cur_addr : open_addr;
      cq_len[cq_wr[CQ_AW-1:0]]  <= 4'(open_cnt);
      cq_last[cq_wr[CQ_AW-1:0]] <= last_wr;
    end
    if (aw_hs) bt_last[bt_wr[BT_AW-1:0]] <= cq_last[cq_aw_i];
    if (ord_push) ord_mem[ord_wr[ORD_AW-1:0]] <=
      {cur_q, (state == S_DROP) ? kind_cur : K_FRAME, cur_idx, len_total,
       (state == S_RECV) && desc_err[0], (state == S_RECV) && desc_err[1],
       (state == S_RECV) && (desc_err == 2'b00) && (len_total > desc_len), s_axis_tuser};
    if (d_b_last) done_mem[done_wr[DONE_AW-1:0]] <= b_err_acc || d_b_err;
    if (res_push) res_mem[res_wr[RES_AW-1:0]] <=
      {s_axis_meta_verdict, s_axis_meta_csum, s_axis_meta_type, s_axis_meta_hash};
  end

  // ---------------------------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    ev_halt_q <= 1'b0;
    ev_err_q  <= 1'b0;
    ev_drop_q <= 1'b0;

    // Fetch
    if (ar_valid && m_axi_ctl_arready) ar_valid <= 1'b0;
    if (ar_issue) begin
      ar_valid  <= 1'b1;
      ar_addr   <= fetch_addr & ~A_LOW;
      ar_len    <= 8'(fetch_beats) - 8'd1;
      fetch_idx[sched_q] <= ({1'b0, f_idx} + 13'(fetch_n) == f_size) ? 12'd0
                                                                      : f_idx + 12'(fetch_n);
      rq_mem[rq_wr]  <= sched_q;
      rq_skip[rq_wr] <= fetch_skip;
      rq_n[rq_wr]    <= fetch_n;
      rq_wr <= rq_wr + 1'b1;
    end
    if (NQ > 1 && (ar_issue || !want_desc)) sched_q <= sched_q + 1'b1;
    if (r_hs && m_axi_ctl_rlast) rq_rd <= rq_rd + 1'b1;
    rd_out <= rd_out + RQ_AW'(ar_issue) - RQ_AW'(r_hs && m_axi_ctl_rlast);
    if (ar_issue || d_n != '0) begin
      for (int q = 0; q < NQ; q++) begin
        desc_inflight[q] <= desc_inflight[q]
          + ((ar_issue && sched_q == QW'(q)) ? (DESC_AW+1)'(fetch_n) : '0)
          - ((r_q == QW'(q)) ? (DESC_AW+1)'(d_n) : '0);
      end
    end
    if (d_n != '0) desc_wr[r_q] <= desc_wr[r_q] + (DESC_AW+1)'(d_n);

    // Receive (a frame's start is below, after staging: it takes over from the frame ending)
    case (state)
      S_RECV, S_DROP: begin
        if (beat) begin
          frame_len <= len_total;
          if (s_axis_tlast) begin
            state <= to_flush ? S_FLUSH : S_IDLE;
            fl_n  <= NKW'(32'(cur_o) + 32'(nk) - 32'(KW));
          end
        end
      end
      S_FLUSH: begin
        if (fl_beat) state <= S_IDLE;
      end
      default: ;
    endcase
    if (ord_push) ord_wr <= ord_wr + 1'b1;

    // Staging
    if (wr_beat) carry <= s_axis_tdata;
    if (st_push) begin
      dq_wr    <= dq_wr + 1'b1;
      cur_addr <= cur_addr + 64'(KW);
      rem      <= (rem >= 32'(KW)) ? rem - 32'(KW) : 32'd0;
      first_wb <= 1'b0;
      if (open_cnt == 5'd0) open_addr <= cur_addr;
      open_cnt <= close_burst ? 5'd0 : cnt_new;
      if (close_burst) cq_wr <= cq_wr + 1'b1;
    end

    // Frame start
    if (start_drop || start_halt || start_recv) cur_q <= mq;
    if (start_drop || start_halt) begin
      kind_cur <= start_halt ? K_HALT : K_DROP;
      cur_idx  <= recv_idx[mq];
      frame_len <= 32'd0;
      state    <= S_DROP;
      if (start_halt) begin
        halt_rx[mq] <= 1'b1;
        desc_rd[mq] <= desc_rd[mq] + 1'b1;
      end
    end else if (start_recv) begin
      desc_rd[mq]  <= desc_rd[mq] + 1'b1;
      recv_idx[mq] <= ({1'b0, recv_idx[mq]} + 13'd1 == cfg_size[13*mq +: 13]) ? 12'd0
                                                                          : recv_idx[mq] + 12'd1;
      cur_idx   <= recv_idx[mq];
      desc_len  <= dh_len;
      cur_addr  <= dh_addr & ~A_LOW;
      cur_o     <= dh_o;
      first_wb  <= 1'b1;
      // Lanes from the buffer's first beat on (a capacity past any frame is kept as 64 KiB).
      rem       <= ((dh_len > 32'h10000) ? 32'h10000 : dh_len) + 32'(dh_o);
      frame_len <= 32'd0;
      open_cnt  <= 5'd0;
      if (dh_len == 32'd0 || dh_wraps) desc_err <= 2'b01;
      else if (dh_addr[2:0] != 3'd0)  desc_err <= 2'b10;
      else                            desc_err <= 2'b00;
      state <= S_RECV;
    end

    // AW / W / B
    if (aw_hs) begin
      bt_wr <= bt_wr + 1'b1;
      cq_aw <= cq_aw + 1'b1;
    end
    if (d_w_hs) begin
      dq_rd <= dq_rd + 1'b1;
      if (d_wlast) begin
        cq_w   <= cq_w + 1'b1;
        w_beat <= 4'd0;
      end else begin
        w_beat <= w_beat + 4'd1;
      end
    end
    if (d_b_hs) bt_b <= bt_b + 1'b1;
    b_out <= b_out + B_W'(aw_hs) - B_W'(d_b_hs);
    if (d_b_hs) begin
      b_err_acc <= bt_bh ? 1'b0 : (b_err_acc || d_b_err);
      if (bt_bh) done_wr <= done_wr + 1'b1;
    end

    // Results
    if (res_push) res_wr <= res_wr + 1'b1;

    // Retire
    if (retire) begin
      ord_rd <= ord_rd + 1'b1;
      res_rd <= res_rd + 1'b1;
      if (o_data) done_rd <= done_rd + 1'b1;
      if (o_kind != K_FRAME) ev_drop_q <= 1'b1;
      ev_err_queue_q <= o_q;
      if (!o_halted) begin
        if (o_kind == K_HALT) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= 5'(ERR_DMA_READ_BIT);
          ev_err_index_q <= {4'd0, o_index};
          ev_halt_q      <= 1'b1;
          halted_ev[o_q] <= 1'b1;
        end else if (o_kind == K_FRAME && (o_dlen || o_dalign || (o_data && done_err))) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= o_dlen ? 5'(ERR_DESC_LEN_BIT)
                          : (o_dalign ? 5'(ERR_DESC_ALIGN_BIT) : 5'(ERR_DMA_WRITE_BIT));
          ev_err_index_q <= {4'd0, o_index};
        end
      end
    end
    if (cw_ev_fail && !halted_ev[cw_ev_fail_queue]) begin
      ev_err_q       <= 1'b1;
      ev_err_queue_q <= cw_ev_fail_queue;
      ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
      ev_err_index_q <= {4'd0, cw_ev_fail_index};
      ev_halt_q      <= 1'b1;
      halted_ev[cw_ev_fail_queue] <= 1'b1;
      halt_rx[cw_ev_fail_queue]   <= 1'b1;
    end

    // Per queue: frames past receive, and the (re)start once nothing of the queue is left.
    if (ord_push || (retire && !cw_push) || cw_ev_cpl || cw_ev_drop) begin
      for (int q = 0; q < NQ; q++) begin
        outstanding[q] <= outstanding[q]
          + OUT_W'(ord_push && cur_q == QW'(q))
          - OUT_W'(retire && !cw_push && o_q == QW'(q))
          - OUT_W'((cw_ev_cpl || cw_ev_drop) && cw_ev_queue == QW'(q));
      end
    end
    if (restart != '0 || q_start != '0) begin
      for (int q = 0; q < NQ; q++) begin
        if (restart[q]) begin
          start_pending[q] <= 1'b0;
          halt_rx[q]       <= 1'b0;
          halted_ev[q]     <= 1'b0;
          fetch_idx[q]     <= 12'd0;
          recv_idx[q]      <= 12'd0;
          desc_wr[q]       <= '0;
          desc_rd[q]       <= '0;
        end
        if (q_start[q]) start_pending[q] <= 1'b1;
      end
    end

    if (rst) begin
      state         <= S_IDLE;
      for (int q = 0; q < NQ; q++) begin
        halt_rx[q]       <= 1'b0;
        halted_ev[q]     <= 1'b0;
        start_pending[q] <= 1'b0;
        fetch_idx[q]     <= 12'd0;
        desc_inflight[q] <= '0;
        desc_wr[q]       <= '0;
        desc_rd[q]       <= '0;
        recv_idx[q]      <= 12'd0;
        outstanding[q]   <= '0;
      end
      sched_q       <= '0;
      rq_wr         <= '0;
      rq_rd         <= '0;
      cur_q         <= '0;
      rd_out        <= '0;
      ar_valid      <= 1'b0;
      first_wb      <= 1'b0;
      desc_err      <= 2'b00;
      frame_len     <= 32'd0;
      rem           <= 32'd0;
      open_cnt      <= 5'd0;
      dq_wr         <= '0;
      dq_rd         <= '0;
      cq_wr         <= '0;
      cq_aw         <= '0;
      cq_w          <= '0;
      w_beat        <= 4'd0;
      b_out         <= '0;
      b_err_acc     <= 1'b0;
      bt_wr         <= '0;
      bt_b          <= '0;
      ord_wr        <= '0;
      ord_rd        <= '0;
      done_wr       <= '0;
      done_rd       <= '0;
      res_wr        <= '0;
      res_rd        <= '0;
      ev_halt_q     <= 1'b0;
      ev_err_q      <= 1'b0;
      ev_drop_q     <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign s_axis_tready     = tready;
  assign s_axis_meta_ready = res_push;
  assign q_head            = cw_head;
  for (genvar q = 0; q < NQ; q++) begin : g_busy
    assign q_busy[q] = (outstanding[q] != '0) || (desc_inflight[q] != '0) || start_pending[q] ||
                       ((state != S_IDLE) && (cur_q == QW'(q)));
  end

  assign m_axi_ctl_araddr  = ar_addr;
  assign m_axi_ctl_arlen   = ar_len;
  assign m_axi_ctl_arvalid = ar_valid;
  assign m_axi_ctl_rready  = 1'b1;

  assign m_axi_awvalid = d_awvalid;
  assign m_axi_awaddr  = cq_addr[cq_aw_i];
  assign m_axi_awlen   = {4'd0, cq_len[cq_aw_i]};
  assign m_axi_wvalid  = d_wvalid;
  wire [KW+DATA_W-1:0] dq_head = dq_mem[dq_rd[DQ_AW-1:0]];
  assign m_axi_wdata   = dq_head[DATA_W-1:0];
  assign m_axi_wstrb   = dq_head[DATA_W +: KW];
  assign m_axi_wlast   = d_wlast;
  assign m_axi_bready  = 1'b1;

  assign ev_halt        = ev_halt_q;
  assign ev_cpl         = cw_ev_cpl;
  assign ev_cpl_queue   = cw_ev_queue;
  assign ev_err_queue   = ev_err_queue_q;
  assign ev_cpl_len     = cw_ev_len;
  assign ev_cpl_errors  = cw_ev_errors;
  assign ev_cpl_verdict = cw_ev_verdict;
  assign ev_err         = ev_err_q;
  assign ev_err_code    = ev_err_code_q;
  assign ev_err_index   = ev_err_index_q;
  assign ev_drop        = ev_drop_q;

  wire unused = cw_ev_tag ^ cw_idle;

endmodule

`resetall
