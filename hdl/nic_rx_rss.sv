`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX RSS engine: implements "RSS" in docs/offloads.md (firmware-model/src/rss.rs).
//
// Cut-through, the same shape as nic_rx_csum: the frame passes unchanged from s_axis_* to
// m_axis_* through one register stage with a skid register (s_axis_tready and m_axis_tvalid come
// from registered state only). Beside it runs a side pipeline that sees every accepted beat once
// and never stalls; all its work happens once per frame, in clocked blocks guarded by the stage's
// valid bit, so a simulator does none of it on the other cycles:
//
//   accept (cycle c)  beats inside the 128-byte header window go into the header buffer hb; on the
//                     last beat the frame length is registered.
//   parse  (c + 1)    the header walk of offloads.md "The parser" (the same rules as nic_rx_csum
//                     and csum::rx_headers) over the complete window: hash type and the hash input,
//                     36 bytes, left-aligned and zero-filled (IPv4 2-tuple: 8 bytes, 4-tuple: 12,
//                     IPv6: 32 or 36; nothing for NONE). Zero bytes add nothing to a Toeplitz
//                     hash, so one fixed-length hash over the padded input is the hash of the
//                     tuple.
//   hash A (c + 2)    Toeplitz over input bytes 0..17,
//   hash B (c + 3)    ... and 18..35, XORed in. Each input byte j meets a fixed 39-bit window of
//                     the key (bits 8j .. 8j+38 from the left), so both halves are constant slices
//                     and eight conditional XORs per byte, never a walk over all 320 key bits.
//   queue  (c + 4)    queue = table[hash[6:0]] (0 for NONE); pushed into the result FIFO, on
//                     m_axis_res_* in cycle c + 5.
//
// Stale bytes: after a short frame the header buffer still holds bytes of earlier frames past its
// end; every path that uses a byte first checks it lies inside the frame, as in nic_rx_csum.
//
// Results: one per frame, in order, through a RES_DEPTH-entry FIFO. A frame's first beat is only
// accepted while fewer than RES_DEPTH frames are started and not yet popped, so the FIFO never
// overflows; when it is full the input stalls at a frame boundary.
//
// Configuration: `key` and the indirection table are read by the frames in the pipeline, so change
// them only while no frame is in flight (between frames, with the input idle for 5 cycles) if every
// frame must see one configuration. The table resets to all 0.

module nic_rx_rss #(
  parameter int DATA_W  = 64,    // stream width in bits: 64 or 512
  parameter int QUEUE_W = 8      // width of a queue number in the indirection table, 1..16
) (
  input  wire                clk,
  input  wire                rst,              // synchronous, active high
  // Toeplitz key, byte 0 at [319:312] (the key's leftmost bit is key[319]). A 36-byte input
  // never reaches the key's last bit, key[0].
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [319:0]        key,
  /* verilator lint_on UNUSEDSIGNAL */
  // indirection table write port: entry tbl_index <= tbl_queue when tbl_we
  input  wire                tbl_we,
  input  wire [6:0]          tbl_index,
  input  wire [QUEUE_W-1:0]  tbl_queue,
  // frame in (from the MAC or the RX checksum engine)
  input  wire [DATA_W-1:0]   s_axis_tdata,
  input  wire [DATA_W/8-1:0] s_axis_tkeep,
  input  wire                s_axis_tvalid,
  output wire                s_axis_tready,
  input  wire                s_axis_tlast,
  input  wire                s_axis_tuser,
  // frame out, unchanged
  output wire [DATA_W-1:0]   m_axis_tdata,
  output wire [DATA_W/8-1:0] m_axis_tkeep,
  output wire                m_axis_tvalid,
  input  wire                m_axis_tready,
  output wire                m_axis_tlast,
  output wire                m_axis_tuser,
  // one result per frame, in frame order
  output wire                m_axis_res_valid,
  input  wire                m_axis_res_ready,
  output wire [31:0]         m_axis_res_hash,   // Toeplitz hash, 0 for NONE
  output wire [3:0]          m_axis_res_type,   // rss::hash_type (virtio hash_report numbering)
  output wire [QUEUE_W-1:0]  m_axis_res_queue   // table[hash[6:0]], 0 for NONE
);

  if (DATA_W != 64 && DATA_W != 512) begin : g_width
    $fatal(1, "nic_rx_rss: DATA_W must be 64 or 512, not %0d", DATA_W);
  end
  if (QUEUE_W < 1 || QUEUE_W > 16) begin : g_queue_w
    $fatal(1, "nic_rx_rss: QUEUE_W must be 1..16, not %0d", QUEUE_W);
  end

  localparam int BYTES     = DATA_W / 8;
  localparam int HDR       = 128;              // header window (bytes)
  localparam int HDR_BEATS = HDR / BYTES;
  localparam int LEN_W     = 18;               // byte offsets and lengths (saturating)
  localparam int IN_BYTES  = 36;               // longest hash input (IPv6 4-tuple)
  localparam int HALF      = IN_BYTES / 2;
  localparam int RES_DEPTH = 8;                // result FIFO entries (power of two)
  localparam int RES_AW    = $clog2(RES_DEPTH);
  localparam int RES_W     = 32 + 4 + QUEUE_W;

  // Hash types (firmware-model rss::hash_type; virtio VIRTIO_NET_HASH_REPORT_* numbering)
  localparam logic [3:0] T_NONE  = 4'd0;
  localparam logic [3:0] T_IPV4  = 4'd1;
  localparam logic [3:0] T_TCPV4 = 4'd2;
  localparam logic [3:0] T_UDPV4 = 4'd3;
  localparam logic [3:0] T_IPV6  = 4'd4;
  localparam logic [3:0] T_TCPV6 = 4'd5;
  localparam logic [3:0] T_UDPV6 = 4'd6;

  localparam logic [15:0] ET_IPV4 = 16'h0800;
  localparam logic [15:0] ET_IPV6 = 16'h86DD;
  localparam logic [15:0] ET_VLAN = 16'h8100;
  localparam logic [7:0]  IP_HBH  = 8'd0;
  localparam logic [7:0]  IP_TCP  = 8'd6;
  localparam logic [7:0]  IP_UDP  = 8'd17;
  localparam logic [7:0]  IP_RT   = 8'd43;
  localparam logic [7:0]  IP_DST  = 8'd60;

  typedef struct packed {
    logic [3:0]            htype;
    logic [8*IN_BYTES-1:0] tuple;  // input byte 0 at the top
  } parsed_t;

  function automatic logic [LEN_W-1:0] popcount(input logic [BYTES-1:0] v);
    logic [LEN_W-1:0] n;
    n = '0;
    for (int i = 0; i < BYTES; i++) n = n + {{(LEN_W-1){1'b0}}, v[i]};
    return n;
  endfunction

  // The header walk (docs/offloads.md, "The parser"; csum::rx_headers) and the RSS input choice
  // (rss::rss_input) over the header window of a frame of r1_len bytes, and the Toeplitz hash, are
  // written out in the clocked blocks of the stages that register them, under those stages' valid
  // bits, with block variables for their temporaries: a simulator does none of that work in the
  // other cycles (Verilator zeroes a function's locals on every evaluation of the calling block).

  // ---------------------------------------------------------------------------------------------
  // Pass-through: output register plus skid register
  // ---------------------------------------------------------------------------------------------
  logic              out_v, sk_v;
  logic [DATA_W-1:0] out_data, sk_data;
  logic [BYTES-1:0]  out_keep, sk_keep;
  logic              out_last, sk_last, out_user, sk_user;

  logic              in_frame;         // a frame's first beat has been accepted, not its last
  logic [LEN_W-1:0]  pos;              // frame offset of the next beat (saturates at 2^17)
  logic [RES_AW:0]   outstanding;      // frames started whose result has not been popped

  logic              s_ready, s_fire, res_pop;

  assign s_ready = !sk_v && (in_frame || (outstanding != (RES_AW+1)'(RES_DEPTH)));
  assign s_fire  = s_axis_tvalid && s_ready;

  assign s_axis_tready = s_ready;
  assign m_axis_tvalid = out_v;
  assign m_axis_tdata  = out_data;
  assign m_axis_tkeep  = out_keep;
  assign m_axis_tlast  = out_last;
  assign m_axis_tuser  = out_user;

  always_ff @(posedge clk) begin
    if (!out_v || m_axis_tready) begin
      if (sk_v) begin
        out_v    <= 1'b1;
        out_data <= sk_data;
        out_keep <= sk_keep;
        out_last <= sk_last;
        out_user <= sk_user;
        sk_v     <= 1'b0;
      end else begin
        out_v    <= s_fire;
        out_data <= s_axis_tdata;
        out_keep <= s_axis_tkeep;
        out_last <= s_axis_tlast;
        out_user <= s_axis_tuser;
      end
    end else if (s_fire) begin
      sk_v    <= 1'b1;
      sk_data <= s_axis_tdata;
      sk_keep <= s_axis_tkeep;
      sk_last <= s_axis_tlast;
      sk_user <= s_axis_tuser;
    end
    if (rst) begin
      out_v <= 1'b0;
      sk_v  <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Accept: frame position, header buffer, frame length
  // ---------------------------------------------------------------------------------------------
  localparam int LG_BYTES = $clog2(BYTES);
  logic [DATA_W-1:0] hbw [HDR_BEATS];  // header window of the current frame: beat k at hbw[k]
  logic              r1_v;             // the frame's last beat was accepted in the previous cycle
  logic [LEN_W-1:0]  r1_len;           // its length

  // Byte j of the header buffer (as registered).
  function automatic logic [7:0] hb(input logic [6:0] j);
    return hbw[j[6:LG_BYTES]][{j[LG_BYTES-1:0], 3'b000} +: 8];
  endfunction

  always_ff @(posedge clk) begin
    r1_v <= s_fire && s_axis_tlast;
    if (s_fire) begin
      // pos is a multiple of BYTES: below HDR it is the offset of header beat pos / BYTES.
      if (pos < LEN_W'(HDR)) hbw[pos[6:LG_BYTES]] <= s_axis_tdata;
      if (s_axis_tlast) r1_len <= pos + popcount(s_axis_tkeep);
      in_frame <= !s_axis_tlast;
      if (s_axis_tlast)      pos <= '0;
      else if (!pos[LEN_W-1]) pos <= pos + LEN_W'(BYTES);
    end
    if (rst) begin
      r1_v     <= 1'b0;
      in_frame <= 1'b0;
      pos      <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Parse, hash A, hash B, queue
  // ---------------------------------------------------------------------------------------------
  logic                  p_v, a_v, q_v;
  parsed_t               p_q;
  logic [3:0]            a_type, q_type;
  logic [8*HALF-1:0]     a_rest;       // input bytes HALF.. (byte HALF at the top)
  logic [31:0]           a_hash, q_hash;
  logic [128*QUEUE_W-1:0] tbl;        // entry i in [QUEUE_W*i +: QUEUE_W]

  // The table resets to all 0 (every frame to queue 0), as the RSS_INDIR registers do.
  always_ff @(posedge clk) begin
    if (rst) begin
      tbl <= '0;
    end else if (tbl_we) begin
      tbl[QUEUE_W*tbl_index +: QUEUE_W] <= tbl_queue;
    end
  end

  always_ff @(posedge clk) begin
    p_v <= r1_v;
    a_v <= p_v;
    q_v <= a_v;
    if (r1_v) begin : parse
      logic [7:0]       l3b [40];        // bytes from L3
      logic [LEN_W-1:0] flen, l3, ipend4, ipend6, l4len;
      logic [15:0]      et, tot, plen, udplen;
      logic [5:0]       hl;
      logic             vlan, is4, is6, v4_ok, v6_ok, frag, tcp, udp, win_ok, len_ok, ext_ok, l4_ok;
      logic             ext0, ext1, ext1_ok, ext2_ok;
      logic [7:0]       proto, nh1, hl1, sl1, nh2, hl2, sl2;
      logic [12:0]      e1, e2, e3, l4, e2c, l4c;
      parsed_t          r;

      flen = r1_len;
      vlan = {hb(7'd12), hb(7'd13)} == ET_VLAN;
      et   = vlan ? {hb(7'd16), hb(7'd17)} : {hb(7'd12), hb(7'd13)};
      l3   = vlan ? LEN_W'(18) : LEN_W'(14);
      for (int i = 0; i < 40; i++) l3b[i] = vlan ? hb(7'(18 + i)) : hb(7'(14 + i));
      is4 = (et == ET_IPV4);
      is6 = (et == ET_IPV6);

      // IPv4: the IP header is sound; a fragment has no L4 header.
      hl     = {l3b[0][3:0], 2'b00};
      tot    = {l3b[2], l3b[3]};
      ipend4 = l3 + LEN_W'(tot);
      v4_ok  = is4 && l3b[0][7:4] == 4'd4 && l3b[0][3:0] >= 4'd5 && l3 + LEN_W'(hl) <= flen &&
               16'(hl) <= tot && ipend4 <= flen;
      frag   = l3b[6][5] || {l3b[6][4:0], l3b[7]} != 13'd0;

      // IPv6, up to two Hop-by-Hop / Routing / Destination Options headers
      plen   = {l3b[4], l3b[5]};
      ipend6 = l3 + LEN_W'(40) + LEN_W'(plen);
      v6_ok  = is6 && l3b[0][7:4] == 4'd6 && ipend6 <= flen;
      e1   = 13'(l3) + 13'd40;
      nh1  = vlan ? hb(7'd58) : hb(7'd54);
      hl1  = vlan ? hb(7'd59) : hb(7'd55);
      sl1  = vlan ? hb(7'd61) : hb(7'd57);
      e2   = e1 + {2'b00, hl1, 3'b000} + 13'd8;
      e2c  = (e2 > 13'd120) ? 13'd120 : e2;
      nh2  = hb(e2c[6:0]);
      hl2  = hb(7'(e2c + 13'd1));
      sl2  = hb(7'(e2c + 13'd3));
      e3   = e2 + {2'b00, hl2, 3'b000} + 13'd8;
      ext0 = (l3b[6] == IP_HBH) || (l3b[6] == IP_RT) || (l3b[6] == IP_DST);
      ext1 = (nh1 == IP_HBH) || (nh1 == IP_RT) || (nh1 == IP_DST);
      ext1_ok = LEN_W'(e2) <= ipend6 && e2 <= 13'(HDR) && !(l3b[6] == IP_RT && sl1 != 8'd0);
      ext2_ok = LEN_W'(e3) <= ipend6 && e3 <= 13'(HDR) && !(nh1 == IP_RT && sl2 != 8'd0);

      // L4
      if (is4) begin
        l4     = 13'(l3) + 13'(hl);
        proto  = l3b[9];
        ext_ok = !frag;
      end else if (!ext0) begin
        l4     = e1;
        proto  = l3b[6];
        ext_ok = 1'b1;
      end else if (!ext1) begin
        l4     = e2;
        proto  = nh1;
        ext_ok = ext1_ok;
      end else begin
        l4     = e3;
        proto  = nh2;                    // a third extension header is not TCP/UDP
        ext_ok = ext1_ok && ext2_ok;
      end
      l4len  = (is4 ? ipend4 : ipend6) - LEN_W'(l4);
      tcp    = (proto == IP_TCP);
      udp    = (proto == IP_UDP);
      l4c    = (l4 > 13'd120) ? 13'd120 : l4;
      udplen = {hb(7'(l4c + 13'd4)), hb(7'(l4c + 13'd5))};
      win_ok = tcp ? (l4 <= 13'(HDR - 20)) : (l4 <= 13'(HDR - 8));
      len_ok = tcp ? (l4len >= LEN_W'(20)) : (l4len >= LEN_W'(8) && LEN_W'(udplen) == l4len);
      l4_ok  = (tcp || udp) && win_ok && len_ok && ext_ok;

      // The input: addresses, then the ports of an accepted L4 header.
      r.tuple = '0;
      r.htype = T_NONE;
      if (v4_ok) begin
        for (int i = 0; i < 8; i++) r.tuple[8*(IN_BYTES-1-i) +: 8] = l3b[12 + i];
        if (l4_ok) begin
          for (int i = 0; i < 4; i++) r.tuple[8*(IN_BYTES-9-i) +: 8] = hb(7'(l4c + 13'(i)));
        end
        r.htype = !l4_ok ? T_IPV4 : tcp ? T_TCPV4 : T_UDPV4;
      end else if (v6_ok) begin
        for (int i = 0; i < 32; i++) r.tuple[8*(IN_BYTES-1-i) +: 8] = l3b[8 + i];
        if (l4_ok) begin
          for (int i = 0; i < 4; i++) r.tuple[8*(IN_BYTES-33-i) +: 8] = hb(7'(l4c + 13'(i)));
        end
        r.htype = !l4_ok ? T_IPV6 : tcp ? T_TCPV6 : T_UDPV6;
      end
      p_q <= r;
    end
    // Toeplitz: input byte j, bit b (b = 0 its most significant) XORs key bits [8j + b, 8j + b + 32)
    // from the left, i.e. key[319 - 8j - b -: 32]. Hash A takes bytes 0..HALF-1, hash B the rest.
    if (p_v) begin : hash_a
      logic [31:0] h;
      h = '0;
      for (int j = 0; j < HALF; j++) begin
        for (int bit_i = 0; bit_i < 8; bit_i++) begin
          if (p_q.tuple[8*(IN_BYTES-1-j) + 7 - bit_i]) h = h ^ key[319 - 8*j - bit_i -: 32];
        end
      end
      a_type <= p_q.htype;
      a_rest <= p_q.tuple[8*HALF-1:0];
      a_hash <= h;
    end
    if (a_v) begin : hash_b
      logic [31:0] h;
      h = a_hash;
      for (int j = HALF; j < IN_BYTES; j++) begin
        for (int bit_i = 0; bit_i < 8; bit_i++) begin
          if (a_rest[8*(IN_BYTES-1-j) + 7 - bit_i]) h = h ^ key[319 - 8*j - bit_i -: 32];
        end
      end
      q_type <= a_type;
      q_hash <= h;
    end
    if (rst) begin
      p_v <= 1'b0;
      a_v <= 1'b0;
      q_v <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Result FIFO
  // ---------------------------------------------------------------------------------------------
  logic [RES_W-1:0] res_mem [RES_DEPTH];
  logic [RES_AW:0]  res_wr, res_rd;

  assign m_axis_res_valid = (res_wr != res_rd);
  assign {m_axis_res_hash, m_axis_res_type, m_axis_res_queue} = res_mem[res_rd[RES_AW-1:0]];
  assign res_pop = m_axis_res_valid && m_axis_res_ready;

  always_ff @(posedge clk) begin
    if (q_v) begin
      res_mem[res_wr[RES_AW-1:0]] <= {q_hash, q_type,
                                      (q_type == T_NONE) ? QUEUE_W'(0) : tbl[QUEUE_W*q_hash[6:0] +: QUEUE_W]};
      res_wr <= res_wr + 1'b1;
    end
    if (res_pop) res_rd <= res_rd + 1'b1;
    case ({s_fire && !in_frame, res_pop})
      2'b10:   outstanding <= outstanding + 1'b1;
      2'b01:   outstanding <= outstanding - 1'b1;
      default: ;
    endcase
    if (rst) begin
      res_wr      <= '0;
      res_rd      <= '0;
      outstanding <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Invariants
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    if (!rst) begin
      // The FIFO never holds more than RES_DEPTH results, nor more than the frames started.
      assert (res_wr - res_rd <= (RES_AW+1)'(RES_DEPTH));
      assert (res_wr - res_rd <= outstanding);
      // No hash for NONE: the input was all zeros.
      assert (!q_v || q_type != T_NONE || q_hash == 32'd0);
    end
  end

endmodule

`resetall
