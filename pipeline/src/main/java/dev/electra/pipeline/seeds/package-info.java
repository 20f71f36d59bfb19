/** How seeds derive from seeds (SplitMix64): every random stream of a run descends from its one seed. */
package dev.electra.pipeline.seeds;
