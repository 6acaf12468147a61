package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelContractTest {
    @TempDir
    Path tmp;

    /** Writes a copy of {@code source} edited by {@code edit}. */
    private Path edited(Path source, String fileName, Consumer<ModelProto.Builder> edit) throws Exception {
        ModelProto.Builder model = ModelProto.parseFrom(Files.readAllBytes(source)).toBuilder();
        edit.accept(model);
        Path out = tmp.resolve(fileName);
        Files.write(out, model.build().toByteArray());
        return out;
    }

    /** Renames a graph input or output and every use of it. */
    private static void rename(ModelProto.Builder model, String from, String to) {
        for (ValueInfoProto.Builder v : model.getGraphBuilder().getInputBuilderList()) {
            if (v.getName().equals(from)) {
                v.setName(to);
            }
        }
        for (ValueInfoProto.Builder v : model.getGraphBuilder().getOutputBuilderList()) {
            if (v.getName().equals(from)) {
                v.setName(to);
            }
        }
        for (NodeProto.Builder n : model.getGraphBuilder().getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).equals(from)) {
                    n.setInput(i, to);
                }
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                if (n.getOutput(i).equals(from)) {
                    n.setOutput(i, to);
                }
            }
        }
    }

    private static void setShape(ValueInfoProto.Builder v, long... dims) {
        TensorShapeProto.Builder shape = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().clearDim();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
    }

    private static ModelContract load(Path model, ModelContract.Kind kind) throws Exception {
        try (SessionPool pool = new SessionPool(model, kind, 1, 1, Device.CPU)) {
            return pool.contract();
        }
    }

    @Test
    void generatorNamedImageIsAccepted() throws Exception {
        Path model = edited(TestModels.mirror(), "image.onnx", m -> rename(m, "input", "image"));
        ModelContract contract = load(model, ModelContract.Kind.GENERATOR);
        assertEquals(List.of("image", "audio"), contract.inputNames());
        assertEquals("output", contract.outputName());
    }

    @Test
    void unknownNamesAreMatchedByShapeAndInputOrderDoesNotMatter() throws Exception {
        Path model = edited(TestModels.mirror(), "renamed.onnx", m -> {
            rename(m, "input", "face_pair");
            rename(m, "audio", "speech");
            rename(m, "output", "generated");
            var inputs = m.getGraphBuilder();
            ValueInfoProto first = inputs.getInput(0);
            inputs.setInput(0, inputs.getInput(1)).setInput(1, first);
        });
        ModelContract contract = load(model, ModelContract.Kind.GENERATOR);
        assertEquals(List.of("face_pair", "speech"), contract.inputNames());
        assertEquals("generated", contract.outputName());
    }

    @Test
    void encoderNamingVariantsAreAccepted() throws Exception {
        String[][] variants = {{"mel_input", "features"}, {"mel_spectrogram", "audio_features"}};
        for (String[] names : variants) {
            Path model = edited(TestModels.encoder(), names[0] + ".onnx", m -> {
                rename(m, "mel", names[0]);
                rename(m, "emb", names[1]);
            });
            ModelContract contract = load(model, ModelContract.Kind.AUDIO_ENCODER);
            assertEquals(List.of(names[0]), contract.inputNames());
            assertEquals(names[1], contract.outputName());
            assertEquals(1280, contract.inputSize(0));
            assertEquals(512, contract.outputSize());
        }
    }

    @Test
    void wrongShapedModelIsRefusedSayingWhatWasExpectedAndFound() throws Exception {
        Path model = edited(TestModels.mirror(), "generator.onnx", m -> {
            rename(m, "input", "image");
            rename(m, "audio", "aud");
            setShape(m.getGraphBuilder().getInputBuilder(0), 1, 6, 320, 320);
            setShape(m.getGraphBuilder().getInputBuilder(1), 1, 512);
        });
        ModelException e = assertThrows(ModelException.class, () -> load(model, ModelContract.Kind.GENERATOR));
        assertEquals("generator.onnx: expected an input of shape (B,32,16,16) named 'audio', "
                + "found inputs: image float[1,6,320,320], aud float[1,512]", e.getMessage());
    }

    @Test
    void encoderGivenAsGeneratorIsRefused() {
        ModelException e = assertThrows(ModelException.class, () -> load(TestModels.encoder(), ModelContract.Kind.GENERATOR));
        assertEquals("audio_encoder.onnx: expected an input of shape (B,6,320,320) named 'input' or 'image', "
                + "found inputs: mel float[batch,1,80,16]", e.getMessage());
    }

    @Test
    void disagreeingFixedBatchSizesAreRefused() throws Exception {
        Path model = edited(TestModels.mirror(), "mixed.onnx", m -> {
            setShape(m.getGraphBuilder().getInputBuilder(0), 2, 6, 320, 320);
            setShape(m.getGraphBuilder().getInputBuilder(1), 4, 32, 16, 16);
        });
        ModelException e = assertThrows(ModelException.class, () -> load(model, ModelContract.Kind.GENERATOR));
        assertTrue(e.getMessage().startsWith("mixed.onnx: fixed batch sizes disagree (2 and 4)"), e.getMessage());
    }

    @Test
    void devicesParse() throws Exception {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(0, Device.parse("cuda").cudaIndex());
        assertEquals(3, Device.parse("cuda:3").cudaIndex());
        ModelException e = assertThrows(ModelException.class, () -> Device.parse("gpu"));
        assertEquals("unknown device 'gpu': use cpu, cuda or cuda:N", e.getMessage());
        assertThrows(ModelException.class, () -> Device.parse("cuda:-1"));
    }

    @Test
    void cudaProviderOptionsTravelInTheDevicesText() throws Exception {
        Device d = Device.parse("cuda:1;prefer_nhwc=1;gpu_mem_limit=17179869184");
        assertEquals(1, d.cudaIndex());
        assertEquals(Map.of("prefer_nhwc", "1", "gpu_mem_limit", "17179869184"), d.cudaOptions());
        // written in name order, so that one configuration is one shared batcher's key
        assertEquals("cuda:1;gpu_mem_limit=17179869184;prefer_nhwc=1", d.toString());
        assertEquals(d, Device.parse(d.toString()));
        assertEquals(d, Device.parse("cuda:1").withCudaOptions("gpu_mem_limit=17179869184;prefer_nhwc=1"));
        assertNotEquals(d, Device.parse("cuda:1"));
        assertEquals("cuda:0", Device.parse("cuda").toString());

        ModelException e = assertThrows(ModelException.class, () -> Device.CPU.withCudaOptions("prefer_nhwc=1"));
        assertEquals("CUDA provider options 'prefer_nhwc=1' need a CUDA device, not cpu", e.getMessage());
        assertThrows(ModelException.class, () -> Device.parse("cpu;prefer_nhwc=1"));
        for (String bad : List.of("prefer_nhwc", "prefer_nhwc=", "=1", "Prefer=1", "a=1;a=2", "")) {
            e = assertThrows(ModelException.class, () -> Device.parse("cuda").withCudaOptions(bad), bad);
            assertTrue(e.getMessage().startsWith("CUDA provider option '") && e.getMessage().contains("name=value"), e.getMessage());
        }
        e = assertThrows(ModelException.class, () -> Device.parse("cuda:0;device_id=1"));
        assertEquals("CUDA provider option 'device_id=1' in 'cuda:0;device_id=1': give the GPU as cuda:N", e.getMessage());
    }

    @Test
    void cudaWithoutTheGpuBuildSaysHowToGetIt() {
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "this build has CUDA");
        ModelException e = assertThrows(ModelException.class,
                () -> new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.parse("cuda:0")));
        assertTrue(e.getMessage().contains("-Pcuda") && e.getMessage().contains("CUDA 12"), e.getMessage());
    }
}
