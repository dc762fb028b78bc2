use std::rc::Rc;

fn setup() -> Rc<u32> {
    Rc::new(7)
}

#[lambda_kit::lambda_handler(init = setup, concurrent)]
async fn handler(state: &Rc<u32>) -> u32 {
    **state
}
