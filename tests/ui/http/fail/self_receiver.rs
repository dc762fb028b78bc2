use lambda_kit::http::Json;

struct Service;

impl Service {
    #[lambda_kit::lambda_handler(http)]
    async fn handle(&self, Json(name): Json<String>) -> String {
        name
    }
}

fn main() {}
