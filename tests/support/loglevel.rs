//! The log-level confirmation walk shared by the demo and real-Envoy tests:
//! "no" changes nothing, "yes" sets debug, `R` puts the level back.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use meshscope::app::headless::Headless;
use meshscope::app::state::Mode;
use meshscope::app::Action;

/// With the cursor on `router` in a Logging pane: Enter → no, Enter → yes,
/// R → yes, checking the level `level()` reads after each step.
pub async fn no_yes_restore<F, Fut>(h: &mut Headless, level: F, before: &str)
where
    F: Fn() -> Fut,
    Fut: Future<Output = String>,
{
    h.act(Action::Enter);
    assert!(matches!(h.state.mode, Mode::Confirm(_)), "Enter only asks");
    h.act(Action::Confirm(false));
    h.settle(Duration::from_millis(300), |_| false).await;
    assert_eq!(level().await, before, "no means no change");
    h.act(Action::Enter);
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(5), |s| s.last_log_change.is_some())
            .await
    );
    assert_eq!(level().await, "router: debug");
    h.act(Action::RestoreLogLevel);
    assert!(matches!(h.state.mode, Mode::Confirm(_)));
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(5), |s| s
            .last_log_change
            .as_ref()
            .is_some_and(|c| c.to != "debug"))
            .await
    );
    assert_eq!(level().await, before);
}
