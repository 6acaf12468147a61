package io.lipflow.inference;

import io.lipflow.features.AudioContext;
import io.lipflow.features.MelWindow;
import io.lipflow.frames.FaceCrop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Scratch check: the same random batch through each model on the CPU and on CUDA; relative L2 and max abs difference. */
public final class GpuCheck {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        ModelGenerator.ensureGenerated(dir, System.out::println);
        check(dir.resolve(ModelGenerator.GENERATOR_FILE), ModelContract.Kind.GENERATOR, new int[] {FaceCrop.INPUT_SIZE, AudioContext.FRAME_INPUT}, new double[] {1, 2});
        check(dir.resolve(ModelGenerator.MIRROR_FILE), ModelContract.Kind.GENERATOR, new int[] {FaceCrop.INPUT_SIZE, AudioContext.FRAME_INPUT}, new double[] {1, 2});
        check(dir.resolve(ModelGenerator.ENCODER_FILE), ModelContract.Kind.AUDIO_ENCODER, new int[] {MelWindow.SIZE}, new double[] {8});
    }

    static void check(Path model, ModelContract.Kind kind, int[] sizes, double[] scale) throws Exception {
        for (int seed = 1; seed <= 2; seed++) {
            SplittableRandom r = new SplittableRandom(seed * 7919L);
            List<float[][]> batch = new ArrayList<>();
            for (int b = 0; b < 4; b++) {
                float[][] req = new float[sizes.length][];
                for (int i = 0; i < sizes.length; i++) {
                    req[i] = new float[sizes[i]];
                    for (int j = 0; j < sizes[i]; j++) req[i][j] = (float) (r.nextDouble() * scale[i]);
                }
                batch.add(req);
            }
            float[][] cpu, gpu;
            try (SessionPool p = new SessionPool(model, kind, 1, 4, Device.CPU)) { cpu = p.run(batch); }
            try (SessionPool p = new SessionPool(model, kind, 1, 1, Device.parse("cuda:0"))) { gpu = p.run(batch); }
            double num = 0, den = 0, max = 0; long nan = 0;
            for (int b = 0; b < cpu.length; b++) for (int j = 0; j < cpu[b].length; j++) {
                double d = gpu[b][j] - cpu[b][j];
                if (Double.isNaN(gpu[b][j])) nan++;
                num += d * d; den += (double) cpu[b][j] * cpu[b][j]; max = Math.max(max, Math.abs(d));
            }
            System.out.printf("check %s seed %d: %d outputs x %d, rel L2 %.3g, max abs %.3g, NaN %d%n", model.getFileName(), seed,
                    cpu.length, cpu[0].length, Math.sqrt(num / den), max, nan);
        }
    }
}
