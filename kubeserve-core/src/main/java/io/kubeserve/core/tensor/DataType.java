package io.kubeserve.core.tensor;

import io.kubeserve.core.error.KubeServeException;

/**
 * The tensor element types of the Open Inference Protocol (V2), by their protocol names.
 *
 * <p>Fixed-size types are stored little-endian in a {@link Tensor}; unsigned types keep their raw
 * bits in the signed Java type of the same width, FP16 keeps its IEEE 754 half-precision bits.
 */
public enum DataType {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    FP32(4),
    FP64(8),
    /** Variable-length byte strings (UTF-8 text or raw bytes), one {@code byte[]} per element. */
    BYTES(-1);

    private static final DataType[] VALUES = values();

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element, or -1 for {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    public boolean isFloatingPoint() {
        return this == FP16 || this == FP32 || this == FP64;
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** Looks a protocol name up ({@code "FP32"}); unknown names are the client's error. */
    public static DataType fromName(String name) {
        if (name != null) {
            for (DataType type : VALUES) {
                if (type.name().equals(name)) {
                    return type;
                }
            }
        }
        throw KubeServeException.invalidInput(
                "unknown datatype '" + name + "'; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, "
                        + "INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES");
    }
}
