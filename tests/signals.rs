//! The TUI in a real pseudo-terminal: SIGTERM, SIGINT and SIGHUP restore the
//! terminal (main screen, cursor shown, mouse reporting off, cooked mode) and
//! the process exits with 128+signal.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::sys::termios::{tcgetattr, LocalFlags};
use nix::unistd::Pid;

/// What the TUI writes when it takes the terminal.
const ENTER_ALT: &[u8] = b"\x1b[?1049h";
/// What a restored terminal must have received after the signal.
const RESTORE: [(&str, &[u8]); 3] = [
    ("leave alternate screen", b"\x1b[?1049l"),
    ("show cursor", b"\x1b[?25h"),
    ("mouse reporting off", b"\x1b[?1000l"),
];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Starts `meshscope demo` on the slave side of a new pty as its controlling
/// terminal; returns the child, the pty's slave (kept open to read its modes)
/// and everything the child writes.
fn start_tui(
    home: &std::path::Path,
) -> (std::process::Child, OwnedFd, Arc<Mutex<Vec<u8>>>, OwnedFd) {
    let size = Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).expect("openpty");
    let slave = pty.slave;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meshscope"));
    cmd.arg("demo")
        .env("TERM", "xterm-256color")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("NO_COLOR")
        .stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stdout(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave.try_clone().expect("dup")));
    // SAFETY: setsid and ioctl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn meshscope demo");
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = out.clone();
    let master = pty.master;
    let mut reader = std::fs::File::from(master.try_clone().expect("dup master"));
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").extend_from_slice(&buf[..n]);
        }
    });
    (child, slave, out, master)
}

fn wait_for(out: &Mutex<Vec<u8>>, needle: &[u8], within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if contains(&out.lock().expect("lock"), needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn check_signal(signal: Signal) {
    let home = std::env::temp_dir().join(format!(
        "meshscope-signals-{}-{}",
        std::process::id(),
        signal as i32
    ));
    std::fs::create_dir_all(&home).expect("temp home");
    let (mut child, slave, out, _master) = start_tui(&home);
    assert!(
        wait_for(&out, ENTER_ALT, Duration::from_secs(20)),
        "the TUI never took the terminal: {:?}",
        String::from_utf8_lossy(&out.lock().expect("lock"))
    );
    // Let it draw a frame or two, then check raw mode really is on.
    std::thread::sleep(Duration::from_millis(700));
    let modes = tcgetattr(&slave).expect("tcgetattr");
    assert!(
        !modes.local_flags.contains(LocalFlags::ICANON),
        "raw mode is on while the TUI runs"
    );
    let mark = out.lock().expect("lock").len();
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    kill(pid, signal).expect("kill");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("meshscope did not exit within 10 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(200)); // let the reader drain the pty
    assert_eq!(
        status.code(),
        Some(128 + signal as i32),
        "exit status after {signal}: {status:?}"
    );
    let tail = out.lock().expect("lock")[mark..].to_vec();
    for (what, seq) in RESTORE {
        assert!(
            contains(&tail, seq),
            "{what} ({seq:?}) not written after {signal}: {:?}",
            String::from_utf8_lossy(&tail)
        );
    }
    let modes = tcgetattr(&slave).expect("tcgetattr");
    assert!(
        modes
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "the tty is still in raw mode after {signal}: {:?}",
        modes.local_flags
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    check_signal(Signal::SIGTERM);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    check_signal(Signal::SIGINT);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    check_signal(Signal::SIGHUP);
}
