//! Our patches to the kernel source: `board/kernel-patches/*.patch`, one
//! unified diff of one file each, a description above the diff.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

#[derive(Debug, Clone)]
pub struct Patch {
    /// The patch file.
    pub file: PathBuf,
    /// Path of the patched file relative to the kernel source root.
    pub target: PathBuf,
    /// The unified diff text (from the first `--- ` line).
    pub diff: String,
}

impl Patch {
    pub fn load(file: &Path) -> Result<Patch> {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        Self::parse(file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Patch> {
        let start = text
            .find("\n--- ")
            .map(|i| i + 1)
            .or_else(|| text.starts_with("--- ").then_some(0))
            .ok_or_else(|| {
                anyhow!("{}: no unified diff found (expected a `--- a/PATH` line)", file.display())
            })?;
        let diff = text[start..].to_string();
        let parsed = diffy::Patch::from_str(&diff)
            .map_err(|e| anyhow!("{}: not a valid unified diff: {e}", file.display()))?;
        let name = parsed
            .modified()
            .ok_or_else(|| anyhow!("{}: the diff names no file (`+++ b/PATH`)", file.display()))?;
        let target = PathBuf::from(name.strip_prefix("b/").unwrap_or(name));
        if target.is_absolute() || target.components().any(|c| c == std::path::Component::ParentDir)
        {
            bail!(
                "{}: patched path {} must be relative to the kernel source root",
                file.display(),
                target.display()
            );
        }
        Ok(Patch { file: file.to_path_buf(), target, diff })
    }

    /// All patches in `dir`, in file-name order.
    pub fn load_dir(dir: &Path) -> Result<Vec<Patch>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "patch"))
            .collect();
        files.sort();
        files.iter().map(|f| Patch::load(f)).collect()
    }
}

/// Applies `patch` to the source tree at `root`, in place.
pub fn apply_patch(root: &Path, patch: &Patch) -> Result<()> {
    let path = root.join(&patch.target);
    let original = std::fs::read_to_string(&path).with_context(|| {
        format!("{}: patched file {} is missing", patch.file.display(), path.display())
    })?;
    let parsed = diffy::Patch::from_str(&patch.diff)
        .map_err(|e| anyhow!("{}: {e}", patch.file.display()))?;
    let patched = diffy::apply(&original, &parsed).map_err(|e| {
        anyhow!(
            "{} does not apply to {}: {e}; the kernel source changed, so update the patch",
            patch.file.display(),
            patch.target.display()
        )
    })?;
    std::fs::write(&path, patched).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "Why this patch exists.\n--- a/tools/x.py\n+++ b/tools/x.py\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";

    #[test]
    fn applies_a_patch_with_a_description() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tools")).unwrap();
        std::fs::write(dir.path().join("tools/x.py"), "one\ntwo\nthree\n").unwrap();
        let patch = Patch::parse(Path::new("p.patch"), PATCH).unwrap();
        assert_eq!(patch.target, Path::new("tools/x.py"));
        apply_patch(dir.path(), &patch).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("tools/x.py")).unwrap(),
            "one\nTWO\nthree\n"
        );
    }

    #[test]
    fn a_patch_that_no_longer_applies_names_the_patch_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tools")).unwrap();
        std::fs::write(dir.path().join("tools/x.py"), "one\nsomething else\nthree\n").unwrap();
        let patch = Patch::parse(Path::new("p.patch"), PATCH).unwrap();
        let err = apply_patch(dir.path(), &patch).unwrap_err().to_string();
        assert!(err.contains("p.patch does not apply to tools/x.py"), "{err}");
        assert!(err.contains("update the patch"), "{err}");
    }

    #[test]
    fn repository_patches_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board/kernel-patches");
        let patches = Patch::load_dir(&dir).unwrap();
        assert!(!patches.is_empty());
    }
}
