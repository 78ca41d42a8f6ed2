//! Time as an argument: lamina's own [`Instant`] and [`Duration`].
//!
//! The protocol core never reads a clock. Adapters convert their runtime's
//! monotonic time (`tokio::time::Instant`, `async_io::Timer`, `embassy_time`)
//! into an [`Instant`] — microseconds since an origin of the adapter's choosing —
//! and pass it in. Both types are a single `u64`, so they cost the same on a
//! Cortex-M as on a server, and all their arithmetic saturates instead of
//! overflowing.
//!
//! ```
//! use lamina::time::{Duration, Instant};
//!
//! let start = Instant::from_millis(1_000);
//! let deadline = start + Duration::from_secs(5);
//! assert_eq!(deadline.as_millis(), 6_000);
//! assert_eq!(deadline - start, Duration::from_secs(5));
//! assert!(start.is_before(deadline));
//! ```

use core::fmt;
use core::ops::{Add, Sub};

/// A point on a monotonic clock, in microseconds since an adapter-chosen origin.
///
/// ```
/// use lamina::time::Instant;
/// let t = Instant::from_micros(2_500);
/// assert_eq!(t.as_millis(), 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    micros: u64,
}

/// A span of time in microseconds; arithmetic saturates.
///
/// ```
/// use lamina::time::Duration;
/// assert_eq!(Duration::from_secs(2).as_millis(), 2_000);
/// assert_eq!(Duration::MAX + Duration::from_secs(1), Duration::MAX);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    micros: u64,
}

impl Instant {
    /// The clock's origin.
    pub const ZERO: Self = Self { micros: 0 };

    /// An instant `micros` microseconds after the origin.
    ///
    /// ```
    /// # use lamina::time::Instant;
    /// assert_eq!(Instant::from_micros(7).as_micros(), 7);
    /// ```
    pub const fn from_micros(micros: u64) -> Self {
        Self { micros }
    }

    /// An instant `millis` milliseconds after the origin (saturating).
    ///
    /// ```
    /// # use lamina::time::Instant;
    /// assert_eq!(Instant::from_millis(3).as_micros(), 3_000);
    /// ```
    pub const fn from_millis(millis: u64) -> Self {
        Self { micros: millis.saturating_mul(1_000) }
    }

    /// Microseconds since the origin.
    ///
    /// ```
    /// # use lamina::time::Instant;
    /// assert_eq!(Instant::ZERO.as_micros(), 0);
    /// ```
    pub const fn as_micros(self) -> u64 {
        self.micros
    }

    /// Whole milliseconds since the origin.
    ///
    /// ```
    /// # use lamina::time::Instant;
    /// assert_eq!(Instant::from_micros(1_999).as_millis(), 1);
    /// ```
    pub const fn as_millis(self) -> u64 {
        self.micros / 1_000
    }

    /// `true` if `self` is strictly earlier than `other`.
    ///
    /// ```
    /// # use lamina::time::Instant;
    /// assert!(Instant::ZERO.is_before(Instant::from_micros(1)));
    /// assert!(!Instant::ZERO.is_before(Instant::ZERO));
    /// ```
    pub const fn is_before(self, other: Self) -> bool {
        self.micros < other.micros
    }

    /// `self + d`, saturating at the end of time.
    ///
    /// ```
    /// # use lamina::time::{Duration, Instant};
    /// let t = Instant::from_millis(1).saturating_add(Duration::from_millis(2));
    /// assert_eq!(t, Instant::from_millis(3));
    /// ```
    pub const fn saturating_add(self, d: Duration) -> Self {
        Self { micros: self.micros.saturating_add(d.micros) }
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// ```
    /// # use lamina::time::{Duration, Instant};
    /// let (a, b) = (Instant::from_millis(1), Instant::from_millis(4));
    /// assert_eq!(b.saturating_since(a), Duration::from_millis(3));
    /// assert_eq!(a.saturating_since(b), Duration::ZERO);
    /// ```
    pub const fn saturating_since(self, earlier: Self) -> Duration {
        Duration { micros: self.micros.saturating_sub(earlier.micros) }
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Self = Self { micros: 0 };
    /// The longest representable span; used as "never".
    pub const MAX: Self = Self { micros: u64::MAX };

    /// A span of `micros` microseconds.
    ///
    /// ```
    /// # use lamina::time::Duration;
    /// assert_eq!(Duration::from_micros(5).as_micros(), 5);
    /// ```
    pub const fn from_micros(micros: u64) -> Self {
        Self { micros }
    }

    /// A span of `millis` milliseconds (saturating).
    ///
    /// ```
    /// # use lamina::time::Duration;
    /// assert_eq!(Duration::from_millis(5).as_micros(), 5_000);
    /// ```
    pub const fn from_millis(millis: u64) -> Self {
        Self { micros: millis.saturating_mul(1_000) }
    }

    /// A span of `secs` seconds (saturating).
    ///
    /// ```
    /// # use lamina::time::Duration;
    /// assert_eq!(Duration::from_secs(5).as_millis(), 5_000);
    /// ```
    pub const fn from_secs(secs: u64) -> Self {
        Self { micros: secs.saturating_mul(1_000_000) }
    }

    /// The span in microseconds.
    ///
    /// ```
    /// # use lamina::time::Duration;
    /// assert_eq!(Duration::from_millis(1).as_micros(), 1_000);
    /// ```
    pub const fn as_micros(self) -> u64 {
        self.micros
    }

    /// The span in whole milliseconds.
    ///
    /// ```
    /// # use lamina::time::Duration;
    /// assert_eq!(Duration::from_micros(2_500).as_millis(), 2);
    /// ```
    pub const fn as_millis(self) -> u64 {
        self.micros / 1_000
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        self.saturating_add(rhs)
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_since(rhs)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration { micros: self.micros.saturating_add(rhs.micros) }
    }
}

impl From<core::time::Duration> for Duration {
    /// Converts, saturating at [`Duration::MAX`].
    fn from(d: core::time::Duration) -> Self {
        Self { micros: u64::try_from(d.as_micros()).unwrap_or(u64::MAX) }
    }
}

impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> Self {
        core::time::Duration::from_micros(d.micros)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} ms", self.micros / 1_000, self.micros % 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_micros(u64::MAX - 1);
        assert_eq!((t + Duration::from_secs(1)).as_micros(), u64::MAX);
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
        assert_eq!(Duration::from_secs(u64::MAX), Duration::MAX);
    }

    #[test]
    fn converts_core_duration() {
        let d: Duration = core::time::Duration::from_millis(1_500).into();
        assert_eq!(d.as_millis(), 1_500);
        let back: core::time::Duration = d.into();
        assert_eq!(back.as_millis(), 1_500);
        let huge: Duration = core::time::Duration::MAX.into();
        assert_eq!(huge, Duration::MAX);
    }
}
