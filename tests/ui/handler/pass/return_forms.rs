// Any Serialize value, or Result<T, E> with any E: Display.
mod unit {
    #[lambda_kit::lambda_handler]
    async fn handler() {}
}

mod value {
    #[lambda_kit::lambda_handler]
    async fn handler() -> serde_json::Value {
        serde_json::json!({"ok": true})
    }
}

mod kit_error {
    #[lambda_kit::lambda_handler]
    async fn handler(n: i64) -> Result<i64, lambda_kit::Error> {
        if n < 0 {
            return Err(lambda_kit::Error::msg("negative"));
        }
        Ok("7".parse::<i64>()? + n)
    }
}

mod thiserror_enum {
    #[derive(Debug, thiserror::Error)]
    pub enum AppError {
        #[error("not found: {0}")]
        NotFound(String),
    }
    #[lambda_kit::lambda_handler]
    fn handler(name: String) -> Result<String, AppError> {
        Err(AppError::NotFound(name))
    }
}

mod io_error {
    #[lambda_kit::lambda_handler]
    fn handler() -> std::io::Result<String> {
        std::fs::read_to_string("/etc/hostname")
    }
}

mod string_error {
    #[lambda_kit::lambda_handler]
    fn handler() -> Result<(), String> {
        Err("no".to_owned())
    }
}

mod impl_serialize {
    #[lambda_kit::lambda_handler]
    fn handler() -> impl serde::Serialize {
        vec![1, 2, 3]
    }
}

mod result_of_impl_serialize {
    #[lambda_kit::lambda_handler]
    fn handler() -> Result<impl serde::Serialize, String> {
        Ok(vec![1, 2, 3])
    }
}

fn main() {}
