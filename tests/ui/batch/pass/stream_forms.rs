use lambda_kit::events::{Change, ChangeKind, DynamoDbRecord, KinesisEventRecord};
use lambda_kit::lambda_handler;

// Kinesis data as JSON, with the record's metadata.
mod json_data {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Reading {
        celsius: f64,
    }

    #[lambda_handler(kinesis)]
    async fn readings(
        reading: Reading,
        record: &KinesisEventRecord,
    ) -> Result<(), lambda_kit::Error> {
        let _ = (&record.kinesis.partition_key, reading.celsius);
        Ok(())
    }
}

// Kinesis data as bytes.
mod raw_bytes {
    #[lambda_kit::lambda_handler(kinesis)]
    async fn bytes(data: Vec<u8>) {
        let _ = data.len();
    }
}

// DynamoDB Streams: the images as the handler's type.
mod table_changes {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Order {
        qty: u32,
    }

    #[lambda_handler(dynamodb)]
    async fn changed(change: Change<Order>, record: &DynamoDbRecord) {
        if change.kind == ChangeKind::Insert {
            let _ = (change.new.map(|order| order.qty), &record.event_id);
        }
    }
}

fn main() {}
