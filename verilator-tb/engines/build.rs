//! Verilates each offload engine at each datapath width as its own model and
//! compiles it, the Verilator runtime and `engine_shim.cpp` with `cc` at -O2;
//! and the same for the modules benched alone (`module_shim.cpp`).

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

/// Modules benched alone: (symbol prefix, top module, sources, `-G` parameters,
/// shim kind: the `MOD_*` define that selects the module's ports in
/// `module_shim.cpp`). Each parameter `K=V` is also passed to the shim as the
/// define `P_K=V`. The cpl writer's sizing is the queue engines' (DEPTH 64,
/// BATCH 4, MAX_OUT 16).
type Module = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);
const MODULES: &[Module] = &[
    (
        "icx_2",
        "nic_axi_interconnect",
        &["hdl/nic_axi_interconnect.sv"],
        &["NPORTS=2", "ID_W=1"],
        "MOD_ICX",
    ),
    (
        "icx_4",
        "nic_axi_interconnect",
        &["hdl/nic_axi_interconnect.sv"],
        &["NPORTS=4", "ID_W=2"],
        "MOD_ICX",
    ),
    (
        "cpl_writer",
        "nic_cpl_writer",
        &["hdl/nic.vlt", "hdl/nic_pkg.sv", "hdl/nic_cpl_writer.sv"],
        &["DEPTH=64", "BATCH=4", "MAX_OUT=16"],
        "MOD_CPL",
    ),
    (
        "csr",
        "nic_csr",
        &["hdl/nic.vlt", "hdl/nic_pkg.sv", "hdl/nic_csr.sv"],
        &[],
        "MOD_CSR",
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
    println!("cargo:rerun-if-changed=module_shim.cpp");
    for &(name, top, srcs, params, kind) in MODULES {
        for src in srcs {
            println!("cargo:rerun-if-changed={}", root.join(src).display());
        }
        let prefix = format!("V{name}");
        let mut args = vec!["--top-module".to_string(), top.to_string()];
        args.extend(params.iter().map(|p| format!("-G{p}")));
        args.extend(srcs.iter().map(|s| s.to_string()));
        let mdir = out.join(format!("obj_{name}"));
        let files = build_support::verilate(&root, &mdir, &prefix, &args);
        let mut b = build_support::cc_build(&vroot);
        b.include(&mdir)
            .file("module_shim.cpp")
            .define("VTOP", prefix.as_str())
            .define("VHDR", format!("\"{prefix}.h\"").as_str())
            .define(kind, "1")
            .define("FN(x)", format!("{name}_##x").as_str());
        for p in params {
            let (k, v) = p.split_once('=').expect("parameter K=V");
            b.define(&format!("P_{k}"), v);
        }
        b.files(&files).compile(name);
    }
    build_support::link_runtime(&vroot, &out, "verilated_rt_eng");
}
