package io.retrainstream.common.event;

import java.io.IOException;

/**
 * Published on {@code models.current} when a user pins a model version (a rollback) or unpins to follow the newest
 * again. Classifiers serve the pinned version, or the newest when nothing is pinned.
 *
 * @param pinnedVersion the version to serve, or null to follow the newest
 * @param changedAt     epoch ms
 */
public record ModelPinned(Long pinnedVersion, long changedAt) {

    public byte[] encode() {
        try {
            return EventFrame.JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serialise " + this, e);
        }
    }

    public static ModelPinned decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedEventException("empty model pointer event");
        }
        try {
            ModelPinned pinned = EventFrame.JSON.readValue(bytes, ModelPinned.class);
            if (pinned == null || (pinned.pinnedVersion() != null && pinned.pinnedVersion() < 1)) {
                throw new MalformedEventException("model pointer event names no valid version: "
                        + new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            }
            return pinned;
        } catch (IOException e) {
            throw new MalformedEventException("unreadable model pointer event: " + e.getMessage(), e);
        }
    }
}
