package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** FLOPs per step against a count done by hand. */
class FlopsTest {
    @Test
    void mlmCountedByHand() {
        // V 100, E = H = 8, 1 layer, FFN 16; 2 sequences of 10 tokens, mask-prob 0.15 → int(1.55) = 1 slot each.
        ModelConfig c = new ModelConfig(100, 8, 8, 1, 2, 16, 16, 2, 0.0, 0.5, 0.02);
        // Encoder per token: 4·2·64 + 2·2·8·16 + 2·2·10·8 = 512 + 512 + 320 = 1344; 20 tokens → 26,880.
        // MLM head per slot: 2·8·8 + 2·8·100 = 1,728; 2 slots → 3,456. Forward 30,336; × 3 = 91,008.
        assertEquals(91_008, Flops.perStep(c, Objective.MLM, 2, 10, 0.15), 1e-9);
    }

    @Test
    void electraPaysForItsGenerator() {
        ModelConfig c = new ModelConfig(100, 8, 8, 1, 2, 16, 16, 2, 0.0, 0.5, 0.02);
        double mlm = Flops.perStep(c, Objective.MLM, 2, 10, 0.15);
        double electra = Flops.perStep(c, Objective.ELECTRA, 2, 10, 0.15);
        assertTrue(electra > mlm, electra + " vs " + mlm);
        assertEquals(electra, Flops.perStep(c, Objective.ELECTRA_15, 2, 10, 0.15), "same compute, other loss");
    }
}
