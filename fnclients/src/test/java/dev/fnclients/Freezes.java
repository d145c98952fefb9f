package dev.fnclients;

import dev.fnclients.testkit.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Invocations of a function instance in a child JVM, frozen between them like a throttled instance. */
final class Freezes {
  private Freezes() {}

  /**
   * Sends {@code command} {@code count} times and returns the answers; before every invocation but
   * the first, the instance is stopped with SIGSTOP for {@code frozenFor}, then continued.
   */
  static List<String> invocations(ChildJvm instance, String command, int count, Duration frozenFor) throws Exception {
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        instance.freeze();
        Thread.sleep(frozenFor.toMillis()); // the injected fault: the platform throttles the idle instance
        instance.thaw();
      }
      instance.send(command);
      answers.add(instance.readLine(Duration.ofSeconds(20)));
    }
    return answers;
  }
}
