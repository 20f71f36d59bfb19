package dev.electra.pipeline.model;

import java.util.Arrays;

/**
 * The pretraining objectives of the paper's ablation (Section 3.2, Table 5). Loss terms, as training computes them
 * ({@code pass/DirectPass.Step}; the graph of {@code graph/GraphBuilder} is the tests' reference):
 * <ul>
 *   <li>{@code electra}: gen-weight × generator MLM loss on the chosen positions + disc-weight × mean sigmoid
 *       cross-entropy of the discriminator over all non-padding tokens;</li>
 *   <li>{@code electra-15}: the same, the discriminator loss averaged over the chosen positions only;</li>
 *   <li>{@code replace-mlm}: gen-weight × generator MLM loss + the main encoder's MLM loss on the chosen positions,
 *       which hold generator samples instead of {@code [MASK]};</li>
 *   <li>{@code all-tokens-mlm}: gen-weight × generator MLM loss + the main encoder's mean −log p(x_t) over all
 *       non-padding tokens with the copy mechanism p(x_t) = D_t·[x_t = input_t] + (1 − D_t)·softmax_t(x_t);</li>
 *   <li>{@code mlm}: BERT's MLM loss of the main encoder on {@code [MASK]} inputs; no generator.</li>
 * </ul>
 * disc-weight applies only to the discriminator's binary loss (it rescales that loss against the MLM loss); the
 * main encoder's MLM-style losses have weight 1.
 */
public enum Objective {
    ELECTRA("electra", "ELECTRA", 85.0, true, true),
    ELECTRA_15("electra-15", "ELECTRA 15%", 82.4, true, true),
    REPLACE_MLM("replace-mlm", "Replace MLM", 82.4, true, false),
    ALL_TOKENS_MLM("all-tokens-mlm", "All-Tokens MLM", 84.3, true, false),
    MLM("mlm", "BERT (MLM)", 82.2, false, false);

    private final String configName;
    private final String displayName;
    private final double paperGlue;
    private final boolean generator;
    private final boolean discriminator;

    Objective(String configName, String displayName, double paperGlue, boolean generator, boolean discriminator) {
        this.configName = configName;
        this.displayName = displayName;
        this.paperGlue = paperGlue;
        this.generator = generator;
        this.discriminator = discriminator;
    }

    /** Every objective's configuration name, in the paper's table order. */
    public static java.util.List<String> configNames() {
        return Arrays.stream(values()).map(Objective::configName).toList();
    }

    /** The paper's name for it, as the report prints it. */
    public String displayName() {
        return displayName;
    }

    /** The paper's GLUE dev score for it (Table 5, Base size, equal compute). */
    public double paperGlue() {
        return paperGlue;
    }

    /** The name used in configuration files ({@code objective = electra-15}). */
    public String configName() {
        return configName;
    }

    /** Whether a generator samples replacements for the chosen positions. */
    public boolean hasGenerator() {
        return generator;
    }

    /** Whether the full-size network is a replaced-token discriminator (otherwise an MLM-style main encoder). */
    public boolean hasDiscriminator() {
        return discriminator;
    }

    /**
     * @throws IllegalArgumentException naming the valid names when {@code name} is none of them
     */
    public static Objective parse(String name) {
        for (Objective o : values()) {
            if (o.configName.equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown objective '" + name + "', expected one of: "
                + String.join(", ", configNames()));
    }

    @Override
    public String toString() {
        return configName;
    }
}
