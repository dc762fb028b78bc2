//! The documented handler's `raise Exception('Something went wrong')` path:
//! answers `{"errorType": "SomethingWentWrong", "errorMessage": "Something went wrong"}`.

use lambda_kit::lambda_handler;
use serde_json::Value;

/// The error this function always fails with; its type name becomes the
/// response's `errorType`.
#[derive(Debug, thiserror::Error)]
#[error("Something went wrong")]
pub struct SomethingWentWrong;

#[lambda_handler]
async fn fail(_event: Value) -> Result<Value, SomethingWentWrong> {
    Err(SomethingWentWrong)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn always_fails() {
        let err = super::fail(serde_json::json!({})).await.unwrap_err();
        assert_eq!(err.to_string(), "Something went wrong");
    }
}
