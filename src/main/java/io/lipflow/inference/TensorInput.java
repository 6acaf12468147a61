package io.lipflow.inference;

import java.nio.FloatBuffer;

/**
 * One model input of one request, written straight into a session's staging buffer when its batch is
 * staged for a run. An input derived from something smaller (the generator's 6x320x320 input from a 328x328 crop)
 * then needs no array of its own, and waits for its batch as the smaller thing.
 */
public interface TensorInput {
    /** Floats this input writes. */
    int size();

    /** Writes this input's {@link #size()} floats at {@code dst}'s position and advances it past them. */
    void writeTo(FloatBuffer dst);

    /** An input that is already an array (not copied until it is written). */
    static TensorInput of(float[] values) {
        return new Values(values);
    }

    /** Inputs that are already arrays. */
    static TensorInput[] of(float[]... values) {
        TensorInput[] inputs = new TensorInput[values.length];
        for (int i = 0; i < values.length; i++) {
            inputs[i] = of(values[i]);
        }
        return inputs;
    }

    /** An input held as an array. */
    record Values(float[] values) implements TensorInput {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public void writeTo(FloatBuffer dst) {
            dst.put(values);
        }
    }
}
