package dev.electra.pipeline.model.graph;

import static dev.electra.pipeline.model.ParameterNames.ATTENTION_LN;
import static dev.electra.pipeline.model.ParameterNames.ATTENTION_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.ATTENTION_PROBS;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER_HIDDEN;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER_INPUT;
import static dev.electra.pipeline.model.ParameterNames.DISCRIMINATOR;
import static dev.electra.pipeline.model.ParameterNames.DISCRIMINATOR_HEAD;
import static dev.electra.pipeline.model.ParameterNames.EMBEDDINGS_LN;
import static dev.electra.pipeline.model.ParameterNames.FFN_INTERMEDIATE;
import static dev.electra.pipeline.model.ParameterNames.FFN_LN;
import static dev.electra.pipeline.model.ParameterNames.FFN_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.GENERATOR;
import static dev.electra.pipeline.model.ParameterNames.KEY;
import static dev.electra.pipeline.model.ParameterNames.LN;
import static dev.electra.pipeline.model.ParameterNames.MAIN;
import static dev.electra.pipeline.model.ParameterNames.OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.OUTPUT_BIAS;
import static dev.electra.pipeline.model.ParameterNames.POSITION_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.QUERY;
import static dev.electra.pipeline.model.ParameterNames.SEGMENT_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.TRANSFORM;
import static dev.electra.pipeline.model.ParameterNames.VALUE;
import static dev.electra.pipeline.model.ParameterNames.WORD_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.bias;
import static dev.electra.pipeline.model.ParameterNames.copyHead;
import static dev.electra.pipeline.model.ParameterNames.embeddings;
import static dev.electra.pipeline.model.ParameterNames.embeddingsProject;
import static dev.electra.pipeline.model.ParameterNames.gain;
import static dev.electra.pipeline.model.ParameterNames.in;
import static dev.electra.pipeline.model.ParameterNames.kernel;
import static dev.electra.pipeline.model.ParameterNames.layer;
import static dev.electra.pipeline.model.ParameterNames.mlmHead;
import static dev.electra.pipeline.model.graph.GraphNames.ATTENTION_BIAS;
import static dev.electra.pipeline.model.graph.GraphNames.CHOSEN;
import static dev.electra.pipeline.model.graph.GraphNames.CLASS_LABELS;
import static dev.electra.pipeline.model.graph.GraphNames.INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.LOSS_CLASSIFIER;
import static dev.electra.pipeline.model.graph.GraphNames.LOSS_DISCRIMINATOR;
import static dev.electra.pipeline.model.graph.GraphNames.LOSS_GENERATOR;
import static dev.electra.pipeline.model.graph.GraphNames.LOSS_MAIN;
import static dev.electra.pipeline.model.graph.GraphNames.ORIGINAL_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_CLASS_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_DISCRIMINATOR_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_DISCRIMINATOR_TOKEN_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_HIDDEN;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_REPLACED;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_SAMPLED_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.POSITION_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SAMPLING_NOISE;
import static dev.electra.pipeline.model.graph.GraphNames.SEGMENT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SELECTION;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_TARGET_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_WEIGHTS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_EMBEDDINGS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_MASK;
import static dev.electra.pipeline.model.graph.GraphNames.blockOutput;

import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.model.ParameterSpec.Kind;
import dev.electra.pipeline.model.ParameterSpec.Owner;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.pipeline.model.noise.GumbelSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the SameDiff graph of ELECTRA: the shared embeddings, the generator and the discriminator (or the main
 * encoder), the heads and the terminal loss ops of an {@link Objective}, or a fine-tuning classifier, with every
 * parameter initialised from a seed and laid out in one flat vector ({@link ParameterSpec}); the names it gives its
 * placeholders and outputs are {@link GraphNames}, and {@link GraphRunner} runs it. One instance builds one graph.
 *
 * <p>The graph follows rules measured on SameDiff 1.0.0-M2.1 (docs/platform.md):
 * <ul>
 *   <li>every loss is a terminal loss op; the loss weights (gen-weight, disc-weight) live in the ops' per-element
 *       {@code weights}, reduced with {@code MEAN_BY_NONZERO_WEIGHT_COUNT} (Σ w·l / #(w ≠ 0), so weights c·m with a
 *       0/1 mask m give c × the mean over m), and the terms are combined by {@code setLossVariables}; nothing
 *       downstream of a loss op feeds the loss (metric outputs read the logits through a StopGradient);</li>
 *   <li>no gather on a trainable table at all: the token lookup is fed in by {@link GraphRunner}. The
 *       discriminator's input differs from the generator's only at the N chosen slots, so its embedding is that
 *       lookup plus Sᵀ·((onehot(sample) − onehot(input))·E) with S the [B, N, L] slot selection, an [B·N, V] one-hot
 *       matmul rather than a second [B·L, V] one. Positions and segments use one-hot matmuls (tables of 512 and 2
 *       rows); the tied MLM logits use E inside the graph too, and the gradient check covers the sum of all uses;</li>
 *   <li>sampling noise and dropout masks are placeholders (the model's {@code Placeholders} says why).</li>
 * </ul>
 */
public final class GraphBuilder {
    /** Keeps −log p of the all-tokens copy mechanism finite; part of the differentiated function. */
    public static final double LOG_LOSS_EPSILON = 1e-7;

    /** A place where dropout multiplies activations by a mask placeholder. */
    public record DropoutSite(String name, boolean attention, boolean pooled, int width) {}

    /**
     * A built graph: the SameDiff graph holding the initialised parameters, their flat layout, the dropout sites (one
     * mask placeholder each), the terminal loss variables the total is the sum of, and the outputs a pass returns.
     */
    public record Graph(SameDiff sameDiff, List<ParameterSpec> parameters, List<DropoutSite> dropoutSites,
                        List<String> lossNames, List<String> outputNames) {}

    /**
     * The pretraining graph of {@code objective}, parameters initialised from {@code seed} (truncated normal with
     * standard deviation {@code initRange} for kernels and embeddings, zeros for biases, ones for LayerNorm gains).
     */
    public static Graph pretraining(ModelConfig config, Objective objective, LossWeights lossWeights,
                                    SamplingConfig sampling, DataType dataType, long seed) {
        GraphBuilder b = new GraphBuilder(config, objective, dataType, seed);
        b.build(lossWeights, sampling);
        return b.graph();
    }

    /**
     * The fine-tuning graph on the main encoder of a model pretrained with {@code pretrained}: a classifier of
     * {@code numLabels} classes, or a regressor when {@code numLabels} is 1; parameters initialised from {@code seed}.
     */
    public static Graph classifier(ModelConfig config, Objective pretrained, int numLabels, DataType dataType,
                                   long seed) {
        GraphBuilder b = new GraphBuilder(config, pretrained, dataType, seed);
        b.buildClassifier(numLabels);
        return b.graph();
    }

    private Graph graph() {
        return new Graph(sd, List.copyOf(parameters), List.copyOf(dropoutSites), List.copyOf(lossNames),
                List.copyOf(outputNames));
    }

    private final ModelConfig config;
    private final Objective objective;
    private final DataType dataType;
    private final SameDiff sd = SameDiff.create();
    private final Random init;
    private final List<ParameterSpec> parameters = new ArrayList<>();
    private final List<DropoutSite> dropoutSites = new ArrayList<>();
    private final List<String> lossNames = new ArrayList<>();
    private final List<String> outputNames = new ArrayList<>();
    private long offset;

    /** [2] = (B, L) as INT64, to rebuild rank-3/4 shapes whose leading dimensions vary per batch. */
    private SDVariable batchAndLength;
    /** [2] = (B, N) as INT64. */
    private SDVariable batchAndSlots;

    private GraphBuilder(ModelConfig config, Objective objective, DataType dataType, long seed) {
        this.config = config;
        this.objective = objective;
        this.dataType = dataType;
        this.init = new Random(seed);
    }

    /** The pretraining graph of {@code objective}, its generator's and discriminator's losses so weighted. */
    private void build(LossWeights lossWeights, SamplingConfig sampling) {
        int v = config.vocabSize();
        int e = config.embeddingSize();
        SDVariable inputIds = sd.placeHolder(INPUT_IDS, DataType.INT, -1, -1);
        SDVariable segmentIds = sd.placeHolder(SEGMENT_IDS, DataType.INT, -1, -1);
        SDVariable positionIds = sd.placeHolder(POSITION_IDS, DataType.INT, -1);
        SDVariable attentionBias = sd.placeHolder(ATTENTION_BIAS, dataType, -1, 1, 1, -1);
        SDVariable tokenMask = sd.placeHolder(TOKEN_MASK, dataType, -1, -1);
        SDVariable chosen = sd.placeHolder(CHOSEN, dataType, -1, -1);
        SDVariable selection = sd.placeHolder(SELECTION, dataType, -1, -1, -1);
        SDVariable slotWeights = sd.placeHolder(SLOT_WEIGHTS, dataType, -1, -1);
        SDVariable slotInputIds = sd.placeHolder(SLOT_INPUT_IDS, DataType.INT, -1, -1);
        SDVariable slotTargetIds = sd.placeHolder(SLOT_TARGET_IDS, DataType.INT, -1, -1);
        batchAndLength = sd.shape(inputIds).castTo(DataType.LONG);
        batchAndSlots = sd.shape(slotTargetIds).castTo(DataType.LONG);
        SDVariable slotWeightsFlat = slotWeights.reshape(-1);
        SDVariable slotTargetsFlat = slotTargetIds.reshape(-1);
        SDVariable targetOneHot = sd.oneHot(slotTargetsFlat, v, -1, 1.0, 0.0, dataType);

        SharedEmbeddings shared = sharedEmbeddings(positionIds, segmentIds);
        SDVariable wordEmbeddings = shared.table();
        SDVariable tokens = shared.tokens();
        SDVariable positions = shared.positions();
        SDVariable segments = shared.segments();
        SDVariable embGain = shared.gain();
        SDVariable embBias = shared.bias();

        String mainName = objective.hasDiscriminator() ? DISCRIMINATOR : MAIN;
        if (!objective.hasGenerator()) {
            SDVariable emb = embed(tokens, positions, segments, embGain, embBias);
            SDVariable hidden = encoder(mainName, Owner.MAIN, emb, config.discriminator(), attentionBias);
            mlmLoss(mainName, Owner.MAIN, hidden, config.discriminator().hidden(), wordEmbeddings, selection,
                    targetOneHot, slotWeightsFlat, 1.0, LOSS_MAIN, OUT_MAIN_LOSS, OUT_MAIN_CORRECT);
            return;
        }

        // Generator on the masked input; MLM logits only at the N chosen slots: [B·N, V].
        SDVariable genEmb = embed(tokens, positions, segments, embGain, embBias);
        SDVariable genHidden = encoder(GENERATOR, Owner.GENERATOR, genEmb, config.generator(), attentionBias);
        SDVariable genLogits = mlmLoss(GENERATOR, Owner.GENERATOR, genHidden, config.generator().hidden(),
                wordEmbeddings, selection, targetOneHot, slotWeightsFlat, lossWeights.genWeight(),
                LOSS_GENERATOR, OUT_GENERATOR_SLOT_LOSS, OUT_GENERATOR_SLOT_CORRECT);

        // Sample replacements at the chosen slots: [B·N].
        SDVariable uniform = sd.placeHolder(SAMPLING_NOISE, dataType, -1, v);
        SDVariable sampled = GumbelSampler.sample(sd, genLogits, uniform,
                sampling.disallowCorrect() ? targetOneHot : null, sampling.temperature());
        sd.identity(OUT_SAMPLED_IDS, sampled);
        outputNames.add(OUT_SAMPLED_IDS);

        // Replaced = chosen AND sample ≠ original, scattered from slots [B, N] to tokens [B, L].
        SDVariable replacedSlots = sampled.neq(slotTargetsFlat).castTo(dataType).mul(slotWeightsFlat);
        SDVariable replaced = sd.squeeze(sd.mmul(sd.expandDims(sd.reshape(replacedSlots, batchAndSlots), 1),
                selection), 1);
        replaced = new StopGradient(sd, replaced).outputVariable();
        sd.identity(OUT_REPLACED, replaced);
        outputNames.add(OUT_REPLACED);

        // The corrupted input's embedding: the masked input's lookup, corrected at the chosen slots.
        SDVariable swap = sd.oneHot(sampled, v, -1, 1.0, 0.0, dataType)
                .sub(sd.oneHot(slotInputIds.reshape(-1), v, -1, 1.0, 0.0, dataType));
        SDVariable swapEmb = sd.reshape(swap.mmul(wordEmbeddings), shape(batchAndSlots, e));
        SDVariable corrupted = tokens.add(sd.mmul(selection, swapEmb, true, false, false));
        SDVariable mainEmb = embed(corrupted, positions, segments, embGain, embBias);
        SDVariable mainHidden = encoder(mainName, Owner.MAIN, mainEmb, config.discriminator(), attentionBias);

        switch (objective) {
            case ELECTRA, ELECTRA_15 -> {
                SDVariable logits = discriminatorHead(mainHidden);
                SDVariable frozen = new StopGradient(sd, logits).outputVariable();
                sd.identity(OUT_DISCRIMINATOR_LOGITS, frozen);
                outputNames.add(OUT_DISCRIMINATOR_LOGITS);
                // per token, for the metric: softplus(z) − z·y, on the frozen logits so the loss stays the op below
                sd.identity(OUT_DISCRIMINATOR_TOKEN_LOSS, sd.nn.softplus(frozen).sub(frozen.mul(replaced)));
                outputNames.add(OUT_DISCRIMINATOR_TOKEN_LOSS);
                SDVariable tokenSet = objective == Objective.ELECTRA ? tokenMask : chosen;
                SDVariable loss = sd.loss.sigmoidCrossEntropy(LOSS_DISCRIMINATOR, replaced, logits,
                        tokenSet.mul(lossWeights.discWeight()).mul(share(LOSS_DISCRIMINATOR)),
                        LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
                addLoss(loss);
            }
            case REPLACE_MLM -> mlmLoss(mainName, Owner.MAIN, mainHidden, config.discriminator().hidden(),
                    wordEmbeddings, selection, targetOneHot, slotWeightsFlat, 1.0, LOSS_MAIN, OUT_MAIN_LOSS,
                    OUT_MAIN_CORRECT);
            case ALL_TOKENS_MLM -> allTokensLoss(mainName, mainHidden, wordEmbeddings, replaced, tokenMask);
            default -> throw new IllegalStateException("objective " + objective + " has no generator");
        }
    }

    /**
     * The fine-tuning graph: embeddings → main encoder → head on [CLS] → softmax cross-entropy (squared error
     * for a regressor).
     */
    private void buildClassifier(int numLabels) {
        int h = config.hiddenSize();
        SDVariable inputIds = sd.placeHolder(INPUT_IDS, DataType.INT, -1, -1);
        SDVariable segmentIds = sd.placeHolder(SEGMENT_IDS, DataType.INT, -1, -1);
        SDVariable positionIds = sd.placeHolder(POSITION_IDS, DataType.INT, -1);
        SDVariable attentionBias = sd.placeHolder(ATTENTION_BIAS, dataType, -1, 1, 1, -1);
        // [B, 1, L], one at [CLS]: the same selection matmul as the MLM slots (its backward pass is checked).
        SDVariable clsSelection = sd.placeHolder(SELECTION, dataType, -1, 1, -1);
        SDVariable labels = sd.placeHolder(CLASS_LABELS, dataType, -1, numLabels);
        batchAndLength = sd.shape(inputIds).castTo(DataType.LONG);
        SharedEmbeddings shared = sharedEmbeddings(positionIds, segmentIds);
        String mainName = objective.hasDiscriminator() ? DISCRIMINATOR : MAIN;
        SDVariable emb = embed(shared.tokens(), shared.positions(), shared.segments(), shared.gain(),
                shared.bias());
        SDVariable hidden = encoder(mainName, Owner.MAIN, emb, config.discriminator(), attentionBias);
        sd.identity(OUT_MAIN_HIDDEN, new StopGradient(sd, hidden).outputVariable());
        // [B, 1, L] × [B, L, H] → [B, H]
        SDVariable pooled = sd.mmul(clsSelection, sd.reshape(hidden, shape(batchAndLength, h))).reshape(-1, h);
        SDVariable x = pooledDropout(CLASSIFIER_INPUT, pooled, h);
        x = gelu(dense(in(CLASSIFIER, TRANSFORM), Owner.MAIN, x, h, h));
        x = pooledDropout(CLASSIFIER_HIDDEN, x, h);
        SDVariable logits = dense(in(CLASSIFIER, OUTPUT), Owner.MAIN, x, h, numLabels);
        sd.identity(OUT_CLASS_LOGITS, new StopGradient(sd, logits).outputVariable());
        outputNames.add(OUT_CLASS_LOGITS);
        // one output: mean squared error over the batch (transformers' MSELoss for num_labels 1)
        SDVariable loss = numLabels == 1 ? sd.mean(LOSS_CLASSIFIER, sd.math.squaredDifference(logits, labels))
                : sd.loss.softmaxCrossEntropy(LOSS_CLASSIFIER, labels, logits, null, LossReduce.MEAN_BY_WEIGHT,
                0.0);
        addLoss(loss);
    }

    /** The shared embedding parameters and the lookups of one batch, in the order the parameters are laid out. */
    private record SharedEmbeddings(SDVariable table, SDVariable tokens, SDVariable positions, SDVariable segments,
                            SDVariable gain, SDVariable bias) {}

    /**
     * Shared embeddings: token [V, E], position [P, E], segment [T, E] and their LayerNorm; the batch's tokens
     * [B, L, E] (looked up outside autodiff by {@link GraphRunner}, fed as [B·L, E]), positions [L, E] and
     * segments [B·L, E].
     */
    private SharedEmbeddings sharedEmbeddings(SDVariable positionIds, SDVariable segmentIds) {
        int e = config.embeddingSize();
        SDVariable table = param(WORD_EMBEDDINGS, Owner.SHARED, Kind.EMBEDDING, config.vocabSize(), e);
        SDVariable positionEmbeddings = param(POSITION_EMBEDDINGS, Owner.SHARED, Kind.EMBEDDING,
                config.maxPositions(), e);
        SDVariable segmentEmbeddings = param(SEGMENT_EMBEDDINGS, Owner.SHARED, Kind.EMBEDDING,
                config.typeVocabSize(), e);
        SDVariable gain = param(gain(EMBEDDINGS_LN), Owner.SHARED, Kind.LAYER_NORM_GAIN, e);
        SDVariable bias = param(bias(EMBEDDINGS_LN), Owner.SHARED, Kind.LAYER_NORM_BIAS, e);
        SDVariable lookedUp = sd.var(TOKEN_EMBEDDINGS, Nd4j.zeros(dataType, 1, e));
        SDVariable tokens = sd.reshape(lookedUp, shape(batchAndLength, e));
        SDVariable positions = sd.oneHot(positionIds, config.maxPositions(), -1, 1.0, 0.0, dataType)
                .mmul(positionEmbeddings);
        SDVariable segments = sd.oneHot(segmentIds.reshape(-1), config.typeVocabSize(), -1, 1.0, 0.0, dataType)
                .mmul(segmentEmbeddings);
        return new SharedEmbeddings(table, tokens, positions, segments, gain, bias);
    }

    /** [B, L, E] token embeddings → [B·L, E] after position, segment, LayerNorm (shared) and dropout. */
    private SDVariable embed(SDVariable tokens, SDVariable positions, SDVariable segments, SDVariable gain,
                     SDVariable bias) {
        SDVariable sum = tokens.add(positions).reshape(-1, config.embeddingSize()).add(segments);
        return sd.nn.layerNorm(sum, gain, bias, false, 1);
    }

    /** Embedding dropout, projection E → H when they differ, then the transformer blocks: [B·L, H]. */
    private SDVariable encoder(String prefix, Owner owner, SDVariable emb, ModelConfig.EncoderSize size,
                       SDVariable attentionBias) {
        SDVariable x = dropout(embeddings(prefix), emb, false, config.embeddingSize());
        if (config.embeddingSize() != size.hidden()) {
            x = dense(embeddingsProject(prefix), owner, x, config.embeddingSize(), size.hidden());
        }
        for (int i = 0; i < size.layers(); i++) {
            x = block(layer(prefix, i), owner, x, size, attentionBias).rename(blockOutput(prefix, i));
        }
        return x;
    }

    /** One post-LN transformer block on [B·L, H]. */
    private SDVariable block(String p, Owner owner, SDVariable x, ModelConfig.EncoderSize size, SDVariable bias) {
        int h = size.hidden();
        int heads = size.heads();
        int d = size.headSize();
        SDVariable headShape = shape(batchAndLength, heads, d);
        SDVariable q = sd.reshape(dense(in(p, QUERY), owner, x, h, h), headShape).permute(0, 2, 1, 3);
        SDVariable k = sd.reshape(dense(in(p, KEY), owner, x, h, h), headShape).permute(0, 2, 1, 3);
        SDVariable v = sd.reshape(dense(in(p, VALUE), owner, x, h, h), headShape).permute(0, 2, 1, 3);
        // [B, heads, L, L]
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(d)).add(bias);
        SDVariable probs = dropout(in(p, ATTENTION_PROBS), sd.nn.softmax(scores, 3), true, heads);
        // [B, heads, L, d] → [B, L, heads, d] → [B·L, H]
        SDVariable context = sd.mmul(probs, v).permute(0, 2, 1, 3).reshape(-1, h);
        SDVariable attended = dropout(in(p, ATTENTION_OUTPUT),
                dense(in(p, ATTENTION_OUTPUT), owner, context, h, h), false, h);
        SDVariable x1 = layerNorm(in(p, ATTENTION_LN), owner, x.add(attended), h);
        SDVariable inner = gelu(dense(in(p, FFN_INTERMEDIATE), owner, x1, h, size.ffn()));
        SDVariable branch = dense(in(p, FFN_OUTPUT), owner, inner, size.ffn(), h);
        SDVariable out = dropout(in(p, FFN_OUTPUT), branch, false, h);
        return layerNorm(in(p, FFN_LN), owner, x1.add(out), h);
    }

    /**
     * MLM head at the chosen slots (dense → GELU → LayerNorm → logits against the tied embedding + bias) and its
     * loss: softmax cross-entropy with weights {@code weight} × slot weight, i.e. weight × the mean over slots.
     *
     * @return [B·N, V] logits
     */
    private SDVariable mlmLoss(String prefix, Owner owner, SDVariable hidden, int h, SDVariable wordEmbeddings,
                       SDVariable selection, SDVariable targetOneHot, SDVariable slotWeights, double weight,
                       String lossName, String slotLossName, String correctName) {
        // [B, N, L] × [B, L, H] → [B·N, H]
        SDVariable atSlots = sd.mmul(selection, sd.reshape(hidden, shape(batchAndLength, h))).reshape(-1, h);
        SDVariable logits = mlmLogits(prefix, owner, atSlots, h, wordEmbeddings);
        SDVariable loss = sd.loss.softmaxCrossEntropy(lossName, targetOneHot, logits,
                slotWeights.mul(weight).mul(share(lossName)), LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
        addLoss(loss);
        SDVariable frozen = new StopGradient(sd, logits).outputVariable();
        // −log softmax at the target, written out: nn.logSoftmax fails to build in M2.1 (LogSoftMax property
        // error).
        SDVariable shifted = frozen.sub(sd.max(frozen, true, 1));
        SDVariable logSumExp = sd.math.log(sd.sum(sd.math.exp(shifted), 1));
        sd.identity(slotLossName, logSumExp.sub(sd.sum(targetOneHot.mul(shifted), 1)));
        sd.identity(correctName, sd.argmax(frozen, 1).castTo(DataType.INT)
                .eq(sd.argmax(targetOneHot, 1).castTo(DataType.INT)).castTo(dataType));
        outputNames.add(slotLossName);
        outputNames.add(correctName);
        return logits;
    }

    /** [R, H] → [R, V]: dense to E with GELU, LayerNorm, then against the shared embedding table + bias. */
    private SDVariable mlmLogits(String prefix, Owner owner, SDVariable x, int h, SDVariable wordEmbeddings) {
        int e = config.embeddingSize();
        SDVariable t = gelu(dense(in(mlmHead(prefix), TRANSFORM), owner, x, h, e));
        t = layerNorm(in(mlmHead(prefix), LN), owner, t, e);
        SDVariable outBias = param(in(mlmHead(prefix), OUTPUT_BIAS), owner, Kind.BIAS, config.vocabSize());
        return sd.mmul(t, wordEmbeddings, false, true, false).add(outBias);
    }

    /** Discriminator head: dense → GELU → dense to one logit per token, [B, L]. */
    private SDVariable discriminatorHead(SDVariable hidden) {
        int h = config.hiddenSize();
        SDVariable t = gelu(dense(in(DISCRIMINATOR_HEAD, TRANSFORM), Owner.MAIN, hidden, h, h));
        SDVariable logit = dense(in(DISCRIMINATOR_HEAD, OUTPUT), Owner.MAIN, t, h, 1);
        return sd.reshape(logit, batchAndLength);
    }

    /**
     * All-tokens MLM with the copy mechanism: p(x_t) = D_t·[x_t = input_t] + (1 − D_t)·softmax_t(x_t), loss the
     * mean −log p over non-padding tokens. −log p is a log-loss with label 1 on the probability p built here
     * (a terminal loss op, weights = token mask). The input equals the original exactly where it was not
     * replaced, so [x_t = input_t] = 1 − replaced_t.
     */
    private void allTokensLoss(String prefix, SDVariable hidden, SDVariable wordEmbeddings, SDVariable replaced,
                       SDVariable tokenMask) {
        int h = config.hiddenSize();
        SDVariable originalIds = sd.placeHolder(ORIGINAL_IDS, DataType.INT, -1, -1);
        SDVariable targets = sd.oneHot(originalIds.reshape(-1), config.vocabSize(), -1, 1.0, 0.0, dataType);
        SDVariable logits = mlmLogits(prefix, Owner.MAIN, hidden, h, wordEmbeddings);
        SDVariable softmaxTarget = sd.sum(sd.nn.softmax(logits, 1).mul(targets), 1);
        SDVariable t = gelu(dense(in(copyHead(prefix), TRANSFORM), Owner.MAIN, hidden, h, h));
        SDVariable copy = sd.nn.sigmoid(dense(in(copyHead(prefix), OUTPUT), Owner.MAIN, t, h, 1).reshape(-1));
        SDVariable same = replaced.reshape(-1).rsub(1.0);
        SDVariable p = copy.mul(same).add(copy.rsub(1.0).mul(softmaxTarget));
        SDVariable mask = tokenMask.reshape(-1);
        SDVariable loss = sd.loss.logLoss(LOSS_MAIN, sd.onesLike(mask), p, mask.mul(share(LOSS_MAIN)),
                LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, LOG_LOSS_EPSILON);
        addLoss(loss);
        SDVariable frozen = new StopGradient(sd, p).outputVariable();
        sd.identity(OUT_MAIN_LOSS, sd.math.neg(sd.math.log(frozen.add(LOG_LOSS_EPSILON))));
        outputNames.add(OUT_MAIN_LOSS);
    }

    /** ELECTRA's GELU (tanh approximation): 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(2√(2/π)(x + …)). */
    private SDVariable gelu(SDVariable x) {
        SDVariable inner = x.add(sd.math.pow(x, 3.0).mul(0.044715)).mul(2.0 * Math.sqrt(2.0 / Math.PI));
        return x.mul(sd.nn.sigmoid(inner));
    }

    private SDVariable dense(String name, Owner owner, SDVariable x, int in, int out) {
        SDVariable w = param(kernel(name), owner, Kind.KERNEL, in, out);
        SDVariable b = param(bias(name), owner, Kind.BIAS, out);
        return x.mmul(w).add(b);
    }

    private SDVariable layerNorm(String name, Owner owner, SDVariable x, int width) {
        SDVariable gain = param(gain(name), owner, Kind.LAYER_NORM_GAIN, width);
        SDVariable bias = param(bias(name), owner, Kind.LAYER_NORM_BIAS, width);
        return sd.nn.layerNorm(x, gain, bias, false, 1);
    }

    /** x × mask placeholder ([B·L, width] or [B, heads, L, L]); absent when the dropout rate is 0. */
    private SDVariable dropout(String name, SDVariable x, boolean attention, int width) {
        if (config.dropout() == 0) {
            return x;
        }
        String phName = ParameterNames.dropout(name);
        SDVariable mask = attention
                ? sd.placeHolder(phName, dataType, -1, -1, -1, -1)
                : sd.placeHolder(phName, dataType, -1, -1);
        dropoutSites.add(new DropoutSite(phName, attention, false, width));
        return x.mul(mask);
    }

    /** x × mask placeholder [B, width], one row per sequence (the classifier's pooled vector). */
    private SDVariable pooledDropout(String name, SDVariable x, int width) {
        if (config.dropout() == 0) {
            return x;
        }
        String phName = ParameterNames.dropout(name);
        dropoutSites.add(new DropoutSite(phName, false, true, width));
        return x.mul(sd.placeHolder(phName, dataType, -1, -1));
    }

    private SDVariable shape(SDVariable leading, long... trailing) {
        return sd.concat(0, leading, sd.constant(Nd4j.createFromArray(trailing)));
    }

    /**
     * The scalar that multiplies a loss's weights ({@link GraphNames#lossShare}): a positive factor leaves
     * MEAN_BY_NONZERO_WEIGHT_COUNT's count alone, so the loss becomes share × its mean.
     */
    private SDVariable share(String lossName) {
        return sd.placeHolder(GraphNames.lossShare(lossName), dataType);
    }

    private void addLoss(SDVariable loss) {
        lossNames.add(loss.name());
        outputNames.add(loss.name());
        sd.setLossVariables(lossNames.toArray(new String[0]));
    }

    private SDVariable param(String name, Owner owner, Kind kind, long... shape) {
        INDArray value = switch (kind) {
            case EMBEDDING, KERNEL -> truncatedNormal(shape);
            case BIAS, LAYER_NORM_BIAS -> Nd4j.zeros(dataType, shape);
            case LAYER_NORM_GAIN -> Nd4j.ones(dataType, shape);
        };
        SDVariable var = sd.var(name, value);
        ParameterSpec spec = new ParameterSpec(name, shape, offset, owner, kind);
        parameters.add(spec);
        offset += spec.length();
        return var;
    }

    /** BERT's initializer: normal(0, initRange) redrawn beyond two standard deviations. */
    private INDArray truncatedNormal(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] values = new double[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            double g;
            do {
                g = init.nextGaussian();
            } while (Math.abs(g) > 2.0);
            values[i] = g * config.initRange();
        }
        return Nd4j.createFromArray(values).reshape(shape).castTo(dataType);
    }
}
