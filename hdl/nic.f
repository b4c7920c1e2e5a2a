--top-module nic_top
hdl/nic.vlt
hdl/nic_pkg.sv
hdl/nic_cpl_writer.sv
hdl/nic_tx_engine.sv
hdl/nic_rx_engine.sv
hdl/nic_axi_interconnect.sv
hdl/nic_csr.sv
hdl/nic_tx_csum.sv
hdl/nic_rx_csum.sv
hdl/nic_rx_rss.sv
hdl/nic_rx_buffer.sv
hdl/nic_top.sv
