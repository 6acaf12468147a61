package io.lipflow.job;

import io.lipflow.inference.Device;
import io.lipflow.inference.ModelException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything the job's operators need to know, fixed when the job is built: where models and avatars
 * are, how inference batches, and how frames are encoded.
 */
public final class JobSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Generator ONNX file (the full UNet, or the mirror). */
    public String generator;
    /** Audio encoder ONNX file. */
    public String encoder;
    /** Avatar store root: avatar id -> {@code <store>/<id>}. */
    public String avatarStore;
    /** Avatars by id outside the store (store avatars or SyncTalk_2D dataset directories). */
    public Map<String, String> avatarDirs = new HashMap<>();
    /** "cpu", "cuda" or "cuda:N", a CUDA one with its provider options: {@link Device#toString()}. */
    public String device = "cpu";
    /**
     * ONNX Runtime sessions per model in each TaskManager process, shared by its slots; 0: one per core
     * (divided by {@link #intraOpThreads}) on the CPU, {@value #GPU_SESSIONS} on a GPU.
     */
    public int sessions = 0;
    /** Intra-op threads per session. */
    public int intraOpThreads = 1;
    /**
     * Largest generator batch; 0: 1 on the CPU (where batching only slows the generator down) and
     * {@value #GPU_BATCH} on a GPU.
     */
    public int maxBatch = 0;
    /** Longest a generator (or audio encoder) request waits for its batch to fill. */
    public int maxBatchDelayMillis = 5;
    /** In-flight mel windows per audio encoder instance (small: the encoder batches across speakers). */
    public int encoderCapacity = 64;
    /**
     * In-flight frames per generator instance; 0: eight batches ({@link #maxBatch}), or two per session if
     * that is more (sessions as counted where the job is built), so 8 on a small CPU. A frame holds a crop,
     * and then a face until it is composited (1.5 MB): more than the sessions need keeps them alive long
     * enough for the garbage collector to copy and promote them, and adds latency.
     */
    public int generatorCapacity = 0;
    public int asyncTimeoutSeconds = 300;
    /** "jpg" or "png". */
    public String format = "jpg";
    public int jpegQuality = 95;
    /** Longest utterance accepted; longer ones are dead-lettered. */
    public double maxUtteranceSeconds = 600;
    /**
     * Most audio one speaker's open utterance may hold in state (4 bytes a sample at the source rate, so
     * a high-rate source cannot fill memory within the length cap); beyond it the utterance is dead-lettered.
     */
    public long maxBufferedBytes = 256L << 20;
    /**
     * An open utterance that gets no chunk for this long is ended with the audio it has (and
     * dead-lettered): its producer is gone, and its state would otherwise stay forever.
     */
    public double utteranceTimeoutSeconds = 60;
    /**
     * Most prepared avatars each TaskManager keeps ({@link AvatarCache}), in MiB; 0: half its heap. A
     * 1280x720 template holds ~0.8 MB for JPEG output, so a 250-frame avatar ~200 MB (~750 MB for PNG).
     * The cache is per job in each TaskManager (a session cluster's jobs load LipFlow's classes apart), so
     * the budgets of jobs sharing a TaskManager add up.
     */
    public int avatarCacheMegabytes = 0;

    // The raw generator on an H100 at batch 16-32: 1 session 493-546 frames/s, 2 sessions 914-983, 4 sessions
    // 1050-1112; on an H200 4 x 16 1231, 4 x 8 1158. In the pipeline (32 speakers, 16 slots, H200), when each
    // slot still padded its own batches: 4 x 16 645 frames/s, 8 x 16 728, 8 x 8 718, 4 x 4 878, 4 x 8 954.
    // Batches now fill from every slot (SharedBatchers) and a session's next batch is staged while it runs,
    // neither measured on a GPU yet: 16 may now do better.
    static final int GPU_SESSIONS = 4;
    static final int GPU_BATCH = 8;

    /** The sessions per model for this process on {@code device}. */
    public int sessions(Device device) {
        if (sessions > 0) {
            return sessions;
        }
        return device.isCuda() ? GPU_SESSIONS : Math.max(1, Runtime.getRuntime().availableProcessors() / intraOpThreads);
    }

    /** The largest generator batch on {@code device}. */
    public int maxBatch(Device device) {
        return maxBatch > 0 ? maxBatch : device.isCuda() ? GPU_BATCH : 1;
    }

    /** In-flight frames per generator instance (a bad device string is the operators' to report). */
    int generatorCapacity() {
        if (generatorCapacity > 0) {
            return generatorCapacity;
        }
        Device d;
        try {
            d = Device.parse(device);
        } catch (ModelException e) {
            d = Device.CPU;
        }
        return Math.max(8, 2 * sessions(d)) * maxBatch(d);
    }

    /** The avatar cache's budget in this process, in bytes. */
    long avatarCacheBytes() {
        return avatarCacheMegabytes > 0 ? (long) avatarCacheMegabytes << 20 : Runtime.getRuntime().maxMemory() / 2;
    }

    /** Directory of avatar {@code id}. */
    public String avatarDir(String id) {
        String dir = avatarDirs.get(id);
        if (dir != null) {
            return dir;
        }
        return avatarStore == null ? null : avatarStore + "/" + id;
    }
}
