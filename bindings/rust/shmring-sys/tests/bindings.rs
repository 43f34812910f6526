//! The committed FFI (`src/bindings.rs`) is what bindgen makes of the header.

/// Every function the bundled header declares is bound (needs no libclang).
#[test]
fn every_function_of_the_header_is_bound() {
    let header = include_str!("../c/include/shmring.h");
    let bindings = include_str!("../src/bindings.rs");
    let mut declared = Vec::new();
    for (at, _) in header.match_indices("shmring_") {
        let name: String = header[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let after = header[at + name.len()..].trim_start();
        let is_type = name.ends_with("_t");
        if !is_type && after.starts_with('(') && !declared.contains(&name) {
            declared.push(name);
        }
    }
    assert!(declared.len() > 30, "found only {declared:?} in the header");
    let missing: Vec<_> = declared
        .iter()
        .filter(|name| !bindings.contains(&format!("pub fn {name}(")))
        .collect();
    assert!(missing.is_empty(), "src/bindings.rs lacks {missing:?}: run scripts/regenerate-rust-bindings.sh");
}

/// Exactly what bindgen generates now (feature `bindgen`, needs libclang).
#[cfg(feature = "bindgen")]
#[test]
fn committed_bindings_are_what_bindgen_generates() {
    let fresh = include_str!(concat!(env!("OUT_DIR"), "/bindings.rs"));
    assert!(
        include_str!("../src/bindings.rs") == fresh,
        "src/bindings.rs differs from bindgen's output for c/include/shmring.h: run scripts/regenerate-rust-bindings.sh"
    );
}
