package io.kubeserve.core.engine.djl;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Conversions between our tensors and OnnxRuntime's, with the element types mapped one to one. */
final class OrtTypes {

    private OrtTypes() {
    }

    static DataType toDataType(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
            default -> throw KubeServeException.unsupported("ONNX element type " + type + " is not supported");
        };
    }

    private static OnnxJavaType toJavaType(DataType type) {
        return switch (type) {
            case BOOL -> OnnxJavaType.BOOL;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT8 -> OnnxJavaType.INT8;
            case INT16, UINT16 -> OnnxJavaType.INT16;
            case INT32, UINT32 -> OnnxJavaType.INT32;
            case INT64, UINT64 -> OnnxJavaType.INT64;
            case FP16 -> OnnxJavaType.FLOAT16;
            case FP32 -> OnnxJavaType.FLOAT;
            case FP64 -> OnnxJavaType.DOUBLE;
            case BYTES -> OnnxJavaType.STRING;
        };
    }

    /**
     * An OnnxRuntime tensor over a native-order copy of ours in {@code direct} (which must hold
     * {@code tensor.byteSize()} bytes and stay untouched until the tensor is closed); the caller
     * closes it.
     */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor tensor, ByteBuffer direct) throws OrtException {
        if (tensor.type() == DataType.BYTES) {
            return OnnxTensor.createTensor(env, utf8Strings(tensor), tensor.shape());
        }
        if (tensor.type().isUnsigned() && tensor.type() != DataType.UINT8) {
            throw KubeServeException.unsupported(tensor.type() + " inputs are not supported by the OnnxRuntime Java API");
        }
        // a direct buffer in native order is handed to OnnxRuntime as is. Never the tensor's own heap
        // buffer: for FLOAT16 the Java API casts a non-direct ByteBuffer to ShortBuffer and fails
        // (HeapByteBufferR cannot be cast to ShortBuffer: field case01, issue 12 kind 1)
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("OnnxRuntime inputs are copied into a direct buffer");
        }
        direct.clear().order(ByteOrder.nativeOrder()).limit((int) tensor.byteSize());
        copyLittleEndian(tensor.data(), direct, tensor.type().byteSize());
        return OnnxTensor.createTensor(env, direct.flip(), tensor.shape(), toJavaType(tensor.type()));
    }

    /**
     * The elements as text. ONNX string tensors hold UTF-8 text and the Java API takes only
     * {@code String}s, so an element that is not UTF-8 cannot reach the model unchanged: it is
     * refused rather than silently replaced by U+FFFD (what a lenient decode would do).
     */
    private static String[] utf8Strings(Tensor tensor) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        String[] out = new String[tensor.size()];
        for (int i = 0; i < out.length; i++) {
            byte[] element = tensor.getBytes(i);
            try {
                out[i] = decoder.decode(ByteBuffer.wrap(element)).toString();
            } catch (CharacterCodingException e) {
                throw KubeServeException.invalidInput("BYTES element " + i + " (" + element.length
                        + " bytes) is not UTF-8 text; ONNX models take string tensors of UTF-8 text only, "
                        + "so raw bytes cannot be passed to them unchanged");
            }
        }
        return out;
    }

    /** Copies an OnnxRuntime tensor out, so it can be closed at once. */
    static Tensor fromOrt(OnnxTensor value) throws OrtException {
        TensorInfo info = value.getInfo();
        DataType type = toDataType(info.onnxType);
        long[] shape = info.getShape();
        if (type == DataType.BYTES) {
            return Tensor.ofStrings(shape, flattenStrings(value.getValue(), Tensor.elementCount(shape)));
        }
        ByteBuffer source = value.getByteBuffer().order(ByteOrder.nativeOrder());
        ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copyLittleEndian(source, copy, type.byteSize());
        return Tensor.of(type, shape, copy.flip());
    }

    /** Copies elements between native and little-endian order (the same swap either way). */
    static void copyLittleEndian(ByteBuffer source, ByteBuffer target, int elementSize) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || elementSize == 1) {
            target.put(source);
            return;
        }
        byte[] element = new byte[elementSize];
        while (source.hasRemaining()) {
            source.get(element);
            for (int i = elementSize - 1; i >= 0; i--) {
                target.put(element[i]);
            }
        }
    }

    private static String[] flattenStrings(Object nested, int count) {
        String[] out = new String[count];
        int[] next = {0};
        flatten(nested, out, next);
        return out;
    }

    private static void flatten(Object node, String[] out, int[] next) {
        if (node instanceof String text) {
            out[next[0]++] = text;
            return;
        }
        int length = Array.getLength(node);
        for (int i = 0; i < length; i++) {
            flatten(Array.get(node, i), out, next);
        }
    }
}
