package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.QuantizedRows;
import io.retrainstream.trainer.data.TrainingData;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bottlenecks the trainer learns from, by image id, each assigned to its set by {@code retrain.py}'s split rule.
 * Keyed by image id, so a redelivered event changes nothing. Vectors of different architectures are never mixed:
 * the store follows the architecture of the newest bottleneck and keeps each architecture's images apart.
 *
 * <p>Only the feature layers runs train on are kept ({@code trainer.kept-layers}; by default the configured mode's),
 * 8-bit in memory-mapped files ({@link QuantizedRows}) outside the Java heap, so that a million images take a few
 * hundred MB of heap for their ids and labels and 520 MB of file pages for a 512-wide layer. A snapshot decodes an
 * image's vectors when it is read. The mirror view's pooled features ({@link FeatureLayer#MIRROR}), which events carry
 * when the extractor computes them, are kept with the pooled ones when {@code retrain.views} asks for the mirror (or
 * when {@code trainer.kept-layers} is absent), so that the cheap path's memory does not double.
 */
@ApplicationScoped
public class BottleneckStore {

    private static final float[] NO_VECTOR = new float[0];

    private final SplitRule split;
    private final Set<FeatureLayer> kept;
    private final Path folder;
    /** Whether the folder is the store's own temporary one, deleted on close. */
    private final boolean temporary;

    private final Map<String, Images> byArchitecture = new TreeMap<>();
    /** One String per label, shared by all its images. */
    private final Map<String, String> labels = new HashMap<>();

    private String currentArchitecture;
    private long generation;
    private long trainingChanges;
    private long lastChangeNanos = System.nanoTime();

    @Inject
    public BottleneckStore(
            TrainerConfig config,
            @ConfigProperty(name = TrainerConfig.VIEWS, defaultValue = TrainerConfig.DEFAULT_VIEWS) String views) {
        this(
                new SplitRule(config.validationPercentage(), config.testingPercentage()),
                keptLayers(config.keptLayers(), View.parse(views)),
                config.storeDir().orElseGet(BottleneckStore::temporaryFolder),
                config.storeDir().isEmpty());
    }

    /**
     * @param kept   the layers whose vectors are kept (a vector of any other layer is dropped on arrival)
     * @param folder where the vector files are created
     */
    public BottleneckStore(SplitRule split, Set<FeatureLayer> kept, Path folder) {
        this(split, kept, folder, false);
    }

    private BottleneckStore(SplitRule split, Set<FeatureLayer> kept, Path folder, boolean temporary) {
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("The store must keep at least one feature layer");
        }
        this.split = split;
        this.kept = Set.copyOf(kept);
        this.folder = folder;
        this.temporary = temporary;
        Log.infof("Keeping the %s vectors of each image, 8-bit in files under %s", this.kept, folder);
    }

    /**
     * {@code configured} ({@code trainer.kept-layers}) when given, else every layer: a run may ask for either mode and either views
     * ({@code mode} and {@code views} are run options like any other), and a run on a layer that is not kept fails.
     * Keeping one halves the memory at scale. With the layers given, the mirror's vectors are kept with the pooled
     * ones when {@code views} (the configured {@code retrain.views}) include the mirror, and not otherwise.
     */
    static Set<FeatureLayer> keptLayers(Optional<List<String>> configured, List<View> views) {
        if (configured.isPresent()) {
            Set<FeatureLayer> layers = EnumSet.noneOf(FeatureLayer.class);
            configured.get().forEach(id -> layers.add(FeatureLayer.of(id)));
            if (View.mirrored(views) && layers.contains(FeatureLayer.POOLED)) {
                layers.add(FeatureLayer.MIRROR);
            }
            if (layers.equals(EnumSet.of(FeatureLayer.MIRROR))) {
                throw new IllegalArgumentException(
                        "trainer.kept-layers=mirror keeps no layer a head reads: add pooled");
            }
            return layers;
        }
        return EnumSet.allOf(FeatureLayer.class);
    }

    /** The layers the store keeps. */
    public Set<FeatureLayer> keptLayers() {
        return kept;
    }

    /**
     * Adds or replaces one image; returns whether anything changed.
     *
     * @throws MalformedEventException when a kept vector holds a value that is not finite, or has another width
     *     than the architecture's earlier ones
     */
    public synchronized boolean add(BottleneckComputed event) {
        Images images = byArchitecture.computeIfAbsent(event.architecture(), a -> new Images());
        StoredImage existing = images.byId.get(event.imageId());
        if (existing != null
                && existing.label().equals(event.label())
                && Objects.equals(existing.contentHash(), event.contentHash())
                && images.sameWidths(existing, event)) {
            return false;
        }
        int bottleneckRow = images.append(FeatureLayer.BOTTLENECK, event);
        int pooledRow = images.append(FeatureLayer.POOLED, event);
        int mirrorRow = images.append(FeatureLayer.MIRROR, event);
        if (!event.architecture().equals(currentArchitecture)) {
            if (currentArchitecture != null) {
                Log.infof(
                        "Bottlenecks now come from %s (was %s): training switches to its %d images",
                        event.architecture(), currentArchitecture, images.byId.size() + 1);
            }
            currentArchitecture = event.architecture();
        }
        DataSet set = split.assign(event.fileName());
        StoredImage image = StoredImage.of(
                event, labels.computeIfAbsent(event.label(), l -> l), set, bottleneckRow, pooledRow, mirrorRow);
        StoredImage replaced = images.byId.put(event.imageId(), image);
        if (replaced != null) {
            images.contents.remove(replaced);
            images.count(replaced, -1);
        }
        images.contents.add(image);
        images.count(image, 1);
        generation++;
        if (set == DataSet.TRAINING) {
            trainingChanges++;
        }
        lastChangeNanos = System.nanoTime();
        return true;
    }

    /** Counts everything that changed the store; a run trained on generation g is stale once this exceeds g. */
    public synchronized long generation() {
        return generation;
    }

    /** Counts the changes to training-split images (continuous mode starts a run every N of them). */
    public synchronized long trainingChanges() {
        return trainingChanges;
    }

    /** Nanos ({@link System#nanoTime()}) of the last change. */
    public synchronized long lastChangeNanos() {
        return lastChangeNanos;
    }

    public synchronized Optional<String> architecture() {
        return Optional.ofNullable(currentArchitecture);
    }

    /** Bytes of vector files the store has written (replaced images' old rows included). */
    public synchronized long vectorBytes() {
        return byArchitecture.values().stream()
                .flatMap(images -> images.rows.values().stream())
                .mapToLong(QuantizedRows::bytes)
                .sum();
    }

    /**
     * The current architecture's images per label and set, without a snapshot: kept up to date as images arrive, so
     * that asking costs nothing at any size (a snapshot copies the list of every image under the store's lock).
     *
     * @return the architecture (null before the first image), the image count, per label (sorted) the count of each
     *     set, and how many images have their mirror's vector kept
     */
    public synchronized Summary summary() {
        if (currentArchitecture == null) {
            return new Summary(null, 0, Map.of(), 0);
        }
        Images images = byArchitecture.get(currentArchitecture);
        Map<String, Map<DataSet, Integer>> counts = new TreeMap<>();
        images.counts.forEach((label, bySet) -> {
            Map<DataSet, Integer> sets = new EnumMap<>(DataSet.class);
            for (DataSet set : DataSet.values()) {
                if (bySet[set.ordinal()] > 0) {
                    sets.put(set, bySet[set.ordinal()]);
                }
            }
            if (!sets.isEmpty()) {
                counts.put(label, sets);
            }
        });
        return new Summary(currentArchitecture, images.byId.size(), counts, images.mirrors);
    }

    /**
     * What {@link #summary()} tells: as {@link Snapshot#counts()}, without the images.
     *
     * @param mirrors how many of the images have their mirror view's vector kept
     */
    public record Summary(String architecture, int images, Map<String, Map<DataSet, Integer>> counts, int mirrors) {

        /** A summary of images without mirror views. */
        public Summary(String architecture, int images, Map<String, Map<DataSet, Integer>> counts) {
            this(architecture, images, counts, 0);
        }
    }

    /** A consistent view of the current architecture's images, sorted by image id, decoded as they are read. */
    public synchronized Snapshot snapshot() {
        if (currentArchitecture == null) {
            return new Snapshot(null, List.of(), Map.of(), generation, split, new Contents().fingerprint(null));
        }
        Images images = byArchitecture.get(currentArchitecture);
        return new Snapshot(
                currentArchitecture,
                List.copyOf(images.byId.values()),
                Map.copyOf(new EnumMap<>(images.rows)),
                generation,
                split,
                images.contents.fingerprint(currentArchitecture));
    }

    @PreDestroy
    synchronized void close() {
        byArchitecture.values().forEach(images -> images.rows.values().forEach(QuantizedRows::close));
        if (temporary) {
            try {
                Files.deleteIfExists(folder);
            } catch (IOException e) {
                Log.debugf("Left the empty folder %s: %s", folder, e.getMessage());
            }
        }
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("retrain-trainer-bottlenecks-");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create a folder for the bottleneck files (" + e.getMessage()
                            + "): set trainer.store-dir to a writable folder",
                    e);
        }
    }

    /**
     * Identifies a set of images and labels whatever their order, kept up to date as images come and go, so that a
     * snapshot's fingerprint costs nothing however many images it holds: the sums (mod 2^64) of two 64-bit lanes of
     * each image's SHA-256 of its id, label and content hash, and the count.
     */
    static final class Contents {
        private long count;
        private long first;
        private long second;

        void add(StoredImage image) {
            long[] lanes = lanes(image);
            count++;
            first += lanes[0];
            second += lanes[1];
        }

        void remove(StoredImage image) {
            long[] lanes = lanes(image);
            count--;
            first -= lanes[0];
            second -= lanes[1];
        }

        String fingerprint(String architecture) {
            ByteBuffer bytes =
                    ByteBuffer.allocate(24).putLong(count).putLong(first).putLong(second);
            MessageDigest sha = sha256();
            sha.update(String.valueOf(architecture).getBytes(StandardCharsets.UTF_8));
            sha.update(bytes.array());
            return HexFormat.of().formatHex(sha.digest());
        }

        private static long[] lanes(StoredImage image) {
            ByteBuffer digest = ByteBuffer.wrap(
                    sha256().digest((image.imageId() + '\0' + image.label() + '\0' + image.contentHash())
                            .getBytes(StandardCharsets.UTF_8)));
            return new long[] {digest.getLong(), digest.getLong()};
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One architecture's images and the rows of their kept vectors. */
    private final class Images {
        final TreeMap<String, StoredImage> byId = new TreeMap<>();
        final Contents contents = new Contents();
        final Map<FeatureLayer, QuantizedRows> rows = new EnumMap<>(FeatureLayer.class);
        /** Per label, the images of each set (by {@link DataSet#ordinal()}). */
        final Map<String, int[]> counts = new HashMap<>();
        /** Images with their mirror's vector kept. */
        int mirrors;

        void count(StoredImage image, int change) {
            if (image.mirrorRow() >= 0) {
                mirrors += change;
            }
            counts.computeIfAbsent(image.label(), l -> new int[DataSet.values().length])[
                    image.dataSet().ordinal()] += change;
        }

        /** Appends the event's vector of {@code layer} when kept and present; returns its row or -1. */
        int append(FeatureLayer layer, BottleneckComputed event) {
            float[] vector = event.features(layer);
            if (!kept.contains(layer) || vector.length == 0) {
                return -1;
            }
            for (float v : vector) {
                if (!Float.isFinite(v)) {
                    throw new MalformedEventException("bottleneck event for " + event.imageId() + " has " + v
                            + " in its " + layer.id() + " vector");
                }
            }
            QuantizedRows layerRows = rows.computeIfAbsent(layer, l -> new QuantizedRows(folder, vector.length));
            if (layerRows.width() != vector.length) {
                throw new MalformedEventException("bottleneck event for " + event.imageId() + " has a " + layer.id()
                        + " vector of " + vector.length + " values where " + event.architecture() + "'s have "
                        + layerRows.width() + ": re-extract it with the same architecture");
            }
            return layerRows.append(vector);
        }

        boolean sameWidths(StoredImage image, BottleneckComputed event) {
            for (FeatureLayer layer : kept) {
                boolean stored = image.row(layer) >= 0;
                boolean sent = event.features(layer).length > 0;
                if (stored != sent) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * What the store keeps of an image besides its vectors, compactly: the file name only when the id does not end
     * with it, the content hash as bytes when it is hex.
     */
    record StoredImage(
            String imageId,
            String label,
            String ownFileName,
            Object hash,
            DataSet dataSet,
            long imageTime,
            int bottleneckRow,
            int pooledRow,
            int mirrorRow) {

        static StoredImage of(
                BottleneckComputed event, String label, DataSet set, int bottleneckRow, int pooledRow, int mirrorRow) {
            String id = event.imageId();
            String fileName = event.fileName();
            boolean derived = id.endsWith(fileName)
                    && (id.length() == fileName.length() || id.charAt(id.length() - fileName.length() - 1) == '/');
            return new StoredImage(
                    id,
                    label,
                    derived ? null : fileName,
                    compactHash(event.contentHash()),
                    set,
                    event.imageTime(),
                    bottleneckRow,
                    pooledRow,
                    mirrorRow);
        }

        String fileName() {
            return ownFileName != null ? ownFileName : imageId.substring(imageId.lastIndexOf('/') + 1);
        }

        String contentHash() {
            return hash instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : (String) hash;
        }

        int row(FeatureLayer layer) {
            return switch (layer) {
                case BOTTLENECK -> bottleneckRow;
                case POOLED -> pooledRow;
                case MIRROR -> mirrorRow;
            };
        }

        private static Object compactHash(String hash) {
            if (hash != null
                    && hash.length() % 2 == 0
                    && hash.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return HexFormat.of().parseHex(hash);
            }
            return hash;
        }
    }

    /**
     * A consistent view of one architecture's images: later changes to the store do not show in it (rows are only
     * ever appended). {@link #images()} decodes an image's vectors each time it is read; the counts, labels and the
     * fingerprint read no vector.
     *
     * @param architecture the feature extractor of every image in it
     * @param stored       the images, sorted by id
     * @param rows         the kept layers' vectors
     * @param generation   the store generation this view reflects
     * @param split        the rule that assigned each image's {@link DataSet} as it arrived
     * @param fingerprint  identifies exactly this set of images and labels (their ids, labels and content hashes)
     */
    public record Snapshot(
            String architecture,
            List<StoredImage> stored,
            Map<FeatureLayer, QuantizedRows> rows,
            long generation,
            SplitRule split,
            String fingerprint) {

        /**
         * The set of each image under {@code rule}, in {@link #images()} order: the store's own assignment when
         * {@code rule} is the store's (no hashing: a run at scale reads this several times), else {@code rule}'s.
         */
        public DataSet[] sets(SplitRule rule) {
            DataSet[] sets = new DataSet[stored.size()];
            boolean own = rule.equals(split);
            for (int i = 0; i < sets.length; i++) {
                StoredImage image = stored.get(i);
                sets[i] = own ? image.dataSet() : rule.assign(image.fileName());
            }
            return sets;
        }

        /** The event time of image {@code index} (in {@link #images()} order). */
        public long imageTime(int index) {
            return stored.get(index).imageTime();
        }

        /** The id of image {@code index} (in {@link #images()} order). */
        public String imageId(int index) {
            return stored.get(index).imageId();
        }

        /**
         * The dense arrays a run trains on, read straight from the rows: the images of {@code indices} (positions in
         * {@link #images()}, ascending) whose label is one of {@code labels}, each decoded once into its set's array
         * (the same as {@link TrainingData#of} over {@link #images(int[])}, without a decoded copy of each image).
         *
         * @param sets  each image's set, as {@link #sets} gives it
         * @param layer a layer every image of {@code indices} has a vector of
         */
        public TrainingData trainingData(List<String> labels, int[] indices, DataSet[] sets, FeatureLayer layer) {
            return trainingData(labels, indices, sets, layer, View.ORIGINAL_ONLY);
        }

        /**
         * As {@link #trainingData(List, int[], DataSet[], FeatureLayer)}, with a second row for each image whose
         * mirror's vector is kept, right after its own, when {@code views} include the mirror (in the image's own set).
         *
         * @throws IllegalArgumentException when {@code views} include the mirror and {@code layer} is not pooled
         */
        public TrainingData trainingData(
                List<String> labels, int[] indices, DataSet[] sets, FeatureLayer layer, List<View> views) {
            TrainingData.checkViews(layer, views);
            QuantizedRows layerRows = rows.get(layer);
            if (layerRows == null) {
                throw new IllegalArgumentException("The store keeps no " + layer.id() + " vectors");
            }
            QuantizedRows mirrorRows = View.mirrored(views) ? rows.get(FeatureLayer.MIRROR) : null;
            boolean mirrored = mirrorRows != null && mirrorRows.width() == layerRows.width();
            Map<String, Integer> classOf = new HashMap<>();
            for (int c = 0; c < labels.size(); c++) {
                classOf.putIfAbsent(labels.get(c), c);
            }
            int size = layerRows.width();
            Map<DataSet, List<Integer>> chosen = new EnumMap<>(DataSet.class);
            for (DataSet set : DataSet.values()) {
                chosen.put(set, new ArrayList<>());
            }
            for (int index : indices) {
                StoredImage image = stored.get(index);
                if (classOf.containsKey(image.label()) && image.row(layer) >= 0) {
                    chosen.get(sets[index]).add(index);
                }
            }
            Map<DataSet, TrainingData.Split> splits = new EnumMap<>(DataSet.class);
            chosen.forEach((set, members) -> {
                int expected = members.size();
                if (mirrored) {
                    for (int index : members) {
                        expected += stored.get(index).mirrorRow() >= 0 ? 1 : 0;
                    }
                }
                TrainingData.Rows split = new TrainingData.Rows(size, expected, mirrored);
                for (int index : members) {
                    StoredImage image = stored.get(index);
                    int c = classOf.get(image.label());
                    int at = split.add(c, image.imageId(), false);
                    layerRows.read(image.row(layer), split.vectors(), at);
                    if (mirrored && image.mirrorRow() >= 0) {
                        at = split.add(c, image.imageId(), true);
                        mirrorRows.read(image.mirrorRow(), split.vectors(), at);
                    }
                }
                splits.put(set, split.split());
            });
            return new TrainingData(
                    List.copyOf(labels),
                    layer,
                    size,
                    splits.get(DataSet.TRAINING),
                    splits.get(DataSet.VALIDATION),
                    splits.get(DataSet.TESTING),
                    views);
        }

        /** The images, sorted by id, each decoded when read (a vector the store does not keep is empty). */
        public List<LabelledBottleneck> images() {
            return new AbstractList<>() {
                @Override
                public LabelledBottleneck get(int index) {
                    return decode(stored.get(index));
                }

                @Override
                public int size() {
                    return stored.size();
                }
            };
        }

        /** The images of {@code indices} (positions in {@link #images()}), decoded when read. */
        public List<LabelledBottleneck> images(int[] indices) {
            return new AbstractList<>() {
                @Override
                public LabelledBottleneck get(int index) {
                    return decode(stored.get(indices[index]));
                }

                @Override
                public int size() {
                    return indices.length;
                }
            };
        }

        /** The images without their vectors (empty): what reading ids, labels, sets and times needs. */
        public List<LabelledBottleneck> headers() {
            return new AbstractList<>() {
                @Override
                public LabelledBottleneck get(int index) {
                    StoredImage image = stored.get(index);
                    return new LabelledBottleneck(
                            image.imageId(),
                            image.label(),
                            image.fileName(),
                            image.contentHash(),
                            image.dataSet(),
                            NO_VECTOR,
                            NO_VECTOR,
                            image.imageTime());
                }

                @Override
                public int size() {
                    return stored.size();
                }
            };
        }

        /** How many images it holds. */
        public int size() {
            return stored.size();
        }

        /** Whether it keeps vectors of {@code layer} (for some images at least). */
        public boolean keeps(FeatureLayer layer) {
            return rows.containsKey(layer);
        }

        /** How many images have their mirror view's vector kept. */
        public int mirrors() {
            return (int) stored.stream().filter(image -> image.mirrorRow() >= 0).count();
        }

        /** Whether every image has a vector of {@code layer}. */
        public boolean available(FeatureLayer layer) {
            return !stored.isEmpty() && stored.stream().allMatch(image -> image.row(layer) >= 0);
        }

        /** Labels in class-index order (sorted, as {@code retrain.py} sorts its class folders). */
        public List<String> labels() {
            TreeSet<String> labels = new TreeSet<>();
            stored.forEach(image -> labels.add(image.label()));
            return new ArrayList<>(labels);
        }

        /** The images of one set, without their vectors (as {@link #headers()}). */
        public List<LabelledBottleneck> of(DataSet set) {
            return headers().stream().filter(image -> image.dataSet() == set).toList();
        }

        /** Per label, how many images each set holds. */
        public Map<String, Map<DataSet, Integer>> counts() {
            Map<String, Map<DataSet, Integer>> counts = new TreeMap<>();
            for (StoredImage image : stored) {
                counts.computeIfAbsent(image.label(), l -> new TreeMap<>()).merge(image.dataSet(), 1, Integer::sum);
            }
            return counts;
        }

        private LabelledBottleneck decode(StoredImage image) {
            return new LabelledBottleneck(
                    image.imageId(),
                    image.label(),
                    image.fileName(),
                    image.contentHash(),
                    image.dataSet(),
                    vector(image, FeatureLayer.BOTTLENECK),
                    vector(image, FeatureLayer.POOLED),
                    image.imageTime(),
                    vector(image, FeatureLayer.MIRROR));
        }

        private float[] vector(StoredImage image, FeatureLayer layer) {
            int row = image.row(layer);
            return row < 0 ? NO_VECTOR : rows.get(layer).get(row);
        }
    }
}
