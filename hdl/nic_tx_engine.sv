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
//   R       Descriptor blocks are read on the control port, buffers on the data port (two AXI4
//           masters, so descriptor beats never take a data beat's cycle); each port's read data
//           comes back in its request order (one ID per port). A tag FIFO per port, pushed with
//           each AR, says which block or which frame's buffer a burst is. Descriptor beats are
//           assembled into the descriptor FIFO (a descriptor with a refused beat is marked);
//           buffer beats go into the stream FIFO (refused beats as zeros; tuser on the frame's
//           last beat when any beat of it was refused), and the end of each frame is noted.
//           Completions go out on the control port's write channels.
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
// Stream FIFO: FIFO_DEPTH read beats, each with what the output needs to cut the frame out of
// them, and a registered output stage. A read burst is issued only when the FIFO has room for all
// its beats (credits reserved at issue), so R is always accepted (rready = 1). FIFO_DEPTH = 1024
// beats (8 KiB at 64 bits, 64 KiB at 512) keeps one beat per cycle flowing with up to ~4 us of
// read latency; MAX_RD bounds the bursts in flight.
//
// Width. DATA_W (64 or 512) is the width of the AXI4 data bus and of the MAC TX stream. Every AXI
// address is a multiple of DATA_W/8 (the beat). Descriptors (32 bytes) are fetched as whole beats:
// at 64 bits four beats each, at 512 bits two per beat, a block that starts at an odd index
// starting with the beat that holds it (its other half is ignored). A frame's buffer starts at
// any multiple of 8 (ADDR % 8 == 0, as before): its reads cover the beats from the one holding
// ADDR to the one holding ADDR + LEN - 1, and the output stage realigns them so that frame byte 0
// is byte 0 of the first stream beat: stream beat k is the top (W - o) bytes of read beat k and
// the low o bytes of read beat k + 1 (o = ADDR % (DATA_W/8)). A frame with o != 0 takes one
// cycle more than its stream beats (its first read beat is only held), except that the cycle of a
// last stream beat cut from the held beat alone (the flush) also takes the next frame's first
// read beat when that one is held. At 64 bits o is always 0 and read beats pass through.

module nic_tx_engine #(
  parameter int NQ = 1,                // TX queues (power of two, 1..16)
  parameter int DATA_W = 64,           // AXI4 data and MAC TX stream width, bits: 64 or 512
  localparam int QW = (NQ > 1) ? $clog2(NQ) : 1,
  localparam int KW = DATA_W / 8       // bytes per beat
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
  // AXI4 masters, no ID (the interconnects add it); beats of DATA_W/8 bytes, INCR.
  // Data port (read only): the frames' buffer reads.
  output wire [63:0] m_axi_araddr, output wire [7:0] m_axi_arlen, output wire m_axi_arvalid, input wire m_axi_arready,
  input  wire [DATA_W-1:0] m_axi_rdata, input wire [1:0] m_axi_rresp, input wire m_axi_rlast, input wire m_axi_rvalid, output wire m_axi_rready,
  // Control port: descriptor fetches (AR/R) and completion writes (AW/W/B).
  output wire [63:0] m_axi_ctl_araddr, output wire [7:0] m_axi_ctl_arlen, output wire m_axi_ctl_arvalid, input wire m_axi_ctl_arready,
  input  wire [DATA_W-1:0] m_axi_ctl_rdata, input wire [1:0] m_axi_ctl_rresp, input wire m_axi_ctl_rlast, input wire m_axi_ctl_rvalid, output wire m_axi_ctl_rready,
  output wire [63:0] m_axi_ctl_awaddr, output wire [7:0] m_axi_ctl_awlen, output wire m_axi_ctl_awvalid, input wire m_axi_ctl_awready,
  output wire [DATA_W-1:0] m_axi_ctl_wdata, output wire [KW-1:0] m_axi_ctl_wstrb, output wire m_axi_ctl_wlast, output wire m_axi_ctl_wvalid, input wire m_axi_ctl_wready,
  input  wire [1:0]  m_axi_ctl_bresp,  input wire m_axi_ctl_bvalid, output wire m_axi_ctl_bready,
  // MAC TX AXI-Stream
  output wire [DATA_W-1:0] m_axis_tdata, output wire [KW-1:0] m_axis_tkeep, output wire m_axis_tvalid, input wire m_axis_tready,
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
  // At 512 bits a 64-byte frame is one beat, so four times as many frames (and their descriptors
  // and completions) are in flight at a given latency: the depths that bound them scale by four.
  localparam bit WIDE       = (DATA_W == 512);
  localparam int KS         = $clog2(KW);      // address bits within a beat
  localparam int FIFO_DEPTH = 1024;            // stream FIFO entries (power of two)
  localparam int FIFO_AW    = $clog2(FIFO_DEPTH);
  localparam int MAX_BEATS  = 16;              // beats per burst
  localparam int MAX_RD     = WIDE ? 192 : 48; // read bursts in flight at most
  localparam int TAG_DEPTH  = WIDE ? 256 : 64; // >= MAX_RD, power of two
  localparam int TAG_AW     = $clog2(TAG_DEPTH);
  localparam int RD_W       = TAG_AW + 1;      // bursts-in-flight counter
  // Descriptors per fetch burst: 4 x 32 B = 16 beats at 64 bits; 16 = 8 or 9 beats at 512.
  localparam int DESC_BLOCK = WIDE ? 16 : 4;
  localparam int FN_W       = $clog2(DESC_BLOCK + 1);
  localparam int DESC_DEPTH = WIDE ? 256 : 64; // descriptor FIFO (power of two): >= rate x latency
  localparam int DESC_AW    = $clog2(DESC_DEPTH);
  localparam int ORD_DEPTH  = WIDE ? 256 : 64; // descriptors between issue and retire
  localparam int ORD_AW     = $clog2(ORD_DEPTH);
  localparam int CMD_DEPTH  = WIDE ? 256 : 64; // checksum commands queued (power of two)
  localparam int CMD_AW     = $clog2(CMD_DEPTH);
  localparam int DONE_DEPTH = WIDE ? 256 : 64; // frame ends not yet retired
  localparam int DONE_AW    = $clog2(DONE_DEPTH);
  localparam int CW_DEPTH   = WIDE ? 256 : 64; // completion writer: entries, records per burst,
  localparam int CW_BATCH   = WIDE ? 16 : 4;   //   bursts awaiting B
  localparam int CW_OUT     = WIDE ? 64 : 16;
  localparam int BEAT_W     = 11;              // beat counters: ceil((56 + MAX_FRAME) / 8) = 1159
  localparam int OFFW       = (KS > 3) ? KS - 3 : 1;  // a buffer's offset in its beat, in 8 bytes
  // {tuser, last read beat of the frame, first, offset, bytes in the last stream beat - 1, flush,
  //  tdata}
  localparam int ENTRY_W    = 1 + 1 + 1 + OFFW + KS + 1 + DATA_W;
  localparam int CMD_W      = 1 + 16 + 16;     // {csum_en, csum_start, csum_offset}
  // {queue, index, refused, addr, len, flags, cstart, coff}
  localparam int DESC_W     = QW + 12 + 1 + 64 + 32 + 8 + 16 + 16;
  localparam int ORD_W      = QW + 2 + 5 + 12 + 32 + 1;  // {queue, kind, code, index, len, csum_en}
  // Descriptors of a queue in the engine: <= DESC_DEPTH + ORD_DEPTH + CW_DEPTH.
  localparam int OUT_W      = WIDE ? 10 : 8;
  // Descriptors per beat (DPB) and beats per descriptor (BPD): one of them is 1.
  localparam int DPB        = (KW >= 32) ? KW / 32 : 1;
  localparam int BPD        = (KW >= 32) ? 1 : 32 / KW;
  localparam int DSW        = (DPB > 1) ? $clog2(DPB) : 1;

  // Read tags: what each burst in flight is, one FIFO per port (each port answers in order).
  typedef struct packed {
    logic [QW-1:0]    q;       // their queue
    logic [11:0]      first;   // ring index of the first
    logic [DSW-1:0]   dskip;   // slots of the first beat before the first (DPB > 1)
    logic [FN_W-1:0]  dn;      // how many
    logic [3:0]       len;     // beats - 1
  } dtag_t;                    // a descriptor block (control port)
  typedef struct packed {
    logic [3:0]       len;     // beats - 1
    logic             dfirst;  // the frame's first burst
    logic [OFFW-1:0]  off;     // the frame's offset in its first beat, in 8 bytes
    logic             dlast;   // the frame's last burst
    logic [KS-1:0]    nlast;   // bytes in the frame's last stream beat - 1
    logic             flush;   // the last read beat leaves a stream beat behind (o != 0)
  } tag_t;                     // a buffer burst (data port)

  localparam logic [1:0] K_GOOD = 2'd0, K_BAD = 2'd1, K_HALT = 2'd2;

  localparam logic [31:0] MAX_FRAME_L = 32'(MAX_FRAME);
  localparam logic [63:0] A_LOW = 64'(KW) - 64'd1;   // address bits within a beat

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
  if (DATA_W != 64 && DATA_W != 512)
    $fatal(1, "nic_tx_engine: DATA_W must be 64 or 512, not %0d", DATA_W);
  if (TAG_DEPTH < MAX_RD || (BPD > 1 && DESC_BLOCK * BPD > MAX_BEATS) ||
      (DESC_BLOCK + 2 * DPB - 2) / DPB > MAX_BEATS)
    $fatal(1, "nic_tx_engine: inconsistent sizing");
  if (NQ < 1 || NQ > 16 || (NQ & (NQ - 1)) != 0)
    $fatal(1, "nic_tx_engine: NQ must be a power of two, 1..16");

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  // per queue
  // (Packed vectors, not unpacked arrays: Verilator keeps a "written this cycle" flag for every
  // site that writes an element of an unpacked array, cleared and tested every cycle.)
  logic [NQ-1:0] halted;           // set on a halt, cleared by q_start
  logic [NQ-1:0] stop_issue;       // a halt marker was issued: fetch and issue stop until q_start
  logic [NQ-1:0] start_pending;    // q_start seen, waiting for the queue to be empty
  logic [NQ-1:0][11:0] fetch_idx;  // next descriptor to fetch
  logic [NQ-1:0][OUT_W-1:0] outstanding;  // descriptors fetched and not yet completed or dropped

  // fetch
  logic [QW-1:0] sched_q;                 // the queue the fetch scheduler looks at
  logic [DESC_AW:0] desc_inflight;        // descriptors requested, not yet in the FIFO

  // descriptor FIFO
  logic [DESC_W-1:0] desc_mem [DESC_DEPTH];
  logic [DESC_AW:0]  desc_wr, desc_rd;

  // issue
  logic              cur_valid;           // buffer bursts of a frame being issued
  logic              cur_first;           // the next burst is the frame's first
  logic [63:0]       rd_addr;             // next read address (a multiple of the beat)
  logic [BEAT_W-1:0] rd_left;             // read beats left
  logic [OFFW-1:0]   cur_off;             // the frame's offset in its first beat, in 8 bytes
  logic [KS-1:0]     cur_nlast;           // bytes in its last stream beat - 1
  logic              cur_flush;           // its last read beat leaves a stream beat behind

  // AR registers: data port (buffer reads), control port (descriptor blocks)
  logic [63:0] ar_addr;
  logic [7:0]  ar_len;
  logic        ar_valid;
  logic [63:0] car_addr;
  logic [7:0]  car_len;
  logic        car_valid;

  // tag FIFOs: buffer bursts (<= MAX_RD), descriptor blocks (<= DESC_DEPTH: each reserves >= 1
  // descriptor of the descriptor FIFO)
  tag_t             tag_mem [TAG_DEPTH];
  logic [TAG_AW:0]  tag_wr, tag_rd;
  logic [3:0]       r_cnt;                // beat within the burst at the tag FIFO's head
  dtag_t            dtag_mem [DESC_DEPTH];
  logic [DESC_AW:0] dtag_wr, dtag_rd;
  logic [3:0]       dr_cnt;               // beat within the block at the dtag FIFO's head
  logic             frame_err;            // a buffer beat of the frame being received was refused
  logic [RD_W-1:0]  rd_out;               // bursts in flight (AR issued, last R not yet seen)

  // order and done FIFOs
  logic [ORD_W-1:0]  ord_mem [ORD_DEPTH];
  logic [ORD_AW:0]   ord_wr, ord_rd;
  logic              done_mem [DONE_DEPTH];
  logic [DONE_AW:0]  done_wr, done_rd;

  // checksum command FIFO
  logic [CMD_W-1:0]  cmd_mem [CMD_DEPTH];
  logic [CMD_AW:0]   cmd_wr_ptr, cmd_rd_ptr;

  // stream FIFO, realigner + output register
  logic [ENTRY_W-1:0] fifo_mem [FIFO_DEPTH];
  logic [FIFO_AW-1:0] fifo_wr_ptr, fifo_rd_ptr;
  logic [FIFO_AW:0]   fifo_count;
  logic [FIFO_AW:0]   used;               // credits: reserved + stored beats
  logic [DATA_W-1:0]  out_tdata;
  logic [KW-1:0]      out_tkeep;
  logic               out_tlast, out_tuser, out_valid;
  logic               hv;                 // a read beat of an unaligned frame is held
  logic [DATA_W-1:0]  hd;                 // that beat
  logic [OFFW-1:0]    ho;                 // its frame's offset
  logic               pend;               // hd is the frame's last read beat: one more stream beat
  logic [KS-1:0]      p_nlast;            //   with this many bytes - 1
  logic               p_tuser;            //   and this tuser

  // events
  logic        ev_halt_q, ev_err_q;
  logic [QW-1:0] ev_err_queue_q;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // ---------------------------------------------------------------------------------------------
  // Fetch: a block of queue sched_q's posted descriptors into reserved FIFO space
  // ---------------------------------------------------------------------------------------------
  // Queue q may fetch and issue.
  wire [NQ-1:0] run = q_enable & ~halted & ~stop_issue & ~start_pending;
  wire [DESC_AW:0]   desc_count = desc_wr - desc_rd;   // (5 bits: the pointers wrap)
  wire [DESC_AW+1:0] desc_space = (DESC_AW+2)'(DESC_DEPTH) - {1'b0, desc_count}
                                - {1'b0, desc_inflight};
  // The block queue sched_q would fetch. Worked out only while that queue runs: every use is
  // under want_desc, which needs it, and the scheduler passes over queues that do not run in most
  // cycles (fetch_n = 0 then, and the rest unused).
  logic [12:0] f_size;
  logic [11:0] f_idx, size_mask, posted;
  logic [12:0] to_end;
  logic [63:0] fetch_addr;
  logic [7:0]  to_page;      // 32-byte slots to the 4 KiB line
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
    fetch_n = '0;
    fetch_skip = '0;
    fetch_beats = '0;
    if (run[sched_q]) begin
      f_size     = cfg_size[13*sched_q +: 13];
      f_idx      = fetch_idx[sched_q];
      size_mask  = 12'(f_size - 13'd1);
      posted     = (q_tail[12*sched_q +: 12] - f_idx) & size_mask;
      to_end     = f_size - {1'b0, f_idx};
      fetch_addr = cfg_ring_base[64*sched_q +: 64] + {47'd0, f_idx, 5'd0};
      to_page    = 8'd128 - {1'b0, fetch_addr[11:5]};
      fetch_n = FN_W'(DESC_BLOCK);
      if (posted < 12'(fetch_n)) fetch_n = FN_W'(posted);
      if (to_end < 13'(fetch_n)) fetch_n = FN_W'(to_end);
      if (to_page < 8'(fetch_n)) fetch_n = FN_W'(to_page);
      fetch_skip  = (DPB > 1) ? fetch_addr[5 +: DSW] : '0;
      fetch_beats = (DPB > 1) ? 5'((int'(fetch_skip) + int'(fetch_n) + DPB - 1) / DPB)
                              : 5'(int'(fetch_n) * BPD);
    end
  end
  wire tags_ok   = (rd_out < RD_W'(MAX_RD));
  wire ar_free   = !ar_valid || m_axi_arready;
  wire car_free  = !car_valid || m_axi_ctl_arready;
  wire want_desc = run[sched_q] && (fetch_n != '0) && (desc_space >= (DESC_AW+2)'(fetch_n));

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

  // A buffer past the top of the address space would wrap to 0: a length error, nothing read.
  // The head descriptor's checks, and a good descriptor's reads: the beats from the one holding
  // ADDR to the one holding ADDR + LEN - 1 (d_rbeats), and the stream beats of the frame
  // (d_sbeats). Worked out only while the FIFO holds a descriptor: every use is under take_any,
  // which needs one (all 0 otherwise).
  logic d_wraps, d_len_bad, d_align_bad, d_csum_req, d_csum_bad, d_bad;
  logic [4:0]        d_bad_code;
  logic [31:0]       d_span;
  logic [BEAT_W-1:0] d_rbeats, d_sbeats;
  logic [KS-1:0]     d_nlast;
  always_comb begin
    d_wraps     = 1'b0;
    d_len_bad   = 1'b0;
    d_align_bad = 1'b0;
    d_csum_req  = 1'b0;
    d_csum_bad  = 1'b0;
    d_bad       = 1'b0;
    d_bad_code  = '0;
    d_span      = '0;
    d_rbeats    = '0;
    d_sbeats    = '0;
    d_nlast     = '0;
    if (!dq_empty) begin
      d_wraps     = ({1'b0, dq_addr} + {33'd0, dq_len}) > {1'b1, 64'd0};
      d_len_bad   = (dq_len == 32'd0) || (dq_len > MAX_FRAME_L) || d_wraps;
      d_align_bad = (dq_addr[2:0] != 3'd0);
      d_csum_req  = feat_tx_csum && ((dq_flags & F_NEEDS_CSUM) != 8'd0);
      d_csum_bad  = d_csum_req && ({16'd0, dq_cstart} + {16'd0, dq_coff} + 32'd2 > dq_len);
      d_bad       = d_len_bad || d_align_bad || d_csum_bad;
      if (d_len_bad)        d_bad_code = 5'(ERR_DESC_LEN_BIT);
      else if (d_align_bad) d_bad_code = 5'(ERR_DESC_ALIGN_BIT);
      else                  d_bad_code = 5'(ERR_DESC_CSUM_BIT);
      d_span   = 32'(dq_addr[KS-1:0]) + dq_len + 32'(KW - 1);
      d_rbeats = BEAT_W'(d_span >> KS);
      d_sbeats = BEAT_W'((dq_len + 32'(KW - 1)) >> KS);
      d_nlast  = KS'(dq_len - 32'd1);
    end
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
    to_4k = 10'(4096 / KW) - 10'(rd_addr[11:KS]);
    burst_beats = 5'(MAX_BEATS);
    if (rd_left < BEAT_W'(burst_beats)) burst_beats = rd_left[4:0];
    if (to_4k < 10'(burst_beats)) burst_beats = to_4k[4:0];
  end
  wire want_data = cur_valid && tags_ok &&
                   ({1'b0, used} + (FIFO_AW+2)'(burst_beats) <= (FIFO_AW+2)'(FIFO_DEPTH));
  // Descriptor blocks on the control port, buffer bursts on the data port, each on its own.
  wire ar_desc   = car_free && want_desc;
  wire ar_data   = ar_free && want_data;

  // ---------------------------------------------------------------------------------------------
  // R
  // ---------------------------------------------------------------------------------------------
  // Data port: buffer beats (rready = 1: stream FIFO space was reserved at issue).
  tag_t tag_head;
  assign tag_head = tag_mem[tag_rd[TAG_AW-1:0]];
  wire [3:0]  t_len   = tag_head.len;
  wire        t_last  = tag_head.dlast;
  wire r_data     = m_axi_rvalid;
  wire r_burst_end = r_data && (r_cnt == t_len);
  wire beat_err   = (m_axi_rresp != 2'b00);
  wire frame_end  = r_data && r_burst_end && t_last;
  // Control port: descriptor beats (rready = 1: descriptor FIFO space was reserved at fetch).
  dtag_t dtag_head;
  assign dtag_head = dtag_mem[dtag_rd[DESC_AW-1:0]];
  wire [QW-1:0] t_q   = dtag_head.q;
  wire [11:0] t_first = dtag_head.first;
  wire r_d        = m_axi_ctl_rvalid;            // a descriptor beat
  wire d_burst_end = r_d && (dr_cnt == dtag_head.len);
  wire d_beat_err = (m_axi_ctl_rresp != 2'b00);

  logic [ENTRY_W-1:0] beat_entry;
  always_comb begin
    beat_entry = {frame_end && (frame_err || beat_err), frame_end,
                  tag_head.dfirst && (r_cnt == 4'd0), tag_head.off, tag_head.nlast,
                  tag_head.flush, beat_err ? DATA_W'(0) : m_axi_rdata};
  end

  // Descriptors completed by this R beat: d_n of them, in d_ent[0..d_n-1] (ring order).
  logic [DESC_W-1:0] d_ent [DPB];
  logic [1:0]        d_n;
  if (BPD > 1) begin : g_desc_narrow
    // A descriptor is BPD beats; its fields are captured beat by beat.
    logic [1:0]  dbeat;                   // beat within the descriptor being assembled
    logic        dref;                    // a beat of it was refused
    logic [63:0] d_addr_a;
    logic [31:0] d_len_a;
    logic [7:0]  d_flags_a;
    logic [15:0] d_cstart_a;
    logic [15:0] d_coff_a;
    wire desc_done = r_d && (dbeat == 2'(BPD - 1));
    assign d_n = {1'b0, desc_done};
    assign d_ent[0] = {t_q, t_first + 12'(dr_cnt[3:2]), dref || d_beat_err, d_addr_a, d_len_a,
                       d_flags_a, d_cstart_a, d_coff_a};
    always_ff @(posedge clk) begin
      if (r_d) begin
        dbeat <= dbeat + 2'd1;
        dref  <= desc_done ? 1'b0 : (dref || d_beat_err);
        if (dbeat == 2'(DESC_ADDR_BEAT)) d_addr_a <= m_axi_ctl_rdata[63:0];
        if (dbeat == 2'(DESC_LEN_BEAT)) d_len_a <= m_axi_ctl_rdata[DESC_LEN_LANE*8 +: 32];
        if (dbeat == 2'(DESC_FLAGS_BEAT)) d_flags_a <= m_axi_ctl_rdata[DESC_FLAGS_LANE*8 +: 8];
        if (dbeat == 2'(DESC_CSTART_BEAT)) d_cstart_a <= m_axi_ctl_rdata[DESC_CSTART_LANE*8 +: 16];
        if (dbeat == 2'(DESC_COFF_BEAT)) d_coff_a <= m_axi_ctl_rdata[DESC_COFF_LANE*8 +: 16];
      end
      if (rst) begin
        dbeat <= 2'd0;
        dref  <= 1'b0;
      end
    end
    wire unused_d = ^dtag_head.dskip ^ ^dtag_head.dn;
  end else begin : g_desc_wide
    // DPB descriptors per beat: slot s of beat r_cnt is descriptor r_cnt * DPB + s - dskip of the
    // block, if that is one of its dn.
    always_comb begin
      d_n = 2'd0;
      for (int k = 0; k < DPB; k++) d_ent[k] = '0;
      for (int sl = 0; sl < DPB; sl++) begin
        automatic int pos = int'(dr_cnt) * DPB + sl - int'(dtag_head.dskip);
        if (r_d && pos >= 0 && pos < int'(dtag_head.dn)) begin
          d_ent[DSW'(d_n)] = {t_q, t_first + 12'(pos), d_beat_err,
                              m_axi_ctl_rdata[256*sl + TXD_ADDR_OFF*8 +: 64],
                              m_axi_ctl_rdata[256*sl + TXD_LEN_OFF*8 +: 32],
                              m_axi_ctl_rdata[256*sl + TXD_VNET_FLAGS_OFF*8 +: 8],
                              m_axi_ctl_rdata[256*sl + TXD_CSUM_START_OFF*8 +: 16],
                              m_axi_ctl_rdata[256*sl + TXD_CSUM_OFFSET_OFF*8 +: 16]};
          d_n = d_n + 2'd1;
        end
      end
    end
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
    restart = '0;
    if (start_pending != '0) begin
      for (int q = 0; q < NQ; q++) restart[q] = start_pending[q] && (outstanding[q] == '0);
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
    .defer         (1'b0),
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
  // The realigner in front of the output register. It pops read beats (fifo_pop) and emits
  // stream beats (emit); see "Width" above. The head entry:
  wire [ENTRY_W-1:0] fh = fifo_mem[fifo_rd_ptr];
  wire               h_tuser = fh[ENTRY_W-1];
  wire               h_last  = fh[ENTRY_W-2];
  wire               h_first = fh[ENTRY_W-3];
  wire [OFFW-1:0]    h_off   = fh[ENTRY_W-4 -: OFFW];
  wire [KS-1:0]      h_nlast = fh[DATA_W+1 +: KS];
  wire               h_flush = fh[DATA_W];
  wire [DATA_W-1:0]  h_data  = fh[DATA_W-1:0];
  wire out_free  = !out_valid || m_axis_tready;
  wire fifo_any  = (fifo_count != '0);
  // The head is the first read beat of an unaligned frame of several: it is held, not emitted.
  wire h_hold    = h_first && (h_off != '0) && !h_last;
  wire fifo_pop  = out_free && fifo_any && (!pend || h_hold);
  wire emit      = out_free && (pend || (fifo_pop && !h_hold));
  logic [DATA_W-1:0] e_data;
  logic [KW-1:0]     e_keep;
  logic              e_last, e_tuser;
  function automatic logic [KW-1:0] keep_of(input logic [KS-1:0] nlast);
    return {KW{1'b1}} >> (KW - 1 - int'(nlast));
  endfunction
  always_comb begin
    if (pend) begin
      e_data  = hd >> (64 * int'(ho));
      e_keep  = keep_of(p_nlast);
      e_last  = 1'b1;
      e_tuser = p_tuser;
    end else begin
      if (hv) e_data = (hd >> (64 * int'(ho))) | (h_data << (DATA_W - 64 * int'(ho)));
      else    e_data = h_data >> (64 * int'(h_off));   // h_off != 0 only for a one-beat frame
      e_last  = h_last && !(hv && h_flush);
      e_keep  = e_last ? keep_of(h_nlast) : '1;
      e_tuser = e_last && h_tuser;
    end
  end

  always_ff @(posedge clk) begin
    for (int k = 0; k < DPB; k++) begin
      if (2'(k) < d_n) desc_mem[DESC_AW'(desc_wr[DESC_AW-1:0] + DESC_AW'(k))] <= d_ent[k];
    end
    if (r_data) fifo_mem[fifo_wr_ptr] <= beat_entry;
    if (cmd_push) cmd_mem[cmd_wr_ptr[CMD_AW-1:0]] <= {d_csum_req, dq_cstart, dq_coff};
    if (take_desc) ord_mem[ord_wr[ORD_AW-1:0]] <=
      {dq_q, dq_ref ? K_HALT : (d_bad ? K_BAD : K_GOOD), d_bad_code, dq_idx, dq_len, d_csum_req};
    if (frame_end) done_mem[done_wr[DONE_AW-1:0]] <= frame_err || beat_err;
    if (ar_desc) begin
      dtag_mem[dtag_wr[DESC_AW-1:0]] <= '{
        q:     sched_q,
        first: f_idx,
        dskip: fetch_skip,
        dn:    fetch_n,
        len:   4'(fetch_beats - 5'd1)
      };
    end
    if (ar_data) begin
      tag_mem[tag_wr[TAG_AW-1:0]] <= '{
        len:    4'(burst_beats - 5'd1),
        dfirst: cur_first,
        off:    cur_off,
        dlast:  (rd_left == BEAT_W'(burst_beats)),
        nlast:  cur_nlast,
        flush:  cur_flush
      };
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    ev_halt_q <= 1'b0;
    ev_err_q  <= 1'b0;

    // AR
    if (ar_valid && m_axi_arready) ar_valid <= 1'b0;
    if (car_valid && m_axi_ctl_arready) car_valid <= 1'b0;
    if (ar_desc) begin
      car_addr      <= fetch_addr & ~A_LOW;
      car_len       <= 8'(fetch_beats) - 8'd1;
      car_valid     <= 1'b1;
      dtag_wr       <= dtag_wr + 1'b1;
      fetch_idx[sched_q] <= ({1'b0, f_idx} + 13'(fetch_n) == f_size) ? 12'd0
                                                                     : f_idx + 12'(fetch_n);
    end
    // The scheduler moves on after a fetch, or when this queue has nothing to fetch.
    if (NQ > 1 && (ar_desc || !want_desc)) sched_q <= sched_q + 1'b1;
    if (ar_data) begin
      ar_addr  <= rd_addr;
      ar_len   <= 8'(burst_beats) - 8'd1;
      ar_valid <= 1'b1;
      rd_addr  <= rd_addr + (64'(burst_beats) << KS);
      rd_left  <= rd_left - BEAT_W'(burst_beats);
      cur_first <= 1'b0;
      if (rd_left == BEAT_W'(burst_beats)) cur_valid <= 1'b0;
    end
    if (ar_data) tag_wr <= tag_wr + 1'b1;
    desc_inflight <= desc_inflight + (ar_desc ? (DESC_AW+1)'(fetch_n) : '0)
                   - (DESC_AW+1)'(d_n);
    rd_out <= rd_out + RD_W'(ar_data) - RD_W'(r_burst_end);

    // Issue
    if (take_any) desc_rd <= desc_rd + 1'b1;
    if (take_desc) begin
      ord_wr    <= ord_wr + 1'b1;
      if (dq_ref) begin
        stop_issue[dq_q] <= 1'b1;
      end else if (!d_bad) begin
        cur_valid <= 1'b1;
        cur_first <= 1'b1;
        rd_addr   <= dq_addr & ~A_LOW;
        rd_left   <= d_rbeats;
        cur_off   <= OFFW'(dq_addr[KS-1:0] >> 3);
        cur_nlast <= d_nlast;
        cur_flush <= (dq_addr[KS-1:0] != '0) && (d_rbeats == d_sbeats) && (d_rbeats != BEAT_W'(1));
      end
    end
    if (cmd_push) cmd_wr_ptr <= cmd_wr_ptr + 1'b1;
    if (cmd_pop)  cmd_rd_ptr <= cmd_rd_ptr + 1'b1;

    // R: buffer beats, descriptor beats
    if (r_data) begin
      r_cnt <= r_burst_end ? 4'd0 : r_cnt + 4'd1;
      if (r_burst_end) tag_rd <= tag_rd + 1'b1;
      frame_err <= frame_end ? 1'b0 : (frame_err || beat_err);
      if (frame_end) done_wr <= done_wr + 1'b1;
    end
    if (r_d) begin
      dr_cnt <= d_burst_end ? 4'd0 : dr_cnt + 4'd1;
      if (d_burst_end) dtag_rd <= dtag_rd + 1'b1;
      desc_wr <= desc_wr + (DESC_AW+1)'(d_n);
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
    if (restart != '0 || q_start != '0) begin
      for (int q = 0; q < NQ; q++) begin
        if (restart[q]) begin
          start_pending[q] <= 1'b0;
          halted[q]        <= 1'b0;
          stop_issue[q]    <= 1'b0;
          fetch_idx[q]     <= 12'd0;
        end
        if (q_start[q]) start_pending[q] <= 1'b1;
      end
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
      cur_valid     <= 1'b0;
      cur_first     <= 1'b0;
      ar_valid      <= 1'b0;
      car_valid     <= 1'b0;
      tag_wr        <= '0;
      tag_rd        <= '0;
      r_cnt         <= 4'd0;
      dtag_wr       <= '0;
      dtag_rd       <= '0;
      dr_cnt        <= 4'd0;
      frame_err     <= 1'b0;
      rd_out        <= '0;
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

  // Stream FIFO, realigner and registered output stage.
  always_ff @(posedge clk) begin
    if (r_data) fifo_wr_ptr <= fifo_wr_ptr + 1'b1;
    if (fifo_pop) fifo_rd_ptr <= fifo_rd_ptr + 1'b1;
    fifo_count <= fifo_count + (FIFO_AW+1)'(r_data) - (FIFO_AW+1)'(fifo_pop);
    used <= used + (ar_data ? (FIFO_AW+1)'(burst_beats) : '0) - (FIFO_AW+1)'(fifo_pop);
    if (emit) begin
      {out_tuser, out_tlast, out_tkeep, out_tdata} <= {e_tuser, e_last, e_keep, e_data};
      out_valid <= 1'b1;
    end else if (m_axis_tready) begin
      out_valid <= 1'b0;
    end
    // Hold and flush state (never set at 64 bits: every offset is 0).
    if (pend && out_free) begin
      pend <= 1'b0;
      hv   <= 1'b0;
    end
    if (fifo_pop) begin
      if (h_hold) begin
        hv <= 1'b1;
        hd <= h_data;
        ho <= h_off;
      end else if (hv) begin
        hd <= h_data;
        if (h_last) begin
          if (h_flush) begin
            pend    <= 1'b1;
            p_nlast <= h_nlast;
            p_tuser <= h_tuser;
          end else begin
            hv <= 1'b0;
          end
        end
      end
    end
    if (rst) begin
      fifo_wr_ptr <= '0;
      fifo_rd_ptr <= '0;
      fifo_count  <= '0;
      used        <= '0;
      out_valid   <= 1'b0;
      hv          <= 1'b0;
      pend        <= 1'b0;
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
  assign m_axi_ctl_araddr  = car_addr;
  assign m_axi_ctl_arlen   = car_len;
  assign m_axi_ctl_arvalid = car_valid;
  assign m_axi_ctl_rready  = 1'b1;

  assign m_axis_tdata  = out_tdata;
  assign m_axis_tkeep  = out_tkeep;
  assign m_axis_tvalid = out_valid;
  assign m_axis_tlast  = out_tlast;
  assign m_axis_tuser  = out_tuser;

  assign m_axis_cmd_valid = !cmd_empty;
  assign {m_axis_cmd_csum_en, m_axis_cmd_csum_start, m_axis_cmd_csum_offset}
                          = cmd_mem[cmd_rd_ptr[CMD_AW-1:0]];

  wire unused = m_axi_rlast ^ m_axi_ctl_rlast ^ ^cw_ev_verdict ^ cw_idle ^ ^d_span[KS-1:0];

endmodule

`resetall
