//! Decoding each invocation's payload once, before `lambda_runtime` does,
//! and carrying the outcome to the handler service with the invocation.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use crate::decode::decode;
use crate::invoke::panic_diagnostic;
use crate::Diagnostic;

/// Decodes each invocation's payload before `lambda_runtime` does.
///
/// `lambda_runtime` would deserialize the payload through
/// `serde_path_to_error` (tracking every field, cloning every key) and
/// report a failure with a mangled Rust type name. Instead this layer
/// parses the received bytes once, without path tracking
/// ([`crate::decode::decode`]), files the outcome in [`Decoded`] and
/// replaces the payload with the [`Ticket`] it was filed under: a number,
/// which costs `lambda_runtime` next to nothing to deserialize. Build the
/// layer and the handler service's store together with [`DecodeFirst::new`]. The handler
/// service claims the event with the ticket its [`lambda_runtime::LambdaEvent`]
/// carries, so each invocation gets its own event whatever order or
/// concurrency `lambda_runtime` runs the services in.
pub(crate) struct DecodeFirst<E> {
    decoded: Decoded<E>,
}

impl<E> DecodeFirst<E> {
    /// The layer, and the store the handler service claims events from.
    pub(crate) fn new() -> (Self, Decoded<E>) {
        let decoded = Decoded::default();
        (
            Self {
                decoded: decoded.clone(),
            },
            decoded,
        )
    }
}

impl<E, S> Layer<S> for DecodeFirst<E> {
    type Service = DecodeFirstService<E, S>;

    fn layer(&self, inner: S) -> Self::Service {
        DecodeFirstService {
            inner,
            decoded: self.decoded.clone(),
        }
    }
}

/// See [`DecodeFirst`].
pub(crate) struct DecodeFirstService<E, S> {
    inner: S,
    decoded: Decoded<E>,
}

// By hand: a derive would require `E: Clone`.
impl<E, S: Clone> Clone for DecodeFirstService<E, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            decoded: self.decoded.clone(),
        }
    }
}

impl<E, S> Service<LambdaInvocation> for DecodeFirstService<E, S>
where
    E: DeserializeOwned,
    S: Service<LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> S::Future {
        tracing::trace!(body = ?invocation.body, "event received from Lambda");
        // A `Deserialize` impl of the user's may panic: that is this
        // invocation's error, not the end of the process.
        let event = std::panic::catch_unwind(AssertUnwindSafe(|| decode(&invocation.body)))
            .unwrap_or_else(|payload| Err(panic_diagnostic(&*payload)));
        // `lambda_runtime` puts the request id into the response's path as
        // it is; the handler still sees the id Lambda sent.
        let sent_id = path_segment(&invocation.context.request_id)
            .map(|encoded| std::mem::replace(&mut invocation.context.request_id, encoded));
        let ticket = self.decoded.file(event, sent_id);
        invocation.body = ticket.text().into();
        self.inner.call(invocation)
    }
}

/// Everything but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `request_id` percent-encoded, when it is not already a path segment of
/// unreserved characters (Lambda's UUIDs are), so the response is posted
/// under the request it answers rather than to a wrong or unbuildable path.
pub(crate) fn path_segment(request_id: &str) -> Option<String> {
    // Every invocation's id is checked: one table lookup per byte.
    let plain = request_id.bytes().all(|b| UNRESERVED[usize::from(b)]);
    (!plain).then(|| utf8_percent_encode(request_id, NOT_UNRESERVED).to_string())
}

/// RFC 3986's unreserved characters, by byte.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        byte += 1;
    }
    table
};

/// What an invocation carries in place of its payload once [`DecodeFirst`]
/// has decoded it: the number its event is filed under in [`Decoded`].
/// Tickets count up and are never reused, so a claim can only ever find
/// its own invocation's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

impl Ticket {
    /// The ticket as the JSON number `lambda_runtime` will deserialize.
    fn text(self) -> Vec<u8> {
        let mut digits = [0_u8; 20];
        let mut at = digits.len();
        let mut rest = self.0;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        digits[at..].to_vec()
    }
}

impl<'de> Deserialize<'de> for Ticket {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Ticket)
    }
}

/// The `errorType` of an invocation whose decoded event was not found
/// under its ticket: a fault of the bootstrap, not of the event.
pub(crate) const EVENT_LOST_ERROR: &str = "Runtime.EventLost";

/// Events decoded by [`DecodeFirst`] whose invocations have not reached the
/// handler service yet. One at a time under classic Lambda; one per
/// invocation in flight when invocations run concurrently (clones share
/// the store, which is `Send` and `Sync` when the event type is `Send`).
pub(crate) struct Decoded<E> {
    shared: Arc<Mutex<Filed<E>>>,
}

struct Filed<E> {
    next: u64,
    waiting: Vec<Entry<E>>,
}

struct Entry<E> {
    ticket: Ticket,
    event: Result<E, Diagnostic>,
    sent_id: Option<String>,
}

/// What a claim hands the handler service: the event, and the request id
/// Lambda sent when the invocation's context carries an encoded one.
pub(crate) struct Claimed<E> {
    pub(crate) event: Result<E, Diagnostic>,
    pub(crate) sent_id: Option<String>,
}

/// How many decoded events may wait unclaimed. Every ticket is claimed
/// within the `call` that filed it, unless `lambda_runtime` answers an
/// invocation itself before the handler service; such events are dropped
/// oldest first beyond this bound, so they cannot accumulate. Far more
/// than invocations an execution environment runs at once.
const MAX_WAITING: usize = 256;

impl<E> Default for Decoded<E> {
    fn default() -> Self {
        Self {
            shared: Arc::new(Mutex::new(Filed {
                next: 0,
                waiting: Vec::new(),
            })),
        }
    }
}

impl<E> Clone for Decoded<E> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<E> Decoded<E> {
    /// Files a decoded event (or why it does not decode), with the request
    /// id Lambda sent if the context's was encoded, and returns the ticket
    /// to claim it with.
    pub(crate) fn file(&self, event: Result<E, Diagnostic>, sent_id: Option<String>) -> Ticket {
        let mut filed = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = Ticket(filed.next);
        filed.next += 1;
        if filed.waiting.len() >= MAX_WAITING {
            // Tickets are filed in order, so the first is the oldest.
            drop(filed.waiting.remove(0));
        }
        filed.waiting.push(Entry {
            ticket,
            event,
            sent_id,
        });
        ticket
    }

    /// Takes the event filed under `ticket`.
    pub(crate) fn claim(&self, ticket: Ticket) -> Claimed<E> {
        let mut filed = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        match filed
            .waiting
            .iter()
            .position(|entry| entry.ticket == ticket)
        {
            // `remove`, not `swap_remove`: the rest stay oldest first.
            Some(at) => {
                let Entry { event, sent_id, .. } = filed.waiting.remove(at);
                Claimed { event, sent_id }
            }
            None => Claimed {
                event: Err(Diagnostic {
                    error_type: EVENT_LOST_ERROR.to_owned(),
                    error_message: format!(
                    "no decoded event is filed under ticket {}: it was claimed already or dropped",
                    ticket.0
                ),
                }),
                sent_id: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_runtime::{Context, LambdaEvent};

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Event {
        key1: String,
        nested: Nested,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Nested {
        items: Vec<u32>,
    }

    fn invocation(body: &'static [u8]) -> LambdaInvocation {
        LambdaInvocation {
            parts: http::Response::new(()).into_parts().0,
            body: body.into(),
            context: Context::default(),
        }
    }

    /// The layer in front of a service that, like `lambda_runtime`,
    /// deserializes the rewritten payload; returns the tickets it saw.
    fn tickets_through_layer<T: DeserializeOwned>(
        decoded: &Decoded<T>,
        bodies: &[&'static [u8]],
    ) -> Vec<Ticket> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut service = DecodeFirst {
            decoded: decoded.clone(),
        }
        .layer(lambda_runtime::service_fn(
            move |invocation: LambdaInvocation| {
                let ticket: Ticket = serde_json::from_slice(&invocation.body).unwrap();
                sink.lock().unwrap().push(ticket);
                async { Ok::<_, Diagnostic>(()) }
            },
        ));
        for body in bodies {
            futures_util::FutureExt::now_or_never(service.call(invocation(body)))
                .expect("ready")
                .unwrap();
        }
        let tickets = seen.lock().unwrap().clone();
        tickets
    }

    #[test]
    fn each_invocation_claims_its_own_event_in_any_order() {
        let decoded = Decoded::<Event>::default();
        let tickets = tickets_through_layer(
            &decoded,
            &[
                br#"{"key1":"a","nested":{"items":[1]}}"#,
                br#"{"key1":"b","nested":{"items":[1,"two"]}}"#,
                br#"{"key1":"c","nested":{"items":[3]}}"#,
            ],
        );
        assert_eq!(tickets.len(), 3);
        // Claimed out of order, as concurrent invocations may be.
        assert_eq!(decoded.claim(tickets[2]).event.unwrap().key1, "c");
        let err = decoded.claim(tickets[1]).event.unwrap_err();
        assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
        assert!(
            err.error_message
                .starts_with("nested.items[1]: invalid type: string"),
            "{}",
            err.error_message
        );
        assert_eq!(decoded.claim(tickets[0]).event.unwrap().key1, "a");
        // A ticket is good once.
        let again = decoded.claim(tickets[0]).event.unwrap_err();
        assert_eq!(again.error_type, EVENT_LOST_ERROR);
    }

    #[test]
    fn bad_json_is_filed_as_an_unmarshal_error() {
        let decoded = Decoded::<Event>::default();
        let tickets = tickets_through_layer(&decoded, &[b"{not json"]);
        let err = decoded.claim(tickets[0]).event.unwrap_err();
        assert!(
            err.error_message.contains("key must be a string"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn tickets_are_json_numbers_lambda_runtime_reads() {
        for n in [0, 7, 10, 999, 1000, 123_456_789, u64::MAX] {
            let text = Ticket(n).text();
            assert_eq!(text, n.to_string().into_bytes());
            let event: LambdaEvent<Ticket> =
                LambdaEvent::new(serde_json::from_slice(&text).unwrap(), Context::default());
            assert_eq!(event.payload, Ticket(n));
        }
    }

    #[test]
    fn unclaimed_events_are_bounded_and_never_handed_to_another_ticket() {
        let decoded = Decoded::<usize>::default();
        let first = decoded.file(Ok(0), None);
        for n in 1..3 * MAX_WAITING {
            decoded.file(Ok(n), None);
        }
        assert_eq!(decoded.shared.lock().unwrap().waiting.len(), MAX_WAITING);
        // The dropped event's ticket finds nothing rather than another event.
        let lost = decoded.claim(first).event.unwrap_err();
        assert_eq!(lost.error_type, EVENT_LOST_ERROR);
        let recent = decoded.file(Ok(7), None);
        assert_eq!(decoded.claim(recent).event.unwrap(), 7);
    }

    #[test]
    fn request_ids_that_are_not_path_segments_are_encoded_for_the_path_only() {
        assert_eq!(path_segment("8476a536-e9f4-11e8-9739-2dfe598c3fcd"), None);
        assert_eq!(path_segment("a-Z_0.9~"), None);
        assert_eq!(path_segment("a/b").as_deref(), Some("a%2Fb"));
        assert_eq!(path_segment("x y?z#%").as_deref(), Some("x%20y%3Fz%23%25"));
        assert_eq!(path_segment("é").as_deref(), Some("%C3%A9"));

        let decoded = Decoded::<Event>::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut service = DecodeFirst {
            decoded: decoded.clone(),
        }
        .layer(lambda_runtime::service_fn(
            move |invocation: LambdaInvocation| {
                let ticket: Ticket = serde_json::from_slice(&invocation.body).unwrap();
                sink.lock()
                    .unwrap()
                    .push((ticket, invocation.context.request_id));
                async { Ok::<_, Diagnostic>(()) }
            },
        ));
        let mut odd = invocation(br#"{"key1":"a","nested":{"items":[]}}"#);
        odd.context.request_id = "../x y".to_owned();
        futures_util::FutureExt::now_or_never(service.call(odd))
            .expect("ready")
            .unwrap();
        let (ticket, path_id) = seen.lock().unwrap().pop().unwrap();
        assert_eq!(path_id, "..%2Fx%20y");
        let claimed = decoded.claim(ticket);
        assert_eq!(claimed.sent_id.as_deref(), Some("../x y"));
        assert_eq!(claimed.event.unwrap().key1, "a");
    }

    #[derive(Debug)]
    struct Explodes;

    impl<'de> serde::Deserialize<'de> for Explodes {
        fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            panic!("a Deserialize impl that panics")
        }
    }

    #[test]
    fn a_panicking_deserialize_is_this_invocations_error() {
        let decoded = Decoded::<Explodes>::default();
        let tickets = tickets_through_layer(&decoded, &[b"{}"]);
        let err = decoded.claim(tickets[0]).event.unwrap_err();
        assert_eq!(err.error_type, crate::PANIC_ERROR);
        assert_eq!(err.error_message, "a Deserialize impl that panics");
    }
}
