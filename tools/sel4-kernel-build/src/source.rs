//! Finding the pinned kernel source through `cargo metadata`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The registry crate whose `seL4/` folder is our kernel source.
pub const SEL4_SYS_VERSION: &str = "0.0.28";

/// The pristine kernel source as cargo unpacked it (never modified).
#[derive(Debug, Clone)]
pub struct KernelSource {
    /// The `seL4/` folder inside the unpacked crate.
    pub root: PathBuf,
    /// Text of its `VERSION` file (e.g. `5.0.0`).
    pub version: String,
}

/// Locates the kernel source of the workspace whose manifest is `workspace_manifest`.
pub fn locate_kernel_source(workspace_manifest: &Path) -> Result<KernelSource> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(workspace_manifest)
        .exec()
        .context("running `cargo metadata` to find the seL4 kernel source (crate sel4-sys)")?;
    let Some(package) = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == "sel4-sys" && p.version.to_string() == SEL4_SYS_VERSION)
    else {
        bail!(
            "the workspace does not depend on sel4-sys {SEL4_SYS_VERSION}, which carries the kernel source; \
             keep `sel4-sys = \"={SEL4_SYS_VERSION}\"` under [target.'cfg(any())'.dependencies] in tools/sel4-kernel-build/Cargo.toml"
        );
    };
    let crate_dir = package.manifest_path.parent().context("manifest path has no parent")?;
    let root = crate_dir.join("seL4").into_std_path_buf();
    let version_file = root.join("VERSION");
    let version = std::fs::read_to_string(&version_file)
        .with_context(|| {
            format!("reading {} (is the sel4-sys download complete?)", version_file.display())
        })?
        .trim()
        .to_string();
    Ok(KernelSource { root, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sel4_5_0_0_in_the_pinned_crate() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let source = locate_kernel_source(&manifest).unwrap();
        assert_eq!(source.version, "5.0.0");
        assert!(source.root.join("Makefile").is_file());
        assert!(source.root.join("libsel4/include/interfaces/sel4.xml").is_file());
    }
}
