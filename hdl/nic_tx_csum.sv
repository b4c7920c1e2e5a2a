`resetall
`timescale 1ns / 1ps
`default_nettype none

// TX checksum offload engine: implements "TX checksum" in docs/offloads.md, between the TX queue
// engine and the MAC. Store-and-forward, one beat per cycle in and out.
//
// Command (s_axis_cmd_*): one per frame, in frame order, taken no later than the frame's first
// beat. A one-entry slot (cmd_ready = slot empty, a flop) holds a command that arrives early; at a
// frame's first beat the command comes from the slot or, when the slot is empty, straight from the
// cmd inputs (so s_axis_tready depends on s_axis_cmd_valid at a frame start; nothing depends on
// tready). Without a command the frame's first beat waits (tready low). The slot frees at the first
// beat, so the next frame's command is taken while this frame streams in.
//
// Input: each accepted beat is written to the data FIFO (FIFO_BYTES = 16 KiB: DEPTH entries of
// {tuser, tlast, tkeep, tdata}) and goes down a summing pipeline (t0 = cycle the beat is accepted):
//   t0 -> s1  beat, its byte position and the frame's command registered; header bytes 12..77
//             captured into `cap` (the IPv4 header lies within 14 + 4 + 60 = 78 bytes).
//   s1 -> s2  L4: bytes at or after csum_start (and within tkeep) masked, taken as big-endian words
//             at frame-aligned positions (lane 2w is the high byte, as DATA_W/8 is even), summed in
//             groups of GRP words. IPv4: the header parsed from `cap` (EtherType at 12, or 0x8100
//             there and the type at 16; version 4, IHL >= 5) and its words, checksum field
//             excluded, summed in groups of 8.
//   s2        the groups are added into the frame's accumulator; at the last beat the sums are
//             folded (the L4 one byte-swapped when csum_start is odd: RFC 1071 byte-order
//             independence), complemented, and the frame's result is pushed into the result FIFO,
//             with stat_csum_ready pulsing in the next cycle: 3 cycles after the last beat's t0.
// A result says what to write: IPv4 ~fold at L3 + 10 if csum_en, the command fits the frame and the
// frame holds an IPv4 header; L4 ~fold (0x0000 sent as 0xFFFF) at csum_start + csum_offset if
// csum_en and csum_start + csum_offset + 2 <= length. A command that does not fit the frame is
// malformed (the TX queue engine never sends one): the frame then passes unchanged, as with
// csum_en = 0, rather than being written outside it or half patched. So does a frame marked bad
// (tuser on its last beat): its sender could not read all of it, so there is nothing to checksum.
//
// Output: while the result FIFO holds a result (so the whole frame is in the data FIFO), its
// frame's beats are read one per cycle (synchronous RAM read) with the byte lanes to patch worked
// out from the beat's position; the next cycle the beat is patched (IPv4 field first, the L4 field
// over it) and pushed into a Q_DEPTH-entry shift queue whose head is the output register. Reads are
// issued on credit (queued + in flight < Q_DEPTH), so m_axis_tvalid is a flop and one beat per
// cycle is sustained; the result is popped with the frame's last read. Frame N's output overlaps
// frame N+1's input, and with an output that never stalls frame N+1's result is ready as frame N's
// last beat is read, so back-to-back frames flow at one beat per cycle.
//
// Flow control: s_axis_tready also needs a free data FIFO entry and, at a frame start, fewer than
// RES_DEPTH frames between first beat and result pop, so the result FIFO cannot overflow. Frames
// are 1..MAX_FRAME bytes; a frame longer than the data FIFO would never be released.

module nic_tx_csum #(
  parameter int DATA_W = 64             // datapath width in bits: 64 (the NIC) or 512
) (
  input  wire              clk,
  input  wire              rst,         // synchronous, active high
  // per-frame command, one per frame in frame order, no later than the frame's first beat
  input  wire              s_axis_cmd_valid,
  output wire              s_axis_cmd_ready,
  input  wire              s_axis_cmd_csum_en,
  input  wire [15:0]       s_axis_cmd_csum_start,
  input  wire [15:0]       s_axis_cmd_csum_offset,
  // frame in (from the TX queue engine)
  input  wire [DATA_W-1:0]   s_axis_tdata,
  input  wire [DATA_W/8-1:0] s_axis_tkeep,
  input  wire              s_axis_tvalid,
  output wire              s_axis_tready,
  input  wire              s_axis_tlast,
  input  wire              s_axis_tuser,
  // frame out (to the MAC), patched
  output wire [DATA_W-1:0]   m_axis_tdata,
  output wire [DATA_W/8-1:0] m_axis_tkeep,
  output wire              m_axis_tvalid,
  input  wire              m_axis_tready,
  output wire              m_axis_tlast,
  output wire              m_axis_tuser,
  // pulse: a frame's checksum results are ready (every frame)
  output wire              stat_csum_ready
);

  // Contract constant, copied from nic_pkg::MAX_FRAME (the module lints on its own).
  localparam int MAX_FRAME = 9216;

  // ---------------------------------------------------------------------------------------------
  // Sizing
  // ---------------------------------------------------------------------------------------------
  localparam int BYTES      = DATA_W / 8;          // byte lanes per beat
  localparam int WORDS      = BYTES / 2;           // 16-bit words per beat
  localparam int LANE_W     = $clog2(BYTES);
  localparam int FIFO_BYTES = 16384;               // data FIFO: one 9216-byte frame out, next in
  localparam int DEPTH      = FIFO_BYTES / BYTES;  // data FIFO entries
  localparam int AW         = $clog2(DEPTH);
  localparam int ENTRY_W    = 1 + 1 + BYTES + DATA_W;  // {tuser, tlast, tkeep, tdata}
  localparam int RES_DEPTH  = 16;                  // result FIFO entries (frames in the engine)
  localparam int RES_AW     = $clog2(RES_DEPTH);
  localparam int Q_DEPTH    = 4;                   // output queue: >= read latency + 2
  localparam int Q_W        = $clog2(Q_DEPTH + 1);
  localparam int GRP        = (WORDS < 8) ? WORDS : 8;  // words per first-stage partial sum
  localparam int NGRP       = WORDS / GRP;
  localparam int PART_W     = 16 + $clog2(GRP);    // a partial sum of GRP words, no overflow
  localparam int ACC_W      = 32;                  // frame sum: 4608 words * 0xFFFF < 2^29

  // IPv4 header window: bytes CAP_LO..CAP_HI-1 are captured; header words start at byte 14.
  localparam int CAP_LO     = 12;
  localparam int CAP_HI     = 14 + 4 + 60;         // 78
  localparam int IP_W0      = 14;                  // first header byte (untagged L3)
  localparam int IP_WORDS   = (CAP_HI - IP_W0) / 2;  // 32
  localparam int IP_GRP     = 8;
  localparam int IP_NGRP    = IP_WORDS / IP_GRP;
  localparam int IP_PART_W  = 16 + $clog2(IP_GRP);

  if (DATA_W != 64 && DATA_W != 512)
    $fatal(1, "nic_tx_csum: DATA_W must be 64 or 512");
  if (MAX_FRAME > FIFO_BYTES || (MAX_FRAME + BYTES - 1) / BYTES >= (1 << (AW + 1)))
    $fatal(1, "nic_tx_csum: data FIFO smaller than MAX_FRAME");
  if (WORDS % GRP != 0 || IP_WORDS % IP_GRP != 0)
    $fatal(1, "nic_tx_csum: adder groups must divide the word count");

  // ---------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------
  // One's-complement fold of a 32-bit sum to 16 bits (two end-around carries suffice).
  function automatic logic [15:0] fold32(input logic [31:0] x);
    logic [16:0] a;
    a = {1'b0, x[15:0]} + {1'b0, x[31:16]};
    return a[15:0] + {15'd0, a[16]};    // a <= 0x1FFFE: no further carry
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Input: command slot and frame position
  // ---------------------------------------------------------------------------------------------
  logic              slot_valid;
  logic              slot_en;
  logic [15:0]       slot_start;
  logic [15:0]       slot_offset;

  logic              in_frame;     // a frame's first beat is in, its last is not
  logic [AW:0]       in_beat;      // index of the next input beat within its frame
  logic [15:0]       in_pos;       // byte position of the next input beat
  logic              cur_en;       // command of the frame being received
  logic [15:0]       cur_start;
  logic [15:0]       cur_offset;

  logic [AW:0]       used;         // data FIFO entries written and not yet read
  logic [RES_AW:0]   frames;       // frames from first beat in to result popped

  wire cmd_avail = slot_valid || s_axis_cmd_valid;
  wire in_ready  = (used < (AW+1)'(DEPTH))
                && (in_frame || (cmd_avail && frames < (RES_AW+1)'(RES_DEPTH)));
  wire in_hs     = s_axis_tvalid && in_ready;
  wire first_hs  = in_hs && !in_frame;
  wire cmd_hs    = s_axis_cmd_valid && !slot_valid;

  // The command that applies to the beat on s_axis_* now.
  logic        beat_en;
  logic [15:0] beat_start;
  logic [15:0] beat_offset;
  always_comb begin
    if (in_frame) begin
      beat_en = cur_en; beat_start = cur_start; beat_offset = cur_offset;
    end else if (slot_valid) begin
      beat_en = slot_en; beat_start = slot_start; beat_offset = slot_offset;
    end else begin
      beat_en     = s_axis_cmd_csum_en;
      beat_start  = s_axis_cmd_csum_start;
      beat_offset = s_axis_cmd_csum_offset;
    end
  end

  always_ff @(posedge clk) begin
    // command slot: filled by an early command, emptied by the first beat it belongs to
    if (cmd_hs && !first_hs) begin
      slot_valid  <= 1'b1;
      slot_en     <= s_axis_cmd_csum_en;
      slot_start  <= s_axis_cmd_csum_start;
      slot_offset <= s_axis_cmd_csum_offset;
    end else if (first_hs && slot_valid) begin
      slot_valid  <= 1'b0;
    end

    if (in_hs) begin
      cur_en     <= beat_en;
      cur_start  <= beat_start;
      cur_offset <= beat_offset;
      if (s_axis_tlast) begin
        in_frame <= 1'b0;
        in_beat  <= '0;
        in_pos   <= 16'd0;
      end else begin
        in_frame <= 1'b1;
        in_beat  <= in_beat + (AW+1)'(1);
        in_pos   <= in_pos + 16'(BYTES);
      end
    end

    if (rst) begin
      slot_valid <= 1'b0;
      in_frame   <= 1'b0;
      in_beat    <= '0;
      in_pos     <= 16'd0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Data FIFO (synchronous read)
  // ---------------------------------------------------------------------------------------------
  // An entry is {tuser, tlast, tkeep, tdata}, kept as two arrays: tdata, and the rest (`meta`),
  // so that at 64 bits no entry is wider than a machine word in simulation.
  localparam int META_W = ENTRY_W - DATA_W;
  logic [DATA_W-1:0]  mem_d [DEPTH];
  logic [META_W-1:0]  mem_m [DEPTH];
  logic [AW-1:0]      wr_ptr;
  logic [AW-1:0]      rd_ptr;
  logic [DATA_W-1:0]  mem_qd;       // read data, the cycle after the read
  logic [META_W-1:0]  mem_qm;
  logic               rd_issue;     // read one beat this cycle

  always_ff @(posedge clk) begin
    if (in_hs) begin
      mem_d[wr_ptr] <= s_axis_tdata;
      mem_m[wr_ptr] <= {s_axis_tuser, s_axis_tlast, s_axis_tkeep};
    end
    if (rd_issue) begin
      mem_qd <= mem_d[rd_ptr];
      mem_qm <= mem_m[rd_ptr];
    end
  end

  always_ff @(posedge clk) begin
    if (in_hs)    wr_ptr <= wr_ptr + AW'(1);
    if (rd_issue) rd_ptr <= rd_ptr + AW'(1);
    used <= used + (AW+1)'(in_hs) - (AW+1)'(rd_issue);
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      used   <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Stage s1: registered beat; IPv4 header capture
  // ---------------------------------------------------------------------------------------------
  logic              s1_valid;
  logic              s1_first;
  logic              s1_last;
  logic [DATA_W-1:0] s1_data;
  logic [BYTES-1:0]  s1_keep;
  logic [AW:0]       s1_beat;
  logic [15:0]       s1_pos;
  logic              s1_en;
  logic              s1_user;
  logic [15:0]       s1_start;
  logic [15:0]       s1_offset;

  logic [8*CAP_HI-1:8*CAP_LO] cap;           // frame bytes 12..77 as they arrive (byte p at 8p)

  always_ff @(posedge clk) begin
    s1_valid <= in_hs;
    if (in_hs) begin
      s1_first  <= !in_frame;
      s1_last   <= s_axis_tlast;
      s1_data   <= s_axis_tdata;
      s1_keep   <= s_axis_tkeep;
      s1_beat   <= in_beat;
      s1_pos    <= in_pos;
      s1_en     <= beat_en;
      s1_user   <= s_axis_tuser;
      s1_start  <= beat_start;
      s1_offset <= beat_offset;
    end
    // (The outer test only spares simulation the per-byte loop in the other beats.)
    if (in_hs && in_beat <= (AW+1)'((CAP_HI - 1) / BYTES)) begin
      for (int p = CAP_LO; p < CAP_HI; p++) begin
        if (in_beat == (AW+1)'(p / BYTES)) cap[8*p +: 8] <= s_axis_tdata[(p % BYTES) * 8 +: 8];
      end
    end
    if (rst) s1_valid <= 1'b0;
  end

  // The s1 -> s2 and s2 logic is written out in the clocked blocks that register its results,
  // under the valid bits of those registers (s1 holds a beat; s1 holds a frame's last beat; s2
  // holds a beat, a frame's last beat), with block variables for the temporaries: the same values
  // and timing as always_comb blocks, but simulation no longer evaluates them in the cycles that
  // discard them (and Verilator zeroes a function's locals on every evaluation of its caller).

  // ---------------------------------------------------------------------------------------------
  // Stage s2: accumulate; at the last beat, the frame's result
  // ---------------------------------------------------------------------------------------------
  logic                 s2_valid;
  logic                 s2_first;
  logic                 s2_last;
  logic [PART_W-1:0]    s2_part [NGRP];
  logic [15:0]          s2_len;
  logic [AW:0]          s2_beats;    // beats so far, including this one
  logic                 s2_en;
  logic                 s2_user;
  logic [15:0]          s2_start;
  logic [15:0]          s2_offset;
  logic [IP_NGRP-1:0][IP_PART_W-1:0] s2_ip_part;  // (packed: no per-element write flags)
  logic                 s2_ip_is4;
  logic [6:0]           s2_ip_l3;
  logic [6:0]           s2_ip_hend;
  logic [ACC_W-1:0]     acc;         // L4 sum of the frame's earlier beats

  always_ff @(posedge clk) begin
    s2_valid <= s1_valid;
    if (s1_valid) begin : s2_load
      // L4: mask bytes before csum_start and outside tkeep; frame-aligned big-endian words;
      // groups of GRP words.
      logic [16:0]       l4_rel;
      logic [BYTES-1:0]  l4_mask;
      logic [15:0]       l4_word [WORDS];
      logic [PART_W-1:0] part;
      logic [15:0]       len;
      l4_rel = {1'b0, s1_start} - {1'b0, s1_pos};
      if (l4_rel[16])                       l4_mask = '1;   // csum_start before this beat
      else if (l4_rel[15:0] >= 16'(BYTES))  l4_mask = '0;   // at or after the next beat
      else                                  l4_mask = {BYTES{1'b1}} << l4_rel[LANE_W-1:0];
      l4_mask = l4_mask & s1_keep;
      for (int w = 0; w < WORDS; w++) begin
        l4_word[w] = {s1_data[16*w +: 8] & {8{l4_mask[2*w]}},
                      s1_data[16*w+8 +: 8] & {8{l4_mask[2*w+1]}}};
      end
      for (int g = 0; g < NGRP; g++) begin
        part = '0;
        for (int w = 0; w < GRP; w++) part = part + PART_W'(l4_word[g*GRP + w]);
        s2_part[g] <= part;
      end
      // Frame length, if s1 holds the last beat. tkeep is low-contiguous: the count is the
      // highest kept lane + 1.
      len = s1_pos;
      for (int i = 0; i < BYTES; i++) if (s1_keep[i]) len = s1_pos + 16'(i + 1);
      s2_first  <= s1_first;
      s2_last   <= s1_last;
      s2_len    <= len;
      s2_beats  <= s1_beat + (AW+1)'(1);
      s2_en     <= s1_en;
      s2_user   <= s1_user;
      s2_start  <= s1_start;
      s2_offset <= s1_offset;
    end
    // The IPv4 header, parsed from `cap`. Its fields are used only with the frame's last beat in
    // s2 (res_push); they are registered from `cap` as it stands when that beat is in s1, the
    // only cycle that matters.
    if (s1_valid && s1_last) begin : s2_ip_load
      logic [15:0]          et12;
      logic [15:0]          et16;
      logic                 ip_tagged;
      logic [7:0]           ip_vihl;
      logic [6:0]           l3, hend;
      logic [15:0]          ip_word [IP_WORDS];
      logic [IP_PART_W-1:0] part;
      et12      = {cap[8*12 +: 8], cap[8*13 +: 8]};
      et16      = {cap[8*16 +: 8], cap[8*17 +: 8]};
      ip_tagged = (et12 == 16'h8100) && (et16 == 16'h0800);
      ip_vihl   = ip_tagged ? cap[8*18 +: 8] : cap[8*14 +: 8];
      l3        = ip_tagged ? 7'd18 : 7'd14;
      hend      = l3 + {1'b0, ip_vihl[3:0], 2'b00};   // L3 + IHL * 4
      for (int j = 0; j < IP_WORDS; j++) begin
        // byte IP_W0 + 2j is in the header, and is not the checksum field at L3 + 10
        if (7'(IP_W0 + 2*j) >= l3 && 7'(IP_W0 + 2*j) < hend && 7'(IP_W0 + 2*j) != l3 + 7'd10)
          ip_word[j] = {cap[8*(IP_W0 + 2*j) +: 8], cap[8*(IP_W0 + 2*j + 1) +: 8]};
        else
          ip_word[j] = 16'd0;
      end
      for (int g = 0; g < IP_NGRP; g++) begin
        part = '0;
        for (int w = 0; w < IP_GRP; w++) part = part + IP_PART_W'(ip_word[g*IP_GRP + w]);
        s2_ip_part[g] <= part;
      end
      s2_ip_is4  <= (ip_tagged || et12 == 16'h0800) && ip_vihl[7:4] == 4'd4 && ip_vihl[3:0] >= 4'd5;
      s2_ip_l3   <= l3;
      s2_ip_hend <= hend;
    end
    if (rst) s2_valid <= 1'b0;
  end

  wire res_push = s2_valid && s2_last;

  // ---------------------------------------------------------------------------------------------
  // Result FIFO: one entry per frame, pushed at its last beat's s2, popped at its last read
  // ---------------------------------------------------------------------------------------------
  logic [AW:0]     res_beats  [RES_DEPTH];
  logic            res_do_l4  [RES_DEPTH];
  logic [15:0]     res_l4_pos [RES_DEPTH];
  logic [15:0]     res_l4_val [RES_DEPTH];
  logic            res_do_ip  [RES_DEPTH];
  logic [6:0]      res_ip_pos [RES_DEPTH];
  logic [15:0]     res_ip_val [RES_DEPTH];
  logic [RES_AW-1:0] res_wr;
  logic [RES_AW-1:0] res_rd;
  logic [RES_AW:0]   res_count;
  logic              res_pop;

  logic stat_q;
  always_ff @(posedge clk) begin
    if (s2_valid) begin : s2_sum
      logic [ACC_W-1:0] acc_next;
      logic [15:0]      l4_fold;
      logic [15:0]      l4_val;
      logic [ACC_W-1:0] ip_sum;
      logic [17:0]      l4_end;        // csum_start + csum_offset + 2
      logic             fits;
      acc_next = s2_first ? '0 : acc;
      for (int g = 0; g < NGRP; g++) acc_next = acc_next + ACC_W'(s2_part[g]);
      acc <= acc_next;
      if (s2_last) begin
        l4_fold = fold32(acc_next);
        if (s2_start[0]) l4_fold = {l4_fold[7:0], l4_fold[15:8]};
        l4_val = ~l4_fold;
        if (l4_val == 16'h0000) l4_val = 16'hFFFF;   // UDP: 0 would mean "no checksum"

        ip_sum = '0;
        for (int g = 0; g < IP_NGRP; g++) ip_sum = ip_sum + ACC_W'(s2_ip_part[g]);

        l4_end = {2'b00, s2_start} + {2'b00, s2_offset} + 18'd2;
        fits   = l4_end <= {2'b00, s2_len};
        // A frame whose sender aborted it (tuser on the last beat: some of its bytes were never
        // read) is passed on as it came, unpatched; the MAC drops it anyway.
        res_beats[res_wr]  <= s2_beats;
        res_do_l4[res_wr]  <= s2_en && fits && !s2_user;
        res_l4_pos[res_wr] <= s2_start + s2_offset;
        res_l4_val[res_wr] <= l4_val;
        res_do_ip[res_wr]  <= s2_en && fits && !s2_user && s2_ip_is4 && {9'd0, s2_ip_hend} <= s2_len;
        res_ip_pos[res_wr] <= s2_ip_l3 + 7'd10;
        res_ip_val[res_wr] <= ~fold32(ip_sum);
      end
    end
    stat_q <= res_push;
    if (rst) stat_q <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (res_push) res_wr <= res_wr + RES_AW'(1);
    if (res_pop)  res_rd <= res_rd + RES_AW'(1);
    res_count <= res_count + (RES_AW+1)'(res_push) - (RES_AW+1)'(res_pop);
    frames    <= frames + (RES_AW+1)'(first_hs) - (RES_AW+1)'(res_pop);
    if (rst) begin
      res_wr    <= '0;
      res_rd    <= '0;
      res_count <= '0;
      frames    <= '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Output: read, patch, queue
  // ---------------------------------------------------------------------------------------------
  logic [AW:0]   rd_beat;        // index of the next beat to read within the head frame
  logic [15:0]   rd_pos;         // its byte position
  logic [Q_W-1:0] q_count;
  logic          p1_valid;       // mem_qd, mem_qm hold a beat to patch

  assign rd_issue = (res_count != '0) && ({1'b0, q_count} + (Q_W+1)'(p1_valid) < (Q_W+1)'(Q_DEPTH));
  assign res_pop  = rd_issue && (rd_beat + (AW+1)'(1) == res_beats[res_rd]);

  logic              p1_l4_hi_hit, p1_l4_lo_hit, p1_ip_hi_hit, p1_ip_lo_hit;
  logic [LANE_W-1:0] p1_l4_hi_lane, p1_l4_lo_lane, p1_ip_hi_lane, p1_ip_lo_lane;
  logic [15:0]       p1_l4_val;
  logic [15:0]       p1_ip_val;

  always_ff @(posedge clk) begin
    p1_valid <= rd_issue;
    if (rd_issue) begin : p1_load
      // The byte lanes of this beat that take each checksum byte.
      logic [16:0] rel_l4_hi, rel_l4_lo, rel_ip_hi, rel_ip_lo;
      rel_l4_hi = {1'b0, res_l4_pos[res_rd]} - {1'b0, rd_pos};
      rel_l4_lo = {1'b0, res_l4_pos[res_rd]} + 17'd1 - {1'b0, rd_pos};
      rel_ip_hi = {10'd0, res_ip_pos[res_rd]} - {1'b0, rd_pos};
      rel_ip_lo = {10'd0, res_ip_pos[res_rd]} + 17'd1 - {1'b0, rd_pos};
      p1_l4_hi_hit  <= res_do_l4[res_rd] && rel_l4_hi < 17'(BYTES);
      p1_l4_lo_hit  <= res_do_l4[res_rd] && rel_l4_lo < 17'(BYTES);
      p1_ip_hi_hit  <= res_do_ip[res_rd] && rel_ip_hi < 17'(BYTES);
      p1_ip_lo_hit  <= res_do_ip[res_rd] && rel_ip_lo < 17'(BYTES);
      p1_l4_hi_lane <= rel_l4_hi[LANE_W-1:0];
      p1_l4_lo_lane <= rel_l4_lo[LANE_W-1:0];
      p1_ip_hi_lane <= rel_ip_hi[LANE_W-1:0];
      p1_ip_lo_lane <= rel_ip_lo[LANE_W-1:0];
      p1_l4_val     <= res_l4_val[res_rd];
      p1_ip_val     <= res_ip_val[res_rd];
      if (res_pop) begin
        rd_beat <= '0;
        rd_pos  <= 16'd0;
      end else begin
        rd_beat <= rd_beat + (AW+1)'(1);
        rd_pos  <= rd_pos + 16'(BYTES);
      end
    end
    if (rst) begin
      p1_valid <= 1'b0;
      rd_beat  <= '0;
      rd_pos   <= 16'd0;
    end
  end

  // Output queue: q[0] is the output register; pop shifts, a patched beat joins at the tail.
  // Entries as in the data FIFO: tdata in q_d, the rest in q_m.
  logic [DATA_W-1:0]  q_d [Q_DEPTH];
  logic [META_W-1:0]  q_m [Q_DEPTH];
  logic               out_valid;
  wire                q_pop = out_valid && m_axis_tready;

  logic [Q_W-1:0]     q_left;       // entries after the pop
  always_comb q_left = q_count - Q_W'(q_pop);

  always_ff @(posedge clk) begin : q_shift
    // The beat read last cycle, patched: the IPv4 field first, the L4 field over it.
    logic [DATA_W-1:0] pd;
    pd = mem_qd;
    // (The test only spares simulation the per-lane loop in beats without a patch.)
    if (p1_valid && (p1_ip_hi_hit || p1_ip_lo_hit || p1_l4_hi_hit || p1_l4_lo_hit)) begin
      for (int i = 0; i < BYTES; i++) begin
        if (p1_ip_hi_hit && p1_ip_hi_lane == LANE_W'(i)) pd[8*i +: 8] = p1_ip_val[15:8];
        if (p1_ip_lo_hit && p1_ip_lo_lane == LANE_W'(i)) pd[8*i +: 8] = p1_ip_val[7:0];
        if (p1_l4_hi_hit && p1_l4_hi_lane == LANE_W'(i)) pd[8*i +: 8] = p1_l4_val[15:8];
        if (p1_l4_lo_hit && p1_l4_lo_lane == LANE_W'(i)) pd[8*i +: 8] = p1_l4_val[7:0];
      end
    end
    if (p1_valid || q_pop) begin
      for (int i = 0; i < Q_DEPTH; i++) begin
        if (p1_valid && q_left == Q_W'(i)) begin
          q_d[i] <= pd;
          q_m[i] <= mem_qm;
        end else if (q_pop && i + 1 < Q_DEPTH) begin
          q_d[i] <= q_d[(i + 1) % Q_DEPTH];
          q_m[i] <= q_m[(i + 1) % Q_DEPTH];
        end
      end
    end
    q_count   <= q_left + Q_W'(p1_valid);
    out_valid <= (q_left != '0) || p1_valid;
    if (rst) begin
      q_count   <= '0;
      out_valid <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------------------------
  assign s_axis_cmd_ready = !slot_valid;
  assign s_axis_tready    = in_ready;

  assign {m_axis_tuser, m_axis_tlast, m_axis_tkeep} = q_m[0];
  assign m_axis_tdata     = q_d[0];
  assign m_axis_tvalid    = out_valid;

  assign stat_csum_ready  = stat_q;

endmodule

`resetall
