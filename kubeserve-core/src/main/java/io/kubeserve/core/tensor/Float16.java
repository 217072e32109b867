package io.kubeserve.core.tensor;

/**
 * IEEE 754 half-precision conversions; Java 17 has none of its own ({@code Float.float16ToFloat}
 * arrived in Java 20). Stateless and thread-safe.
 */
public final class Float16 {

    private Float16() {
    }

    /**
     * Widens a half-precision value; exact for every input (subnormals, infinities and NaN included).
     *
     * @param bits the IEEE 754 binary16 bits, as stored in an FP16 tensor
     * @return the same number as a {@code float}
     */
    public static float toFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value = mantissa * 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /**
     * Narrows a {@code float} to half precision, rounding to nearest, ties to even; overflow
     * (beyond 65504) becomes infinity, values too small become signed zero, NaN stays NaN.
     *
     * @param value the number to store
     * @return its IEEE 754 binary16 bits, as an FP16 tensor stores them
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            int half = full >> shift;
            int remainder = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (remainder > halfway || (remainder == halfway && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (halfExponent << 10) | (mantissa >> 13);
        int remainder = mantissa & 0x1fff;
        if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }
}
