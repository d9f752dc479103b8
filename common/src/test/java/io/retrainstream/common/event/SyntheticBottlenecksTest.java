package io.retrainstream.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SyntheticBottlenecksTest {

    @Test
    void eventsAreReproducibleRoundTripAndSeparableByNearestCentre() {
        SyntheticBottlenecks set = new SyntheticBottlenecks(5, 1001, 512, 3.0, 42);
        BottleneckComputed event = set.event(12, 1000);
        assertThat(event.label()).isEqualTo("class-2");
        assertThat(event.imageId()).isEqualTo("class-2/synthetic-12.jpg");
        assertThat(event.vector()).hasSize(1001);
        assertThat(event.pooled()).hasSize(512);
        assertThat(new SyntheticBottlenecks(5, 1001, 512, 3.0, 42)
                        .event(12, 1000)
                        .vector())
                .as("the same seed and index give the same event")
                .containsExactly(event.vector());
        assertThat(BottleneckComputed.decode(event.encode()).vector()).containsExactly(event.vector());

        // the class means, estimated from 20 events each, classify fresh events by nearest mean
        double[][] means = new double[5][1001];
        for (int i = 0; i < 100; i++) {
            float[] v = set.event(i, 0).vector();
            for (int k = 0; k < v.length; k++) {
                means[i % 5][k] += v[k] / 20.0;
            }
        }
        int right = 0;
        for (int i = 100; i < 200; i++) {
            float[] v = set.event(i, 0).vector();
            int best = 0;
            double bestDistance = Double.MAX_VALUE;
            for (int c = 0; c < 5; c++) {
                double distance = 0;
                for (int k = 0; k < v.length; k++) {
                    distance += (v[k] - means[c][k]) * (v[k] - means[c][k]);
                }
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
            right += best == i % 5 ? 1 : 0;
        }
        assertThat(right).as("of 100 fresh events, by nearest class mean").isGreaterThan(90);
    }
}
