//! Writes `hdl/nic_pkg.sv` and `docs/contract.md` from the contract.
//! Run from anywhere: `cargo run -p firmware-model --bin gen-contract`.

use firmware_model::contract_gen::{render_markdown, render_sv_package, DOC_PATH, SV_PACKAGE_PATH};
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (path, text) in [
        (SV_PACKAGE_PATH, render_sv_package()),
        (DOC_PATH, render_markdown()),
    ] {
        std::fs::write(root.join(path), text)?;
        println!("wrote {path}");
    }
    Ok(())
}
