//! Frame-accurate time: exact rational frame rates, and SMPTE timecode (drop-frame where the
//! clip says so) converted to and from integer frame numbers. No float seconds anywhere.

use crate::DomainError;
use crate::ErrorCode;

/// A frame rate as the file states it: `num/den` frames per second (`30000/1001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    /// Reads `30000/1001`, `25/1` or `25`.
    pub fn parse(s: &str) -> Option<FrameRate> {
        let (num, den) = match s.trim().split_once('/') {
            Some((n, d)) => (n.trim().parse().ok()?, d.trim().parse().ok()?),
            None => (s.trim().parse().ok()?, 1),
        };
        (num > 0 && den > 0).then_some(FrameRate { num, den })
    }

    /// Frames counted per timecode second: the rate rounded (30 for 29.97).
    pub fn nominal(self) -> u64 {
        (u64::from(self.num) + u64::from(self.den) / 2) / u64::from(self.den)
    }

    /// Frames dropped from the count each minute (but every tenth) in drop-frame timecode:
    /// 2 at 29.97, 4 at 59.94; None where drop-frame does not exist.
    fn drops(self) -> Option<u64> {
        if self.den != 1001 {
            return None;
        }
        match self.nominal() {
            30 => Some(2),
            60 => Some(4),
            _ => None,
        }
    }

    /// Whether drop-frame is the default for this rate when the file says nothing.
    pub fn drop_frame_by_default(self) -> bool {
        self.drops().is_some()
    }

    /// The frame count of a duration given in whole microseconds (rounded to the nearest).
    pub fn frames_in_micros(self, micros: u64) -> u64 {
        let f = u128::from(micros) * u128::from(self.num);
        let d = 1_000_000u128 * u128::from(self.den);
        u64::try_from((f + d / 2) / d).unwrap_or(u64::MAX)
    }
}

/// How a clip counts its timecode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub rate: FrameRate,
    pub drop_frame: bool,
    /// The timecode of the file's first frame, as a frame count.
    pub start: u64,
}

fn invalid(message: String) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidAnchor, message)
}

impl Clock {
    /// The clip's clock from its rate and the start timecode the file gives (if any): a `;`
    /// means drop-frame, a `:` non-drop; with no timecode, 29.97 and 59.94 count drop-frame.
    pub fn new(rate: FrameRate, start: Option<&str>) -> Result<Clock, DomainError> {
        let drop_frame = match start {
            Some(tc) => tc.contains(';') || tc.contains('.'),
            None => rate.drop_frame_by_default(),
        };
        let mut clock = Clock { rate, drop_frame: drop_frame && rate.drops().is_some(), start: 0 };
        if let Some(tc) = start {
            clock.start = clock.count(tc)?;
        }
        Ok(clock)
    }

    /// The timecode label of frame count `n` (not offset by the start).
    fn label(&self, n: u64) -> String {
        let fps = self.rate.nominal();
        let (n, sep) = match (self.drop_frame, self.rate.drops()) {
            (true, Some(d)) => {
                let per_10 = fps * 600 - d * 9;
                let per_min = fps * 60 - d;
                let (tens, rest) = (n / per_10, n % per_10);
                let skipped = d * 9 * tens + if rest < d { 0 } else { d * ((rest - d) / per_min) };
                (n + skipped, ';')
            }
            _ => (n, ':'),
        };
        let hours = (n / (fps * 3600)) % 24;
        let minutes = (n / (fps * 60)) % 60;
        let seconds = (n / fps) % 60;
        format!("{hours:02}:{minutes:02}:{seconds:02}{sep}{:02}", n % fps)
    }

    /// The timecode shown for frame `frame` of the file (0 = the first frame).
    pub fn timecode(&self, frame: u64) -> String {
        self.label(self.start + frame)
    }

    /// The frame count a timecode label names (`hh:mm:ss:ff` or `hh:mm:ss;ff`).
    fn count(&self, tc: &str) -> Result<u64, DomainError> {
        let parts: Vec<&str> = tc.trim().split([':', ';', '.']).collect();
        let bad = || invalid(format!("'{tc}' is not a timecode like 01:00:00:00"));
        let [h, m, s, f] = parts.as_slice() else { return Err(bad()) };
        let n = |x: &str| x.parse::<u64>().map_err(|_| bad());
        let (h, m, s, f) = (n(h)?, n(m)?, n(s)?, n(f)?);
        let fps = self.rate.nominal();
        if m >= 60 || s >= 60 || f >= fps {
            return Err(bad());
        }
        let total = (h * 3600 + m * 60 + s) * fps + f;
        Ok(match (self.drop_frame, self.rate.drops()) {
            (true, Some(d)) => {
                if s == 0 && f < d && m % 10 != 0 {
                    return Err(invalid(format!("'{tc}' is a frame label drop-frame timecode skips")));
                }
                let minutes = h * 60 + m;
                total - d * (minutes - minutes / 10)
            }
            _ => total,
        })
    }

    /// The file's frame that a timecode shows (the inverse of `timecode`).
    pub fn frame(&self, tc: &str) -> Result<u64, DomainError> {
        let n = self.count(tc)?;
        n.checked_sub(self.start).ok_or_else(|| invalid(format!("'{tc}' is before the clip starts")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(rate: &str, start: Option<&str>) -> Clock {
        Clock::new(FrameRate::parse(rate).unwrap(), start).unwrap()
    }

    #[test]
    fn drop_frame_labels_skip_two_frames_a_minute_but_every_tenth() {
        let c = clock("30000/1001", None);
        assert!(c.drop_frame);
        assert_eq!(c.timecode(1799), "00:00:59;29");
        assert_eq!(c.timecode(1800), "00:01:00;02");
        assert_eq!(c.timecode(17982), "00:10:00;00");
        assert_eq!(c.frame("00:01:00;02").unwrap(), 1800);
        assert!(c.frame("00:01:00;00").is_err(), "a skipped label names no frame");
        assert_eq!(c.frame("00:10:00;00").unwrap(), 17982);
        let c59 = clock("60000/1001", None);
        assert_eq!(c59.timecode(3600), "00:01:00;04");
    }

    #[test]
    fn the_file_says_whether_it_drops_frames() {
        let ndf = clock("30000/1001", Some("00:00:00:00"));
        assert!(!ndf.drop_frame, "29.97 non-drop exists and is honoured");
        assert_eq!(ndf.timecode(1800), "00:01:00:00");
        let df = clock("30000/1001", Some("01:00:00;00"));
        assert!(df.drop_frame);
        assert_eq!(df.timecode(0), "01:00:00;00");
        assert_eq!(df.timecode(1800), "01:01:00;02");
        assert_eq!(df.frame("01:01:00;02").unwrap(), 1800);
        assert!(df.frame("00:59:59;29").is_err(), "before the start");
        assert!(!clock("25/1", Some("10:00:00;00")).drop_frame, "25 fps has no drop-frame");
    }

    #[test]
    fn every_rate_round_trips_exactly() {
        for (rate, start) in [
            ("24000/1001", None),
            ("24/1", Some("00:59:50:00")),
            ("25/1", Some("10:00:00:00")),
            ("30000/1001", None),
            ("30000/1001", Some("01:00:00;00")),
            ("30000/1001", Some("00:00:00:00")),
            ("30/1", None),
            ("50/1", None),
            ("60000/1001", None),
            ("60000/1001", Some("00:10:00;00")),
            ("60/1", None),
        ] {
            let c = clock(rate, start);
            // Every frame of the first 20 minutes, then samples across a day.
            let fps = c.rate.nominal();
            let dense = 0..fps * 60 * 20;
            let sparse = (0..5000u64).map(|i| i * 7919 + 3);
            for f in dense.chain(sparse) {
                let tc = c.timecode(f);
                if c.start + f >= fps * 3600 * 24 - fps * 3600 {
                    continue; // near the 24-hour wrap
                }
                assert_eq!(c.frame(&tc).unwrap(), f, "{rate} {start:?} frame {f} → {tc}");
            }
        }
    }

    #[test]
    fn rates_read_exactly_and_count_frames() {
        let r = FrameRate::parse("30000/1001").unwrap();
        assert_eq!((r.nominal(), r.drop_frame_by_default()), (30, true));
        assert_eq!(FrameRate::parse("25").unwrap().nominal(), 25);
        assert_eq!(FrameRate::parse("0/1"), None);
        assert_eq!(FrameRate::parse("x"), None);
        assert_eq!(r.frames_in_micros(10_010_000), 300);
    }
}
