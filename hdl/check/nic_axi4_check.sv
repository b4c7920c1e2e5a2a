`resetall
`timescale 1ns / 1ps
`default_nettype none

// AXI4 protocol checker, watching one AXI4 link from outside (all ports are inputs). It checks
// both sides: the master's (AR, AW, W) and the slave's (R, B), the latter so that a harness or
// an interconnect that breaks the protocol is caught too. Every check is a clocked immediate
// assertion; a failure is a $error (Verilator's message names the failing instance), which the
// simulation shims turn into a test failure (docs/testing.md, "RTL checkers").
//
// Master side (what the NIC's DMA clients promise, hdl/README.md "Engine <-> interconnect"):
//   - ARVALID / AWVALID / WVALID, once high, stay high until their READY;
//   - the payload (ID, address, length, size, burst; W data, strobes, last) does not change
//     while VALID waits for READY;
//   - every burst is INCR of whole beats (DATA_W/8 bytes: size 3 at 64 bits, 6 at 512), at most
//     MAX_BEATS beats, starts at a multiple of the beat, and does not cross a 4 KiB boundary;
//   - W bursts come in AW order with WLAST on beat len + 1 of their AW (W may run ahead of AW, as
//     AXI4 allows; each W burst is matched with its AW as soon as both have been seen), and no W
//     burst runs past 16 beats without WLAST.
// Slave side:
//   - RVALID / BVALID held until READY, their payload stable meanwhile;
//   - an R beat only for an ID with a read burst outstanding, RLAST exactly on its last beat;
//   - a B only for an ID with a write outstanding and only after that many W bursts have ended.
//
// DEPTH bursts per direction (reads per ID) are tracked; more outstanding at once is itself
// reported (raise DEPTH if a design legitimately goes deeper).
/* verilator coverage_off */
module nic_axi4_check #(
  parameter int ID_W      = 1,
  parameter int DEPTH     = 256,   // bursts tracked (power of two)
  parameter int MAX_BEATS = 16,    // the NIC's DMA rule; AXI4 itself allows 256
  parameter int DATA_W    = 64,    // data bus width, bits: 64 or 512
  localparam int KW       = DATA_W / 8
) (
  input wire            clk,
  input wire            rst,
  input wire [ID_W-1:0] awid,
  input wire [63:0]     awaddr,
  input wire [7:0]      awlen,
  input wire [2:0]      awsize,
  input wire [1:0]      awburst,
  input wire            awvalid,
  input wire            awready,
  input wire [DATA_W-1:0] wdata,
  input wire [KW-1:0]   wstrb,
  input wire            wlast,
  input wire            wvalid,
  input wire            wready,
  input wire [ID_W-1:0] bid,
  input wire [1:0]      bresp,
  input wire            bvalid,
  input wire            bready,
  input wire [ID_W-1:0] arid,
  input wire [63:0]     araddr,
  input wire [7:0]      arlen,
  input wire [2:0]      arsize,
  input wire [1:0]      arburst,
  input wire            arvalid,
  input wire            arready,
  input wire [ID_W-1:0] rid,
  input wire [DATA_W-1:0] rdata,
  input wire [1:0]      rresp,
  input wire            rlast,
  input wire            rvalid,
  input wire            rready
);

  localparam int NID = 1 << ID_W;
  localparam int DW  = $clog2(DEPTH);
  localparam int SZ  = $clog2(KW);                  // AxSIZE of a whole beat
  localparam logic [2:0] SIZE = 3'(SZ);
  localparam logic [63:0] A_LOW = 64'(KW) - 64'd1;  // address bits within a beat

  if ((1 << DW) != DEPTH) begin : g_depth
    $fatal(1, "nic_axi4_check: DEPTH must be a power of two");
  end

  wire ar_hs = arvalid && arready;
  wire aw_hs = awvalid && awready;
  wire w_hs  = wvalid && wready;
  wire r_hs  = rvalid && rready;
  wire b_hs  = bvalid && bready;

  // Legal burst shape: INCR, whole beats, <= MAX_BEATS beats, aligned, within one 4 KiB page.
  function automatic logic crosses_4k(input logic [11:0] addr, input logic [7:0] len);
    return 32'(addr) + (32'(len) + 32'd1) * 32'(KW) - 32'd1 > 32'h0fff;
  endfunction
  function automatic logic aligned(input logic [63:0] addr);
    return (addr & A_LOW) == 64'd0;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Handshake rules: VALID held until READY, payload stable while waiting
  // ---------------------------------------------------------------------------------------------
  nic_hs_check #(.W(ID_W + 77), .NAME("AXI4 AR")) u_ar (
    .clk (clk), .rst (rst), .valid (arvalid), .ready (arready),
    .payload ({arid, araddr, arlen, arsize, arburst})
  );
  nic_hs_check #(.W(ID_W + 77), .NAME("AXI4 AW")) u_aw (
    .clk (clk), .rst (rst), .valid (awvalid), .ready (awready),
    .payload ({awid, awaddr, awlen, awsize, awburst})
  );
  nic_hs_check #(.W(DATA_W + KW + 1), .NAME("AXI4 W")) u_w (
    .clk (clk), .rst (rst), .valid (wvalid), .ready (wready), .payload ({wdata, wstrb, wlast})
  );
  nic_hs_check #(.W(ID_W + DATA_W + 3), .NAME("AXI4 R")) u_r (
    .clk (clk), .rst (rst), .valid (rvalid), .ready (rready),
    .payload ({rid, rdata, rresp, rlast})
  );
  nic_hs_check #(.W(ID_W + 2), .NAME("AXI4 B")) u_b (
    .clk (clk), .rst (rst), .valid (bvalid), .ready (bready), .payload ({bid, bresp})
  );

  // ---------------------------------------------------------------------------------------------
  // Burst shape, at each address handshake
  // ---------------------------------------------------------------------------------------------
  always @(posedge clk) begin
    if (!rst) begin
      if (ar_hs) begin
        assert (arburst == 2'b01) else $error("AXI4 AR at %h: burst type %0d, not INCR", araddr, arburst);
        assert (arsize == SIZE)
          else $error("AXI4 AR at %h: size %0d, not %0d-byte beats", araddr, arsize, KW);
        assert (int'(arlen) < MAX_BEATS)
          else $error("AXI4 AR at %h: %0d beats, more than %0d", araddr, arlen + 9'd1, MAX_BEATS);
        assert (aligned(araddr)) else $error("AXI4 AR at %h: not %0d-byte aligned", araddr, KW);
        assert (!crosses_4k(araddr[11:0], arlen))
          else $error("AXI4 AR at %h, %0d beats: crosses a 4 KiB boundary", araddr, arlen + 9'd1);
      end
      if (aw_hs) begin
        assert (awburst == 2'b01) else $error("AXI4 AW at %h: burst type %0d, not INCR", awaddr, awburst);
        assert (awsize == SIZE)
          else $error("AXI4 AW at %h: size %0d, not %0d-byte beats", awaddr, awsize, KW);
        assert (int'(awlen) < MAX_BEATS)
          else $error("AXI4 AW at %h: %0d beats, more than %0d", awaddr, awlen + 9'd1, MAX_BEATS);
        assert (aligned(awaddr)) else $error("AXI4 AW at %h: not %0d-byte aligned", awaddr, KW);
        assert (!crosses_4k(awaddr[11:0], awlen))
          else $error("AXI4 AW at %h, %0d beats: crosses a 4 KiB boundary", awaddr, awlen + 9'd1);
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // W bursts against their AWs
  // ---------------------------------------------------------------------------------------------
  // AWs whose W burst has not been matched yet, and W bursts (beat counts - 1) whose AW has not
  // been seen yet. At most one of the two queues holds entries after the matching below.
  logic [63:0]  awq_addr [DEPTH];
  logic [7:0]   awq_len  [DEPTH];
  logic [DW:0]  awq_wr, awq_rd;
  logic [7:0]   wbq_len  [DEPTH];
  logic [DW:0]  wbq_wr, wbq_rd;
  logic [8:0]   w_beats;            // beats of the W burst in progress
  logic [31:0]  w_ended;            // W bursts ended, minus B responses (all IDs)
  logic [31:0]  aw_out [NID];       // per ID: AWs accepted, minus B responses

  wire awq_any = (awq_wr != awq_rd);
  wire wbq_any = (wbq_wr != wbq_rd);

  always @(posedge clk) begin
    if (aw_hs) begin
      awq_addr[awq_wr[DW-1:0]] <= awaddr;
      awq_len[awq_wr[DW-1:0]]  <= awlen;
      awq_wr <= awq_wr + 1'b1;
    end
    if (w_hs) begin
      w_beats <= wlast ? 9'd0 : w_beats + 9'd1;
      if (wlast) begin
        wbq_len[wbq_wr[DW-1:0]] <= w_beats[7:0];
        wbq_wr <= wbq_wr + 1'b1;
      end
    end
    if (awq_any && wbq_any) begin
      awq_rd <= awq_rd + 1'b1;
      wbq_rd <= wbq_rd + 1'b1;
    end
    // Counted only in a cycle with a handshake, so that an idle link costs a simulator nothing.
    if ((w_hs && wlast) || b_hs) w_ended <= w_ended + 32'(w_hs && wlast) - 32'(b_hs);
    if (aw_hs || b_hs) begin
      for (int i = 0; i < NID; i++) begin
        aw_out[i] <= aw_out[i] + 32'(aw_hs && awid == ID_W'(i)) - 32'(b_hs && bid == ID_W'(i));
      end
    end
    if (rst) begin
      awq_wr  <= '0;
      awq_rd  <= '0;
      wbq_wr  <= '0;
      wbq_rd  <= '0;
      w_beats <= '0;
      w_ended <= '0;
      for (int i = 0; i < NID; i++) aw_out[i] <= '0;
    end
  end

  always @(posedge clk) begin
    if (!rst) begin
      if (awq_any && wbq_any) begin
        assert (awq_len[awq_rd[DW-1:0]] == wbq_len[wbq_rd[DW-1:0]])
          else $error("AXI4 W: write burst at %h announced %0d beats, WLAST came on beat %0d",
                      awq_addr[awq_rd[DW-1:0]], awq_len[awq_rd[DW-1:0]] + 9'd1,
                      wbq_len[wbq_rd[DW-1:0]] + 9'd1);
      end
      if (w_hs && !wlast) begin
        assert (int'(w_beats) != MAX_BEATS - 1)
          else $error("AXI4 W: beat %0d of a burst without WLAST (more than %0d beats)", MAX_BEATS,
                      MAX_BEATS);
      end
      if (aw_hs) begin
        assert (awq_wr - awq_rd != (DW+1)'(DEPTH))
          else $error("checker: more than %0d AWs ahead of their W data", DEPTH);
      end
      if (w_hs && wlast) begin
        assert (wbq_wr - wbq_rd != (DW+1)'(DEPTH))
          else $error("checker: more than %0d W bursts ahead of their AW", DEPTH);
      end
      if (b_hs) begin
        assert (aw_out[bid] != 32'd0) else $error("AXI4 B for ID %0d with no write outstanding", bid);
        assert (w_ended != 32'd0) else $error("AXI4 B for ID %0d before the write's data ended", bid);
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // R beats against their ARs, per ID
  // ---------------------------------------------------------------------------------------------
  logic [7:0]  arq_len [NID][DEPTH];
  logic [DW:0] arq_wr [NID];
  logic [DW:0] arq_rd [NID];
  logic [7:0]  r_beats [NID];        // beats of the burst in progress, per ID

  always @(posedge clk) begin
    if (ar_hs) begin
      arq_len[arid][arq_wr[arid][DW-1:0]] <= arlen;
      arq_wr[arid] <= arq_wr[arid] + 1'b1;
    end
    if (r_hs) begin
      r_beats[rid] <= rlast ? 8'd0 : r_beats[rid] + 8'd1;
      if (rlast) arq_rd[rid] <= arq_rd[rid] + 1'b1;
    end
    if (rst) begin
      for (int i = 0; i < NID; i++) begin
        arq_wr[i]  <= '0;
        arq_rd[i]  <= '0;
        r_beats[i] <= '0;
      end
    end
  end

  always @(posedge clk) begin
    if (!rst) begin
      if (ar_hs) begin
        assert (arq_wr[arid] - arq_rd[arid] != (DW+1)'(DEPTH))
          else $error("checker: more than %0d reads outstanding for ID %0d", DEPTH, arid);
      end
      if (r_hs) begin
        if (arq_wr[rid] == arq_rd[rid]) begin
          assert (0) else $error("AXI4 R beat for ID %0d with no read outstanding", rid);
        end else begin
          assert (rlast == (r_beats[rid] == arq_len[rid][arq_rd[rid][DW-1:0]]))
            else $error("AXI4 R: RLAST=%0d on beat %0d of a %0d-beat burst (ID %0d)",
                        rlast, r_beats[rid] + 9'd1, arq_len[rid][arq_rd[rid][DW-1:0]] + 9'd1, rid);
        end
      end
    end
  end

endmodule
/* verilator coverage_on */

`resetall
