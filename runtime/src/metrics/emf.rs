//! Embedded Metric Format documents from one invocation's metrics.
