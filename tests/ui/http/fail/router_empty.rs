lambda_kit::http::router!();
