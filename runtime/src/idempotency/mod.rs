//! Exactly-once effects on at-least-once delivery (feature `rds`): an
//! idempotent handler runs once per key and answers repeats with the first
//! response. The record of what was done lives in the function's own
//! database, in a table the bootstrap creates at init; see
//! [`lambda_handler`](crate::lambda_handler#idempotency) for the forms, the
//! guarantees and their limits.
//!
//! ```no_run
//! use lambda_kit::{lambda_handler, Error};
//!
//! #[derive(serde::Deserialize)]
//! struct ChargeRequest {
//!     order: Order,
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct Order {
//!     id: String,
//!     amount_cents: i64,
//! }
//!
//! #[derive(serde::Serialize)]
//! struct Receipt {
//!     order_id: String,
//!     amount_cents: i64,
//! }
//!
//! // A repeat of an order already charged gets its receipt again; one
//! // whose `order` differs from the first is refused.
//! #[lambda_handler(idempotency_key = "order.id", idempotency_payload = "order")]
//! async fn charge(event: ChargeRequest) -> Result<Receipt, Error> {
//!     // ... charge the customer, in the function's database ...
//!     Ok(Receipt { order_id: event.order.id, amount_cents: event.order.amount_cents })
//! }
//! ```

mod cache;
#[cfg(feature = "http")]
mod http;
mod key;
mod store;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::FutureExt;
use serde::Serialize;
use serde_json::value::RawValue;

#[cfg(feature = "http")]
pub use self::http::{KEY_HEADER, MAX_KEY_LEN, REPLAYED_HEADER};
use crate::invoke::panic_diagnostic;
use crate::rds::Query;
use crate::Diagnostic;
use cache::Cache;
pub use key::{Claim, KeySource, Keyed};
use store::{Found, COMPLETED, FAILED};

/// The `errorType` of a delivery whose key another delivery is handling
/// right now; retryable: once that one ends (or its deadline passes), a
/// retry gets its response or runs.
pub const IN_PROGRESS_ERROR: &str = "IdempotencyAlreadyInProgress";
/// The `errorType` of a key reused with a different payload.
pub const PAYLOAD_MISMATCH_ERROR: &str = "IdempotencyPayloadMismatch";
/// The `errorType` of an event without a value where its key should be.
pub const KEY_MISSING_ERROR: &str = "IdempotencyKeyMissing";
/// The `errorType` of a response larger than a record keeps; the handler
/// ran, and its repeats get this error instead of running again.
pub const RESPONSE_TOO_LARGE_ERROR: &str = "IdempotencyResponseTooLarge";
/// The `errorType` of a failure of the idempotency table (the handler did
/// not run).
pub const STORE_ERROR: &str = "IdempotencyStoreError";

/// How long a completed record answers repeats, in seconds.
pub const EXPIRY_ENV: &str = "LAMBDA_KIT_IDEMPOTENCY_EXPIRY_SECONDS";
/// Completed records kept in memory per instance (0, the default: none).
pub const CACHE_ENV: &str = "LAMBDA_KIT_IDEMPOTENCY_CACHE";
/// The largest response a record keeps, in bytes.
pub const MAX_RESPONSE_ENV: &str = "LAMBDA_KIT_IDEMPOTENCY_MAX_RESPONSE_BYTES";
/// `off` turns idempotency off (local runs without a database).
pub const ENABLED_ENV: &str = "LAMBDA_KIT_IDEMPOTENCY";

/// The expiry when [`EXPIRY_ENV`] is unset: one hour.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(3600);
/// The response size limit when [`MAX_RESPONSE_ENV`] is unset: 1 MiB.
pub const DEFAULT_MAX_RESPONSE: usize = 1 << 20;
/// The largest limit that can be set: half of MariaDB's default
/// `max_allowed_packet` (16 MiB), which the statement keeping the response
/// must fit in; more than Lambda's 6 MB response limit.
const MAX_MAX_RESPONSE: usize = 8 << 20;
pub use lambda_kit_core::idempotency::DEFAULT_TABLE;

/// Not public API: one idempotent handler's statements, registered for
/// `rds::verify_queries` by the generated code.
#[doc(hidden)]
pub struct Statements {
    pub table: &'static str,
    pub create: &'static Query,
    pub insert: &'static Query,
    pub select: &'static Query,
    pub take_over: &'static Query,
    pub complete: &'static Query,
    pub release: &'static Query,
}

/// Not public API: an idempotent handler, a `static` of its generated
/// `main`.
#[doc(hidden)]
pub struct Idempotency {
    handler: &'static str,
    key: KeySource,
    payload: Option<&'static str>,
    statements: &'static Statements,
    settings: OnceLock<Settings>,
}

/// What the environment configures.
#[derive(Debug)]
struct Settings {
    enabled: bool,
    expiry: Duration,
    max_response: usize,
    function: String,
    cache: Option<Cache>,
}

/// Not public API: a handler's response as kept, JSON returned as it is.
#[doc(hidden)]
#[derive(Debug)]
pub struct Stored(Box<RawValue>);

impl Serialize for Stored {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl Idempotency {
    /// Not public API: built by the generated code.
    #[doc(hidden)]
    pub const fn new(
        handler: &'static str,
        key: KeySource,
        payload: Option<&'static str>,
        statements: &'static Statements,
    ) -> Self {
        Self {
            handler,
            key,
            payload,
            statements,
            settings: OnceLock::new(),
        }
    }

    fn settings(&self) -> &Settings {
        self.settings
            .get_or_init(|| Settings::from_env().unwrap_or_else(|_| Settings::default()))
    }

    /// At init, after the user's: the settings read (a bad one fails
    /// init) and the table created unless it exists.
    pub(crate) async fn prepare(&self) -> Result<(), Diagnostic> {
        let settings = Settings::from_env()?;
        let settings = self.settings.get_or_init(|| settings);
        if !settings.enabled {
            tracing::warn!(
                "idempotency is off ({ENABLED_ENV}=off): every delivery runs the handler"
            );
            return Ok(());
        }
        self.prepare_table().await
    }

    /// Not public API: the init step of an idempotent handler, `init`
    /// then [`Idempotency::prepare`].
    #[doc(hidden)]
    pub fn init<S, I>(
        &'static self,
        init: I,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<S, Diagnostic>>>>
    where
        S: 'static,
        I: crate::init::Init<S> + 'static,
    {
        move || {
            Box::pin(async move {
                let state = init.run().await?;
                self.prepare().await?;
                Ok(state)
            })
        }
    }

    /// Not public API: the claim of a plain handler's event.
    #[doc(hidden)]
    pub fn split<E>(&self, keyed: Keyed<E>) -> (E, Result<Claim, Diagnostic>) {
        let claim = if self.settings().enabled {
            self.claim_json(&keyed.json)
        } else {
            // Never read: `once` runs the handler without a claim.
            Err(key::missing(String::new()))
        };
        (keyed.event, claim)
    }

    /// Not public API: the claim of what the key function returned.
    #[doc(hidden)]
    pub fn claim_key<K: Serialize + ?Sized>(&self, key: &K) -> Result<Claim, Diagnostic> {
        if self.settings().enabled {
            self.claim_value(key)
        } else {
            // Never read: `once` runs the handler without a claim.
            Err(key::missing(String::new()))
        }
    }

    /// Not public API: the claim of a batch record by its identifier.
    #[doc(hidden)]
    pub fn record_claim(&self, id: Option<&str>) -> Result<Claim, Diagnostic> {
        match id {
            Some(id) => Ok(self.claim_text(id, b"", None)),
            None => Err(key::missing(
                "the record has no identifier to key it by".to_owned(),
            )),
        }
    }

    /// Not public API: runs `body` at most once per key within the
    /// expiry; a repeat gets the kept response instead. Boxed: the state
    /// of an `async fn` holds the body more than once, and every layer
    /// around the invocation would copy it.
    #[doc(hidden)]
    pub fn once<O, F>(
        &'static self,
        claim: Result<Claim, Diagnostic>,
        deadline_ms: u64,
        body: F,
    ) -> std::pin::Pin<Box<impl Future<Output = Result<Stored, Diagnostic>>>>
    where
        O: crate::signature::Output,
        F: Future<Output = Result<O, Diagnostic>>,
    {
        Box::pin(self.run_once(claim, deadline_ms, body))
    }

    async fn run_once<O, F>(
        &'static self,
        claim: Result<Claim, Diagnostic>,
        deadline_ms: u64,
        body: F,
    ) -> Result<Stored, Diagnostic>
    where
        O: crate::signature::Output,
        F: Future<Output = Result<O, Diagnostic>>,
    {
        let settings = self.settings();
        if !settings.enabled {
            return body.await.and_then(|output| serialize(&output)).map(Stored);
        }
        let claim = claim?;
        if let Some(cache) = &settings.cache {
            if let Some(kept) = cache.get(&claim) {
                tracing::info!("a repeat delivery: answered from the in-memory idempotency cache");
                return kept?.map(Stored);
            }
        }
        let deadline = i64::try_from(deadline_ms).unwrap_or(i64::MAX);
        let lease = match self.begin(&claim, deadline).await? {
            Found::Fresh(lease) => lease,
            Found::Replay(replay, until) => {
                tracing::info!(
                    "a repeat delivery: the handler did not run; answering the kept response"
                );
                if let Some(cache) = &settings.cache {
                    cache.put(&claim, &replay, until);
                }
                return replay.map(Stored);
            }
        };
        // Serialized inside the guard too: a `Serialize` impl that panics
        // is a failure like any other, and its record is removed.
        let outcome = AssertUnwindSafe(async { serialize(&body.await?) })
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(panic_diagnostic(&*panic)));
        let json = match outcome {
            Ok(json) => json,
            Err(error) => {
                self.release(&lease).await;
                return Err(error);
            }
        };
        let (status, kept, answer) = match self.too_large(json.get().len()) {
            Some(error) => {
                let document = serde_json::to_string(&error).unwrap_or_default();
                (FAILED, document, Err(error))
            }
            None => (COMPLETED, json.get().to_owned(), Ok(json)),
        };
        if let Some(until) = self.keep(&lease, status, kept.as_bytes()).await {
            if let Some(cache) = &settings.cache {
                cache.put(&claim, &answer, until);
            }
        }
        answer.map(Stored)
    }
}

impl Idempotency {
    /// The error of a response of `len` bytes when a record cannot keep it.
    fn too_large(&self, len: usize) -> Option<Diagnostic> {
        let max = self.settings().max_response;
        (len > max).then(|| Diagnostic {
            error_type: RESPONSE_TOO_LARGE_ERROR.to_owned(),
            error_message: format!(
                "the response is {len} bytes, more than the {max} an idempotency record keeps \
                 ({MAX_RESPONSE_ENV}); the handler ran, and its repeats get this error instead \
                 of running again"
            ),
        })
    }
}

/// The response as the JSON Lambda will receive.
fn serialize<O: Serialize>(output: &O) -> Result<Box<RawValue>, Diagnostic> {
    serde_json::value::to_raw_value(output).map_err(|err| Diagnostic {
        error_type: "Runtime.SerializationError".to_owned(),
        error_message: format!("the handler's response cannot be serialized: {err}"),
    })
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            expiry: DEFAULT_EXPIRY,
            max_response: DEFAULT_MAX_RESPONSE,
            function: std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
            cache: None,
        }
    }
}

impl Settings {
    fn from_env() -> Result<Self, Diagnostic> {
        let var = |name| std::env::var(name).ok();
        Self::parse(
            var(ENABLED_ENV),
            var(EXPIRY_ENV),
            var(CACHE_ENV),
            var(MAX_RESPONSE_ENV),
        )
        .map_err(|error_message| Diagnostic {
            error_type: "Runtime.InvalidEnvironment".to_owned(),
            error_message,
        })
    }

    fn parse(
        enabled: Option<String>,
        expiry: Option<String>,
        cache: Option<String>,
        max_response: Option<String>,
    ) -> Result<Self, String> {
        let set = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let enabled = match set(&enabled).as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => return Err(format!("{ENABLED_ENV} is `on` or `off`, not `{other}`")),
        };
        let number =
            |name: &str, value: Option<String>, low: u64, high: u64, unit: &str| match value {
                None => Ok(None),
                Some(text) => match text.parse::<u64>() {
                    Ok(n) if (low..=high).contains(&n) => Ok(Some(n)),
                    _ => Err(format!(
                        "{name} must be a whole number of {unit} from {low} to {high}, not `{text}`"
                    )),
                },
            };
        // Up to a year: a longer memory is a ledger, not a retry guard.
        let expiry = number(EXPIRY_ENV, set(&expiry), 1, 366 * 24 * 3600, "seconds")?
            .map_or(DEFAULT_EXPIRY, Duration::from_secs);
        let cache = number(CACHE_ENV, set(&cache), 0, 1_000_000, "records")?
            .filter(|&n| n > 0)
            .map(|n| Cache::new(n as usize));
        let max_response = number(
            MAX_RESPONSE_ENV,
            set(&max_response),
            1,
            MAX_MAX_RESPONSE as u64,
            "bytes",
        )?
        .map_or(DEFAULT_MAX_RESPONSE, |n| n as usize);
        Ok(Self {
            enabled,
            expiry,
            max_response,
            function: std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
            cache,
        })
    }
}

/// Not public API: defines an idempotent handler's `static`, its
/// statements registered for `rds::verify_queries`.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_idempotency {
    (static $name:ident = ($handler:literal, $key:ident $(($path:literal))?, $payload:expr, $table:literal)) => {
        static $name: $crate::__private::idempotency::Idempotency = {
            $crate::__lambda_kit_idempotency!(@query CREATE, "create_table", 0, Other, ::core::concat!(
                "CREATE TABLE IF NOT EXISTS `", $table, "` (",
                "id BINARY(32) NOT NULL, ",
                "status TINYINT UNSIGNED NOT NULL, ",
                "valid_until BIGINT NOT NULL, ",
                "payload_hash BINARY(32) NULL, ",
                "response MEDIUMBLOB NULL, ",
                "PRIMARY KEY (id), ",
                "KEY valid_until (valid_until))"
            ));
            $crate::__private::rds::inventory::submit!($crate::__private::rds::Creates(&CREATE));
            $crate::__lambda_kit_idempotency!(@query INSERT, "claim", 3, Write, ::core::concat!(
                "INSERT INTO `", $table, "` (id, status, valid_until, payload_hash) VALUES (?, 0, ?, ?)"
            ));
            $crate::__lambda_kit_idempotency!(@query SELECT, "read", 1, Read, ::core::concat!(
                "SELECT status, valid_until, payload_hash, response FROM `", $table, "` WHERE id = ?"
            ));
            $crate::__lambda_kit_idempotency!(@query TAKE_OVER, "take_over", 5, Write, ::core::concat!(
                "UPDATE `", $table, "` SET status = 0, valid_until = ?, payload_hash = ?, response = NULL ",
                "WHERE id = ? AND valid_until = ? AND status = ?"
            ));
            $crate::__lambda_kit_idempotency!(@query COMPLETE, "keep", 5, Write, ::core::concat!(
                "UPDATE `", $table, "` SET status = ?, valid_until = ?, response = ? ",
                "WHERE id = ? AND status = 0 AND valid_until = ?"
            ));
            $crate::__lambda_kit_idempotency!(@query RELEASE, "release", 2, Write, ::core::concat!(
                "DELETE FROM `", $table, "` WHERE id = ? AND status = 0 AND valid_until = ?"
            ));
            static STATEMENTS: $crate::__private::idempotency::Statements =
                $crate::__private::idempotency::Statements {
                    table: $table,
                    create: &CREATE,
                    insert: &INSERT,
                    select: &SELECT,
                    take_over: &TAKE_OVER,
                    complete: &COMPLETE,
                    release: &RELEASE,
                };
            $crate::__private::idempotency::Idempotency::new(
                $handler,
                $crate::__private::idempotency::KeySource::$key $(($path))?,
                $payload,
                &STATEMENTS,
            )
        };
    };
    (@query $query:ident, $what:literal, $params:literal, $kind:ident, $sql:expr) => {
        static $query: $crate::__private::rds::Query = $crate::__private::rds::Query::new(
            ::core::module_path!(),
            ::core::concat!("idempotency ", $what),
            $sql,
            $params,
            $crate::__private::rds::Kind::$kind,
            ::core::file!(),
            ::core::line!(),
            ::core::option::Option::None,
        );
        $crate::__private::rds::inventory::submit!($crate::__private::rds::Registered(&$query));
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: [Option<&str>; 4]) -> Result<Settings, String> {
        let [enabled, expiry, cache, max] = values.map(|value| value.map(str::to_owned));
        Settings::parse(enabled, expiry, cache, max)
    }

    #[test]
    fn unset_settings_are_the_defaults() {
        let settings = parse([None, None, None, Some(" ")]).unwrap();
        assert!(settings.enabled && settings.cache.is_none());
        assert_eq!(settings.expiry, DEFAULT_EXPIRY);
        assert_eq!(settings.max_response, DEFAULT_MAX_RESPONSE);
        let settings = parse([Some("off"), Some("60"), Some("8"), Some("100")]).unwrap();
        assert!(!settings.enabled && settings.cache.is_some());
        assert_eq!(settings.expiry, Duration::from_secs(60));
        assert_eq!(settings.max_response, 100);
        assert!(parse([None, None, Some("0"), None])
            .unwrap()
            .cache
            .is_none());
    }

    #[test]
    fn a_bad_setting_names_its_variable_and_range() {
        for (values, variable) in [
            ([Some("yes"), None, None, None], ENABLED_ENV),
            ([None, Some("0"), None, None], EXPIRY_ENV),
            ([None, Some("1h"), None, None], EXPIRY_ENV),
            ([None, None, Some("-1"), None], CACHE_ENV),
            ([None, None, None, Some("16777216")], MAX_RESPONSE_ENV),
        ] {
            let message = parse(values).unwrap_err();
            assert!(message.starts_with(variable), "{message}");
        }
    }
}
