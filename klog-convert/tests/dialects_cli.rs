//! `klog-convert` on the JSON dialects, `--from`, `-j`, and the edges of real logs (issue 15),
//! with lines written for these tests.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_klog-convert"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run klog-convert");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run_str(args: &[&str], input: &str) -> String {
    String::from_utf8(run(args, input.as_bytes())).unwrap()
}

/// A file under the temp dir, removed when dropped (`-j` works on regular files).
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "klog-convert-dialects-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn convert(&self, args: &[&str]) -> Vec<u8> {
        let out = Command::new(env!("CARGO_BIN_EXE_klog-convert"))
            .args(args)
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const OPERATOR: &str = "\
{\"level\":\"info\",\"ts\":1631176483.1089125,\"logger\":\"controller-runtime.manager.controller.ceph-nfs-controller\",\"msg\":\"Starting workers\",\"worker count\":1}
{\"level\":\"error\",\"ts\":1631176484.5,\"logger\":\"controller-runtime.manager.controller.ceph-nfs-controller\",\"msg\":\"Reconciler error\",\"name\":\"nfs\",\"error\":\"failed to get pod\"}
{\"level\":\"debug\",\"ts\":1631176485,\"logger\":\"setup\",\"msg\":\"details\"}
";

#[test]
fn an_operators_zap_log_filters_and_converts_by_its_levels() {
    // docs/converter.md's example: `kubectl logs deploy/my-operator | klog-convert --severity warning`.
    let out = run_str(&["--to", "text", "--severity", "warning"], OPERATOR);
    assert_eq!(
        out,
        "E0909 08:34:44.500000         ???:1] \"Reconciler error\" err=\"failed to get pod\" logger=\"controller-runtime.manager.controller.ceph-nfs-controller\" name=\"nfs\"\n"
    );
    let out = run_str(&["--to", "json", "--max-v", "0"], OPERATOR);
    assert_eq!(out.lines().count(), 2, "{out}");
    // component-base's `ts` is float64(Unix nanoseconds) / 1e6.
    assert!(out.starts_with("{\"ts\":1631176483108.912"), "{out}");
    let out = run_str(
        &["--to", "text", "--since", "2021-09-09T08:34:44Z"],
        OPERATOR,
    );
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn from_chooses_one_format() {
    // As component-base JSON the zap lines are error entries (no "v"): that is what --from
    // json asks for; as text they are no records at all.
    let out = run_str(&["--to", "text", "--from", "json"], OPERATOR);
    assert!(out.lines().all(|l| l.starts_with('E')), "{out}");
    let out = run_str(&["--to", "text", "--from", "text"], OPERATOR);
    assert_eq!(out, OPERATOR);
    // `INFO-2` is no logrus level.
    let slog = "{\"time\":\"2024-01-02T03:04:05Z\",\"level\":\"INFO-2\",\"msg\":\"m\"}\n";
    assert_eq!(run_str(&["--to", "text", "--from", "logrus"], slog), slog);
    let out = run_str(&["--to", "json", "--from", "slog"], slog);
    assert_eq!(out, "{\"ts\":1704164645000,\"msg\":\"m\",\"v\":2}\n");
}

#[test]
fn a_multi_line_message_moves_with_its_record_through_filters() {
    let input = "\
E0610 02:55:28.185750   64201 aws.go:77] while getting AWS credentials
\tFor verbose messaging see aws.Config
I0610 02:55:29.000000   64201 kubelet.go:1] \"Started\"
";
    let out = run_str(&["--to", "text", "--severity", "error"], input);
    assert_eq!(
        out,
        input
            .lines()
            .take(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    let out = run_str(&["--to", "text", "--match", "msg=Started"], input);
    assert_eq!(
        out,
        "I0610 02:55:29.000000   64201 kubelet.go:1] \"Started\"\n"
    );
    let out = run_str(&["--to", "json", "--year", "2024"], input);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains(
        "\"msg\":\"while getting AWS credentials\\n\\tFor verbose messaging see aws.Config\""
    ));
}

#[test]
fn impossible_dates_pass_through_raw() {
    let input = "\
I0000 03:04:05.123456       1 a.go:1] \"zero\"
I0229 03:04:05.123456       1 a.go:1] \"leap day\"
I1231 24:00:00.000000       1 a.go:1] \"hour 24\"
";
    // 2025 has no February 29.
    assert_eq!(run_str(&["--to", "json", "--year", "2025"], input), input);
    let out = run_str(&["--to", "json", "--year", "2024"], input);
    assert_eq!(
        out.lines().filter(|l| l.starts_with('{')).count(),
        1,
        "{out}"
    );
}

#[test]
fn a_json_key_with_a_line_break_never_forges_a_text_line() {
    let input = "{\"ts\":1,\"msg\":\"m\",\"v\":0,\"k\\nE0101 00:00:00.000000       1 forged.go:1] \\\"forged\\\"\":1}\n";
    let out = run_str(&["--to", "text"], input);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("\nE0101"), "{out}");
}

#[test]
fn crlf_and_padded_lines_convert() {
    let input = "I0102 03:04:05.123456       1 a.go:1] plain\r\nI0102 03:04:05.123456       1 a.go:1] \"padded\" n=1   \n";
    let out = run_str(&["--to", "json", "--year", "2024"], input);
    assert_eq!(
        out,
        "{\"ts\":1704164645123.456,\"caller\":\"a.go:1\",\"msg\":\"plain\",\"v\":0}\n\
         {\"ts\":1704164645123.456,\"caller\":\"a.go:1\",\"msg\":\"padded\",\"v\":0,\"n\":1}\n"
    );
}

#[test]
fn a_long_logger_name_is_not_glued_to_the_message() {
    let input = "I0102 03:04:05.123456       1 a.go:1] \"Started\" logger=\"certificatesigningrequest-approving-controller\"\n";
    let out = run_str(&["--color", "never", "--year", "2024"], input);
    assert!(
        out.contains("certificatesigningrequest-approving-controller Started"),
        "{out}"
    );
}

/// Records around a December → January roll-over, over several 1 MiB pieces, with lines that
/// look like headers to the pieces' cheap month look but are no records (the reading thread's
/// guess of the year is then wrong, and the piece is converted again).
fn rollover_log() -> Vec<u8> {
    let mut log = Vec::new();
    let mut n = 0;
    for month in [11, 12, 1, 2, 12, 1] {
        for _ in 0..9_000 {
            n += 1;
            let line = format!(
                "I{month:02}15 10:00:00.{:06}    4242 a.go:{n}] \"record\" n={n} pod=\"ns/p\"\n",
                n % 1_000_000
            );
            log.extend_from_slice(line.as_bytes());
        }
        // Looks like a header (month 6) but has no `file:line] `: a raw line.
        log.extend_from_slice(b"I0615 10:00:00.000000 not a record\n");
    }
    log.extend_from_slice(
        b"E0115 10:00:00.000000    4242 a.go:1] unstructured\nwith a second line\n",
    );
    log
}

#[test]
fn parallel_output_is_ordered_and_keeps_the_years() {
    let file = TempFile::new("rollover.log", &rollover_log());
    let one = file.convert(&["-j", "1", "--to", "json", "--year", "2023"]);
    for jobs in ["2", "3"] {
        let many = file.convert(&["-j", jobs, "--to", "json", "--year", "2023"]);
        assert!(one == many, "-j {jobs} differs from -j 1");
    }
    let text = String::from_utf8(one).unwrap();
    // Three roll-overs: 2023 → 2024 → 2025 (the raw June lines do not count).
    assert!(text.contains("{\"ts\":1700042400"), "November 2023");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains("\"ts\":1736935200000"),
        "January 2025"
    );
    let back = TempFile::new("rollover.json", text.as_bytes());
    let one = back.convert(&["-j", "1", "--to", "text"]);
    assert!(one == back.convert(&["-j", "2", "--to", "text"]));
}

/// Standard input redirected from a file is converted in parallel from where its offset
/// stands (a script may have read the first lines), and left at the end, as one pass does.
#[cfg(unix)]
#[test]
fn standard_input_from_a_file_is_converted_from_its_offset_on() {
    use std::io::{Seek, SeekFrom};
    let log = rollover_log();
    let offset = log.iter().position(|&b| b == b'\n').unwrap() + 1;
    let tail = TempFile::new("rollover-tail.log", &log[offset..]);
    let expected = tail.convert(&["-j", "1", "--to", "json", "--year", "2023"]);
    let whole = TempFile::new("rollover-whole.log", &log);
    let mut file = std::fs::File::open(&whole.0).unwrap();
    file.seek(SeekFrom::Start(offset as u64)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klog-convert"))
        .args(["-j", "2", "--to", "json", "--year", "2023"])
        .stdin(file.try_clone().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout == expected, "-j 2 from the offset differs");
    assert_eq!(file.stream_position().unwrap(), log.len() as u64);
}

#[test]
fn a_cut_off_value_is_stable_through_round_trips() {
    let input = "E0102 03:04:05.123456       1 a.go:1] \"Failed\" pod=\"ns/p\" err=\"dial tcp 10.0.0.1:443: i/o tim\n";
    let json = run_str(&["--to", "json", "--year", "2024"], input);
    assert!(
        json.contains("\"err\":\"dial tcp 10.0.0.1:443: i/o tim\""),
        "{json}"
    );
    let text = run_str(&["--to", "text"], &json);
    let again = run_str(&["--to", "json", "--year", "2024"], &text);
    assert_eq!(again, json);
    assert_eq!(run_str(&["--to", "text"], &again), text);
}

#[test]
fn json_without_caller_and_non_utf8_blocks_read_back() {
    // No `caller`: the text header says `???:1`, which reads back as no caller.
    let json = "{\"ts\":1704164645123.456,\"msg\":\"m\",\"v\":0}\n";
    let text = run_str(&["--to", "text"], json);
    assert_eq!(run_str(&["--to", "json", "--year", "2024"], &text), json);
    // A klog-rs `OsStr` value with a line break and invalid UTF-8: a block read back.
    let input = b"I0102 03:04:05.123456       1 a.go:1] \"m\" path=<\n\ta\xff\n\tb\n >\n".to_vec();
    let out = run(&["--to", "json", "--year", "2024"], &input);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"ts\":1704164645123.456,\"caller\":\"a.go:1\",\"msg\":\"m\",\"v\":0,\"path\":\"a\u{fffd}\\nb\"}\n"
    );
}
