`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX queue engine: implements "Receive" in docs/nic.md.
//
// Frames on s_axis_* are handled one at a time, in arrival order:
//   S_IDLE    wait for a frame's first beat (tready low). Queue disabled or halted: S_DROP.
//             HEAD == TAIL: keep waiting. Otherwise fetch RX descriptor HEAD.
//   S_DESC_*  read the 16-byte descriptor (one 2-beat burst). A refused beat: ev_err(DMA_READ) and
//             ev_halt, the frame is dropped (S_DROP, ev_drop), HEAD unchanged, no completion.
//             LEN == 0 -> DESC_LEN, else ADDR % 8 -> DESC_ALIGN (one ev_err): the frame is
//             consumed and nothing is written.
//   S_RECV    cut-through: each beat holding bytes below ADDR + LEN goes into the staging FIFO
//             (wstrb trimmed to tkeep and to the capacity); beats wholly past it are discarded.
//   S_FLUSH   after tlast, wait until every staged beat is written, every B is back and the frame's
//             checksum result is in. A refused data write: completion error DMA_WRITE and one
//             ev_err per frame.
//   S_DROP    consume a dropped frame; S_DROP_RES then pops its checksum result, ev_drop.
//   S_CPL_*   write the 16-byte completion (AW, then two W beats, FLAGS in the last byte) and wait
//             for B. Refused: ev_err(DMA_WRITE) and ev_halt, HEAD unchanged. Otherwise ev_cpl,
//             HEAD + 1 (mod SIZE), phase flips on the wrap to 0.
//
// Staging: a DQ_DEPTH-beat data FIFO plus a CQ_DEPTH-entry burst-command FIFO. A burst is closed
// (pushed as {addr, len, strb of its last beat}) when it has 16 beats, at the last beat to be
// written (tlast or capacity reached) or before a 4 KiB boundary. The AW side issues closed bursts
// in order (up to B_MAX awaiting B), the W side sends a burst's beats once its AW has been
// accepted, freeing FIFO entries one by one, so the stream keeps flowing at one beat per cycle
// while earlier bursts drain. s_axis_tready is a function of registered state only.
//
// Checksum results (s_axis_res_*, from nic_rx_csum): one per frame on s_axis, in frame order. They
// are taken eagerly into a RES_DEPTH-entry FIFO (res_ready = not full), so the result channel never
// waits on this engine's state. A frame is finished only once its own result has been popped from
// that FIFO: S_FLUSH waits for it before the completion (whose CSUM and CSUM_VERDICT it fills:
// good frames, bad descriptors, too-big, tuser and DMA_WRITE data errors alike), and a dropped
// frame (queue disabled or halted, descriptor fetch refused) waits for it in S_DROP_RES, pops it
// and discards it. So exactly one result is popped per frame and the two never get out of step.
// ev_cpl_verdict reports the completion's CSUM_VERDICT with ev_cpl.
//
// Events are registered single-cycle pulses. They never collide: DMA_READ / DESC_* come right
// after the descriptor, a data DMA_WRITE during S_RECV/S_FLUSH, the completion's after all data B.
//
// The engine keeps its own copy of HALTED (set with ev_halt, cleared by q_start) so it never
// starts a frame in the cycles before the CSR's q_enable reflects the halt. q_start seen while a
// frame is in progress is held and applied when the engine returns to idle.

module nic_rx_engine (
  input  wire        clk,
  input  wire        rst,              // synchronous, active high
  input  wire [63:0] cfg_ring_base,    // RX descriptor ring base (64-byte aligned)
  input  wire [63:0] cfg_cpl_base,     // completion ring base (64-byte aligned)
  input  wire [12:0] cfg_size,         // ring entries, power of two 2..4096
  input  wire        q_enable,         // queue enabled and not halted
  input  wire        q_start,          // pulse: head <= 0, phase <= 1
  input  wire [11:0] q_tail,
  output wire [11:0] q_head,
  output wire        q_busy,
  output wire        ev_halt,
  output wire        ev_cpl,
  output wire [31:0] ev_cpl_len,
  output wire [15:0] ev_cpl_errors,
  output wire [1:0]  ev_cpl_verdict,   // with ev_cpl: the completion's CSUM_VERDICT
  output wire        ev_err,
  output wire [4:0]  ev_err_code,
  output wire [15:0] ev_err_index,
  output wire        ev_drop,
  // AXI4 master, no ID (the arbiter adds it); size is always 8 bytes, INCR
  output wire [63:0] m_axi_araddr, output wire [7:0] m_axi_arlen, output wire m_axi_arvalid, input wire m_axi_arready,
  input  wire [63:0] m_axi_rdata,  input wire [1:0] m_axi_rresp, input wire m_axi_rlast, input wire m_axi_rvalid, output wire m_axi_rready,
  output wire [63:0] m_axi_awaddr, output wire [7:0] m_axi_awlen, output wire m_axi_awvalid, input wire m_axi_awready,
  output wire [63:0] m_axi_wdata,  output wire [7:0] m_axi_wstrb, output wire m_axi_wlast, output wire m_axi_wvalid, input wire m_axi_wready,
  input  wire [1:0]  m_axi_bresp,  input wire m_axi_bvalid, output wire m_axi_bready,
  // MAC RX AXI-Stream (from the wire or the MAC loopback)
  input  wire [63:0] s_axis_tdata, input wire [7:0] s_axis_tkeep, input wire s_axis_tvalid, output wire s_axis_tready,
  input  wire        s_axis_tlast, input wire s_axis_tuser,
  // per-frame checksum result from nic_rx_csum (one per frame on s_axis, in order)
  input  wire        s_axis_res_valid,
  output wire        s_axis_res_ready,
  input  wire [1:0]  s_axis_res_verdict,
  input  wire [15:0] s_axis_res_csum
);

  // Contract constants, copied into local parameters (a wildcard import makes Verilator 5.006
  // flag every unused package constant).
  localparam int unsigned RXD_SIZE           = nic_pkg::RXD_SIZE;
  localparam int unsigned RXD_ADDR_OFF       = nic_pkg::RXD_ADDR_OFF;
  localparam int unsigned RXD_LEN_OFF        = nic_pkg::RXD_LEN_OFF;
  localparam int unsigned CPL_SIZE           = nic_pkg::CPL_SIZE;
  localparam int unsigned CPL_LEN_OFF        = nic_pkg::CPL_LEN_OFF;
  localparam int unsigned CPL_SEGS_OFF       = nic_pkg::CPL_SEGS_OFF;
  localparam int unsigned CPL_CSUM_OFF       = nic_pkg::CPL_CSUM_OFF;
  localparam int unsigned CPL_CSUM_BYTES     = nic_pkg::CPL_CSUM_BYTES;
  localparam int unsigned CPL_CSUM_VERDICT_OFF = nic_pkg::CPL_CSUM_VERDICT_OFF;
  localparam int unsigned CPL_CSUM_VERDICT_BYTES = nic_pkg::CPL_CSUM_VERDICT_BYTES;
  localparam int unsigned CPL_ERRORS_OFF     = nic_pkg::CPL_ERRORS_OFF;
  localparam int unsigned CPL_INDEX_OFF      = nic_pkg::CPL_INDEX_OFF;
  localparam int unsigned CPL_FLAGS_OFF      = nic_pkg::CPL_FLAGS_OFF;
  localparam int unsigned ERR_DESC_LEN_BIT   = nic_pkg::ERR_DESC_LEN_BIT;
  localparam int unsigned ERR_DESC_ALIGN_BIT = nic_pkg::ERR_DESC_ALIGN_BIT;
  localparam int unsigned ERR_DMA_READ_BIT   = nic_pkg::ERR_DMA_READ_BIT;
  localparam int unsigned ERR_DMA_WRITE_BIT  = nic_pkg::ERR_DMA_WRITE_BIT;
  localparam int unsigned ERR_RX_TOO_BIG_BIT = nic_pkg::ERR_RX_TOO_BIG_BIT;
  localparam int unsigned ERR_RX_FRAME_BIT   = nic_pkg::ERR_RX_FRAME_BIT;

  // Sizing
  localparam int DQ_DEPTH  = 32;               // staged data beats (power of two, >= 2 bursts)
  localparam int DQ_AW     = $clog2(DQ_DEPTH);
  localparam int CQ_DEPTH  = 4;                // closed bursts waiting for AW/W (power of two)
  localparam int CQ_AW     = $clog2(CQ_DEPTH);
  localparam int MAX_BEATS = 16;               // beats per write burst
  localparam int B_MAX     = 16;               // data bursts awaiting B at most
  localparam int RES_DEPTH = 2;                // checksum results held (power of two)
  localparam int RES_AW    = $clog2(RES_DEPTH);

  // Record layout checks: 8-byte beats, descriptor ADDR in beat 0 and LEN in the low half of beat
  // 1, completion fields placed by their byte offsets.
  if (RXD_SIZE != 16 || CPL_SIZE != 16 || RXD_ADDR_OFF != 0 || RXD_LEN_OFF != 8) begin : g_layout
    $fatal(1, "nic_rx_engine: unexpected RX descriptor / completion layout");
  end
  if (CPL_CSUM_BYTES != 2 || CPL_CSUM_VERDICT_BYTES != 1) begin : g_layout_csum
    $fatal(1, "nic_rx_engine: unexpected completion CSUM / CSUM_VERDICT layout");
  end

  localparam logic [15:0] E_DESC_LEN   = 16'(1) << ERR_DESC_LEN_BIT;
  localparam logic [15:0] E_DESC_ALIGN = 16'(1) << ERR_DESC_ALIGN_BIT;
  localparam logic [15:0] E_DMA_WRITE  = 16'(1) << ERR_DMA_WRITE_BIT;
  localparam logic [15:0] E_RX_TOO_BIG = 16'(1) << ERR_RX_TOO_BIG_BIT;
  localparam logic [15:0] E_RX_FRAME   = 16'(1) << ERR_RX_FRAME_BIT;

  typedef enum logic [3:0] {
    S_IDLE,
    S_DESC_AR,
    S_DESC_R,
    S_RECV,
    S_FLUSH,
    S_DROP,
    S_DROP_RES,
    S_CPL_AW,
    S_CPL_W,
    S_CPL_B
  } state_t;

  function automatic logic [3:0] popcount8(input logic [7:0] v);
    logic [3:0] n;
    n = 4'd0;
    for (int i = 0; i < 8; i++) n = n + {3'd0, v[i]};
    return n;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  state_t      state;
  logic [11:0] head;
  logic        phase;
  logic        halted;          // local HALTED: set with ev_halt, cleared by q_start
  logic        start_pending;   // q_start seen while busy

  logic        r_beat;          // descriptor beat index
  logic        rd_err;          // a descriptor beat was refused
  logic [63:0] desc_addr;
  logic [31:0] desc_len;
  logic [1:0]  desc_err;        // {DESC_ALIGN, DESC_LEN} for this frame

  logic [31:0] frame_len;       // bytes received so far
  logic        frame_bad;       // tuser on the last beat
  logic        wr_err;          // a data write was refused
  logic [63:0] cur_addr;        // address of the next beat to write
  logic [31:0] rem;             // buffer bytes left at cur_addr
  logic [63:0] open_addr;       // start of the burst being collected
  logic [4:0]  open_cnt;        // beats in it (0: none open)

  // Staging FIFOs. Pointers carry an extra wrap bit.
  logic [63:0]      dq_mem [DQ_DEPTH];
  logic [DQ_AW:0]   dq_wr, dq_rd;
  logic [63:0]      cq_addr [CQ_DEPTH];
  logic [3:0]       cq_len  [CQ_DEPTH];   // beats - 1
  logic [7:0]       cq_strb [CQ_DEPTH];   // wstrb of the burst's last beat
  logic [CQ_AW:0]   cq_wr;                // next free entry
  logic [CQ_AW:0]   cq_aw;                // next burst to issue on AW
  logic [CQ_AW:0]   cq_w;                 // burst being sent on W (freed after its last beat)
  logic [3:0]       w_beat;
  logic [4:0]       b_out;                // data bursts issued on AW, B not yet seen
  logic             cpl_beat;

  // Registered event outputs
  logic        ev_halt_q, ev_cpl_q, ev_err_q, ev_drop_q;
  logic [31:0] ev_cpl_len_q;
  logic [15:0] ev_cpl_errors_q;
  logic [1:0]  ev_cpl_verdict_q;

  // Checksum result FIFO ({verdict, csum}); pointers carry a wrap bit. res_verdict / res_csum hold
  // the current frame's result once popped.
  logic [17:0]      res_mem [RES_DEPTH];
  logic [RES_AW:0]  res_wr, res_rd;
  logic             res_got;          // the current frame's result has been popped
  logic [1:0]       res_verdict;
  logic [15:0]      res_csum;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // ---------------------------------------------------------------------------------------------
  // Combinational
  // ---------------------------------------------------------------------------------------------
  logic [DQ_AW:0] dq_count;
  logic [CQ_AW:0] cq_count;
  logic           tready;
  logic           beat;             // stream handshake
  logic           wr_beat;          // the beat goes into the buffer
  logic [7:0]     cap_mask;         // byte lanes below ADDR + LEN
  logic [7:0]     beat_strb;
  logic           last_wr;          // last beat to write for this frame
  logic [4:0]     cnt_new;
  logic           close_burst;

  logic           data_awvalid, data_wvalid;
  logic           data_aw_hs, data_w_hs, data_b_hs;
  logic [CQ_AW-1:0] cq_aw_i, cq_w_i;
  logic           data_wlast;

  logic [31:0]    r_len;            // descriptor LEN as of this R beat
  logic           r_err;            // refused, including this R beat
  logic [15:0]    cpl_errors;
  logic [127:0]   cpl_rec;
  logic [11:0]    head_next;
  logic           start_req;
  logic           res_full, res_empty, res_push, res_pop;

  assign dq_count = dq_wr - dq_rd;
  assign cq_count = cq_wr - cq_w;
  assign cq_aw_i  = cq_aw[CQ_AW-1:0];
  assign cq_w_i   = cq_w[CQ_AW-1:0];

  // Result FIFO: taken whenever there is room; popped once per frame after its last beat.
  assign res_full  = (res_wr - res_rd) == (RES_AW+1)'(RES_DEPTH);
  assign res_empty = (res_wr == res_rd);
  assign res_push  = s_axis_res_valid && !res_full;
  assign res_pop   = !res_empty && !res_got && ((state == S_FLUSH) || (state == S_DROP_RES));

  // tready from registered state only. In S_RECV a beat needs a FIFO slot and, in case it closes
  // the burst, a command slot; beats past the capacity or for a bad descriptor are just consumed.
  always_comb begin
    case (state)
      S_DROP:  tready = 1'b1;
      S_RECV:  tready = (desc_err != 2'b00) || (rem == 32'd0) ||
                        ((dq_count != (DQ_AW+1)'(DQ_DEPTH)) && (cq_count != (CQ_AW+1)'(CQ_DEPTH)));
      default: tready = 1'b0;
    endcase
  end

  assign beat      = s_axis_tvalid && tready;
  assign wr_beat   = beat && (state == S_RECV) && (desc_err == 2'b00) && (rem != 32'd0);
  assign cap_mask  = (rem >= 32'd8) ? 8'hFF : ((8'd1 << rem[2:0]) - 8'd1);
  assign beat_strb = s_axis_tkeep & cap_mask;
  assign last_wr   = s_axis_tlast || (rem <= 32'd8);
  assign cnt_new   = open_cnt + 5'd1;
  // Close before a 4 KiB boundary: the next beat's address is 4 KiB aligned.
  assign close_burst = last_wr || (cnt_new == 5'(MAX_BEATS)) || (cur_addr[11:3] == 9'h1FF);

  // Data write path: AW for closed bursts in order, W once that burst's AW is accepted.
  assign data_awvalid = (cq_aw != cq_wr) && (b_out != 5'(B_MAX));
  assign data_wvalid  = (cq_w != cq_aw);
  assign data_wlast   = (w_beat == cq_len[cq_w_i]);
  assign data_aw_hs   = data_awvalid && m_axi_awready;
  assign data_w_hs    = data_wvalid && m_axi_wready;
  assign data_b_hs    = m_axi_bvalid && ((state == S_RECV) || (state == S_FLUSH));

  // Descriptor beat: beat 0 is ADDR, beat 1 holds LEN in its low 32 bits.
  assign r_len = r_beat ? m_axi_rdata[31:0] : desc_len;
  assign r_err = rd_err || (m_axi_rresp != 2'b00);

  // Completion record. RX_TOO_BIG only with a good descriptor (nothing is written otherwise).
  always_comb begin
    cpl_errors = 16'd0;
    if (desc_err[0]) cpl_errors = cpl_errors | E_DESC_LEN;
    if (desc_err[1]) cpl_errors = cpl_errors | E_DESC_ALIGN;
    if (wr_err) cpl_errors = cpl_errors | E_DMA_WRITE;
    if (desc_err == 2'b00 && frame_len > desc_len) cpl_errors = cpl_errors | E_RX_TOO_BIG;
    if (frame_bad) cpl_errors = cpl_errors | E_RX_FRAME;
    // The reserved bytes are 0.
    cpl_rec = 128'd0;
    cpl_rec[CPL_LEN_OFF*8 +: 32]    = frame_len;
    cpl_rec[CPL_CSUM_OFF*8 +: 16]   = res_csum;
    cpl_rec[CPL_CSUM_VERDICT_OFF*8 +: 8] = {6'd0, res_verdict};
    cpl_rec[CPL_SEGS_OFF*8 +: 16]   = (cpl_errors == 16'd0) ? 16'd1 : 16'd0;
    cpl_rec[CPL_ERRORS_OFF*8 +: 16] = cpl_errors;
    cpl_rec[CPL_INDEX_OFF*8 +: 16]  = {4'd0, head};
    cpl_rec[CPL_FLAGS_OFF*8 +: 8]   = {7'd0, phase};
  end

  assign head_next = ({1'b0, head} + 13'd1 == cfg_size) ? 12'd0 : head + 12'd1;
  assign start_req = q_start || start_pending;

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign s_axis_tready = tready;
  assign q_head        = head;
  assign q_busy        = (state != S_IDLE);

  assign m_axi_araddr  = cfg_ring_base + {48'd0, head, 4'd0};
  assign m_axi_arlen   = 8'd1;
  assign m_axi_arvalid = (state == S_DESC_AR);
  assign m_axi_rready  = (state == S_DESC_R);

  // AW/W: the data path, except in the completion states (the data FIFOs are empty then).
  assign m_axi_awvalid = (state == S_CPL_AW) || data_awvalid;
  assign m_axi_awaddr  = (state == S_CPL_AW) ? cfg_cpl_base + {48'd0, head, 4'd0} : cq_addr[cq_aw_i];
  assign m_axi_awlen   = (state == S_CPL_AW) ? 8'd1 : {4'd0, cq_len[cq_aw_i]};
  assign m_axi_wvalid  = (state == S_CPL_W) || data_wvalid;
  assign m_axi_wdata   = (state == S_CPL_W) ? (cpl_beat ? cpl_rec[127:64] : cpl_rec[63:0])
                                            : dq_mem[dq_rd[DQ_AW-1:0]];
  assign m_axi_wstrb   = (state == S_CPL_W) ? 8'hFF : (data_wlast ? cq_strb[cq_w_i] : 8'hFF);
  assign m_axi_wlast   = (state == S_CPL_W) ? cpl_beat : data_wlast;
  assign m_axi_bready  = (state == S_RECV) || (state == S_FLUSH) || (state == S_CPL_B);

  assign ev_halt       = ev_halt_q;
  assign ev_cpl        = ev_cpl_q;
  assign ev_cpl_len    = ev_cpl_len_q;
  assign ev_cpl_errors = ev_cpl_errors_q;
  assign ev_cpl_verdict = ev_cpl_verdict_q;
  assign s_axis_res_ready = !res_full;
  assign ev_err        = ev_err_q;
  assign ev_err_code   = ev_err_code_q;
  assign ev_err_index  = ev_err_index_q;
  assign ev_drop       = ev_drop_q;

  // ---------------------------------------------------------------------------------------------
  // Staging memories (no reset)
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (wr_beat) dq_mem[dq_wr[DQ_AW-1:0]] <= s_axis_tdata;
    if (wr_beat && close_burst) begin
      cq_addr[cq_wr[CQ_AW-1:0]] <= (open_cnt == 5'd0) ? cur_addr : open_addr;
      cq_len[cq_wr[CQ_AW-1:0]]  <= 4'(open_cnt);   // beats - 1 = cnt_new - 1
      cq_strb[cq_wr[CQ_AW-1:0]] <= beat_strb;
    end
    if (res_push) res_mem[res_wr[RES_AW-1:0]] <= {s_axis_res_verdict, s_axis_res_csum};
  end

  // ---------------------------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    // Events are one-cycle pulses.
    ev_halt_q <= 1'b0;
    ev_cpl_q  <= 1'b0;
    ev_err_q  <= 1'b0;
    ev_drop_q <= 1'b0;

    if (q_start && state != S_IDLE) start_pending <= 1'b1;

    // Data write path (runs in every state; idle outside S_RECV/S_FLUSH).
    if (wr_beat) begin
      dq_wr     <= dq_wr + 1'b1;
      cur_addr  <= cur_addr + 64'd8;
      rem       <= (rem >= 32'd8) ? rem - 32'd8 : 32'd0;
      if (open_cnt == 5'd0) open_addr <= cur_addr;
      open_cnt  <= close_burst ? 5'd0 : cnt_new;
      if (close_burst) cq_wr <= cq_wr + 1'b1;
    end
    if (data_aw_hs) cq_aw <= cq_aw + 1'b1;

    // Checksum results.
    if (res_push) res_wr <= res_wr + 1'b1;
    if (res_pop) begin
      res_rd                  <= res_rd + 1'b1;
      res_got                 <= 1'b1;
      {res_verdict, res_csum} <= res_mem[res_rd[RES_AW-1:0]];
    end
    if (data_w_hs) begin
      dq_rd <= dq_rd + 1'b1;
      if (data_wlast) begin
        cq_w   <= cq_w + 1'b1;
        w_beat <= 4'd0;
      end else begin
        w_beat <= w_beat + 4'd1;
      end
    end
    if (data_aw_hs && !data_b_hs) b_out <= b_out + 5'd1;
    if (!data_aw_hs && data_b_hs) b_out <= b_out - 5'd1;
    if (data_b_hs && m_axi_bresp != 2'b00 && !wr_err) begin
      wr_err         <= 1'b1;
      ev_err_q       <= 1'b1;
      ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
      ev_err_index_q <= {4'd0, head};
    end

    case (state)
      S_IDLE: begin
        if (start_req) begin
          // (Re)enable: head 0, phase 1, not halted. Start no frame this cycle.
          head          <= 12'd0;
          phase         <= 1'b1;
          halted        <= 1'b0;
          start_pending <= 1'b0;
        end else if (s_axis_tvalid) begin
          if (!q_enable || halted) begin
            state <= S_DROP;
          end else if (head != q_tail) begin
            state <= S_DESC_AR;
          end
          // else HEAD == TAIL: the frame waits at the port.
        end
      end

      S_DESC_AR: begin
        r_beat <= 1'b0;
        rd_err <= 1'b0;
        if (m_axi_arready) state <= S_DESC_R;
      end

      S_DESC_R: begin
        if (m_axi_rvalid) begin
          r_beat <= 1'b1;
          rd_err <= r_err;
          if (!r_beat) desc_addr <= m_axi_rdata;
          else         desc_len  <= m_axi_rdata[31:0];
          if (m_axi_rlast) begin
            // Start of a frame: clear the per-frame state.
            res_got   <= 1'b0;
            frame_len <= 32'd0;
            frame_bad <= 1'b0;
            wr_err    <= 1'b0;
            cur_addr  <= desc_addr;
            rem       <= r_len;
            open_cnt  <= 5'd0;
            if (r_err) begin
              ev_err_q       <= 1'b1;
              ev_err_code_q  <= 5'(ERR_DMA_READ_BIT);
              ev_err_index_q <= {4'd0, head};
              ev_halt_q      <= 1'b1;
              halted         <= 1'b1;
              state          <= S_DROP;
            end else begin
              if (r_len == 32'd0) begin
                desc_err       <= 2'b01;
                ev_err_q       <= 1'b1;
                ev_err_code_q  <= 5'(ERR_DESC_LEN_BIT);
                ev_err_index_q <= {4'd0, head};
              end else if (desc_addr[2:0] != 3'd0) begin
                desc_err       <= 2'b10;
                ev_err_q       <= 1'b1;
                ev_err_code_q  <= 5'(ERR_DESC_ALIGN_BIT);
                ev_err_index_q <= {4'd0, head};
              end else begin
                desc_err <= 2'b00;
              end
              state <= S_RECV;
            end
          end
        end
      end

      S_RECV: begin
        if (beat) begin
          frame_len <= frame_len + (s_axis_tlast ? {28'd0, popcount8(s_axis_tkeep)} : 32'd8);
          if (s_axis_tlast) begin
            frame_bad <= s_axis_tuser;
            state     <= S_FLUSH;
          end
        end
      end

      S_FLUSH: begin
        // Every closed burst sent on W (the open one was closed at the last written beat) and
        // every B back.
        if (cq_w == cq_wr && b_out == 5'd0 && res_got) state <= S_CPL_AW;
      end

      S_DROP: begin
        res_got <= 1'b0;
        if (beat && s_axis_tlast) state <= S_DROP_RES;
      end

      S_DROP_RES: begin
        // The dropped frame's result is popped (res_pop) and discarded.
        if (res_pop) begin
          ev_drop_q <= 1'b1;
          state     <= S_IDLE;
        end
      end

      S_CPL_AW: begin
        cpl_beat <= 1'b0;
        if (m_axi_awready) state <= S_CPL_W;
      end

      S_CPL_W: begin
        if (m_axi_wready) begin
          cpl_beat <= 1'b1;
          if (cpl_beat) state <= S_CPL_B;
        end
      end

      S_CPL_B: begin
        if (m_axi_bvalid) begin
          if (m_axi_bresp != 2'b00) begin
            ev_err_q       <= 1'b1;
            ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
            ev_err_index_q <= {4'd0, head};
            ev_halt_q      <= 1'b1;
            halted         <= 1'b1;
          end else begin
            ev_cpl_q        <= 1'b1;
            ev_cpl_len_q    <= frame_len;
            ev_cpl_errors_q <= cpl_errors;
            ev_cpl_verdict_q <= res_verdict;
            head            <= head_next;
            if (head_next == 12'd0) phase <= ~phase;
          end
          state <= S_IDLE;
        end
      end

      default: state <= S_IDLE;
    endcase

    if (rst) begin
      state         <= S_IDLE;
      head          <= 12'd0;
      phase         <= 1'b1;
      halted        <= 1'b0;
      start_pending <= 1'b0;
      r_beat        <= 1'b0;
      rd_err        <= 1'b0;
      desc_err      <= 2'b00;
      frame_len     <= 32'd0;
      frame_bad     <= 1'b0;
      wr_err        <= 1'b0;
      rem           <= 32'd0;
      open_cnt      <= 5'd0;
      dq_wr         <= '0;
      dq_rd         <= '0;
      cq_wr         <= '0;
      cq_aw         <= '0;
      cq_w          <= '0;
      w_beat        <= 4'd0;
      b_out         <= 5'd0;
      cpl_beat      <= 1'b0;
      ev_halt_q     <= 1'b0;
      ev_cpl_q      <= 1'b0;
      ev_err_q      <= 1'b0;
      ev_drop_q     <= 1'b0;
      res_wr        <= '0;
      res_rd        <= '0;
      res_got       <= 1'b0;
    end
  end

endmodule

`resetall
