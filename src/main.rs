//! The `factwatch` binary: parses the command line and hands over to `cli`.
fn main() {}
