//! An S3 notification handler for the end-to-end tests: answers the
//! decoded keys of the objects notified.

use lambda_kit::events::S3Objects;
use lambda_kit::lambda_handler;

#[lambda_handler]
async fn keys(objects: S3Objects) -> Vec<String> {
    objects
        .into_iter()
        .map(|object| format!("{}/{}", object.bucket, object.key))
        .collect()
}
