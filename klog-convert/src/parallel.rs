//! `-j N`: one input converted by N threads, written in order, in bounded memory.
//!
//! The reading thread cuts the input into pieces of about [`PIECE`] bytes, each ending just
//! before a line that starts a record (a klog header or a `{`): no record, multi-line
//! values and unstructured messages included, spans two pieces, so each piece parses as it
//! would in one pass. N − 1 workers convert pieces with their own `Converter` and parser;
//! the reading thread writes the results in input order and, whenever it has nothing to
//! read or write, converts the oldest waiting piece itself: N threads, not N + 1, share N
//! cores (a reading thread of its own was a third thread on two cores, and every piece it
//! handed over waited for it to be scheduled). At most `2 × N` pieces are in flight.
//!
//! The one state carried from record to record is the year of klog text headers (they have
//! none; a month falling back from December to January moves to the next year). The reading
//! thread guesses where the inference stands at each piece from the months of a sample of
//! the piece's headers (a cheap look at 21 bytes of a few lines: reading every line's
//! header here cost 4 % of the CPU time of `-j 2`); a piece's conversion reports the state
//! it started from and ended at, and before a piece is written its start is checked
//! against the true state. A piece converted from a wrong guess (months that move by half
//! a year between two sampled headers, or a line that looked like a header but was no
//! record) is converted again on the reading thread; the pieces in flight, guessed on from
//! the wrong state, are written (each converted again if it started wrong) before more go
//! out, and from then on the guess follows every header of the input (a log whose months
//! jump about, several logs one after another, needs that). The output is the one pass's
//! byte for byte.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Cursor, Read, Write};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use klog::convert::Converter;
use klog::parse::{header_month, starts_record, Parser, SourceFormat};

/// The size a piece is cut at (it grows to the next record start): 256 KiB was 1-2 %
/// faster than 1 MiB on 2 cores (a piece and its output stay in the core's cache), 128
/// KiB no faster, 64 KiB 15 % slower.
const PIECE: usize = 256 << 10;

/// What the workers need to parse like the one-pass parser.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParseOptions {
    pub(crate) max_line_len: usize,
    pub(crate) only: Option<SourceFormat>,
}

type YearState = Option<(i64, u32)>;

struct Job {
    seq: u64,
    input: Vec<u8>,
    /// An empty buffer for the output (recycled: a fresh one each time would cost page
    /// faults).
    output: Vec<u8>,
    start: YearState,
    /// The piece starts inside a line longer than the line limit (see `within_long_line`
    /// of `Parser::replace_input`).
    within_long_line: bool,
}

struct Done {
    seq: u64,
    input: Vec<u8>,
    output: Vec<u8>,
    start: YearState,
    end: YearState,
    within_long_line: bool,
}

/// The pieces waiting for a thread. Workers wait on the condition variable without holding
/// the lock, so the reading thread can always take a waiting piece at once.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // Nothing is left half-done under the lock: a poisoned one is as good as any.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Job) {
        self.lock().jobs.push_back(job);
        self.ready.notify_one();
    }

    /// The oldest waiting piece, if any, without waiting.
    fn try_take(&self) -> Option<Job> {
        self.lock().jobs.pop_front()
    }

    /// The oldest piece, waiting for one; `None` once closed and empty.
    fn take(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

/// A thread's converter and parser, kept from piece to piece (so are the parser's
/// recycled buffers: a parser per piece allocated its first records' strings again).
struct PieceConverter {
    converter: Converter,
    parser: Parser<Cursor<Vec<u8>>>,
}

impl PieceConverter {
    fn new(converter: Converter, options: ParseOptions) -> Self {
        let mut parser = Parser::new(Cursor::new(Vec::new())).max_line_len(options.max_line_len);
        if let Some(format) = options.only {
            parser = parser.source_format(format);
        }
        PieceConverter { converter, parser }
    }

    /// Converts `input` (whole records, or raw pieces of one over-long line) from year
    /// state `start` into `out`; gives back the input and the state at its end.
    fn convert(
        &mut self,
        input: Vec<u8>,
        start: YearState,
        within_long_line: bool,
        out: &mut Vec<u8>,
    ) -> (Vec<u8>, YearState) {
        self.converter.set_text_year_state(start);
        self.parser
            .replace_input(Cursor::new(input), within_long_line);
        // Reading from memory cannot fail.
        while let Some(Ok(line)) = self.parser.next() {
            self.converter.convert(&line, out);
            self.parser.recycle(line);
        }
        let input = self
            .parser
            .replace_input(Cursor::default(), false)
            .into_inner();
        (input, self.converter.text_year_state())
    }

    fn run(&mut self, job: Job) -> Done {
        let mut output = job.output;
        let (input, end) = self.convert(job.input, job.start, job.within_long_line, &mut output);
        Done {
            seq: job.seq,
            input,
            output,
            start: job.start,
            end,
            within_long_line: job.within_long_line,
        }
    }
}

/// Appends up to `n` bytes of `reader` to `buf`; `true` at the end of the input (or at a
/// read error, kept in `error`).
fn fill(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    n: usize,
    error: &mut Option<io::Error>,
) -> bool {
    let before = buf.len();
    match reader.take(n as u64).read_to_end(buf) {
        Ok(_) => buf.len() - before < n,
        Err(e) => {
            *error = Some(e);
            true
        }
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

/// How many places of a piece [`guess_through`] looks at, besides its last headers.
const SAMPLES: usize = 16;
/// How many lines from a sampled place are looked at for a header.
const LINES_PER_SAMPLE: usize = 8;

/// Moves the year inference of `guess` on through the months of the headers of `piece` at
/// [`SAMPLES`] evenly spread places and of its last header, in order: enough for any log
/// whose month does not move by half a year between two of them, and a guess either way
/// (the caller checks it).
fn guess_through(guess: &mut Converter, piece: &[u8]) {
    // Where the last header fed starts: each header is fed once, in input order.
    let mut fed: Option<usize> = None;
    let mut feed = |guess: &mut Converter, at: usize, month: u32| {
        if fed.is_none_or(|before| at > before) {
            guess.advance_text_year(month);
            fed = Some(at);
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
                feed(guess, start, month);
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
            feed(guess, start, month);
            break;
        }
        end = start;
    }
}

/// Moves the year inference of `guess` on through the months of every header of `piece`, as
/// the conversion will (save lines that look like headers but are no records).
///
/// A header of the month the inference stands at changes nothing, so a line whose month
/// digits are that month's is passed over without a look at the rest of its header: in a
/// log most lines are, and the scan takes half the time.
fn guess_line_by_line(guess: &mut Converter, piece: &[u8]) {
    let digits = |state: YearState| {
        state
            .and_then(|(_, month)| u8::try_from(month).ok())
            .map(|m| [b'0' + m / 10, b'0' + m % 10])
    };
    let mut current = digits(guess.text_year_state());
    let mut at_line = |start: usize| {
        if current.is_some_and(|d| piece.get(start + 1..start + 3) == Some(&d[..])) {
            return;
        }
        if let Some(month) = header_month(&piece[start..]) {
            guess.advance_text_year(month);
            current = digits(guess.text_year_state());
        }
    };
    at_line(0);
    for nl in memchr::memchr_iter(b'\n', piece) {
        at_line(nl + 1);
    }
}

/// Converts `reader` with `jobs` threads (the calling one included), writing to `out` in
/// order. Input errors are returned as `Ok(Some(error))` after everything read before them
/// is written; `Err` is an output error.
pub(crate) fn convert_parallel(
    converter: &mut Converter,
    options: ParseOptions,
    jobs: usize,
    reader: impl Read,
    out: &mut impl Write,
) -> io::Result<Option<io::Error>> {
    convert_in_pieces(converter, options, jobs, PIECE, reader, out)
}

/// [`convert_parallel`] with pieces of about `piece` bytes.
fn convert_in_pieces(
    converter: &mut Converter,
    options: ParseOptions,
    jobs: usize,
    piece: usize,
    mut reader: impl Read,
    out: &mut impl Write,
) -> io::Result<Option<io::Error>> {
    let jobs = jobs.max(1);
    let queue = Arc::new(Queue::default());
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let workers: Vec<_> = (1..jobs)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let done_tx = done_tx.clone();
            let mut converter = PieceConverter::new(converter.clone(), options);
            thread::spawn(move || {
                while let Some(job) = queue.take() {
                    if done_tx.send(converter.run(job)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(done_tx);

    // The guess of the year state at each piece's start, moved on by the headers' months.
    let mut guess = converter.clone();
    // The true state at the start of the next piece to be written.
    let mut state = converter.text_year_state();
    // Converts the pieces this thread takes, and those converted from a wrong guess.
    let mut helper = PieceConverter::new(converter.clone(), options);
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let (mut sent, mut written) = (0u64, 0u64);
    let new_buffer = || Vec::with_capacity(piece * 2);
    let mut buf: Vec<u8> = new_buffer();
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut spare_outputs: Vec<Vec<u8>> = Vec::new();
    let mut read_error = None;
    let mut eof = false;
    // Bytes of the line the buffer starts inside that went out with earlier pieces (0: the
    // buffer starts at a line's start).
    let mut line_offset = 0usize;
    // Whether a sampled guess was wrong (see `guess_through`).
    let mut exact_guesses = false;
    // Whether the pieces in flight were guessed from a wrong state.
    let mut resync = false;
    let max_in_flight = 2 * jobs as u64;
    let result = (|| -> io::Result<()> {
        loop {
            if resync && written == sent {
                guess.set_text_year_state(state);
                resync = false;
            }
            // Fill and send pieces while there is input and room (and the guess is not
            // being reset).
            while !(resync || (eof && buf.is_empty())) && sent - written < max_in_flight {
                if buf.len() < piece {
                    let want = piece - buf.len();
                    eof = fill(&mut reader, &mut buf, want, &mut read_error);
                }
                let found = if eof { None } else { cut(&buf) };
                let at = match found {
                    // At the end the rest is the last piece.
                    _ if eof => buf.len(),
                    Some(at) => at,
                    // No record start: the whole buffer at the end; else read on, up to
                    // where no record or value read in one pass could still reach (a record
                    // is at most max_line_len long), and then cut at a line end.
                    None if buf.len() > options.max_line_len.saturating_add(piece) => {
                        match memchr::memrchr(b'\n', &buf) {
                            Some(nl) => nl + 1,
                            // Inside one line longer than the limit: cut where one pass
                            // cuts it into raw pieces, at a multiple of the limit from the
                            // line's start, and the next piece goes on inside it.
                            None => {
                                let limit = options.max_line_len;
                                (line_offset + buf.len()) / limit * limit - line_offset
                            }
                        }
                    }
                    None => {
                        eof = fill(&mut reader, &mut buf, piece, &mut read_error);
                        continue;
                    }
                };
                if at == 0 {
                    break;
                }
                let mut rest = spare.pop().unwrap_or_else(new_buffer);
                rest.clear();
                rest.extend_from_slice(&buf[at..]);
                buf.truncate(at);
                let input = std::mem::replace(&mut buf, rest);
                let within_long_line = line_offset > 0;
                line_offset = match memchr::memrchr(b'\n', &input) {
                    Some(nl) => input.len() - nl - 1,
                    None => line_offset + input.len(),
                };
                let start = guess.text_year_state();
                if exact_guesses {
                    guess_line_by_line(&mut guess, &input);
                } else {
                    guess_through(&mut guess, &input);
                }
                let mut output = spare_outputs.pop().unwrap_or_default();
                output.clear();
                queue.push(Job {
                    seq: sent,
                    input,
                    output,
                    start,
                    within_long_line,
                });
                sent += 1;
            }
            if written == sent {
                return Ok(());
            }
            while let Ok(done) = done_rx.try_recv() {
                pending.insert(done.seq, done);
            }
            // Write what is next in order; else convert a waiting piece; else wait.
            let Some(done) = pending.remove(&written) else {
                if let Some(job) = queue.try_take() {
                    let done = helper.run(job);
                    pending.insert(done.seq, done);
                } else {
                    let Ok(done) = done_rx.recv() else {
                        return Err(io::Error::other("a worker thread stopped"));
                    };
                    pending.insert(done.seq, done);
                }
                continue;
            };
            let Done {
                mut input,
                mut output,
                start,
                end,
                within_long_line,
                ..
            } = done;
            if start == state {
                state = end;
            } else {
                // Guessed wrong: convert again from the true state. The pieces in flight
                // were guessed on from the wrong one: send no more until they are written,
                // then guess on from the true state, from every header (this log's months
                // jump about between the sampled ones).
                exact_guesses = true;
                resync = true;
                output.clear();
                (input, state) = helper.convert(input, state, within_long_line, &mut output);
            }
            out.write_all(&output)?;
            written += 1;
            input.clear();
            if spare.len() < max_in_flight as usize {
                spare.push(input);
            }
            if spare_outputs.len() < max_in_flight as usize {
                spare_outputs.push(output);
            }
        }
    })();
    queue.close();
    for worker in workers {
        let _ = worker.join();
    }
    converter.set_text_year_state(state);
    result.map(|()| read_error)
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

    #[test]
    fn pieces_convert_as_one_pass_does() {
        let input = log();
        let default = klog::parse::DEFAULT_MAX_LINE_LEN;
        for target in [Target::Json, Target::Text] {
            let converter = Converter::new(target).year(2023);
            for max_line_len in [default, SHORT_LIMIT] {
                let (expected, expected_state) = one_pass(&converter, &input, max_line_len);
                for piece in [1, 40, 100, 300, 4096, 1 << 20] {
                    for jobs in 1..=4 {
                        let mut converter = converter.clone();
                        let mut out = Vec::new();
                        let options = ParseOptions {
                            max_line_len,
                            only: None,
                        };
                        let error = convert_in_pieces(
                            &mut converter,
                            options,
                            jobs,
                            piece,
                            &input[..],
                            &mut out,
                        )
                        .unwrap();
                        assert!(error.is_none());
                        assert!(
                            out == expected,
                            "{target:?}, line limit {max_line_len}, pieces of {piece}, \
                             {jobs} threads: output differs"
                        );
                        assert_eq!(converter.text_year_state(), expected_state);
                    }
                }
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
            let (expected, _) = one_pass(&converter, &input, SHORT_LIMIT);
            for piece in [1, 16, 50, 100] {
                for jobs in 1..=3 {
                    let mut converter = converter.clone();
                    let mut out = Vec::new();
                    let options = ParseOptions {
                        max_line_len: SHORT_LIMIT,
                        only: None,
                    };
                    convert_in_pieces(&mut converter, options, jobs, piece, &input[..], &mut out)
                        .unwrap();
                    assert!(
                        out == expected,
                        "{target:?}, pieces of {piece}, {jobs} threads: output differs"
                    );
                }
            }
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
            guess_line_by_line(&mut guess, &log);
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
        guess_through(&mut sampled, &log);
        guess_line_by_line(&mut exact, &log);
        assert_eq!(sampled.text_year_state(), Some((2024, 2)));
        assert_eq!(sampled.text_year_state(), exact.text_year_state());
    }
}
