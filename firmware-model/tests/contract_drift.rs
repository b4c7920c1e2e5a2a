//! The generated faces of the contract must match the contract.

use firmware_model::contract_gen::{render_markdown, render_sv_package, DOC_PATH, SV_PACKAGE_PATH};
use std::path::Path;

fn check(path: &str, expected: String) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let actual = std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()));
    assert!(
        actual == expected,
        "{path} has drifted from firmware-model/src/contract.rs; \
         run `cargo run -p firmware-model --bin gen-contract` and commit the result"
    );
}

#[test]
fn generated_files_match_contract() {
    check(SV_PACKAGE_PATH, render_sv_package());
    check(DOC_PATH, render_markdown());
}

#[test]
fn register_offsets_are_unique_and_aligned() {
    use firmware_model::contract::*;
    let mut seen = std::collections::BTreeSet::new();
    for t in [REGISTERS, STATS] {
        for it in t.items {
            assert_eq!(it.value % 4, 0, "{} is not 32-bit aligned", it.name);
            assert!(
                seen.insert(it.value),
                "{} reuses offset {:#x}",
                it.name,
                it.value
            );
            let blocks = limits::TXQ_BASE as u64
                ..(limits::RXQ_BASE + limits::MAX_QUEUES * limits::QUEUE_STRIDE) as u64;
            assert!(
                !blocks.contains(&it.value),
                "{} overlaps the queue blocks",
                it.name
            );
            assert!(
                it.value < limits::BAR0_SIZE as u64,
                "{} is outside BAR0",
                it.name
            );
        }
    }
    for it in QUEUE_REGISTERS.items {
        assert!(
            it.value < limits::QUEUE_STRIDE as u64,
            "{} outside the queue stride",
            it.name
        );
    }
}
