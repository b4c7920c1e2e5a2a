`resetall
`timescale 1ns / 1ps
`default_nettype none

// BAR0 register block: an AXI4-Lite slave holding every register of docs/contract.md.
//
// - AXI4-Lite: AW and W are accepted independently (each into a one-entry holding register);
//   the write is performed once both are held and no B response is outstanding. One read at a
//   time. B and R responses are registered. A write with wstrb != 4'hF changes nothing and is
//   answered SLVERR; unmapped (or unaligned) reads return 0 OKAY, unmapped writes are ignored OKAY.
// - Queue registers for TX queues 0..N-1 (queue index q below) and RX queues 0..N-1 (index N + q),
//   N = NUM_QUEUES, each with its counters (FRAMES, BYTES, ERRORS, DROPPED). Writes to the ring
//   setup (RING_*, CPL_*, SIZE) are ignored while the queue is enabled, so the engine's
//   configuration is stable while it runs (as in the firmware model).
// - RSS_INDIR: 32 words of four entries, each masked to a queue number; a word write is passed
//   on to nic_rx_rss's table one entry per cycle (tbl_*), and no other write completes meanwhile.
//   The RSS engine clears its table on reset, as this block clears its copy.
// - IRQ_MASK and IRQ_CAUSE hold only the defined IRQ_* bits; FEATURES only the CAPS bits.
// - CAPS = RX_CSUM | TX_CSUM | RXHASH | LOOPBACK. FEATURES resets (rst and CTRL.RESET) to
//   RX_CSUM | TX_CSUM | RXHASH; feat_tx_csum / feat_rx_csum drive the checksum offloads,
//   feat_rxhash and rss_key (RSS_KEY, reset to the verification key) the RSS hash.
// - Engine events update IRQ_CAUSE, ERR_CAUSE/ERR_INFO, HALTED and the statistics counters. TX,
//   RX and register-detected errors may all land in the same cycle; each is counted. ERR_INFO
//   priority among simultaneous errors: register error, then TX, then RX.
// - CTRL.RESET: every register, queue state and counter returns to its reset value at once, and
//   soft_rst pulses for one cycle the next cycle (nic_top ORs it into the engines' and the
//   interconnect's reset). The CSR also holds its registers in reset during that pulse, so an engine
//   event in the cycle before the engines are reset is dropped, and takes no AXI-Lite request in
//   that cycle. The AXI-Lite handshake state is only reset by rst, so the write that asked for the
//   reset is answered normally.
// - Queue vectors (QREG IRQ, IRQ_MOD_FRAMES, IRQ_MOD_NS): each queue's completions set its
//   PENDING and count COUNT; irq_queue[q] (registered) is high while ENABLE and PENDING and
//   (COUNT >= IRQ_MOD_FRAMES or now_ns - the time PENDING was set >= IRQ_MOD_NS).
// - irq is registered. pending = (IRQ_CAUSE & IRQ_MASK) != 0; the line rises when pending and
//   it never rose since reset or now_ns - last_rise >= IRQ_ITR; it falls when not pending.
module nic_csr
  import nic_pkg::*;
#(
  parameter int NUM_QUEUES = 1,      // queue pairs (power of two, 1..MAX_QUEUES)
  localparam int N  = NUM_QUEUES,
  localparam int QW = (N > 1) ? $clog2(N) : 1
) (
  input  wire         clk,
  input  wire         rst,
  input  wire  [63:0] now_ns,

  // BAR0, AXI4-Lite slave
  input  wire  [11:0] s_axil_awaddr,
  input  wire         s_axil_awvalid,
  output wire         s_axil_awready,
  input  wire  [31:0] s_axil_wdata,
  input  wire  [3:0]  s_axil_wstrb,
  input  wire         s_axil_wvalid,
  output wire         s_axil_wready,
  output wire  [1:0]  s_axil_bresp,
  output wire         s_axil_bvalid,
  input  wire         s_axil_bready,
  input  wire  [11:0] s_axil_araddr,
  input  wire         s_axil_arvalid,
  output wire         s_axil_arready,
  output wire  [31:0] s_axil_rdata,
  output wire  [1:0]  s_axil_rresp,
  output wire         s_axil_rvalid,
  input  wire         s_axil_rready,

  // global control
  output wire         soft_rst,
  output wire         loopback,
  output wire         irq,
  output wire [2*N-1:0] irq_queue,      // queue vectors: TX queue q is bit q, RX queue q bit N + q
  output wire         feat_tx_csum,     // FEATURES.TX_CSUM
  output wire         feat_rx_csum,     // FEATURES.RX_CSUM
  output wire         feat_rxhash,      // FEATURES.RXHASH
  output wire [319:0] rss_key,          // RSS_KEY, key byte 0 in bits 319:312
  // RSS indirection table writes to nic_rx_rss: entry tbl_index <= tbl_queue
  output wire         tbl_we,
  output wire  [6:0]  tbl_index,
  output wire [QW-1:0] tbl_queue,

  // TX queue engine; per queue q the field in [W*q +: W]
  output wire [N*64-1:0] tx_cfg_ring_base,
  output wire [N*64-1:0] tx_cfg_cpl_base,
  output wire [N*13-1:0] tx_cfg_size,
  output wire [N-1:0]    tx_q_enable,
  output wire [N-1:0]    tx_q_start,
  output wire [N*12-1:0] tx_q_tail,
  input  wire [N*12-1:0] tx_q_head,
  input  wire         tx_ev_halt,       // with tx_ev_err, of queue tx_ev_err_queue
  input  wire         tx_ev_cpl,
  input  wire [QW-1:0] tx_ev_cpl_queue,
  input  wire  [31:0] tx_ev_cpl_len,
  input  wire  [15:0] tx_ev_cpl_errors,
  input  wire         tx_ev_cpl_csum,   // with tx_ev_cpl: the NIC filled in the L4 checksum
  input  wire         tx_ev_err,
  input  wire [QW-1:0] tx_ev_err_queue,
  input  wire  [4:0]  tx_ev_err_code,
  input  wire  [15:0] tx_ev_err_index,

  // RX queue engine
  output wire [N*64-1:0] rx_cfg_ring_base,
  output wire [N*64-1:0] rx_cfg_cpl_base,
  output wire [N*13-1:0] rx_cfg_size,
  output wire [N-1:0]    rx_q_enable,
  output wire [N-1:0]    rx_q_start,
  output wire [N*12-1:0] rx_q_tail,
  input  wire [N*12-1:0] rx_q_head,
  input  wire         rx_ev_halt,
  input  wire         rx_ev_cpl,
  input  wire [QW-1:0] rx_ev_cpl_queue,
  input  wire  [31:0] rx_ev_cpl_len,
  input  wire  [15:0] rx_ev_cpl_errors,
  input  wire  [1:0]  rx_ev_cpl_verdict, // with rx_ev_cpl: CSUM_VERDICT (0 none, 1 good, 2 bad)
  input  wire         rx_ev_err,
  input  wire [QW-1:0] rx_ev_err_queue,  // also the queue of rx_ev_halt and rx_ev_drop
  input  wire  [4:0]  rx_ev_err_code,
  input  wire  [15:0] rx_ev_err_index,
  input  wire         rx_ev_drop,
  input  wire         rx_ev_oversize     // a frame over MAX_RX_FRAME was dropped
);

  // ---------------------------------------------------------------------------------------------
  // Constants
  // ---------------------------------------------------------------------------------------------

  localparam int NQ = 2 * N;  // queue q < N: TX queue q; q >= N: RX queue q - N
  localparam logic [1:0] RESP_OKAY = 2'b00;
  localparam logic [1:0] RESP_SLVERR = 2'b10;

  localparam logic [31:0] CAPS_VAL = (32'(1) << CAP_RX_CSUM_BIT) | (32'(1) << CAP_TX_CSUM_BIT) |
                                     (32'(1) << CAP_RXHASH_BIT) | (32'(1) << CAP_LOOPBACK_BIT);
  localparam logic [31:0] FEATURES_RESET = (32'(1) << CAP_RX_CSUM_BIT) | (32'(1) << CAP_TX_CSUM_BIT) |
                                           (32'(1) << CAP_RXHASH_BIT);
  localparam logic [31:0] QUEUES_VAL = (32'(N) << QUEUES_TXQ_SHIFT) |
                                       (32'(N) << QUEUES_RXQ_SHIFT);
  localparam int IND_W = RSS_INDIR_WORDS;
  localparam int KEY_W = RSS_KEY_WORDS;
  localparam logic [31:0] KEY_RESET [KEY_W] = '{RSS_KEY_RESET_W0, RSS_KEY_RESET_W1,
    RSS_KEY_RESET_W2, RSS_KEY_RESET_W3, RSS_KEY_RESET_W4, RSS_KEY_RESET_W5, RSS_KEY_RESET_W6,
    RSS_KEY_RESET_W7, RSS_KEY_RESET_W8, RSS_KEY_RESET_W9};
  localparam int IRQ_W = 3;  // IRQ_TX_DONE, IRQ_RX_DONE, IRQ_ERROR

  localparam int I_TX_FRAMES = (STAT_TX_FRAMES - STATS_BASE) / 8;
  localparam int I_TX_BYTES = (STAT_TX_BYTES - STATS_BASE) / 8;
  localparam int I_RX_FRAMES = (STAT_RX_FRAMES - STATS_BASE) / 8;
  localparam int I_RX_BYTES = (STAT_RX_BYTES - STATS_BASE) / 8;
  localparam int I_TX_ERRORS = (STAT_TX_ERRORS - STATS_BASE) / 8;
  localparam int I_RX_ERRORS = (STAT_RX_ERRORS - STATS_BASE) / 8;
  localparam int I_RX_DROPPED = (STAT_RX_DROPPED - STATS_BASE) / 8;
  localparam int I_MALFORMED = (STAT_MALFORMED - STATS_BASE) / 8;
  localparam int I_TX_CSUM = (STAT_TX_CSUM - STATS_BASE) / 8;
  localparam int I_RX_CSUM_GOOD = (STAT_RX_CSUM_GOOD - STATS_BASE) / 8;
  localparam int I_RX_CSUM_BAD = (STAT_RX_CSUM_BAD - STATS_BASE) / 8;
  localparam int I_RX_OVERSIZE = (STAT_RX_OVERSIZE - STATS_BASE) / 8;

  // 12-bit ring indices; at most MAX_QUEUES queue blocks per direction; four entries per word.
  if (N < 1 || N > MAX_QUEUES || (N & (N - 1)) != 0) begin : g_check_queues
    $fatal(1, "nic_csr: NUM_QUEUES must be a power of two, 1..MAX_QUEUES");
  end
  if (IND_W * 4 != RSS_INDIR_LEN || RSS_INDIR_LEN != 128) begin : g_check_indir
    $fatal(1, "nic_csr: unexpected RSS_INDIR layout");
  end
  if (MAX_RING_SIZE > 4096) begin : g_check_ring
    $fatal(1, "nic_csr: ring indices are 12 bits wide");
  end
  if ((FEATURES_RESET & ~CAPS_VAL) != 32'd0) begin : g_check_features
    $fatal(1, "nic_csr: FEATURES reset value outside CAPS");
  end
  if (IRQ_TX_DONE_BIT >= IRQ_W || IRQ_RX_DONE_BIT >= IRQ_W || IRQ_ERROR_BIT >= IRQ_W) begin : g_check_irq
    $fatal(1, "nic_csr: IRQ_* bits must fit in IRQ_W");
  end

  // SIZE is a power of two in MIN_RING_SIZE..MAX_RING_SIZE.
  function automatic logic size_ok(input logic [31:0] s);
    return s >= MIN_RING_SIZE && s <= MAX_RING_SIZE && (s & (s - 32'd1)) == 32'd0;
  endfunction

  function automatic logic base_aligned(input logic [63:0] b);
    return (b & (64'(RING_ALIGN) - 64'd1)) == 64'd0;
  endfunction

  // A ring of `size` records of 2^rec_log2 bytes at `b` stays below 2^64 (it does not wrap to 0).
  function automatic logic ring_fits(input logic [63:0] b, input logic [31:0] size,
                                     input int rec_log2);
    return ({1'b0, b} + ({33'd0, size} << rec_log2)) <= {1'b1, 64'd0};
  endfunction

  function automatic logic [31:0] err_info_word(input logic [4:0] code, input logic is_rx,
                                                 input logic [3:0] queue, input logic [15:0] index);
    return (32'(1) << ERR_INFO_VALID_SHIFT) | (32'(code) << ERR_INFO_CODE_SHIFT) |
           (32'(is_rx) << ERR_INFO_IS_RX_SHIFT) | (32'(queue) << ERR_INFO_QUEUE_SHIFT) |
           (32'(index) << ERR_INFO_INDEX_SHIFT);
  endfunction

  // The engines' events, by queue index: TX queue q is q, RX queue q is N + q.
  localparam int QI = $clog2(2 * N);
  wire [QI-1:0] tx_cq = QI'(tx_ev_cpl_queue);
  wire [QI-1:0] tx_eq = QI'(tx_ev_err_queue);
  wire [QI-1:0] rx_cq = QI'(N) + QI'(rx_ev_cpl_queue);
  wire [QI-1:0] rx_eq = QI'(N) + QI'(rx_ev_err_queue);

  // A BAR0 address inside a queue's register block (TX queues 0..N-1 at TXQ_BASE, RX queues at
  // RXQ_BASE, QUEUE_STRIDE bytes each), its queue index (TX queue q: q, RX queue q: N + q) and
  // the register's offset in the block. Each access decodes its one queue this way instead of
  // comparing its address with every queue's registers.
  localparam int QS_LOG2 = $clog2(QUEUE_STRIDE);
  if ((1 << QS_LOG2) != QUEUE_STRIDE || (TXQ_BASE % QUEUE_STRIDE) != 0 ||
      (RXQ_BASE % QUEUE_STRIDE) != 0) begin : g_check_qblock
    $fatal(1, "nic_csr: queue blocks must be aligned powers of two");
  end
  localparam int OFF_W = QS_LOG2;

  function automatic logic q_hit(input logic [11:0] a);
    return (a >= 12'(TXQ_BASE) && a < 12'(TXQ_BASE + N * QUEUE_STRIDE)) ||
           (a >= 12'(RXQ_BASE) && a < 12'(RXQ_BASE + N * QUEUE_STRIDE));
  endfunction

  function automatic logic [QI-1:0] q_of(input logic [11:0] a);
    if (a < 12'(RXQ_BASE)) return QI'((a - 12'(TXQ_BASE)) >> QS_LOG2);
    else return QI'(N) + QI'((a - 12'(RXQ_BASE)) >> QS_LOG2);
  endfunction

  // Queue index q's number within its direction (its low bits), and whether it is an RX queue.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [QW-1:0] qn(input logic [QI-1:0] q);
    return (N > 1) ? QW'(q) : '0;
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  function automatic logic q_rx(input logic [QI-1:0] q);
    return q[QI-1];
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------------------------

  // AXI4-Lite handshake state (reset by rst only)
  logic        aw_have;
  logic [11:0] aw_addr;
  logic        w_have;
  logic [31:0] w_data;
  logic [3:0]  w_strb;
  logic        bvalid;
  logic [1:0]  bresp;
  logic        rvalid;
  logic [31:0] rdata;

  // Register file (reset by rst, soft reset). Verilator keeps a "written this cycle" flag for
  // every site that writes an element of an unpacked array, and clears and tests each one every
  // cycle; a packed vector costs it at most one copy. So per-queue registers are packed vectors
  // (the ring setup also in the layout of the engines' ports, which are these registers), and
  // the unpacked counters are each written from one site with the decoded queue index.
  logic        soft_rst_q;
  logic [31:0] features;
  logic        ctrl_loopback;
  logic [31:0] err_cause;
  logic [31:0] err_info;
  logic [IRQ_W-1:0] irq_cause;
  logic [IRQ_W-1:0] irq_mask;
  logic [31:0] irq_itr;
  logic [31:0] time_hi;
  logic        irq_q;
  logic        irq_rose;
  logic [63:0] irq_last_rise;
  logic [NUM_STATS-1:0][63:0] stat_cnt;
  logic [31:0] stat_hi [NUM_STATS];
  logic [63:0] qs_frames [NQ];   // per-queue counters
  logic [63:0] qs_bytes [NQ];
  logic [31:0] qs_frames_hi [NQ];
  logic [31:0] qs_bytes_hi [NQ];
  logic [31:0] qs_errors [NQ];
  logic [31:0] qs_dropped [N];   // RX queues only
  logic [IND_W-1:0][31:0] ind_w; // RSS_INDIR words, entries masked
  logic [NQ-1:0] qi_en;          // queue vectors (QREG IRQ)
  logic [NQ-1:0] qi_pend;
  logic [NQ-1:0][15:0] qi_count;
  logic [63:0] qi_first [NQ];
  logic [31:0] mod_frames;       // IRQ_MOD_FRAMES
  logic [31:0] mod_ns;           // IRQ_MOD_NS
  logic [NQ-1:0] irq_queue_q;
  logic        tbl_busy;         // passing a word on to the RSS table
  logic [4:0]  tbl_word;
  logic [1:0]  tbl_k;

  logic [319:0] rss_key_q;       // RSS_KEY words in the rss_key port's byte order
  logic [N-1:0][63:0] tx_ring, rx_ring;  // RING_HI:RING_LO
  logic [N-1:0][63:0] tx_cpl, rx_cpl;    // CPL_HI:CPL_LO
  logic [N-1:0][31:0] tx_size32, rx_size32;  // SIZE as written
  logic [N-1:0][12:0] tx_size, rx_size;      // its low bits, for the engines
  logic [N-1:0][11:0] tx_tail, rx_tail;
  logic [NQ-1:0] q_enabled;
  logic [NQ-1:0] q_halted;

  // Key word w (RSS_KEY + 4w) holds key bytes 4w..4w+3, byte 4w + j in bits 8j+7:8j; rss_key
  // holds byte 0 in bits 319:312.
  function automatic logic [31:0] key_swap(input logic [31:0] v);
    return {v[7:0], v[15:8], v[23:16], v[31:24]};
  endfunction

  function automatic logic [319:0] key_reset();
    logic [319:0] k;
    for (int w = 0; w < KEY_W; w++) k[319 - 32 * w -: 32] = key_swap(KEY_RESET[w]);
    return k;
  endfunction

  // Queue index q's ring setup.
  function automatic logic [63:0] ring_of(input logic [QI-1:0] q);
    return q_rx(q) ? rx_ring[qn(q)] : tx_ring[qn(q)];
  endfunction
  function automatic logic [63:0] cpl_of(input logic [QI-1:0] q);
    return q_rx(q) ? rx_cpl[qn(q)] : tx_cpl[qn(q)];
  endfunction
  function automatic logic [31:0] size_of(input logic [QI-1:0] q);
    return q_rx(q) ? rx_size32[qn(q)] : tx_size32[qn(q)];
  endfunction

  // ---------------------------------------------------------------------------------------------
  // AXI4-Lite write channel
  // ---------------------------------------------------------------------------------------------

  wire         aw_fire = s_axil_awvalid && s_axil_awready;
  wire         w_fire = s_axil_wvalid && s_axil_wready;
  wire         wr_fire = aw_have && w_have && !bvalid && !soft_rst_q && !tbl_busy;
  wire         wr_en = wr_fire && (w_strb == 4'hF);
  wire  [11:0] wr_addr = aw_addr;

  assign s_axil_awready = !aw_have;
  assign s_axil_wready = !w_have;
  assign s_axil_bvalid = bvalid;
  assign s_axil_bresp = bresp;

  always_ff @(posedge clk) begin
    if (rst) begin
      aw_have <= 1'b0;
      aw_addr <= '0;
      w_have <= 1'b0;
      w_data <= '0;
      w_strb <= '0;
      bvalid <= 1'b0;
      bresp <= RESP_OKAY;
    end else begin
      if (aw_fire) begin
        aw_have <= 1'b1;
        aw_addr <= s_axil_awaddr;
      end
      if (w_fire) begin
        w_have <= 1'b1;
        w_data <= s_axil_wdata;
        w_strb <= s_axil_wstrb;
      end
      if (bvalid && s_axil_bready) begin
        bvalid <= 1'b0;
      end
      if (wr_fire) begin
        aw_have <= 1'b0;
        w_have <= 1'b0;
        bvalid <= 1'b1;
        bresp <= (w_strb == 4'hF) ? RESP_OKAY : RESP_SLVERR;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Write decode: plain register writes, queue enable/doorbell checks
  // ---------------------------------------------------------------------------------------------

  wire soft_rst_now = wr_en && wr_addr == 12'(REG_CTRL) && w_data[CTRL_RESET_BIT];
  wire hold_reset = rst || soft_rst_q || soft_rst_now;

  logic [NQ-1:0] q_start_c;    // successful ENABLE 0->1
  logic [NQ-1:0] q_disable_c;  // ENABLE written 0
  logic [NQ-1:0] q_tail_wr_c;  // accepted doorbell
  logic [NQ-1:0] qi_wr_c;      // a write to the queue's IRQ register
  logic        wq_hit;         // this cycle's write is to queue wq's block, at offset woff
  logic [QI-1:0] wq;
  logic [OFF_W-1:0] woff;
  logic        reg_err;  // a register-detected error (at most one per cycle)
  logic [4:0]  reg_err_code;
  logic        reg_err_is_rx;
  logic [15:0] reg_err_index;

  logic [3:0]  reg_err_queue;

  always_comb begin
    reg_err = 1'b0;
    reg_err_code = '0;
    reg_err_is_rx = 1'b0;
    reg_err_queue = '0;
    reg_err_index = '0;
    q_start_c = '0;
    q_disable_c = '0;
    q_tail_wr_c = '0;
    qi_wr_c = '0;
    wq_hit = 1'b0;
    wq = '0;
    woff = '0;
    // Only a write can start, stop or ring a queue: decode nothing in other cycles.
    if (wr_en && q_hit(wr_addr)) begin
      wq_hit = 1'b1;
      wq = q_of(wr_addr);
      woff = wr_addr[OFF_W-1:0];
      if (woff == OFF_W'(QREG_CTRL)) begin
        if (!w_data[QCTRL_ENABLE_BIT]) begin
          q_disable_c[wq] = 1'b1;
        end else if (!q_enabled[wq]) begin
          if (!size_ok(size_of(wq))) begin
            reg_err = 1'b1;
            reg_err_code = 5'(ERR_RING_SIZE_BIT);
            reg_err_is_rx = q_rx(wq);
            reg_err_queue = 4'(qn(wq));
          end else if (!base_aligned(ring_of(wq)) || !base_aligned(cpl_of(wq)) ||
                       !ring_fits(ring_of(wq), size_of(wq),
                                  q_rx(wq) ? $clog2(RXD_SIZE) : $clog2(TXD_SIZE)) ||
                       !ring_fits(cpl_of(wq), size_of(wq), $clog2(CPL_SIZE))) begin
            reg_err = 1'b1;
            reg_err_code = 5'(ERR_RING_ALIGN_BIT);
            reg_err_is_rx = q_rx(wq);
            reg_err_queue = 4'(qn(wq));
          end else begin
            q_start_c[wq] = 1'b1;
          end
        end
      end
      if (woff == OFF_W'(QREG_IRQ)) qi_wr_c[wq] = 1'b1;
      if (woff == OFF_W'(QREG_TAIL) && q_enabled[wq]) begin
        if (w_data >= size_of(wq)) begin
          reg_err = 1'b1;
          reg_err_code = 5'(ERR_DOORBELL_BIT);
          reg_err_is_rx = q_rx(wq);
          reg_err_queue = 4'(qn(wq));
          reg_err_index = w_data[15:0];
        end else begin
          q_tail_wr_c[wq] = 1'b1;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Errors, interrupt causes, statistics
  // ---------------------------------------------------------------------------------------------

  logic [31:0] err_cause_kept;  // ERR_CAUSE after this cycle's write-1-to-clear
  logic [31:0] err_set;
  logic        any_err;
  logic [IRQ_W-1:0] irq_set;
  logic [IRQ_W-1:0] irq_cause_kept;

  always_comb begin
    err_cause_kept = err_cause;
    irq_cause_kept = irq_cause;
    if (wr_en && wr_addr == 12'(REG_ERR_CAUSE)) begin
      err_cause_kept = err_cause & ~w_data;
    end
    if (wr_en && wr_addr == 12'(REG_IRQ_CAUSE)) begin
      irq_cause_kept = irq_cause & ~w_data[IRQ_W-1:0];
    end

    err_set = '0;
    if (reg_err) err_set = err_set | (32'(1) << reg_err_code);
    if (tx_ev_err) err_set = err_set | (32'(1) << tx_ev_err_code);
    if (rx_ev_err) err_set = err_set | (32'(1) << rx_ev_err_code);
    any_err = reg_err || tx_ev_err || rx_ev_err;

    irq_set = '0;
    irq_set[IRQ_TX_DONE_BIT] = tx_ev_cpl;
    irq_set[IRQ_RX_DONE_BIT] = rx_ev_cpl;
    irq_set[IRQ_ERROR_BIT] = any_err;
  end

  // ERR_INFO of the first error of this cycle, by priority: register, TX, RX. Called only in a
  // cycle with an error (in the register file's always_ff), so that simulation does not build the
  // word every cycle.
  function automatic logic [31:0] err_info_first();
    if (reg_err) begin
      return err_info_word(reg_err_code, reg_err_is_rx, reg_err_queue, reg_err_index);
    end else if (tx_ev_err) begin
      return err_info_word(tx_ev_err_code, 1'b0, 4'(tx_ev_err_queue), tx_ev_err_index);
    end else begin
      return err_info_word(rx_ev_err_code, 1'b1, 4'(rx_ev_err_queue), rx_ev_err_index);
    end
  endfunction

  // ---------------------------------------------------------------------------------------------
  // AXI4-Lite read channel
  // ---------------------------------------------------------------------------------------------

  wire         rd_fire = s_axil_arvalid && s_axil_arready;
  wire  [11:0] rd_addr = s_axil_araddr;

  assign s_axil_arready = !rvalid && !soft_rst_q;
  assign s_axil_rvalid = rvalid;
  assign s_axil_rdata = rdata;
  assign s_axil_rresp = RESP_OKAY;

  // Address ranges of the register arrays (word-aligned addresses only).
  function automatic logic in_key(input logic [11:0] a);
    return a >= 12'(REG_RSS_KEY) && a < 12'(REG_RSS_KEY + 4 * KEY_W) && a[1:0] == 2'b00;
  endfunction
  function automatic logic in_indir(input logic [11:0] a);
    return a >= 12'(REG_RSS_INDIR) && a < 12'(REG_RSS_INDIR + 4 * IND_W) && a[1:0] == 2'b00;
  endfunction
  function automatic logic in_stats(input logic [11:0] a);
    return a >= 12'(STATS_BASE) && a < 12'(STATS_BASE + 8 * NUM_STATS) && a[1:0] == 2'b00;
  endfunction
  function automatic logic [3:0] key_idx(input logic [11:0] a);
    return 4'((a - 12'(REG_RSS_KEY)) >> 2);
  endfunction
  function automatic logic [4:0] indir_idx(input logic [11:0] a);
    return 5'((a - 12'(REG_RSS_INDIR)) >> 2);
  endfunction
  function automatic logic [3:0] stat_idx(input logic [11:0] a);
    return 4'((a - 12'(STATS_BASE)) >> 3);
  endfunction

  // The value a read of `addr` returns. The decode is a function called only in a cycle with a read
  // handshake (in the always_ff below) instead of an always_comb on s_axil_araddr: the same
  // register and timing, but simulation no longer evaluates the whole read mux every cycle.
  // TIME_LO latching TIME_HI and a counter's low word latching its high word are in the register
  // file's always_ff, under the same handshake.
  function automatic logic [31:0] read_reg(input logic [11:0] addr);
    logic [31:0] rd_data;
    logic [QI-1:0] q;
    logic [QW-1:0] n;
    rd_data = '0;
    case (addr)
      12'(REG_ID): rd_data = ID_MAGIC;
      12'(REG_VERSION): rd_data = VERSION;
      12'(REG_CAPS): rd_data = CAPS_VAL;
      12'(REG_FEATURES): rd_data = features;
      12'(REG_CTRL): rd_data = 32'(ctrl_loopback) << CTRL_LOOPBACK_BIT;
      12'(REG_STATUS): rd_data = 32'(!soft_rst_q) << STATUS_READY_BIT;
      12'(REG_QUEUES): rd_data = QUEUES_VAL;
      12'(REG_MAX_FRAME): rd_data = MAX_FRAME;
      12'(REG_ERR_CAUSE): rd_data = err_cause;
      12'(REG_ERR_INFO): rd_data = err_info;
      12'(REG_IRQ_CAUSE): rd_data = 32'(irq_cause);
      12'(REG_IRQ_MASK): rd_data = 32'(irq_mask);
      12'(REG_IRQ_ITR): rd_data = irq_itr;
      12'(REG_IRQ_MOD_FRAMES): rd_data = mod_frames;
      12'(REG_IRQ_MOD_NS): rd_data = mod_ns;
      12'(REG_TIME_LO): rd_data = now_ns[31:0];
      12'(REG_TIME_HI): rd_data = time_hi;
      default: rd_data = '0;
    endcase
    if (in_key(addr)) rd_data = key_swap(rss_key_q[9'(319 - 32 * 32'(key_idx(addr))) -: 32]);
    if (in_indir(addr)) rd_data = ind_w[indir_idx(addr)];
    if (in_stats(addr)) begin
      if (addr[2]) rd_data = stat_hi[stat_idx(addr)];
      else rd_data = stat_cnt[stat_idx(addr)][31:0];
    end
    if (q_hit(addr) && addr[1:0] == 2'b00) begin
      q = q_of(addr);
      n = qn(q);
      case (OFF_W'(addr))
        OFF_W'(QREG_RING_LO): rd_data = 32'(ring_of(q));
        OFF_W'(QREG_RING_HI): rd_data = 32'(ring_of(q) >> 32);
        OFF_W'(QREG_CPL_LO): rd_data = 32'(cpl_of(q));
        OFF_W'(QREG_CPL_HI): rd_data = 32'(cpl_of(q) >> 32);
        OFF_W'(QREG_SIZE): rd_data = size_of(q);
        OFF_W'(QREG_CTRL): rd_data = 32'(q_enabled[q]) << QCTRL_ENABLE_BIT;
        OFF_W'(QREG_TAIL): rd_data = q_rx(q) ? 32'(rx_tail[n]) : 32'(tx_tail[n]);
        OFF_W'(QREG_HEAD): begin
          rd_data = q_rx(q) ? 32'(rx_q_head[12*n +: 12]) : 32'(tx_q_head[12*n +: 12]);
        end
        OFF_W'(QREG_STATUS): begin
          rd_data = (32'(q_enabled[q]) << QSTATUS_ENABLED_BIT) |
                    (32'(q_halted[q]) << QSTATUS_HALTED_BIT);
        end
        OFF_W'(QREG_FRAMES_LO): rd_data = qs_frames[q][31:0];
        OFF_W'(QREG_FRAMES_HI): rd_data = qs_frames_hi[q];
        OFF_W'(QREG_BYTES_LO): rd_data = qs_bytes[q][31:0];
        OFF_W'(QREG_BYTES_HI): rd_data = qs_bytes_hi[q];
        OFF_W'(QREG_ERRORS): rd_data = qs_errors[q];
        OFF_W'(QREG_IRQ): begin
          rd_data = (32'(qi_en[q]) << QIRQ_ENABLE_BIT) | (32'(qi_pend[q]) << QIRQ_PENDING_BIT) |
                    (32'(qi_count[q]) << QIRQ_COUNT_SHIFT);
        end
        OFF_W'(QREG_DROPPED): if (q_rx(q)) rd_data = qs_dropped[n];
        default: ;
      endcase
    end
    return rd_data;
  endfunction

  always_ff @(posedge clk) begin
    if (rst) begin
      rvalid <= 1'b0;
      rdata <= '0;
    end else begin
      if (rvalid && s_axil_rready) begin
        rvalid <= 1'b0;
      end
      if (rd_fire) begin
        rvalid <= 1'b1;
        rdata <= read_reg(rd_addr);
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Register file
  // ---------------------------------------------------------------------------------------------

  // A completion of queue index q for its vector (called in the register file's always_ff, after
  // the host's write of this cycle, whose PENDING clear it overrides).
  task automatic vector_completion(input logic [QI-1:0] q);
    if (!qi_pend[q] || (qi_wr_c[q] && w_data[QIRQ_PENDING_BIT])) begin
      qi_first[q] <= now_ns;
      qi_count[q] <= 16'd1;
    end else if (32'(qi_count[q]) != QIRQ_COUNT_MAX) begin
      qi_count[q] <= qi_count[q] + 16'd1;
    end
    qi_pend[q] <= 1'b1;
  endtask

  wire        irq_pending = (irq_cause & irq_mask) != '0;
  // (The interrupt throttle, !irq_rose || now_ns - irq_last_rise >= IRQ_ITR, is tested in the
  // always_ff below, where it is used, so that it is evaluated only while an interrupt waits.)

  always_ff @(posedge clk) begin
    if (rst) begin
      soft_rst_q <= 1'b0;
    end else begin
      soft_rst_q <= soft_rst_now;
    end
  end

  always_ff @(posedge clk) begin
    if (hold_reset) begin
      features <= FEATURES_RESET;
      ctrl_loopback <= 1'b0;
      err_cause <= '0;
      err_info <= '0;
      irq_cause <= '0;
      irq_mask <= '0;
      irq_itr <= '0;
      time_hi <= '0;
      irq_q <= 1'b0;
      irq_rose <= 1'b0;
      irq_last_rise <= '0;
      stat_cnt <= '0;
      for (int n = 0; n < NUM_STATS; n++) begin
        stat_hi[n] <= '0;
      end
      rss_key_q <= key_reset();
      ind_w <= '0;
      tbl_busy <= 1'b0;
      tbl_word <= '0;
      tbl_k <= '0;
      mod_frames <= '0;
      mod_ns <= '0;
      irq_queue_q <= '0;
      qi_en <= '0;
      qi_pend <= '0;
      qi_count <= '0;
      for (int q = 0; q < NQ; q++) begin
        qi_first[q] <= '0;
      end
      for (int q = 0; q < NQ; q++) begin
        qs_frames[q] <= '0;
        qs_bytes[q] <= '0;
        qs_frames_hi[q] <= '0;
        qs_bytes_hi[q] <= '0;
        qs_errors[q] <= '0;
      end
      for (int q = 0; q < N; q++) begin
        qs_dropped[q] <= '0;
      end
      tx_ring <= '0;
      rx_ring <= '0;
      tx_cpl <= '0;
      rx_cpl <= '0;
      tx_size32 <= '0;
      rx_size32 <= '0;
      tx_size <= '0;
      rx_size <= '0;
      tx_tail <= '0;
      rx_tail <= '0;
      q_enabled <= '0;
      q_halted <= '0;
    end else begin
      // plain register writes
      if (wr_en) begin
        case (wr_addr)
          12'(REG_FEATURES): features <= w_data & CAPS_VAL;
          12'(REG_CTRL): ctrl_loopback <= w_data[CTRL_LOOPBACK_BIT];
          12'(REG_IRQ_MASK): irq_mask <= w_data[IRQ_W-1:0];
          12'(REG_IRQ_ITR): irq_itr <= w_data;
          12'(REG_IRQ_MOD_FRAMES): mod_frames <= w_data;
          12'(REG_IRQ_MOD_NS): mod_ns <= w_data;
          default: ;
        endcase
        if (in_key(wr_addr)) begin
          rss_key_q[9'(319 - 32 * 32'(key_idx(wr_addr))) -: 32] <= key_swap(w_data);
        end
        if (in_indir(wr_addr)) begin
          ind_w[indir_idx(wr_addr)] <= w_data & ({4{8'(N - 1)}});
          tbl_busy <= 1'b1;
          tbl_word <= indir_idx(wr_addr);
          tbl_k <= 2'd0;
        end
      end
      // the ring setup is frozen while the queue is enabled
      if (wq_hit && !q_enabled[wq]) begin : ring_setup
        logic [QW-1:0] n;
        n = qn(wq);
        case (woff)
          OFF_W'(QREG_RING_LO): begin
            if (q_rx(wq)) rx_ring[n][31:0] <= w_data;
            else tx_ring[n][31:0] <= w_data;
          end
          OFF_W'(QREG_RING_HI): begin
            if (q_rx(wq)) rx_ring[n][63:32] <= w_data;
            else tx_ring[n][63:32] <= w_data;
          end
          OFF_W'(QREG_CPL_LO): begin
            if (q_rx(wq)) rx_cpl[n][31:0] <= w_data;
            else tx_cpl[n][31:0] <= w_data;
          end
          OFF_W'(QREG_CPL_HI): begin
            if (q_rx(wq)) rx_cpl[n][63:32] <= w_data;
            else tx_cpl[n][63:32] <= w_data;
          end
          OFF_W'(QREG_SIZE): begin
            if (q_rx(wq)) begin
              rx_size32[n] <= w_data;
              rx_size[n] <= w_data[12:0];
            end else begin
              tx_size32[n] <= w_data;
              tx_size[n] <= w_data[12:0];
            end
          end
          default: ;
        endcase
      end

      // read side effects
      if (rd_fire) begin
        if (rd_addr == 12'(REG_TIME_LO)) begin
          time_hi <= now_ns[63:32];
        end
        if (in_stats(rd_addr) && !rd_addr[2]) begin
          stat_hi[stat_idx(rd_addr)] <= stat_cnt[stat_idx(rd_addr)][63:32];
        end
        if (q_hit(rd_addr)) begin
          if (OFF_W'(rd_addr) == OFF_W'(QREG_FRAMES_LO)) begin
            qs_frames_hi[q_of(rd_addr)] <= qs_frames[q_of(rd_addr)][63:32];
          end
          if (OFF_W'(rd_addr) == OFF_W'(QREG_BYTES_LO)) begin
            qs_bytes_hi[q_of(rd_addr)] <= qs_bytes[q_of(rd_addr)][63:32];
          end
        end
      end

      // the RSS table: one entry per cycle
      if (tbl_busy) begin
        tbl_k <= tbl_k + 2'd1;
        if (tbl_k == 2'd3) tbl_busy <= 1'b0;
      end

      // statistics, counted only in a cycle with an event
      if (tx_ev_cpl) begin
        if (tx_ev_cpl_errors == 16'd0) begin
          stat_cnt[I_TX_FRAMES] <= stat_cnt[I_TX_FRAMES] + 64'd1;
          stat_cnt[I_TX_BYTES] <= stat_cnt[I_TX_BYTES] + 64'(tx_ev_cpl_len);
          if (tx_ev_cpl_csum) stat_cnt[I_TX_CSUM] <= stat_cnt[I_TX_CSUM] + 64'd1;
          qs_frames[tx_cq] <= qs_frames[tx_cq] + 64'd1;
          qs_bytes[tx_cq] <= qs_bytes[tx_cq] + 64'(tx_ev_cpl_len);
        end else begin
          stat_cnt[I_TX_ERRORS] <= stat_cnt[I_TX_ERRORS] + 64'd1;
          qs_errors[tx_cq] <= qs_errors[tx_cq] + 32'd1;
        end
      end
      if (rx_ev_cpl) begin
        if (rx_ev_cpl_errors == 16'd0) begin
          stat_cnt[I_RX_FRAMES] <= stat_cnt[I_RX_FRAMES] + 64'd1;
          stat_cnt[I_RX_BYTES] <= stat_cnt[I_RX_BYTES] + 64'(rx_ev_cpl_len);
          qs_frames[rx_cq] <= qs_frames[rx_cq] + 64'd1;
          qs_bytes[rx_cq] <= qs_bytes[rx_cq] + 64'(rx_ev_cpl_len);
        end else begin
          stat_cnt[I_RX_ERRORS] <= stat_cnt[I_RX_ERRORS] + 64'd1;
          qs_errors[rx_cq] <= qs_errors[rx_cq] + 32'd1;
        end
        if (rx_ev_cpl_verdict == 2'(VERDICT_GOOD)) begin
          stat_cnt[I_RX_CSUM_GOOD] <= stat_cnt[I_RX_CSUM_GOOD] + 64'd1;
        end
        if (rx_ev_cpl_verdict == 2'(VERDICT_BAD)) begin
          stat_cnt[I_RX_CSUM_BAD] <= stat_cnt[I_RX_CSUM_BAD] + 64'd1;
        end
      end
      if (rx_ev_drop) begin
        stat_cnt[I_RX_DROPPED] <= stat_cnt[I_RX_DROPPED] + 64'd1;
        qs_dropped[rx_ev_err_queue] <= qs_dropped[rx_ev_err_queue] + 32'd1;
      end
      if (rx_ev_oversize) begin
        stat_cnt[I_RX_OVERSIZE] <= stat_cnt[I_RX_OVERSIZE] + 64'd1;
      end
      if (any_err) begin
        stat_cnt[I_MALFORMED] <= stat_cnt[I_MALFORMED] + 64'(reg_err) + 64'(tx_ev_err) +
                                 64'(rx_ev_err);
      end

      // queue vectors: the host's write first, then this cycle's completions
      if (qi_wr_c[wq]) begin
        qi_en[wq] <= w_data[QIRQ_ENABLE_BIT];
        if (w_data[QIRQ_PENDING_BIT]) begin
          qi_pend[wq] <= 1'b0;
          qi_count[wq] <= '0;
        end
      end
      if (tx_ev_cpl) vector_completion(tx_cq);
      if (rx_ev_cpl) vector_completion(rx_cq);
      // (Tested only while some vector is enabled and pending: with none, as when the host polls,
      // a simulator skips the sixteen count and time tests.)
      if ((qi_en & qi_pend) == '0) begin
        irq_queue_q <= '0;
      end else begin
        for (int q = 0; q < NQ; q++) begin
          irq_queue_q[q] <= qi_en[q] && qi_pend[q] &&
                            (32'(qi_count[q]) >= mod_frames || now_ns - qi_first[q] >= 64'(mod_ns));
        end
      end

      // queues: a halt, then a start of the same queue (which clears HALTED); only the written
      // queue wq can be started, stopped or rung
      if (tx_ev_halt || rx_ev_halt || wq_hit) begin : queues
        logic [NQ-1:0] halted;
        halted = q_halted;
        if (tx_ev_halt) halted[tx_eq] = 1'b1;
        if (rx_ev_halt) halted[rx_eq] = 1'b1;
        q_halted <= halted & ~q_start_c;
        q_enabled <= (q_enabled & ~q_disable_c) | q_start_c;
        if (q_start_c[wq] || q_tail_wr_c[wq]) begin
          if (q_rx(wq)) rx_tail[qn(wq)] <= q_start_c[wq] ? '0 : w_data[11:0];
          else tx_tail[qn(wq)] <= q_start_c[wq] ? '0 : w_data[11:0];
        end
      end

      // errors and interrupt causes
      err_cause <= err_cause_kept | err_set;
      if (any_err && err_cause_kept == 32'd0) begin
        err_info <= err_info_first();
      end
      irq_cause <= irq_cause_kept | irq_set;

      // interrupt line
      if (!irq_q) begin
        if (irq_pending && (!irq_rose || (now_ns - irq_last_rise) >= 64'(irq_itr))) begin
          irq_q <= 1'b1;
          irq_rose <= 1'b1;
          irq_last_rise <= now_ns;
        end
      end else if (!irq_pending) begin
        irq_q <= 1'b0;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------

  assign soft_rst = soft_rst_q;
  assign loopback = ctrl_loopback;
  assign irq = irq_q;
  assign irq_queue = irq_queue_q;
  assign feat_tx_csum = features[CAP_TX_CSUM_BIT];
  assign feat_rx_csum = features[CAP_RX_CSUM_BIT];
  assign feat_rxhash = features[CAP_RXHASH_BIT];
  assign rss_key = rss_key_q;

  assign tx_cfg_ring_base = tx_ring;
  assign tx_cfg_cpl_base = tx_cpl;
  assign tx_cfg_size = tx_size;
  assign tx_q_enable = q_enabled[N-1:0] & ~q_halted[N-1:0];
  assign tx_q_start = q_start_c[N-1:0];
  assign tx_q_tail = tx_tail;

  assign rx_cfg_ring_base = rx_ring;
  assign rx_cfg_cpl_base = rx_cpl;
  assign rx_cfg_size = rx_size;
  assign rx_q_enable = q_enabled[NQ-1:N] & ~q_halted[NQ-1:N];
  assign rx_q_start = q_start_c[NQ-1:N];
  assign rx_q_tail = rx_tail;

  assign tbl_we = tbl_busy;
  assign tbl_index = {tbl_word, tbl_k};
  assign tbl_queue = QW'(ind_w[tbl_word][8*tbl_k +: 8]);

endmodule

`resetall
