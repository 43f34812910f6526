//! Generates the FFI from `c/include/shmring.h` with bindgen, and either
//! compiles the C core from `c/src/*.c` (default) or links the installed
//! `libshmring.so.1` (feature `system`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    // c/ is a copy of the repository's c/include and c/src (scripts/sync-vendored.sh),
    // so that the published crate carries the C core.
    let c_dir = manifest_dir.join("c");
    let header_dir = if env::var_os("CARGO_FEATURE_SYSTEM").is_some() {
        link_installed_library()
    } else {
        compile_core(&c_dir);
        c_dir.join("include")
    };
    generate_bindings(&header_dir.join("shmring.h"));
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

/// Links `-lshmring` as found by `pkg-config shmring` (or the default
/// library path); returns the directory of the installed header.
fn link_installed_library() -> PathBuf {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let mut include_dir = PathBuf::from("/usr/local/include");
    if let Ok(out) = Command::new("pkg-config")
        .args(["--cflags", "--libs", "shmring"])
        .output()
    {
        for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-I") {
                include_dir = PathBuf::from(dir);
            } else if let Some(dir) = flag.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
            }
        }
    }
    println!("cargo:rustc-link-lib=dylib=shmring");
    include_dir
}

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
