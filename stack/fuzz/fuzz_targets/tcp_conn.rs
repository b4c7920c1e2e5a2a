//! cargo-fuzz entry point; the body is [`stack_fuzz::tcp_conn`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stack_fuzz::tcp_conn(data));
