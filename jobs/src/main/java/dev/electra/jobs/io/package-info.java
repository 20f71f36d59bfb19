/**
 * The jobs' files on any Hadoop file system: corpus input and skip accounting ({@code CorpusInput},
 * {@code SkipCounter}), atomic output directories and one writer per output ({@code OutputDir}, {@code Lease}),
 * prepare's shards as pretrain reads them ({@code Shards}, {@code ParquetFooters}), a run's {@code _run.json}
 * ({@code RunFiles}), checkpoint and metric-file storage ({@code HadoopStorage}), and the one-line messages of
 * failures that reach the user ({@code Failures}).
 */
package dev.electra.jobs.io;
