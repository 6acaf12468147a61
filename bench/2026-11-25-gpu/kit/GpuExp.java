package io.lipflow.cli;

import io.lipflow.inference.Device;
import io.lipflow.job.JobSettings;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scratch (replaces 2026-11-24's GpuPipe): the raw generator in a given configuration, then whole pipelines with
 * chosen settings; with -Dsample=true, a sampled profile of runnable threads' top frames per pipeline run.
 * -Dlipflow.device picks the device with its CUDA provider options (default cuda:0), as --device and
 * --cuda-options do: "cuda:0;prefer_nhwc=1".
 */
public final class GpuExp {
    public static void main(String[] a) throws Exception {
        Path home = Path.of(System.getProperty("lipflow.home"));
        Device cuda = Device.parse(System.getProperty("lipflow.device", "cuda:0"));
        System.out.println("EXP device: " + cuda);
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
                    Map<String, Integer> top = new HashMap<>();
                    AtomicBoolean on = new AtomicBoolean(Boolean.getBoolean("sample"));
                    Map<Long, String> names = new java.util.concurrent.ConcurrentHashMap<>();
                    Map<Long, Long> cpu = new java.util.concurrent.ConcurrentHashMap<>();
                    AtomicBoolean counting = new AtomicBoolean(Boolean.getBoolean("threads"));
                    Thread counter = new Thread(() -> threadCpu(names, cpu, counting));
                    counter.setDaemon(true);
                    counter.start();
                    Thread sampler = new Thread(() -> sample(top, on));
                    sampler.setDaemon(true);
                    sampler.start();
                    Object r = pipeline.invoke(null, s, p[0], par, (PipelineBenchmark.Knob) (x, e) -> { },
                            Integer.parseInt(p[1]), Double.parseDouble(p[2]), work);
                    on.set(false);
                    counting.set(false);
                    counter.join();
                    System.out.println("EXP " + spec + " -> " + r);
                    printThreadCpu(names, cpu, (Long) r.getClass().getMethod("frames").invoke(r));
                    top.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(12)
                            .forEach(e -> System.out.println("   " + e.getValue() + "  " + e.getKey()));
                }
            } catch (Throwable e) {
                Throwable c = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
                System.out.println("EXP " + spec + " FAILED: " + c);
            }
            System.out.printf("EXP %s took %.1f s%n", spec, (System.nanoTime() - t0) / 1e9);
        }
        System.exit(0);
    }

    /** Every 50 ms (and once more at the end), each live thread's CPU time so far, by thread id. */
    private static void threadCpu(Map<Long, String> names, Map<Long, Long> cpu, AtomicBoolean on) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean last = !on.get();
        while (!last) {
            last = !on.get();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long ns = mx.getThreadCpuTime(t.getId());
                if (ns > 0) {
                    names.put(t.getId(), t.getName());
                    cpu.merge(t.getId(), ns, Math::max);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException x) {
                return;
            }
        }
    }

    /** CPU per frame of each thread group (names without their numbers), and of its busiest thread. */
    private static void printThreadCpu(Map<Long, String> names, Map<Long, Long> cpu, long frames) {
        if (cpu.isEmpty()) {
            return;
        }
        Map<String, long[]> groups = new java.util.TreeMap<>(); // total ns, busiest thread ns, threads
        cpu.forEach((id, ns) -> {
            String g = names.get(id).replaceAll("\\(\\d+/\\d+\\)#\\d+", "").replaceAll("[-#]?\\d+", "").trim();
            long[] a = groups.computeIfAbsent(g, k -> new long[3]);
            a[0] += ns;
            a[1] = Math.max(a[1], ns);
            a[2]++;
        });
        groups.entrySet().stream().filter(e -> e.getValue()[0] / 1e6 / frames >= 0.05)
                .sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> System.out.printf("   cpu %6.2f ms/frame (busiest thread %5.2f, %d threads)  %s%n",
                        e.getValue()[0] / 1e6 / frames, e.getValue()[1] / 1e6 / frames, e.getValue()[2], e.getKey()));
    }

    /** Every 100 ms, counts each runnable thread's top frame and the first LipFlow frame under it. */
    private static void sample(Map<String, Integer> top, AtomicBoolean on) {
        while (on.get()) {
            for (var e : Thread.getAllStackTraces().entrySet()) {
                StackTraceElement[] st = e.getValue();
                if (e.getKey().getState() != Thread.State.RUNNABLE || st.length == 0) {
                    continue;
                }
                String frame = st[0].getClassName() + "." + st[0].getMethodName();
                if (frame.contains("epollWait") || frame.contains("accept") || frame.contains("getAllStackTraces")
                        || frame.contains("socketRead") || frame.contains("readBytes")) {
                    continue;
                }
                String own = "";
                for (StackTraceElement f : st) {
                    if (f.getClassName().startsWith("io.lipflow")) {
                        own = " <- " + f.getClassName().replace("io.lipflow.", "") + "." + f.getMethodName();
                        break;
                    }
                }
                top.merge(frame + own, 1, Integer::sum);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException x) {
                return;
            }
        }
    }
}
