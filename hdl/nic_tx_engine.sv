`resetall
`timescale 1ns / 1ps
`default_nettype none

// TX queue engine for NQ TX queues: implements "Transmit" in docs/nic.md, pipelined so that no
// frame waits for a memory round trip of another ("Pipelining" there).
//
// Four stages, each running on its own:
//   fetch   As soon as the host has posted descriptors (HEAD .. TAIL) on a queue, reads them ahead
//           of need in blocks of up to DESC_BLOCK (one burst, never past the ring's end or across
//           4 KiB) into a DESC_DEPTH-entry descriptor FIFO shared by all queues, whose space is
//           reserved when the block is issued. The queues take turns: a scheduler visits one queue
//           per cycle, round robin, and fetches a block for it when it has posted descriptors, so
//           every busy queue gets a block in turn and frames of the queues interleave on the wire.
//           Each descriptor carries its queue and ring index from here on.
//   issue   Takes descriptors from that FIFO in fetch order and checks each (DESC_LEN, DESC_ALIGN,
//           DESC_CSUM as before). A good one pushes its checksum command and then issues its
//           buffer reads (INCR bursts of <= 16 beats, no 4 KiB crossing), as many bursts in
//           flight as MAX_RD allows and as the stream FIFO has room for, with no wait between
//           frames. Every descriptor, good or bad, leaves an entry in the order FIFO. A descriptor
//           whose fetch was refused leaves a halt marker there and stops fetch and issue for its
//           queue. A descriptor of a queue that stopped (halted, disabled or restarting) is
//           dropped here.
//   R       Read data comes back in request order (one ID). A tag FIFO, pushed with each AR, says
//           whether a burst is a descriptor block or which frame's buffer it is. Descriptor beats
//           are assembled into the descriptor FIFO (a descriptor with a refused beat is marked);
//           buffer beats go into the stream FIFO (refused beats as zeros; tuser on the frame's
//           last beat when any beat of it was refused), and the end of each frame is noted.
//   retire  Pops the order FIFO in issue order, one entry per cycle: a good frame once its last
//           beat is in, a bad descriptor at once. It raises that descriptor's ev_err (DMA_READ for
//           a refused buffer read, or its DESC_* code) and hands the completion to
//           nic_cpl_writer, which writes completions in batches and reports each one (ev_cpl)
//           once its write is acknowledged; HEAD is the writer's. A halt marker raises
//           ev_err(DMA_READ) and ev_halt. So every queue's events come in its descriptor order, as
//           when one descriptor was handled at a time.
//
// After a halt of queue q (a refused descriptor fetch, or a refused completion write reported by
// the writer) the engine starts nothing new on q and raises no more errors for it until q's
// q_start; q's frames whose buffer reads were already issued still go out (at most the order
// FIFO's depth), their completions are written unless the completion ring itself failed. q_start
// (ENABLE 0->1) is held until nothing of queue q is in the engine — a count per queue of the
// descriptors between fetch and their completion (or drop) is 0 — and then resets q's HEAD and
// fetch pointer. ENABLE 1->0 stops fetch and issue on the queue; what was issued finishes. Other
// queues run on throughout.
//
// Checksum command (m_axis_cmd_*, to nic_tx_csum): one per frame sent, in frame order, pushed before
// the frame's first buffer read, so it is at the command FIFO's output no later than the frame's
// first beat. The stream never waits for the command side.
//
// Stream FIFO: FIFO_DEPTH entries of {tuser, tlast, tkeep, tdata} and a registered output stage. A
// read burst is issued only when the FIFO has room for all its beats (credits reserved at issue),
// so R is always accepted (rready = 1). FIFO_DEPTH = 1024 beats (8 KiB) keeps one beat per cycle
// flowing with up to ~4 us of read latency; MAX_RD bounds the bursts in flight.

module nic_tx_engine #(
  parameter int NQ = 1,                // TX queues (power of two, 1..16)
  localparam int QW = (NQ > 1) ? $clog2(NQ) : 1
) (
  input  wire        clk,
  input  wire        rst,              // synchronous, active high
  // per queue q: the field in [W*q +: W]
  input  wire [NQ*64-1:0] cfg_ring_base,  // TX descriptor ring base (64-byte aligned)
  input  wire [NQ*64-1:0] cfg_cpl_base,   // completion ring base (64-byte aligned)
  input  wire [NQ*13-1:0] cfg_size,       // ring entries, power of two 2..4096
  input  wire [NQ-1:0]    q_enable,       // may start new descriptors
  input  wire [NQ-1:0]    q_start,        // pulse: head <= 0, phase <= 1
  input  wire        feat_tx_csum,     // FEATURES.TX_CSUM (changed only while idle)
  input  wire [NQ*12-1:0] q_tail,
  output wire [NQ*12-1:0] q_head,
  output wire [NQ-1:0]    q_busy,
  output wire        ev_halt,          // with ev_err: queue ev_err_queue halted
  output wire        ev_cpl,
  output wire [QW-1:0] ev_cpl_queue,
  output wire [31:0] ev_cpl_len,
  output wire [15:0] ev_cpl_errors,
  output wire        ev_cpl_csum,      // with ev_cpl: the frame was sent whole with csum_en
  output wire        ev_err,
  output wire [QW-1:0] ev_err_queue,
  output wire [4:0]  ev_err_code,
  output wire [15:0] ev_err_index,
  // AXI4 master, no ID (the interconnect adds it); size is always 8 bytes, INCR
  output wire [63:0] m_axi_araddr, output wire [7:0] m_axi_arlen, output wire m_axi_arvalid, input wire m_axi_arready,
  input  wire [63:0] m_axi_rdata,  input wire [1:0] m_axi_rresp, input wire m_axi_rlast, input wire m_axi_rvalid, output wire m_axi_rready,
  output wire [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire [63:0] m_axi_wdata,  output wire [7:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
  input  wire [1:0]  m_axi_bresp,  input wire m_axi_bvalid, output wire m_axi_bready,
  // MAC TX AXI-Stream
  output wire [63:0] m_axis_tdata, output wire [7:0] m_axis_tkeep, output wire m_axis_tvalid, input wire m_axis_tready,
  output wire        m_axis_tlast, output wire m_axis_tuser,
  // per-frame checksum command to nic_tx_csum
  output wire        m_axis_cmd_valid,
  input  wire        m_axis_cmd_ready,
  output wire        m_axis_cmd_csum_en,
  output wire [15:0] m_axis_cmd_csum_start,
  output wire [15:0] m_axis_cmd_csum_offset
);

  // Contract constants (nic_pkg), copied into local parameters.
  localparam int unsigned MAX_FRAME          = nic_pkg::MAX_FRAME;
  localparam int unsigned TXD_SIZE           = nic_pkg::TXD_SIZE;
  localparam int unsigned TXD_ADDR_OFF       = nic_pkg::TXD_ADDR_OFF;
  localparam int unsigned TXD_LEN_OFF        = nic_pkg::TXD_LEN_OFF;
  localparam int unsigned TXD_LEN_BYTES      = nic_pkg::TXD_LEN_BYTES;
  localparam int unsigned TXD_VNET_FLAGS_OFF = nic_pkg::TXD_VNET_FLAGS_OFF;
  localparam int unsigned TXD_VNET_FLAGS_BYTES = nic_pkg::TXD_VNET_FLAGS_BYTES;
  localparam int unsigned TXD_CSUM_START_OFF = nic_pkg::TXD_CSUM_START_OFF;
  localparam int unsigned TXD_CSUM_START_BYTES = nic_pkg::TXD_CSUM_START_BYTES;
  localparam int unsigned TXD_CSUM_OFFSET_OFF = nic_pkg::TXD_CSUM_OFFSET_OFF;
  localparam int unsigned TXD_CSUM_OFFSET_BYTES = nic_pkg::TXD_CSUM_OFFSET_BYTES;
  localparam int unsigned VNET_F_NEEDS_CSUM  = nic_pkg::VNET_F_NEEDS_CSUM;
  localparam int unsigned ERR_DESC_LEN_BIT   = nic_pkg::ERR_DESC_LEN_BIT;
  localparam int unsigned ERR_DESC_ALIGN_BIT = nic_pkg::ERR_DESC_ALIGN_BIT;
  localparam int unsigned ERR_DMA_READ_BIT   = nic_pkg::ERR_DMA_READ_BIT;
  localparam int unsigned ERR_DMA_WRITE_BIT  = nic_pkg::ERR_DMA_WRITE_BIT;
  localparam int unsigned ERR_DESC_CSUM_BIT  = nic_pkg::ERR_DESC_CSUM_BIT;

  // ---------------------------------------------------------------------------------------------
  // Sizing
  // ---------------------------------------------------------------------------------------------
  localparam int FIFO_DEPTH = 1024;            // stream FIFO entries (power of two)
  localparam int FIFO_AW    = $clog2(FIFO_DEPTH);
  localparam int MAX_BEATS  = 16;              // beats per burst
  localparam int MAX_RD     = 48;              // read bursts in flight at most
  localparam int TAG_DEPTH  = 64;              // >= MAX_RD, power of two
  localparam int TAG_AW     = $clog2(TAG_DEPTH);
  localparam int DESC_BLOCK = 4;               // descriptors per fetch burst (4 x 32 B = 16 beats)
  localparam int DESC_DEPTH = 64;              // descriptor FIFO (power of two): >= rate x latency
  localparam int DESC_AW    = $clog2(DESC_DEPTH);
  localparam int ORD_DEPTH  = 64;              // descriptors between issue and retire
  localparam int ORD_AW     = $clog2(ORD_DEPTH);
  localparam int CMD_DEPTH  = 64;              // checksum commands queued (power of two)
  localparam int CMD_AW     = $clog2(CMD_DEPTH);
  localparam int DONE_DEPTH = 64;              // frame ends not yet retired
  localparam int DONE_AW    = $clog2(DONE_DEPTH);
  localparam int BEAT_W     = 11;              // beat counters: ceil(MAX_FRAME / 8) = 1152
  localparam int ENTRY_W    = 64 + 8 + 1 + 1;  // {tuser, tlast, tkeep, tdata}
  localparam int CMD_W      = 1 + 16 + 16;     // {csum_en, csum_start, csum_offset}
  // {queue, index, refused, addr, len, flags, cstart, coff}
  localparam int DESC_W     = QW + 12 + 1 + 64 + 32 + 8 + 16 + 16;
  // {queue, first index (descriptor blocks), is_desc, beats-1, last of frame, last keep}
  localparam int TAG_W      = QW + 12 + 1 + 4 + 1 + 8;
  localparam int ORD_W      = QW + 2 + 5 + 12 + 32 + 1;  // {queue, kind, code, index, len, csum_en}
  localparam int OUT_W      = 8;               // descriptors of a queue in the engine: <= 64 + 4

  localparam logic [1:0] K_GOOD = 2'd0, K_BAD = 2'd1, K_HALT = 2'd2;

  localparam logic [31:0] MAX_FRAME_L = 32'(MAX_FRAME);

  // Descriptor fields (little endian, 8 bytes per beat): which beat and byte lane they sit in.
  localparam int DESC_ADDR_BEAT = TXD_ADDR_OFF / 8;
  localparam int DESC_ADDR_LANE = TXD_ADDR_OFF % 8;
  localparam int DESC_LEN_BEAT  = TXD_LEN_OFF / 8;
  localparam int DESC_LEN_LANE  = TXD_LEN_OFF % 8;
  localparam int DESC_FLAGS_BEAT = TXD_VNET_FLAGS_OFF / 8;
  localparam int DESC_FLAGS_LANE = TXD_VNET_FLAGS_OFF % 8;
  localparam int DESC_CSTART_BEAT = TXD_CSUM_START_OFF / 8;
  localparam int DESC_CSTART_LANE = TXD_CSUM_START_OFF % 8;
  localparam int DESC_COFF_BEAT  = TXD_CSUM_OFFSET_OFF / 8;
  localparam int DESC_COFF_LANE  = TXD_CSUM_OFFSET_OFF % 8;
  localparam logic [7:0] F_NEEDS_CSUM = 8'(VNET_F_NEEDS_CSUM);

  if (TXD_SIZE != 32 || DESC_ADDR_LANE != 0 || DESC_LEN_LANE + TXD_LEN_BYTES > 8)
    $fatal(1, "nic_tx_engine: unexpected TX descriptor layout");
  if (TXD_VNET_FLAGS_BYTES != 1 || TXD_CSUM_START_BYTES != 2 || TXD_CSUM_OFFSET_BYTES != 2 ||
      DESC_CSTART_LANE + 2 > 8 || DESC_COFF_LANE + 2 > 8)
    $fatal(1, "nic_tx_engine: unexpected TX descriptor offload fields");
  if ((MAX_FRAME + 7) / 8 >= (1 << BEAT_W))
    $fatal(1, "nic_tx_engine: BEAT_W too small for MAX_FRAME");
  if (DESC_ADDR_BEAT > 2 || DESC_LEN_BEAT > 2 || DESC_FLAGS_BEAT > 2 || DESC_CSTART_BEAT > 2 ||
      DESC_COFF_BEAT > 2)
    $fatal(1, "nic_tx_engine: a descriptor field in beat 3 would be captured too late");
  if (TAG_DEPTH < MAX_RD || DESC_BLOCK * 4 > MAX_BEATS)
    $fatal(1, "nic_tx_engine: inconsistent sizing");
  if (NQ < 1 || NQ > 16 || (NQ & (NQ - 1)) != 0)
    $fatal(1, "nic_tx_engine: NQ must be a power of two, 1..16");

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  // per queue
  logic        halted [NQ];        // set on a halt, cleared by q_start
  logic        stop_issue [NQ];    // a halt marker was issued: fetch and issue stop until q_start
  logic        start_pending [NQ]; // q_start seen, waiting for the queue to be empty
  logic [11:0] fetch_idx [NQ];     // next descriptor to fetch
  logic [OUT_W-1:0] outstanding [NQ];  // descriptors fetched and not yet completed or dropped

  // fetch
  logic [QW-1:0] sched_q;                 // the queue the fetch scheduler looks at
  logic [DESC_AW:0] desc_inflight;        // descriptors requested, not yet in the FIFO

  // descriptor FIFO
  logic [DESC_W-1:0] desc_mem [DESC_DEPTH];
  logic [DESC_AW:0]  desc_wr, desc_rd;
  logic [1:0]        dbeat;               // beat within the descriptor being assembled
  logic              dref;                // a beat of it was refused
  logic [63:0]       d_addr_a;
  logic [31:0]       d_len_a;
  logic [7:0]        d_flags_a;
  logic [15:0]       d_cstart_a;
  logic [15:0]       d_coff_a;

  // issue
  logic              cur_valid;           // buffer bursts of a frame being issued
  logic [63:0]       rd_addr;
  logic [BEAT_W-1:0] rd_left;
  logic [7:0]        cur_keep;            // tkeep of the frame's last beat

  // AR register
  logic [63:0] ar_addr;
  logic [7:0]  ar_len;
  logic        ar_valid;

  // tag FIFO
  logic [TAG_W-1:0] tag_mem [TAG_DEPTH];
  logic [TAG_AW:0]  tag_wr, tag_rd;
  logic [3:0]       r_cnt;                // beat within the burst at the tag FIFO's head
  logic             frame_err;            // a buffer beat of the frame being received was refused
  logic [6:0]       rd_out;               // bursts in flight (AR issued, last R not yet seen)

  // order and done FIFOs
  logic [ORD_W-1:0]  ord_mem [ORD_DEPTH];
  logic [ORD_AW:0]   ord_wr, ord_rd;
  logic              done_mem [DONE_DEPTH];
  logic [DONE_AW:0]  done_wr, done_rd;

  // checksum command FIFO
  logic [CMD_W-1:0]  cmd_mem [CMD_DEPTH];
  logic [CMD_AW:0]   cmd_wr_ptr, cmd_rd_ptr;

  // stream FIFO + output register
  logic [ENTRY_W-1:0] fifo_mem [FIFO_DEPTH];
  logic [FIFO_AW-1:0] fifo_wr_ptr, fifo_rd_ptr;
  logic [FIFO_AW:0]   fifo_count;
  logic [FIFO_AW:0]   used;               // credits: reserved + stored beats
  logic [63:0]        out_tdata;
  logic [7:0]         out_tkeep;
  logic               out_tlast, out_tuser, out_valid;

  // events
  logic        ev_halt_q, ev_err_q;
  logic [QW-1:0] ev_err_queue_q;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // ---------------------------------------------------------------------------------------------
  // Fetch: a block of queue sched_q's posted descriptors into reserved FIFO space
  // ---------------------------------------------------------------------------------------------
  wire [12:0] f_size    = cfg_size[13*sched_q +: 13];
  wire [11:0] f_idx     = fetch_idx[sched_q];
  wire [11:0] size_mask = 12'(f_size - 13'd1);
  wire [11:0] posted    = (q_tail[12*sched_q +: 12] - f_idx) & size_mask;
  wire [12:0] to_end    = f_size - {1'b0, f_idx};
  wire [63:0] fetch_addr = cfg_ring_base[64*sched_q +: 64] + {47'd0, f_idx, 5'd0};
  wire [7:0]  to_page   = 8'd128 - {1'b0, fetch_addr[11:5]};   // 32-byte slots to the 4 KiB line
  wire [DESC_AW:0]   desc_count = desc_wr - desc_rd;   // (5 bits: the pointers wrap)
  wire [DESC_AW+1:0] desc_space = (DESC_AW+2)'(DESC_DEPTH) - {1'b0, desc_count}
                                - {1'b0, desc_inflight};
  logic [2:0] fetch_n;
  always_comb begin
    fetch_n = 3'(DESC_BLOCK);
    if (posted < 12'(fetch_n)) fetch_n = posted[2:0];
    if (to_end < 13'(fetch_n)) fetch_n = to_end[2:0];
    if (to_page < 8'(fetch_n)) fetch_n = to_page[2:0];
  end
  // Queue q may fetch and issue.
  logic run [NQ];
  always_comb begin
    for (int q = 0; q < NQ; q++) begin
      run[q] = q_enable[q] && !halted[q] && !stop_issue[q] && !start_pending[q];
    end
  end
  wire tags_ok   = (rd_out < 7'(MAX_RD));
  wire ar_free   = !ar_valid || m_axi_arready;
  wire want_desc = run[sched_q] && (fetch_n != 3'd0) && (desc_space >= (DESC_AW+2)'(fetch_n)) &&
                   tags_ok;

  // ---------------------------------------------------------------------------------------------
  // Issue
  // ---------------------------------------------------------------------------------------------
  localparam int D_REF = DESC_W - QW - 13;   // refused bit; the fields follow below it
  wire [DESC_W-1:0] dq_head = desc_mem[desc_rd[DESC_AW-1:0]];
  wire [QW-1:0] dq_q    = dq_head[DESC_W-1 -: QW];
  wire [11:0] dq_idx    = dq_head[DESC_W-QW-1 -: 12];
  wire        dq_ref    = dq_head[D_REF];
  wire [63:0] dq_addr   = dq_head[D_REF-1 -: 64];
  wire [31:0] dq_len    = dq_head[D_REF-65 -: 32];
  wire [7:0]  dq_flags  = dq_head[D_REF-97 -: 8];
  wire [15:0] dq_cstart = dq_head[31:16];
  wire [15:0] dq_coff   = dq_head[15:0];
  wire        dq_empty  = (desc_wr == desc_rd);
  wire        dq_stop   = !run[dq_q];   // its queue stopped: the descriptor is dropped

  wire d_len_bad   = (dq_len == 32'd0) || (dq_len > MAX_FRAME_L);
  wire d_align_bad = (dq_addr[2:0] != 3'd0);
  wire d_csum_req  = feat_tx_csum && ((dq_flags & F_NEEDS_CSUM) != 8'd0);
  wire d_csum_bad  = d_csum_req && ({16'd0, dq_cstart} + {16'd0, dq_coff} + 32'd2 > dq_len);
  wire d_bad       = d_len_bad || d_align_bad || d_csum_bad;
  logic [4:0] d_bad_code;
  always_comb begin
    if (d_len_bad)        d_bad_code = 5'(ERR_DESC_LEN_BIT);
    else if (d_align_bad) d_bad_code = 5'(ERR_DESC_ALIGN_BIT);
    else                  d_bad_code = 5'(ERR_DESC_CSUM_BIT);
  end

  wire cmd_full  = (cmd_wr_ptr - cmd_rd_ptr) == (CMD_AW+1)'(CMD_DEPTH);
  wire cmd_empty = (cmd_wr_ptr == cmd_rd_ptr);
  wire ord_full  = (ord_wr - ord_rd) == (ORD_AW+1)'(ORD_DEPTH);
  wire take_any  = !dq_empty && !cur_valid && !ord_full && (dq_stop || dq_ref || d_bad || !cmd_full);
  wire dq_discard = take_any && dq_stop;
  wire take_desc = take_any && !dq_stop;
  wire cmd_push  = take_desc && !dq_ref && !d_bad;
  wire cmd_pop   = !cmd_empty && m_axis_cmd_ready;

  // Beats of the next buffer burst: min(16, beats left, beats to the 4 KiB boundary).
  logic [9:0] to_4k;
  logic [4:0] burst_beats;
  always_comb begin
    to_4k = 10'd512 - {1'b0, rd_addr[11:3]};
    burst_beats = 5'(MAX_BEATS);
    if (rd_left < BEAT_W'(burst_beats)) burst_beats = rd_left[4:0];
    if (to_4k < 10'(burst_beats)) burst_beats = to_4k[4:0];
  end
  wire want_data = cur_valid && tags_ok &&
                   ({1'b0, used} + (FIFO_AW+2)'(burst_beats) <= (FIFO_AW+2)'(FIFO_DEPTH));
  // The AR register: a descriptor block when the prefetch runs low, else buffer data.
  wire desc_low  = (desc_count + desc_inflight) < (DESC_AW+1)'(DESC_DEPTH / 2);
  wire ar_desc   = ar_free && want_desc && (desc_low || !want_data);
  wire ar_data   = ar_free && want_data && !ar_desc;

  // ---------------------------------------------------------------------------------------------
  // R
  // ---------------------------------------------------------------------------------------------
  wire [TAG_W-1:0] tag_head = tag_mem[tag_rd[TAG_AW-1:0]];
  wire [QW-1:0] t_q   = tag_head[TAG_W-1 -: QW];
  wire [11:0] t_first = tag_head[TAG_W-QW-1 -: 12];
  wire        t_desc  = tag_head[13];
  wire [3:0]  t_len   = tag_head[12:9];
  wire        t_last  = tag_head[8];
  wire [7:0]  t_keep  = tag_head[7:0];
  wire r_hs       = m_axi_rvalid;                // rready = 1
  wire r_burst_end = r_hs && (r_cnt == t_len);
  wire beat_err   = (m_axi_rresp != 2'b00);
  wire r_data     = r_hs && !t_desc;
  wire frame_end  = r_data && r_burst_end && t_last;
  wire desc_done  = r_hs && t_desc && (dbeat == 2'd3);

  logic [7:0]         beat_keep;
  logic [ENTRY_W-1:0] beat_entry;
  always_comb begin
    beat_keep  = frame_end ? t_keep : 8'hFF;
    beat_entry = {frame_end && (frame_err || beat_err), frame_end, beat_keep,
                  beat_err ? 64'd0 : m_axi_rdata};
  end

  // ---------------------------------------------------------------------------------------------
  // Retire (one order entry per cycle) and the completion writer
  // ---------------------------------------------------------------------------------------------
  wire [ORD_W-1:0] ord_head = ord_mem[ord_rd[ORD_AW-1:0]];
  wire [QW-1:0] o_q   = ord_head[ORD_W-1 -: QW];
  wire [1:0]  o_kind  = ord_head[ORD_W-QW-1 -: 2];
  wire [4:0]  o_code  = ord_head[ORD_W-QW-3 -: 5];
  wire [11:0] o_index = ord_head[ORD_W-QW-8 -: 12];
  wire [31:0] o_len   = ord_head[32:1];
  wire        o_csum  = ord_head[0];
  wire ord_empty  = (ord_wr == ord_rd);
  wire done_empty = (done_wr == done_rd);
  wire done_err   = done_mem[done_rd[DONE_AW-1:0]];

  wire        cw_in_ready, cw_ev_cpl, cw_ev_drop, cw_ev_tag, cw_ev_fail, cw_idle;
  wire [QW-1:0] cw_ev_queue, cw_ev_fail_queue;
  wire [31:0] cw_ev_len;
  wire [15:0] cw_ev_errors;
  wire [1:0]  cw_ev_verdict;
  wire [11:0] cw_ev_fail_index;
  wire [NQ*12-1:0] cw_head;

  // A writer failure takes the event port this cycle; retire waits.
  wire ord_ready = !ord_empty && (o_kind != K_GOOD || !done_empty);
  wire retire    = ord_ready && !cw_ev_fail && (o_kind == K_HALT || cw_in_ready);
  logic [15:0] r_errors;
  always_comb begin
    r_errors = 16'd0;
    if (o_kind == K_BAD) r_errors[o_code[3:0]] = 1'b1;
    if (o_kind == K_GOOD && done_err) r_errors[ERR_DMA_READ_BIT] = 1'b1;
  end
  wire o_halted = halted[o_q];
  wire cw_push = retire && (o_kind != K_HALT) && !o_halted;

  // Queue q restarts once nothing of it is left in the engine; the writer restarts it likewise.
  logic [NQ-1:0] restart;
  always_comb begin
    for (int q = 0; q < NQ; q++) restart[q] = start_pending[q] && (outstanding[q] == '0);
  end

  nic_cpl_writer #(.NQ(NQ), .DEPTH(64), .BATCH(4), .MAX_OUT(16)) u_cpl (
    .clk           (clk),
    .rst           (rst),
    .cfg_cpl_base  (cfg_cpl_base),
    .cfg_size      (cfg_size),
    .start         (restart),
    .in_valid      (cw_push),
    .in_ready      (cw_in_ready),
    .in_queue      (o_q),
    .in_index      (o_index),
    .in_len        (o_len),
    .in_csum       (16'd0),
    .in_verdict    (2'd0),
    .in_errors     (r_errors),
    .in_rss_hash   (32'd0),
    .in_rss_type   (8'd0),
    .in_tag        (o_csum && (r_errors == 16'd0)),
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

  // ---------------------------------------------------------------------------------------------
  // Memories (no reset)
  // ---------------------------------------------------------------------------------------------
  wire fifo_pop = (fifo_count != '0) && (!out_valid || m_axis_tready);

  always_ff @(posedge clk) begin
    if (desc_done) desc_mem[desc_wr[DESC_AW-1:0]] <=
      {t_q, t_first + {10'd0, r_cnt[3:2]}, dref || beat_err, d_addr_a, d_len_a, d_flags_a,
       d_cstart_a, d_coff_a};
    if (r_data) fifo_mem[fifo_wr_ptr] <= beat_entry;
    if (cmd_push) cmd_mem[cmd_wr_ptr[CMD_AW-1:0]] <= {d_csum_req, dq_cstart, dq_coff};
    if (take_desc) ord_mem[ord_wr[ORD_AW-1:0]] <=
      {dq_q, dq_ref ? K_HALT : (d_bad ? K_BAD : K_GOOD), d_bad_code, dq_idx, dq_len, d_csum_req};
    if (frame_end) done_mem[done_wr[DONE_AW-1:0]] <= frame_err || beat_err;
    if (ar_desc || ar_data) tag_mem[tag_wr[TAG_AW-1:0]] <=
      ar_desc ? {sched_q, f_idx, 1'b1, 4'(({1'b0, fetch_n} << 2) - 4'd1), 1'b0, 8'd0}
              : {QW'(0), 12'd0, 1'b0, 4'(burst_beats - 5'd1), rd_left == BEAT_W'(burst_beats),
                 cur_keep};
  end

  // ---------------------------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    ev_halt_q <= 1'b0;
    ev_err_q  <= 1'b0;

    // AR
    if (ar_valid && m_axi_arready) ar_valid <= 1'b0;
    if (ar_desc) begin
      ar_addr       <= fetch_addr;
      ar_len        <= {3'd0, fetch_n, 2'b00} - 8'd1;
      ar_valid      <= 1'b1;
      fetch_idx[sched_q] <= ({1'b0, f_idx} + 13'(fetch_n) == f_size) ? 12'd0
                                                                     : f_idx + 12'(fetch_n);
    end
    // The scheduler moves on after a fetch, or when this queue has nothing to fetch.
    if (NQ > 1 && (ar_desc || !want_desc)) sched_q <= sched_q + 1'b1;
    if (ar_data) begin
      ar_addr  <= rd_addr;
      ar_len   <= 8'(burst_beats) - 8'd1;
      ar_valid <= 1'b1;
      rd_addr  <= rd_addr + {56'd0, burst_beats, 3'd0};
      rd_left  <= rd_left - BEAT_W'(burst_beats);
      if (rd_left == BEAT_W'(burst_beats)) cur_valid <= 1'b0;
    end
    if (ar_desc || ar_data) tag_wr <= tag_wr + 1'b1;
    desc_inflight <= desc_inflight + (ar_desc ? (DESC_AW+1)'(fetch_n) : '0)
                   - (DESC_AW+1)'(desc_done);
    rd_out <= rd_out + 7'(ar_desc || ar_data) - 7'(r_burst_end);

    // Issue
    if (take_any) desc_rd <= desc_rd + 1'b1;
    if (take_desc) begin
      ord_wr    <= ord_wr + 1'b1;
      if (dq_ref) begin
        stop_issue[dq_q] <= 1'b1;
      end else if (!d_bad) begin
        cur_valid <= 1'b1;
        rd_addr   <= dq_addr;
        rd_left   <= dq_len[BEAT_W+2:3] + BEAT_W'(dq_len[2:0] != 3'd0);
        cur_keep  <= (dq_len[2:0] == 3'd0) ? 8'hFF : 8'hFF >> (4'd8 - {1'b0, dq_len[2:0]});
      end
    end
    if (cmd_push) cmd_wr_ptr <= cmd_wr_ptr + 1'b1;
    if (cmd_pop)  cmd_rd_ptr <= cmd_rd_ptr + 1'b1;

    // R
    if (r_hs) begin
      r_cnt <= r_burst_end ? 4'd0 : r_cnt + 4'd1;
      if (r_burst_end) tag_rd <= tag_rd + 1'b1;
      if (t_desc) begin
        dbeat <= dbeat + 2'd1;
        dref  <= (dbeat == 2'd3) ? 1'b0 : (dref || beat_err);
        if (dbeat == 2'(DESC_ADDR_BEAT)) d_addr_a <= m_axi_rdata;
        if (dbeat == 2'(DESC_LEN_BEAT)) d_len_a <= m_axi_rdata[DESC_LEN_LANE*8 +: 32];
        if (dbeat == 2'(DESC_FLAGS_BEAT)) d_flags_a <= m_axi_rdata[DESC_FLAGS_LANE*8 +: 8];
        if (dbeat == 2'(DESC_CSTART_BEAT)) d_cstart_a <= m_axi_rdata[DESC_CSTART_LANE*8 +: 16];
        if (dbeat == 2'(DESC_COFF_BEAT)) d_coff_a <= m_axi_rdata[DESC_COFF_LANE*8 +: 16];
        if (desc_done) desc_wr <= desc_wr + 1'b1;
      end else begin
        frame_err <= frame_end ? 1'b0 : (frame_err || beat_err);
        if (frame_end) done_wr <= done_wr + 1'b1;
      end
    end

    // Retire
    if (retire) begin
      ord_rd <= ord_rd + 1'b1;
      if (o_kind == K_GOOD) done_rd <= done_rd + 1'b1;
      if (!o_halted) begin
        ev_err_queue_q <= o_q;
        if (o_kind == K_HALT) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= 5'(ERR_DMA_READ_BIT);
          ev_err_index_q <= {4'd0, o_index};
          ev_halt_q      <= 1'b1;
          halted[o_q]    <= 1'b1;
        end else if (r_errors != 16'd0) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= (o_kind == K_BAD) ? o_code : 5'(ERR_DMA_READ_BIT);
          ev_err_index_q <= {4'd0, o_index};
        end
      end
    end
    if (cw_ev_fail && !halted[cw_ev_fail_queue]) begin
      ev_err_q       <= 1'b1;
      ev_err_queue_q <= cw_ev_fail_queue;
      ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
      ev_err_index_q <= {4'd0, cw_ev_fail_index};
      ev_halt_q      <= 1'b1;
      halted[cw_ev_fail_queue] <= 1'b1;
    end

    // Per queue: what is in the engine, and the (re)start once that is nothing.
    if (ar_desc || dq_discard || (retire && !cw_push) || cw_ev_cpl || cw_ev_drop) begin
      for (int q = 0; q < NQ; q++) begin
        outstanding[q] <= outstanding[q]
          + ((ar_desc && sched_q == QW'(q)) ? OUT_W'(fetch_n) : '0)
          - OUT_W'(dq_discard && dq_q == QW'(q))
          - OUT_W'(retire && !cw_push && o_q == QW'(q))
          - OUT_W'((cw_ev_cpl || cw_ev_drop) && cw_ev_queue == QW'(q));
      end
    end
    for (int q = 0; q < NQ; q++) begin
      if (restart[q]) begin
        start_pending[q] <= 1'b0;
        halted[q]        <= 1'b0;
        stop_issue[q]    <= 1'b0;
        fetch_idx[q]     <= 12'd0;
      end
      if (q_start[q]) start_pending[q] <= 1'b1;
    end

    if (rst) begin
      for (int q = 0; q < NQ; q++) begin
        halted[q]        <= 1'b0;
        stop_issue[q]    <= 1'b0;
        start_pending[q] <= 1'b0;
        fetch_idx[q]     <= 12'd0;
        outstanding[q]   <= '0;
      end
      sched_q       <= '0;
      desc_inflight <= '0;
      desc_wr       <= '0;
      desc_rd       <= '0;
      dbeat         <= 2'd0;
      dref          <= 1'b0;
      cur_valid     <= 1'b0;
      ar_valid      <= 1'b0;
      tag_wr        <= '0;
      tag_rd        <= '0;
      r_cnt         <= 4'd0;
      frame_err     <= 1'b0;
      rd_out        <= 7'd0;
      ord_wr        <= '0;
      ord_rd        <= '0;
      done_wr       <= '0;
      done_rd       <= '0;
      cmd_wr_ptr    <= '0;
      cmd_rd_ptr    <= '0;
      ev_halt_q     <= 1'b0;
      ev_err_q      <= 1'b0;
    end
  end

  // Stream FIFO and registered output stage.
  always_ff @(posedge clk) begin
    if (r_data) fifo_wr_ptr <= fifo_wr_ptr + 1'b1;
    if (fifo_pop) fifo_rd_ptr <= fifo_rd_ptr + 1'b1;
    fifo_count <= fifo_count + (FIFO_AW+1)'(r_data) - (FIFO_AW+1)'(fifo_pop);
    used <= used + (ar_data ? (FIFO_AW+1)'(burst_beats) : '0) - (FIFO_AW+1)'(fifo_pop);
    if (fifo_pop) begin
      {out_tuser, out_tlast, out_tkeep, out_tdata} <= fifo_mem[fifo_rd_ptr];
      out_valid <= 1'b1;
    end else if (m_axis_tready) begin
      out_valid <= 1'b0;
    end
    if (rst) begin
      fifo_wr_ptr <= '0;
      fifo_rd_ptr <= '0;
      fifo_count  <= '0;
      used        <= '0;
      out_valid   <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign q_head        = cw_head;
  for (genvar q = 0; q < NQ; q++) begin : g_busy
    assign q_busy[q] = (outstanding[q] != '0) || start_pending[q];
  end
  assign ev_halt       = ev_halt_q;
  assign ev_cpl        = cw_ev_cpl;
  assign ev_cpl_queue  = cw_ev_queue;
  assign ev_err_queue  = ev_err_queue_q;
  assign ev_cpl_len    = cw_ev_len;
  assign ev_cpl_errors = cw_ev_errors;
  assign ev_cpl_csum   = cw_ev_tag;
  assign ev_err        = ev_err_q;
  assign ev_err_code   = ev_err_code_q;
  assign ev_err_index  = ev_err_index_q;

  assign m_axi_araddr  = ar_addr;
  assign m_axi_arlen   = ar_len;
  assign m_axi_arvalid = ar_valid;
  assign m_axi_rready  = 1'b1;

  assign m_axis_tdata  = out_tdata;
  assign m_axis_tkeep  = out_tkeep;
  assign m_axis_tvalid = out_valid;
  assign m_axis_tlast  = out_tlast;
  assign m_axis_tuser  = out_tuser;

  assign m_axis_cmd_valid = !cmd_empty;
  assign {m_axis_cmd_csum_en, m_axis_cmd_csum_start, m_axis_cmd_csum_offset}
                          = cmd_mem[cmd_rd_ptr[CMD_AW-1:0]];

  wire unused = m_axi_rlast ^ ^cw_ev_verdict ^ cw_idle;

endmodule

`resetall
