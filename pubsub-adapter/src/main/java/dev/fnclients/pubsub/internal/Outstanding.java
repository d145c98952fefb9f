package dev.fnclients.pubsub.internal;

import com.google.api.core.SettableApiFuture;
import com.google.pubsub.v1.PubsubMessage;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The messages a publisher handed out futures for and has not completed, and whether a request
 * carrying each of them has left for the server. Once {@link #seal() sealed}, no request leaves
 * any more, so a message not marked sent by then never reaches the server.
 *
 * <p>Requests are matched to messages by identity: the Pub/Sub client puts the very
 * {@link PubsubMessage} objects it was given into its {@code PublishRequest}s. Should a request
 * ever carry a message that is not matched, every message counts as possibly sent from then on.
 * The same message object published twice shares one mark, which errs the same way.
 */
final class Outstanding {
  /** One {@code publish} call's future. */
  static final class Tracker {
    final SettableApiFuture<String> future = SettableApiFuture.create();
    private final Identity key;
    private final Mark mark;

    private Tracker(Identity key, Mark mark) {
      this.key = key;
      this.mark = mark;
    }
  }

  /** Whether a request carrying a message object has been sent; shared by its trackers. */
  private static final class Mark {
    int trackers; // guarded by the map's compute
    volatile boolean sent;
  }

  /** A message object, compared by identity. */
  private static final class Identity {
    private final PubsubMessage message;

    Identity(PubsubMessage message) {
      this.message = message;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Identity && ((Identity) o).message == message;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(message);
    }
  }

  private final Set<Tracker> trackers = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Identity, Mark> marks = new ConcurrentHashMap<>();
  private volatile boolean sealed;
  private volatile boolean unmatched;

  /** Starts tracking a message about to be published. */
  Tracker add(PubsubMessage message) {
    Identity key = new Identity(message);
    Mark mark =
        marks.compute(key, (k, m) -> {
          Mark held = m != null ? m : new Mark();
          held.trackers++;
          return held;
        });
    Tracker tracker = new Tracker(key, mark);
    trackers.add(tracker);
    return tracker;
  }

  /** Stops tracking {@code tracker}; true for the one caller that removed it. */
  boolean remove(Tracker tracker) {
    if (!trackers.remove(tracker)) {
      return false;
    }
    marks.computeIfPresent(tracker.key, (k, m) -> --m.trackers == 0 ? null : m);
    return true;
  }

  /**
   * Called with a request's messages just before it is handed to the connection: marks them sent,
   * then returns whether the request may still go. Marking before reading {@link #sealed} again
   * (both volatile) means {@link #seal()} either stops the request or sees it marked.
   */
  boolean beforeSend(List<PubsubMessage> messages) {
    if (sealed) {
      return false; // nothing marked: it does not leave
    }
    for (PubsubMessage message : messages) {
      Mark mark = marks.get(new Identity(message));
      if (mark == null) {
        unmatched = true;
      } else {
        mark.sent = true;
      }
    }
    return !sealed;
  }

  /** From now on no request leaves; call before reading {@link #wasSent}. */
  void seal() {
    sealed = true;
  }

  /** Whether a request that may carry {@code tracker}'s message has left. */
  boolean wasSent(Tracker tracker) {
    return tracker.mark.sent || unmatched;
  }

  /** The trackers now outstanding. */
  List<Tracker> snapshot() {
    return List.copyOf(trackers);
  }

  int size() {
    return trackers.size();
  }
}
