//! The kernel configuration (`autoconf.h`) and the condition evaluator.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cheader::Scope;
use crate::expr::MacroDef;

/// The `#define`s of one kernel configuration's `autoconf.h`.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// Name and value text, in order of first definition.
    entries: Vec<(String, String)>,
    macros: HashMap<String, MacroDef>,
    path: Option<PathBuf>,
}

impl KernelConfig {
    /// Reads an `autoconf.h`: `#define NAME value` lines, comments, and
    /// optionally include guards / `#pragma once`. Identical redefinitions
    /// are accepted; conflicting ones, function-like macros, `#include`s and
    /// C code are errors.
    pub fn from_autoconf(path: &Path) -> Result<KernelConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config = Self::from_autoconf_str(&text, &path.display().to_string())?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Like [`KernelConfig::from_autoconf`], from text; `origin` names the
    /// text in error messages.
    pub fn from_autoconf_str(text: &str, origin: &str) -> Result<KernelConfig> {
        let mut scope = Scope::new(None);
        let pre = scope.preprocess(text, origin)?;
        if let Some((line, inc)) = pre.includes.first() {
            bail!("{origin}:{line}: `#include {inc}` is not supported in a kernel config file");
        }
        if let Some((line, code)) = pre.code.first() {
            bail!("{origin}:{line}: expected only `#define`s, found `{}`", code.trim());
        }
        if let Some((name, line, _)) = pre.defines.iter().find(|(_, _, d)| d.params.is_some()) {
            bail!("{origin}:{line}: function-like macro `{name}` is not supported in a kernel config file");
        }
        let macros: HashMap<String, MacroDef> =
            scope.local_macros().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut entries: Vec<(String, String)> = Vec::new();
        for (name, _, _) in &pre.defines {
            if let Some(def) = macros.get(name) {
                if !entries.iter().any(|(n, _)| n == name) {
                    entries.push((name.clone(), def.text.clone()));
                }
            }
        }
        Ok(KernelConfig { entries, macros, path: None })
    }

    /// Builds a config from `(name, value)` pairs, as if each were a
    /// `#define name value` line.
    pub fn from_defines<'a>(
        defines: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<KernelConfig> {
        let text: String = defines.into_iter().map(|(n, v)| format!("#define {n} {v}\n")).collect();
        Self::from_autoconf_str(&text, "<defines>")
    }

    /// Whether `name` is `#define`d.
    pub fn is_defined(&self, name: &str) -> bool {
        self.macros.contains_key(name)
    }

    /// The value text of `name` (empty for a bare `#define NAME`).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// All definitions, in file order.
    pub fn defines(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The file this config was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Evaluates a C preprocessor condition (as in `#if`, or an interface
    /// XML `condition` attribute) against this config: `defined X`,
    /// `defined(X)`, `! && ||`, comparisons, arithmetic, integers and
    /// parentheses. Undefined identifiers are 0, as in C.
    pub fn eval_condition(&self, expr: &str) -> Result<bool> {
        Scope::new(Some(self))
            .eval_if(expr)
            .with_context(|| format!("evaluating condition `{expr}`"))
    }

    /// Evaluates the value of `name` as an integer, if it is one.
    pub fn int_value(&self, name: &str) -> Option<i128> {
        let def = self.macros.get(name)?;
        if def.body.is_empty() {
            return None;
        }
        Scope::new(Some(self)).eval_macro(def).ok()
    }

    pub(crate) fn macro_def(&self, name: &str) -> Option<&MacroDef> {
        self.macros.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> KernelConfig {
        KernelConfig::from_autoconf_str(
            "/* generated */\n#define AUTOCONF_INCLUDED\n#define CONFIG_MAX_NUM_NODES 1\n\
             #define CONFIG_NUM_PRIORITIES 256\n#define CONFIG_DEBUG_BUILD 1\n\
             #define CONFIG_KERNEL_CFLAGS \"\"\n#define CONFIG_MAX_NUM_NODES 1\n#define CONFIG_X 0x10",
            "autoconf.h",
        )
        .unwrap()
    }

    #[test]
    fn reads_defines_in_order_and_tolerates_identical_redefinition() {
        let c = cfg();
        let names: Vec<_> = c.defines().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "AUTOCONF_INCLUDED",
                "CONFIG_MAX_NUM_NODES",
                "CONFIG_NUM_PRIORITIES",
                "CONFIG_DEBUG_BUILD",
                "CONFIG_KERNEL_CFLAGS",
                "CONFIG_X"
            ]
        );
        assert_eq!(c.value("CONFIG_KERNEL_CFLAGS"), Some("\"\""));
        assert_eq!(c.value("AUTOCONF_INCLUDED"), Some(""));
        assert_eq!(c.value("CONFIG_NOPE"), None);
        assert!(c.is_defined("CONFIG_DEBUG_BUILD"));
        assert!(!c.is_defined("CONFIG_VTX"));
        assert_eq!(c.int_value("CONFIG_X"), Some(16));
        assert_eq!(c.int_value("CONFIG_KERNEL_CFLAGS"), None);
    }

    #[test]
    fn conditions() {
        let c = cfg();
        let yes = [
            "defined CONFIG_DEBUG_BUILD",
            "defined(CONFIG_DEBUG_BUILD)",
            "!defined(CONFIG_VTX)",
            "CONFIG_MAX_NUM_NODES == 1",
            "CONFIG_NUM_PRIORITIES - 1 == 255",
            "defined(CONFIG_DEBUG_BUILD) && (CONFIG_MAX_NUM_NODES < 2 || defined CONFIG_VTX)",
            "CONFIG_UNDEFINED_THING == 0",
            "CONFIG_X > 15",
        ];
        for e in yes {
            assert!(c.eval_condition(e).unwrap(), "{e}");
        }
        let no = [
            "CONFIG_MAX_NUM_NODES > 1",
            "defined(CONFIG_VTX)",
            "defined CONFIG_HARDWARE_DEBUG_API",
            "CONFIG_VTX",
            "!CONFIG_DEBUG_BUILD",
            "defined(CONFIG_DEBUG_BUILD) && defined(CONFIG_VTX)",
        ];
        for e in no {
            assert!(!c.eval_condition(e).unwrap(), "{e}");
        }
    }

    #[test]
    fn condition_errors_are_reported() {
        let c = cfg();
        for bad in ["", "defined", "(1", "1 +", "CONFIG_KERNEL_CFLAGS", "1 $ 2", "f(1)"] {
            let err = c.eval_condition(bad).unwrap_err();
            assert!(format!("{err:#}").contains("evaluating condition"), "{bad}: {err:#}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_config() {
        let err =
            KernelConfig::from_autoconf_str("#define A 1\n#define A 2\n", "ac.h").unwrap_err();
        assert!(format!("{err:#}").contains("ac.h:2: macro `A` redefined"), "{err:#}");
        let err = KernelConfig::from_autoconf_str("#define A 1\nint x;\n", "ac.h").unwrap_err();
        assert!(format!("{err:#}").contains("ac.h:2: expected only `#define`s"), "{err:#}");
        let err = KernelConfig::from_autoconf_str("#include <x.h>\n", "ac.h").unwrap_err();
        assert!(format!("{err:#}").contains("ac.h:1: `#include"), "{err:#}");
        // Include guards are fine.
        let c = KernelConfig::from_autoconf_str(
            "#pragma once\n#ifndef G\n#define G\n#define CONFIG_A 1\n#endif\n",
            "ac.h",
        )
        .unwrap();
        assert!(c.is_defined("CONFIG_A"));
    }
}
