//! Editing the kernel's `autoconf.h` (a list of `#define CONFIG_X value`).

use anyhow::{bail, Result};

use crate::board::ConfigChanges;

/// The text of an `autoconf.h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoconf {
    text: String,
}

impl Autoconf {
    pub fn new(text: impl Into<String>) -> Self {
        Autoconf { text: text.into() }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value of `name` (the text after the name), if defined.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.text.lines().find_map(|line| match define(line) {
            Some((n, v)) if n == name => Some(v),
            _ => None,
        })
    }

    /// Applies `changes`: every `unset` name must be defined in the stock
    /// file (so a misspelt name is an error, not a silent no-op), and every
    /// `set` name replaces any earlier definition.
    pub fn apply(&self, changes: &ConfigChanges) -> Result<Autoconf> {
        for name in &changes.unset {
            if self.value(name).is_none() {
                bail!("cannot unset {name}: the stock kernel configuration does not define it (misspelt?)");
            }
            if changes.set.contains_key(name) {
                bail!("{name} is both unset and set");
            }
        }
        let mut out = String::new();
        for line in self.text.lines() {
            let drop = match define(line) {
                Some((name, _)) => {
                    changes.unset.iter().any(|u| u == name) || changes.set.contains_key(name)
                }
                None => false,
            };
            if !drop {
                out.push_str(line);
                out.push('\n');
            }
        }
        if !changes.set.is_empty() {
            out.push_str("/* Set by the board description (board/<name>/board.toml). */\n");
            for (name, value) in &changes.set {
                out.push_str(&format!("#define {name} {value}\n"));
            }
        }
        Ok(Autoconf { text: out })
    }
}

/// `#define NAME VALUE` → (NAME, VALUE).
fn define(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("#define")?;
    let rest = rest.trim_start();
    let (name, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some((name, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn changes(unset: &[&str], set: &[(&str, &str)]) -> ConfigChanges {
        ConfigChanges {
            unset: unset.iter().map(|s| s.to_string()).collect(),
            set: set
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    const STOCK: &str = "/* x */\n#define AUTOCONF_INCLUDED\n#define CONFIG_X2APIC 1\n#define CONFIG_NUM_PRIORITIES 256\n#define CONFIG_MAX_NUM_NODES 1\n#define CONFIG_MAX_NUM_NODES 1\n";

    #[test]
    fn unset_removes_every_definition_and_set_appends() {
        let out = Autoconf::new(STOCK)
            .apply(&changes(&["CONFIG_X2APIC", "CONFIG_MAX_NUM_NODES"], &[("CONFIG_XAPIC", "1")]))
            .unwrap();
        assert_eq!(out.value("CONFIG_X2APIC"), None);
        assert_eq!(out.value("CONFIG_MAX_NUM_NODES"), None);
        assert_eq!(out.value("CONFIG_XAPIC"), Some("1"));
        assert_eq!(out.value("CONFIG_NUM_PRIORITIES"), Some("256"));
        assert!(out.text().contains("AUTOCONF_INCLUDED"));
    }

    #[test]
    fn set_replaces_a_stock_value() {
        let out =
            Autoconf::new(STOCK).apply(&changes(&[], &[("CONFIG_NUM_PRIORITIES", "16")])).unwrap();
        assert_eq!(out.value("CONFIG_NUM_PRIORITIES"), Some("16"));
        assert_eq!(out.text().matches("CONFIG_NUM_PRIORITIES").count(), 1);
    }

    #[test]
    fn unsetting_an_unknown_name_is_an_error() {
        let err = Autoconf::new(STOCK).apply(&changes(&["CONFIG_X2APC"], &[])).unwrap_err();
        assert!(err.to_string().contains("cannot unset CONFIG_X2APC"), "{err}");
    }
}
