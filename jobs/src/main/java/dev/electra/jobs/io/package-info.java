/** Corpus input on any Hadoop file system, skip accounting, and atomic output directories. */
package dev.electra.jobs.io;
