//! `-j N`: one file converted by N threads, written in order, in bounded memory.
//!
//! The file is cut into pieces of about [`PIECE`] bytes, each ending just before a line
//! that starts a record (a klog header or a `{`): no record, multi-line values and
//! unstructured messages included, spans two pieces, so each piece parses as it would in
//! one pass. N threads (the calling one and N − 1 more) each take the next piece in turn
//! and read it themselves, at its place in the file (`pread`): under the input's lock a
//! thread only looks at a few KiB past [`PIECE`] bytes to find where its piece ends and
//! the next begins, and reads the piece after letting go of it. It converts the piece with
//! its own `Converter` and parser and writes it if it is next in order, with the converted
//! pieces after it; else it leaves it for the thread that writes the piece before. So the
//! piece is copied from the page cache into the cache of the core that parses it, and the
//! two threads of `-j 2` read at the same time (a thread reading whole pieces under the
//! lock kept the other waiting, in step with it, 5-10 % of the time).
//!
//! The one state carried from record to record is the year of klog text headers (they have
//! none; a month falling back from December to January moves to the next year). Each
//! thread lists the header months of its piece: a sample of them (a cheap look at 21 bytes
//! of a few lines) where the sample is of one month, else all of them, and all of them
//! everywhere once a sample proved wrong (the parser lists them and keeps the line ends it
//! finds, so that its reading does not search for them again: listing them apart cost 3 %
//! of `-j 2` on a file of many logs one after another); the lists, applied in input order, give the guess of the year state
//! at each piece's start. A piece's conversion reports the state it started from and ended
//! at, and before a piece is written its start is checked against the true state. A piece
//! converted from a wrong guess (months that move by half a year between two sampled
//! headers, or a line that looked like a header but was no record) is converted again by
//! the thread writing it; the pieces in flight, guessed on from the wrong state, are
//! written (each converted again if it started wrong) before more are taken, and from then
//! on every header is listed. The output is the one pass's byte for byte.
//!
//! An input that ends early (a read error, or a file cut shorter while it is read) ends
//! with the piece in which that was seen: what comes before is written, nothing after.

use std::collections::BTreeMap;
use std::io::{self, Cursor, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use klog::convert::Converter;
use klog::parse::{header_month, starts_record, Parser, SourceFormat};

/// The size a piece is cut at (it grows to the next record start). With one thread reading
/// for the others, 256 KiB was 1-2 % faster than 1 MiB on 2 cores (a piece and its output
/// stay in the core's cache) and 64 KiB 15 % slower; with each thread reading its own
/// pieces, 128 KiB to 1 MiB made no difference.
const PIECE: usize = 256 << 10;

/// How far past a piece's size the next record start is looked for under the input's lock
/// (a log line is a few hundred bytes); where there is none, the piece is read whole under
/// the lock and cut as a stream would be (see [`Reading::claim_read`]).
const WINDOW: usize = 4 << 10;

/// What the threads need to parse like the one-pass parser.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParseOptions {
    pub(crate) max_line_len: usize,
    pub(crate) only: Option<SourceFormat>,
}

type YearState = Option<(i64, u32)>;

/// An input read at given places, without a shared offset: a file (bytes in memory in
/// tests).
pub(crate) trait ReadAt: Sync {
    /// Reads into `buf` from `offset`; 0 at the end of the input.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

#[cfg(windows)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        // Moves the file's offset, which nothing here uses.
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }
}

#[cfg(test)]
impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset).map_or(self.len(), |o| o.min(self.len()));
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// Reads up to `n` bytes of `source` at `offset` into `buf[at..]`, growing `buf` (with
/// zeros) as needed; fewer only at the end of the input or at an error, returned with them.
///
/// The bytes a read overwrites must be initialised: buffers are zeroed once, as they grow,
/// and kept at their longest length, a piece's length beside (a buffer cut to each piece
/// would be zeroed again for the next).
fn read_into<S: ReadAt + ?Sized>(
    source: &S,
    buf: &mut Vec<u8>,
    at: usize,
    offset: u64,
    n: usize,
) -> (usize, Option<io::Error>) {
    if buf.len() < at + n {
        buf.resize(at + n, 0);
    }
    let mut done = 0;
    while done < n {
        match source.read_at(&mut buf[at + done..at + n], offset + done as u64) {
            Ok(0) => break,
            Ok(k) => done += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (done, Some(e)),
        }
    }
    (done, None)
}

/// A converted piece; its input is kept in case it has to be converted again.
struct Done {
    seq: u64,
    owner: usize,
    input: Vec<u8>,
    len: usize,
    output: Vec<u8>,
    start: YearState,
    end: YearState,
    within_long_line: bool,
    ends_input: bool,
}

/// A piece's bytes: the first `len` of a buffer kept at its longest length (see
/// [`read_into`]).
#[derive(Default)]
struct PieceBytes {
    buf: Vec<u8>,
    len: usize,
}

impl AsRef<[u8]> for PieceBytes {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A thread's converter and parser, kept from piece to piece (so are the parser's
/// recycled buffers: a parser per piece allocated its first records' strings again).
struct PieceConverter {
    converter: Converter,
    parser: Parser<Cursor<PieceBytes>>,
}

impl PieceConverter {
    fn new(converter: Converter, options: ParseOptions) -> Self {
        let empty = Cursor::new(PieceBytes::default());
        let mut parser = Parser::new(empty).max_line_len(options.max_line_len);
        if let Some(format) = options.only {
            parser = parser.source_format(format);
        }
        PieceConverter { converter, parser }
    }

    /// Gives the parser `input[..len]` (whole records, or raw pieces of one over-long line)
    /// to read next.
    fn load(&mut self, input: Vec<u8>, len: usize, within_long_line: bool) {
        let piece = PieceBytes { buf: input, len };
        self.parser
            .replace_input(Cursor::new(piece), within_long_line);
    }

    /// The months listed for the loaded piece: every header's once a sampled list proved
    /// wrong (`every`), or where the samples are of more than one month (where the month
    /// changes within a piece, a change between two samples may be missed; several logs of
    /// different months one after another are read so from their first piece on, without a
    /// wrong guess first, which cost 2 % on such a log); else the sample. Every header's
    /// month is listed by the parser, which keeps the line ends it finds for its reading.
    fn months(&mut self, every: bool) -> Vec<u8> {
        let mut months = Vec::new();
        if !every {
            sample_months(self.parser.get_ref().get_ref().as_ref(), &mut months);
        }
        if every || months.len() > 1 {
            months.clear();
            self.parser.header_month_runs(&mut months);
        }
        months
    }

    /// Converts the loaded piece from year state `start` into `out`; gives back its buffer
    /// and the state at its end.
    fn convert_loaded(&mut self, start: YearState, out: &mut Vec<u8>) -> (Vec<u8>, YearState) {
        self.converter.set_text_year_state(start);
        // Reading from memory cannot fail.
        while let Some(Ok(line)) = self.parser.next() {
            self.converter.convert(&line, out);
            self.parser.recycle(line);
        }
        let empty = Cursor::new(PieceBytes::default());
        let piece = self.parser.replace_input(empty, false).into_inner();
        (piece.buf, self.converter.text_year_state())
    }

    /// Converts `input[..len]` from year state `start` into `out`; gives back the input and
    /// the state at its end.
    fn convert(
        &mut self,
        input: Vec<u8>,
        len: usize,
        start: YearState,
        within_long_line: bool,
        out: &mut Vec<u8>,
    ) -> (Vec<u8>, YearState) {
        self.load(input, len, within_long_line);
        self.convert_loaded(start, out)
    }
}

/// Where the piece in `buf` should end: before the last complete line that starts a record;
/// `None` if there is none after the first byte.
fn cut(buf: &[u8]) -> Option<usize> {
    // Only a line whose end was read can be looked at whole.
    let complete = memchr::memrchr(b'\n', buf)? + 1;
    let mut end = complete;
    while let Some(nl) = memchr::memrchr(b'\n', &buf[..end.saturating_sub(1)]) {
        let start = nl + 1;
        if start < complete && starts_record(&buf[start..end]) {
            return Some(start);
        }
        end = start;
    }
    None
}

/// The start of the first complete line of `window` that starts a record, not counting a
/// line the window starts with (it may start before the window).
fn first_record_start(window: &[u8]) -> Option<usize> {
    let mut start = memchr::memchr(b'\n', window)? + 1;
    loop {
        let end = start + memchr::memchr(b'\n', &window[start..])? + 1;
        if starts_record(&window[start..end]) {
            return Some(start);
        }
        start = end;
    }
}

/// How many places of a piece [`sample_months`] looks at, besides its last headers.
const SAMPLES: usize = 16;
/// How many lines from a sampled place are looked at for a header.
const LINES_PER_SAMPLE: usize = 8;

/// Appends `month` to `months` unless it is the last one there: a header of the month the
/// year inference stands at changes nothing.
fn push_month(months: &mut Vec<u8>, month: u32) {
    if let Ok(month) = u8::try_from(month) {
        if months.last() != Some(&month) {
            months.push(month);
        }
    }
}

/// Moves the year inference of `guess` on through `months`.
fn apply_months(guess: &mut Converter, months: &[u8]) {
    for &month in months {
        guess.advance_text_year(u32::from(month));
    }
}

/// The months of the headers of `piece` at [`SAMPLES`] evenly spread places and of its
/// last header, in order: enough for the year inference of any log whose month does not
/// move by half a year between two of them, and a guess either way (the writer checks it).
fn sample_months(piece: &[u8], months: &mut Vec<u8>) {
    // Where the last header listed starts: each header is listed once, in input order.
    let mut listed: Option<usize> = None;
    let mut list = |months: &mut Vec<u8>, at: usize, month: u32| {
        if listed.is_none_or(|before| at > before) {
            push_month(months, month);
            listed = Some(at);
        }
    };
    let line_end = |start: usize| {
        memchr::memchr(b'\n', &piece[start..]).map_or(piece.len(), |n| start + n + 1)
    };
    for sample in 0..SAMPLES {
        let at = piece.len() / SAMPLES * sample;
        // The first line starting at or after `at`.
        let mut start = if at == 0 {
            0
        } else {
            memchr::memchr(b'\n', &piece[at - 1..]).map_or(piece.len(), |n| at + n)
        };
        for _ in 0..LINES_PER_SAMPLE {
            if start >= piece.len() {
                break;
            }
            if let Some(month) = header_month(&piece[start..]) {
                list(months, start, month);
                break;
            }
            start = line_end(start);
        }
    }
    // The last header, looking back from the last line.
    let mut end = piece.len();
    for _ in 0..LINES_PER_SAMPLE {
        if end == 0 {
            break;
        }
        let start = memchr::memrchr(b'\n', &piece[..end - 1]).map_or(0, |n| n + 1);
        if let Some(month) = header_month(&piece[start..end]) {
            list(months, start, month);
            break;
        }
        end = start;
    }
}

/// Where taking the input in pieces stands; behind the input's lock.
struct Reading {
    /// Where the next piece starts.
    pos: u64,
    /// No piece is left (the input ended, or ended early).
    ended: bool,
    /// A read error, which ended the input.
    error: Option<io::Error>,
    /// Bytes of the line `pos` is inside that went out with earlier pieces (0: `pos` is at a
    /// line's start).
    line_offset: usize,
    /// The pieces taken so far.
    sent: u64,
    /// The bytes looked at past a piece's size for the next record start.
    window: Vec<u8>,
    piece: usize,
    /// How many bytes `window` holds at most ([`WINDOW`]).
    window_len: usize,
    max_line_len: usize,
}

/// A piece's place, and whether it was read already.
struct Claim {
    seq: u64,
    offset: u64,
    len: usize,
    read: bool,
    within_long_line: bool,
}

impl Reading {
    /// Takes the next piece: finds where it ends (the first record start [`WINDOW`] bytes
    /// past its size), leaving it to be read; or, where there is none, reads and cuts it
    /// with [`Reading::claim_read`]. `None` when no piece is left.
    fn claim<S: ReadAt + ?Sized>(&mut self, source: &S, input: &mut Vec<u8>) -> Option<Claim> {
        if self.ended {
            return None;
        }
        // From the piece's last byte: a line starting right after it is a line start.
        let look = self.pos + (self.piece as u64 - 1);
        let (got, error) = read_into(source, &mut self.window, 0, look, self.window_len);
        if error.is_none() {
            if let Some(at) = first_record_start(&self.window[..got]) {
                // A record start is a line start.
                return Some(self.hand_out(self.piece - 1 + at, false, 0));
            }
        }
        self.claim_read(source, input)
    }

    /// Reads the next piece into `input` and cuts it as a stream is cut: before the last
    /// record start in [`PIECE`] bytes or more; with none, read on up to where no record or
    /// value read in one pass could still reach (a record is at most the line limit long),
    /// and cut at a line end, or in a line longer than the limit where one pass cuts it.
    fn claim_read<S: ReadAt + ?Sized>(&mut self, source: &S, input: &mut Vec<u8>) -> Option<Claim> {
        let mut len = 0;
        let mut eof = false;
        let at = loop {
            if eof {
                // At the end the rest is the last piece.
                self.ended = true;
                if len == 0 {
                    return None;
                }
                break len;
            }
            if len < self.piece {
                let want = self.piece - len;
                eof = self.fill(source, input, &mut len, want);
                if eof {
                    continue;
                }
            }
            if let Some(at) = cut(&input[..len]) {
                break at;
            }
            if len > self.max_line_len.saturating_add(self.piece) {
                break match memchr::memrchr(b'\n', &input[..len]) {
                    Some(nl) => nl + 1,
                    // Inside one line longer than the limit: cut where one pass cuts it
                    // into raw pieces, at a multiple of the limit from the line's start,
                    // and the next piece goes on inside it.
                    None => {
                        let limit = self.max_line_len;
                        (self.line_offset + len) / limit * limit - self.line_offset
                    }
                };
            }
            eof = self.fill(source, input, &mut len, self.piece);
        };
        let line_offset = match memchr::memrchr(b'\n', &input[..at]) {
            Some(nl) => at - nl - 1,
            None => self.line_offset + at,
        };
        Some(self.hand_out(at, true, line_offset))
    }

    /// Hands out the `len` bytes at `pos` as the next piece (`read`: they are read), after
    /// which the input goes on `line_offset` bytes into a line.
    fn hand_out(&mut self, len: usize, read: bool, line_offset: usize) -> Claim {
        let claim = Claim {
            seq: self.sent,
            offset: self.pos,
            len,
            read,
            within_long_line: self.line_offset > 0,
        };
        self.pos += len as u64;
        self.line_offset = line_offset;
        self.sent += 1;
        claim
    }

    /// Keeps the first read error.
    fn keep_error(&mut self, error: Option<io::Error>) {
        if self.error.is_none() {
            self.error = error;
        }
    }

    /// Reads up to `n` more bytes of the piece at `self.pos` into `input[*len..]`; `true` at
    /// the end of the input (or at a read error, kept).
    fn fill<S: ReadAt + ?Sized>(
        &mut self,
        source: &S,
        input: &mut Vec<u8>,
        len: &mut usize,
        n: usize,
    ) -> bool {
        let (got, error) = read_into(source, input, *len, self.pos + *len as u64, n);
        *len += got;
        if error.is_some() {
            self.keep_error(error);
            return true;
        }
        got < n
    }
}

/// The guess of the year state at each piece's start: the months listed in each piece
/// applied in input order.
struct Chain {
    guess: Converter,
    /// The first piece whose months are not applied yet.
    next: u64,
    /// Months listed in pieces after `next - 1`, by piece.
    months: BTreeMap<u64, Vec<u8>>,
    /// The guessed start of pieces whose thread has not taken it yet.
    starts: BTreeMap<u64, YearState>,
    /// A thread panicked: no start will come.
    stopped: bool,
}

/// The output and the converted pieces waiting for it; behind the output's lock.
struct Writing<'w, W> {
    out: &'w mut W,
    /// Converted pieces that come after one not yet converted.
    pending: BTreeMap<u64, Done>,
    /// The pieces written (or dropped after an early end) so far.
    written: u64,
    /// The true year state at the start of the next piece to be written.
    state: YearState,
    /// A piece was converted from a wrong guess: no piece is taken until those in flight
    /// are written; then the guess restarts from `state`, from every header.
    resync: bool,
    /// A piece in which the input ended early was written: the pieces after it are
    /// dropped.
    ended: bool,
    /// An output error (or a thread's panic): every thread stops.
    error: Option<io::Error>,
    /// Each thread's written pieces' buffers, for its next pieces: a buffer last touched
    /// on the same core is in its cache.
    spare: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl<W: Write> Writing<'_, W> {
    /// Writes the pieces that are next in order; one that started from a wrong guess is
    /// converted again with `converter` first.
    fn write_ready(&mut self, converter: &mut PieceConverter) {
        while let Some(done) = self.pending.remove(&self.written) {
            let Done {
                owner,
                mut input,
                len,
                mut output,
                start,
                end,
                within_long_line,
                ends_input,
                ..
            } = done;
            if !self.ended {
                if start == self.state {
                    self.state = end;
                } else {
                    self.resync = true;
                    output.clear();
                    (input, self.state) =
                        converter.convert(input, len, self.state, within_long_line, &mut output);
                }
                if let Err(e) = self.out.write_all(&output) {
                    self.error = Some(e);
                    return;
                }
                self.ended = ends_input;
            }
            self.written += 1;
            output.clear();
            self.spare[owner].push((input, output));
        }
    }
}

/// What the converting threads share. Locks are taken in the order `reading`, `writing`,
/// `chain`.
struct Shared<'w, S: ?Sized, W> {
    source: &'w S,
    reading: Mutex<Reading>,
    writing: Mutex<Writing<'w, W>>,
    /// Signalled when pieces are written or the threads are to stop.
    written: Condvar,
    chain: Mutex<Chain>,
    /// Signalled when pieces' starts are known or the threads are to stop.
    started: Condvar,
    /// List every header's month (a sampled guess was wrong).
    every_month: AtomicBool,
    max_in_flight: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked stops all (see `StopOnPanic`); the others only need to see
    // that, so a poisoned lock is as good as any.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops the other threads when the thread holding it panics, so that none waits for a
/// piece that will never be written or a start that will never be known.
struct StopOnPanic<'s, 'w, S: ?Sized, W>(&'s Shared<'w, S, W>);

impl<S: ?Sized, W> Drop for StopOnPanic<'_, '_, S, W> {
    fn drop(&mut self) {
        if thread::panicking() {
            let mut writing = lock(&self.0.writing);
            if writing.error.is_none() {
                writing.error = Some(io::Error::other("a conversion thread panicked"));
            }
            drop(writing);
            self.0.written.notify_all();
            lock(&self.0.chain).stopped = true;
            self.0.started.notify_all();
        }
    }
}

impl<S: ReadAt + ?Sized, W: Write> Shared<'_, S, W> {
    /// Takes the next piece for thread `me` once fewer than the most pieces are in flight;
    /// `None` when none is left or the threads are to stop.
    fn take(&self, me: usize) -> Option<(Claim, Vec<u8>, Vec<u8>)> {
        let mut reading = lock(&self.reading);
        let (mut input, output) = {
            let mut writing = lock(&self.writing);
            loop {
                if writing.error.is_some() || writing.ended {
                    return None;
                }
                let in_flight = reading.sent - writing.written;
                if writing.resync && in_flight == 0 {
                    let mut chain = lock(&self.chain);
                    chain.guess.set_text_year_state(writing.state);
                    self.every_month.store(true, Ordering::Relaxed);
                    writing.resync = false;
                }
                if !writing.resync && in_flight < self.max_in_flight {
                    break;
                }
                writing = self
                    .written
                    .wait(writing)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            writing.spare[me].pop().unwrap_or_default()
        };
        let claim = reading.claim(self.source, &mut input)?;
        Some((claim, input, output))
    }

    /// Adds the months listed in piece `seq` to the chain and gives back the guess of its
    /// start, once the pieces before it have listed theirs.
    fn start_of(&self, seq: u64, months: Vec<u8>) -> Option<YearState> {
        let mut chain = lock(&self.chain);
        chain.months.insert(seq, months);
        let mut moved = false;
        loop {
            let next = chain.next;
            let Some(months) = chain.months.remove(&next) else {
                break;
            };
            let start = chain.guess.text_year_state();
            chain.starts.insert(next, start);
            apply_months(&mut chain.guess, &months);
            chain.next += 1;
            moved = true;
        }
        if moved {
            self.started.notify_all();
        }
        loop {
            if let Some(start) = chain.starts.remove(&seq) {
                return Some(start);
            }
            if chain.stopped {
                return None;
            }
            chain = self
                .started
                .wait(chain)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// One thread's work: take the next piece, read it, convert it, write what is ready;
    /// until the input ends or an error stops all.
    fn work(&self, me: usize, converter: &mut PieceConverter) {
        let _stop = StopOnPanic(self);
        while let Some((claim, mut input, output)) = self.take(me) {
            let mut len = claim.len;
            let mut ends_input = false;
            if !claim.read {
                let (got, error) = read_into(self.source, &mut input, 0, claim.offset, len);
                if got < len || error.is_some() {
                    // The file got shorter, or could not be read.
                    len = got;
                    ends_input = true;
                    let mut reading = lock(&self.reading);
                    reading.ended = true;
                    reading.keep_error(error);
                }
            }
            converter.load(input, len, claim.within_long_line);
            let months = converter.months(self.every_month.load(Ordering::Relaxed));
            let Some(start) = self.start_of(claim.seq, months) else {
                return;
            };
            let mut output = output;
            let (input, end) = converter.convert_loaded(start, &mut output);
            let done = Done {
                seq: claim.seq,
                owner: me,
                input,
                len,
                output,
                start,
                end,
                within_long_line: claim.within_long_line,
                ends_input,
            };
            let mut writing = lock(&self.writing);
            if writing.error.is_some() {
                return;
            }
            writing.pending.insert(done.seq, done);
            let before = writing.written;
            writing.write_ready(converter);
            if writing.written != before || writing.error.is_some() {
                drop(writing);
                self.written.notify_all();
            }
        }
    }
}

/// Converts `file` from its offset on with `jobs` threads (the calling one included),
/// writing to `out` in order, and leaves the offset where the conversion stopped. Input
/// errors are returned as `Ok(Some(error))` after everything read before them is written;
/// `Err` is an output error.
#[cfg(any(unix, windows))]
pub(crate) fn convert_parallel<W: Write + Send>(
    converter: &mut Converter,
    options: ParseOptions,
    jobs: usize,
    mut file: &std::fs::File,
    out: &mut W,
) -> io::Result<Option<io::Error>> {
    use std::io::{Seek, SeekFrom};
    let start = match file.stream_position() {
        Ok(start) => start,
        // The input's error, not the output's.
        Err(e) => return Ok(Some(e)),
    };
    let pieces = Pieces {
        piece: PIECE,
        window: WINDOW,
    };
    let (end, result) = convert_in_pieces(converter, options, jobs, pieces, file, start, out);
    // Only a reader sharing the descriptor after this one would see a failed seek: the
    // conversion is done either way.
    let _ = file.seek(SeekFrom::Start(end));
    result
}

/// The sizes pieces are cut at ([`PIECE`], [`WINDOW`]; smaller in tests).
#[derive(Clone, Copy, Debug)]
struct Pieces {
    piece: usize,
    window: usize,
}

/// [`convert_parallel`] of `source` from `offset` on, cut as `pieces` says; also gives back
/// where it stopped.
fn convert_in_pieces<S: ReadAt + ?Sized, W: Write + Send>(
    converter: &mut Converter,
    options: ParseOptions,
    jobs: usize,
    pieces: Pieces,
    source: &S,
    offset: u64,
    out: &mut W,
) -> (u64, io::Result<Option<io::Error>>) {
    let jobs = jobs.max(1);
    let shared = Shared {
        source,
        reading: Mutex::new(Reading {
            pos: offset,
            ended: false,
            error: None,
            line_offset: 0,
            sent: 0,
            window: Vec::new(),
            piece: pieces.piece.max(1),
            window_len: pieces.window.max(1),
            max_line_len: options.max_line_len.max(1),
        }),
        writing: Mutex::new(Writing {
            out,
            pending: BTreeMap::new(),
            written: 0,
            state: converter.text_year_state(),
            resync: false,
            ended: false,
            error: None,
            spare: (0..jobs).map(|_| Vec::new()).collect(),
        }),
        written: Condvar::new(),
        chain: Mutex::new(Chain {
            guess: converter.clone(),
            next: 0,
            months: BTreeMap::new(),
            starts: BTreeMap::new(),
            stopped: false,
        }),
        started: Condvar::new(),
        every_month: AtomicBool::new(false),
        max_in_flight: 2 * jobs as u64,
    };
    let panicked = thread::scope(|scope| {
        let shared = &shared;
        // A thread that cannot be started leaves its share to the others.
        let others: Vec<_> = (1..jobs)
            .filter_map(|me| {
                let mut converter = PieceConverter::new(converter.clone(), options);
                thread::Builder::new()
                    .spawn_scoped(scope, move || shared.work(me, &mut converter))
                    .ok()
            })
            .collect();
        shared.work(0, &mut PieceConverter::new(converter.clone(), options));
        let joined: Vec<_> = others.into_iter().map(|t| t.join()).collect();
        joined.into_iter().find_map(Result::err)
    });
    if let Some(panic) = panicked {
        std::panic::resume_unwind(panic);
    }
    let reading = shared
        .reading
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let writing = shared
        .writing
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    converter.set_text_year_state(writing.state);
    let result = match writing.error {
        Some(e) => Err(e),
        None => Ok(reading.error),
    };
    (reading.pos, result)
}
#[cfg(test)]
mod tests {
    use super::*;
    use klog::convert::Target;

    fn one_pass(converter: &Converter, input: &[u8], max_line_len: usize) -> (Vec<u8>, YearState) {
        let mut converter = converter.clone();
        let mut out = Vec::new();
        let mut parser = Parser::new(input).max_line_len(max_line_len);
        while let Some(Ok(line)) = parser.next() {
            converter.convert(&line, &mut out);
            parser.recycle(line);
        }
        (out, converter.text_year_state())
    }

    /// Records whose months go forward, jump back and forth by more than half a year (each
    /// jump back a new year), lines that look like headers but are no records, multi-line
    /// messages, JSON lines, and lines longer than [`SHORT_LIMIT`] with what looks like a
    /// record inside them.
    fn log() -> Vec<u8> {
        let mut log = Vec::new();
        let months = [11, 11, 12, 1, 1, 2, 9, 3, 10, 10, 4, 12, 5, 6, 7, 8, 12, 1];
        for (i, month) in months.iter().cycle().take(400).enumerate() {
            let line = format!(
                "I{month:02}15 10:00:{:02}.000000    4242 a.go:{i}] \"step\" i={i}\n",
                i % 60
            );
            log.extend_from_slice(line.as_bytes());
            match i % 7 {
                0 => log.extend_from_slice(b"I0615 10:00:00.000000 not a record\n"),
                1 => log.extend_from_slice(
                    b"E0715 10:00:00.000000       1 b.go:1] unstructured\nsecond line\n",
                ),
                2 => log.extend_from_slice(
                    b"{\"ts\":1700000000000.5,\"caller\":\"c.go:1\",\"msg\":\"j\",\"v\":0}\n",
                ),
                3 => {
                    log.extend_from_slice(&[b'x'; 150]);
                    log.extend_from_slice(b"I0115 10:00:00.000000       7 c.go:3] \"inside\"");
                    log.extend_from_slice(&[b'y'; 150]);
                    log.push(b'\n');
                }
                _ => {}
            }
        }
        log
    }

    /// A line length limit the long lines of [`log`] go over.
    const SHORT_LIMIT: usize = 64;

    /// Converts `source` from `offset` with `jobs` threads, cut as `pieces` says.
    fn in_pieces<S: ReadAt + ?Sized>(
        converter: &Converter,
        max_line_len: usize,
        jobs: usize,
        pieces: Pieces,
        source: &S,
        offset: u64,
    ) -> (Vec<u8>, YearState, u64, io::Result<Option<io::Error>>) {
        let mut converter = converter.clone();
        let mut out = Vec::new();
        let options = ParseOptions {
            max_line_len,
            only: None,
        };
        let (end, result) = convert_in_pieces(
            &mut converter,
            options,
            jobs,
            pieces,
            source,
            offset,
            &mut out,
        );
        (out, converter.text_year_state(), end, result)
    }

    /// Asserts that `input` converts as one pass does, in pieces of each size with each
    /// window, with 1 to `max_jobs` threads: output, final year state and end.
    fn assert_as_one_pass(
        converter: &Converter,
        input: &[u8],
        max_line_len: usize,
        pieces: &[usize],
        windows: &[usize],
        max_jobs: usize,
    ) {
        let (expected, expected_state) = one_pass(converter, input, max_line_len);
        for &piece in pieces {
            for &window in windows {
                for jobs in 1..=max_jobs {
                    let cut = Pieces { piece, window };
                    let (out, state, end, result) =
                        in_pieces(converter, max_line_len, jobs, cut, input, 0);
                    assert!(result.unwrap().is_none());
                    assert!(
                        out == expected,
                        "line limit {max_line_len}, pieces of {piece}, window {window}, \
                         {jobs} threads: output differs"
                    );
                    assert_eq!(state, expected_state);
                    assert_eq!(end, input.len() as u64);
                }
            }
        }
    }

    #[test]
    fn pieces_convert_as_one_pass_does() {
        let input = log();
        let default = klog::parse::DEFAULT_MAX_LINE_LEN;
        for target in [Target::Json, Target::Text] {
            let converter = Converter::new(target).year(2023);
            for max_line_len in [default, SHORT_LIMIT] {
                // Windows too short to hold a record start make every piece be read and
                // cut under the lock; long ones, almost none.
                let pieces = [1, 40, 100, 300, 4096, 1 << 20];
                assert_as_one_pass(&converter, &input, max_line_len, &pieces, &[1, 64, 4096], 4);
            }
        }
    }

    #[test]
    fn a_line_over_the_limit_cut_between_pieces_stays_raw_pieces() {
        // Lines much longer than the limit and the pieces, made of what would be records
        // if a piece started at one of them, each line shifted by a few bytes.
        let mut input = Vec::new();
        for shift in 0..120 {
            input.extend(std::iter::repeat_n(b'x', shift % 64));
            for n in 0..12 {
                input.extend_from_slice(
                    format!("I0115 10:00:00.000000       7 c.go:{n}] \"in\" ").as_bytes(),
                );
            }
            input.push(b'\n');
            input.extend_from_slice(b"I0115 10:00:01.000000       7 c.go:9] \"after\"\n");
        }
        for target in [Target::Json, Target::Text] {
            let converter = Converter::new(target).year(2023);
            assert_as_one_pass(
                &converter,
                &input,
                SHORT_LIMIT,
                &[1, 16, 50, 100],
                &[1, 100, 4096],
                3,
            );
        }
    }

    #[test]
    fn the_line_by_line_guess_is_every_header_month_in_turn() {
        let log = log();
        for start in [None, Some((2023, 1)), Some((2023, 6)), Some((2023, 12))] {
            let mut every = Converter::new(Target::Json).year(2023);
            every.set_text_year_state(start);
            for line in log.split(|&b| b == b'\n') {
                if let Some(month) = header_month(line) {
                    every.advance_text_year(month);
                }
            }
            let mut guess = Converter::new(Target::Json).year(2023);
            guess.set_text_year_state(start);
            let mut months = Vec::new();
            klog::parse::header_month_runs(&log, &mut months);
            apply_months(&mut guess, &months);
            assert_eq!(
                guess.text_year_state(),
                every.text_year_state(),
                "from {start:?}"
            );
        }
    }

    #[test]
    fn the_sampled_guess_follows_a_log_whose_months_move_on_slowly() {
        let mut log = Vec::new();
        for i in 0..2000 {
            let month = 10 + i / 400; // 10, 11, 12, then 13 and 14 written as 1 and 2
            let month = (month - 1) % 12 + 1;
            log.extend_from_slice(
                format!("W{month:02}01 00:00:00.000000    1 a.go:1] \"x\" i={i}\n").as_bytes(),
            );
        }
        let start = Converter::new(Target::Json).year(2023);
        let (mut sampled, mut exact) = (start.clone(), start);
        let (mut sampled_months, mut every_months) = (Vec::new(), Vec::new());
        sample_months(&log, &mut sampled_months);
        klog::parse::header_month_runs(&log, &mut every_months);
        apply_months(&mut sampled, &sampled_months);
        apply_months(&mut exact, &every_months);
        assert_eq!(sampled.text_year_state(), Some((2024, 2)));
        assert_eq!(sampled.text_year_state(), exact.text_year_state());
    }

    #[test]
    fn conversion_starts_at_the_offset_given() {
        let input = log();
        // The start of a line some way in.
        let offset = memchr::memchr(b'\n', &input[5000..]).unwrap() + 5001;
        let converter = Converter::new(Target::Json).year(2023);
        let (expected, _) = one_pass(&converter, &input[offset..], SHORT_LIMIT);
        let pieces = Pieces {
            piece: 300,
            window: 64,
        };
        let (out, _, end, result) = in_pieces(
            &converter,
            SHORT_LIMIT,
            2,
            pieces,
            &input[..],
            offset as u64,
        );
        assert!(result.unwrap().is_none());
        assert!(out == expected);
        assert_eq!(end, input.len() as u64);
    }

    /// An input that hands out at most 7 bytes a read and is interrupted every other read,
    /// cannot be read in the 10 bytes from `fails_at` (a bad block: the bytes after it can),
    /// and is `shrinks_to` bytes long from its `shrinks_after`th read on.
    struct Awkward {
        bytes: Vec<u8>,
        reads: std::sync::atomic::AtomicUsize,
        fails_at: u64,
        shrinks_after: usize,
        shrinks_to: usize,
    }

    impl Awkward {
        fn new(bytes: Vec<u8>) -> Self {
            Awkward {
                fails_at: u64::MAX,
                shrinks_after: usize::MAX,
                shrinks_to: bytes.len(),
                bytes,
                reads: std::sync::atomic::AtomicUsize::new(0),
            }
        }
    }

    impl ReadAt for Awkward {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let read = self.reads.fetch_add(1, Ordering::Relaxed);
            if read % 2 == 1 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            if (self.fails_at..self.fails_at.saturating_add(10)).contains(&offset) {
                return Err(io::Error::other("the disk is on fire"));
            }
            let mut end = if read >= self.shrinks_after {
                self.shrinks_to
            } else {
                self.bytes.len()
            };
            if offset < self.fails_at {
                end = end.min(usize::try_from(self.fails_at).unwrap_or(usize::MAX));
            }
            let n = buf.len().min(7);
            self.bytes[..end].read_at(&mut buf[..n], offset)
        }
    }

    #[test]
    fn short_and_interrupted_reads_change_nothing() {
        let input = log();
        let converter = Converter::new(Target::Text).year(2023);
        let (expected, _) = one_pass(&converter, &input, SHORT_LIMIT);
        for window in [1, 64, 4096] {
            let pieces = Pieces { piece: 300, window };
            let source = Awkward::new(input.clone());
            let (out, _, _, result) = in_pieces(&converter, SHORT_LIMIT, 2, pieces, &source, 0);
            assert!(result.unwrap().is_none());
            assert!(out == expected, "window {window}: output differs");
        }
    }

    #[test]
    fn a_read_error_ends_the_input_after_what_was_read_before_it() {
        let input = log();
        let converter = Converter::new(Target::Json).year(2023);
        // Pieces read after the bad block are not written: the output is what one pass
        // makes of the bytes before it.
        let fails_at = 7013;
        let (expected, _) = one_pass(&converter, &input[..fails_at], SHORT_LIMIT);
        for piece in [100, 1000, 1 << 20] {
            for window in [1, 64, 4096] {
                for jobs in 1..=3 {
                    let source = Awkward {
                        fails_at: fails_at as u64,
                        ..Awkward::new(input.clone())
                    };
                    let pieces = Pieces { piece, window };
                    let (out, _, _, result) =
                        in_pieces(&converter, SHORT_LIMIT, jobs, pieces, &source, 0);
                    let error = result.unwrap().expect("the read error is reported");
                    assert_eq!(error.to_string(), "the disk is on fire");
                    assert!(
                        out == expected,
                        "pieces of {piece}, window {window}, {jobs} threads: output differs"
                    );
                }
            }
        }
    }

    #[test]
    fn an_input_cut_shorter_while_read_ends_with_the_piece_that_saw_it() {
        let input = log();
        let converter = Converter::new(Target::Text).year(2023);
        let (whole, _) = one_pass(&converter, &input, SHORT_LIMIT);
        for shrinks_after in [3, 50, 400, 2000] {
            for jobs in 1..=3 {
                let source = Awkward {
                    shrinks_after,
                    shrinks_to: input.len() / 3 + 17,
                    ..Awkward::new(input.clone())
                };
                let pieces = Pieces {
                    piece: 500,
                    window: 64,
                };
                let (out, _, _, result) =
                    in_pieces(&converter, SHORT_LIMIT, jobs, pieces, &source, 0);
                assert!(result.unwrap().is_none());
                // Whole lines as the whole log gives them, up to the last one (which may
                // be cut), and nothing after it.
                let last_line = out[..out.len().saturating_sub(1)]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |nl| nl + 1);
                assert!(
                    whole.starts_with(&out[..last_line]),
                    "shrinks after {shrinks_after} reads, {jobs} threads: lines differ"
                );
                assert!(out.len() <= whole.len() / 3 + 400);
            }
        }
    }

    #[test]
    fn a_panicking_read_stops_every_thread_and_panics_the_caller() {
        struct Panics;
        impl ReadAt for Panics {
            fn read_at(&self, _: &mut [u8], offset: u64) -> io::Result<usize> {
                assert!(offset < 1000, "a read past 1000");
                Ok(0)
            }
        }
        let converter = Converter::new(Target::Text);
        let panicked = std::panic::catch_unwind(|| {
            let pieces = Pieces {
                piece: 5000,
                window: 64,
            };
            in_pieces(&converter, SHORT_LIMIT, 3, pieces, &Panics, 0)
        });
        assert!(panicked.is_err());
    }

    #[test]
    fn pieces_after_one_in_which_the_input_ended_early_are_dropped() {
        let converter = Converter::new(Target::Text);
        let mut helper = PieceConverter::new(
            converter.clone(),
            ParseOptions {
                max_line_len: SHORT_LIMIT,
                only: None,
            },
        );
        let mut out = Vec::new();
        let mut writing = Writing {
            out: &mut out,
            pending: BTreeMap::new(),
            written: 0,
            state: None,
            resync: false,
            ended: false,
            error: None,
            spare: vec![Vec::new()],
        };
        for (seq, text, ends_input) in [
            (2, "third\n", false),
            (0, "first\n", false),
            (1, "cut", true),
        ] {
            writing.pending.insert(
                seq,
                Done {
                    seq,
                    owner: 0,
                    input: Vec::new(),
                    len: 0,
                    output: text.as_bytes().to_vec(),
                    start: None,
                    end: None,
                    within_long_line: false,
                    ends_input,
                },
            );
        }
        writing.write_ready(&mut helper);
        assert_eq!(writing.written, 3);
        assert!(writing.ended);
        assert_eq!(writing.spare[0].len(), 3);
        assert_eq!(out, b"first\ncut");
    }

    /// The months a thread lists for `piece` (see `PieceConverter::months`).
    fn months_of(piece: &[u8], every: bool) -> Vec<u8> {
        let options = ParseOptions {
            max_line_len: SHORT_LIMIT,
            only: None,
        };
        let mut converter = PieceConverter::new(Converter::new(Target::Json), options);
        converter.load(piece.to_vec(), piece.len(), false);
        converter.months(every)
    }

    #[test]
    fn a_piece_whose_samples_change_month_lists_every_month() {
        // Months 3 and 11 in turn, runs shorter than the sampling step, and a run of 1 in
        // the middle that no sample falls on: a fall (11 -> 1) between samples.
        let mut log = Vec::new();
        for i in 0..400 {
            let month = match i {
                200..=202 => 1,
                _ if i / 30 % 2 == 0 => 3,
                _ => 11,
            };
            log.extend_from_slice(
                format!("I{month:02}01 00:00:00.000000    1 a.go:1] \"x\" i={i}\n").as_bytes(),
            );
        }
        let mut every = Vec::new();
        klog::parse::header_month_runs(&log, &mut every);
        assert!(every.contains(&1));
        assert_eq!(months_of(&log, false), every);
        assert_eq!(months_of(&log, true), every);
        // One month throughout: the sample.
        let one: Vec<u8> = log
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .flat_map(|l| [b"I0701".as_slice(), &l[5..], b"\n"].concat())
            .collect();
        assert_eq!(months_of(&one, false), [7]);
    }

    /// A line of a log: records of any month (structured, unstructured with continuation
    /// lines), JSON, lines that look like headers but are no records, empty lines, bytes
    /// that are not UTF-8, carriage returns, and lines longer than [`SHORT_LIMIT`].
    fn any_line() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            (1u32..=12, 1u32..=28, 0u32..60, "[a-z =\"]{0,40}").prop_map(|(m, d, s, body)| {
                format!("I{m:02}{d:02} 10:00:{s:02}.000000    4242 a.go:1] \"m\" k=\"{body}\"")
                    .into_bytes()
            }),
            (1u32..=12, "[a-z ]{0,30}", 0usize..3).prop_map(|(m, text, more)| {
                let mut line = format!("E{m:02}15 10:00:00.000000       1 b.go:2] {text}");
                for i in 0..more {
                    line.push_str(&format!("\n  continued {i}"));
                }
                line.into_bytes()
            }),
            (0u32..1000).prop_map(|n| {
                format!("{{\"ts\":1700000000{n:03}.5,\"caller\":\"c.go:1\",\"msg\":\"j\",\"v\":0}}")
                    .into_bytes()
            }),
            (1u32..=12).prop_map(|m| format!("W{m:02}15 10:00:00.000000 no record").into_bytes()),
            Just(Vec::new()),
            proptest::collection::vec(any::<u8>().prop_filter("one line", |&b| b != b'\n'), 0..200),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn any_log_in_any_pieces_converts_as_one_pass_does(
            lines in proptest::collection::vec(any_line(), 0..120),
            crlf in proptest::prelude::any::<bool>(),
            last_line_ends in proptest::prelude::any::<bool>(),
            piece in 1usize..2000,
            window in 1usize..300,
            jobs in 1usize..4,
            short_limit in proptest::prelude::any::<bool>(),
            to_json in proptest::prelude::any::<bool>(),
        ) {
            let mut input = Vec::new();
            for line in &lines {
                input.extend_from_slice(line);
                input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            if !last_line_ends && input.last() == Some(&b'\n') {
                input.pop();
            }
            let target = if to_json { Target::Json } else { Target::Text };
            let converter = Converter::new(target).year(2023);
            let max_line_len = if short_limit {
                SHORT_LIMIT
            } else {
                klog::parse::DEFAULT_MAX_LINE_LEN
            };
            let (expected, expected_state) = one_pass(&converter, &input, max_line_len);
            let cut = Pieces { piece, window };
            let (out, state, end, result) =
                in_pieces(&converter, max_line_len, jobs, cut, &input[..], 0);
            proptest::prop_assert!(result.unwrap().is_none());
            proptest::prop_assert!(out == expected, "output differs");
            proptest::prop_assert_eq!(state, expected_state);
            proptest::prop_assert_eq!(end, input.len() as u64);
        }
    }
}
