//! Decoding each invocation's payload once, before `lambda_runtime` does,
//! and carrying the outcome to the handler service with the invocation.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use crate::decode::{decode, unmarshal_error};
use crate::Diagnostic;

/// Decodes each invocation's payload before `lambda_runtime` does.
///
/// `lambda_runtime` would deserialize the payload through
/// `serde_path_to_error` (tracking every field, cloning every key) and
/// report a failure with a mangled Rust type name. Instead this layer
/// parses the received bytes once, without path tracking
/// ([`crate::decode::decode`]), files the outcome in [`Decoded`] and
/// replaces the payload with the [`Ticket`] it was filed under: a number,
/// which costs `lambda_runtime` next to nothing to deserialize. The handler
/// service claims the event with the ticket its [`lambda_runtime::LambdaEvent`]
/// carries, so each invocation gets its own event whatever order or
/// concurrency `lambda_runtime` runs the services in.
pub(crate) struct DecodeFirst<E> {
    decoded: Decoded<E>,
}

impl<E> DecodeFirst<E> {
    pub(crate) fn new(decoded: Decoded<E>) -> Self {
        Self { decoded }
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
        let ticket = self.decoded.file(decode(&invocation.body));
        invocation.body = ticket.text().into();
        self.inner.call(invocation)
    }
}

/// What an invocation carries in place of its payload once [`DecodeFirst`]
/// has decoded it: the number its event is filed under in [`Decoded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(usize);

impl<'de> Deserialize<'de> for Ticket {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = usize::deserialize(deserializer)?;
        if n < TICKETS {
            Ok(Ticket(n))
        } else {
            Err(serde::de::Error::custom("not a ticket"))
        }
    }
}

/// Events decoded by [`DecodeFirst`] whose invocations have not reached the
/// handler service yet. One at a time under classic Lambda; one per
/// invocation in flight when invocations run concurrently.
pub(crate) struct Decoded<E> {
    shared: Arc<Mutex<Filed<E>>>,
}

struct Filed<E> {
    next: usize,
    waiting: Vec<(Ticket, Result<E, Diagnostic>)>,
}

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
    /// Files a decoded event (or why it does not decode) and returns the
    /// ticket to claim it with.
    pub(crate) fn file(&self, event: Result<E, Diagnostic>) -> Ticket {
        let mut filed = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = Ticket(filed.next);
        filed.next = (filed.next + 1) % TICKETS;
        // An event still filed under a reused ticket belongs to an
        // invocation `lambda_runtime` answered without reaching the handler
        // service (it never claims): replaced, so nothing accumulates.
        match filed.waiting.iter_mut().find(|(t, _)| *t == ticket) {
            Some(stale) => stale.1 = event,
            None => filed.waiting.push((ticket, event)),
        }
        ticket
    }

    /// Takes the event filed under `ticket`.
    pub(crate) fn claim(&self, ticket: Ticket) -> Result<E, Diagnostic> {
        let mut filed = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        match filed.waiting.iter().position(|(t, _)| *t == ticket) {
            Some(at) => filed.waiting.swap_remove(at).1,
            None => Err(unmarshal_error(
                "no event was decoded for this invocation".to_owned(),
            )),
        }
    }
}

/// How many tickets there are; they are reused in turn. More than any
/// execution environment runs invocations at once, so two invocations in
/// flight never hold the same one.
const TICKETS: usize = 1000;

/// Each ticket as the JSON text `lambda_runtime` deserializes: the number,
/// right-aligned with spaces (whitespace JSON allows) so every entry has
/// one length and the payload can point at static bytes, not allocate.
static TICKET_TEXT: [[u8; 3]; TICKETS] = {
    let mut table = [[b' '; 3]; TICKETS];
    let mut n = 0;
    while n < TICKETS {
        let mut rest = n;
        let mut at = 3;
        loop {
            at -= 1;
            table[n][at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        n += 1;
    }
    table
};

impl Ticket {
    fn text(self) -> &'static [u8] {
        &TICKET_TEXT[self.0]
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
        let mut service = DecodeFirst::new(decoded.clone()).layer(lambda_runtime::service_fn(
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
        assert_eq!(decoded.claim(tickets[2]).unwrap().key1, "c");
        let err = decoded.claim(tickets[1]).unwrap_err();
        assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
        assert!(
            err.error_message
                .starts_with("nested.items[1]: invalid type: string"),
            "{}",
            err.error_message
        );
        assert_eq!(decoded.claim(tickets[0]).unwrap().key1, "a");
        // A ticket is good once.
        let again = decoded.claim(tickets[0]).unwrap_err();
        assert_eq!(again.error_type, crate::UNMARSHAL_ERROR);
    }

    #[test]
    fn bad_json_is_filed_as_an_unmarshal_error() {
        let decoded = Decoded::<Event>::default();
        let tickets = tickets_through_layer(&decoded, &[b"{not json"]);
        let err = decoded.claim(tickets[0]).unwrap_err();
        assert!(
            err.error_message.contains("key must be a string"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn tickets_are_json_numbers_lambda_runtime_reads() {
        for n in 0..TICKETS {
            let text = std::str::from_utf8(Ticket(n).text()).unwrap();
            assert_eq!(text.trim_start(), n.to_string());
            let event: LambdaEvent<Ticket> =
                LambdaEvent::new(serde_json::from_str(text).unwrap(), Context::default());
            assert_eq!(event.payload, Ticket(n));
        }
        assert!(serde_json::from_str::<Ticket>("1000").is_err());
    }

    #[test]
    fn unclaimed_events_do_not_accumulate() {
        let decoded = Decoded::<usize>::default();
        for n in 0..3 * TICKETS {
            decoded.file(Ok(n));
        }
        assert_eq!(decoded.shared.lock().unwrap().waiting.len(), TICKETS);
        let recent = decoded.file(Ok(7));
        assert_eq!(decoded.claim(recent).unwrap(), 7);
    }
}
