/**
 * Framework-free tensors: the Open Inference Protocol datatypes, immutable tensors with flat
 * row-major little-endian storage, and the specs models declare for their inputs and outputs.
 */
package io.kubeserve.core.tensor;
