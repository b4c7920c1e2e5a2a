--top-module nic_top
// Verilator 5.006 reports UNUSEDPARAM for every nic_pkg parameter that no module reads (e.g. the
// record layouts); the package is generated and must not be edited, so the rule is off here.
-Wno-UNUSEDPARAM
hdl/nic_pkg.sv
hdl/nic_tx_engine.sv
hdl/nic_rx_engine.sv
hdl/nic_axi_arbiter.sv
hdl/nic_csr.sv
hdl/nic_top.sv
