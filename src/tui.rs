//! The terminal: setup, a panic hook that restores it first, and the event
//! loop that merges keys and mouse, a tick, and actions from tasks. State
//! changes only in `update`; drawing happens only when something changed, at
//! most ~30 times a second. SIGTERM, SIGINT and SIGHUP end the loop like a
//! quit, so the terminal is restored before the process exits with 128+signal.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use futures::stream::BoxStream;
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::keys::map_key;
use crate::app::state::Relaunch;
use crate::app::tasks::Runner;
use crate::app::{update, Action, AppState};
use crate::sources::logs::LogSource;
use crate::sources::target::Fetcher;

/// Frames are at least this far apart.
const FRAME: Duration = Duration::from_millis(33);
/// Clock tick for polling and ages.
const TICK: Duration = Duration::from_millis(250);

/// The TUI ended because the process received a signal; the terminal is
/// already restored. The conventional exit status is [`Signalled::exit_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped by {name}")]
pub struct Signalled {
    /// The signal number (15 for SIGTERM...).
    pub number: i32,
    /// The signal's name, e.g. `SIGTERM`.
    pub name: &'static str,
}

impl Signalled {
    /// 128 + the signal number, what a shell reports for a process a signal ended.
    pub fn exit_code(&self) -> i32 {
        128 + self.number
    }
}

/// The signals that end the TUI, each with its number and name.
const STOP_SIGNALS: [(i32, &str); 3] = [(15, "SIGTERM"), (2, "SIGINT"), (1, "SIGHUP")];

/// A stream that yields once for each stop signal the process receives.
fn stop_signals() -> io::Result<BoxStream<'static, Signalled>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut streams = Vec::new();
    for (number, name) in STOP_SIGNALS {
        let listener = signal(SignalKind::from_raw(number))?;
        let value = Signalled { number, name };
        let stream = futures::stream::unfold(listener, move |mut l| async move {
            l.recv().await.map(|()| (value, l))
        });
        streams.push(stream.boxed());
    }
    Ok(futures::stream::select_all(streams).boxed())
}

/// Puts the terminal back: raw mode off, main screen, mouse off, cursor shown.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        LeaveAlternateScreen,
        DisableMouseCapture,
        crossterm::cursor::Show
    );
}

/// Installs a panic hook that restores the terminal before the previous hook
/// (color-eyre's) reports the panic.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Runs the TUI until the user quits. The terminal is restored on every exit path.
pub async fn run(
    state: AppState,
    fetcher: Arc<dyn Fetcher>,
    logs: Option<Arc<dyn LogSource>>,
    updates: Option<BoxStream<'static, Action>>,
) -> color_eyre::Result<Option<Relaunch>> {
    install_panic_hook();
    // Registered before the terminal changes, so no signal can find it half set up.
    let signals = stop_signals()?;
    enable_raw_mode()?;
    let setup = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture);
    if let Err(e) = setup {
        restore();
        return Err(e.into());
    }
    let result = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(mut terminal) => event_loop(&mut terminal, state, fetcher, logs, updates, signals).await,
        Err(e) => Err(e.into()),
    };
    restore();
    result
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    mut state: AppState,
    fetcher: Arc<dyn Fetcher>,
    logs: Option<Arc<dyn LogSource>>,
    updates: Option<BoxStream<'static, Action>>,
    mut signals: BoxStream<'static, Signalled>,
) -> color_eyre::Result<Option<Relaunch>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    // Outside events (a Kubernetes watch) arrive as actions like any task's.
    if let Some(mut updates) = updates {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(action) = updates.next().await {
                if tx.send(action).is_err() {
                    break;
                }
            }
        });
    }
    let mut runner = Runner::new(fetcher, logs, tx.clone());
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    let size = terminal.size()?;
    let mut pending = vec![
        Action::Resize(size.width, size.height),
        Action::Tick(Instant::now()),
    ];
    let mut last_draw = Instant::now() - FRAME;
    loop {
        for action in pending.drain(..) {
            for effect in update(&mut state, action) {
                if let Some(text) = runner.run(effect, &state) {
                    copy_osc52(&text);
                }
            }
        }
        if state.quit {
            return Ok(state.relaunch.take());
        }
        if state.dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::draw(f, &state))?;
            state.dirty = false;
            last_draw = Instant::now();
        }
        let redraw_in = if state.dirty {
            FRAME.saturating_sub(last_draw.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => pending.extend(event_action(&state, ev)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(None),
            },
            Some(action) = rx.recv() => {
                pending.push(action);
                // Merge a burst: take whatever else is already queued before drawing.
                while let Ok(more) = rx.try_recv() {
                    pending.push(more);
                }
            }
            _ = tick.tick() => pending.push(Action::Tick(Instant::now())),
            Some(signalled) = signals.next() => return Err(signalled.into()),
            _ = tokio::time::sleep(redraw_in) => {}
        }
    }
}

/// Maps a terminal event to an action.
pub fn event_action(state: &AppState, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => map_key(state, k),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll {
                col: m.column,
                row: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Action::Scroll {
                col: m.column,
                row: m.row,
                down: false,
            }),
            MouseEventKind::Down(_) => Some(Action::Click {
                col: m.column,
                row: m.row,
            }),
            _ => None,
        },
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// Puts text on the clipboard through the terminal (OSC 52).
fn copy_osc52(text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}
