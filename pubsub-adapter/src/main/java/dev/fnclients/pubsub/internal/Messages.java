package dev.fnclients.pubsub.internal;

import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks topics and messages against Pub/Sub's limits before anything is sent. */
public final class Messages {
  private Messages() {}

  /** Pub/Sub's limit on a publish request, and so on one message. */
  public static final int MAX_MESSAGE_BYTES = 10_000_000;

  private static final int MAX_ATTRIBUTES = 100;
  private static final int MAX_ATTRIBUTE_KEY_BYTES = 256;
  private static final int MAX_ATTRIBUTE_VALUE_BYTES = 1024;
  private static final int MAX_ORDERING_KEY_BYTES = 1024;
  private static final Pattern TOPIC_PATH = Pattern.compile("projects/([^/]+)/topics/([^/]+)");
  private static final Pattern TOPIC_ID = Pattern.compile("[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}");

  /**
   * Parses {@code projects/P/topics/T}.
   *
   * @throws IllegalArgumentException naming the expected form, for an empty or malformed topic
   */
  public static TopicName topic(String path) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "topic must be projects/{project}/topics/{topic}, was empty");
    }
    var m = TOPIC_PATH.matcher(path.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "topic must be projects/{project}/topics/{topic}, was '" + path + "'");
    }
    if (!TOPIC_ID.matcher(m.group(2)).matches() || m.group(2).startsWith("goog")) {
      throw new IllegalArgumentException(
          "topic id must be 3 to 255 letters, digits or - _ . ~ + %, start with a letter and not with 'goog', was '"
              + m.group(2)
              + "'");
    }
    return TopicName.of(m.group(1), m.group(2));
  }

  /**
   * Checks {@code message} against Pub/Sub's limits.
   *
   * @throws IllegalArgumentException saying which limit it breaks
   */
  public static void validate(PubsubMessage message) {
    if (message == null) {
      throw new IllegalArgumentException("message must not be null");
    }
    if (message.getData().isEmpty() && message.getAttributesCount() == 0) {
      throw new IllegalArgumentException(
          "a message needs data or at least one attribute; this one has neither");
    }
    int size = message.getSerializedSize();
    if (size > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "message is "
              + size
              + " bytes; Pub/Sub accepts at most "
              + MAX_MESSAGE_BYTES
              + " bytes per message");
    }
    if (message.getAttributesCount() > MAX_ATTRIBUTES) {
      throw new IllegalArgumentException(
          "message has "
              + message.getAttributesCount()
              + " attributes; Pub/Sub accepts at most "
              + MAX_ATTRIBUTES);
    }
    for (Map.Entry<String, String> attribute : message.getAttributesMap().entrySet()) {
      if (bytes(attribute.getKey()) > MAX_ATTRIBUTE_KEY_BYTES
          || bytes(attribute.getValue()) > MAX_ATTRIBUTE_VALUE_BYTES) {
        throw new IllegalArgumentException(
            "attribute '"
                + abbreviate(attribute.getKey())
                + "' is too long: keys may have at most "
                + MAX_ATTRIBUTE_KEY_BYTES
                + " bytes and values "
                + MAX_ATTRIBUTE_VALUE_BYTES);
      }
    }
    if (bytes(message.getOrderingKey()) > MAX_ORDERING_KEY_BYTES) {
      throw new IllegalArgumentException(
          "ordering key has more than " + MAX_ORDERING_KEY_BYTES + " bytes");
    }
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "…";
  }
}
