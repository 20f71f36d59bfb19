package dev.electra.pipeline.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Platform facts {@link Kernels} relies on. */
class KernelsTest {
    /**
     * {@link Kernels#gemm} hands BLAS an uninitialized output with β = 0: BLAS must overwrite it, not scale it (a
     * NaN left in fresh memory times 0 would still be NaN).
     */
    @Test
    void blasOverwritesTheOutputWhenBetaIsZero() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = Nd4j.rand(type, 70, 30);
            INDArray b = Nd4j.rand(type, 30, 50);
            INDArray out = Nd4j.valueArrayOf(new long[] {70, 50}, Double.NaN, type);
            Nd4j.gemm(a, b, out, false, false, 1.0, 0.0);
            assertEquals(0, out.isNaN().castTo(DataType.INT).sumNumber().intValue(), type + ": NaNs survived");
            double expected = a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
            assertEquals(expected, out.sumNumber().doubleValue(), 1e-5 * expected);
        }
    }
}
