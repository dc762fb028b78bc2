//! CloudWatch metrics through the [`metrics`](https://docs.rs/metrics/0.24)
//! facade, written as Embedded Metric Format when each invocation ends.

mod emf;
