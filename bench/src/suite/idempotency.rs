//! What `#[lambda_handler(idempotency_key = "...")]` costs per invocation:
//! the charge example's handler (one `#[rds_query]` INSERT) without it, and
//! idempotent on first deliveries (a new key every invocation) and on
//! repeats (one key sent again and again, answered from its record), the
//! three taking turns, over loopback and through the relay. Afterwards the
//! `charges` table shows whether every key was charged exactly once.

use std::net::SocketAddr;

use serde::Serialize;
use serde_json::{json, Value};

use crate::callgrind::instructions_events;
use crate::database::BenchDb;
use crate::options::Options;
use crate::proxy::LatencyProxy;
use crate::rounds::{compare_events, Comparison};
use crate::variants::Variant;

/// The variants' keys, in their order.
pub const WITHOUT: &str = "plain";
pub const FIRST: &str = "first";
pub const REPEAT: &str = "repeat";

/// The comparisons and the check on the table.
#[derive(Debug, Serialize)]
pub struct Section {
    /// One per network setting, loopback first; variants in the order of
    /// [`WITHOUT`], [`FIRST`], [`REPEAT`].
    pub comparisons: Vec<Comparison>,
    pub charges: Charges,
}

/// What the `charges` table held after the section.
#[derive(Debug, Serialize)]
pub struct Charges {
    /// Rows: one per time a handler ran.
    pub rows: u64,
    /// Distinct order ids (keys) among them.
    pub orders: u64,
    /// The keys sent again and again: one per setting, and one for the
    /// instruction count if callgrind ran.
    pub repeated_keys: u64,
    /// Rows with those keys.
    pub repeated_rows: u64,
}

/// `charges` as examples/charge/charge.sql creates it.
const CHARGES: &str = "CREATE TABLE {db}.charges (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id VARCHAR(64) NOT NULL,
    customer VARCHAR(64) NOT NULL,
    amount_cents BIGINT NOT NULL)";

/// The three variants, each reaching the database with `env`.
fn variants(env: &[(String, String)]) -> Vec<Variant> {
    // Every repeat goes to the table: no in-memory cache (the default).
    let env: Vec<_> = env
        .iter()
        .cloned()
        .chain([("LAMBDA_KIT_IDEMPOTENCY_CACHE".to_owned(), "0".to_owned())])
        .collect();
    vec![
        Variant::bin("without idempotency", WITHOUT, "bench_charge").with_env(&env),
        Variant::bin(
            "idempotent, first delivery (a new key each invocation)",
            FIRST,
            "bench_charge_idempotent",
        )
        .with_env(&env),
        Variant::bin(
            "idempotent, repeat delivery (one key again: the kept receipt)",
            REPEAT,
            "bench_charge_idempotent",
        )
        .with_env(&env),
    ]
}

/// The event charging `order_id` and the receipt it gets.
fn charge(order_id: &str) -> (Value, Value) {
    (
        json!({"order": {"id": order_id, "customer": "alice", "amount_cents": 1250}}),
        json!({"order_id": order_id, "amount_cents": 1250}),
    )
}

/// Variant `key`'s `n`th event under `tag`: a new order id each time, but
/// for [`REPEAT`] the same one.
fn event(tag: &str, key: &str, n: u64) -> (Value, Value) {
    if key == REPEAT {
        charge(&format!("{tag}-{REPEAT}"))
    } else {
        charge(&format!("{tag}-{key}-{n}"))
    }
}

/// Creates `charges` in `db`.
async fn create_charges(db: &BenchDb) {
    db.execute(&CHARGES.replace("{db}", &format!("`{}`", db.name)))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
}

/// `--instructions-only`: each variant's instructions per invocation over
/// loopback, printed.
pub async fn count_only(db: &BenchDb, server: SocketAddr, options: &Options) {
    create_charges(db).await;
    for variant in &variants(&db.env_via(server)) {
        let events = |n: u64| event("callgrind", variant.key, n);
        let counted = instructions_events(variant, &events, options).await;
        println!("charge\t{}\t{counted:.0}", variant.key);
    }
}

/// Both settings, then the check on `charges`.
pub async fn measure(
    db: &BenchDb,
    server: SocketAddr,
    relay: &LatencyProxy,
    options: &Options,
) -> Section {
    create_charges(db).await;
    let mut comparisons = Vec::new();
    let mut repeated_keys = 0;
    for (tag, setting, address, counted) in [
        ("loopback", "loopback".to_owned(), server, None),
        (
            "relay",
            format!("{} ms simulated round trip", options.rtt_ms),
            relay.address(),
            Some(relay),
        ),
    ] {
        let variants = variants(&db.env_via(address));
        let events = |i: usize, n: u64| event(tag, variants[i].key, n);
        let mut comparison = compare_events(
            format!("charge (idempotency), {setting}"),
            &variants,
            &events,
            options.db_invocations,
            options,
            counted,
        )
        .await;
        repeated_keys += 1;
        comparison.baseline = variants[0].label;
        // Client-side work per invocation, counted once, without the relay.
        if options.callgrind && counted.is_none() {
            for (variant, measured) in variants.iter().zip(&mut comparison.variants) {
                let events = |n: u64| event("callgrind", variant.key, n);
                measured.instructions = Some(instructions_events(variant, &events, options).await);
            }
            repeated_keys += 1;
            eprintln!("  charge (idempotency): instructions counted");
        }
        comparisons.push(comparison);
    }
    let (rows, orders, repeated_rows): (u64, u64, u64) = db
        .first(&format!(
            "SELECT COUNT(*), COUNT(DISTINCT order_id), \
             COUNT(CASE WHEN order_id LIKE '%-{REPEAT}' THEN 1 END) FROM `{}`.charges",
            db.name
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .expect("COUNT returns a row");
    let charges = Charges {
        rows,
        orders,
        repeated_keys,
        repeated_rows,
    };
    // A repeat that ran the handler would have charged again.
    assert!(
        rows == orders && repeated_rows == repeated_keys,
        "a key was charged more than once: {charges:?}"
    );
    Section {
        comparisons,
        charges,
    }
}
