`resetall
`timescale 1ns / 1ps
`default_nettype none

// Bound into nic_axi_interconnect (hdl/check/nic_binds.sv): one nic_axi4_check per client port
// (ID-less: ID 0, a whole beat's size and INCR stand in for the signals a client does not have,
// as the interconnect supplies them) and one on the joined master port. Port connections mirror
// nic_axi_interconnect's ports, so a change of NPORTS needs nothing here.
/* verilator coverage_off */
module nic_ic_check #(
  parameter int NPORTS    = 2,
  parameter int ID_W      = 1,
  parameter int DEPTH     = 256,
  parameter int MAX_BEATS = 16,
  parameter int DATA_W    = 64,
  localparam int KW       = DATA_W / 8,
  localparam logic [2:0] SIZE = 3'($clog2(KW))
) (
  input wire                    clk,
  input wire                    rst,
  input wire [NPORTS-1:0][63:0] s_axi_araddr,
  input wire [NPORTS-1:0][7:0]  s_axi_arlen,
  input wire [NPORTS-1:0]       s_axi_arvalid,
  input wire [NPORTS-1:0]       s_axi_arready,
  input wire [DATA_W-1:0]       s_axi_rdata,
  input wire [1:0]              s_axi_rresp,
  input wire                    s_axi_rlast,
  input wire [NPORTS-1:0]       s_axi_rvalid,
  input wire [NPORTS-1:0]       s_axi_rready,
  input wire [NPORTS-1:0][63:0] s_axi_awaddr,
  input wire [NPORTS-1:0][7:0]  s_axi_awlen,
  input wire [NPORTS-1:0]       s_axi_awvalid,
  input wire [NPORTS-1:0]       s_axi_awready,
  input wire [NPORTS-1:0][DATA_W-1:0] s_axi_wdata,
  input wire [NPORTS-1:0][KW-1:0] s_axi_wstrb,
  input wire [NPORTS-1:0]       s_axi_wlast,
  input wire [NPORTS-1:0]       s_axi_wvalid,
  input wire [NPORTS-1:0]       s_axi_wready,
  input wire [1:0]              s_axi_bresp,
  input wire [NPORTS-1:0]       s_axi_bvalid,
  input wire [NPORTS-1:0]       s_axi_bready,
  input wire [ID_W-1:0]         m_axi_awid,
  input wire [63:0]             m_axi_awaddr,
  input wire [7:0]              m_axi_awlen,
  input wire [2:0]              m_axi_awsize,
  input wire [1:0]              m_axi_awburst,
  input wire                    m_axi_awvalid,
  input wire                    m_axi_awready,
  input wire [DATA_W-1:0]       m_axi_wdata,
  input wire [KW-1:0]           m_axi_wstrb,
  input wire                    m_axi_wlast,
  input wire                    m_axi_wvalid,
  input wire                    m_axi_wready,
  input wire [ID_W-1:0]         m_axi_bid,
  input wire [1:0]              m_axi_bresp,
  input wire                    m_axi_bvalid,
  input wire                    m_axi_bready,
  input wire [ID_W-1:0]         m_axi_arid,
  input wire [63:0]             m_axi_araddr,
  input wire [7:0]              m_axi_arlen,
  input wire [2:0]              m_axi_arsize,
  input wire [1:0]              m_axi_arburst,
  input wire                    m_axi_arvalid,
  input wire                    m_axi_arready,
  input wire [ID_W-1:0]         m_axi_rid,
  input wire [DATA_W-1:0]       m_axi_rdata,
  input wire [1:0]              m_axi_rresp,
  input wire                    m_axi_rlast,
  input wire                    m_axi_rvalid,
  input wire                    m_axi_rready
);

  for (genvar p = 0; p < NPORTS; p++) begin : g_port
    nic_axi4_check #(.ID_W(1), .DEPTH(DEPTH), .MAX_BEATS(MAX_BEATS), .DATA_W(DATA_W)) u_chk (
      .clk     (clk),
      .rst     (rst),
      .awid    (1'b0),
      .awaddr  (s_axi_awaddr[p]),
      .awlen   (s_axi_awlen[p]),
      .awsize  (SIZE),
      .awburst (2'b01),
      .awvalid (s_axi_awvalid[p]),
      .awready (s_axi_awready[p]),
      .wdata   (s_axi_wdata[p]),
      .wstrb   (s_axi_wstrb[p]),
      .wlast   (s_axi_wlast[p]),
      .wvalid  (s_axi_wvalid[p]),
      .wready  (s_axi_wready[p]),
      .bid     (1'b0),
      .bresp   (s_axi_bresp),
      .bvalid  (s_axi_bvalid[p]),
      .bready  (s_axi_bready[p]),
      .arid    (1'b0),
      .araddr  (s_axi_araddr[p]),
      .arlen   (s_axi_arlen[p]),
      .arsize  (SIZE),
      .arburst (2'b01),
      .arvalid (s_axi_arvalid[p]),
      .arready (s_axi_arready[p]),
      .rid     (1'b0),
      .rdata   (s_axi_rdata),
      .rresp   (s_axi_rresp),
      .rlast   (s_axi_rlast),
      .rvalid  (s_axi_rvalid[p]),
      .rready  (s_axi_rready[p])
    );
  end

  nic_axi4_check #(.ID_W(ID_W), .DEPTH(DEPTH), .MAX_BEATS(MAX_BEATS), .DATA_W(DATA_W))
    u_master (
    .clk     (clk),
    .rst     (rst),
    .awid    (m_axi_awid),
    .awaddr  (m_axi_awaddr),
    .awlen   (m_axi_awlen),
    .awsize  (m_axi_awsize),
    .awburst (m_axi_awburst),
    .awvalid (m_axi_awvalid),
    .awready (m_axi_awready),
    .wdata   (m_axi_wdata),
    .wstrb   (m_axi_wstrb),
    .wlast   (m_axi_wlast),
    .wvalid  (m_axi_wvalid),
    .wready  (m_axi_wready),
    .bid     (m_axi_bid),
    .bresp   (m_axi_bresp),
    .bvalid  (m_axi_bvalid),
    .bready  (m_axi_bready),
    .arid    (m_axi_arid),
    .araddr  (m_axi_araddr),
    .arlen   (m_axi_arlen),
    .arsize  (m_axi_arsize),
    .arburst (m_axi_arburst),
    .arvalid (m_axi_arvalid),
    .arready (m_axi_arready),
    .rid     (m_axi_rid),
    .rdata   (m_axi_rdata),
    .rresp   (m_axi_rresp),
    .rlast   (m_axi_rlast),
    .rvalid  (m_axi_rvalid),
    .rready  (m_axi_rready)
  );

endmodule
/* verilator coverage_on */

`resetall
