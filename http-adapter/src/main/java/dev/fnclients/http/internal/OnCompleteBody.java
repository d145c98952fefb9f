package dev.fnclients.http.internal;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that runs an action exactly once when the body is done with: read to the end,
 * failed or closed; and, where asked, when a body the caller leaked is garbage-collected. OkHttp
 * releases a connection at the same moments, so the action sees the connection free again.
 */
final class OnCompleteBody extends ResponseBody {
  private static final Cleaner CLEANER = Cleaner.create();

  private final ResponseBody delegate;
  private final Runnable once;
  private BufferedSource source;

  private OnCompleteBody(ResponseBody delegate, Runnable once) {
    this.delegate = delegate;
    this.once = once;
  }

  /** Wraps {@code body} so that {@code onComplete} runs once when it is done with. */
  static ResponseBody wrap(ResponseBody body, Runnable onComplete) {
    return new OnCompleteBody(body, new Once(onComplete));
  }

  /**
   * As {@link #wrap}, and also runs {@code onComplete} if the caller drops the body unclosed. For
   * what must never leak, such as a connection permit: a leaked permit would shrink the cap forever.
   */
  static ResponseBody wrapReleasingOnLeak(ResponseBody body, Runnable onComplete) {
    Cleaned cleaned = new Cleaned();
    OnCompleteBody wrapped = new OnCompleteBody(body, cleaned);
    // The cleaning action holds only onComplete, never the body, so the body can become
    // unreachable. clean() runs it at most once and deregisters it, so a body completed normally
    // leaves no phantom reference for the garbage collector to process.
    cleaned.cleanable = CLEANER.register(wrapped, new Once(onComplete));
    return wrapped;
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
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
                      once.run();
                    }
                    return read;
                  } catch (IOException | RuntimeException e) {
                    once.run();
                    throw e;
                  }
                }

                @Override
                public void close() throws IOException {
                  try {
                    super.close();
                  } finally {
                    once.run();
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
      once.run();
    }
  }

  private static final class Cleaned implements Runnable {
    volatile Cleaner.Cleanable cleanable;

    @Override
    public void run() {
      cleanable.clean();
    }
  }

  private static final class Once implements Runnable {
    private final AtomicBoolean done = new AtomicBoolean();
    private final Runnable action;

    Once(Runnable action) {
      this.action = action;
    }

    @Override
    public void run() {
      if (done.compareAndSet(false, true)) {
        action.run();
      }
    }
  }
}
