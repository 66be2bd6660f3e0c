//! `-j N`: one input converted by N worker threads, written in order, in bounded memory.
//!
//! The reading thread cuts the input into pieces of about [`PIECE`] bytes, each ending just
//! before a line that starts a record (a klog header or a `{`): no record, multi-line
//! values and unstructured messages included, spans two pieces, so each piece parses as it
//! would in one pass. Workers convert pieces with their own `Converter` and parser; the
//! reading thread writes the results in input order. At most `2 × N` pieces are in flight.
//!
//! The one state carried from record to record is the year of klog text headers (they have
//! none; a month falling back from December to January moves to the next year). The reading
//! thread guesses where the inference stands at each piece from the headers' months (a cheap
//! look at 21 bytes per line); a worker reports the state it started from and ended at, and
//! a piece converted from a wrong guess (a line that looked like a header but was no record)
//! is converted again on the reading thread with the right one. The output is the one pass's
//! byte for byte.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use klog::convert::Converter;
use klog::parse::{header_month, starts_record, Parser, SourceFormat};

/// The size a piece is cut at (it grows to the next record start).
const PIECE: usize = 1 << 20;

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
    /// An empty buffer for the output (recycled: a fresh megabyte each time would cost page
    /// faults).
    output: Vec<u8>,
    start: YearState,
}

struct Done {
    seq: u64,
    input: Vec<u8>,
    output: Vec<u8>,
    start: YearState,
    end: YearState,
}

/// Converts `bytes` (whole records) from year state `start`; returns the state at the end.
fn convert_piece(
    converter: &mut Converter,
    options: ParseOptions,
    bytes: &[u8],
    start: YearState,
    out: &mut Vec<u8>,
) -> YearState {
    converter.set_text_year_state(start);
    let mut parser = Parser::new(bytes).max_line_len(options.max_line_len);
    if let Some(format) = options.only {
        parser = parser.source_format(format);
    }
    // Reading from memory cannot fail.
    while let Some(Ok(line)) = parser.next() {
        converter.convert(&line, out);
        parser.recycle(line);
    }
    converter.text_year_state()
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
    let complete = buf.iter().rposition(|&b| b == b'\n')? + 1;
    let mut end = complete;
    while let Some(nl) = buf[..end.saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'\n')
    {
        let start = nl + 1;
        if start < complete && starts_record(&buf[start..end]) {
            return Some(start);
        }
        end = start;
    }
    None
}

/// Converts `reader` with `jobs` worker threads, writing to `out` in order. Input errors are
/// returned as `Ok(Some(error))` after everything read before them is written; `Err` is an
/// output error.
pub(crate) fn convert_parallel(
    converter: &mut Converter,
    options: ParseOptions,
    jobs: usize,
    mut reader: impl Read,
    out: &mut impl Write,
) -> io::Result<Option<io::Error>> {
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            let mut converter = converter.clone();
            thread::spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let mut output = job.output;
                let end =
                    convert_piece(&mut converter, options, &job.input, job.start, &mut output);
                let done = Done {
                    seq: job.seq,
                    input: job.input,
                    output,
                    start: job.start,
                    end,
                };
                if done_tx.send(done).is_err() {
                    return;
                }
            })
        })
        .collect();
    drop(done_tx);

    // The guess of the year state at each piece's start, moved on by the headers' months.
    let mut guess = converter.clone();
    // The true state at the start of the next piece to be written.
    let mut state = converter.text_year_state();
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let (mut sent, mut written) = (0u64, 0u64);
    let mut buf: Vec<u8> = Vec::with_capacity(PIECE * 2);
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut spare_outputs: Vec<Vec<u8>> = Vec::new();
    let mut read_error = None;
    let mut eof = false;
    let max_in_flight = 2 * jobs as u64;
    let result = (|| -> io::Result<()> {
        loop {
            // Fill and send pieces while there is room.
            while !(eof && buf.is_empty()) && sent - written < max_in_flight {
                if buf.len() < PIECE {
                    let want = PIECE - buf.len();
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
                    None if buf.len() > options.max_line_len.saturating_add(PIECE) => {
                        match buf.iter().rposition(|&b| b == b'\n') {
                            Some(nl) => nl + 1,
                            None => buf.len(),
                        }
                    }
                    None => {
                        eof = fill(&mut reader, &mut buf, PIECE, &mut read_error);
                        continue;
                    }
                };
                if at == 0 {
                    break;
                }
                let mut rest = spare.pop().unwrap_or_default();
                rest.clear();
                rest.extend_from_slice(&buf[at..]);
                buf.truncate(at);
                let input = std::mem::replace(&mut buf, rest);
                let start = guess.text_year_state();
                let mut line_start = 0;
                for nl in memchr::memchr_iter(b'\n', &input).chain([input.len()]) {
                    if let Some(month) = header_month(&input[line_start..nl]) {
                        guess.advance_text_year(month);
                    }
                    line_start = nl + 1;
                }
                let mut output = spare_outputs.pop().unwrap_or_default();
                output.clear();
                let job = Job {
                    seq: sent,
                    input,
                    output,
                    start,
                };
                if job_tx.send(job).is_err() {
                    return Err(io::Error::other("a worker thread stopped"));
                }
                sent += 1;
            }
            if written == sent {
                return Ok(());
            }
            // Write what is next in order.
            let done = match pending.remove(&written) {
                Some(done) => done,
                None => {
                    let Ok(done) = done_rx.recv() else {
                        return Err(io::Error::other("a worker thread stopped"));
                    };
                    pending.insert(done.seq, done);
                    continue;
                }
            };
            let Done {
                mut input,
                mut output,
                start,
                end,
                ..
            } = done;
            if start == state {
                state = end;
            } else {
                // Guessed wrong: convert again from the true state.
                output.clear();
                state = convert_piece(converter, options, &input, state, &mut output);
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
    drop(job_tx);
    for worker in workers {
        let _ = worker.join();
    }
    converter.set_text_year_state(state);
    result.map(|()| read_error)
}
