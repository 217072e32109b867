package io.kubeserve.core.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between our tensors and DJL's NDArrays (PyTorch's tensors). DJL's PyTorch engine makes no
 * INT16 or unsigned 16/32/64-bit tensors and no string tensors; asking for one aborts the native side, so
 * those types are refused here in words before anything native is touched.
 */
final class DjlTypes {

    private DjlTypes() {
    }

    static ai.djl.ndarray.types.DataType toDjl(DataType type) {
        requireSupported(type, "input");
        return switch (type) {
            case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
            case UINT16 -> ai.djl.ndarray.types.DataType.UINT16;
            case UINT32 -> ai.djl.ndarray.types.DataType.UINT32;
            case UINT64 -> ai.djl.ndarray.types.DataType.UINT64;
            case INT8 -> ai.djl.ndarray.types.DataType.INT8;
            case INT16 -> ai.djl.ndarray.types.DataType.INT16;
            case INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
            case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
            case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
            case BYTES -> ai.djl.ndarray.types.DataType.STRING;
        };
    }

    static DataType fromDjl(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case BOOLEAN -> DataType.BOOL;
            case UINT8 -> DataType.UINT8;
            case UINT16 -> DataType.UINT16;
            case UINT32 -> DataType.UINT32;
            case UINT64 -> DataType.UINT64;
            case INT8 -> DataType.INT8;
            case INT16 -> DataType.INT16;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case FLOAT16 -> DataType.FP16;
            case FLOAT32 -> DataType.FP32;
            case FLOAT64 -> DataType.FP64;
            case STRING -> DataType.BYTES;
            default -> throw KubeServeException.unsupported("engine output type " + type + " is not supported");
        };
    }

    /** Refuses, naming it, a datatype PyTorch has no tensor of. */
    static void requireSupported(DataType type, String what) {
        switch (type) {
            case INT16, UINT16, UINT32, UINT64 -> throw KubeServeException.unsupported(type + " " + what
                    + "s are not supported by PyTorch models (DJL's PyTorch engine has no such tensors); "
                    + "use INT32, INT64, INT8 or UINT8");
            case BYTES -> throw KubeServeException.unsupported("BYTES " + what
                    + "s are not supported by PyTorch models, which have no string tensors");
            default -> { }
        }
    }

    /** An NDArray owned by {@code manager}, named so engines can match it to a model input. */
    static NDArray toNDArray(NDManager manager, String name, Tensor tensor) {
        ai.djl.ndarray.types.DataType type = toDjl(tensor.type());
        NDArray array = manager.create(tensor.data(), new Shape(tensor.shape()), type);
        array.setName(name);
        return array;
    }

    /** Copies an NDArray out into heap memory, so its manager can free the native side. */
    static Tensor fromNDArray(NDArray array) {
        DataType type = fromDjl(array.getDataType());
        requireSupported(type, "output");
        long[] shape = array.getShape().getShape();
        ByteBuffer source = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        OrtTypes.copyLittleEndian(source.order(ByteOrder.nativeOrder()), copy, type.byteSize());
        return Tensor.of(type, shape, copy.flip());
    }
}
