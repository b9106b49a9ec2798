//! Formatting shared by the benchmark harnesses, so their table rows read alike.

/// An integer with thousands separators: `1234567` as `1,234,567`.
pub(crate) fn thousands(n: impl std::fmt::Display) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
