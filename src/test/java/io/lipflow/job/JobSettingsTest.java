package io.lipflow.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lipflow.inference.Device;
import org.junit.jupiter.api.Test;

/** The inference defaults the job picks by device, and the explicit settings that override them. */
class JobSettingsTest {
    @Test
    void cpuDefaults() {
        JobSettings s = new JobSettings();
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, s.sessions(Device.CPU), "one single-threaded session per core");
        assertEquals(1, s.maxBatch(Device.CPU));
        assertEquals(Math.max(8, 2 * cores), s.generatorCapacity(), "eight batches of one, or two per session");
        s.intraOpThreads = cores;
        assertEquals(1, s.sessions(Device.CPU), "sessions share the cores by their threads");
    }

    @Test
    void gpuDefaults() {
        JobSettings s = new JobSettings();
        s.device = "cuda:1";
        assertEquals(4, s.sessions(new Device(1)));
        assertEquals(8, s.maxBatch(new Device(1)));
        assertEquals(64, s.generatorCapacity(), "eight batches of eight");
    }

    @Test
    void explicitSettingsWin() {
        JobSettings s = new JobSettings();
        s.maxBatch = 4;
        s.sessions = 2;
        assertEquals(32, s.generatorCapacity(), "eight batches of the batch asked for");
        s.sessions = 6;
        assertEquals(48, s.generatorCapacity(), "two batches per session when that is more");
        s.generatorCapacity = 3;
        s.sessions = 5;
        assertEquals(3, s.generatorCapacity());
        assertEquals(5, s.sessions(new Device(0)));
        s.device = "tpu";
        s.generatorCapacity = 0;
        s.sessions = 2;
        assertEquals(32, s.generatorCapacity(), "a bad device is the operators' to report");
    }
}
