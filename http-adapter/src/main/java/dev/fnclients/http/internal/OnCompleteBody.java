package dev.fnclients.http.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * An exchange's response body that, exactly once, when the body is done with (read to the end,
 * failed or closed), ends the exchange on its connection and tells the call it belongs to. OkHttp
 * releases a connection at the same moments, so both see the connection free again. (Both are
 * fields rather than an action object: one object less per call.)
 */
final class OnCompleteBody extends ResponseBody {
  private static final AtomicIntegerFieldUpdater<OnCompleteBody> DONE =
      AtomicIntegerFieldUpdater.newUpdater(OnCompleteBody.class, "done");

  private final ResponseBody delegate;
  private final TrackedConnection connection;
  private final CallState call;
  private volatile int done; // 1 once complete: a field, not an object per body
  private BufferedSource source;

  /**
   * The parsed {@code Content-Type}, {@link #NONE} when there is none, null until first asked:
   * OkHttp's body parses the header on every call, and each response is asked at least twice (the
   * cache interceptor, then {@code string()}'s charset). A race only parses twice; a {@code
   * MediaType} is immutable, so it is safe to read without a lock.
   */
  private Object contentType;

  private static final Object NONE = new Object();

  private OnCompleteBody(ResponseBody delegate, TrackedConnection connection, CallState call) {
    this.delegate = delegate;
    this.connection = connection;
    this.call = call;
  }

  /**
   * Wraps {@code body} so that, once it is done with, the exchange on {@code connection} ends and
   * {@code call} (null for none) hears of it.
   */
  static ResponseBody wrap(ResponseBody body, TrackedConnection connection, CallState call) {
    if (call != null) {
      call.bodyOpened(connection);
    }
    return new OnCompleteBody(body, connection, call);
  }

  private void complete() {
    if (done == 0 && DONE.compareAndSet(this, 0, 1)) {
      try {
        connection.release();
      } finally {
        if (call != null) {
          call.bodyDone();
        }
      }
    }
  }

  @Override
  public MediaType contentType() {
    Object type = contentType;
    if (type == null) {
      MediaType parsed = delegate.contentType();
      contentType = type = parsed == null ? NONE : parsed;
    }
    return type == NONE ? null : (MediaType) type;
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public synchronized BufferedSource source() {
    if (source == null) {
      source =
          Okio.buffer(
              new ForwardingSource(delegate.source()) {
                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                  try {
                    long read = super.read(sink, byteCount);
                    if (read == -1) {
                      complete();
                    }
                    return read;
                  } catch (IOException | RuntimeException e) {
                    complete();
                    throw e;
                  }
                }

                @Override
                public void close() throws IOException {
                  try {
                    super.close();
                  } finally {
                    complete();
                  }
                }
              });
    }
    return source;
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      complete();
    }
  }
}
