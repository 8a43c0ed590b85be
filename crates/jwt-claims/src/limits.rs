//! Limits on untrusted input.

/// Bounds applied to every token before and while it is parsed.
///
/// The defaults are safe for tokens sent in HTTP headers; raise them only for a known
/// need.
///
/// ```
/// use jwt_claims::Limits;
///
/// let limits = Limits::default().with_max_token_len(4096);
/// assert_eq!(limits.max_token_len, 4096);
/// assert_eq!(limits.max_json_depth, 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest accepted token, in bytes (default 16 KiB).
    pub max_token_len: usize,
    /// The deepest accepted nesting of JSON arrays and objects, a top-level object being
    /// depth 1 (default 16).
    pub max_json_depth: usize,
}

impl Limits {
    /// The defaults: 16 KiB tokens, JSON depth 16.
    pub const DEFAULT: Self = Self {
        max_token_len: 16 * 1024,
        max_json_depth: 16,
    };

    /// These limits with another maximum token length.
    #[must_use]
    pub const fn with_max_token_len(mut self, len: usize) -> Self {
        self.max_token_len = len;
        self
    }

    /// These limits with another maximum JSON depth (at least 1).
    #[must_use]
    pub const fn with_max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = if depth == 0 { 1 } else { depth };
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
