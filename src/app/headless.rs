//! Driving the app without a terminal: the same `update`, the same task
//! runner and action channel as the TUI, for end-to-end tests, screenshots
//! and benchmarks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::keys::map_key;
use super::tasks::Runner;
use super::{update, Action, AppState};
use crate::sources::logs::LogSource;
use crate::sources::target::Fetcher;

/// An app with its runner, minus the terminal.
pub struct Headless {
    /// The state, for assertions and rendering.
    pub state: AppState,
    runner: Runner,
    rx: UnboundedReceiver<Action>,
}

impl Headless {
    /// Wraps a state; must be called inside a tokio runtime.
    pub fn new(
        state: AppState,
        fetcher: Arc<dyn Fetcher>,
        logs: Option<Arc<dyn LogSource>>,
    ) -> Self {
        let (tx, rx) = unbounded_channel();
        let runner = Runner::new(fetcher, logs, tx);
        Headless { state, runner, rx }
    }

    /// Applies an action and starts its effects.
    pub fn act(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            let _ = self.runner.run(effect, &self.state);
        }
    }

    /// Opens a sidecar (as Enter on the list does); the next update starts
    /// its fetches and log follow.
    pub fn open(&mut self, target: usize) {
        super::nav::open_target(&mut self.state, target);
        self.act(Action::Tick(Instant::now()));
    }

    /// Presses a key as the terminal would deliver it.
    pub fn key(&mut self, key: KeyEvent) {
        if let Some(a) = map_key(&self.state, key) {
            self.act(a);
        }
    }

    /// The next action a task reported, waiting at most `timeout` (None when
    /// none came); the caller applies it with [`Headless::act`], e.g. to
    /// time each `update` as a benchmark does.
    pub async fn next_action(&mut self, timeout: Duration) -> Option<Action> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Processes actions from tasks (and ticks) until `done` holds or `timeout` passes.
    pub async fn settle(&mut self, timeout: Duration, done: impl Fn(&AppState) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        self.act(Action::Tick(Instant::now()));
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match tokio::time::timeout(left.min(Duration::from_millis(100)), self.rx.recv()).await {
                Ok(Some(a)) => self.act(a),
                Ok(None) => return done(&self.state),
                Err(_) => self.act(Action::Tick(Instant::now())),
            }
        }
        true
    }
}
