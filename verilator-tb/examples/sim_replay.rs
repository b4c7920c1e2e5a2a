//! Replays a recording of the whole-NIC model's ports and times the model alone.
//!
//! Record with `NIC_SIM_RECORD=/tmp/rec nicctl demo --bytes 4M` (every model
//! the process builds writes `/tmp/rec.<n>`, a 512-bit one `/tmp/rec.512.<n>`: each cycle's inputs and the
//! outputs seen before the rising edge), then
//!
//! ```text
//! cargo run --release -p verilator-tb --example sim_replay -- /tmp/rec.0 [/tmp/rec.1 ...]
//! ```
//!
//! feeds the recorded inputs to a fresh `nic_top`, one `nic_sim_step` per
//! cycle, and checks every cycle's outputs against the recording. It prints
//! the cycles, the wall time spent stepping and the cycles per second. Because
//! the harness only ever reacts to outputs, a recording made before an RTL or
//! build change that replays with no mismatch after it proves the change
//! invisible at nic_top's ports on that traffic.

use std::process::ExitCode;
use std::time::Instant;
use verilator_tb::ffi::{Inputs, Outputs, Rtl};

const MAGIC: &[u8; 8] = b"NICREC3\0";
const HEADER: usize = 24;

/// The recording's cycles and the datapath width of the model that made it.
fn load(path: &str) -> Result<(Vec<(Inputs, Outputs)>, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let (isz, osz) = (size_of::<Inputs>(), size_of::<Outputs>());
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(format!("{path}: not a NIC_SIM_RECORD file"));
    }
    let field = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    if field(8) != isz || field(12) != osz {
        return Err(format!(
            "{path}: recorded with struct sizes {}/{}, this build has {isz}/{osz}",
            field(8),
            field(12)
        ));
    }
    let bits = field(16) as u32;
    let body = &bytes[HEADER..];
    let rec = isz + osz;
    let recs = body
        .chunks_exact(rec)
        .map(|c| {
            // SAFETY: both structs are repr(C) with integer fields only, so any
            // bytes are a valid value; the chunk holds isz + osz bytes and
            // read_unaligned does not need alignment.
            unsafe {
                (
                    std::ptr::read_unaligned(c.as_ptr().cast::<Inputs>()),
                    std::ptr::read_unaligned(c[isz..].as_ptr().cast::<Outputs>()),
                )
            }
        })
        .collect();
    Ok((recs, bits))
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: sim_replay RECORDING...");
        return ExitCode::from(2);
    }
    let mut failed = false;
    let (mut all_cycles, mut all_secs) = (0u64, 0f64);
    for path in &paths {
        let (recs, bits) = match load(path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let Some(mut rtl) = Rtl::with_width(bits, None) else {
            eprintln!("{path}: recorded from a {bits}-bit model; this build has 64 and 512");
            return ExitCode::from(2);
        };
        let mut mismatches = 0u64;
        let mut first = None;
        let start = Instant::now();
        for (cycle, (inp, want)) in recs.iter().enumerate() {
            let got = rtl.step(inp);
            if got != *want {
                mismatches += 1;
                first.get_or_insert((cycle, got, *want));
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let n = recs.len() as u64;
        all_cycles += n;
        all_secs += secs;
        println!(
            "{path}: {n} cycles in {secs:.3} s = {:.3} M cycles/s, {mismatches} mismatching cycles",
            n as f64 / secs / 1e6
        );
        if let Some((cycle, got, want)) = first {
            failed = true;
            println!("  first mismatch at cycle {cycle}:\n  got  {got:?}\n  want {want:?}");
        }
    }
    if paths.len() > 1 {
        println!(
            "total: {all_cycles} cycles in {all_secs:.3} s = {:.3} M cycles/s",
            all_cycles as f64 / all_secs / 1e6
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
