package io.lipflow.job;

import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.PreparedAvatar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared avatars (template crops and what encoding a frame needs), shared by every operator in a TaskManager
 * JVM: avatars are read-only, and decoding a template JPEG per output frame would cost more than the
 * rest of the compositing. The cache holds at most {@link JobSettings#avatarCacheMegabytes}
 * (a count would not do: one avatar may hold 10 MB, another 1 GB): least recently used avatars are
 * dropped beyond it, never the one just prepared.
 */
public final class AvatarCache {
    private static final Logger LOG = LoggerFactory.getLogger(AvatarCache.class);
    // access order: iteration starts at the least recently used
    private static final Map<String, PreparedAvatar> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long cachedBytes; // guarded by CACHE
    private static long drops; // guarded by CACHE

    private AvatarCache() {}

    /**
     * Prepares the avatars named in the settings now, so that a speaker's first frames do not wait for
     * them (3-10 ms a template); one that fails is left for first use, which dead-letters it.
     */
    public static void preload(JobSettings settings) {
        for (String id : settings.avatarDirs.keySet()) {
            try {
                get(settings, id);
            } catch (AvatarException e) {
                // reported with the speaker's utterance when it is used
            }
        }
    }

    /** Bytes of prepared avatars this process holds now. */
    public static long bytes() {
        synchronized (CACHE) {
            return cachedBytes;
        }
    }

    /** Avatars this process has dropped to stay within its budget: one that keeps rising wants a larger one. */
    public static long drops() {
        synchronized (CACHE) {
            return drops;
        }
    }

    /** The prepared avatar {@code id}, loading it on first use. */
    public static PreparedAvatar get(JobSettings settings, String id) throws AvatarException {
        AvatarStore.checkId(id);
        String dir = settings.avatarDir(id);
        if (dir == null) {
            throw new AvatarException("unknown avatar '" + id + "' (no avatar store or --avatar for it)");
        }
        // prepared for the job's output format: jobs of a session cluster may differ
        String key = dir + " as " + settings.format + " " + settings.jpegQuality;
        synchronized (CACHE) {
            PreparedAvatar cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
        }
        // prepared outside the lock: another avatar's first use need not wait for this one
        PreparedAvatar prepared;
        try {
            prepared = PreparedAvatar.prepare(Avatar.open(Path.of(dir)), settings.format, settings.jpegQuality, done -> { });
        } catch (RuntimeException e) { // a broken avatar of any kind is that avatar's error, not the job's
            throw new AvatarException("avatar '" + id + "' cannot be prepared: " + e, e);
        }
        synchronized (CACHE) {
            PreparedAvatar cached = CACHE.putIfAbsent(key, prepared);
            if (cached != null) { // prepared twice at once: the other copy is the one in use
                return cached;
            }
            cachedBytes += prepared.bytes();
            dropBeyond(settings.avatarCacheBytes(), id);
            return prepared;
        }
    }

    /** Drops least recently used avatars while the cache holds more than {@code budget} bytes. */
    private static void dropBeyond(long budget, String newest) {
        Iterator<Map.Entry<String, PreparedAvatar>> eldestFirst = CACHE.entrySet().iterator();
        while (cachedBytes > budget && CACHE.size() > 1) {
            Map.Entry<String, PreparedAvatar> eldest = eldestFirst.next();
            eldestFirst.remove();
            cachedBytes -= eldest.getValue().bytes();
            drops++;
            // each drop costs a preparation (3-10 ms a template) on the avatar's next use: say so, loudly
            LOG.warn("avatar cache: dropped {} ({} MiB) to make room for avatar '{}' within {} MiB; a TaskManager that"
                            + " keeps dropping avatars needs more --avatar-cache-mb (and heap) or fewer avatars per TaskManager",
                    eldest.getKey(), eldest.getValue().bytes() >> 20, newest, budget >> 20);
        }
        if (cachedBytes > budget) {
            LOG.warn("avatar cache: avatar '{}' alone holds {} MiB, more than the cache's {} MiB", newest,
                    cachedBytes >> 20, budget >> 20);
        }
    }
}
