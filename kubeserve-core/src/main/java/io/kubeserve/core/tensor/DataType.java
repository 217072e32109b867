package io.kubeserve.core.tensor;

import io.kubeserve.core.error.KubeServeException;

/**
 * The tensor element types of the Open Inference Protocol (V2), by their protocol names.
 *
 * <p>Fixed-size types are stored little-endian in a {@link Tensor}; unsigned types keep their raw
 * bits in the signed Java type of the same width, FP16 keeps its IEEE 754 half-precision bits.
 * The names and sizes are those of the Open Inference Protocol, "Tensor Data Types" table.
 */
public enum DataType {
    /** Boolean, one byte per element: 0 false, 1 true; a Java {@code boolean}. */
    BOOL(1),
    /** Unsigned 8-bit integer, in a Java {@code byte} (raw bits). */
    UINT8(1),
    /** Unsigned 16-bit integer, in a Java {@code short} (raw bits). */
    UINT16(2),
    /** Unsigned 32-bit integer, in a Java {@code int} (raw bits). */
    UINT32(4),
    /** Unsigned 64-bit integer, in a Java {@code long} (raw bits). */
    UINT64(8),
    /** Signed 8-bit integer, a Java {@code byte}. */
    INT8(1),
    /** Signed 16-bit integer, a Java {@code short}. */
    INT16(2),
    /** Signed 32-bit integer, a Java {@code int}. */
    INT32(4),
    /** Signed 64-bit integer, a Java {@code long}. */
    INT64(8),
    /** IEEE 754 half precision, its bits in a Java {@code short}; see {@link Float16}. */
    FP16(2),
    /** IEEE 754 single precision, a Java {@code float}. */
    FP32(4),
    /** IEEE 754 double precision, a Java {@code double}. */
    FP64(8),
    /** Variable-length byte strings (UTF-8 text or raw bytes), one {@code byte[]} per element. */
    BYTES(-1);

    private static final DataType[] VALUES = values();

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * The storage size of one element.
     *
     * @return bytes per element (1, 2, 4 or 8), or -1 for {@link #BYTES}, whose elements vary
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether every element has the same size, so a tensor of this type is one flat buffer.
     *
     * @return true for every type but {@link #BYTES}
     */
    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /**
     * Whether this is an IEEE 754 type.
     *
     * @return true for FP16, FP32 and FP64
     */
    public boolean isFloatingPoint() {
        return this == FP16 || this == FP32 || this == FP64;
    }

    /**
     * Whether the raw bits are to be read as unsigned (the Java type being signed).
     *
     * @return true for UINT8, UINT16, UINT32 and UINT64
     */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /**
     * Looks a protocol name up ({@code "FP32"}); names are case-sensitive, as in the protocol.
     *
     * @param name the datatype as a client sent it; may be null
     * @return the type of that name
     * @throws KubeServeException {@code INVALID_INPUT} listing the valid names, for an unknown or null name
     */
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
