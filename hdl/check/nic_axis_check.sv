`resetall
`timescale 1ns / 1ps
`default_nettype none

// AXI-Stream protocol checker for one stream (all ports are inputs), as the NIC's streams are
// specified (docs/nic.md, "The RTL's ports"; hdl/README.md, checksum engines):
//   - TVALID, once high, stays high until TREADY;
//   - TDATA, TKEEP, TLAST and TUSER do not change while TVALID waits for TREADY;
//   - every beat carries at least one byte, its TKEEP bits are contiguous from bit 0, and every
//     beat but a frame's last has all TKEEP bits set.
// A failure is a $error (Verilator names the failing instance); see docs/testing.md, "RTL checkers".
/* verilator coverage_off */
module nic_axis_check #(
  parameter int DATA_W = 64
) (
  input wire                clk,
  input wire                rst,
  input wire [DATA_W-1:0]   tdata,
  input wire [DATA_W/8-1:0] tkeep,
  input wire                tvalid,
  input wire                tready,
  input wire                tlast,
  input wire                tuser
);

  localparam int KW = DATA_W / 8;

  nic_hs_check #(.W(DATA_W + KW + 2), .NAME("AXI-Stream")) u_hs (
    .clk (clk), .rst (rst), .valid (tvalid), .ready (tready),
    .payload ({tdata, tkeep, tlast, tuser})
  );

  always @(posedge clk) begin
    if (!rst && tvalid && tready) begin
      assert (tkeep != '0) else $error("AXI-Stream: beat with TKEEP 0");
      assert ((tkeep & (tkeep + KW'(1))) == '0)
        else $error("AXI-Stream: TKEEP %h not contiguous from byte 0", tkeep);
      assert (tlast || tkeep == '1)
        else $error("AXI-Stream: TKEEP %h on a beat that is not the frame's last", tkeep);
    end
  end

endmodule
/* verilator coverage_on */

`resetall
