//! bench_metrics_none's `hello` recording ten metrics per invocation
//! through `lambda_kit::metrics`: six counters (one with a label), two
//! gauges and two histogram values. Each invocation writes them as EMF
//! lines on stdout when it ends.

use lambda_kit::lambda_handler;
use lambda_kit::metrics::{counter, gauge, histogram};

#[lambda_handler]
async fn hello() -> &'static str {
    counter!("requests").increment(1);
    counter!("greetings").increment(1);
    counter!("bytes_out").increment(13);
    counter!("cache_hits").increment(2);
    counter!("cache_misses").increment(1);
    counter!("greetings_by_language", "language" => "en").increment(1);
    gauge!("queue_depth").set(3.0);
    gauge!("pool_idle").set(1.0);
    histogram!("handler_ms").record(0.25);
    histogram!("payload_bytes").record(13.0);
    "Hello World!!"
}
