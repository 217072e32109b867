package io.kubeserve.core.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between our tensors and DJL's NDArrays. */
final class DjlTypes {

    private DjlTypes() {
    }

    static ai.djl.ndarray.types.DataType toDjl(DataType type) {
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

    /** An NDArray owned by {@code manager}, named so engines can match it to a model input. */
    static NDArray toNDArray(NDManager manager, String name, Tensor tensor) {
        NDArray array;
        if (tensor.type() == DataType.BYTES) {
            array = manager.create(tensor.toStringArray(), java.nio.charset.StandardCharsets.UTF_8,
                    new Shape(tensor.shape()));
        } else {
            array = manager.create(tensor.data(), new Shape(tensor.shape()), toDjl(tensor.type()));
        }
        array.setName(name);
        return array;
    }

    /** Copies an NDArray out into heap memory, so its manager can free the native side. */
    static Tensor fromNDArray(NDArray array) {
        DataType type = fromDjl(array.getDataType());
        long[] shape = array.getShape().getShape();
        if (type == DataType.BYTES) {
            return Tensor.ofStrings(shape, array.toStringArray());
        }
        ByteBuffer source = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        OrtTypes.copyLittleEndian(source.order(ByteOrder.nativeOrder()), copy, type.byteSize());
        return Tensor.of(type, shape, copy.flip());
    }
}
