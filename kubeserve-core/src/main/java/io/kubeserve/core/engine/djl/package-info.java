/**
 * The engines: ONNX on OnnxRuntime (through DJL, and through OnnxRuntime's own Java API for
 * scikit-learn ZipMap outputs) and TorchScript on DJL's PyTorch engine. The only package that
 * imports DJL or OnnxRuntime.
 */
package io.kubeserve.core.engine.djl;
