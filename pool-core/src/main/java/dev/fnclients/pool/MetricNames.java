package dev.fnclients.pool;

import java.util.List;

/**
 * Every FnClients counter, with its Micrometer name and fixed tags, and the names of the meters
 * registered through Micrometer's binders ({@link #BINDER_METERS}); the one place meter names are
 * written. Each counter is registered once per transport, tagged {@code
 * transport=http|grpc|pubsub}.
 */
public enum MetricNames {
  /** New connections established (TCP, plus TLS where used). */
  CONNECTIONS_OPENED("fnclients.connections.opened", "Connections opened"),
  /** Requests sent on a connection that had carried an earlier request. */
  CONNECTIONS_REUSED("fnclients.connections.reused", "Requests sent on a reused connection"),
  /**
   * Pooled connections discarded when taken because they had been idle past the maximum idle age.
   */
  IDLE_EVICTIONS(
      "fnclients.connections.evicted",
      "Connections closed by FnClients, by reason",
      "reason",
      "idle-expired"),
  /**
   * Pooled HTTP/1 connections found closed by the peer (or carrying unasked bytes) when taken,
   * before a request was written.
   */
  PEER_CLOSED_EVICTIONS(
      "fnclients.connections.evicted",
      "Connections closed by FnClients, by reason",
      "reason",
      "peer-closed"),
  /**
   * Idle pooled connections closed to make room for a new one under {@code maxConnections} or
   * {@code maxConnectionsPerHost}.
   */
  CAP_EVICTIONS(
      "fnclients.connections.evicted",
      "Connections closed by FnClients, by reason",
      "reason",
      "cap"),
  /**
   * HTTP attempts retried after a connection failure that was safe to retry (reset, EOF, broken
   * pipe, refused connect).
   */
  RETRIES("fnclients.retries", "Attempts retried", "reason", "connection"),
  /**
   * Attempts retried after a status: for HTTP, one of {@code retryStatuses} on a request safe to
   * repeat; for gRPC, a status its retry policy retries (server pushback included).
   */
  STATUS_RETRIES("fnclients.retries", "Attempts retried", "reason", "status"),
  /**
   * Retries, after a connection failure or a status, the retry budget refused because too many
   * recent attempts failed.
   */
  RETRIES_REFUSED_BUDGET("fnclients.retries.refused", "Retries refused", "reason", "budget"),
  /**
   * Retries not made because the wait before them was too long: a {@code Retry-After} over {@code
   * retryAfterMax}, or any wait longer than the call has left.
   */
  RETRIES_REFUSED_WAIT("fnclients.retries.refused", "Retries refused", "reason", "wait"),
  /** Failures not retried because the request may have been processed and is not idempotent. */
  RETRIES_REFUSED_UNSAFE(
      "fnclients.retries.refused", "Retries refused", "reason", "not-idempotent"),
  /** Callers that found a connection cap full and had to wait. */
  CAP_WAITS("fnclients.cap.waits", "Callers that waited at a connection cap"),
  /** Callers rejected after waiting {@code capWait} at a full connection cap. */
  CAP_REJECTIONS("fnclients.cap.rejections", "Callers rejected at a full connection cap"),
  /** DNS lookups sent to the resolver that succeeded. */
  DNS_RESOLVED("fnclients.dns.lookups", "DNS lookups", "outcome", "resolved"),
  /** DNS lookups answered from the cache within its TTL. */
  DNS_CACHED("fnclients.dns.lookups", "DNS lookups", "outcome", "cached"),
  /** Failed DNS lookups answered with the last good (stale) answer. */
  DNS_STALE("fnclients.dns.lookups", "DNS lookups", "outcome", "stale"),
  /** Failed DNS lookups with no answer to fall back on. */
  DNS_FAILED("fnclients.dns.lookups", "DNS lookups", "outcome", "failed"),
  /** Pub/Sub messages the server acknowledged with a message id. */
  MESSAGES_PUBLISHED(
      "fnclients.pubsub.messages", "Pub/Sub messages by outcome", "outcome", "published"),
  /**
   * Pub/Sub messages whose publish failed, including those not confirmed within the shutdown
   * budget.
   */
  MESSAGES_FAILED("fnclients.pubsub.messages", "Pub/Sub messages by outcome", "outcome", "failed"),
  /**
   * Clients (OkHttp clients, channels, publishers) built; one per key per instance when all is
   * well.
   */
  CLIENTS_CREATED("fnclients.clients.created", "Clients built");

  /** Micrometer's OkHttp request timer, registered by the HTTP adapter. */
  public static final String HTTP_REQUESTS = "fnclients.http.requests";

  /** Timer of {@code FnPublisher.flush()}: how long waiting for outstanding messages took. */
  public static final String PUBSUB_FLUSH = "fnclients.pubsub.flush";

  /** Micrometer's gRPC client interceptor: messages sent, registered by the gRPC adapter. */
  public static final String GRPC_REQUESTS_SENT = "grpc.client.requests.sent";

  /** Micrometer's gRPC client interceptor: messages received. */
  public static final String GRPC_RESPONSES_RECEIVED = "grpc.client.responses.received";

  /** Micrometer's gRPC client interceptor: the timer of each call. */
  public static final String GRPC_PROCESSING_DURATION = "grpc.client.processing.duration";

  /**
   * The meters FnClients registers through Micrometer's own binders, besides the counters above:
   * the OkHttp request timer, the gRPC client interceptor's three meters and the Pub/Sub flush
   * timer. Like the counters they go to every registry {@code FnClients.metrics()} is bound to.
   */
  public static final List<String> BINDER_METERS =
      List.of(
          HTTP_REQUESTS,
          GRPC_REQUESTS_SENT,
          GRPC_RESPONSES_RECEIVED,
          GRPC_PROCESSING_DURATION,
          PUBSUB_FLUSH);

  /** The tag that names the transport on every meter. */
  public static final String TRANSPORT_TAG = "transport";

  private final String meterName;
  private final String description;
  private final String[] tags;

  MetricNames(String meterName, String description, String... tags) {
    this.meterName = meterName;
    this.description = description;
    this.tags = tags;
  }

  /** The Micrometer meter name, dot-separated lowercase. */
  public String meterName() {
    return meterName;
  }

  /** The meter's description. */
  public String description() {
    return description;
  }

  /** Fixed tags as alternating keys and values, besides {@link #TRANSPORT_TAG}. */
  public String[] tags() {
    return tags.clone();
  }
}
