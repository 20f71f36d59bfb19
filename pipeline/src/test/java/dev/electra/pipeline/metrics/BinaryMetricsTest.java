package dev.electra.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BinaryMetricsTest {

    @Test
    void handComputedExample() {
        // scores: 0.9(1) 0.8(0) 0.7(1) 0.4(0) 0.3(1) 0.1(0); threshold 0.5
        float[] s = {0.9f, 0.8f, 0.7f, 0.4f, 0.3f, 0.1f};
        byte[] y = {1, 0, 1, 0, 1, 0};
        BinaryMetrics m = BinaryMetrics.of(s, y, 0.5);
        // predicted positive: 0.9, 0.8, 0.7 → tp 2, fp 1; fn 1 (0.3); tn 2
        assertEquals(4.0 / 6, m.accuracy(), 1e-12);
        assertEquals(2.0 / 3, m.precision(), 1e-12);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        // pairs (pos, neg) ranked correctly: 0.9 beats 3, 0.7 beats 2, 0.3 beats 1 → 6 of 9
        assertEquals(6.0 / 9, m.auc(), 1e-12);
        assertEquals(3, m.positives());
    }

    @Test
    void tiesCountHalf() {
        assertEquals(0.5, BinaryMetrics.auc(new float[] {0.5f, 0.5f}, new byte[] {1, 0}), 1e-12);
        assertEquals(0.75, BinaryMetrics.auc(new float[] {0.5f, 0.5f, 0.2f}, new byte[] {1, 0, 0}), 1e-12);
    }

    @Test
    void perfectAndInvertedAndDegenerate() {
        assertEquals(1.0, BinaryMetrics.auc(new float[] {0.1f, 0.9f}, new byte[] {0, 1}));
        assertEquals(0.0, BinaryMetrics.auc(new float[] {0.9f, 0.1f}, new byte[] {0, 1}));
        assertTrue(Double.isNaN(BinaryMetrics.auc(new float[] {0.9f, 0.1f}, new byte[] {1, 1})));
        assertTrue(Double.isNaN(BinaryMetrics.of(new float[] {0.1f}, new byte[] {0}, 0.5).precision()));
    }
}
