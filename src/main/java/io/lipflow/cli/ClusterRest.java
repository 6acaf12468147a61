package io.lipflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that submitting and watching LipFlow needs: upload a jar, run it,
 * read a job's state, accumulators and its operators' metrics, cancel it.
 */
final class ClusterRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ClusterRest(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    String url() {
        return base;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** Uploads a jar ({@code POST /jars/upload}); returns its id on the cluster. */
    String upload(Path jar) throws IOException, InterruptedException {
        String boundary = "lipflow-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode answer = send(HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = answer.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * Runs an uploaded jar ({@code POST /jars/{id}/run}) at {@code parallelism}; returns the job id. (Flink
     * 2.2.1 runs a jar at parallelism 1 when the request gives none, whatever parallelism.default says.)
     */
    String run(String jarId, String entryClass, List<String> programArgs, int parallelism) throws IOException, InterruptedException {
        String request = JSON.writeValueAsString(Map.of("entryClass", entryClass, "programArgsList", programArgs,
                "parallelism", parallelism));
        return send(HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request))).path("jobid").asText();
    }

    /** The cluster's parallelism.default (1 when unset). */
    int defaultParallelism() throws IOException, InterruptedException {
        for (JsonNode entry : get("/jobmanager/config")) {
            if (entry.path("key").asText().equals("parallelism.default")) {
                return entry.path("value").asInt(1);
            }
        }
        return 1;
    }

    /** The job's state: RUNNING, FINISHED, FAILED, ... */
    String state(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Asks the cluster to cancel a job ({@code PATCH /jobs/{id}?mode=cancel}); the job is CANCELED soon after. */
    void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /** A numeric user accumulator of the job, 0 while it has none. */
    long accumulator(String jobId, String name) throws IOException, InterruptedException {
        for (JsonNode a : get("/jobs/" + jobId + "/accumulators").path("user-task-accumulators")) {
            if (a.path("name").asText().equals(name)) {
                return Long.parseLong(a.path("value").asText("0"));
            }
        }
        return 0;
    }

    /**
     * The job's operator metrics whose names end with one of {@code names} (after the operator name),
     * aggregated over subtasks: metric id to {min, max, avg, sum}.
     */
    Map<String, double[]> operatorMetrics(String jobId, List<String> names) throws IOException, InterruptedException {
        Map<String, double[]> found = new TreeMap<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            StringBuilder wanted = new StringBuilder();
            for (JsonNode m : get(path)) {
                String id = m.path("id").asText();
                if (names.stream().anyMatch(n -> id.endsWith("." + n))) {
                    wanted.append(wanted.length() == 0 ? "" : ",").append(id);
                }
            }
            if (wanted.length() > 0) {
                for (JsonNode m : get(path + "?get=" + URLEncoder.encode(wanted.toString(), StandardCharsets.UTF_8))) {
                    found.put(m.path("id").asText(), new double[] {
                        m.path("min").asDouble(), m.path("max").asDouble(), m.path("avg").asDouble(), m.path("sum").asDouble()});
                }
            }
        }
        return found;
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 300) {
            throw new IOException(request.build().method() + " " + request.build().uri().getPath() + ": HTTP "
                    + response.statusCode() + " " + json.path("errors"));
        }
        return json;
    }
}
