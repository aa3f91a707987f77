//! Builds the one C file of the engine: Redis's long double arithmetic for
//! INCRBYFLOAT (see c/long_double.c for why it is C).

fn main() {
    println!("cargo:rerun-if-changed=c/long_double.c");
    cc::Build::new()
        .file("c/long_double.c")
        .flag_if_supported("-std=c11")
        .warnings(true)
        .compile("shoal_long_double");
}
