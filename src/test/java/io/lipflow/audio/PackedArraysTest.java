package io.lipflow.audio;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class PackedArraysTest {
    private static final Random RANDOM = new Random(7);

    @Test
    void floatsAreTheBytesOfWriteFloatAndReadBack() throws IOException {
        float[] values = new float[1001];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) RANDOM.nextGaussian() * 1e3f;
        }
        values[0] = Float.NaN;
        values[1] = Float.NEGATIVE_INFINITY;
        values[2] = -0f;
        ByteArrayOutputStream perElement = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(perElement)) {
            for (float v : values) {
                out.writeFloat(v);
            }
        }
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(packed)) {
            PackedArrays.writeFloats(out, values);
        }
        assertArrayEquals(perElement.toByteArray(), packed.toByteArray());
        float[] back = new float[values.length];
        PackedArrays.readFloats(new DataInputStream(new ByteArrayInputStream(packed.toByteArray())), back);
        assertArrayEquals(values, back);
    }

    @Test
    void doublesAreTheBytesOfWriteDoubleAndReadBack() throws IOException {
        double[] values = new double[777];
        for (int i = 0; i < values.length; i++) {
            values[i] = RANDOM.nextGaussian() * 1e-3;
        }
        ByteArrayOutputStream perElement = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(perElement)) {
            for (double v : values) {
                out.writeDouble(v);
            }
        }
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(packed)) {
            PackedArrays.writeDoubles(out, values);
        }
        assertArrayEquals(perElement.toByteArray(), packed.toByteArray());
        double[] back = new double[values.length];
        PackedArrays.readDoubles(new DataInputStream(new ByteArrayInputStream(packed.toByteArray())), back);
        assertArrayEquals(values, back);
    }
}
