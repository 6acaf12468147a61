package io.lipflow.cli;

import io.lipflow.testing.TestClusters;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.lipflow.inference.ModelGenerator;
import io.lipflow.job.JobEnvironment;
import io.lipflow.job.JobFixtures;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generator that fits the contract and loads, but fails on every run: the job fails (no restarts on
 * the test cluster), and the run command turns the failure into one line naming the model.
 */
class ModelFailureTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    @TempDir
    Path tmp;

    @Test
    void aModelFailingAtRunTimeFailsTheJobWithOneLineNamingIt() throws Exception {
        JobFixtures.speechWav(tmp.resolve("in/anna/hello.wav"), 0.5, 1);
        Path generator = Files.write(tmp.resolve("failing.onnx"), failingGenerator());
        JobSpec spec = JobSpec.parse(new Args(List.of("--audio", tmp.resolve("in").toString(),
                "--avatar", JobFixtures.avatar(tmp.resolve("demo")).toString(), "--generator", generator.toString(),
                "--encoder", JobFixtures.encoder().toString(), "--out", tmp.resolve("out").toString())));
        var conf = JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        JobLauncher.assemble(env, spec);

        Exception failed = assertThrows(Exception.class, () -> env.execute("failing model"));
        UserError error = JobLauncher.modelFailure(failed).orElseThrow(() -> new AssertionError("not a model failure", failed));
        assertTrue(error.getMessage().startsWith("the job failed after " + JobEnvironment.LOCAL_RESTARTS
                + " restarts: failing.onnx: the generator failed: "), error.getMessage());
        assertTrue(error.getMessage().contains("Reshape node"), error.getMessage());
    }

    /**
     * The mirror generator with its output reshaped to a last dimension of 1000 + max(audio): the shape
     * depends on the data, so the model loads and its output fits the contract, but no run succeeds.
     */
    private static byte[] failingGenerator() throws Exception {
        ModelProto mirror = ModelProto.parseFrom(ModelGenerator.mirrorGenerator().onnx());
        GraphProto.Builder g = mirror.getGraph().toBuilder();
        int out = -1;
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("Identity")) {
                out = i;
            }
        }
        NodeProto identity = g.getNode(out);
        g.addInitializer(longs("head", -1, 3, 320)).addInitializer(longs("one", 1)).addInitializer(longs("thousand", 1000));
        g.addNode(node("ReduceMax", "max", "audio").addAttribute(intAttribute("keepdims", 0)));
        g.addNode(node("Cast", "max_int", "max").addAttribute(intAttribute("to", TensorProto.DataType.INT64_VALUE)));
        g.addNode(node("Reshape", "max_1", "max_int", "one"));
        g.addNode(node("Add", "width", "max_1", "thousand"));
        g.addNode(node("Concat", "shape", "head", "width").addAttribute(intAttribute("axis", 0)));
        g.addNode(node("Reshape", "reshaped", identity.getInput(0), "shape"));
        g.setNode(out, identity.toBuilder().setInput(0, "reshaped"));
        return mirror.toBuilder().setGraph(g).build().toByteArray();
    }

    private static NodeProto.Builder node(String type, String output, String... inputs) {
        return NodeProto.newBuilder().setOpType(type).setName(output).addAllInput(List.of(inputs)).addOutput(output);
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static TensorProto longs(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(Long.BYTES * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length)
                .setRawData(ByteString.copyFrom(b.array())).build();
    }
}
