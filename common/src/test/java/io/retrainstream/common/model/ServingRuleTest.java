package io.retrainstream.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServingRuleTest {

    private static final Set<Long> PUBLISHED = Set.of(1L, 3L, 2L);

    @Test
    void servesTheNewestWhenNothingIsPinned() {
        assertThat(ServingRule.serving(PUBLISHED, null)).contains(3L);
        assertThat(ServingRule.candidates(PUBLISHED, null)).containsExactly(3L, 2L, 1L);
        assertThat(ServingRule.dangling(PUBLISHED, null)).isFalse();
    }

    @Test
    void servesAPublishedPinAndOnlyIt() {
        assertThat(ServingRule.serving(PUBLISHED, 1L)).contains(1L);
        assertThat(ServingRule.candidates(PUBLISHED, 1L)).containsExactly(1L);
        assertThat(ServingRule.dangling(PUBLISHED, 1L)).isFalse();
    }

    @Test
    void aPinOnAVersionNeverPublishedIsDanglingAndTheNewestIsServed() {
        assertThat(ServingRule.serving(PUBLISHED, 99L)).contains(3L);
        assertThat(ServingRule.candidates(PUBLISHED, 99L)).containsExactly(3L, 2L, 1L);
        assertThat(ServingRule.dangling(PUBLISHED, 99L)).isTrue();
    }

    @Test
    void servesNothingBeforeAnyVersionIsPublished() {
        assertThat(ServingRule.serving(List.of(), 5L)).isEmpty();
        assertThat(ServingRule.serving(List.of(), null)).isEmpty();
    }
}
