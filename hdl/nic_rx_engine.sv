`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX queue engine: implements "Receive" in docs/nic.md, pipelined so that no frame waits for a
// memory round trip of another ("Pipelining" there).
//
// Stages:
//   fetch    As soon as the host posts descriptors (HEAD .. TAIL), reads them ahead of any frame in
//            blocks of up to DESC_BLOCK (one burst, never past the ring's end or across 4 KiB) into
//            a DESC_DEPTH-entry FIFO whose space is reserved when the block is issued; a
//            descriptor with a refused beat is marked.
//   receive  Frames on s_axis_* in arrival order, one after another with one idle cycle between:
//            queue disabled or halted -> the frame is consumed and dropped. No descriptor in the
//            FIFO (HEAD == TAIL, or its fetch still in flight) -> the frame waits at the port. A
//            marked descriptor -> the queue halts here and the frame is dropped. Otherwise the
//            descriptor is checked (LEN 0 -> DESC_LEN, ADDR % 8 -> DESC_ALIGN: the frame is
//            consumed, nothing written) and the frame is written cut-through: each beat holding
//            bytes below ADDR + LEN goes into a staging FIFO (wstrb trimmed to tkeep and the
//            capacity), beats past it are discarded. At the frame's last beat an entry goes into
//            the order FIFO and the next frame may start; the frame's writes drain behind it.
//   write    Staged beats leave in INCR bursts (closed at 16 beats, at the last beat to write, or
//            before a 4 KiB boundary), AW in order, W once that burst's AW is accepted, up to B_MAX
//            bursts awaiting B. The last burst of each frame is marked, so the B side knows where
//            each frame's writes end and whether any was refused.
//   retire   Pops the order FIFO in frame order, one entry per cycle, once the frame's writes are
//            acknowledged and its checksum result is in (one result per frame from nic_rx_csum, in
//            frame order, also for dropped frames) and its RSS result (likewise, from nic_rx_rss;
//            reported only with FEATURES.RXHASH on). It raises the frame's ev_err (DESC_LEN,
//            DESC_ALIGN, DMA_WRITE of a refused data write, or DMA_READ with ev_halt for a marked
//            descriptor), ev_drop for a dropped frame, and hands the completion to nic_cpl_writer,
//            which writes completions in batches and reports each (ev_cpl) once acknowledged;
//            HEAD is the writer's. Events thus come in frame order, as when one frame was handled
//            at a time.
//
// The completion writer shares this engine's AXI write port with the data path: AW is granted to
// one of them at a time (held until accepted), W beats follow the order of accepted AWs, and B
// responses are routed back by a FIFO of what each AW was.
//
// After a halt the engine drops every new frame until q_start and raises no more errors for frames
// already in flight; a refused completion write (reported by the writer) halts the queue too.
// q_start (ENABLE 0->1) is held until nothing is in flight — no frame being received, order FIFO
// empty, no write or descriptor read outstanding, writer idle — and then resets HEAD, the fetch
// pointer and the descriptor FIFO; a frame arriving meanwhile waits at the port.

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
  // AXI4 master, no ID (the interconnect adds it); size is always 8 bytes, INCR
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
  input  wire [15:0] s_axis_res_csum,
  // per-frame RSS result from nic_rx_rss (one per frame on s_axis, in order)
  input  wire        feat_rxhash,      // FEATURES.RXHASH (changed only while idle)
  input  wire        s_axis_rss_valid,
  output wire        s_axis_rss_ready,
  input  wire [31:0] s_axis_rss_hash,
  input  wire [3:0]  s_axis_rss_type
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

  // Sizing
  localparam int DESC_BLOCK = 8;               // descriptors per fetch burst (8 x 16 B = 16 beats)
  localparam int DESC_DEPTH = 64;              // descriptor FIFO (power of two): >= rate x latency
  localparam int DESC_AW    = $clog2(DESC_DEPTH);
  localparam int MAX_RD     = 7;               // descriptor fetches in flight
  localparam int DQ_DEPTH   = 64;              // staged data beats (power of two)
  localparam int DQ_AW      = $clog2(DQ_DEPTH);
  localparam int CQ_DEPTH   = 8;               // closed bursts waiting for AW/W (power of two)
  localparam int CQ_AW      = $clog2(CQ_DEPTH);
  localparam int MAX_BEATS  = 16;              // beats per write burst
  localparam int B_MAX      = 64;              // data bursts awaiting B at most
  localparam int BT_DEPTH   = 128;             // AWs awaiting W/B (data + completion bursts)
  localparam int BT_AW      = $clog2(BT_DEPTH);
  localparam int ORD_DEPTH  = 64;              // frames between receive and retire
  localparam int ORD_AW     = $clog2(ORD_DEPTH);
  localparam int DONE_DEPTH = 64;              // frames whose writes are all acknowledged
  localparam int DONE_AW    = $clog2(DONE_DEPTH);
  localparam int RES_DEPTH  = 128;             // checksum results held (power of two)
  localparam int RES_AW     = $clog2(RES_DEPTH);
  localparam int ORD_W      = 2 + 12 + 32 + 4;  // {kind, index, len, {desc_len, desc_align, too_big, bad}}

  localparam logic [1:0] K_FRAME = 2'd0, K_DROP = 2'd1, K_HALT = 2'd2;

  if (RXD_SIZE != 16 || RXD_ADDR_OFF != 0 || RXD_LEN_OFF != 8) begin : g_layout
    $fatal(1, "nic_rx_engine: unexpected RX descriptor layout");
  end
  if (BT_DEPTH < B_MAX + 8 || DONE_DEPTH < ORD_DEPTH) begin : g_sizing
    $fatal(1, "nic_rx_engine: inconsistent sizing");
  end

  function automatic logic [3:0] popcount8(input logic [7:0] v);
    logic [3:0] n;
    n = 4'd0;
    for (int i = 0; i < 8; i++) n = n + {3'd0, v[i]};
    return n;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [1:0] { S_IDLE, S_RECV, S_DROP } state_t;
  state_t      state;
  logic        halt_rx;         // new frames are dropped (halted) until q_start
  logic        halted_ev;       // a halt was reported: no more errors until q_start
  logic        start_pending;

  // fetch
  logic [11:0]      fetch_idx;
  logic [DESC_AW:0] desc_inflight;
  logic [2:0]       rd_out;     // descriptor bursts in flight
  logic             ar_valid;
  logic [63:0]      ar_addr;
  logic [7:0]       ar_len;
  logic             r_beat;     // second beat of the descriptor being assembled
  logic             r_ref;
  logic [63:0]      r_addr;
  logic [64+32:0]   desc_mem [DESC_DEPTH];   // {refused, addr, len}
  logic [DESC_AW:0] desc_wr, desc_rd;

  // receive
  logic [11:0] recv_idx;        // ring index of the next descriptor taken
  logic [11:0] cur_idx;
  logic [1:0]  kind_cur;        // K_DROP or K_HALT while in S_DROP
  logic [31:0] desc_len;
  logic [1:0]  desc_err;        // {DESC_ALIGN, DESC_LEN}
  logic [31:0] frame_len;
  logic [63:0] cur_addr;
  logic [31:0] rem;
  logic [63:0] open_addr;
  logic [4:0]  open_cnt;

  // staging and write path
  logic [63:0]      dq_mem [DQ_DEPTH];
  logic [DQ_AW:0]   dq_wr, dq_rd;
  logic [63:0]      cq_addr [CQ_DEPTH];
  logic [3:0]       cq_len  [CQ_DEPTH];
  logic [7:0]       cq_strb [CQ_DEPTH];
  logic             cq_last [CQ_DEPTH];   // the frame's last burst
  logic [CQ_AW:0]   cq_wr, cq_aw, cq_w;
  logic [3:0]       w_beat;
  logic [6:0]       b_out;                // data bursts awaiting B
  logic             b_err_acc;            // a data B of the frame being acknowledged was refused

  // AW/W/B sharing with the completion writer
  logic [1:0]       bt_mem [BT_DEPTH];    // {is_cpl, last of frame}
  logic [BT_AW:0]   bt_wr, bt_w, bt_b;    // push at AW, W side, B side
  logic             aw_sel_cpl;           // the AW being presented belongs to the writer
  logic             aw_busy;              // an AW is being presented and not yet accepted
  logic             prefer_cpl;           // when both want AW: alternate

  // order / done / result FIFOs
  logic [ORD_W-1:0] ord_mem [ORD_DEPTH];
  logic [ORD_AW:0]  ord_wr, ord_rd;
  logic             done_mem [DONE_DEPTH];
  logic [DONE_AW:0] done_wr, done_rd;
  logic [17:0]      res_mem [RES_DEPTH];
  logic [RES_AW:0]  res_wr, res_rd;
  logic [35:0]      rss_mem [RES_DEPTH];   // {type, hash}
  logic [RES_AW:0]  rss_wr, rss_rd;

  // events
  logic        ev_halt_q, ev_err_q, ev_drop_q;
  logic [4:0]  ev_err_code_q;
  logic [15:0] ev_err_index_q;

  // ---------------------------------------------------------------------------------------------
  // Fetch
  // ---------------------------------------------------------------------------------------------
  wire [11:0] size_mask  = 12'(cfg_size - 13'd1);
  wire [11:0] posted     = (q_tail - fetch_idx) & size_mask;
  wire [12:0] to_end     = cfg_size - {1'b0, fetch_idx};
  wire [63:0] fetch_addr = cfg_ring_base + {48'd0, fetch_idx, 4'd0};
  wire [8:0]  to_page    = 9'd256 - {1'b0, fetch_addr[11:4]};
  wire [DESC_AW:0]   desc_count = desc_wr - desc_rd;
  wire [DESC_AW+1:0] desc_space = (DESC_AW+2)'(DESC_DEPTH) - {1'b0, desc_count}
                                - {1'b0, desc_inflight};
  logic [3:0] fetch_n;
  always_comb begin
    fetch_n = 4'(DESC_BLOCK);
    if (posted < 12'(fetch_n)) fetch_n = posted[3:0];
    if (to_end < 13'(fetch_n)) fetch_n = to_end[3:0];
    if (to_page < 9'(fetch_n)) fetch_n = to_page[3:0];
  end
  wire fetch_run = q_enable && !halt_rx && !start_pending;
  wire ar_issue  = fetch_run && (!ar_valid || m_axi_arready) && (fetch_n != 4'd0) &&
                   (desc_space >= (DESC_AW+2)'(fetch_n)) && (rd_out < 3'(MAX_RD));
  wire r_hs      = m_axi_rvalid;   // rready = 1: FIFO space was reserved
  wire r_err     = (m_axi_rresp != 2'b00);
  wire desc_push = r_hs && r_beat;

  wire [64+32:0] dh = desc_mem[desc_rd[DESC_AW-1:0]];
  wire        dh_ref  = dh[96];
  wire [63:0] dh_addr = dh[95:32];
  wire [31:0] dh_len  = dh[31:0];
  wire        desc_avail = (desc_count != '0);

  // ---------------------------------------------------------------------------------------------
  // Receive
  // ---------------------------------------------------------------------------------------------
  wire ord_full = (ord_wr - ord_rd) == (ORD_AW+1)'(ORD_DEPTH);
  wire [DQ_AW:0] dq_count = dq_wr - dq_rd;
  wire [CQ_AW:0] cq_count = cq_wr - cq_w;

  // Frame start decision in S_IDLE (no beat is taken in S_IDLE).
  wire can_start  = (state == S_IDLE) && s_axis_tvalid && !start_pending && !ord_full;
  wire start_drop = can_start && (!q_enable || halt_rx);
  wire start_halt = can_start && !start_drop && desc_avail && dh_ref;
  wire start_recv = can_start && !start_drop && desc_avail && !dh_ref;

  logic tready;
  always_comb begin
    case (state)
      S_DROP:  tready = !ord_full;
      S_RECV:  tready = !ord_full && ((desc_err != 2'b00) || (rem == 32'd0) ||
                        ((dq_count != (DQ_AW+1)'(DQ_DEPTH)) && (cq_count != (CQ_AW+1)'(CQ_DEPTH))));
      default: tready = 1'b0;
    endcase
  end

  wire        beat      = s_axis_tvalid && tready;
  wire        wr_beat   = beat && (state == S_RECV) && (desc_err == 2'b00) && (rem != 32'd0);
  wire [7:0]  cap_mask  = (rem >= 32'd8) ? 8'hFF : ((8'd1 << rem[2:0]) - 8'd1);
  wire [7:0]  beat_strb = s_axis_tkeep & cap_mask;
  wire        last_wr   = s_axis_tlast || (rem <= 32'd8);
  wire [4:0]  cnt_new   = open_cnt + 5'd1;
  wire        close_burst = last_wr || (cnt_new == 5'(MAX_BEATS)) || (cur_addr[11:3] == 9'h1FF);
  wire        frame_last = beat && s_axis_tlast;
  wire [31:0] len_total = frame_len + (s_axis_tlast ? {28'd0, popcount8(s_axis_tkeep)} : 32'd8);
  wire        ord_push  = frame_last;   // S_RECV or S_DROP

  // ---------------------------------------------------------------------------------------------
  // Write path: AW/W of the data bursts and of the completion writer on one port
  // ---------------------------------------------------------------------------------------------
  wire        cw_awvalid, cw_wvalid, cw_wlast, cw_bready, cw_in_ready, cw_idle;
  wire [63:0] cw_awaddr, cw_wdata;
  wire [7:0]  cw_awlen, cw_wstrb;
  wire        cw_ev_cpl, cw_ev_fail, cw_ev_tag;
  wire [31:0] cw_ev_len;
  wire [15:0] cw_ev_errors;
  wire [1:0]  cw_ev_verdict;
  wire [11:0] cw_ev_fail_index, cw_head;

  wire [CQ_AW-1:0] cq_aw_i = cq_aw[CQ_AW-1:0];
  wire [CQ_AW-1:0] cq_w_i  = cq_w[CQ_AW-1:0];
  wire bt_full   = (bt_wr - bt_b) == (BT_AW+1)'(BT_DEPTH);
  wire d_awvalid = (cq_aw != cq_wr) && (b_out != 7'(B_MAX));
  // Sticky grant: an AW once presented stays until accepted.
  wire sel_cpl   = aw_busy ? aw_sel_cpl : (cw_awvalid && (!d_awvalid || prefer_cpl));
  wire aw_valid_o = !bt_full && (sel_cpl ? cw_awvalid : d_awvalid);
  wire aw_hs     = aw_valid_o && m_axi_awready;

  // W follows the order of accepted AWs.
  wire [1:0] bt_wh  = bt_mem[bt_w[BT_AW-1:0]];
  wire       w_any  = (bt_w != bt_wr);
  wire       w_cpl  = w_any && bt_wh[1];
  wire       d_wvalid = w_any && !bt_wh[1] && (cq_w != cq_aw);
  wire       d_wlast  = (w_beat == cq_len[cq_w_i]);
  wire       w_valid_o = w_cpl ? cw_wvalid : d_wvalid;
  wire       w_hs   = w_valid_o && m_axi_wready;
  wire       w_done = w_hs && (w_cpl ? cw_wlast : d_wlast);
  wire       d_w_hs = w_hs && !w_cpl;

  // B back to whoever issued the AW.
  wire [1:0] bt_bh  = bt_mem[bt_b[BT_AW-1:0]];
  wire       b_any  = (bt_b != bt_wr);
  wire       b_cpl  = bt_bh[1];
  wire       b_rdy  = b_any && (b_cpl ? cw_bready : 1'b1);
  wire       b_hs   = m_axi_bvalid && b_rdy;
  wire       d_b_hs = b_hs && !b_cpl;
  wire       d_b_last = d_b_hs && bt_bh[0];
  wire       d_b_err  = (m_axi_bresp != 2'b00);

  // ---------------------------------------------------------------------------------------------
  // Retire
  // ---------------------------------------------------------------------------------------------
  wire [ORD_W-1:0] oh = ord_mem[ord_rd[ORD_AW-1:0]];
  wire [1:0]  o_kind  = oh[ORD_W-1 -: 2];
  wire [11:0] o_index = oh[ORD_W-3 -: 12];
  wire [31:0] o_len   = oh[35:4];
  wire        o_dlen  = oh[3];
  wire        o_dalign = oh[2];
  wire        o_big   = oh[1];
  wire        o_bad   = oh[0];
  wire        o_data  = (o_kind == K_FRAME) && !o_dlen && !o_dalign;
  wire ord_empty  = (ord_wr == ord_rd);
  wire res_empty  = (res_wr == res_rd);
  wire done_empty = (done_wr == done_rd);
  wire res_full   = (res_wr - res_rd) == (RES_AW+1)'(RES_DEPTH);
  wire res_push   = s_axis_res_valid && !res_full;
  wire [17:0] res_h = res_mem[res_rd[RES_AW-1:0]];
  wire rss_empty  = (rss_wr == rss_rd);
  wire rss_full   = (rss_wr - rss_rd) == (RES_AW+1)'(RES_DEPTH);
  wire rss_push   = s_axis_rss_valid && !rss_full;
  wire [35:0] rss_h = rss_mem[rss_rd[RES_AW-1:0]];
  wire done_err   = done_mem[done_rd[DONE_AW-1:0]];

  wire ready_ent = !ord_empty && !res_empty && !rss_empty && (!o_data || !done_empty);
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
  wire cw_push = retire && (o_kind == K_FRAME) && !halted_ev;

  wire quiet = (state == S_IDLE) && ord_empty && (rd_out == 3'd0) && !ar_valid &&
               (desc_inflight == '0) && (cq_wr == cq_w) && (bt_b == bt_wr) && cw_idle &&
               !aw_busy && (open_cnt == 5'd0);

  nic_cpl_writer #(.DEPTH(64), .BATCH(4), .MAX_OUT(16)) u_cpl (
    .clk           (clk),
    .rst           (rst),
    .cfg_cpl_base  (cfg_cpl_base),
    .cfg_size      (cfg_size),
    .queue_id      (8'd0),
    .start         (start_pending && quiet),
    .in_valid      (cw_push),
    .in_ready      (cw_in_ready),
    .in_len        (o_len),
    .in_csum       (res_h[15:0]),
    .in_verdict    (res_h[17:16]),
    .in_errors     (r_errors),
    .in_rss_hash   (feat_rxhash ? rss_h[31:0] : 32'd0),
    .in_rss_type   (feat_rxhash ? {4'd0, rss_h[35:32]} : 8'd0),
    .in_tag        (1'b0),
    .ev_cpl        (cw_ev_cpl),
    .ev_len        (cw_ev_len),
    .ev_errors     (cw_ev_errors),
    .ev_verdict    (cw_ev_verdict),
    .ev_tag        (cw_ev_tag),
    .ev_fail       (cw_ev_fail),
    .ev_fail_index (cw_ev_fail_index),
    .head          (cw_head),
    .idle          (cw_idle),
    .m_axi_awaddr  (cw_awaddr),
    .m_axi_awlen   (cw_awlen),
    .m_axi_awvalid (cw_awvalid),
    .m_axi_awready (m_axi_awready && sel_cpl && !bt_full),
    .m_axi_wdata   (cw_wdata),
    .m_axi_wstrb   (cw_wstrb),
    .m_axi_wlast   (cw_wlast),
    .m_axi_wvalid  (cw_wvalid),
    .m_axi_wready  (m_axi_wready && w_cpl),
    .m_axi_bresp   (m_axi_bresp),
    .m_axi_bvalid  (m_axi_bvalid && b_any && b_cpl),
    .m_axi_bready  (cw_bready)
  );

  // ---------------------------------------------------------------------------------------------
  // Memories (no reset)
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (desc_push) desc_mem[desc_wr[DESC_AW-1:0]] <= {r_ref || r_err, r_addr, m_axi_rdata[31:0]};
    if (wr_beat) dq_mem[dq_wr[DQ_AW-1:0]] <= s_axis_tdata;
    if (wr_beat && close_burst) begin
      cq_addr[cq_wr[CQ_AW-1:0]] <= (open_cnt == 5'd0) ? cur_addr : open_addr;
      cq_len[cq_wr[CQ_AW-1:0]]  <= 4'(open_cnt);
      cq_strb[cq_wr[CQ_AW-1:0]] <= beat_strb;
      cq_last[cq_wr[CQ_AW-1:0]] <= last_wr;
    end
    if (aw_hs) bt_mem[bt_wr[BT_AW-1:0]] <= {sel_cpl, sel_cpl ? 1'b0 : cq_last[cq_aw_i]};
    if (ord_push) ord_mem[ord_wr[ORD_AW-1:0]] <=
      {(state == S_DROP) ? kind_cur : K_FRAME, cur_idx, len_total,
       (state == S_RECV) && desc_err[0], (state == S_RECV) && desc_err[1],
       (state == S_RECV) && (desc_err == 2'b00) && (len_total > desc_len), s_axis_tuser};
    if (d_b_last) done_mem[done_wr[DONE_AW-1:0]] <= b_err_acc || d_b_err;
    if (res_push) res_mem[res_wr[RES_AW-1:0]] <= {s_axis_res_verdict, s_axis_res_csum};
    if (rss_push) rss_mem[rss_wr[RES_AW-1:0]] <= {s_axis_rss_type, s_axis_rss_hash};
  end

  // ---------------------------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    ev_halt_q <= 1'b0;
    ev_err_q  <= 1'b0;
    ev_drop_q <= 1'b0;

    // Fetch
    if (ar_valid && m_axi_arready) ar_valid <= 1'b0;
    if (ar_issue) begin
      ar_valid  <= 1'b1;
      ar_addr   <= fetch_addr;
      ar_len    <= {3'd0, fetch_n, 1'b0} - 8'd1;
      fetch_idx <= ({1'b0, fetch_idx} + 13'(fetch_n) == cfg_size) ? 12'd0 : fetch_idx + 12'(fetch_n);
    end
    rd_out <= rd_out + 3'(ar_issue) - 3'(r_hs && m_axi_rlast);
    desc_inflight <= desc_inflight + (ar_issue ? (DESC_AW+1)'(fetch_n) : '0)
                   - (DESC_AW+1)'(desc_push);
    if (r_hs) begin
      r_beat <= !r_beat;
      if (!r_beat) begin
        r_addr <= m_axi_rdata;
        r_ref  <= r_err;
      end else begin
        desc_wr <= desc_wr + 1'b1;
      end
    end

    // Receive
    case (state)
      S_IDLE: begin
        if (start_drop || start_halt) begin
          kind_cur <= start_halt ? K_HALT : K_DROP;
          cur_idx  <= recv_idx;
          frame_len <= 32'd0;
          state    <= S_DROP;
          if (start_halt) begin
            halt_rx <= 1'b1;
            desc_rd <= desc_rd + 1'b1;
          end
        end else if (start_recv) begin
          desc_rd   <= desc_rd + 1'b1;
          recv_idx  <= ({1'b0, recv_idx} + 13'd1 == cfg_size) ? 12'd0 : recv_idx + 12'd1;
          cur_idx   <= recv_idx;
          desc_len  <= dh_len;
          cur_addr  <= dh_addr;
          rem       <= dh_len;
          frame_len <= 32'd0;
          open_cnt  <= 5'd0;
          if (dh_len == 32'd0)            desc_err <= 2'b01;
          else if (dh_addr[2:0] != 3'd0)  desc_err <= 2'b10;
          else                            desc_err <= 2'b00;
          state <= S_RECV;
        end
      end
      S_RECV, S_DROP: begin
        if (beat) begin
          frame_len <= len_total;
          if (s_axis_tlast) state <= S_IDLE;
        end
      end
      default: state <= S_IDLE;
    endcase
    if (ord_push) ord_wr <= ord_wr + 1'b1;

    // Staging
    if (wr_beat) begin
      dq_wr    <= dq_wr + 1'b1;
      cur_addr <= cur_addr + 64'd8;
      rem      <= (rem >= 32'd8) ? rem - 32'd8 : 32'd0;
      if (open_cnt == 5'd0) open_addr <= cur_addr;
      open_cnt <= close_burst ? 5'd0 : cnt_new;
      if (close_burst) cq_wr <= cq_wr + 1'b1;
    end

    // AW / W / B
    if (aw_valid_o && !m_axi_awready) begin
      aw_busy    <= 1'b1;
      aw_sel_cpl <= sel_cpl;
    end
    if (aw_hs) begin
      aw_busy    <= 1'b0;
      prefer_cpl <= !sel_cpl;
    end
    if (aw_hs) begin
      bt_wr <= bt_wr + 1'b1;
      if (!sel_cpl) cq_aw <= cq_aw + 1'b1;
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
    if (w_done) bt_w <= bt_w + 1'b1;
    if (b_hs) bt_b <= bt_b + 1'b1;
    b_out <= b_out + 7'(aw_hs && !sel_cpl) - 7'(d_b_hs);
    if (d_b_hs) begin
      b_err_acc <= bt_bh[0] ? 1'b0 : (b_err_acc || d_b_err);
      if (bt_bh[0]) done_wr <= done_wr + 1'b1;
    end

    // Results
    if (res_push) res_wr <= res_wr + 1'b1;
    if (rss_push) rss_wr <= rss_wr + 1'b1;

    // Retire
    if (retire) begin
      ord_rd <= ord_rd + 1'b1;
      res_rd <= res_rd + 1'b1;
      rss_rd <= rss_rd + 1'b1;
      if (o_data) done_rd <= done_rd + 1'b1;
      if (o_kind != K_FRAME) ev_drop_q <= 1'b1;
      if (!halted_ev) begin
        if (o_kind == K_HALT) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= 5'(ERR_DMA_READ_BIT);
          ev_err_index_q <= {4'd0, o_index};
          ev_halt_q      <= 1'b1;
          halted_ev      <= 1'b1;
        end else if (o_kind == K_FRAME && (o_dlen || o_dalign || (o_data && done_err))) begin
          ev_err_q       <= 1'b1;
          ev_err_code_q  <= o_dlen ? 5'(ERR_DESC_LEN_BIT)
                          : (o_dalign ? 5'(ERR_DESC_ALIGN_BIT) : 5'(ERR_DMA_WRITE_BIT));
          ev_err_index_q <= {4'd0, o_index};
        end
      end
    end
    if (cw_ev_fail && !halted_ev) begin
      ev_err_q       <= 1'b1;
      ev_err_code_q  <= 5'(ERR_DMA_WRITE_BIT);
      ev_err_index_q <= {4'd0, cw_ev_fail_index};
      ev_halt_q      <= 1'b1;
      halted_ev      <= 1'b1;
      halt_rx        <= 1'b1;
    end

    // (Re)start once quiet; the writer resets with the same condition.
    if (start_pending && quiet) begin
      start_pending <= 1'b0;
      halt_rx       <= 1'b0;
      halted_ev     <= 1'b0;
      fetch_idx     <= 12'd0;
      recv_idx      <= 12'd0;
      desc_wr       <= '0;
      desc_rd       <= '0;
      r_beat        <= 1'b0;
    end
    if (q_start) start_pending <= 1'b1;

    if (rst) begin
      state         <= S_IDLE;
      halt_rx       <= 1'b0;
      halted_ev     <= 1'b0;
      start_pending <= 1'b0;
      fetch_idx     <= 12'd0;
      desc_inflight <= '0;
      rd_out        <= 3'd0;
      ar_valid      <= 1'b0;
      r_beat        <= 1'b0;
      desc_wr       <= '0;
      desc_rd       <= '0;
      recv_idx      <= 12'd0;
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
      b_out         <= 7'd0;
      b_err_acc     <= 1'b0;
      bt_wr         <= '0;
      bt_w          <= '0;
      bt_b          <= '0;
      aw_busy       <= 1'b0;
      aw_sel_cpl    <= 1'b0;
      prefer_cpl    <= 1'b0;
      ord_wr        <= '0;
      ord_rd        <= '0;
      done_wr       <= '0;
      done_rd       <= '0;
      res_wr        <= '0;
      res_rd        <= '0;
      rss_wr        <= '0;
      rss_rd        <= '0;
      ev_halt_q     <= 1'b0;
      ev_err_q      <= 1'b0;
      ev_drop_q     <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign s_axis_tready    = tready;
  assign s_axis_res_ready = !res_full;
  assign s_axis_rss_ready = !rss_full;
  assign q_head           = cw_head;
  assign q_busy           = !quiet || start_pending;

  assign m_axi_araddr  = ar_addr;
  assign m_axi_arlen   = ar_len;
  assign m_axi_arvalid = ar_valid;
  assign m_axi_rready  = 1'b1;

  assign m_axi_awvalid = aw_valid_o;
  assign m_axi_awaddr  = sel_cpl ? cw_awaddr : cq_addr[cq_aw_i];
  assign m_axi_awlen   = sel_cpl ? cw_awlen : {4'd0, cq_len[cq_aw_i]};
  assign m_axi_wvalid  = w_valid_o;
  assign m_axi_wdata   = w_cpl ? cw_wdata : dq_mem[dq_rd[DQ_AW-1:0]];
  assign m_axi_wstrb   = w_cpl ? cw_wstrb : (d_wlast ? cq_strb[cq_w_i] : 8'hFF);
  assign m_axi_wlast   = w_cpl ? cw_wlast : d_wlast;
  assign m_axi_bready  = b_rdy;

  assign ev_halt        = ev_halt_q;
  assign ev_cpl         = cw_ev_cpl;
  assign ev_cpl_len     = cw_ev_len;
  assign ev_cpl_errors  = cw_ev_errors;
  assign ev_cpl_verdict = cw_ev_verdict;
  assign ev_err         = ev_err_q;
  assign ev_err_code    = ev_err_code_q;
  assign ev_err_index   = ev_err_index_q;
  assign ev_drop        = ev_drop_q;

  wire unused = cw_ev_tag ^ bt_wh[0];

endmodule

`resetall
