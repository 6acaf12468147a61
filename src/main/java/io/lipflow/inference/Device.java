package io.lipflow.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where inference runs: the CPU, or a CUDA GPU by index with ONNX Runtime's CUDA provider options (ONNX
 * Runtime's names and values, such as {@code gpu_mem_limit} where TaskManagers share a GPU, or {@code
 * prefer_nhwc}). CUDA needs the onnxruntime_gpu artifact (Maven profile {@code cuda}) and CUDA 12.8 or a
 * later 12.x with cuDNN 9 on the host (its CUDA provider uses runtime functions that CUDA 12.6 lacks; CUDA
 * 13 alone does not do).
 *
 * @param cudaIndex   the GPU index, or -1 for the CPU
 * @param cudaOptions CUDA provider options by name (none on the CPU)
 */
public record Device(int cudaIndex, SortedMap<String, String> cudaOptions) {
    /** The CPU. */
    public static final Device CPU = new Device(-1);

    private static final Pattern OPTION_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public Device {
        if (cudaIndex < 0 && !cudaOptions.isEmpty()) {
            throw new IllegalArgumentException("CUDA provider options need a CUDA device");
        }
        cudaOptions = Collections.unmodifiableSortedMap(new TreeMap<>(cudaOptions));
    }

    /** GPU {@code cudaIndex} with ONNX Runtime's default options, or the CPU for -1. */
    public Device(int cudaIndex) {
        this(cudaIndex, new TreeMap<>());
    }

    /**
     * Parses what {@link #toString()} writes: {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}, each
     * CUDA one optionally followed by provider options, {@code ;name=value} each ({@code cuda:0;prefer_nhwc=1}).
     */
    public static Device parse(String text) throws ModelException {
        String[] parts = text.split(";", -1);
        int index = index(parts[0]);
        if (index < 0 && parts.length > 1) {
            throw unknown(text);
        }
        SortedMap<String, String> options = new TreeMap<>();
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i];
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            if (eq < 0 || !OPTION_NAME.matcher(key).matches() || option.length() == eq + 1 || options.containsKey(key)) {
                throw new ModelException("CUDA provider option '" + option + "' in '" + text + "': write each once as name=value"
                        + " with ONNX Runtime's name (gpu_mem_limit, prefer_nhwc, cudnn_conv_algo_search, ...)");
            }
            if (key.equals("device_id")) {
                throw new ModelException("CUDA provider option '" + option + "' in '" + text + "': give the GPU as cuda:N");
            }
            options.put(key, option.substring(eq + 1));
        }
        return new Device(index, options);
    }

    /** The GPU index of {@code cuda} or {@code cuda:N}, -1 for {@code cpu}. */
    private static int index(String name) throws ModelException {
        if (name.equals("cpu")) {
            return -1;
        }
        if (name.equals("cuda")) {
            return 0;
        }
        if (name.startsWith("cuda:")) {
            try {
                int index = Integer.parseInt(name.substring(5));
                if (index >= 0) {
                    return index;
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted forms
            }
        }
        throw unknown(name);
    }

    private static ModelException unknown(String text) {
        return new ModelException("unknown device '" + text + "': use cpu, cuda or cuda:N");
    }

    public boolean isCuda() {
        return cudaIndex >= 0;
    }

    /** This device with {@code options} (ONNX Runtime's {@code name=value;name=value} form) added to its CUDA options. */
    public Device withCudaOptions(String options) throws ModelException {
        if (!isCuda()) {
            throw new ModelException("CUDA provider options '" + options + "' need a CUDA device, not " + this);
        }
        return parse(this + ";" + options);
    }

    /**
     * Throws unless this build's ONNX Runtime has the device's execution provider (the CPU's it always has)
     * and, given CUDA provider options, accepts them, so that a command can refuse {@code --device cuda}
     * before it starts any work.
     */
    public void requireProvider() throws ModelException {
        if (!isCuda()) {
            return;
        }
        if (cudaOptions.isEmpty()) {
            requireCudaBuild();
            return;
        }
        try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
            configure(probe); // checks the build; ONNX Runtime checks the options' names and values as they are added
        }
    }

    private void requireCudaBuild() throws ModelException {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            throw new ModelException("--device cuda:" + cudaIndex + " needs the CUDA build of ONNX Runtime, which this build lacks: "
                    + "rebuild with the Maven profile -Pcuda (onnxruntime_gpu; needs CUDA 12.8 or a later 12.x and cuDNN 9 on the host)");
        }
    }

    /** Adds this device's execution provider to the options; the CPU needs nothing. */
    void configure(OrtSession.SessionOptions options) throws ModelException {
        if (!isCuda()) {
            return;
        }
        requireCudaBuild();
        try {
            if (cudaOptions.isEmpty()) {
                options.addCUDA(cudaIndex);
                return;
            }
            // ONNX Runtime copies the provider options into the session options
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(cudaIndex)) {
                for (Map.Entry<String, String> option : cudaOptions.entrySet()) {
                    cuda.add(option.getKey(), option.getValue());
                }
                options.addCUDA(cuda);
            }
        } catch (OrtException e) {
            throw new ModelException("CUDA device " + this + " is not usable (needs CUDA 12.8 or a later 12.x and cuDNN 9"
                    + (cudaOptions.isEmpty() ? "" : ", and provider options ONNX Runtime knows") + "): " + e.getMessage(), e);
        }
    }

    /** {@code cpu} or {@code cuda:N}, then {@code ;name=value} per CUDA option: what {@link #parse} reads. */
    @Override
    public String toString() {
        if (!isCuda()) {
            return "cpu";
        }
        StringBuilder s = new StringBuilder("cuda:").append(cudaIndex);
        cudaOptions.forEach((k, v) -> s.append(';').append(k).append('=').append(v));
        return s.toString();
    }
}
