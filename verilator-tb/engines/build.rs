//! Verilates each offload engine at each datapath width as its own model and
//! compiles it, the Verilator runtime and `engine_shim.cpp` with `cc` at -O2.

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let vroot = verilator_root();
    for &(name, top, src, width, is_tx) in VARIANTS {
        println!("cargo:rerun-if-changed={}", root.join(src).display());
        let mdir = out.join(format!("obj_{name}"));
        let _ = std::fs::remove_dir_all(&mdir);
        let prefix = format!("V{name}");
        let status = Command::new("verilator")
            .current_dir(&root)
            .args([
                "--cc",
                "-O3",
                "--x-assign",
                "fast",
                "--x-initial",
                "fast",
                "--no-timing",
            ])
            .args(["--trace-fst", "--prefix", &prefix, "--top-module", top])
            .arg(format!("-GDATA_W={width}"))
            .arg("--Mdir")
            .arg(&mdir)
            .arg(src)
            .status()
            .unwrap_or_else(|e| panic!("cannot run verilator ({e}); run scripts/setup"));
        assert!(
            status.success(),
            "verilator failed on {src} at DATA_W={width}"
        );
        let mut b = cc_build(&vroot);
        b.include(&mdir)
            .file("engine_shim.cpp")
            .define("VTOP", prefix.as_str())
            .define("VHDR", format!("\"{prefix}.h\"").as_str())
            .define(if is_tx { "ENGINE_TX" } else { "ENGINE_RX" }, "1")
            .define("FN(x)", format!("{name}_##x").as_str());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&mdir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
            .collect();
        files.sort();
        b.files(&files).compile(name);
    }
    let rt = out.join("libverilated_rt_eng.a");
    if !rt.exists() {
        let mut b = cc_build(&vroot);
        for f in [
            "verilated.cpp",
            "verilated_threads.cpp",
            "verilated_fst_c.cpp",
        ] {
            b.file(vroot.join("include").join(f));
        }
        b.cargo_metadata(false).compile("verilated_rt_eng");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=verilated_rt_eng");
    for lib in ["stdc++", "z", "pthread", "atomic"] {
        println!("cargo:rustc-link-lib={lib}");
    }
}

fn verilator_root() -> PathBuf {
    match Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
    {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => PathBuf::from("/usr/share/verilator"),
    }
}

fn cc_build(vroot: &Path) -> cc::Build {
    let mut b = cc::Build::new();
    b.cpp(true)
        .opt_level(2)
        .debug(false)
        .warnings(false)
        .std("gnu++17")
        .include(vroot.join("include"))
        .include(vroot.join("include/vltstd"))
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .define("VM_TRACE", "1")
        .define("VM_TRACE_FST", "1")
        .define("VM_TRACE_VCD", "0")
        .flag("-faligned-new")
        .flag("-Wno-bool-operation")
        .flag("-Wno-sign-compare")
        .flag("-Wno-unused-parameter")
        .flag("-Wno-unused-variable")
        .flag("-Wno-shadow");
    b
}
