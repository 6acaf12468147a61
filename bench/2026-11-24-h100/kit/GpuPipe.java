package io.lipflow.cli;

import io.lipflow.inference.Device;
import io.lipflow.job.JobSettings;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** Scratch: pipeline runs on the GPU with variations, and a sampling profile of runnable threads' top frames. */
public final class GpuPipe {
    public static void main(String[] a) throws Exception {
        Path home = Path.of(System.getProperty("lipflow.home"));
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
        Path work = Files.createTempDirectory("gpupipe");
        Device cuda = Device.parse("cuda:0");
        for (String spec : a) { // name:speakers:seconds:batch:sessions:parallelism:delay
            String[] p = spec.split(":");
            JobSettings s = (JobSettings) settings.invoke(null, models, avatar, cuda, "reference");
            s.maxBatch = Integer.parseInt(p[3]);
            s.sessions = Integer.parseInt(p[4]);
            s.maxBatchDelayMillis = Integer.parseInt(p[6]);
            Map<String, Integer> top = new HashMap<>();
            AtomicBoolean on = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (on.get()) {
                    for (var e : Thread.getAllStackTraces().entrySet()) {
                        StackTraceElement[] st = e.getValue();
                        if (e.getKey().getState() == Thread.State.RUNNABLE && st.length > 0) {
                            String frame = st[0].getClassName() + "." + st[0].getMethodName();
                            if (frame.contains("epollWait") || frame.contains("accept") || frame.contains("getAllStackTraces")
                                    || frame.contains("socketRead") || frame.contains("readBytes")) continue;
                            String own = "";
                            for (StackTraceElement f : st) if (f.getClassName().startsWith("io.lipflow")) { own = " <- " + f.getClassName().replace("io.lipflow.", "") + "." + f.getMethodName(); break; }
                            top.merge(frame + own, 1, Integer::sum);
                        }
                    }
                    try { Thread.sleep(100); } catch (InterruptedException x) { return; }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            Object r = pipeline.invoke(null, s, "reference", Integer.parseInt(p[5]), (PipelineBenchmark.Knob) (x, e) -> { },
                    Integer.parseInt(p[1]), Double.parseDouble(p[2]), work);
            on.set(false);
            System.out.println("RUN " + spec + " -> " + r);
            top.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(12)
                    .forEach(e -> System.out.println("   " + e.getValue() + "  " + e.getKey()));
        }
    }
}
