package io.lipflow.frames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures preparing one frame's generator input from the template JPEG against the job's cached path
 * (the 328 crop from keyed state), and the whole per-frame image work (input, composite, JPEG encode) from
 * the JPEG, from a decoded template held in memory, and the job's way (a JPEG spliced from the template's,
 * {@link PreparedTemplate}); prints what a prepared template holds. Run by hand (not part of the test suite):
 *
 * <pre>mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) io.lipflow.frames.PrepareBenchmark [noisy]</pre>
 */
public final class PrepareBenchmark {
    private static final int ROUNDS = 5;

    private PrepareBenchmark() {}

    /** With argument {@code noisy}, adds camera-like noise so the template JPEGs have a realistic size. */
    public static void main(String[] args) {
        boolean noisy = args.length > 0 && args[0].equals("noisy");
        java.util.Random random = new java.util.Random(5);
        int n = 20;
        byte[][] jpegs = new byte[n][];
        CropBox[] boxes = new CropBox[n];
        BgrImage[] decoded = new BgrImage[n];
        PreparedTemplate[] heap = new PreparedTemplate[n];
        for (int j = 0; j < n; j++) {
            BgrImage frame = DemoAvatar.frame(j);
            if (noisy) {
                byte[] px = frame.bgr();
                for (int i = 0; i < px.length; i++) {
                    px[i] = (byte) Math.max(0, Math.min(255, (px[i] & 0xff) + (int) Math.round(random.nextGaussian() * 6)));
                }
            }
            jpegs[j] = FrameEncoder.jpeg(frame);
            boxes[j] = CropBox.fromLandmarks(DemoAvatar.landmarks(j));
            decoded[j] = FrameEncoder.decode(jpegs[j]);
            heap[j] = PreparedTemplate.prepare(decoded[j], boxes[j], "jpg", FrameEncoder.DEFAULT_JPEG_QUALITY);
        }
        // as the job does: into a session's direct buffer
        FloatBuffer input = ByteBuffer.allocateDirect(FaceCrop.INPUT_SIZE * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] output = TestImages.mirror(FaceCrop.input(heap[0].crop()));
        System.out.printf(Locale.ROOT, "template JPEG %d KB, cached crop %d KB, prepared template %d KB (decoded frame %d KB)%n",
                jpegs[0].length / 1024, heap[0].crop().length / 1024, heap[0].bytes() / 1024, decoded[0].bgr().length / 1024);
        report("input from JPEG (decode, crop, resize, tensor)", n, j -> {
            FaceCrop.writeInput(FaceCrop.crop(FrameEncoder.decode(jpegs[j]), boxes[j]), input.clear());
        });
        report("input from the cached crop (tensor)", n, j -> FaceCrop.writeInput(heap[j].crop().clone(), input.clear()));
        report("frame end to end from JPEG (input, composite, encode)", n, j -> {
            BgrImage frame = FrameEncoder.decode(jpegs[j]);
            byte[] crop = FaceCrop.crop(frame, boxes[j]);
            FaceCrop.writeInput(crop, input.clear());
            FrameEncoder.jpeg(Compositor.composite(frame, boxes[j], crop, output, 0));
        });
        report("frame end to end from the caches (input, composite, encode)", n, j -> {
            FaceCrop.writeInput(heap[j].crop(), input.clear());
            FrameEncoder.jpeg(Compositor.composite(decoded[j], boxes[j], heap[j].crop(), output, 0));
        });
        report("the job's way: input, face patch, JPEG spliced from the template's", n, j -> {
            PreparedTemplate t = heap[j];
            FaceCrop.writeInput(t.crop(), input.clear());
            t.encode(t.patch(output, 0));
        });
    }

    private interface PerFrame {
        void run(int j);
    }

    private static void report(String what, int n, PerFrame work) {
        double[] msPerFrame = new double[ROUNDS];
        for (int round = -1; round < ROUNDS; round++) { // round -1 warms up
            long start = System.nanoTime();
            for (int j = 0; j < n; j++) {
                work.run(j);
            }
            if (round >= 0) {
                msPerFrame[round] = (System.nanoTime() - start) / 1e6 / n;
            }
        }
        Arrays.sort(msPerFrame);
        System.out.printf(Locale.ROOT, "%-64s median %7.3f ms/frame (min %.3f)%n", what, msPerFrame[ROUNDS / 2], msPerFrame[0]);
    }
}
