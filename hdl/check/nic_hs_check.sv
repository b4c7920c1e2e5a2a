`resetall
`timescale 1ns / 1ps
`default_nettype none

// Valid/ready handshake checker, the rule every channel of the NIC follows (AXI4, AXI4-Lite,
// AXI-Stream and the side channels: the TX checksum command, the RX checksum and RSS results):
// VALID, once high, stays high until READY, and the W-bit payload does not change while it waits.
// A failure is a $error starting with NAME (Verilator's message names the failing instance).
//
// The previous cycle is kept in explicit flops rather than with $past: $past makes Verilator
// sample signals at the start of eval(), which the whole-NIC shim's fast rising edge skips
// (verilator-tb/csrc/nic_shim.cpp); the two are the same under one clock. The payload is kept
// only in a cycle that waits, so a simulator copies nothing while the channel is idle or flowing.
/* verilator coverage_off */
module nic_hs_check #(
  parameter int    W    = 1,
  parameter string NAME = "valid/ready"
) (
  input wire         clk,
  input wire         rst,
  input wire         valid,
  input wire         ready,
  input wire [W-1:0] payload
);

  logic         waiting;   // last cycle: valid without ready, out of reset
  logic [W-1:0] held;      // last cycle's payload

  always @(posedge clk) begin
    if (!rst && waiting) begin
      assert (valid) else $error("%s: VALID dropped before READY", NAME);
      assert (!valid || payload == held)
        else $error("%s: payload changed while waiting for READY", NAME);
    end
    waiting <= !rst && valid && !ready;
    if (valid && !ready) held <= payload;   // read only in the cycle after such a one
  end

endmodule
/* verilator coverage_on */

`resetall
