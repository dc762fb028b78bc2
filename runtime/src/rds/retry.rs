//! Stale connections. A pooled connection can die while the Lambda
//! instance is frozen (the server's `wait_timeout`, a failover, a restart):
//! the driver's liveness check before handing it out catches a socket
//! the server closed, but not always one whose close is still in flight.
//! A statement that then fails because the connection is gone is retried
//! once on a fresh connection, but only when that cannot run it twice:
//! the failure came before the statement was sent (preparing it), or the
//! statement is a read. Writes get a ping first instead (see
//! `Pool::acquire`).

use mysql_async::{DriverError, Error as DriverFailure};

use super::registry::Kind;

/// Server error numbers meaning "this connection is gone".
const GONE: [u16; 5] = [
    1053, // ER_SERVER_SHUTDOWN
    1927, // ER_CONNECTION_KILLED (MariaDB)
    2006, // CR_SERVER_GONE_ERROR
    2013, // CR_SERVER_LOST
    4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8: wait_timeout expired)
];

/// Whether `error` means the connection is unusable (as opposed to the
/// statement being wrong), so a fresh connection may succeed.
pub(crate) fn connection_lost(error: &DriverFailure) -> bool {
    match error {
        DriverFailure::Io(_) => true,
        DriverFailure::Driver(DriverError::ConnectionClosed | DriverError::PacketOutOfOrder) => {
            true
        }
        DriverFailure::Server(server) => GONE.contains(&server.code),
        _ => false,
    }
}

/// Where a statement failed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stage {
    /// Preparing: the statement was never sent for execution.
    Prepare,
    /// Executing or reading its result: it may have run.
    Execute,
}

/// Whether a statement of `kind` that failed with `error` at `stage` may
/// be run again on another connection.
pub(crate) fn may_retry(kind: Kind, stage: Stage, error: &DriverFailure) -> bool {
    connection_lost(error)
        && match stage {
            Stage::Prepare => true,
            Stage::Execute => kind == Kind::Read,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql_async::{IoError, ServerError};
    use std::io;

    fn server(code: u16) -> DriverFailure {
        DriverFailure::Server(ServerError {
            code,
            message: String::new(),
            state: "HY000".to_owned(),
        })
    }

    fn io(kind: io::ErrorKind) -> DriverFailure {
        DriverFailure::Io(IoError::Io(io::Error::from(kind)))
    }

    #[test]
    fn lost_connections_are_recognised() {
        assert!(connection_lost(&io(io::ErrorKind::BrokenPipe)));
        assert!(connection_lost(&io(io::ErrorKind::ConnectionReset)));
        assert!(connection_lost(&io(io::ErrorKind::UnexpectedEof)));
        assert!(connection_lost(&DriverFailure::Driver(
            DriverError::ConnectionClosed
        )));
        assert!(connection_lost(&server(1927)));
        assert!(connection_lost(&server(4031)));
        // The statement's own fault: another connection fails the same way.
        assert!(!connection_lost(&server(1062)));
        assert!(!connection_lost(&server(1054)));
        assert!(!connection_lost(&DriverFailure::Driver(
            DriverError::PoolDisconnected
        )));
    }

    #[test]
    fn only_statements_that_cannot_run_twice_are_retried() {
        let lost = || io(io::ErrorKind::ConnectionReset);
        for kind in [Kind::Read, Kind::Write, Kind::Other] {
            assert!(
                may_retry(kind, Stage::Prepare, &lost()),
                "{kind:?} before sending"
            );
        }
        assert!(may_retry(Kind::Read, Stage::Execute, &lost()));
        assert!(!may_retry(Kind::Write, Stage::Execute, &lost()));
        assert!(!may_retry(Kind::Other, Stage::Execute, &lost()));
        assert!(!may_retry(Kind::Read, Stage::Prepare, &server(1146)));
        assert!(!may_retry(Kind::Read, Stage::Execute, &server(1064)));
    }
}
