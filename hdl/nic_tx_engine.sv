`resetall
`timescale 1ns / 1ps
`default_nettype none

// TX queue engine: implements "Transmit" in docs/nic.md.
//
// For descriptor HEAD (while q_enable and HEAD != TAIL):
//   S_DESC  read the 32-byte descriptor (one 4-beat burst). A refused beat: ev_err(DMA_READ) and
//           ev_halt once the burst ends, back to idle, HEAD unchanged.
//   S_CHECK LEN 0 or > MAX_FRAME -> DESC_LEN, else ADDR % 8 -> DESC_ALIGN, else (feat_tx_csum and
//           VNET_FLAGS has F_NEEDS_CSUM) CSUM_START + CSUM_OFFSET + 2 > LEN -> DESC_CSUM (one ev_err).
//           A bad descriptor goes straight to the completion. A good one pushes the frame's
//           checksum command (csum_en = feat_tx_csum && F_NEEDS_CSUM, CSUM_START, CSUM_OFFSET)
//           into the command FIFO, waiting in S_CHECK while it is full, before any buffer read.
//   S_DATA  read ceil(LEN/8) beats from ADDR in INCR bursts (<= 16 beats, no 4 KiB crossing),
//           several bursts outstanding, into the stream FIFO. A refused beat is stored as zeros,
//           the frame's last beat gets tuser = 1, and ev_err(DMA_READ) pulses once.
//   S_CPL_* once every buffer beat has been read: write the 16-byte completion (AW, then two W
//           beats, FLAGS in the last byte) and wait for B. A refused write: ev_err(DMA_WRITE) and
//           ev_halt, HEAD unchanged. Otherwise ev_cpl, HEAD + 1, phase flips on wrap; ev_cpl_csum
//           = csum_en and the frame was sent whole (errors 0).
//
// Checksum command (m_axis_cmd_*, to nic_tx_csum): one per frame sent, in frame order, through a
// CMD_DEPTH-entry FIFO that is independent of the stream FIFO. Each command is pushed before the
// first read of its frame's buffer, so it is at the FIFO's output no later than the frame's first
// beat on m_axis_* (given that nic_tx_csum takes each earlier command by its frame's first beat).
// The stream never waits for the command side, so the two cannot deadlock. csum_en is decided in
// S_CHECK, before the buffer is read, so a frame later aborted by a refused read (tuser = 1) keeps
// the csum_en it was given: nic_tx_csum then patches the frame as read (refused bytes are 0) and
// passes tuser on; a MAC drops it, and in loopback the RX path sees it with ERR_RX_FRAME. Such a
// completion has errors != 0, so ev_cpl_csum is 0 for it and TX_CSUM does not count it.
//
// Stream FIFO: FIFO_DEPTH entries of {tuser, tlast, tkeep, tdata} followed by a registered
// output stage, so m_axis_* are flop outputs and tvalid does not depend on tready. A read burst is
// issued only when the FIFO has room for all its beats (credit counter `used` = beats reserved by
// issued bursts plus beats stored), so R is always accepted (rready = 1) and can never deadlock on
// the stream. FIFO_DEPTH = 64 holds MAX_BURSTS = 4 full bursts in flight: one beat per cycle is
// sustained while the memory's read latency stays under ~48 cycles. The FIFO keeps draining while
// the engine goes on to the next descriptor; q_busy covers fetch to completion only.
//
// After ev_halt the engine starts nothing until q_start (its own `halted` flag), so it does not
// depend on how soon the CSR drops q_enable.
//
// AXI: one request of each kind at a time, except read data bursts (up to MAX_BURSTS). Responses
// come back in request order, so R beats in S_DESC are the descriptor and in S_DATA the buffer.

module nic_tx_engine (
  input  wire        clk,
  input  wire        rst,              // synchronous, active high
  input  wire [63:0] cfg_ring_base,    // TX descriptor ring base (64-byte aligned)
  input  wire [63:0] cfg_cpl_base,     // completion ring base (64-byte aligned)
  input  wire [12:0] cfg_size,         // ring entries, power of two 2..4096
  input  wire        q_enable,         // may start a new descriptor
  input  wire        q_start,          // pulse: head <= 0, phase <= 1
  input  wire        feat_tx_csum,     // FEATURES.TX_CSUM (changed only while idle)
  input  wire [11:0] q_tail,
  output wire [11:0] q_head,
  output wire        q_busy,
  output wire        ev_halt,
  output wire        ev_cpl,
  output wire [31:0] ev_cpl_len,
  output wire [15:0] ev_cpl_errors,
  output wire        ev_cpl_csum,      // with ev_cpl: the frame was sent whole with csum_en
  output wire        ev_err,
  output wire [4:0]  ev_err_code,
  output wire [15:0] ev_err_index,
  // AXI4 master, no ID (the arbiter adds it); size is always 8 bytes, INCR
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

  // Contract constants (nic_pkg), copied into local parameters. Referencing the package only in
  // parameter initialisers keeps Verilator 5.006 from flagging every other package constant as
  // UNUSEDPARAM.
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
  localparam int unsigned CPL_SIZE           = nic_pkg::CPL_SIZE;
  localparam int unsigned CPL_LEN_OFF        = nic_pkg::CPL_LEN_OFF;
  localparam int unsigned CPL_SEGS_OFF       = nic_pkg::CPL_SEGS_OFF;
  localparam int unsigned CPL_ERRORS_OFF     = nic_pkg::CPL_ERRORS_OFF;
  localparam int unsigned CPL_INDEX_OFF      = nic_pkg::CPL_INDEX_OFF;
  localparam int unsigned CPL_FLAGS_OFF      = nic_pkg::CPL_FLAGS_OFF;
  localparam int unsigned ERR_DESC_LEN_BIT   = nic_pkg::ERR_DESC_LEN_BIT;
  localparam int unsigned ERR_DESC_ALIGN_BIT = nic_pkg::ERR_DESC_ALIGN_BIT;
  localparam int unsigned ERR_DMA_READ_BIT   = nic_pkg::ERR_DMA_READ_BIT;
  localparam int unsigned ERR_DMA_WRITE_BIT  = nic_pkg::ERR_DMA_WRITE_BIT;
  localparam int unsigned ERR_DESC_CSUM_BIT  = nic_pkg::ERR_DESC_CSUM_BIT;

  // ---------------------------------------------------------------------------------------------
  // Sizing
  // ---------------------------------------------------------------------------------------------
  localparam int FIFO_DEPTH = 64;              // stream FIFO entries (power of two)
  localparam int FIFO_AW    = $clog2(FIFO_DEPTH);
  localparam int MAX_BURSTS = 4;               // buffer read bursts outstanding at most
  localparam int MAX_BEATS  = 16;              // beats per burst
  localparam int BEAT_W     = 11;              // beat counters: ceil(MAX_FRAME / 8) = 1152
  localparam int ENTRY_W    = 64 + 8 + 1 + 1;  // {tuser, tlast, tkeep, tdata}
  localparam int BURSTS_W   = $clog2(MAX_BURSTS + 1);
  localparam int CMD_DEPTH  = 4;               // checksum commands queued (power of two)
  localparam int CMD_AW     = $clog2(CMD_DEPTH);
  localparam int CMD_W      = 1 + 16 + 16;     // {csum_en, csum_start, csum_offset}

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

  // Elaboration checks of the assumptions above.
  if (TXD_SIZE != 32 || DESC_ADDR_LANE != 0 || DESC_LEN_LANE + TXD_LEN_BYTES > 8)
    $fatal(1, "nic_tx_engine: unexpected TX descriptor layout");
  if (TXD_VNET_FLAGS_BYTES != 1 || TXD_CSUM_START_BYTES != 2 || TXD_CSUM_OFFSET_BYTES != 2 ||
      DESC_CSTART_LANE + 2 > 8 || DESC_COFF_LANE + 2 > 8)
    $fatal(1, "nic_tx_engine: unexpected TX descriptor offload fields");
  if (CPL_SIZE != 16)
    $fatal(1, "nic_tx_engine: unexpected completion size");
  if ((MAX_FRAME + 7) / 8 >= (1 << BEAT_W))
    $fatal(1, "nic_tx_engine: BEAT_W too small for MAX_FRAME");
  if (FIFO_DEPTH < MAX_BURSTS * MAX_BEATS || (1 << FIFO_AW) != FIFO_DEPTH)
    $fatal(1, "nic_tx_engine: FIFO_DEPTH must be a power of two >= MAX_BURSTS * MAX_BEATS");

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    S_IDLE,
    S_DESC,     // descriptor AR pending / R beats arriving
    S_CHECK,    // validate the descriptor
    S_DATA,     // buffer read bursts into the stream FIFO
    S_CPL_AW,   // completion address
    S_CPL_W,    // completion data, 2 beats
    S_CPL_B     // completion response
  } state_t;

  state_t state;

  logic [11:0] head;
  logic        phase;
  logic        halted;          // set on ev_halt, cleared by q_start: no new descriptor meanwhile,
                                // whatever the CSR's q_enable latency

  logic [63:0] d_addr;          // descriptor ADDR
  logic [31:0] d_len;           // descriptor LEN
  logic [7:0]  d_flags;         // descriptor VNET_FLAGS
  logic [15:0] d_csum_start;    // descriptor CSUM_START
  logic [15:0] d_csum_offset;   // descriptor CSUM_OFFSET
  logic        d_csum_en;       // this frame's checksum command has csum_en
  logic [1:0]  d_beat;          // descriptor beat counter
  logic        d_err;           // descriptor fetch refused
  logic [15:0] cpl_errors;      // ERR_* bits for the completion

  // AR channel register (shared by the descriptor fetch and the buffer reads)
  logic [63:0] ar_addr;
  logic [7:0]  ar_len;
  logic        ar_valid;

  // buffer read bookkeeping
  logic [63:0]       rd_addr;       // next burst address
  logic [BEAT_W-1:0] rd_left;       // beats not yet requested
  logic [BEAT_W-1:0] rx_left;       // beats not yet received
  logic [BURSTS_W-1:0] bursts_out;    // bursts issued and not completed
  logic [FIFO_AW:0]  used;          // FIFO credits: reserved + stored beats
  logic              frame_err;     // a buffer beat of this frame was refused

  // AW / W / B
  logic        aw_valid;
  logic        w_valid;
  logic        w_beat;          // 0: first completion beat, 1: last

  // events
  logic        ev_halt_q;
  logic        ev_cpl_q;
  logic [31:0] ev_cpl_len_q;
  logic [15:0] ev_cpl_errors_q;
  logic        ev_cpl_csum_q;
  logic        ev_err_q;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // stream FIFO + output register
  logic [ENTRY_W-1:0] fifo_mem [FIFO_DEPTH];
  logic [FIFO_AW-1:0] fifo_wr_ptr;
  logic [FIFO_AW-1:0] fifo_rd_ptr;
  logic [FIFO_AW:0]   fifo_count;
  logic [63:0]        out_tdata;
  logic [7:0]         out_tkeep;
  logic               out_tlast;
  logic               out_tuser;
  logic               out_valid;

  // checksum command FIFO (pointers carry a wrap bit)
  logic [CMD_W-1:0]   cmd_mem [CMD_DEPTH];
  logic [CMD_AW:0]    cmd_wr_ptr;
  logic [CMD_AW:0]    cmd_rd_ptr;

  // ---------------------------------------------------------------------------------------------
  // Combinational helpers
  // ---------------------------------------------------------------------------------------------
  wire r_hs  = m_axi_rvalid;           // rready is always 1
  wire ar_hs = ar_valid && m_axi_arready;
  wire b_hs  = m_axi_bvalid && (state == S_CPL_B);

  // Next HEAD (mod cfg_size, a power of two).
  logic [11:0] head_next;
  always_comb begin
    head_next = head + 12'd1;
    if ({1'b0, head_next} == cfg_size) head_next = 12'd0;
  end

  // Descriptor validation.
  wire d_len_bad   = (d_len == 32'd0) || (d_len > MAX_FRAME_L);
  wire d_align_bad = (d_addr[2:0] != 3'd0);
  wire d_csum_req  = feat_tx_csum && ((d_flags & F_NEEDS_CSUM) != 8'd0);
  wire d_csum_bad  = d_csum_req &&
                     ({16'd0, d_csum_start} + {16'd0, d_csum_offset} + 32'd2 > d_len);
  wire d_bad       = d_len_bad || d_align_bad || d_csum_bad;
  logic [4:0] d_bad_code;
  always_comb begin
    if (d_len_bad)        d_bad_code = 5'(ERR_DESC_LEN_BIT);
    else if (d_align_bad) d_bad_code = 5'(ERR_DESC_ALIGN_BIT);
    else                  d_bad_code = 5'(ERR_DESC_CSUM_BIT);
  end

  // Checksum command FIFO.
  wire cmd_full  = (cmd_wr_ptr - cmd_rd_ptr) == (CMD_AW+1)'(CMD_DEPTH);
  wire cmd_empty = (cmd_wr_ptr == cmd_rd_ptr);
  wire cmd_push  = (state == S_CHECK) && !d_bad && !cmd_full;
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

  // Issue the next buffer burst into the AR register: room for it in the FIFO, and a free slot.
  wire ar_free   = !ar_valid || m_axi_arready;
  wire ar_issue  = (state == S_DATA) && ar_free && (rd_left != '0)
                && (bursts_out < BURSTS_W'(MAX_BURSTS))
                && ({1'b0, used} + (FIFO_AW+2)'(burst_beats) <= (FIFO_AW+2)'(FIFO_DEPTH));

  // FIFO pop into the output register.
  wire fifo_pop  = (fifo_count != '0) && (!out_valid || m_axis_tready);
  wire fifo_push = (state == S_DATA) && r_hs;

  // The FIFO entry for an incoming buffer beat.
  logic [7:0]         beat_keep;
  logic               beat_last;
  logic               beat_err;
  logic [ENTRY_W-1:0] beat_entry;
  always_comb begin
    beat_last = (rx_left == BEAT_W'(1));
    beat_err  = (m_axi_rresp != 2'b00);
    beat_keep = 8'hFF;
    if (beat_last && d_len[2:0] != 3'd0) beat_keep = 8'hFF >> (4'd8 - {1'b0, d_len[2:0]});
    beat_entry = {beat_last && (frame_err || beat_err), beat_last, beat_keep,
                  beat_err ? 64'd0 : m_axi_rdata};
  end

  // The completion record, built from the contract's byte offsets; beat w_beat goes out.
  logic [127:0] cpl_rec;
  always_comb begin
    cpl_rec = '0;
    cpl_rec[CPL_LEN_OFF*8 +: 32]    = d_len;
    cpl_rec[CPL_SEGS_OFF*8 +: 16]   = (cpl_errors == 16'd0) ? 16'd1 : 16'd0;
    cpl_rec[CPL_ERRORS_OFF*8 +: 16] = cpl_errors;
    cpl_rec[CPL_INDEX_OFF*8 +: 16]  = {4'd0, head};
    cpl_rec[CPL_FLAGS_OFF*8]        = phase;
  end

  // ---------------------------------------------------------------------------------------------
  // Control state machine
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    // single-cycle event pulses
    ev_halt_q <= 1'b0;
    ev_cpl_q  <= 1'b0;
    ev_err_q  <= 1'b0;

    if (ar_hs) ar_valid <= 1'b0;

    case (state)
      S_IDLE: begin
        if (q_enable && !halted && head != q_tail) begin
          ar_addr    <= cfg_ring_base + {47'd0, head, 5'd0};
          ar_len     <= 8'd3;
          ar_valid   <= 1'b1;
          d_beat     <= 2'd0;
          d_err      <= 1'b0;
          state      <= S_DESC;
        end
      end

      S_DESC: begin
        if (r_hs) begin
          d_beat <= d_beat + 2'd1;
          if (m_axi_rresp != 2'b00) d_err <= 1'b1;
          if (d_beat == 2'(DESC_ADDR_BEAT)) d_addr <= m_axi_rdata;
          if (d_beat == 2'(DESC_LEN_BEAT)) d_len <= m_axi_rdata[DESC_LEN_LANE*8 +: 32];
          if (d_beat == 2'(DESC_FLAGS_BEAT)) d_flags <= m_axi_rdata[DESC_FLAGS_LANE*8 +: 8];
          if (d_beat == 2'(DESC_CSTART_BEAT))
            d_csum_start <= m_axi_rdata[DESC_CSTART_LANE*8 +: 16];
          if (d_beat == 2'(DESC_COFF_BEAT))
            d_csum_offset <= m_axi_rdata[DESC_COFF_LANE*8 +: 16];
          if (m_axi_rlast) begin
            if (d_err || m_axi_rresp != 2'b00) begin
              ev_err_q       <= 1'b1;
              ev_err_code_q  <= 5'(ERR_DMA_READ_BIT);
              ev_err_index_q <= {4'd0, head};
              ev_halt_q      <= 1'b1;
              halted         <= 1'b1;
              state          <= S_IDLE;
            end else begin
              state <= S_CHECK;
            end
          end
        end
      end

      S_CHECK: begin
        // Stays here (repeating these idempotent assignments) while the command FIFO is full.
        cpl_errors <= 16'd0;
        frame_err  <= 1'b0;
        d_csum_en  <= 1'b0;
        rd_addr    <= d_addr;
        rd_left    <= d_len[BEAT_W+2:3] + BEAT_W'(d_len[2:0] != 3'd0);
        rx_left    <= d_len[BEAT_W+2:3] + BEAT_W'(d_len[2:0] != 3'd0);
        if (d_bad) begin
          cpl_errors[d_bad_code[3:0]] <= 1'b1;
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= d_bad_code;
          ev_err_index_q <= {4'd0, head};
          aw_valid       <= 1'b1;
          state          <= S_CPL_AW;
        end else if (cmd_push) begin
          d_csum_en <= d_csum_req;
          state     <= S_DATA;
        end
      end

      S_DATA: begin
        if (ar_issue) begin
          ar_addr  <= rd_addr;
          ar_len   <= 8'(burst_beats) - 8'd1;
          ar_valid <= 1'b1;
          rd_addr  <= rd_addr + {56'd0, burst_beats, 3'd0};
          rd_left  <= rd_left - BEAT_W'(burst_beats);
        end
        if (r_hs) begin
          rx_left <= rx_left - BEAT_W'(1);
          if (beat_err && !frame_err) begin
            frame_err                   <= 1'b1;
            cpl_errors[ERR_DMA_READ_BIT] <= 1'b1;
            ev_err_q                    <= 1'b1;
            ev_err_code_q               <= 5'(ERR_DMA_READ_BIT);
            ev_err_index_q              <= {4'd0, head};
          end
          if (beat_last) begin
            aw_valid <= 1'b1;
            state    <= S_CPL_AW;
          end
        end
      end

      S_CPL_AW: begin
        if (m_axi_awready) begin
          aw_valid <= 1'b0;
          w_valid  <= 1'b1;
          w_beat   <= 1'b0;
          state    <= S_CPL_W;
        end
      end

      S_CPL_W: begin
        if (m_axi_wready) begin
          w_beat <= 1'b1;
          if (w_beat) begin
            w_valid <= 1'b0;
            state   <= S_CPL_B;
          end
        end
      end

      S_CPL_B: begin
        if (b_hs) begin
          state <= S_IDLE;
          if (m_axi_bresp != 2'b00) begin
            ev_err_q       <= 1'b1;
            ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
            ev_err_index_q <= {4'd0, head};
            ev_halt_q      <= 1'b1;
            halted         <= 1'b1;
          end else begin
            ev_cpl_q        <= 1'b1;
            ev_cpl_len_q    <= d_len;
            ev_cpl_errors_q <= cpl_errors;
            ev_cpl_csum_q   <= d_csum_en && (cpl_errors == 16'd0);
            head            <= head_next;
            if (head_next == 12'd0) phase <= !phase;
          end
        end
      end

      default: state <= S_IDLE;
    endcase

    if (q_start) begin
      head   <= 12'd0;
      phase  <= 1'b1;
      halted <= 1'b0;
    end

    if (rst) begin
      state      <= S_IDLE;
      head       <= 12'd0;
      phase      <= 1'b1;
      halted     <= 1'b0;
      ar_valid   <= 1'b0;
      aw_valid   <= 1'b0;
      w_valid    <= 1'b0;
      ev_halt_q  <= 1'b0;
      ev_cpl_q   <= 1'b0;
      ev_err_q   <= 1'b0;
    end
  end

  // Outstanding bursts and FIFO credits.
  always_ff @(posedge clk) begin
    bursts_out <= bursts_out + BURSTS_W'(ar_issue) - BURSTS_W'(fifo_push && m_axi_rlast);
    used       <= used + (ar_issue ? (FIFO_AW+1)'(burst_beats) : '0) - (FIFO_AW+1)'(fifo_pop);
    if (rst) begin
      bursts_out <= '0;
      used       <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Checksum command FIFO
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (cmd_push) cmd_mem[cmd_wr_ptr[CMD_AW-1:0]] <= {d_csum_req, d_csum_start, d_csum_offset};
  end

  always_ff @(posedge clk) begin
    if (cmd_push) cmd_wr_ptr <= cmd_wr_ptr + 1'b1;
    if (cmd_pop)  cmd_rd_ptr <= cmd_rd_ptr + 1'b1;
    if (rst) begin
      cmd_wr_ptr <= '0;
      cmd_rd_ptr <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Stream FIFO and registered output stage
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (fifo_push) fifo_mem[fifo_wr_ptr] <= beat_entry;
  end

  always_ff @(posedge clk) begin
    if (fifo_push) fifo_wr_ptr <= fifo_wr_ptr + 1'b1;
    if (fifo_pop)  fifo_rd_ptr <= fifo_rd_ptr + 1'b1;
    fifo_count <= fifo_count + (FIFO_AW+1)'(fifo_push) - (FIFO_AW+1)'(fifo_pop);

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
      out_valid   <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign q_head        = head;
  assign q_busy        = (state != S_IDLE);
  assign ev_halt       = ev_halt_q;
  assign ev_cpl        = ev_cpl_q;
  assign ev_cpl_len    = ev_cpl_len_q;
  assign ev_cpl_errors = ev_cpl_errors_q;
  assign ev_cpl_csum   = ev_cpl_csum_q;
  assign ev_err        = ev_err_q;
  assign ev_err_code   = ev_err_code_q;
  assign ev_err_index  = ev_err_index_q;

  assign m_axi_araddr  = ar_addr;
  assign m_axi_arlen   = ar_len;
  assign m_axi_arvalid = ar_valid;
  assign m_axi_rready  = 1'b1;

  assign m_axi_awaddr  = cfg_cpl_base + {48'd0, head, 4'd0};
  assign m_axi_awlen   = 8'd1;
  assign m_axi_awvalid = aw_valid;
  assign m_axi_wdata   = w_beat ? cpl_rec[127:64] : cpl_rec[63:0];
  assign m_axi_wstrb   = 8'hFF;
  assign m_axi_wlast   = w_beat;
  assign m_axi_wvalid  = w_valid;
  assign m_axi_bready  = (state == S_CPL_B);

  assign m_axis_tdata  = out_tdata;
  assign m_axis_tkeep  = out_tkeep;
  assign m_axis_tvalid = out_valid;
  assign m_axis_tlast  = out_tlast;
  assign m_axis_tuser  = out_tuser;

  assign m_axis_cmd_valid       = !cmd_empty;
  assign {m_axis_cmd_csum_en, m_axis_cmd_csum_start, m_axis_cmd_csum_offset}
                                = cmd_mem[cmd_rd_ptr[CMD_AW-1:0]];

endmodule

`resetall
