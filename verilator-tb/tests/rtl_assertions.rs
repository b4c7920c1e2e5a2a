//! The checkers bound into the whole NIC (`hdl/check/nic_binds.sv`) run in
//! the model `SimNic` uses, and their failures reach Rust: a read response
//! the NIC never asked for fires the DMA checkers with their messages, while
//! a NIC that is only reset and left idle fires nothing.

use verilator_tb::ffi::{Inputs, Rtl};

fn reset(rtl: &mut Rtl) -> Inputs {
    let mut i = Inputs {
        rst: 1,
        ..Default::default()
    };
    for _ in 0..8 {
        rtl.step(&i);
    }
    i.rst = 0;
    i
}

#[test]
fn an_idle_nic_fires_no_checker() {
    let mut rtl = Rtl::new(None);
    let i = reset(&mut rtl);
    for _ in 0..1000 {
        rtl.step(&i);
    }
    assert!(!rtl.failed(), "{:?}", rtl.take_failures());
}

#[test]
fn a_read_response_nobody_asked_for_fires_the_dma_checkers_with_their_messages() {
    let mut rtl = Rtl::new(None);
    let mut i = reset(&mut rtl);
    rtl.step(&i);
    assert!(!rtl.failed());
    // An R beat on the control master for ID 1 (the RX engine's descriptor
    // reads) with no read outstanding.
    i.ctl.rvalid = 1;
    i.ctl.rid = 1;
    i.ctl.rlast = 1;
    let o = rtl.step(&i);
    assert_eq!(o.ctl.rready, 1, "the RX engine takes descriptor beats");
    let failures = rtl.take_failures();
    assert_eq!(failures.len(), 1, "one failing cycle: {failures:?}");
    let msg = &failures[0];
    for want in [
        "nic_top.chk_dma_ctl",
        "nic_top.u_ic_ctl.chk_ic.u_master",
        "nic_top.u_ic_ctl.chk_ic.g_port[1].u_chk",
        "AXI4 R beat for ID 1 with no read outstanding",
    ] {
        assert!(msg.contains(want), "{want:?} missing from {msg}");
    }
    assert!(msg.starts_with("cycle 9: "), "{msg}");
}

#[test]
fn a_host_that_drops_a_bar0_request_is_caught_by_the_bar0_checker() {
    let mut rtl = Rtl::new(None);
    let mut i = reset(&mut rtl);
    // A write address without its data: BAR0 takes it and then waits for W ...
    i.s_axil_awvalid = 1;
    i.s_axil_awaddr = 0x10;
    assert_eq!(rtl.step(&i).s_axil_awready, 1);
    // ... so a second address waits for AWREADY; withdrawing it breaks the rule.
    i.s_axil_awaddr = 0x14;
    assert_eq!(rtl.step(&i).s_axil_awready, 0);
    assert!(!rtl.failed(), "{:?}", rtl.take_failures());
    i.s_axil_awvalid = 0;
    rtl.step(&i);
    let f = rtl.take_failures();
    assert!(
        f.len() == 1
            && f[0].contains("nic_top.chk_bar0")
            && f[0].contains("AXI4-Lite AW: VALID dropped before READY"),
        "{f:?}"
    );
}
