//! Compiles the C core from `c/src/*.c` (default; `c/` is the repository's
//! `c/include` and `c/src`, copied here by scripts/sync-vendored.sh so that
//! the published crate carries it) or links the installed `libshmring.so.1`
//! found by pkg-config (feature `system`).
//!
//! The FFI itself is `src/bindings.rs`, generated once by bindgen and
//! committed, so that users need no libclang. Feature `bindgen` also
//! generates it here, into `OUT_DIR`, for the test that compares the two
//! (`tests/bindings.rs`); `scripts/regenerate-bindings.sh` rewrites the
//! committed file.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    let c_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("c");
    if env::var_os("CARGO_FEATURE_SYSTEM").is_some() {
        link_installed_library();
    } else {
        compile_core(&c_dir);
    }
    #[cfg(feature = "bindgen")]
    generate_bindings(&c_dir.join("include/shmring.h"));
}

/// Compiles every `c/src/*.c` into a static archive linked into this crate.
fn compile_core(c_dir: &Path) {
    let src_dir = c_dir.join("src");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src_dir)
        .unwrap_or_else(|e| panic!("cannot list the C core in {}: {e}", src_dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
        .collect();
    sources.sort();
    println!("cargo:rerun-if-changed={}", src_dir.display());
    println!("cargo:rerun-if-changed={}", c_dir.join("include").display());
    cc::Build::new()
        .files(&sources)
        .include(c_dir.join("include"))
        .std("c11")
        .flag("-fvisibility=hidden")
        .compile("shmring");
    println!("cargo:rustc-link-lib=pthread");
}

/// Links `-lshmring` where `pkg-config shmring` says it is.
fn link_installed_library() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    match pkg_config::Config::new().atleast_version(env!("CARGO_PKG_VERSION")).probe("shmring") {
        Ok(_) => {}
        Err(e) => panic!(
            "feature `system`: pkg-config found no usable shmring.pc ({e}).\n\
             Install the C library (the libshmring-dev package, or the tarball, or \
             scripts/install-lib.sh), and if its lib/pkgconfig is not on pkg-config's \
             default path, point PKG_CONFIG_PATH at the directory holding shmring.pc; \
             or build without the `system` feature to compile the bundled C core."
        ),
    }
}

#[cfg(feature = "bindgen")]
fn generate_bindings(header: &Path) {
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = bindgen::Builder::default()
        .header(header.to_str().expect("header path is UTF-8"))
        .allowlist_function("shmring_.*")
        .allowlist_type("shmring_.*")
        .allowlist_var("SHMRING_.*")
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {}: {e}", header.display()));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    bindings
        .write_to_file(&out)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
