`resetall
`timescale 1ns / 1ps
`default_nettype none

// Valid/ready handshake checker for a side channel (the TX checksum command, the RX checksum and
// RSS results): VALID, once high, stays high until READY, and the W-bit payload does not change
// while it waits. A failure is a $error; Verilator names the failing instance.
/* verilator coverage_off */
module nic_hs_check #(
  parameter int W = 1
) (
  input wire         clk,
  input wire         rst,
  input wire         valid,
  input wire         ready,
  input wire [W-1:0] payload
);

  always @(posedge clk) begin
    if (!rst && !$past(rst) && $past(valid && !ready)) begin
      assert (valid) else $error("VALID dropped before READY");
      assert (!valid || payload == $past(payload))
        else $error("payload changed while waiting for READY (%h, was %h)", payload, $past(payload));
    end
  end

endmodule
/* verilator coverage_on */

`resetall
