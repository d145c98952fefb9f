package dev.fnclients.pubsub;

/**
 * A message handed to {@link FnPublisher#publish} was not confirmed before the publisher shut down
 * within its budget. The server may or may not have received it; what is certain is that no future
 * stays pending, so the caller learns of every message that was not confirmed.
 */
public class PublishNotConfirmedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PublishNotConfirmedException(String message) {
    super(message);
  }
}
