package io.retrainstream.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** {@code retrain.py}'s sampling: a random class, then a random image of that class, with replacement. */
final class BalancedSampler {
    private final List<int[]> rowsByClass = new ArrayList<>();
    private final Random random;

    BalancedSampler(int[] classes, int classCount, Random random) {
        this.random = random;
        List<List<Integer>> rows = new ArrayList<>();
        for (int c = 0; c < classCount; c++) {
            rows.add(new ArrayList<>());
        }
        for (int row = 0; row < classes.length; row++) {
            rows.get(classes[row]).add(row);
        }
        for (List<Integer> list : rows) {
            if (!list.isEmpty()) {
                rowsByClass.add(list.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    int[] sample(int count) {
        int[] sample = new int[count];
        for (int i = 0; i < count; i++) {
            int[] rows = rowsByClass.get(random.nextInt(rowsByClass.size()));
            sample[i] = rows[random.nextInt(rows.length)];
        }
        return sample;
    }

    /** Rows {@code 0..count-1}: the whole split. */
    static int[] all(int count) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = i;
        }
        return rows;
    }
}
