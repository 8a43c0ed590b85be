//! `NumericDate` (RFC 7519 section 2): seconds since 1970-01-01T00:00:00Z UTC.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A point in time as JWT claims carry it: whole seconds since the Unix epoch.
///
/// Input may carry fractional seconds (RFC 7519 section 2 allows them); they are
/// truncated. Negative values, values past 9999-12-31T23:59:59Z, non-numbers (including
/// numeric strings such as `"9e9"`), `true` and `null` are errors, never "absent".
///
/// ```
/// use jwt_claims::NumericDate;
///
/// let d: NumericDate = serde_json::from_str("1300819380.75").unwrap();
/// assert_eq!(d.as_secs(), 1_300_819_380);
/// assert_eq!(d.to_string(), "2011-03-22T18:43:00Z");
/// assert!(serde_json::from_str::<NumericDate>("-1").is_err());
/// assert!(serde_json::from_str::<NumericDate>("\"1300819380\"").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(u64);

/// Why a value is not a `NumericDate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumericDateError {
    /// The value is before the epoch.
    Negative,
    /// The value is after 9999-12-31T23:59:59Z.
    OutOfRange,
    /// The value is not a finite number.
    NotFinite,
}

impl fmt::Display for NumericDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Negative => "NumericDate is negative",
            Self::OutOfRange => "NumericDate is after 9999-12-31T23:59:59Z",
            Self::NotFinite => "NumericDate is not a finite number",
        })
    }
}

impl std::error::Error for NumericDateError {}

impl NumericDate {
    /// The epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Self = Self(0);
    /// The largest accepted value, 9999-12-31T23:59:59Z.
    pub const MAX: Self = Self(253_402_300_799);

    /// A date from whole seconds since the epoch.
    ///
    /// # Errors
    /// [`NumericDateError::OutOfRange`] past [`NumericDate::MAX`].
    pub const fn from_secs(secs: u64) -> Result<Self, NumericDateError> {
        if secs > Self::MAX.0 {
            Err(NumericDateError::OutOfRange)
        } else {
            Ok(Self(secs))
        }
    }

    /// A date from possibly fractional seconds, truncated toward zero.
    ///
    /// # Errors
    /// [`NumericDateError`] for NaN, infinities, negative values and values past
    /// [`NumericDate::MAX`].
    pub fn from_secs_f64(secs: f64) -> Result<Self, NumericDateError> {
        if !secs.is_finite() {
            return Err(NumericDateError::NotFinite);
        }
        if secs < 0.0 {
            return Err(NumericDateError::Negative);
        }
        let whole = secs.trunc();
        // MAX is far below 2^53, so the comparison is exact.
        #[allow(clippy::cast_precision_loss)]
        if whole > Self::MAX.0 as f64 {
            return Err(NumericDateError::OutOfRange);
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Self(whole as u64))
    }

    /// The current time of the system clock (times before the epoch read as the epoch).
    #[must_use]
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// A date from a `SystemTime`, truncated to the second and clamped to the valid range.
    #[must_use]
    pub fn from_system_time(time: SystemTime) -> Self {
        let secs = time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .min(Self::MAX.0);
        Self(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// This date as a `SystemTime`.
    #[must_use]
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0)
    }

    /// This date plus `secs` seconds, clamped to [`NumericDate::MAX`].
    #[must_use]
    pub const fn saturating_add(self, secs: u64) -> Self {
        let sum = self.0.saturating_add(secs);
        Self(if sum > Self::MAX.0 { Self::MAX.0 } else { sum })
    }

    /// This date minus `secs` seconds, clamped to the epoch.
    #[must_use]
    pub const fn saturating_sub(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// Seconds from `earlier` to `self`, or 0 when `earlier` is later.
    #[must_use]
    pub const fn secs_since(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Shows the date in ISO 8601 / RFC 3339 form, e.g. `2026-11-26T10:00:00Z`.
impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / 86_400;
        let rem = self.0 % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// Year, month and day of the proleptic Gregorian calendar for a count of days since
/// 1970-01-01 (Howard Hinnant's `civil_from_days`, restricted to non-negative counts).
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

impl Serialize for NumericDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumericDateVisitor)
    }
}

struct NumericDateVisitor;

impl de::Visitor<'_> for NumericDateVisitor {
    type Value = NumericDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a NumericDate (a non-negative number of seconds since the epoch)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
        NumericDate::from_secs(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(NumericDateError::Negative)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
        NumericDate::from_secs_f64(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<NumericDate, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn integers_and_fractions() {
        assert_eq!(parse("0").unwrap(), NumericDate::EPOCH);
        assert_eq!(parse("1300819380").unwrap().as_secs(), 1_300_819_380);
        assert_eq!(parse("1300819380.999").unwrap().as_secs(), 1_300_819_380);
        assert_eq!(parse("1.3e9").unwrap().as_secs(), 1_300_000_000);
        assert_eq!(parse("9e9").unwrap().as_secs(), 9_000_000_000);
        assert!(parse("-0.5").unwrap_err().to_string().contains("negative"));
    }

    #[test]
    fn rejections() {
        for bad in [
            "-1",
            "-1.5",
            "1e400",
            "253402300800",
            "18446744073709551615",
            "1e19",
            "\"9e9\"",
            "\"1300819380\"",
            "true",
            "null",
            "[]",
            "{}",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(parse("253402300799").unwrap(), NumericDate::MAX);
    }

    #[test]
    fn from_f64_rejects_non_finite() {
        assert_eq!(
            NumericDate::from_secs_f64(f64::NAN),
            Err(NumericDateError::NotFinite)
        );
        assert_eq!(
            NumericDate::from_secs_f64(f64::INFINITY),
            Err(NumericDateError::NotFinite)
        );
        assert_eq!(
            NumericDate::from_secs_f64(-3.0),
            Err(NumericDateError::Negative)
        );
    }

    #[test]
    fn iso_8601_display() {
        assert_eq!(NumericDate::EPOCH.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            NumericDate::from_secs(951_782_400).unwrap().to_string(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            NumericDate::from_secs(1_795_694_400).unwrap().to_string(),
            "2026-11-26T12:00:00Z"
        );
        assert_eq!(NumericDate::MAX.to_string(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(NumericDate::MAX.saturating_add(10), NumericDate::MAX);
        assert_eq!(NumericDate::EPOCH.saturating_sub(10), NumericDate::EPOCH);
        let a = NumericDate::from_secs(100).unwrap();
        assert_eq!(a.secs_since(NumericDate::from_secs(40).unwrap()), 60);
        assert_eq!(NumericDate::EPOCH.secs_since(a), 0);
    }

    #[test]
    fn serializes_as_integer() {
        let d = NumericDate::from_secs(1_300_819_380).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "1300819380");
    }
}
