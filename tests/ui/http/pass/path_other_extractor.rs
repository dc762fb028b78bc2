//! An extractor of the application's own that is also spelled `Path<T>`:
//! the route attributes check only lambda-kit's `Path` against the
//! pattern, by its trait, so this one is left alone. `Path<(A, B)>` of
//! lambda-kit on a matching pattern passes too, and so does a borrowed
//! type (checked at start-up only).
mod own {
    use lambda_kit::http::{FromRequest, Request, Rejection};

    /// The whole path, split at `/`, whatever the pattern.
    pub struct Path<T>(pub T);

    impl FromRequest for Path<(String, String)> {
        fn from_request(request: &Request) -> Result<Self, Rejection> {
            let path = request.uri().path();
            let (a, b) = path.split_once('/').unwrap_or((path, ""));
            Ok(Path((a.to_owned(), b.to_owned())))
        }
    }
}

mod function {
    use lambda_kit::http::{get, router};

    #[get("/files/{name}")]
    async fn file(super::own::Path((a, b)): super::own::Path<(String, String)>) -> String {
        format!("{a} {b}")
    }

    #[get("/shops/{shop}/items/{id}")]
    async fn item(
        lambda_kit::http::Path((shop, id)): lambda_kit::http::Path<(String, u64)>,
    ) -> String {
        format!("{shop} {id}")
    }

    #[get("/names/{first}/{last}")]
    async fn name(
        lambda_kit::http::Path((first, last)): lambda_kit::http::Path<(
            std::borrow::Cow<'_, str>,
            std::borrow::Cow<'_, str>,
        )>,
    ) -> String {
        format!("{first} {last}")
    }

    router!(file, item, name);
}

fn main() {}
