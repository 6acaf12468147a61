package io.lipflow.cli;

import io.lipflow.inference.Device;
import io.lipflow.job.JobSettings;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch: raw generator at the job's GPU config, then pipelines, under the CUDA options in -Dlipflow.cudaOptions. */
public final class GpuExp {
    public static void main(String[] a) throws Exception {
        Path home = Path.of(System.getProperty("lipflow.home"));
        System.out.println("EXP options: " + System.getProperty("lipflow.cudaOptions"));
        Method m = PipelineBenchmark.class.getDeclaredMethod("models", Path.class, java.io.PrintStream.class);
        m.setAccessible(true);
        Path models = (Path) m.invoke(null, home, System.out);
        Method av = PipelineBenchmark.class.getDeclaredMethod("avatar", Path.class);
        av.setAccessible(true);
        Path avatar = (Path) av.invoke(null, home);
        Method settings = PipelineBenchmark.class.getDeclaredMethod("settings", Path.class, Path.class, Device.class, String.class);
        settings.setAccessible(true);
        Method pipeline = PipelineBenchmark.class.getDeclaredMethod("pipeline", JobSettings.class, String.class, int.class,
                PipelineBenchmark.Knob.class, int.class, double.class, Path.class);
        pipeline.setAccessible(true);
        Path work = Files.createTempDirectory("gpuexp");
        Device cuda = Device.parse("cuda:0");
        for (String spec : a) { // raw:batch:sessions:seconds  or  model:speakers:seconds
            String[] p = spec.split(":");
            long t0 = System.nanoTime();
            try {
                if (p[0].equals("raw")) {
                    ModelBenchmark.Result r = ModelBenchmark.again(models, cuda,
                            new ModelBenchmark.Result(Integer.parseInt(p[1]), Integer.parseInt(p[2]), 1, Double.NaN), Integer.parseInt(p[3]));
                    System.out.println("EXP " + spec + " -> " + r.describe("frames/s"));
                } else {
                    JobSettings s = (JobSettings) settings.invoke(null, models, avatar, cuda, p[0]);
                    int par = p.length > 3 ? Integer.parseInt(p[3]) : 16;
                    if (p.length > 4) s.maxBatchDelayMillis = Integer.parseInt(p[4]);
                    if (p.length > 5) s.generatorCapacity = Integer.parseInt(p[5]);
                    if (p.length > 6) s.sessions = Integer.parseInt(p[6]);
                    if (p.length > 7) s.maxBatch = Integer.parseInt(p[7]);
                    Object r = pipeline.invoke(null, s, p[0], par, (PipelineBenchmark.Knob) (x, e) -> { },
                            Integer.parseInt(p[1]), Double.parseDouble(p[2]), work);
                    System.out.println("EXP " + spec + " -> " + r);
                }
            } catch (Throwable e) {
                Throwable c = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
                System.out.println("EXP " + spec + " FAILED: " + c);
            }
            System.out.printf("EXP %s took %.1f s%n", spec, (System.nanoTime() - t0) / 1e9);
        }
        System.exit(0);
    }
}
