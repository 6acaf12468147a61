package io.lipflow.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Generates stand-ins for the two SyncTalk_2D "328" ONNX models (PIPELINE.md §3–4) with the real
 * architectures layer for layer and seeded weights, plus a mirror generator that returns its input's
 * unmasked face.
 *
 * <p>BatchNorm is kept as BatchNormalization nodes (not folded into the convolutions), so the trainable
 * parameter counts are those of the PyTorch models: 12,186,935 for the generator and 2,812,672 for the
 * encoder (convolution weights and biases plus BN scales and shifts; running statistics not counted).
 * ONNX Runtime fuses the BN into the convolutions when it loads the model, so the cost equals a real
 * export's.
 *
 * <p>Weights are He-uniform from a fixed-seed {@link SplittableRandom}. To keep activations in range, the
 * BN running statistics are calibrated on a synthetic sample input: one ONNX Runtime run of a variant
 * graph whose normalisations use their batch's own statistics (see {@link GraphBuilder}). The statistics
 * are rounded to 13 mantissa bits so that last-bit differences between runs cannot change the bytes;
 * generation is deterministic.
 */
public final class ModelGenerator {
    /** Seed of every generated weight. */
    public static final long SEED = 328L;
    public static final String GENERATOR_FILE = "generator.onnx";
    public static final String ENCODER_FILE = "audio_encoder.onnx";
    public static final String MIRROR_FILE = "mirror_generator.onnx";

    /** One generated model: file name, serialized ONNX bytes and trainable parameter count. */
    public record GeneratedModel(String fileName, byte[] onnx, long parameters) {}

    /** Layer-by-layer definition of a network on a {@link GraphBuilder}. */
    private interface Architecture {
        void build(GraphBuilder g);
    }

    private ModelGenerator() {}

    /** The SyncTalk_2D UNet "328" generator: inputs input (B,6,320,320), audio (B,32,16,16); output (B,3,320,320). */
    public static GeneratedModel generator() throws OrtException {
        // Two kinds of sample so that the statistics cover both smooth faces with speech and harsh inputs
        // with silent (zero) audio rows: calibrated on one kind alone, the other saturates the output.
        SplittableRandom sample = new SplittableRandom(SEED + 1);
        Map<String, float[]> inputs = new LinkedHashMap<>();
        inputs.put("input", concat(sampleFaces(sample), sampleNoise(sample, 6 * 320 * 320)));
        inputs.put("audio", concat(sampleAudio(sample, false), sampleAudio(sample, true)));
        return calibrated(GENERATOR_FILE, ModelGenerator::buildGenerator, inputs,
                Map.of("input", new long[] {2, 6, 320, 320}, "audio", new long[] {2, 32, 16, 16}));
    }

    /** The audio encoder: input mel (B,1,80,16), output emb (B,512). */
    public static GeneratedModel audioEncoder() throws OrtException {
        int windows = 64; // the last layers are 1x1 spatially: statistics need many windows
        SplittableRandom sample = new SplittableRandom(SEED + 2);
        float[] mel = new float[windows * 80 * 16];
        for (int i = 0; i < mel.length; i++) {
            mel[i] = (float) (sample.nextDouble() * 8 - 4);
        }
        return calibrated(ENCODER_FILE, ModelGenerator::buildEncoder, Map.of("mel", mel),
                Map.of("mel", new long[] {windows, 1, 80, 16}));
    }

    /** A generator-shaped model whose output is channels 0–2 of {@code input}, bit for bit. */
    public static GeneratedModel mirrorGenerator() {
        GraphBuilder g = GraphBuilder.forInference("mirror_generator", SEED, Map.of());
        String input = g.input("input", 6, 320, 320);
        g.input("audio", 32, 16, 16);
        g.output("output", g.channels(input, 0, 3), 3, 320, 320);
        return new GeneratedModel(MIRROR_FILE, g.model().toByteArray(), g.trainableParameters());
    }

    /** Generates the three models into {@code dir} (created if needed), reporting each step. */
    public static List<GeneratedModel> writeAll(Path dir, Consumer<String> progress) throws IOException, OrtException {
        Files.createDirectories(dir);
        List<GeneratedModel> models = new ArrayList<>();
        progress.accept("generating " + ENCODER_FILE + " (calibrating BatchNorm statistics)");
        models.add(write(dir, audioEncoder()));
        progress.accept("generating " + GENERATOR_FILE + " (calibrating BatchNorm statistics)");
        models.add(write(dir, generator()));
        progress.accept("generating " + MIRROR_FILE);
        models.add(write(dir, mirrorGenerator()));
        return models;
    }

    /**
     * Generates the three models into {@code dir} unless it already holds a generator or an audio encoder,
     * so that a user's own exports are never overwritten.
     *
     * @return whether models were generated
     */
    public static boolean ensureGenerated(Path dir, Consumer<String> progress) throws IOException, OrtException {
        if (Files.exists(dir.resolve(GENERATOR_FILE)) || Files.exists(dir.resolve(ENCODER_FILE))) {
            return false;
        }
        writeAll(dir, progress);
        return true;
    }

    private static GeneratedModel write(Path dir, GeneratedModel model) throws IOException {
        Path target = dir.resolve(model.fileName());
        Path temp = dir.resolve(model.fileName() + ".tmp");
        Files.write(temp, model.onnx());
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return model;
    }

    /** Builds the calibration graph, runs it once on the sample, then builds the final graph with those statistics. */
    private static GeneratedModel calibrated(String fileName, Architecture architecture, Map<String, float[]> sample,
            Map<String, long[]> sampleShapes) throws OrtException {
        String graphName = fileName.replace(".onnx", "");
        GraphBuilder calibration = GraphBuilder.forCalibration(graphName, SEED);
        architecture.build(calibration);
        Map<String, float[][]> statistics = new HashMap<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(calibration.model().toByteArray(), options)) {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, float[]> e : sample.entrySet()) {
                    feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue()), sampleShapes.get(e.getKey())));
                }
                List<String> outputs = calibration.calibrationOutputs();
                try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputs))) {
                    for (String output : outputs) {
                        String bn = output.substring(0, output.lastIndexOf('.'));
                        OnnxValue value = result.get(output).orElseThrow();
                        float[] stat = rounded(((OnnxTensor) value).getFloatBuffer());
                        statistics.computeIfAbsent(bn, k -> new float[2][])[output.endsWith(".mean") ? 0 : 1] = stat;
                    }
                }
            } finally {
                for (OnnxTensor t : feeds.values()) {
                    t.close();
                }
            }
        }
        GraphBuilder model = GraphBuilder.forInference(graphName, SEED, statistics);
        architecture.build(model);
        return new GeneratedModel(fileName, model.model().toByteArray(), model.trainableParameters());
    }

    /** Rounds to 13 mantissa bits so that last-bit noise in the calibration run cannot change the model bytes. */
    private static float[] rounded(FloatBuffer values) {
        float[] out = new float[values.remaining()];
        for (int i = 0; i < out.length; i++) {
            int bits = Float.floatToRawIntBits(values.get(i));
            out[i] = Float.intBitsToFloat((bits + (1 << 9)) & ~((1 << 10) - 1));
        }
        return out;
    }

    // ---- architectures (PIPELINE.md §3–4) ----

    private static void buildEncoder(GraphBuilder g) {
        String x = g.input("mel", 1, 80, 16);
        x = encoderBlock(g, x, 1, 32, 3, 1, 1, 1, false);
        x = encoderBlock(g, x, 32, 32, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 32, 32, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 32, 64, 3, 3, 1, 1, false);
        x = encoderBlock(g, x, 64, 64, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 64, 64, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 64, 128, 3, 3, 3, 1, false);
        x = encoderBlock(g, x, 128, 128, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 128, 128, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 128, 256, 3, 3, 2, 1, false);
        x = encoderBlock(g, x, 256, 256, 3, 1, 1, 1, true);
        x = encoderBlock(g, x, 256, 512, 3, 1, 1, 0, false);
        x = encoderBlock(g, x, 512, 512, 1, 1, 1, 0, false);
        g.output("emb", g.flatten(x), 512);
    }

    /** Conv2d(bias) -> BN -> (+input if residual) -> ReLU. */
    private static String encoderBlock(GraphBuilder g, String x, int in, int out, int kernel, int strideH, int strideW,
            int pad, boolean residual) {
        String h = g.batchNorm(g.conv(x, in, out, kernel, strideH, strideW, pad, 1, true, 2.0), out);
        return g.relu(residual ? g.add(h, x) : h);
    }

    private static void buildGenerator(GraphBuilder g) {
        String image = g.input("input", 6, 320, 320);
        String audio = g.input("audio", 32, 16, 16);
        String x1 = invertedResidual(g, image, 6, 32, 1, false);
        String x2 = dcdw(g, x1, 32, 32, 2);
        String x3 = dcdw(g, x2, 32, 64, 2);
        String x4 = dcdw(g, x3, 64, 128, 2);
        String x5 = dcdw(g, x4, 128, 256, 2);
        String x6 = dcdw(g, x5, 256, 512, 2);

        String a = invertedResidual(g, audio, 32, 64, 1, false);
        a = invertedResidual(g, a, 64, 128, 1, false);
        a = g.relu(g.batchNorm(g.conv(a, 128, 256, 3, 1, 1, 1, true), 256));
        a = invertedResidual(g, a, 256, 256, 1, true);
        a = g.relu(g.batchNorm(g.conv(a, 256, 512, 3, 2, 3, 1, true), 512));
        a = invertedResidual(g, a, 512, 512, 1, true);
        a = invertedResidual(g, a, 512, 512, 1, true);

        String y = dcdw(g, g.concat(x6, a), 1024, 512, 1);
        y = dcdw(g, y, 512, 256, 1);
        y = dcdw(g, g.concat(g.upsample2x(y), x5), 256 + 256, 128, 1);
        y = dcdw(g, g.concat(g.upsample2x(y), x4), 128 + 128, 64, 1);
        y = dcdw(g, g.concat(g.upsample2x(y), x3), 64 + 64, 32, 1);
        y = dcdw(g, g.concat(g.upsample2x(y), x2), 32 + 32, 32, 1);
        y = dcdw(g, g.concat(g.upsample2x(y), x1), 32 + 32, 16, 1);
        // Gain 0.5: the residual sum entering here has variance ~2, so the logits get unit variance.
        String logits = g.conv(y, 16, 3, 1, 1, 1, 0, 1, true, 0.5);
        g.output("output", g.sigmoid(logits), 3, 320, 320);
    }

    /** IR(in, out, s, residual): 1x1 expand -> BN -> ReLU -> 3x3 depthwise -> BN -> ReLU -> 1x1 project -> BN (+x). */
    private static String invertedResidual(GraphBuilder g, String x, int in, int out, int stride, boolean residual) {
        int hidden = 2 * in;
        String h = g.relu(g.batchNorm(g.conv(x, in, hidden, 1, 1, 0, 1, false), hidden));
        h = g.relu(g.batchNorm(g.conv(h, hidden, hidden, 3, stride, 1, hidden, false), hidden));
        h = g.batchNorm(g.conv(h, hidden, out, 1, 1, 0, 1, false), out);
        return residual ? g.add(h, x) : h;
    }

    private static String dcdw(GraphBuilder g, String x, int in, int out, int stride) {
        return invertedResidual(g, invertedResidual(g, x, in, out, stride, false), out, out, 1, true);
    }

    // ---- calibration samples ----

    /** A smooth face-like pattern with noise in channels 0–2 and the same with the §5 mask in channels 3–5. */
    private static float[] sampleFaces(SplittableRandom random) {
        int side = 320;
        float[] v = new float[6 * side * side];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    double value = 0.5 + 0.3 * Math.sin(x / 23.0 + c) * Math.cos(y / 17.0 - c) + 0.1 * (random.nextDouble() - 0.5);
                    float pixel = (float) Math.min(1, Math.max(0, value));
                    boolean masked = x >= 5 && x < 315 && y >= 5 && y < 310;
                    v[(c * side + y) * side + x] = pixel;
                    v[((c + 3) * side + y) * side + x] = masked ? 0f : pixel;
                }
            }
        }
        return v;
    }

    /** Uniform noise in [0,1). */
    private static float[] sampleNoise(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble();
        }
        return v;
    }

    /** Non-negative values like 16 stacked encoder outputs; optionally the first 8 rows silent (zero), as at the start. */
    private static float[] sampleAudio(SplittableRandom random, boolean silentStart) {
        float[] v = sampleNoise(random, 16 * 512);
        for (int i = 0; i < v.length; i++) {
            v[i] = silentStart && i < 8 * 512 ? 0f : 2 * v[i];
        }
        return v;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] v = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, v, a.length, b.length);
        return v;
    }
}
