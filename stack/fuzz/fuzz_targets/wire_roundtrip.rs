//! cargo-fuzz entry point; the body is [`stack_fuzz::wire_roundtrip`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stack_fuzz::wire_roundtrip(data));
