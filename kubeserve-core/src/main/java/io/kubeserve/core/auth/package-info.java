/**
 * Bearer-token checks shared by the serving adapters: tokens kept as SHA-256 digests, compared in
 * constant time, and the client key both adapters' rate limits count under.
 */
package io.kubeserve.core.auth;
