//! cargo-fuzz entry point; the body is [`firmware_model_fuzz::nic_model`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| firmware_model_fuzz::nic_model(data));
