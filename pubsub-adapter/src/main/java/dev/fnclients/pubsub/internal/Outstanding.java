package dev.fnclients.pubsub.internal;

import com.google.api.core.SettableApiFuture;
import com.google.pubsub.v1.PubsubMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The messages a publisher handed out futures for and has not completed, and whether a request
 * carrying each of them has left for the server. Once {@link #seal() sealed}, no request leaves any
 * more, so a message not marked sent by then never reaches the server.
 *
 * <p>Requests are matched to messages by identity: the Pub/Sub client puts the very {@link
 * PubsubMessage} objects it was given into its {@code PublishRequest}s. Should a request ever carry
 * a message that is not matched, every message counts as possibly sent from then on. The same
 * message object published twice shares one mark, which errs the same way.
 *
 * <p>Trackers are kept in publishing order, so that a flush can wait for those published before it
 * without copying the rest.
 */
final class Outstanding {
  /** One {@code publish} call's future. */
  static final class Tracker {
    final SettableApiFuture<String> future = SettableApiFuture.create();
    final long sequence;

    /** Whether it still counts in {@link #size()}. */
    private final AtomicBoolean counted = new AtomicBoolean(true);

    private final Identity key;
    private final Mark mark;

    private Tracker(long sequence, Identity key, Mark mark) {
      this.sequence = sequence;
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

  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentSkipListMap<Long, Tracker> trackers = new ConcurrentSkipListMap<>();
  private final AtomicInteger count = new AtomicInteger(); // the skip list counts in O(n)
  private final ConcurrentHashMap<Identity, Mark> marks = new ConcurrentHashMap<>();
  private volatile boolean sealed;
  private volatile boolean unmatched;

  /** Starts tracking a message about to be published. */
  Tracker add(PubsubMessage message) {
    Identity key = new Identity(message);
    Mark mark =
        marks.compute(
            key,
            (k, m) -> {
              Mark held = m != null ? m : new Mark();
              held.trackers++;
              return held;
            });
    Tracker tracker = new Tracker(sequence.incrementAndGet(), key, mark);
    trackers.put(tracker.sequence, tracker);
    count.incrementAndGet();
    return tracker;
  }

  /**
   * Stops counting {@code tracker} in {@link #size()}: called just before its future is completed,
   * so that whoever sees the future done also sees the count without it ({@link #remove} comes
   * after the completion, and a flush must see the tracker until its future is done).
   */
  void completing(Tracker tracker) {
    if (tracker.counted.compareAndSet(true, false)) {
      count.decrementAndGet();
    }
  }

  /** Stops tracking {@code tracker}; true for the one caller that removed it. */
  boolean remove(Tracker tracker) {
    if (!trackers.remove(tracker.sequence, tracker)) {
      return false;
    }
    completing(tracker);
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
    return List.copyOf(trackers.values());
  }

  int size() {
    return count.get();
  }

  /** The sequence of the last tracker added so far; later ones have higher sequences. */
  long lastSequence() {
    return sequence.get();
  }

  /**
   * The first tracker after {@code after} (a sequence; 0 for the first of all) whose future is not
   * done, up to sequence {@code upTo}; {@code null} when there is none.
   */
  Tracker firstPending(long after, long upTo) {
    for (Map.Entry<Long, Tracker> e = trackers.higherEntry(after);
        e != null && e.getKey() <= upTo;
        e = trackers.higherEntry(e.getKey())) {
      if (!e.getValue().future.isDone()) {
        return e.getValue();
      }
    }
    return null;
  }
}
