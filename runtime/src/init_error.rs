//! Init failures go to `/runtime/init/error`, so Lambda shows them and
//! retries the cold start.

use http::header::CONTENT_TYPE;
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{build_request, Client};

use crate::Diagnostic;

/// Path of the Runtime API's init error endpoint.
pub(crate) const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";

/// Header naming the error category on error reports.
const ERROR_TYPE_HEADER: &str = "lambda-runtime-function-error-type";

/// Posts an init failure to the Runtime API, logging if that fails too.
pub(crate) async fn report(error: &Diagnostic) {
    if let Err(err) = post_init_error(error).await {
        tracing::error!(error = %err, "could not report the init failure to the Runtime API");
    }
}

async fn post_init_error(error: &Diagnostic) -> Result<(), lambda_runtime::Error> {
    post_error(INIT_ERROR_PATH, error).await
}

/// Posts an error document to one of the Runtime API's error endpoints.
pub(crate) async fn post_error(
    path: &str,
    error: &Diagnostic,
) -> Result<(), lambda_runtime::Error> {
    let client = Client::builder().build()?;
    let body = serde_json::to_vec(error)?;
    let request = build_request()
        .method("POST")
        .uri(path)
        .header(ERROR_TYPE_HEADER, &error.error_type)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body))?;
    let response = client.call(request).await?;
    if !response.status().is_success() {
        return Err(format!("the Runtime API answered {}", response.status()).into());
    }
    Ok(())
}
