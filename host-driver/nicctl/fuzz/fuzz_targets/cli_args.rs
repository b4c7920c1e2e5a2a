//! cargo-fuzz entry point; the body is [`nicctl_fuzz::cli_args`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nicctl_fuzz::cli_args(data));
