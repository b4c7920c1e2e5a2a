`resetall
`timescale 1ns / 1ps
`default_nettype none

// RX checksum engine: implements "RX checksum" in docs/offloads.md.
//
// Cut-through. The frame passes unchanged from s_axis_* to m_axis_* through one register stage
// with a skid register (s_axis_tready and m_axis_tvalid come from registered state only). Beside
// it runs a side pipeline that sees every accepted beat exactly once and never stalls:
//
//   accept (cycle c)  the beat, its bytes masked by tkeep, goes into R1; beats inside the 128-byte
//                     header window are also written into the header buffer hb. IPend (end of the
//                     IP packet, from bytes 12..23) is registered from the merged window.
//   stage 1 (c + 1)   from R1: the beat's word sums over [14, frame end) (CSUM) and over
//                     [14, max(34, IPend)) (the IP packet; bytes below 34 are always taken, as
//                     at 64 bits bytes 14..15 pass before IPend is known), accumulated; prefix sums
//                     P[k] = sum of [14, 18 + 4k) for k < 26; on the last beat, the parser reads
//                     the complete header buffer and registers its decision.
//   stage 2 (c + 2)   H = P[L4]; IPv4 header sum = H - P[L3]; L4 sum = IP sum - H + pseudo-header;
//                     fold, compare, verdict; pushed into the result FIFO. The result is on
//                     m_axis_res_* in cycle c + 3.
//
// Every L4 offset the parser can accept is 2 mod 4 (L3 = 14/18, IHL*4, 40, 8-byte extension
// headers) and at most 118, so the 26 prefix sums at 18 + 4k cover L3 (18 after a VLAN tag) and
// every L4. The sums are exact integers over nested ranges, so differences are exact: the L4 sum
// is IP sum - P[L4] (the IP sum covers [14, IPend) whenever the verdict uses it, as IPend >= 34
// then). The bytes the parser reads past the frame's end (stale header-buffer bytes of earlier
// frames) never matter: each path to GOOD/BAD first checks that those bytes lie within the frame.
//
// Results: one per frame, in order, through a RES_DEPTH-entry FIFO. A frame's first beat is only
// accepted while fewer than RES_DEPTH frames are started and not yet popped, so the FIFO never
// overflows; when it is full the input stalls at a frame boundary.

module nic_rx_csum #(
  parameter int DATA_W = 64      // stream width in bits: 64 or 512
) (
  input  wire                clk,
  input  wire                rst,              // synchronous, active high
  input  wire                enable,           // FEATURES.RX_CSUM, sampled at a frame's first beat
  // frame in (from the MAC)
  input  wire [DATA_W-1:0]   s_axis_tdata,
  input  wire [DATA_W/8-1:0] s_axis_tkeep,
  input  wire                s_axis_tvalid,
  output wire                s_axis_tready,
  input  wire                s_axis_tlast,
  input  wire                s_axis_tuser,
  // frame out, unchanged (to the RX queue engine)
  output wire [DATA_W-1:0]   m_axis_tdata,
  output wire [DATA_W/8-1:0] m_axis_tkeep,
  output wire                m_axis_tvalid,
  input  wire                m_axis_tready,
  output wire                m_axis_tlast,
  output wire                m_axis_tuser,
  // one result per frame, in frame order
  output wire                m_axis_res_valid,
  input  wire                m_axis_res_ready,
  output wire [1:0]          m_axis_res_verdict, // 0 NOT_CHECKED, 1 GOOD, 2 BAD
  output wire [15:0]         m_axis_res_csum     // CHECKSUM_COMPLETE over [14, frame end)
);

  if (DATA_W != 64 && DATA_W != 512) begin : g_width
    $fatal(1, "nic_rx_csum: DATA_W must be 64 or 512, not %0d", DATA_W);
  end

  localparam int BYTES     = DATA_W / 8;
  localparam int NW        = BYTES / 2;        // 16-bit words per beat
  localparam int LG_NW     = $clog2(NW);
  localparam int BS_W      = 16 + LG_NW;       // a beat's word sum
  localparam int HDR       = 128;              // header window (bytes)
  localparam int LEN_W     = 18;               // byte offsets and lengths (saturating)
  localparam int NP        = 26;               // prefix sums at frame offsets 18 + 4k
  localparam int PS_W      = 22;               // a prefix sum: < 64 words
  localparam int RES_DEPTH = 8;                // result FIFO entries (power of two)
  localparam int RES_AW    = $clog2(RES_DEPTH);

  // CSUM_VERDICT values (docs/contract.md, completion record)
  localparam logic [1:0] V_NOT_CHECKED = 2'd0;
  localparam logic [1:0] V_GOOD        = 2'd1;
  localparam logic [1:0] V_BAD         = 2'd2;

  localparam logic [15:0] ET_IPV4 = 16'h0800;
  localparam logic [15:0] ET_IPV6 = 16'h86DD;
  localparam logic [15:0] ET_VLAN = 16'h8100;
  localparam logic [7:0]  IP_HBH  = 8'd0;
  localparam logic [7:0]  IP_TCP  = 8'd6;
  localparam logic [7:0]  IP_UDP  = 8'd17;
  localparam logic [7:0]  IP_RT   = 8'd43;
  localparam logic [7:0]  IP_DST  = 8'd60;

  // One's-complement fold of a 32-bit integer sum (two carry rounds suffice).
  function automatic logic [15:0] fold32(input logic [31:0] x);
    logic [16:0] t;
    t = {1'b0, x[15:0]} + {1'b0, x[31:16]};
    return t[15:0] + {15'd0, t[16]};
  endfunction

  function automatic logic [LEN_W-1:0] popcount(input logic [BYTES-1:0] v);
    logic [LEN_W-1:0] n;
    n = '0;
    for (int i = 0; i < BYTES; i++) n = n + {{(LEN_W-1){1'b0}}, v[i]};
    return n;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Pass-through: output register plus skid register
  // ---------------------------------------------------------------------------------------------
  logic              out_v, sk_v;
  logic [DATA_W-1:0] out_data, sk_data;
  logic [BYTES-1:0]  out_keep, sk_keep;
  logic              out_last, sk_last, out_user, sk_user;

  logic              in_frame;         // a frame's first beat has been accepted, not its last
  logic [LEN_W-1:0]  pos;              // frame offset of the next beat (saturates at 2^17)
  logic              en_q;             // enable as sampled at the current frame's first beat
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
  // Accept: frame position, header buffer, IPend, R1
  // ---------------------------------------------------------------------------------------------
  // Everything below the pass-through is computed in clocked blocks, under the valid bit of the
  // stage that registers it (a beat accepted, R1 holding a beat, R1 holding a frame's last beat,
  // S2 valid): the same values in the same cycles as combinational logic feeding those registers,
  // but a simulator does none of the work in the cycles that would discard it.
  localparam int HB_N     = HDR / BYTES;       // header buffer entries (beats)
  localparam int LG_BYTES = $clog2(BYTES);

  logic [DATA_W-1:0] hbw [HB_N];       // header window of the current frame: beat k at hbw[k]
  logic [LEN_W-1:0]  ipend_r;

  // Byte j of the header buffer (as registered).
  function automatic logic [7:0] hb(input logic [6:0] j);
    return hbw[j[6:LG_BYTES]][{j[LG_BYTES-1:0], 3'b000} +: 8];
  endfunction

  logic              r1_v, r1_first, r1_last, r1_en;
  logic [DATA_W-1:0] r1_data;
  logic [LEN_W-1:0]  r1_off;           // frame offset of the beat
  logic [LEN_W-1:0]  r1_end;           // frame offset after its last byte (frame length if last)

  always_ff @(posedge clk) begin
    r1_v <= s_fire;
    if (s_fire) begin : accept
      // Simulation note: block variables, not function locals, hold the temporaries of the
      // clocked blocks (Verilator zeroes a function's locals on every evaluation of the block
      // that calls it, taken or not).
      logic [DATA_W-1:0] d;            // s_axis_tdata with the bytes outside tkeep zeroed
      logic [7:0]        hn [12:23];   // bytes 12..23 including this beat
      logic              vlan;
      logic [15:0]       et, f4, f6;
      logic [LEN_W-1:0]  e;
      for (int i = 0; i < BYTES; i++) d[8*i +: 8] = s_axis_tkeep[i] ? s_axis_tdata[8*i +: 8] : 8'd0;
      // IPend = L3 + IPv4 total length, or L3 + 40 + IPv6 payload length (L3 only otherwise).
      // Only used to mask bytes from 34 on, which come in later beats than bytes 12..23 (or, at
      // 512 bits, in the same first beat, merged here).
      // A beat from offset 24 on finds bytes 12..23 in the header buffer, as the beat that
      // carried byte 23 (the last of them to arrive) did, merged: the same IPend, which ipend_r
      // already holds. Only the beats below offset 24 recompute it.
      if (pos < LEN_W'(24)) begin
        for (int j = 12; j < 24; j++) begin
          hn[j] = (pos == LEN_W'(j / BYTES * BYTES)) ? d[8*(j % BYTES) +: 8] : hb(7'(j));
        end
        vlan = {hn[12], hn[13]} == ET_VLAN;
        et   = vlan ? {hn[16], hn[17]} : {hn[12], hn[13]};
        f4   = vlan ? {hn[20], hn[21]} : {hn[16], hn[17]};
        f6   = vlan ? {hn[22], hn[23]} : {hn[18], hn[19]};
        e    = vlan ? LEN_W'(18) : LEN_W'(14);
        if (et == ET_IPV4) e = e + LEN_W'(f4);
        else if (et == ET_IPV6) e = e + LEN_W'(40) + LEN_W'(f6);
        ipend_r <= e;
      end
      r1_data  <= d;
      r1_first <= !in_frame;
      r1_last  <= s_axis_tlast;
      r1_en    <= in_frame ? en_q : enable;
      r1_off   <= pos;
      r1_end   <= pos + popcount(s_axis_tkeep);
      if (!in_frame) en_q <= enable;
      in_frame <= !s_axis_tlast;
      if (s_axis_tlast)      pos <= '0;
      else if (!pos[LEN_W-1]) pos <= pos + LEN_W'(BYTES);
      // pos is a multiple of BYTES: below HDR it is the offset of header beat pos / BYTES.
      if (pos < LEN_W'(HDR)) hbw[pos[6:LG_BYTES]] <= d;
    end
    if (rst) begin
      r1_v     <= 1'b0;
      in_frame <= 1'b0;
      pos      <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Stage 1: beat sums, accumulators, prefix sums
  // ---------------------------------------------------------------------------------------------
  logic [31:0]        acc_tot, acc_ip; // sums over the frame so far
  logic [NP*PS_W-1:0] psum_q;          // P[k] at [PS_W*k +: PS_W]

  always_ff @(posedge clk) begin
    if (r1_v) begin : stage1
      logic [LEN_W-1:0] p, d, lim;
      logic [NW-1:0]    mt_hi, mt_lo, mi_hi, mi_lo;
      logic [15:0]      w_tot [NW];    // the beat's words over [14, ...)
      logic [15:0]      w_ip  [NW];    // ... and below max(34, IPend)
      logic [BS_W-1:0]  t [NW];
      logic [BS_W-1:0]  incl [NW];     // incl[j] = w_tot[0] + ... + w_tot[j]
      logic [BS_W-1:0]  beat_ip;
      logic [31:0]      base_tot, base_ip; // the sums before this beat (0 at a first beat)
      logic [32:0]      tot_sum;
      logic [LG_NW-1:0] psel;
      lim = (ipend_r > LEN_W'(34)) ? ipend_r : LEN_W'(34);   // IP bytes: offsets below max(34, IPend)
      if (r1_off >= LEN_W'(18 + 4 * (NP - 1)) &&
          (r1_off + LEN_W'(BYTES) <= lim || r1_off >= lim)) begin
        // A beat past the prefix sums' reach, wholly inside or wholly past the IP packet (most
        // beats): every word counts for CSUM, all or none for the IP sum. The same sums as the
        // general case below, without its per-byte masks and prefix sums.
        t[0] = '0;
        for (int j = 0; j < NW; j++) t[0] = t[0] + BS_W'({r1_data[16*j +: 8], r1_data[16*j+8 +: 8]});
        incl[NW-1] = t[0];
        beat_ip    = (r1_off >= lim) ? '0 : t[0];
      end else begin
        for (int j = 0; j < NW; j++) begin
          p = r1_off + LEN_W'(2 * j);
          mt_hi[j] = p >= LEN_W'(14);
          mi_hi[j] = mt_hi[j] && (p < LEN_W'(34) || p < ipend_r);
          p = r1_off + LEN_W'(2 * j + 1);
          mt_lo[j] = p >= LEN_W'(14);
          mi_lo[j] = mt_lo[j] && (p < LEN_W'(34) || p < ipend_r);
          w_tot[j] = {mt_hi[j] ? r1_data[16*j +: 8] : 8'd0, mt_lo[j] ? r1_data[16*j+8 +: 8] : 8'd0};
          w_ip[j]  = {mi_hi[j] ? r1_data[16*j +: 8] : 8'd0, mi_lo[j] ? r1_data[16*j+8 +: 8] : 8'd0};
        end
        // Inclusive prefix sums of w_tot (Hillis-Steele, LG_NW levels).
        for (int j = 0; j < NW; j++) t[j] = BS_W'(w_tot[j]);
        for (int l = 0; l < LG_NW; l++) begin
          for (int j = NW - 1; j >= (1 << l); j--) t[j] = t[j] + t[j - (1 << l)];
        end
        for (int j = 0; j < NW; j++) incl[j] = t[j];
        // Tree sum of w_ip.
        for (int j = 0; j < NW; j++) t[j] = BS_W'(w_ip[j]);
        for (int s = 1; s < NW; s = s * 2) begin
          for (int j = 0; j + s < NW; j = j + 2 * s) t[j] = t[j] + t[j + s];
        end
        beat_ip = t[0];
      end

      base_tot = r1_first ? 32'd0 : acc_tot;
      base_ip  = r1_first ? 32'd0 : acc_ip;
      tot_sum  = {1'b0, base_tot} + 33'(incl[NW-1]);
      // End-around carry keeps the CSUM sum right for any frame length.
      acc_tot <= tot_sum[31:0] + {31'd0, tot_sum[32]};
      acc_ip  <= base_ip + 32'(beat_ip);
      // P[k] covers [14, Q) with Q = 18 + 4k: updated by every beat that starts below Q, with the
      // words of the beat below Q. No beat from offset 18 + 4 (NP - 1) on updates any.
      if (r1_off < LEN_W'(18 + 4 * (NP - 1))) begin
        for (int k = 0; k < NP; k++) begin
          d    = LEN_W'(18 + 4 * k) - r1_off;
          psel = (d >= LEN_W'(2 * NW)) ? LG_NW'(NW - 1) : LG_NW'(d[LEN_W-1:1] - LEN_W'(1));
          if (r1_off < LEN_W'(18 + 4 * k)) begin
            psum_q[PS_W*k +: PS_W] <= base_tot[PS_W-1:0] + PS_W'(incl[psel]);
          end
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Stage 1: parser (reads the complete header window in the cycle after the last beat), whose
  // decision S2 registers; stage 2: verdict, pushed into the result FIFO
  // ---------------------------------------------------------------------------------------------
  typedef struct packed {
    logic        chk_hdr;              // IPv4 structurally sound: a wrong header sum is BAD
    logic        l4_ok;                // every structural check passed: verify the L4 sum
    logic        udp6_zero;            // UDP over IPv6 with checksum field 0: BAD (RFC 8200 8.1)
    logic        vlan;
    logic [4:0]  k;                    // L4 = 18 + 4 * k
    logic [21:0] pseudo;               // pseudo-header sum
  } parsed_t;

  logic    s2_v, s2_en;
  parsed_t s2_p;

  always_ff @(posedge clk) begin
    s2_v <= r1_v && r1_last;
    if (r1_v && r1_last) begin : parser
      logic [LEN_W-1:0] flen, l3, ipend4, ipend6, l4len;
      logic [7:0]       l3b [40];        // bytes from L3
      logic [15:0]      et, tot, plen, udplen, udpck;
      logic [5:0]       hl;
      logic             is4, is6, v4_ok, v6_ok, frag, tcp, udp, win_ok, len_ok, ext_ok;
      logic             ext0, ext1, ext1_ok, ext2_ok;
      logic [7:0]       proto, nh1, hl1, sl1, nh2, hl2, sl2;
      logic [11:0]      e1, e2, e3, l4, e2c, l4c;
      logic [19:0]      sd4, sd6;
      parsed_t          r;

      flen   = r1_end;
      r.vlan = {hb(7'd12), hb(7'd13)} == ET_VLAN;
      et     = r.vlan ? {hb(7'd16), hb(7'd17)} : {hb(7'd12), hb(7'd13)};
      l3     = r.vlan ? LEN_W'(18) : LEN_W'(14);
      for (int i = 0; i < 40; i++) l3b[i] = r.vlan ? hb(7'(18 + i)) : hb(7'(14 + i));
      is4 = (et == ET_IPV4);
      is6 = (et == ET_IPV6);

      // IPv4
      hl     = {l3b[0][3:0], 2'b00};
      tot    = {l3b[2], l3b[3]};
      ipend4 = l3 + LEN_W'(tot);
      v4_ok  = is4 && l3b[0][7:4] == 4'd4 && l3b[0][3:0] >= 4'd5 && l3 + LEN_W'(hl) <= flen &&
               16'(hl) <= tot && ipend4 <= flen;
      frag   = l3b[6][5] || {l3b[6][4:0], l3b[7]} != 13'd0;
      sd4    = 20'd0;
      for (int i = 0; i < 4; i++) sd4 = sd4 + 20'({l3b[12 + 2*i], l3b[13 + 2*i]});

      // IPv6, up to two extension headers
      plen   = {l3b[4], l3b[5]};
      ipend6 = l3 + LEN_W'(40) + LEN_W'(plen);
      v6_ok  = is6 && l3b[0][7:4] == 4'd6 && ipend6 <= flen;
      sd6    = 20'd0;
      for (int i = 0; i < 16; i++) sd6 = sd6 + 20'({l3b[8 + 2*i], l3b[9 + 2*i]});
      e1   = 12'(l3) + 12'd40;
      nh1  = r.vlan ? hb(7'd58) : hb(7'd54);
      hl1  = r.vlan ? hb(7'd59) : hb(7'd55);
      sl1  = r.vlan ? hb(7'd61) : hb(7'd57);
      e2   = e1 + {1'b0, hl1, 3'b000} + 12'd8;
      e2c  = (e2 > 12'd120) ? 12'd120 : e2;
      nh2  = hb(e2c[6:0]);
      hl2  = hb(7'(e2c + 12'd1));
      sl2  = hb(7'(e2c + 12'd3));
      e3   = e2 + {1'b0, hl2, 3'b000} + 12'd8;
      ext0 = (l3b[6] == IP_HBH) || (l3b[6] == IP_RT) || (l3b[6] == IP_DST);
      ext1 = (nh1 == IP_HBH) || (nh1 == IP_RT) || (nh1 == IP_DST);
      ext1_ok = LEN_W'(e2) <= ipend6 && e2 <= 12'(HDR) && !(l3b[6] == IP_RT && sl1 != 8'd0);
      ext2_ok = LEN_W'(e3) <= ipend6 && e3 <= 12'(HDR) && !(nh1 == IP_RT && sl2 != 8'd0);

      // L4
      if (is4) begin
        l4     = 12'(l3) + 12'(hl);
        proto  = l3b[9];
        ext_ok = 1'b1;
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
      l4c    = (l4 > 12'd120) ? 12'd120 : l4;
      udplen = {hb(7'(l4c + 12'd4)), hb(7'(l4c + 12'd5))};
      udpck  = {hb(7'(l4c + 12'd6)), hb(7'(l4c + 12'd7))};
      win_ok = tcp ? (l4 <= 12'(HDR - 20)) : (l4 <= 12'(HDR - 8));
      len_ok = tcp ? (l4len >= LEN_W'(20)) : (l4len >= LEN_W'(8) && LEN_W'(udplen) == l4len);

      r.chk_hdr   = v4_ok;
      r.udp6_zero = is6 && udp && udpck == 16'd0;
      r.l4_ok   = (tcp || udp) && win_ok && len_ok &&
                  (is4 ? (v4_ok && !frag && !(udp && udpck == 16'd0)) : (v6_ok && ext_ok));
      // L4 = 18 + 4k; anything else is not used (l4_ok / chk_hdr low).
      r.k       = (l4 < 12'd18 || l4 > 12'd118) ? 5'd0 : 5'((l4 - 12'd18) >> 2);
      r.pseudo  = (is4 ? 22'(sd4) : 22'(sd6)) + 22'(proto) + 22'(l4len[15:0]);
      s2_en <= r1_en;
      s2_p  <= r;
    end
    if (rst) s2_v <= 1'b0;
  end

  // ---------------------------------------------------------------------------------------------
  // Result FIFO
  // ---------------------------------------------------------------------------------------------
  logic [17:0]     res_mem [RES_DEPTH];
  logic [RES_AW:0] res_wr, res_rd;

  assign m_axis_res_valid   = (res_wr != res_rd);
  assign {m_axis_res_verdict, m_axis_res_csum} = res_mem[res_rd[RES_AW-1:0]];
  assign res_pop = m_axis_res_valid && m_axis_res_ready;

  always_ff @(posedge clk) begin
    if (s2_v) begin : verdict_blk
      logic [PS_W-1:0] h_l4, h_ip;
      logic [31:0]     l4_sum;
      logic [1:0]      verdict;
      logic [15:0]     csum;
      h_l4   = (s2_p.k < 5'(NP)) ? psum_q[PS_W*s2_p.k +: PS_W] : '0;   // [14, L4)
      h_ip   = h_l4 - (s2_p.vlan ? psum_q[0 +: PS_W] : '0);            // [L3, L4): IPv4 header
      l4_sum = acc_ip - 32'(h_l4) + 32'(s2_p.pseudo);                  // [L4, IPend) + pseudo
      if (!s2_en)                                        verdict = V_NOT_CHECKED;
      else if (s2_p.chk_hdr && fold32(32'(h_ip)) != 16'hFFFF) verdict = V_BAD;
      else if (!s2_p.l4_ok)                              verdict = V_NOT_CHECKED;
      else if (s2_p.udp6_zero)                           verdict = V_BAD;
      else if (fold32(l4_sum) == 16'hFFFF)               verdict = V_GOOD;
      else                                               verdict = V_BAD;
      csum = s2_en ? fold32(acc_tot) : 16'd0;
      res_mem[res_wr[RES_AW-1:0]] <= {verdict, csum};
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

endmodule

`resetall
