package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelGeneratorTest {

    /** Trainable parameters read back from the file: convolution weights and biases, BN scales and shifts. */
    private static long trainableParameters(Path file) throws Exception {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        Set<String> trainable = new HashSet<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            if (node.getOpType().equals("Conv")) {
                trainable.addAll(node.getInputList().subList(1, node.getInputCount()));
            } else if (node.getOpType().equals("BatchNormalization")) {
                trainable.addAll(node.getInputList().subList(1, 3));
            }
        }
        long count = 0;
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (trainable.contains(t.getName())) {
                count += t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            }
        }
        return count;
    }

    private static long countOps(Path file, String opType) throws Exception {
        return ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals(opType)).count();
    }

    @Test
    void parameterCountsMatchTheSyncTalkModels() throws Exception {
        assertEquals(12_186_935L, trainableParameters(TestModels.generator()));
        assertEquals(2_812_672L, trainableParameters(TestModels.encoder()));
        assertEquals(0L, trainableParameters(TestModels.mirror()));
        // Layer structure: 30 IR blocks (11 image encoder, 5 audio, 4 fuse, 10 decoder) x 3 convs, 2 plain audio convs, 1 output conv.
        assertEquals(30 * 3 + 2 + 1, countOps(TestModels.generator(), "Conv"));
        assertEquals(5, countOps(TestModels.generator(), "Resize"));
        assertEquals(13, countOps(TestModels.encoder(), "Conv"));
    }

    /** Multiply-adds per sample of every Conv, from shapes propagated through the graph read back from the file. */
    private static long multiplyAdds(Path file, String input, int... chw) throws Exception {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        java.util.Map<String, List<Long>> weights = new java.util.HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            weights.put(t.getName(), t.getDimsList());
        }
        java.util.Map<String, int[]> shapes = new java.util.HashMap<>();
        shapes.put(input, chw);
        shapes.put("audio", new int[] {32, 16, 16});
        long macs = 0;
        for (NodeProto node : model.getGraph().getNodeList()) {
            int[] in = shapes.get(node.getInput(0));
            int[] out = in;
            switch (node.getOpType()) {
                case "Conv" -> {
                    List<Long> w = weights.get(node.getInput(1));
                    java.util.Map<String, List<Long>> attrs = new java.util.HashMap<>();
                    node.getAttributeList().forEach(a -> attrs.put(a.getName(), a.getIntsList()));
                    List<Long> strides = attrs.get("strides");
                    List<Long> pads = attrs.get("pads");
                    int h = (int) ((in[1] + pads.get(0) + pads.get(2) - w.get(2)) / strides.get(0) + 1);
                    int wd = (int) ((in[2] + pads.get(1) + pads.get(3) - w.get(3)) / strides.get(1) + 1);
                    out = new int[] {w.get(0).intValue(), h, wd};
                    macs += w.get(0) * w.get(1) * w.get(2) * w.get(3) * h * wd;
                }
                case "Concat" -> {
                    int channels = 0;
                    for (String x : node.getInputList()) {
                        channels += shapes.get(x)[0];
                    }
                    out = new int[] {channels, in[1], in[2]};
                }
                case "Resize" -> out = new int[] {in[0], in[1] * 2, in[2] * 2};
                default -> { } // elementwise, BatchNormalization, Identity, Flatten keep the shape
            }
            shapes.put(node.getOutput(0), out);
        }
        return macs;
    }

    @Test
    void costMatchesTheSyncTalkModels() throws Exception {
        assertEquals(4.886e9, multiplyAdds(TestModels.generator(), "input", 6, 320, 320), 0.001e9);
        assertEquals(93.09e6, multiplyAdds(TestModels.encoder(), "mel", 1, 80, 16), 0.01e6);
    }

    @Test
    void generatedModelsLoadWithTheirNamesDiscovered() throws Exception {
        try (SessionPool gen = new SessionPool(TestModels.generator(), ModelContract.Kind.GENERATOR, 1, 2, Device.CPU);
             SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 2, Device.CPU);
             SessionPool mirror = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU)) {
            assertEquals(List.of("input", "audio"), gen.contract().inputNames());
            assertEquals("output", gen.contract().outputName());
            assertEquals(0, gen.contract().fixedBatch());
            assertEquals(List.of("mel"), enc.contract().inputNames());
            assertEquals("emb", enc.contract().outputName());
            assertEquals(List.of("input", "audio"), mirror.contract().inputNames());
        }
    }

    /** A face-like test input unlike the generator's calibration sample: diagonal waves, noise, the §5 mask. */
    private static float[] faceLikeInput(long seed) {
        java.util.SplittableRandom noise = new java.util.SplittableRandom(seed);
        float[] v = new float[6 * 320 * 320];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 320; y++) {
                for (int x = 0; x < 320; x++) {
                    float pixel = (float) Math.min(1, Math.max(0,
                            0.45 + 0.25 * Math.sin(0.05 * x + 0.03 * y + c) + 0.05 * noise.nextDouble()));
                    boolean masked = x >= 5 && x < 315 && y >= 5 && y < 310;
                    v[(c * 320 + y) * 320 + x] = pixel;
                    v[((c + 3) * 320 + y) * 320 + x] = masked ? 0 : pixel;
                }
            }
        }
        return v;
    }

    @Test
    void generatorOutputSpreadsOverTheUnitInterval() throws Exception {
        float[] speech = TestModels.random(12, 32 * 16 * 16, 0, 2);
        float[] startOfSpeech = speech.clone();
        java.util.Arrays.fill(startOfSpeech, 0, 8 * 512, 0f); // frame 0: eight zero rows before the audio
        try (SessionPool gen = new SessionPool(TestModels.generator(), ModelContract.Kind.GENERATOR, 1, 2, Device.CPU)) {
            for (float[] audio : List.of(speech, startOfSpeech)) {
                float[] out = gen.run(faceLikeInput(11), audio);
                double sum = 0;
                double sumSq = 0;
                int extreme = 0;
                for (float v : out) {
                    assertTrue(v >= 0 && v <= 1, "sigmoid output outside [0,1]: " + v);
                    sum += v;
                    sumSq += (double) v * v;
                    extreme += v < 0.01 || v > 0.99 ? 1 : 0;
                }
                double mean = sum / out.length;
                double std = Math.sqrt(sumSq / out.length - mean * mean);
                assertTrue(std > 0.05, "output stuck near its mean: std " + std);
                assertTrue(mean > 0.2 && mean < 0.8, "output mean " + mean);
                assertTrue(extreme < out.length / 100, "saturated outputs: " + extreme + " of " + out.length);
            }
        }
    }

    @Test
    void encoderOutputIsNonNegativeAndVaried() throws Exception {
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 2, Device.CPU)) {
            float[] a = enc.run(TestModels.random(21, 80 * 16, -4, 4));
            float[] b = enc.run(TestModels.random(22, 80 * 16, -4, 4));
            int positive = 0;
            for (int i = 0; i < a.length; i++) {
                assertTrue(a[i] >= 0 && b[i] >= 0);
                positive += a[i] > 0 ? 1 : 0;
            }
            assertTrue(positive > 100 && positive < 512, "active units: " + positive);
            assertTrue(!java.util.Arrays.equals(a, b), "different windows give the same embedding");
        }
    }

    @Test
    void mirrorReturnsTheUnmaskedFaceExactly() throws Exception {
        float[] faces = TestModels.random(31, 2 * 6 * 320 * 320, 0, 1);
        float[] first = java.util.Arrays.copyOfRange(faces, 0, 6 * 320 * 320);
        float[] second = java.util.Arrays.copyOfRange(faces, 6 * 320 * 320, faces.length);
        float[] audio = TestModels.random(32, 32 * 16 * 16, 0, 2);
        try (SessionPool mirror = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU)) {
            float[][] out = mirror.run(List.of(new float[][] {first, audio}, new float[][] {second, audio}));
            assertArrayEquals(java.util.Arrays.copyOfRange(first, 0, 3 * 320 * 320), out[0]);
            assertArrayEquals(java.util.Arrays.copyOfRange(second, 0, 3 * 320 * 320), out[1]);
        }
    }

    @Test
    void generationIsDeterministic() throws Exception {
        assertArrayEquals(ModelGenerator.audioEncoder().onnx(), Files.readAllBytes(TestModels.encoder()));
    }
}
