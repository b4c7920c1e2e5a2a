`resetall
`timescale 1ns / 1ps
`default_nettype none

// AXI4-Lite protocol checker for BAR0 (all ports are inputs), both sides:
//   - master (the host): AWVALID, WVALID, ARVALID held until their READY, address, data and
//     strobes stable meanwhile;
//   - slave (the NIC): BVALID and RVALID held until READY, BRESP, RDATA and RRESP stable
//     meanwhile; a B only after an AW and a W were taken that have had no B yet, an R only after
//     an AR that has had no R yet.
// A failure is a $error; Verilator names the failing instance.
/* verilator coverage_off */
module nic_axil_check #(
  parameter int ADDR_W = 12
) (
  input wire              clk,
  input wire              rst,
  input wire [ADDR_W-1:0] awaddr,
  input wire              awvalid,
  input wire              awready,
  input wire [31:0]       wdata,
  input wire [3:0]        wstrb,
  input wire              wvalid,
  input wire              wready,
  input wire [1:0]        bresp,
  input wire              bvalid,
  input wire              bready,
  input wire [ADDR_W-1:0] araddr,
  input wire              arvalid,
  input wire              arready,
  input wire [31:0]       rdata,
  input wire [1:0]        rresp,
  input wire              rvalid,
  input wire              rready
);

  wire aw_hs = awvalid && awready;
  wire w_hs  = wvalid && wready;
  wire b_hs  = bvalid && bready;
  wire ar_hs = arvalid && arready;
  wire r_hs  = rvalid && rready;

  // Taken and not yet answered.
  logic [15:0] aw_open, w_open, ar_open;

  always @(posedge clk) begin
    aw_open <= aw_open + 16'(aw_hs) - 16'(b_hs);
    w_open  <= w_open + 16'(w_hs) - 16'(b_hs);
    ar_open <= ar_open + 16'(ar_hs) - 16'(r_hs);
    if (rst) begin
      aw_open <= '0;
      w_open  <= '0;
      ar_open <= '0;
    end
  end

  always @(posedge clk) begin
    if (!rst && !$past(rst)) begin
      if ($past(awvalid && !awready)) begin
        assert (awvalid) else $error("AXI4-Lite AW: AWVALID dropped before AWREADY");
        assert (!awvalid || awaddr == $past(awaddr))
          else $error("AXI4-Lite AW: address changed while waiting for AWREADY");
      end
      if ($past(wvalid && !wready)) begin
        assert (wvalid) else $error("AXI4-Lite W: WVALID dropped before WREADY");
        assert (!wvalid || {wdata, wstrb} == $past({wdata, wstrb}))
          else $error("AXI4-Lite W: data or strobes changed while waiting for WREADY");
      end
      if ($past(arvalid && !arready)) begin
        assert (arvalid) else $error("AXI4-Lite AR: ARVALID dropped before ARREADY");
        assert (!arvalid || araddr == $past(araddr))
          else $error("AXI4-Lite AR: address changed while waiting for ARREADY");
      end
      if ($past(bvalid && !bready)) begin
        assert (bvalid) else $error("AXI4-Lite B: BVALID dropped before BREADY");
        assert (!bvalid || bresp == $past(bresp))
          else $error("AXI4-Lite B: BRESP changed while waiting for BREADY");
      end
      if ($past(rvalid && !rready)) begin
        assert (rvalid) else $error("AXI4-Lite R: RVALID dropped before RREADY");
        assert (!rvalid || {rdata, rresp} == $past({rdata, rresp}))
          else $error("AXI4-Lite R: data or response changed while waiting for RREADY");
      end
    end
    if (!rst && b_hs) begin
      assert (aw_open != '0 && w_open != '0)
        else $error("AXI4-Lite B without a write address and data taken before it");
    end
    if (!rst && r_hs) begin
      assert (ar_open != '0) else $error("AXI4-Lite R without a read address taken before it");
    end
  end

endmodule
/* verilator coverage_on */

`resetall
