//! Verilates each offload engine at each datapath width as its own model and
//! compiles it, the Verilator runtime and `engine_shim.cpp` with `cc` at -O2;
//! and the same for the modules benched alone (`module_shim.cpp`). Each model
//! comes with the protocol checkers of `hdl/check/` bound to its ports (the
//! bind file for its module), under `--assert` (build_support.rs). One more
//! model, `check_tb`, is the checkers' own test bench (`check_shim.cpp`).

#[path = "../build_support.rs"]
mod build_support;

use std::path::{Path, PathBuf};

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
/// define `P_K=V`. The cpl writer's sizing is the queue engines' (NQ 8 as in
/// `nic_top`, DEPTH 64, BATCH 4, MAX_OUT 16).
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
        &["NQ=8", "DEPTH=64", "BATCH=4", "MAX_OUT=16"],
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
    println!("cargo:rerun-if-changed=check_shim.cpp");
    println!("cargo:rerun-if-changed=../build_support.rs");
    let check_dir = root.join("hdl/check");
    println!("cargo:rerun-if-changed={}", check_dir.display());
    for e in std::fs::read_dir(&check_dir)
        .expect("hdl/check exists")
        .flatten()
    {
        println!("cargo:rerun-if-changed={}", e.path().display());
    }
    let tools = build_support::Tools::new(root.join("verilator-tb/csrc"));
    for &(name, top, src, width, kind) in VARIANTS {
        println!("cargo:rerun-if-changed={}", root.join(src).display());
        let mut args = vec![
            "--top-module".into(),
            top.into(),
            format!("-GDATA_W={width}"),
            src.into(),
        ];
        args.extend(CHECKERS.iter().map(|c| c.to_string()));
        args.push("hdl/check/nic_engine_binds.sv".into());
        let model = Model {
            root: &root,
            out: &out,
            name,
            kind,
            shim: "engine_shim.cpp",
        };
        model.build(&tools, &args, &[]);
    }
    println!("cargo:rerun-if-changed=module_shim.cpp");
    for &(name, top, srcs, params, kind) in MODULES {
        for src in srcs {
            println!("cargo:rerun-if-changed={}", root.join(src).display());
        }
        let mut args = vec!["--top-module".to_string(), top.to_string()];
        args.extend(params.iter().map(|p| format!("-G{p}")));
        args.extend(srcs.iter().map(|s| s.to_string()));
        args.extend(CHECKERS.iter().map(|c| c.to_string()));
        args.push(module_binds(kind).into());
        if kind == "MOD_ICX" {
            // Alone, the interconnect carries any AXI4 burst (hdl/check/nic_ic_binds.sv).
            args.push("+define+NIC_CHECK_ANY_AXI4".into());
        }
        let model = Model {
            root: &root,
            out: &out,
            name,
            kind,
            shim: "module_shim.cpp",
        };
        model.build(&tools, &args, params);
    }

    // The checkers' test bench.
    let mut args: Vec<String> = vec!["--top-module".into(), "nic_check_tb".into()];
    args.extend(CHECKERS.iter().map(|c| c.to_string()));
    args.push("hdl/check/nic_check_tb.sv".into());
    let inputs = model_inputs(&root, &args, "check_shim.cpp");
    tools.cached(
        &out,
        &root,
        "check_tb",
        &inputs,
        &format!("{args:?}"),
        |dir| {
            let files = tools.verilate(&root, &out.join("obj_check_tb"), "Vcheck_tb", &args);
            let mut b = tools.cc_build();
            b.include(out.join("obj_check_tb"));
            let mut sources = vec![PathBuf::from("check_shim.cpp")];
            sources.extend(files);
            tools.compile_model(&b, &sources, dir, "check_tb");
        },
    );

    tools.link_runtime(&out, "verilated_rt_eng");
}

/// The checker modules every model and the checkers' bench include.
const CHECKERS: &[&str] = &[
    "hdl/check/nic_hs_check.sv",
    "hdl/check/nic_axi4_check.sv",
    "hdl/check/nic_axis_check.sv",
    "hdl/check/nic_axil_check.sv",
    "hdl/check/nic_ic_check.sv",
    "hdl/check/nic_cpl_check.sv",
    "hdl/check/nic_rxbuf_check.sv",
];

/// The bind file that attaches the checkers to a benched module.
fn module_binds(kind: &str) -> &'static str {
    match kind {
        "MOD_ICX" => "hdl/check/nic_ic_binds.sv",
        "MOD_CPL" => "hdl/check/nic_cpl_binds.sv",
        "MOD_CSR" => "hdl/check/nic_csr_binds.sv",
        k => panic!("no checker binds for module kind {k}"),
    }
}

/// The files a model is made from: every Verilator argument that names a file
/// under `root`, and its shim.
fn model_inputs(root: &Path, args: &[String], shim: &str) -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = args
        .iter()
        .map(|a| root.join(a))
        .filter(|p| p.is_file())
        .collect();
    inputs.push(PathBuf::from(shim));
    inputs
}

/// One model of a module alone, compiled with its shim, which it names through
/// the defines `VTOP`, `VHDR`, `VNAME`, `FN(x)` and `kind`.
struct Model<'a> {
    root: &'a Path,
    out: &'a Path,
    name: &'a str,
    kind: &'a str,
    shim: &'a str,
}

impl Model<'_> {
    /// Verilates `args` and compiles the result with the shim (from the cache when there);
    /// each parameter `K=V` of `params` is also the shim's define `P_K=V`.
    fn build(&self, tools: &build_support::Tools, args: &[String], params: &[&str]) {
        let Model {
            root,
            out,
            name,
            kind,
            shim,
        } = *self;
        let prefix = format!("V{name}");
        let inputs = model_inputs(root, args, shim);
        let key = format!("{args:?} {kind}");
        tools.cached(out, root, name, &inputs, &key, |dir| {
            let mdir = out.join(format!("obj_{name}"));
            let files = tools.verilate(root, &mdir, &prefix, args);
            let mut b = tools.cc_build();
            b.include(&mdir)
                .define("VTOP", prefix.as_str())
                .define("VHDR", format!("\"{prefix}.h\"").as_str())
                .define("VNAME", format!("\"{name}\"").as_str())
                .define(kind, "1")
                .define("FN(x)", format!("{name}_##x").as_str());
            for p in params {
                let (k, v) = p.split_once('=').expect("parameter K=V");
                b.define(&format!("P_{k}"), v);
            }
            let mut sources = vec![PathBuf::from(shim)];
            sources.extend(files);
            tools.compile_model(&b, &sources, dir, name);
        });
    }
}
