`resetall
`timescale 1ns / 1ps
`default_nettype none

// No RX data write outside a posted buffer. Bound to nic_rx_engine (hdl/check/nic_rx_binds.sv):
// each frame the engine starts writing names its buffer (buf_valid, buf_addr, buf_len: the RX
// descriptor's ADDR and LEN as it was fetched), in frame order; the frame's write bursts follow
// on the data port in the same order, the last of them marked (aw_frame_last). Then:
//   - every write burst belongs to a buffer (one was named and not yet closed by a last burst);
//   - the burst lies within the beats that hold the buffer: [ADDR rounded down to the beat,
//     ADDR + min(LEN, 64 KiB) rounded up to the beat);
//   - every byte a W beat's strobes enable lies in [ADDR, ADDR + min(LEN, 64 KiB)).
// The checker keeps DEPTH buffers and AWS bursts awaiting their W beats, and reports going deeper
// as a failure of its own.
/* verilator coverage_off */
module nic_rxbuf_check #(
  parameter int DATA_W = 64,
  parameter int DEPTH  = 128,          // buffers named and not yet closed (power of two)
  parameter int AWS    = 64,           // bursts accepted whose W beats have not all passed
  localparam int KW = DATA_W / 8
) (
  input wire              clk,
  input wire              rst,
  input wire              buf_valid,
  input wire [63:0]       buf_addr,
  input wire [31:0]       buf_len,
  input wire [63:0]       awaddr,
  input wire [7:0]        awlen,
  input wire              awvalid,
  input wire              awready,
  input wire              aw_frame_last,
  input wire [KW-1:0]     wstrb,
  input wire              wlast,
  input wire              wvalid,
  input wire              wready
);

  localparam int BA = $clog2(DEPTH);
  localparam int WA = $clog2(AWS);
  localparam logic [64:0] CAP = 65'h10000;   // the most an RX frame writes
  localparam logic [64:0] LOW = 65'(KW) - 65'd1;   // address bits within a beat

  // Buffers in frame order: {lo, hi} byte range [lo, hi).
  // (Unpacked, as memories: a write to an element of a packed array makes Verilator copy the
  // whole array every cycle.)
  logic [63:0] b_lo [DEPTH];
  logic [64:0] b_hi [DEPTH];
  logic [BA:0] b_wr, b_rd;
  // Accepted bursts awaiting W: the next beat's address and the buffer's byte range.
  logic [63:0] a_addr [AWS];
  logic [63:0] a_lo [AWS];
  logic [64:0] a_hi [AWS];
  logic [WA:0] a_wr, a_rd;
  logic [63:0] w_addr;          // the current W beat's address (of the burst at a_rd)
  logic        w_mid;           // a burst's first W beat has passed

  wire aw_hs = awvalid && awready;
  wire w_hs  = wvalid && wready;
  wire b_empty = (b_wr == b_rd);

  // Everything below is computed in the clocked block under the handshake it checks, with block
  // variables for its temporaries, so that a simulator does none of it in other cycles.
  always_ff @(posedge clk) begin
    if (buf_valid) begin : named
      logic [64:0] len_c;
      len_c = ({33'd0, buf_len} > CAP) ? CAP : {33'd0, buf_len};
      b_lo[b_wr[BA-1:0]] <= buf_addr;
      b_hi[b_wr[BA-1:0]] <= {1'b0, buf_addr} + len_c;
    end
    if (aw_hs) begin
      a_addr[a_wr[WA-1:0]] <= awaddr;
      a_lo[a_wr[WA-1:0]] <= b_lo[b_rd[BA-1:0]];
      a_hi[a_wr[WA-1:0]] <= b_hi[b_rd[BA-1:0]];
    end
    if (rst) begin
      b_wr <= '0;
      b_rd <= '0;
      a_wr <= '0;
      a_rd <= '0;
      w_mid <= 1'b0;
      w_addr <= '0;
    end else begin
      if (buf_valid) b_wr <= b_wr + 1'b1;
      if (aw_hs && aw_frame_last && !b_empty) b_rd <= b_rd + 1'b1;
      if (aw_hs) a_wr <= a_wr + 1'b1;

      if (buf_valid)
        assert ((b_wr - b_rd) != (BA+1)'(DEPTH))
          else $error("RX buffer checker: more than %0d buffers open", DEPTH);
      if (aw_hs) begin : aw
        logic [63:0] cur_lo;
        logic [64:0] cur_hi, beat_lo, beat_hi, aw_end;
        cur_lo  = b_lo[b_rd[BA-1:0]];
        cur_hi  = b_hi[b_rd[BA-1:0]];
        beat_lo = {1'b0, cur_lo} & ~LOW;
        beat_hi = (cur_hi + LOW) & ~LOW;
        aw_end  = {1'b0, awaddr} + (65'(awlen) + 65'd1) * 65'(KW);
        assert (!b_empty)
          else $error("RX data write %h, %0d beats, with no posted buffer", awaddr,
                      awlen + 9'd1);
        assert (b_empty || ({1'b0, awaddr} >= beat_lo && aw_end <= beat_hi))
          else $error("RX data write %h, %0d beats, outside its buffer %h + %0d", awaddr,
                      awlen + 9'd1, cur_lo, cur_hi - {1'b0, cur_lo});
        assert ((a_wr - a_rd) != (WA+1)'(AWS))
          else $error("RX buffer checker: more than %0d bursts awaiting W", AWS);
      end
      if (w_hs) begin : w
        logic [63:0] wb_addr, wb_lo;
        logic [64:0] wb_hi;
        logic        strb_out;    // a strobed byte outside [wb_lo, wb_hi)
        wb_addr = w_mid ? w_addr : a_addr[a_rd[WA-1:0]];
        wb_lo   = a_lo[a_rd[WA-1:0]];
        wb_hi   = a_hi[a_rd[WA-1:0]];
        strb_out = 1'b0;
        for (int k = 0; k < KW; k++) begin
          if (wstrb[k] && ((wb_addr + 64'(k) < wb_lo) || ({1'b0, wb_addr} + 65'(k) >= wb_hi)))
            strb_out = 1'b1;
        end
        w_addr <= wb_addr + 64'(KW);
        w_mid  <= !wlast;
        if (wlast) a_rd <= a_rd + 1'b1;
        assert (a_wr != a_rd)
          else $error("RX data W beat before its burst's AW");
        assert (a_wr == a_rd || !strb_out)
          else $error("RX data W beat at %h, strobes %h, writes outside its buffer %h + %0d",
                      wb_addr, wstrb, wb_lo, wb_hi - {1'b0, wb_lo});
      end
    end
  end

endmodule
/* verilator coverage_on */

`resetall
