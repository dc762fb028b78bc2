//! A Kinesis batch handler for the end-to-end tests: readings below
//! absolute zero are rejected, `celsius: 13.0` panics.

use lambda_kit::events::KinesisEventRecord;
use lambda_kit::lambda_handler;

#[derive(serde::Deserialize)]
struct Reading {
    sensor: String,
    celsius: f64,
}

#[derive(Debug, thiserror::Error, lambda_kit::ErrorType)]
#[error("sensor {0} reads below absolute zero")]
struct Impossible(String);

#[lambda_handler(kinesis)]
async fn record(reading: Reading, record: &KinesisEventRecord) -> Result<(), Impossible> {
    lambda_kit::tracing::info!(
        sensor = %reading.sensor,
        partition = %record.kinesis.partition_key,
        "reading"
    );
    if reading.celsius == 13.0 {
        panic!("unlucky sensor {}", reading.sensor);
    }
    if reading.celsius < -273.15 {
        return Err(Impossible(reading.sensor));
    }
    Ok(())
}
