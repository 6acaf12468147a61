package io.lipflow.cli;

import io.lipflow.inference.Device;
import io.lipflow.inference.ModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Parsed command-line arguments: {@code --key value} options, {@code --flag} switches and positional
 * words. Every option a command reads is marked used; {@link #finish()} rejects the rest, so typos
 * are reported instead of silently ignored.
 */
public final class Args {
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final java.util.Set<String> used = new java.util.HashSet<>();

    public Args(List<String> words) throws UserError {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("--") && w.length() > 2) {
                String key = w.substring(2);
                String value = "true";
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else if (i + 1 < words.size() && !words.get(i + 1).startsWith("--")) {
                    value = words.get(++i);
                }
                if (options.put(key, value) != null) {
                    throw new UserError("option --" + key + " given twice");
                }
            } else {
                positional.add(w);
            }
        }
    }

    /** All options as given ({@code "true"} for a bare switch), in order. */
    public Map<String, String> options() {
        return java.util.Collections.unmodifiableMap(options);
    }

    /** Positional words (sub-command names and the like). */
    public List<String> positional() {
        return positional;
    }

    public boolean has(String key) {
        used.add(key);
        return options.containsKey(key);
    }

    public String get(String key, String fallback) {
        used.add(key);
        return options.getOrDefault(key, fallback);
    }

    public String require(String key) throws UserError {
        used.add(key);
        String v = options.get(key);
        if (v == null || v.equals("true")) {
            throw new UserError("missing required option --" + key + " <value>");
        }
        return v;
    }

    public Path path(String key) throws UserError {
        return Path.of(require(key));
    }

    public int intValue(String key, int fallback) throws UserError {
        return number(key, fallback, Integer::valueOf, "an integer");
    }

    /** An integer option that must lie in {@code min..max}. */
    public int intValue(String key, int fallback, int min, int max) throws UserError {
        int v = intValue(key, fallback);
        if (v < min || v > max) {
            throw new UserError("--" + key + " must be " + min + ".." + max + ", got " + v);
        }
        return v;
    }

    public double doubleValue(String key, double fallback) throws UserError {
        return number(key, fallback, Double::valueOf, "a number");
    }

    private <T> T number(String key, T fallback, Function<String, T> parse, String what) throws UserError {
        String v = get(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new UserError("option --" + key + " expects " + what + ", got '" + v + "'");
        }
    }

    /**
     * {@code --device} (default the CPU) with {@code --cuda-options} (ONNX Runtime's CUDA provider options,
     * {@code name=value;name=value}), refused at once where this build cannot run on it.
     */
    public Device device() throws UserError {
        try {
            Device device = Device.parse(get("device", "cpu"));
            String cudaOptions = get("cuda-options", null);
            if (cudaOptions != null) {
                device = device.withCudaOptions(cudaOptions);
            }
            device.requireProvider();
            return device;
        } catch (ModelException e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * A switch: absent is false, {@code --key} or {@code --key=true} true. The parser cannot tell a switch
     * from an option, so a bare switch takes the word after it as its value: that word is refused here
     * rather than read as false ({@code bench --smoke knobs} would otherwise run the whole bench).
     */
    public boolean flag(String key) throws UserError {
        used.add(key);
        String v = options.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new UserError("--" + key + " is a switch and takes no value, got '" + v
                    + "' (put words before the switches, or write --" + key + "=true or =false)");
        }
        return v.equals("true");
    }

    /** Rejects options no command asked for. */
    public void finish() throws UserError {
        for (String key : options.keySet()) {
            if (!used.contains(key)) {
                throw new UserError("unknown option --" + key);
            }
        }
    }
}
