package io.kubeserve.http.codec;

import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;

/**
 * One entry of a V2 request's {@code inputs} while it is being read: what the JSON declared and,
 * once known, the tensor. Its data comes from the JSON {@code data} field or, with the binary
 * extension, from {@code binarySize} bytes after the JSON header.
 */
final class InputHeader {

    final int index;
    String name;
    DataType type;
    long[] shape;
    int elementCount;
    /** {@code binary_data_size}, or -1 when the data is in the JSON. */
    long binarySize = -1;
    boolean hasData;
    /** Where {@code data} starts in the JSON when it came before the shape or datatype, else -1. */
    long deferredDataOffset = -1;
    Tensor tensor;

    InputHeader(int index) {
        this.index = index;
    }

    /** The input's name for messages, even before the name field has been read. */
    String label() {
        return name != null ? name : "#" + index;
    }
}
