// Each form in a module of its own (each expands to a `main`); the
// trybuild run only checks that they compile.
mod every_parameter {
    use lambda_kit::events::SqsMessage;
    use lambda_kit::{lambda_handler, Context};

    #[derive(serde::Deserialize)]
    struct Order {
        id: u64,
    }

    #[derive(Debug)]
    struct Rejected;

    impl std::fmt::Display for Rejected {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("rejected")
        }
    }

    struct State;

    fn setup() -> State {
        State
    }

    // Every parameter, in any order; the metadata before the event.
    #[lambda_handler(sqs, init = setup)]
    async fn place(
        _state: &State,
        message: &SqsMessage,
        ctx: &Context,
        order: Order,
    ) -> Result<(), Rejected> {
        let _ = (&message.message_id, &ctx.request_id, order.id);
        Ok(())
    }
}

// The raw body, in a plain function.
mod sync_unit {
    #[lambda_kit::lambda_handler(sqs)]
    fn raw(_body: String) {}
}

mod no_event {
    #[lambda_kit::lambda_handler(sqs)]
    async fn metadata_only(message: &lambda_kit::events::SqsMessage) {
        let _ = &message.body;
    }
}

mod owned_context {
    #[lambda_kit::lambda_handler(sqs)]
    async fn owned(
        ctx: lambda_kit::Context,
        _value: serde_json::Value,
    ) -> Result<(), lambda_kit::Error> {
        let _ = ctx.request_id;
        Ok(())
    }
}

fn main() {}
