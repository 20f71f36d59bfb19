/**
 * Spark entry points and the command line. The only package that imports Spark: each job is a thin class that
 * wires the plain-Java tokenizer and pipeline functions into RDDs and writes its outputs atomically.
 */
package dev.electra.jobs;
