package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryBudgetTest {

  @Test
  void newBudgetIsFullAndAllowsRetries() {
    RetryBudget budget = new RetryBudget(10, 0.1);

    assertThat(budget.tokens()).isEqualTo(10.0);
    assertThat(budget.onFailure()).isTrue();
  }

  @ParameterizedTest(name = "{0} tokens: failures allowed before refusal = {1}")
  @CsvSource({"10, 4", "4, 1", "11, 5", "2, 0", "1, 0", "1000, 499"})
  void retriesAreRefusedOnceHalfTheTokensOrFewerRemain(int maxTokens, int allowedFailures) {
    RetryBudget budget = new RetryBudget(maxTokens, 0.1);

    for (int i = 1; i <= allowedFailures; i++) {
      assertThat(budget.onFailure())
          .as("failure %d leaves %d > %d/2", i, maxTokens - i, maxTokens)
          .isTrue();
    }
    assertThat(budget.onFailure()).as("failure %d", allowedFailures + 1).isFalse();
    assertThat(budget.onFailure()).isFalse();
  }

  @Test
  void successesRestoreTokensByTheRatioUntilRetriesAreAllowedAgain() {
    RetryBudget budget = new RetryBudget(10, 0.1);
    for (int i = 0; i < 5; i++) {
      budget.onFailure();
    }
    assertThat(budget.tokens()).isEqualTo(5.0);

    for (int i = 0; i < 10; i++) {
      budget.onSuccess();
    }
    assertThat(budget.tokens()).isEqualTo(6.0);
    assertThat(budget.onFailure()).as("6 - 1 = 5 is not more than half").isFalse();

    for (int i = 0; i < 11; i++) {
      budget.onSuccess();
    }
    assertThat(budget.tokens()).isEqualTo(6.1);
    assertThat(budget.onFailure()).as("6.1 - 1 = 5.1 is more than half").isTrue();
  }

  @Test
  void tokensNeverExceedTheMaximum() {
    RetryBudget budget = new RetryBudget(10, 0.7);
    budget.onFailure();

    for (int i = 0; i < 100; i++) {
      budget.onSuccess();
    }

    assertThat(budget.tokens()).isEqualTo(10.0);
  }

  @Test
  void tokensNeverGoBelowZeroAndRecoveryStartsFromZero() {
    RetryBudget budget = new RetryBudget(3, 0.5);

    for (int i = 0; i < 50; i++) {
      budget.onFailure();
    }
    assertThat(budget.tokens()).isZero();

    budget.onSuccess();
    assertThat(budget.tokens()).isEqualTo(0.5);
  }

  @Test
  void tinyRatioStillReturnsATokenFraction() {
    RetryBudget budget = new RetryBudget(1, 0.0001);
    budget.onFailure();

    budget.onSuccess();

    assertThat(budget.tokens()).isEqualTo(0.001);
  }

  @Test
  void budgetOfConfigUsesItsTokensAndRatio() {
    RetryBudget budget =
        RetryBudget.of(
            TestSupport.defaults().retryBudgetTokens(4).retryBudgetTokenRatio(0.25).build());

    assertThat(budget.tokens()).isEqualTo(4.0);
    assertThat(budget.onFailure()).isTrue(); // 3 > 2
    assertThat(budget.onFailure()).isFalse(); // 2 is not > 2
    budget.onSuccess();
    assertThat(budget.tokens()).isEqualTo(2.25);
  }
}
