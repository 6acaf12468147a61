package io.lipflow.inference;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds an ONNX graph (opset 17) layer by layer with seeded weights.
 *
 * <p>Operators are written by their op_type string because the OnnxMl enum in tribuo-util-onnx has no
 * Conv or Relu. Every BatchNormalization is built in one of two ways: in <em>calibration</em> mode it
 * becomes an explicit normalisation by the statistics of the batch flowing through it, and those
 * statistics become extra graph outputs; in <em>inference</em> mode it is a plain BatchNormalization
 * node whose running mean and variance are the statistics a calibration run observed. Because every
 * normalisation in the calibration graph already uses its own batch statistics, one run yields exactly
 * the statistics that layer-by-layer calibration would give.
 */
final class GraphBuilder {
    static final float BN_EPSILON = 1e-5f;
    private static final String BATCH_DIM = "batch";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final SplittableRandom random;
    /** Inference mode: BN name to {mean, var}. Null in calibration mode. */
    private final Map<String, float[][]> bnStatistics;
    private final List<String> calibrationOutputs = new ArrayList<>();
    private long trainableParameters;
    private int nextId;

    private GraphBuilder(String name, long seed, Map<String, float[][]> bnStatistics) {
        graph.setName(name);
        this.random = new SplittableRandom(seed);
        this.bnStatistics = bnStatistics;
    }

    /** A builder whose BatchNormalization layers expose their batch statistics as outputs. */
    static GraphBuilder forCalibration(String name, long seed) {
        return new GraphBuilder(name, seed, null);
    }

    /** A builder whose BatchNormalization layers use the given running statistics. */
    static GraphBuilder forInference(String name, long seed, Map<String, float[][]> bnStatistics) {
        return new GraphBuilder(name, seed, bnStatistics);
    }

    /** Convolution weights plus biases plus BatchNorm scales and shifts (running statistics excluded). */
    long trainableParameters() {
        return trainableParameters;
    }

    /** Calibration mode: the output names carrying each BN's mean and variance, as (name.mean, name.var). */
    List<String> calibrationOutputs() {
        return calibrationOutputs;
    }

    String input(String name, int... perSampleShape) {
        graph.addInput(valueInfo(name, perSampleShape));
        return name;
    }

    void output(String name, String value, int... perSampleShape) {
        graph.addNode(node("Identity", List.of(value), name));
        graph.addOutput(valueInfo(name, perSampleShape));
    }

    /** Conv2d with He-uniform weights (variance gain / fan_in) and, optionally, a small bias. */
    String conv(String x, int in, int out, int kernel, int strideH, int strideW, int pad, int groups,
            boolean bias, double gain) {
        String name = fresh("conv");
        int fanIn = in / groups * kernel * kernel;
        double bound = Math.sqrt(3.0 * gain / fanIn);
        float[] weights = uniform(out * fanIn, bound);
        List<String> inputs = new ArrayList<>(List.of(x, initializer(name + ".weight", weights, out, in / groups, kernel, kernel)));
        if (bias) {
            inputs.add(initializer(name + ".bias", uniform(out, 0.1), out));
        }
        NodeProto.Builder n = node("Conv", inputs, name);
        n.addAttribute(ints("kernel_shape", kernel, kernel));
        n.addAttribute(ints("strides", strideH, strideW));
        n.addAttribute(ints("pads", pad, pad, pad, pad));
        n.addAttribute(ints("dilations", 1, 1));
        n.addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(groups));
        graph.addNode(n);
        return name;
    }

    /** Square-kernel, same-stride convenience for {@link #conv(String, int, int, int, int, int, int, int, boolean, double)}. */
    String conv(String x, int in, int out, int kernel, int stride, int pad, int groups, boolean bias) {
        return conv(x, in, out, kernel, stride, stride, pad, groups, bias, 2.0);
    }

    String batchNorm(String x, int channels) {
        String name = fresh("bn");
        float[] gamma = new float[channels];
        float[] beta = uniform(channels, 0.1);
        float[] jitter = uniform(channels, 0.1);
        for (int c = 0; c < channels; c++) {
            gamma[c] = 1f + jitter[c];
        }
        if (bnStatistics == null) {
            return calibratingNorm(name, x, gamma, beta);
        }
        float[][] stats = bnStatistics.get(name);
        if (stats == null) {
            throw new IllegalStateException("no calibration statistics for " + name);
        }
        String scale = initializer(name + ".weight", gamma, channels);
        String shift = initializer(name + ".bias", beta, channels);
        String mean = initializerUncounted(name + ".running_mean", stats[0], channels);
        String var = initializerUncounted(name + ".running_var", stats[1], channels);
        NodeProto.Builder n = node("BatchNormalization", List.of(x, scale, shift, mean, var), name);
        n.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(BN_EPSILON));
        graph.addNode(n);
        return name;
    }

    /** (x - mean) / sqrt(var + eps) * gamma + beta over the batch's own per-channel statistics. */
    private String calibratingNorm(String name, String x, float[] gamma, float[] beta) {
        int c = gamma.length;
        String mean = name + ".mean";
        graph.addNode(node("ReduceMean", List.of(x), mean).addAttribute(ints("axes", 0, 2, 3)));
        String centered = op("Sub", name + ".centered", x, mean);
        String squared = op("Mul", name + ".squared", centered, centered);
        String var = name + ".var";
        graph.addNode(node("ReduceMean", List.of(squared), var).addAttribute(ints("axes", 0, 2, 3)));
        String eps = initializerUncounted(name + ".eps", new float[] {BN_EPSILON});
        String std = op("Sqrt", name + ".std", op("Add", name + ".vareps", var, eps));
        String normalized = op("Div", name + ".normalized", centered, std);
        String scaled = op("Mul", name + ".scaled", normalized, initializer(name + ".weight", gamma, c, 1, 1));
        String out = op("Add", name, scaled, initializer(name + ".bias", beta, c, 1, 1));
        for (String stat : List.of(mean, var)) {
            graph.addOutput(ValueInfoProto.newBuilder().setName(stat).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
            calibrationOutputs.add(stat);
        }
        return out;
    }

    String relu(String x) {
        return op("Relu", fresh("relu"), x);
    }

    String add(String a, String b) {
        return op("Add", fresh("add"), a, b);
    }

    String sigmoid(String x) {
        return op("Sigmoid", fresh("sigmoid"), x);
    }

    String concat(String... xs) {
        String name = fresh("concat");
        graph.addNode(node("Concat", List.of(xs), name).addAttribute(
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)));
        return name;
    }

    String flatten(String x) {
        return op("Flatten", fresh("flatten"), x);
    }

    /** Bilinear x2 upsampling with align_corners = true, as torch's F.interpolate(..., align_corners=True). */
    String upsample2x(String x) {
        String name = fresh("up");
        String scales = initializerUncounted(name + ".scales", new float[] {1f, 1f, 2f, 2f});
        NodeProto.Builder n = node("Resize", List.of(x, "", scales), name);
        n.addAttribute(string("mode", "linear"));
        n.addAttribute(string("coordinate_transformation_mode", "align_corners"));
        graph.addNode(n);
        return name;
    }

    /** Channels [from, to) of an NCHW tensor. */
    String channels(String x, int from, int to) {
        String name = fresh("slice");
        graph.addNode(node("Slice", List.of(x, longs(name + ".starts", from), longs(name + ".ends", to),
                longs(name + ".axes", 1)), name));
        return name;
    }

    ModelProto model() {
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("lipflow")
                .setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
    }

    private String op(String type, String name, String... inputs) {
        graph.addNode(node(type, List.of(inputs), name));
        return name;
    }

    private NodeProto.Builder node(String type, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(type).setName(output).addAllInput(inputs).addOutput(output);
    }

    private String fresh(String kind) {
        return kind + (nextId++);
    }

    private float[] uniform(int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private String initializer(String name, float[] values, long... dims) {
        trainableParameters += values.length;
        return initializerUncounted(name, values, dims);
    }

    private String initializerUncounted(String name, float[] values, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : dims.length == 0 ? new long[] {values.length} : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private String longs(String name, long value) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1).setRawData(ByteString.copyFrom(bytes.array())));
        return name;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    private static ValueInfoProto valueInfo(String name, int... perSampleShape) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIM));
        for (int d : perSampleShape) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
