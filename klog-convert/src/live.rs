//! Live input (a pipe such as `kubectl logs -f … | klog-convert`, or `--follow`): read on a
//! thread of its own, so that a pause in the input can be told from more data on the way.
//!
//! An unstructured klog message ends where the next record starts, so its last line would
//! wait for the next line, which on a live stream may come minutes later. Here, when the
//! input has been quiet for [`QUIET`] at a line boundary, the reader reports an end once
//! (the parser then finishes the message, and what was converted is written out), and reads
//! on at the next call. The lines of one record come within microseconds of each other, so
//! a record is only cut if its writer pauses longer than that between its lines.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// How long the input must be quiet before an unstructured message is taken to be complete.
pub(crate) const QUIET: Duration = Duration::from_millis(200);

/// The size of the reads of the reading thread.
const CHUNK: usize = 64 << 10;

/// Chunks in flight between the reading thread and the parser: the memory stays flat when
/// the output is slower than the input.
const IN_FLIGHT: usize = 4;

/// How the converter sees the end of what it was given to read: a pause or the real end.
pub(crate) trait InputEnd {
    /// Whether everything read so far has been handed out (the next line waits for input).
    fn drained(&self) -> bool;
    /// Whether the input has really ended (not only paused).
    fn ended(&self) -> bool;
}

impl<R: Read> InputEnd for io::BufReader<R> {
    fn drained(&self) -> bool {
        self.buffer().is_empty()
    }

    /// A `BufReader` reports only the real end.
    fn ended(&self) -> bool {
        true
    }
}

/// A live input: `BufRead` over chunks read by a thread of its own.
pub(crate) struct LiveInput {
    chunks: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    /// The last byte handed out ended a line (or nothing was handed out yet): only there may a
    /// pause be reported as an end, so a line is never cut.
    at_line_start: bool,
    /// A pause was just reported: the next read waits for data.
    paused: bool,
    ended: bool,
}

impl LiveInput {
    /// Starts reading `input` on a thread of its own.
    pub(crate) fn new(mut input: impl Read + Send + 'static) -> LiveInput {
        let (send, chunks) = mpsc::sync_channel(IN_FLIGHT);
        thread::spawn(move || loop {
            let mut chunk = vec![0; CHUNK];
            let sent = match input.read(&mut chunk) {
                Ok(n) => {
                    chunk.truncate(n);
                    send.send(Ok(chunk)).is_ok() && n > 0
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
                Err(e) => {
                    let _ = send.send(Err(e));
                    false
                }
            };
            // The input ended or failed, or the converter is gone.
            if !sent {
                return;
            }
        });
        LiveInput {
            chunks,
            chunk: Vec::new(),
            at: 0,
            at_line_start: true,
            paused: false,
            ended: false,
        }
    }
}

impl InputEnd for LiveInput {
    fn drained(&self) -> bool {
        self.at == self.chunk.len()
    }

    fn ended(&self) -> bool {
        self.ended
    }
}

impl Read for LiveInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for LiveInput {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at == self.chunk.len() && !self.ended {
            let next = if self.at_line_start && !self.paused {
                match self.chunks.recv_timeout(QUIET) {
                    Ok(next) => Some(next),
                    Err(RecvTimeoutError::Timeout) => {
                        // Quiet at a line boundary: report an end once.
                        self.paused = true;
                        return Ok(&[]);
                    }
                    Err(RecvTimeoutError::Disconnected) => None,
                }
            } else {
                self.chunks.recv().ok()
            };
            match next {
                Some(Ok(chunk)) if !chunk.is_empty() => {
                    self.chunk = chunk;
                    self.at = 0;
                    self.paused = false;
                }
                Some(Err(e)) => return Err(e),
                // An empty read, or the reading thread is gone: the end.
                Some(Ok(_)) | None => self.ended = true,
            }
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        let amount = amount.min(self.chunk.len() - self.at);
        if amount > 0 {
            self.at_line_start = self.chunk[self.at + amount - 1] == b'\n';
            self.at += amount;
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_pause_at_a_line_boundary_reads_as_an_end_once_and_reading_goes_on() {
        let (mut writer, reader) = UnixStream::pair().unwrap();
        let mut input = LiveInput::new(reader);
        writer.write_all(b"one\n").unwrap();
        let mut line = String::new();
        input.read_line(&mut line).unwrap();
        assert_eq!(line, "one\n");
        // Quiet: one end is reported, and the input has not ended.
        assert_eq!(input.fill_buf().unwrap(), b"");
        assert!(input.drained() && !input.ended());
        writer.write_all(b"two\n").unwrap();
        line.clear();
        input.read_line(&mut line).unwrap();
        assert_eq!(line, "two\n");
        drop(writer);
        assert_eq!(input.fill_buf().unwrap(), b"");
        assert_eq!(input.fill_buf().unwrap(), b"");
        assert!(input.ended());
    }

    #[test]
    fn a_pause_inside_a_line_does_not_cut_it() {
        let (mut writer, reader) = UnixStream::pair().unwrap();
        let mut input = LiveInput::new(reader);
        let feeder = thread::spawn(move || {
            writer.write_all(b"first half, ").unwrap();
            thread::sleep(QUIET * 3);
            writer.write_all(b"second half\n").unwrap();
        });
        let mut line = String::new();
        input.read_line(&mut line).unwrap();
        assert_eq!(line, "first half, second half\n");
        feeder.join().unwrap();
    }

    #[test]
    fn everything_is_read_in_order_across_chunks() {
        let (mut writer, reader) = UnixStream::pair().unwrap();
        let mut input = LiveInput::new(reader);
        let data: Vec<u8> = (0..400_000u32)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let expected = data.clone();
        let feeder = thread::spawn(move || writer.write_all(&data).unwrap());
        let mut read = Vec::new();
        loop {
            let n = input.read_until(b'\n', &mut read).unwrap();
            if n == 0 && input.ended() {
                break;
            }
        }
        feeder.join().unwrap();
        assert_eq!(read, expected);
    }
}
