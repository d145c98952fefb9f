package dev.fnclients.pubsub;

/**
 * A message handed to {@link FnPublisher#publish} was not confirmed before the publisher shut down
 * within its budget; no future stays pending, so the caller learns of every message that was not
 * confirmed. {@link #wasSent()} says whether the server may have it.
 */
public class PublishNotConfirmedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean sent;

  /** A message that may have been sent ({@link #wasSent()} is {@code true}). */
  public PublishNotConfirmedException(String message) {
    this(message, true, null);
  }

  /**
   * @param message what happened
   * @param sent whether a request carrying the message had been handed to the connection
   * @param cause what ended the publish attempt, if anything did; may be {@code null}
   */
  public PublishNotConfirmedException(String message, boolean sent, Throwable cause) {
    // No stack trace: the shutdown thread's stack says nothing about the caller's message, and a
    // shutdown fails thousands of these inside its budget.
    super(message, cause, true, false);
    this.sent = sent;
  }

  /**
   * Whether a {@code Publish} request carrying the message had been handed to the connection before
   * the publisher gave up on it. {@code true}: the server may have it (a stalled server may even
   * store it later), so publishing it again may deliver it twice. {@code false}: it never left this
   * process, so the server does not have it and publishing it again cannot duplicate it.
   */
  public boolean wasSent() {
    return sent;
  }
}
