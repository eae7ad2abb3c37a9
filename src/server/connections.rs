//! The limit on open connections: each accepted connection holds a permit for as long as it
//! is open, so at most `--max-connections` are served at once. A connection over the limit
//! waits for a free permit (up to [`WAIT`]) before it is read, then is closed if none came.
//! With the header timeout (see [`super::limits::HEADER_TIMEOUT`]), a client that sends
//! slowly or goes quiet gives its permit back instead of keeping it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection over the limit waits for a free permit before it is closed.
pub const WAIT: Duration = Duration::from_secs(30);

/// Wraps another acceptor (plain or TLS): a permit first, then the inner acceptor.
#[derive(Clone)]
pub struct LimitAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
}

impl<A> LimitAcceptor<A> {
    pub fn new(inner: A, max_connections: usize) -> LimitAcceptor<A> {
        LimitAcceptor {
            inner,
            permits: Arc::new(Semaphore::new(max_connections)),
        }
    }
}

impl<A, I, S> Accept<I, S> for LimitAcceptor<A>
where
    A: Accept<I, S> + Clone + Send + Sync + 'static,
    A::Future: Send,
    I: Send + 'static,
    S: Send + 'static,
{
    type Stream = Permitted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let inner = self.inner.clone();
        let permits = self.permits.clone();
        Box::pin(async move {
            let permit = match tokio::time::timeout(WAIT, permits.acquire_owned()).await {
                Ok(Ok(p)) => p,
                // Dropping the stream closes the connection unread.
                _ => {
                    return Err(io::Error::other(
                        "too many connections: no free one in time",
                    ))
                }
            };
            let (stream, service) = inner.accept(stream, service).await?;
            Ok((
                Permitted {
                    stream,
                    _permit: permit,
                },
                service,
            ))
        })
    }
}

/// A connection and the permit it holds until it is dropped.
pub struct Permitted<T> {
    stream: T,
    _permit: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Permitted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Permitted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
