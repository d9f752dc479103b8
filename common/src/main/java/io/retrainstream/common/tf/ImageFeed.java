package io.retrainstream.common.tf;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TString;

/**
 * Encoded images as the string tensors that feed {@link FeatureGraph}'s inputs. A batch shorter than the graph's
 * batch size is padded by repeating its first image; callers read only the first {@code count} rows.
 */
public final class ImageFeed implements AutoCloseable {

    private final List<TString> tensors = new ArrayList<>();

    public ImageFeed(List<byte[]> images, int batch) {
        if (images.isEmpty() || images.size() > batch) {
            throw new IllegalArgumentException(images.size() + " images do not fit a batch of " + batch);
        }
        try {
            for (int i = 0; i < batch; i++) {
                byte[] image = images.get(i < images.size() ? i : 0);
                tensors.add(TString.tensorOfBytes(NdArrays.scalarOfObject(image)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public Session.Runner feed(Session.Runner runner) {
        for (int i = 0; i < tensors.size(); i++) {
            runner.feed(FeatureGraph.imageInput(i), tensors.get(i));
        }
        return runner;
    }

    @Override
    public void close() {
        tensors.forEach(TString::close);
        tensors.clear();
    }
}
