//! Verilates `hdl/` (top `nic_top`, filelist `hdl/nic.f`) and compiles the
//! generated C++, the Verilator runtime and our `extern "C"` shim with the
//! `cc` crate, at -O2 whatever the cargo profile.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let hdl = root.join("hdl");

    println!("cargo:rerun-if-changed={}", hdl.display());
    for e in std::fs::read_dir(&hdl).expect("hdl/ exists").flatten() {
        println!("cargo:rerun-if-changed={}", e.path().display());
    }
    println!("cargo:rerun-if-changed=csrc/nic_shim.cpp");

    let vroot = verilator_root();
    let mdir = out.join("obj_dir");
    let _ = std::fs::remove_dir_all(&mdir);
    let status = Command::new("verilator")
        .current_dir(&root)
        .args(["--cc", "-O3", "--x-assign", "fast", "--x-initial", "fast", "--no-timing"])
        .args(["--trace-fst", "--trace-structs", "--prefix", "Vnic_top", "--Mdir"])
        .arg(&mdir)
        .args(["-f", "hdl/nic.f"])
        .status()
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}); install it with `apt-get install verilator` or run ./scripts/setup.sh"));
    assert!(
        status.success(),
        "verilator failed on hdl/nic.f (see the messages above)"
    );

    let mut model = cc_build(&vroot);
    model.include(&mdir).file("csrc/nic_shim.cpp");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&mdir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
        .collect();
    files.sort();
    model.files(&files);
    model.compile("nic_rtl");

    // The Verilator runtime does not change with the design: build it once per OUT_DIR.
    let rt = out.join("libverilated_rt.a");
    if !rt.exists() {
        let mut b = cc_build(&vroot);
        for f in [
            "verilated.cpp",
            "verilated_threads.cpp",
            "verilated_fst_c.cpp",
        ] {
            b.file(vroot.join("include").join(f));
        }
        b.cargo_metadata(false).compile("verilated_rt");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=verilated_rt");
    println!("cargo:rustc-link-lib=stdc++");
    println!("cargo:rustc-link-lib=z");
    println!("cargo:rustc-link-lib=pthread");
    println!("cargo:rustc-link-lib=atomic");
}

fn verilator_root() -> PathBuf {
    let o = Command::new("verilator")
        .arg("--getenv")
        .arg("VERILATOR_ROOT")
        .output();
    match o {
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
