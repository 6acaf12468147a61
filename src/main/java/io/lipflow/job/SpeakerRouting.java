package io.lipflow.job;

import io.lipflow.frames.AvatarStore;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Who speaks in a file and with which avatar. A WAV directly in the input directory (or given as the
 * single input file) is speaker = utterance = its name without extension; a WAV in a sub-directory
 * belongs to the speaker named by that sub-directory. Speakers map to avatar ids through a manifest
 * ({@code speaker=avatarId} lines) and otherwise to the default avatar.
 */
public final class SpeakerRouting implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> avatarBySpeaker;
    private final String defaultAvatar;

    public SpeakerRouting(Map<String, String> avatarBySpeaker, String defaultAvatar) {
        this.avatarBySpeaker = new HashMap<>(avatarBySpeaker);
        this.defaultAvatar = defaultAvatar;
    }

    /**
     * Reads a manifest of {@code speaker=avatarId} lines ({@code #} comments allowed).
     *
     * @throws IllegalArgumentException if a speaker or avatar id is not a safe file name
     */
    public static SpeakerRouting fromManifest(Path manifest, String defaultAvatar) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(manifest)) {
            p.load(r);
        }
        Map<String, String> map = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            String speaker = key.trim();
            String avatar = p.getProperty(key).trim();
            if (!AvatarStore.isSafeName(speaker) || !AvatarStore.isSafeName(avatar)) {
                throw new IllegalArgumentException("'" + speaker + "=" + avatar + "': speaker and avatar ids must be 1-64 "
                        + "letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            map.put(speaker, avatar);
        }
        return new SpeakerRouting(map, defaultAvatar);
    }

    /** The avatar of a speaker, or the default (null when there is none). */
    public String avatarOf(String speaker) {
        return avatarBySpeaker.getOrDefault(speaker, defaultAvatar);
    }

    /** Speaker id of the WAV at {@code path}: its parent directory's name unless that is the input root. */
    public static String speakerOf(String path, String inputRoot) {
        String parent = parentName(path);
        return parent == null || isRoot(path, inputRoot) ? utteranceOf(path) : parent;
    }

    /** Utterance id of the WAV at {@code path}: its file name without extension. */
    public static String utteranceOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String parentName(String path) {
        int slash = path.lastIndexOf('/');
        if (slash <= 0) {
            return null;
        }
        String dir = path.substring(0, slash);
        return dir.substring(dir.lastIndexOf('/') + 1);
    }

    private static boolean isRoot(String path, String inputRoot) {
        String dir = path.substring(0, Math.max(0, path.lastIndexOf('/')));
        return inputRoot == null || strip(dir).equals(strip(inputRoot)) || strip(path).equals(strip(inputRoot));
    }

    private static String strip(String p) {
        String s = p.replaceFirst("^file:", "").replaceAll("/+", "/");
        return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
    }
}
