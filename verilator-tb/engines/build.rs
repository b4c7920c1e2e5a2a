//! Verilates each offload engine at each datapath width as its own model and
//! compiles it, the Verilator runtime and `engine_shim.cpp` with `cc` at -O2.

#[path = "../build_support.rs"]
mod build_support;

use std::path::PathBuf;

/// (symbol prefix, top module, source file, DATA_W, shim kind: the
/// `ENGINE_*` define that selects the engine's side ports in the shim)
const VARIANTS: &[(&str, &str, &str, u32, &str)] = &[
    (
        "tx_csum_64",
        "nic_tx_csum",
        "hdl/nic_tx_csum.sv",
        64,
        "ENGINE_TX",
    ),
    (
        "tx_csum_512",
        "nic_tx_csum",
        "hdl/nic_tx_csum.sv",
        512,
        "ENGINE_TX",
    ),
    (
        "rx_csum_64",
        "nic_rx_csum",
        "hdl/nic_rx_csum.sv",
        64,
        "ENGINE_RX",
    ),
    (
        "rx_csum_512",
        "nic_rx_csum",
        "hdl/nic_rx_csum.sv",
        512,
        "ENGINE_RX",
    ),
    (
        "rx_rss_64",
        "nic_rx_rss",
        "hdl/nic_rx_rss.sv",
        64,
        "ENGINE_RSS",
    ),
    (
        "rx_rss_512",
        "nic_rx_rss",
        "hdl/nic_rx_rss.sv",
        512,
        "ENGINE_RSS",
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
    for &(name, top, src, width, kind) in VARIANTS {
        println!("cargo:rerun-if-changed={}", root.join(src).display());
        let prefix = format!("V{name}");
        let mut args = vec![
            "--top-module".into(),
            top.into(),
            format!("-GDATA_W={width}"),
            src.into(),
        ];
        if kind == "ENGINE_RSS" {
            // Its clocked invariants run in every simulation.
            args.push("--assert".into());
        }
        let files =
            build_support::verilate(&root, &out.join(format!("obj_{name}")), &prefix, &args);
        let mut b = build_support::cc_build(&vroot);
        b.include(out.join(format!("obj_{name}")))
            .file("engine_shim.cpp")
            .define("VTOP", prefix.as_str())
            .define("VHDR", format!("\"{prefix}.h\"").as_str())
            .define(kind, "1")
            .define("FN(x)", format!("{name}_##x").as_str());
        b.files(&files).compile(name);
    }
    build_support::link_runtime(&vroot, &out, "verilated_rt_eng");
}
