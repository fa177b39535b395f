//! Asking for an endpoint's data: a new request id per fetch, so the newest
//! request wins when answers arrive out of order.

use super::action::Effect;
use super::state::{AppState, Loadable, Slot, SlotKey};

/// Issues a fetch for a slot (newest request wins).
pub fn request(state: &mut AppState, key: SlotKey, fx: &mut Vec<Effect>) {
    let id = state.next_request;
    state.next_request += 1;
    let now = state.now;
    let slot = state.slots.entry(key).or_insert(Slot {
        state: Loadable::Loading { since: now },
        request: id,
        in_flight: true,
        version: 0,
        oversize: 0,
    });
    slot.request = id;
    slot.in_flight = true;
    fx.push(Effect::Fetch { key, request: id });
}
