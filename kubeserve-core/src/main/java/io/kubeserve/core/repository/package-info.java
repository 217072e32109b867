/** Where models come from: a Triton-style directory tree or a single model, and their config files. */
package io.kubeserve.core.repository;
