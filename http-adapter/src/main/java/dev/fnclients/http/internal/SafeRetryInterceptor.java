package dev.fnclients.http.internal;

import dev.fnclients.http.RequestNotRetriedException;
import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.ConnectionCap;
import dev.fnclients.spi.RetryableFailure;
import dev.fnclients.spi.SafeRetry;
import dev.fnclients.spi.SafeRetry.Verdict;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The application interceptor: takes a connection permit from the {@link ConnectionCap} (so the cap
 * holds for {@code execute()} and {@code enqueue()} alike, and the permit is held until the
 * response body is done with), then runs attempts under {@link SafeRetry}. Every wait it makes, and
 * every wait of the sockets it connects, ends by the call's deadline ({@link CallDeadline}). What
 * the call needs on the way is one {@link CallState} per call: the warm path allocates little.
 *
 * <p>Which responses are retried: those with one of {@code retryStatuses} (by default 408, 429,
 * 502, 503, 504) to a request that is safe to repeat (an idempotent method or an {@code
 * Idempotency-Key}, and a body that can be sent again), after the wait a 429's or 503's {@code
 * Retry-After} asks for, else the backoff; each retried response is closed, and after the last
 * attempt the caller gets the last response. The same budget and attempt count serve both kinds of
 * retries.
 *
 * <p>Which failures are retried:
 *
 * <ul>
 *   <li>a connection discarded before anything was written to it (idle too long, closed by its
 *       peer): at once, for any method, and free of the retry budget. When the discarded connection
 *       was for a follow-up (a redirect, say) after the request itself was sent, the call can only
 *       start over from the request: so only when that is safe to repeat;
 *   <li>a failure before the request was written (refused or timed-out connect, TLS handshake
 *       reset): any method, since the server never saw it;
 *   <li>a reset, EOF or broken pipe after the request may have been written: only for idempotent
 *       methods (RFC 9110 §9.2.2) or requests with an {@code Idempotency-Key} header; otherwise the
 *       caller gets a {@link RequestNotRetriedException};
 *   <li>never: protocol errors, certificate failures, unknown hosts, a full connection cap, read
 *       timeouts after the request was written, one-shot bodies once writing began, and anything
 *       once the call is canceled or past its deadline.
 * </ul>
 */
public final class SafeRetryInterceptor implements Interceptor {
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final ConnectionCap cap;
  private final SafeRetry retry;
  private final TransportStats stats;
  private final int maxStaleDiscards;
  private final StatusResults safeToRepeat;
  private final StatusResults notSafeToRepeat;
  private volatile Origin lastOrigin;

  public SafeRetryInterceptor(
      ConnectionCap cap, SafeRetry retry, Set<Integer> retryStatuses, TransportStats stats) {
    this.cap = cap;
    this.retry = retry;
    this.stats = stats;
    boolean[] retryable = new boolean[600];
    for (int status : retryStatuses) {
      retryable[status] = true;
    }
    this.safeToRepeat =
        retryStatuses.isEmpty() ? null : new StatusResults(retryable, Verdict.RETRY);
    this.notSafeToRepeat =
        retryStatuses.isEmpty() ? null : new StatusResults(retryable, Verdict.FAILURE);
    // Each discard removes one pooled connection, so a pool of at most maxTotal ends the loop.
    this.maxStaleDiscards = cap.maxTotal() + 1;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    HttpCall call = new HttpCall(chain, request, origin(request.url()));
    try {
      call.hold(
          cap.acquire(call.origin, call.nanosLeft(), ConnectionCapExceededException.CALL_TIMEOUT));
    } catch (ConnectionCapExceededException e) {
      throw endedByCap(chain.call(), e);
    }
    Response response;
    try {
      StatusResults results =
          isRetrySafe(request) && !isOneShot(request) ? safeToRepeat : notSafeToRepeat;
      response = retry.call(call, results, call);
    } catch (ConnectionCapExceededException e) {
      call.failed();
      throw endedByCap(chain.call(), e);
    } catch (IOException | RuntimeException | Error e) {
      call.failed();
      throw e;
    }
    call.returning(response.body());
    return response;
  }

  /**
   * {@code url}'s origin ({@link Responses#origin}), the last one kept: a function calls the same
   * host again and again, and the string would be built anew for every call.
   */
  private String origin(HttpUrl url) {
    Origin last = lastOrigin;
    if (last != null
        && last.port == url.port()
        && last.host.equals(url.host())
        && last.scheme.equals(url.scheme())) {
      return last.origin;
    }
    String origin = Responses.origin(url);
    lastOrigin = new Origin(url.scheme(), url.host(), url.port(), origin);
    return origin;
  }

  private record Origin(String scheme, String host, int port, String origin) {}

  /**
   * One call: its {@link CallState}, and what its attempts need, so that the call is one object.
   */
  private final class HttpCall extends CallState implements SafeRetry.Attempt<Response> {
    final Chain chain;
    final Request request;
    final String origin;

    HttpCall(Chain chain, Request request, String origin) {
      super(chain.call());
      this.chain = chain;
      this.request = request;
      this.origin = origin;
    }

    @Override
    public Response run() throws IOException, RetryableFailure {
      return attempt(this);
    }
  }

  /** A cap wait the call's deadline ended is reported as such, not as OkHttp's bare timeout. */
  private static ConnectionCapExceededException endedByCap(
      Call call, ConnectionCapExceededException e) {
    if (ConnectionCapExceededException.CALL_TIMEOUT.equals(e.waitLimit())) {
      CallDeadline.endTimer(call);
    }
    return e;
  }

  private Response attempt(HttpCall call) throws IOException, RetryableFailure {
    for (int discards = 0; ; discards++) {
      call.beginAttempt();
      try {
        return call.chain.proceed(call.request);
      } catch (StaleConnectionException e) {
        if (discards >= maxStaleDiscards) {
          throw e;
        }
        if (call.sendStarted) {
          // A follow-up's connection was discarded after the request itself went out: going
          // again means sending the request again.
          throwUnlessReplayable(e, call.request, call.origin);
        }
      } catch (IOException e) {
        throw retryableOrThrow(e, call);
      } finally {
        call.endAttempt();
      }
    }
  }

  /**
   * Returns the failure wrapped as retryable when it is safe to retry; otherwise throws the final
   * failure.
   */
  private RetryableFailure retryableOrThrow(IOException e, HttpCall call) throws IOException {
    if (call.chain.call().isCanceled() || isFinal(e)) {
      throw e;
    }
    if (e instanceof InterruptedIOException) {
      // A connect timeout happens before anything is written; a read timeout after.
      if (e instanceof SocketTimeoutException && !call.sendStarted) {
        return new RetryableFailure(e);
      }
      throw e;
    }
    if (!call.sendStarted) {
      return new RetryableFailure(e);
    }
    throwUnlessReplayable(e, call.request, call.origin);
    return new RetryableFailure(e);
  }

  /** Throws unless {@code request}, which may have reached the server, may be sent again. */
  private void throwUnlessReplayable(IOException e, Request request, String origin)
      throws IOException {
    if (isOneShot(request)) {
      throw e; // part of the body is gone: it cannot be sent again, whatever the method
    }
    if (!isRetrySafe(request)) {
      stats.increment(MetricNames.RETRIES_REFUSED_UNSAFE);
      throw new RequestNotRetriedException(request.method(), origin, e);
    }
  }

  private static boolean isFinal(IOException e) {
    if (e instanceof ProtocolException
        || e instanceof UnknownHostException
        || e instanceof SSLPeerUnverifiedException
        || e instanceof ConnectionCapExceededException) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isOneShot(Request request) {
    return request.body() != null && request.body().isOneShot();
  }

  /**
   * Judges responses by status: one of {@code retryStatuses} is {@code onRetryable} (a retry for a
   * request safe to repeat, a failure that is not retried otherwise); any other a success.
   */
  private static final class StatusResults implements SafeRetry.Results<Response> {
    private final boolean[] retryable;
    private final Verdict onRetryable;

    StatusResults(boolean[] retryable, Verdict onRetryable) {
      this.retryable = retryable;
      this.onRetryable = onRetryable;
    }

    @Override
    public Verdict verdict(Response response) {
      int code = response.code();
      return code >= 0 && code < retryable.length && retryable[code]
          ? onRetryable
          : Verdict.SUCCESS;
    }

    /** {@code Retry-After} counts on a 429 or a 503 only, as RFC 9110 and RFC 6585 give it. */
    @Override
    public long requestedWaitNanos(Response response) {
      int code = response.code();
      return code == 429 || code == 503
          ? Responses.retryAfterNanos(response, System.currentTimeMillis())
          : -1;
    }

    @Override
    public void discard(Response response) {
      response.close();
    }
  }

  /** Idempotent by method (RFC 9110 §9.2.2), or made so by an {@code Idempotency-Key} header. */
  static boolean isRetrySafe(Request request) {
    return IDEMPOTENT.contains(request.method()) || request.header(IDEMPOTENCY_KEY) != null;
  }
}
