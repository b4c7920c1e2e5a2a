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
    if (aw_hs || w_hs || b_hs) begin
      aw_open <= aw_open + 16'(aw_hs) - 16'(b_hs);
      w_open  <= w_open + 16'(w_hs) - 16'(b_hs);
    end
    if (ar_hs || r_hs) ar_open <= ar_open + 16'(ar_hs) - 16'(r_hs);
    if (rst) begin
      aw_open <= '0;
      w_open  <= '0;
      ar_open <= '0;
    end
  end

  nic_hs_check #(.W(ADDR_W), .NAME("AXI4-Lite AW")) u_aw (
    .clk (clk), .rst (rst), .valid (awvalid), .ready (awready), .payload (awaddr)
  );
  nic_hs_check #(.W(36), .NAME("AXI4-Lite W")) u_w (
    .clk (clk), .rst (rst), .valid (wvalid), .ready (wready), .payload ({wdata, wstrb})
  );
  nic_hs_check #(.W(2), .NAME("AXI4-Lite B")) u_b (
    .clk (clk), .rst (rst), .valid (bvalid), .ready (bready), .payload (bresp)
  );
  nic_hs_check #(.W(ADDR_W), .NAME("AXI4-Lite AR")) u_ar (
    .clk (clk), .rst (rst), .valid (arvalid), .ready (arready), .payload (araddr)
  );
  nic_hs_check #(.W(34), .NAME("AXI4-Lite R")) u_r (
    .clk (clk), .rst (rst), .valid (rvalid), .ready (rready), .payload ({rdata, rresp})
  );

  always @(posedge clk) begin
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
