use std::marker::PhantomData;
use std::rc::Rc;

#[derive(serde::Deserialize)]
pub struct Event {
    pub n: u32,
    #[serde(skip)]
    pub local: PhantomData<Rc<()>>,
}

#[derive(serde::Serialize)]
pub struct Output {
    pub n: u32,
    #[serde(skip)]
    pub local: PhantomData<Rc<()>>,
}

#[lambda_kit::lambda_handler(concurrent)]
async fn handler(event: Event) -> Result<Output, lambda_kit::Error> {
    Ok(Output {
        n: event.n,
        local: PhantomData,
    })
}
