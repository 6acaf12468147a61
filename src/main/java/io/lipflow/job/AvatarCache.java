package io.lipflow.job;

import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.PreparedAvatar;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared avatars (decoded template frames and crops), shared by every operator in a TaskManager
 * JVM: avatars are read-only, and decoding a template JPEG per output frame would cost more than the
 * rest of the compositing. Least recently used avatars are dropped beyond a bound.
 */
public final class AvatarCache {
    private static final int MAX_AVATARS = 8;
    private static final Map<String, PreparedAvatar> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedAvatar> eldest) {
            return size() > MAX_AVATARS;
        }
    };

    private AvatarCache() {}

    /**
     * Prepares the avatars named in the settings now, so that a speaker's first frames do not wait for
     * them (about half a second each); one that fails is left for first use, which dead-letters it.
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

    /** The prepared avatar {@code id}, loading it on first use. */
    public static PreparedAvatar get(JobSettings settings, String id) throws AvatarException {
        AvatarStore.checkId(id);
        String dir = settings.avatarDir(id);
        if (dir == null) {
            throw new AvatarException("unknown avatar '" + id + "' (no avatar store or --avatar for it)");
        }
        synchronized (CACHE) {
            PreparedAvatar cached = CACHE.get(dir);
            if (cached != null) {
                return cached;
            }
        }
        // prepared outside the lock: another avatar's first use need not wait for this one
        PreparedAvatar prepared;
        try {
            prepared = PreparedAvatar.prepare(Avatar.open(Path.of(dir)), done -> { });
        } catch (RuntimeException e) { // a broken avatar of any kind is that avatar's error, not the job's
            throw new AvatarException("avatar '" + id + "' cannot be prepared: " + e, e);
        }
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(dir, k -> prepared);
        }
    }
}
