//! Sizes in bytes as a description writes them (`"64 KiB"`) and as
//! messages and reports print them.

/// A size as written, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    Bytes(u64),
    /// More than `u64::MAX` bytes.
    Huge,
}

/// `"64 KiB"` → 65536. Units: none, `B`, `KiB`, `MiB`, `GiB`. `None` if
/// `s` is not a size.
pub(crate) fn parse_size(s: &str) -> Option<Size> {
    let s = s.trim();
    let digits_end = s.find(|ch: char| !(ch.is_ascii_digit() || ch == '_')).unwrap_or(s.len());
    let (num, unit) = s.split_at(digits_end);
    let num: String = num.chars().filter(|&ch| ch != '_').collect();
    if num.is_empty() {
        return None;
    }
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    // Only digits are left, so a failed parse is a number beyond u64.
    let bytes = num.parse::<u64>().ok().and_then(|n| n.checked_mul(mult));
    Some(bytes.map_or(Size::Huge, Size::Bytes))
}

/// 65536 → "64 KiB" (exact units only).
pub(crate) fn human(bytes: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64 KiB"), Some(Size::Bytes(65536)));
        assert_eq!(parse_size("4KiB"), Some(Size::Bytes(4096)));
        assert_eq!(parse_size("2 MiB"), Some(Size::Bytes(2 << 20)));
        assert_eq!(parse_size("8192"), Some(Size::Bytes(8192)));
        assert_eq!(parse_size("1_024 B"), Some(Size::Bytes(1024)));
        assert_eq!(parse_size("64 KB"), None);
        assert_eq!(parse_size("KiB"), None);
        assert_eq!(parse_size("_ B"), None);
        assert_eq!(parse_size("18446744073709551615 B"), Some(Size::Bytes(u64::MAX)));
        assert_eq!(parse_size("18446744073709551615 KiB"), Some(Size::Huge));
        assert_eq!(parse_size("99999999999999999999999999999999999999999"), Some(Size::Huge));
        assert_eq!(human(65536), "64 KiB");
        assert_eq!(human(4097), "4097 bytes");
    }
}
