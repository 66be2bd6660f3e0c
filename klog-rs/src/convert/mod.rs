//! Converting parsed records between klog text, Kubernetes JSON and a coloured human view.
//!
//! A [`Converter`] takes the [`ParsedLine`]s of a [`Parser`](crate::parse::Parser) and appends
//! each one, in the [`Target`] format, to a byte buffer. It is the engine of the `klog-convert`
//! binary (package `klog-convert`), usable on its own:
//!
//! ```
//! use klog::convert::{Converter, Target};
//! use klog::parse::Parser;
//!
//! let input = "I1128 09:00:01.250000    4242 controller.go:42] \"Syncing\" logger=\"deployment\" pod=\"default/web-0\" attempt=2\n\
//!              not a log line\n";
//! // Header times in UTC (the default is the local zone, as Go klog writes them).
//! let mut converter = Converter::new(Target::Json).year(2026).time_zone(klog::TimeZone::Utc);
//! let mut out = Vec::new();
//! for line in Parser::new(input.as_bytes()) {
//!     converter.convert(&line?, &mut out);
//! }
//! // `ts` is component-base's float64(Unix nanoseconds) / 1e6, rounding included.
//! assert_eq!(
//!     String::from_utf8(out)?,
//!     "{\"ts\":1795856401249.9998,\"logger\":\"deployment\",\"caller\":\"controller.go:42\",\"msg\":\"Syncing\",\"v\":0,\"pod\":\"default/web-0\",\"attempt\":2}\n\
//!      not a log line\n",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What converts and what is lost
//! A record keeps its severity (as far as the target has it), time, caller, logger name,
//! message, error and key/values in order. Converting to the record's own format writes its
//! input bytes unchanged. Across formats these are lost (see `docs/converter.md`):
//!
//! * text → JSON: the pid (JSON has none); `W` becomes an info entry at `"v":0` and `F` an error
//!   entry (component-base JSON has only those two); a legacy unstructured line becomes a
//!   structured entry; values that are neither Go-quoted strings nor JSON (Go `%+v` structs,
//!   `NaN`) become JSON strings; the year comes from [`Converter::year`] or is inferred.
//! * JSON → text: the `"v"` level (text has none) and time below a microsecond; an object
//!   reference `{"name":…,"namespace":…}` becomes klog's `"namespace/name"` string (unless a
//!   quote, backslash or control character in it would not read back: then it stays JSON); a
//!   repeated key becomes one pair, by klog's rule (`"a":1,"b":2,"a":3` → `b=2 a=3`).
//! * Both: invalid UTF-8 in the input was already replaced by U+FFFD by the parser.
//!
//! Lines that are not records ([`ParsedLine::Raw`]) are written unchanged in every target.
//!
//! # Inside
//! The converter reads records with [`crate::parse`] and writes klog text and JSON through
//! the crate's two encoders (`format/`), the ones the sinks use: a converted line is a line
//! klog-rs itself writes, klog's duplicate-key rule included. Here live only the jobs of the
//! converter: `filter.rs` (which records), `time.rs` (years of text headers, JSON's float
//! `ts`, `--since`/`--until`), `encode.rs` (a parsed record as the encoders' input),
//! `object_ref.rs` (JSON object references) and `pretty.rs` (the human view).

mod encode;
mod filter;
mod object_ref;
mod pretty;
mod time;

use std::time::SystemTime;

use crate::go::time::{civil_from_unix, unix_parts};
use crate::go::zone::TimeZone;
use crate::parse::{ParsedLine, ParsedRecord, SourceFormat};

use encode::Encoders;
pub use filter::Filter;
use pretty::Pretty;
pub use time::{parse_time, TimeParseError};
use time::{YearInference, ZoneClock};

/// The output format of a [`Converter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// klog text, as Go klog writes it.
    Text,
    /// Kubernetes (component-base) JSON, one object per line.
    Json,
    /// A human view: aligned columns, optional ANSI colours, multi-line values as indented
    /// blocks. Not meant to be parsed again.
    Pretty,
}

/// Appends [`ParsedLine`]s to a buffer in a [`Target`] format; see the [module
/// documentation](self).
#[derive(Clone, Debug)]
pub struct Converter {
    target: Target,
    filter: Filter,
    years: YearInference,
    pretty: Pretty,
    encoders: Encoders,
    clock: ZoneClock,
    /// "Now" for the year inference (Unix seconds), read in the zone's calendar.
    now: i64,
}

impl Converter {
    /// A converter to `target`, without colours or filters, inferring text years from the
    /// current date.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let converter = Converter::new(Target::Pretty);
    /// # let _ = converter;
    /// ```
    #[must_use]
    pub fn new(target: Target) -> Self {
        let mut converter = Converter {
            target,
            filter: Filter::default(),
            years: YearInference {
                given: None,
                now: (0, 1),
                current: None,
            },
            pretty: Pretty::default(),
            encoders: Encoders::default(),
            clock: ZoneClock::new(TimeZone::Local),
            now: 0,
        };
        // Today's date where the headers were written (in the converter's zone).
        converter.set_now(unix_parts(SystemTime::now()).0);
        converter
    }

    /// ANSI colours in the [`Target::Pretty`] view (ignored for text and JSON).
    ///
    /// ```
    /// # use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Pretty).color(true).year(2026);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"E1128 09:00:01.000000    4242 a.go:1] \"failed\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(String::from_utf8_lossy(&out).contains("\x1b[31mERROR\x1b[0m"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn color(mut self, color: bool) -> Self {
        self.pretty.color = color;
        self
    }

    /// Write only the records `filter` accepts.
    ///
    /// ```
    /// use klog::convert::{Converter, Filter, Target};
    /// let converter = Converter::new(Target::Json).filter(Filter::default().max_verbosity(2));
    /// # let _ = converter;
    /// ```
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// The year of the first klog text record of each input (text headers have no year);
    /// later records move to the next year when the month falls back from December to
    /// January. Without it the current year is used, or the last one for a first month later
    /// in the year than the current month.
    ///
    /// ```
    /// # use klog::convert::{Converter, Target};
    /// let log = "I1231 23:59:59.000000    4242 a.go:1] \"old\"\nI0101 00:00:01.000000    4242 a.go:2] \"new\"\n";
    /// let mut converter = Converter::new(Target::Json).year(2025).time_zone(klog::TimeZone::Utc);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// let out = String::from_utf8(out).unwrap();
    /// assert!(out.starts_with("{\"ts\":1767225599000,")); // 2025-12-31T23:59:59Z
    /// assert!(out.contains("\n{\"ts\":1767225601000,")); // 2026-01-01T00:00:01Z
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn year(mut self, year: i64) -> Self {
        self.years.given = Some(year);
        self
    }

    /// The zone of klog text headers, read and written: [`TimeZone::Local`] (the default,
    /// as Go klog writes them) or [`TimeZone::Utc`]. A header time that occurs twice (the
    /// hour a DST change repeats) reads as the first; one that a DST change skips reads with
    /// the offset after the change, as Go's `time.Date` does.
    /// JSON's `ts` is the same in every zone; the [`Target::Pretty`] view shows times in
    /// this zone.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json).year(2026).time_zone(klog::TimeZone::Utc);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"I1128 09:00:01.000000    4242 a.go:1] \"m\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(out.starts_with(b"{\"ts\":1795856401000,")); // 2026-11-28T09:00:01Z
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn time_zone(mut self, zone: TimeZone) -> Self {
        self.clock = ZoneClock::new(zone);
        self.set_now(self.now);
        self
    }

    /// Takes Unix time `now` as "now" for the year inference, as a date in the zone.
    fn set_now(&mut self, now: i64) {
        self.now = now;
        let (year, month, ..) = civil_from_unix(self.clock.zone.wall_secs(now));
        self.years.now = (year, month);
    }

    /// The date the year inference takes as "now" (default: the system clock when the
    /// converter was made), in the converter's [zone](Self::time_zone).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use klog::convert::{Converter, Target};
    /// // 2027-01-05: a first record from December is taken as 2026's.
    /// let now = UNIX_EPOCH + Duration::from_secs(1_799_107_200);
    /// let mut converter = Converter::new(Target::Json).now(now).time_zone(klog::TimeZone::Utc);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"I1231 12:00:00.000000    4242 a.go:1] \"m\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(out.starts_with(b"{\"ts\":1798718400000,")); // 2026-12-31T12:00:00Z
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn now(mut self, now: SystemTime) -> Self {
        self.set_now(unix_parts(now).0);
        self
    }

    /// Starts a new input: the year inference begins again.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json).year(2026);
    /// for file in ["a.log", "b.log"] {
    ///     converter.start_input();
    ///     // ... convert the lines of `file` ...
    /// #   let _ = file;
    /// }
    /// ```
    pub fn start_input(&mut self) {
        self.years.current = None;
    }

    /// Where the year inference of klog text headers stands: the year and month of the last
    /// text record of this input (`None` before the first). With
    /// [`set_text_year_state`](Self::set_text_year_state) it lets pieces of one input be
    /// converted apart (by several threads) with the years of one pass.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json).year(2025);
    /// assert_eq!(converter.text_year_state(), None);
    /// converter.advance_text_year(12);
    /// converter.advance_text_year(1); // December → January: the next year
    /// assert_eq!(converter.text_year_state(), Some((2026, 1)));
    /// ```
    #[must_use]
    pub fn text_year_state(&self) -> Option<(i64, u32)> {
        self.years.current
    }

    /// Sets where the year inference stands (see
    /// [`text_year_state`](Self::text_year_state)).
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json);
    /// converter.set_text_year_state(Some((2030, 12)));
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"I0101 00:00:00.000000       1 a.go:1] \"m\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(out.starts_with(b"{\"ts\":1924992000000,")); // 2031-01-01
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_text_year_state(&mut self, state: Option<(i64, u32)>) {
        self.years.current = state;
    }

    /// Moves the year inference on as a text record of `month` would (1 to 12; others are
    /// ignored), without converting anything.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json).year(2024);
    /// converter.advance_text_year(3);
    /// assert_eq!(converter.text_year_state(), Some((2024, 3)));
    /// ```
    pub fn advance_text_year(&mut self, month: u32) {
        if (1..=12).contains(&month) {
            self.years.year_for(month);
        }
    }

    /// Appends `line` converted (records) or unchanged (raw lines) to `out`; `false` if the
    /// filter dropped it.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// use klog::parse::ParsedLine;
    /// let mut out = Vec::new();
    /// let kept = Converter::new(Target::Json).convert(&ParsedLine::Raw(b"banner\n".to_vec()), &mut out);
    /// assert!(kept);
    /// assert_eq!(out, b"banner\n");
    /// ```
    pub fn convert(&mut self, line: &ParsedLine, out: &mut Vec<u8>) -> bool {
        match line {
            ParsedLine::Record(rec) => self.convert_record(rec, out),
            ParsedLine::Raw(bytes) => {
                if self.filter.hide_unparsed {
                    return false;
                }
                out.extend_from_slice(bytes);
                true
            }
        }
    }

    /// Appends `rec` in the target format to `out`; `false` if the filter dropped it.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// use klog::parse::{ParsedLine, Parser};
    /// let line = Parser::new(&b"{\"ts\":1795856401000,\"caller\":\"a.go:1\",\"msg\":\"hi\",\"v\":0}\n"[..])
    ///     .next()
    ///     .unwrap()?;
    /// let ParsedLine::Record(rec) = line else { unreachable!() };
    /// let mut out = Vec::new();
    /// Converter::new(Target::Text)
    ///     .time_zone(klog::TimeZone::Utc)
    ///     .convert_record(&rec, &mut out);
    /// assert_eq!(out, b"I1128 09:00:01.000000         a.go:1] \"hi\"\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn convert_record(&mut self, rec: &ParsedRecord, out: &mut Vec<u8>) -> bool {
        let own_format = matches!(
            (self.target, rec.format),
            (Target::Text, SourceFormat::Text) | (Target::Json, SourceFormat::Json)
        );
        // A record written as it was read needs no time, unless a filter asks for it.
        let needs_time = !own_format || !self.filter.is_empty();
        let time = if needs_time {
            // Text headers hold a wall time of the converter's zone; JSON holds Unix time.
            self.years
                .record_time(rec)
                .map(|(secs, nanos)| match rec.format {
                    SourceFormat::Text => (self.clock.unix(secs), nanos),
                    _ => (secs, nanos),
                })
        } else {
            None
        };
        if needs_time && time.is_none() && rec.format == SourceFormat::Text {
            // February 29 in a year without one: not a klog header after all, so a raw line.
            if self.filter.hide_unparsed {
                return false;
            }
            out.extend_from_slice(&rec.raw);
            return true;
        }
        if !self.filter.is_empty() && !self.filter.accepts(rec, time) {
            return false;
        }
        match (self.target, rec.format) {
            (Target::Text, SourceFormat::Text) | (Target::Json, SourceFormat::Json) => {
                out.extend_from_slice(&rec.raw);
            }
            (Target::Text, _) => self.encoders.text(rec, time, self.clock.zone, out),
            (Target::Json, _) => self.encoders.json(rec, time, out),
            (Target::Pretty, _) => {
                let wall = time.map(|(secs, nanos)| (self.clock.wall(secs), nanos));
                self.pretty.write(rec, wall, out);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests;
