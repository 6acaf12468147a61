package io.lipflow.job;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadLetterTest {
    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() {
        String json = new DeadLetter("anna", "u\"1", "decode", "bad\\path\n\u0001").toJson();
        assertEquals("{\"speaker\":\"anna\",\"utterance\":\"u\\\"1\",\"stage\":\"decode\",\"reason\":\"bad\\\\path\\n\\u0001\"}", json);
    }

    /** A 200 KB Kafka key of control bytes would make a 2.4 MB line, over a default broker's 1 MB limit. */
    @Test
    void hugeIdsAndReasonsAreClippedAndSayHowLongTheyWere() {
        String key = "\u0001".repeat(200_000);
        String reason = "speaker '" + key + "' utterance 'u1': ids must be 1-64 letters";
        DeadLetter d = new DeadLetter(key, "u1", "mel-windows", reason);
        String json = d.toJson();
        assertTrue(json.length() < 20_000, "length " + json.length());
        assertTrue(d.speaker.startsWith("\u0001".repeat(DeadLetter.MAX_ID)), d.speaker.substring(0, 10));
        assertTrue(d.speaker.endsWith("... (200000 characters)"), d.speaker.substring(DeadLetter.MAX_ID));
        assertTrue(d.reason.endsWith("... (" + reason.length() + " characters)"), d.reason.substring(DeadLetter.MAX_REASON));
        assertEquals("u1", d.utterance, "short ids stay whole");
    }
}
