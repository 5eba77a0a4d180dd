//! Calendar dates as ledgers write them (`2020-06-30`, `2020/6/30`,
//! `20200630`, `2020年6月30日`, or a GDAL date-time), without a time zone:
//! a deadline or a completion date is a day, not an instant.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, e.g. 2020.
    pub year: i32,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31 (never past the month's end).
    pub day: u32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// A valid date, or `None` (e.g. 2021-02-29).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Parses a date in the spellings Chinese ledgers use; a time of day
    /// after the date is ignored.
    ///
    /// ```
    /// use tudi_core::date::Date;
    /// let d = Date::new(2020, 6, 3).unwrap();
    /// for s in ["2020-06-03", "2020/6/3", "2020.06.03", "20200603", "2020年6月3日", "2020-06-03 00:00:00", "2020-06-03T08:00:00+08:00"] {
    ///     assert_eq!(Date::parse(s), Some(d), "{s}");
    /// }
    /// assert_eq!(Date::parse("2020-02-30"), None);
    /// assert_eq!(Date::parse("June"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let s = text.trim();
        let day_part = s.split([' ', 'T']).next().unwrap_or(s);
        if day_part.len() == 8 && day_part.bytes().all(|b| b.is_ascii_digit()) {
            return Date::new(
                day_part[..4].parse().ok()?,
                day_part[4..6].parse().ok()?,
                day_part[6..].parse().ok()?,
            );
        }
        let parts: Vec<&str> = day_part
            .split(['-', '/', '.', '年', '月', '日'])
            .filter(|p| !p.is_empty())
            .collect();
        let [y, m, d] = parts[..] else { return None };
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub(crate) fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in China (UTC+8), where the planners are.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_days_since_epoch((secs + 8 * 3600).div_euclid(86_400))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_four_centuries() {
        let mut expected = Date::new(1900, 1, 1).unwrap();
        let start = expected.days_since_epoch();
        assert_eq!(start, -25_567);
        for n in start..start + 146_097 {
            let d = Date::from_days_since_epoch(n);
            assert_eq!(d, expected, "day {n}");
            assert_eq!(d.days_since_epoch(), n);
            expected = if expected.day < days_in_month(expected.year, expected.month) {
                Date {
                    day: expected.day + 1,
                    ..expected
                }
            } else if expected.month < 12 {
                Date::new(expected.year, expected.month + 1, 1).unwrap()
            } else {
                Date::new(expected.year + 1, 1, 1).unwrap()
            };
        }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2020, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2021, 2, 29).is_none());
        assert!(Date::new(2021, 13, 1).is_none());
    }

    #[test]
    fn rejects_ambiguous_or_partial_dates() {
        for s in [
            "",
            "2020",
            "2020-06",
            "20-06-03",
            "2020-006-03",
            "2020-06-03-01",
            "x",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
    }
}
