package io.lipflow.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

/**
 * Where inference runs: the CPU, or a CUDA GPU by index. CUDA needs the onnxruntime_gpu artifact (Maven
 * profile {@code cuda}) and CUDA 12.8 or a later 12.x with cuDNN 9 on the host (its CUDA provider uses runtime
 * functions that CUDA 12.6 lacks; CUDA 13 alone does not do).
 *
 * @param cudaIndex the GPU index, or -1 for the CPU
 */
public record Device(int cudaIndex) {
    /** The CPU. */
    public static final Device CPU = new Device(-1);

    /** Parses {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}. */
    public static Device parse(String text) throws ModelException {
        if (text.equals("cpu")) {
            return CPU;
        }
        if (text.equals("cuda")) {
            return new Device(0);
        }
        if (text.startsWith("cuda:")) {
            try {
                int index = Integer.parseInt(text.substring(5));
                if (index >= 0) {
                    return new Device(index);
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted forms
            }
        }
        throw new ModelException("unknown device '" + text + "': use cpu, cuda or cuda:N");
    }

    public boolean isCuda() {
        return cudaIndex >= 0;
    }

    /**
     * Throws unless this build's ONNX Runtime has the device's execution provider (the CPU's it always has),
     * so that a command can refuse {@code --device cuda} before it starts any work.
     */
    public void requireProvider() throws ModelException {
        if (isCuda() && !OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            throw new ModelException("--device " + this + " needs the CUDA build of ONNX Runtime, which this build lacks: "
                    + "rebuild with the Maven profile -Pcuda (onnxruntime_gpu; needs CUDA 12.8 or a later 12.x and cuDNN 9 on the host)");
        }
    }

    /** Adds this device's execution provider to the options; the CPU needs nothing. */
    void configure(OrtSession.SessionOptions options) throws ModelException {
        if (!isCuda()) {
            return;
        }
        requireProvider();
        try {
            options.addCUDA(cudaIndex);
        } catch (OrtException e) {
            throw new ModelException("CUDA device " + cudaIndex + " is not usable (needs CUDA 12.8 or a later 12.x and cuDNN 9): " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + cudaIndex : "cpu";
    }
}
