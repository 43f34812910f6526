//! The crate's release is the version of the C core it links.

#[test]
fn crate_version_is_the_core_version() {
    let v = shmring::version();
    let core = format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff);
    assert_eq!(core, env!("CARGO_PKG_VERSION"), "run scripts/sync-vendored.sh");
}
