package io.lipflow.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a loaded model looks like to LipFlow: the names of its inputs in contract order, its output, the
 * per-sample shapes, and whether its batch dimension is fixed. Discovered from the model itself
 * (PIPELINE.md §3–4): known naming variants are preferred, otherwise any tensor of the right shape is
 * taken; a model that does not fit is refused with what was expected and what was found.
 */
public final class ModelContract {
    /** The two model roles and the tensors each must have. */
    public enum Kind {
        /** Mel window (B,1,80,16) to embedding (B,512). */
        AUDIO_ENCODER("audio encoder",
                List.of(new Spec(List.of("mel", "mel_input", "mel_spectrogram"), 1, 80, 16)),
                new Spec(List.of("emb", "features", "audio_features"), 512)),
        /** Face pair (B,6,320,320) and audio (B,32,16,16) to face (B,3,320,320). */
        GENERATOR("generator",
                List.of(new Spec(List.of("input", "image"), 6, 320, 320), new Spec(List.of("audio"), 32, 16, 16)),
                new Spec(List.of("output"), 3, 320, 320));

        private final String description;
        private final List<Spec> inputs;
        private final Spec output;

        Kind(String description, List<Spec> inputs, Spec output) {
            this.description = description;
            this.inputs = inputs;
            this.output = output;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** An expected tensor: preferred names and the shape after the batch dimension. */
    private record Spec(List<String> names, long... perSample) {
        boolean fits(TensorInfo info) {
            long[] shape = info.getShape();
            if (info.type != OnnxJavaType.FLOAT || shape.length != perSample.length + 1) {
                return false;
            }
            for (int i = 0; i < perSample.length; i++) {
                if (shape[i + 1] >= 0 && shape[i + 1] != perSample[i]) {
                    return false;
                }
            }
            return true;
        }

        String describe(String what) {
            String shape = Arrays.stream(perSample).mapToObj(Long::toString).collect(Collectors.joining(","));
            String named = names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or "));
            return "expected an " + what + " of shape (B," + shape + ") named " + named;
        }
    }

    private final Kind kind;
    private final List<String> inputNames;
    private final String outputName;
    private final int fixedBatch;

    private ModelContract(Kind kind, List<String> inputNames, String outputName, int fixedBatch) {
        this.kind = kind;
        this.inputNames = List.copyOf(inputNames);
        this.outputName = outputName;
        this.fixedBatch = fixedBatch;
    }

    /**
     * Matches a model's inputs and outputs (as ONNX Runtime reports them) against the contract of {@code kind}.
     *
     * @param label names the model in messages, e.g. its file name
     * @throws ModelException if a tensor is missing, has the wrong shape or type, or batch sizes disagree
     */
    public static ModelContract discover(String label, Kind kind, Map<String, NodeInfo> inputs,
            Map<String, NodeInfo> outputs) throws ModelException {
        Map<String, TensorInfo> inputTensors = tensors(inputs);
        Map<String, TensorInfo> outputTensors = tensors(outputs);
        List<String> inputNames = new ArrayList<>();
        for (Spec spec : kind.inputs) {
            inputNames.add(match(label, "input", spec, inputTensors, inputNames));
        }
        if (inputNames.size() != inputTensors.size()) {
            throw new ModelException(label + ": is not a " + kind + ": it has extra inputs; found inputs: " + describe(inputTensors));
        }
        String outputName = match(label, "output", kind.output, outputTensors, List.of());

        long batch = -1;
        for (String name : inputNames) {
            batch = agreeingBatch(label, batch, inputTensors.get(name), inputTensors);
        }
        batch = agreeingBatch(label, batch, outputTensors.get(outputName), inputTensors);
        return new ModelContract(kind, inputNames, outputName, (int) Math.max(batch, 0));
    }

    private static String match(String label, String what, Spec spec, Map<String, TensorInfo> found,
            List<String> taken) throws ModelException {
        for (String name : spec.names) {
            TensorInfo info = found.get(name);
            if (info != null && spec.fits(info) && !taken.contains(name)) {
                return name;
            }
        }
        List<String> fitting = found.entrySet().stream()
                .filter(e -> !taken.contains(e.getKey()) && spec.fits(e.getValue()))
                .map(Map.Entry::getKey).toList();
        if (fitting.size() == 1) {
            return fitting.get(0);
        }
        throw new ModelException(label + ": " + spec.describe(what) + ", found " + what + "s: " + describe(found));
    }

    /** A fixed batch size must be the same on every tensor; -1 means none seen yet or dynamic. */
    private static long agreeingBatch(String label, long batch, TensorInfo info, Map<String, TensorInfo> inputs)
            throws ModelException {
        long b = info.getShape()[0];
        if (b < 0) {
            return batch;
        }
        if (batch >= 0 && batch != b) {
            throw new ModelException(label + ": fixed batch sizes disagree (" + batch + " and " + b + "); found inputs: " + describe(inputs));
        }
        return b;
    }

    private static Map<String, TensorInfo> tensors(Map<String, NodeInfo> nodes) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : nodes.entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo t) {
                out.put(e.getKey(), t);
            }
        }
        return out;
    }

    private static String describe(Map<String, TensorInfo> tensors) {
        return tensors.entrySet().stream().map(e -> e.getKey() + " " + describe(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** {@code float[batch,6,320,320]}: symbolic dimensions by name, unknown ones as '?'. */
    private static String describe(TensorInfo t) {
        long[] shape = t.getShape();
        String[] names = t.getDimensionNames();
        StringBuilder s = new StringBuilder(t.type.toString().toLowerCase(Locale.ROOT)).append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            boolean named = names != null && i < names.length && names[i] != null && !names[i].isEmpty();
            s.append(shape[i] >= 0 ? Long.toString(shape[i]) : named ? names[i] : "?");
        }
        return s.append(']').toString();
    }

    /** Input names in contract order (encoder: mel; generator: face pair, audio). */
    public List<String> inputNames() {
        return inputNames;
    }

    public String outputName() {
        return outputName;
    }

    /** The model's fixed batch size, or 0 when the batch dimension is dynamic. */
    public int fixedBatch() {
        return fixedBatch;
    }

    /** Shape of input {@code i} for one sample (without the batch dimension). */
    public long[] inputShape(int i) {
        return kind.inputs.get(i).perSample.clone();
    }

    /** Floats per sample of input {@code i}. */
    public int inputSize(int i) {
        return size(kind.inputs.get(i).perSample);
    }

    /** Shape of the output for one sample. */
    public long[] outputShape() {
        return kind.output.perSample.clone();
    }

    /** Floats per sample of the output. */
    public int outputSize() {
        return size(kind.output.perSample);
    }

    private static int size(long[] shape) {
        return (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    @Override
    public String toString() {
        return kind + " " + inputNames + " -> " + outputName + (fixedBatch > 0 ? " (batch fixed at " + fixedBatch + ")" : " (dynamic batch)");
    }
}
