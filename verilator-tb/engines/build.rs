//! Verilates each offload engine at each datapath width as its own model and
//! compiles it, the Verilator runtime and `engine_shim.cpp` with `cc` at -O2.

#[path = "../build_support.rs"]
mod build_support;

use std::path::PathBuf;

/// (symbol prefix, top module, source file, DATA_W, TX or RX shim)
const VARIANTS: &[(&str, &str, &str, u32, bool)] = &[
    ("tx_csum_64", "nic_tx_csum", "hdl/nic_tx_csum.sv", 64, true),
    (
        "tx_csum_512",
        "nic_tx_csum",
        "hdl/nic_tx_csum.sv",
        512,
        true,
    ),
    ("rx_csum_64", "nic_rx_csum", "hdl/nic_rx_csum.sv", 64, false),
    (
        "rx_csum_512",
        "nic_rx_csum",
        "hdl/nic_rx_csum.sv",
        512,
        false,
    ),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest
        .join("../..")
        .canonicalize()
        .expect("repository root");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=engine_shim.cpp");
    println!("cargo:rerun-if-changed=../build_support.rs");
    let vroot = build_support::verilator_root();
    for &(name, top, src, width, is_tx) in VARIANTS {
        println!("cargo:rerun-if-changed={}", root.join(src).display());
        let prefix = format!("V{name}");
        let args = [
            "--top-module".into(),
            top.into(),
            format!("-GDATA_W={width}"),
            src.into(),
        ];
        let files =
            build_support::verilate(&root, &out.join(format!("obj_{name}")), &prefix, &args);
        let mut b = build_support::cc_build(&vroot);
        b.include(out.join(format!("obj_{name}")))
            .file("engine_shim.cpp")
            .define("VTOP", prefix.as_str())
            .define("VHDR", format!("\"{prefix}.h\"").as_str())
            .define(if is_tx { "ENGINE_TX" } else { "ENGINE_RX" }, "1")
            .define("FN(x)", format!("{name}_##x").as_str());
        b.files(&files).compile(name);
    }
    build_support::link_runtime(&vroot, &out, "verilated_rt_eng");
}
