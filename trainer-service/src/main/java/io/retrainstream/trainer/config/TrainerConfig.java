package io.retrainstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Training settings, named and defaulted as {@code retrain.py}'s flags. */
@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {

    /**
     * The views of a photo a run's head learns from and answers the mean over by default ({@code original} or
     * {@code original,mirror}; a run may choose with its {@code views} option): the property every service shares
     * (env {@code RETRAIN_VIEWS}), outside this mapping's {@code trainer.} prefix.
     */
    String VIEWS = "retrain.views";

    /** {@link #VIEWS} when absent: the photo alone, the cheap path. */
    String DEFAULT_VIEWS = "original";

    /** {@code retrain.py --how_many_training_steps}. */
    @WithDefault("4000")
    int howManyTrainingSteps();

    /** {@code retrain.py --learning_rate} of plain gradient descent. */
    @WithDefault("0.01")
    double learningRate();

    /** {@code retrain.py --train_batch_size}: images per step, drawn class-balanced. */
    @WithDefault("100")
    int trainBatchSize();

    /** {@code retrain.py --validation_batch_size}: images per validation batch. */
    @WithDefault("100")
    int validationBatchSize();

    /** {@code retrain.py --eval_step_interval}: steps between evaluations. */
    @WithDefault("10")
    int evalStepInterval();

    /** {@code retrain.py --validation_percentage}. */
    @WithDefault("10")
    double validationPercentage();

    /** {@code retrain.py --testing_percentage}. */
    @WithDefault("10")
    double testingPercentage();

    /** {@code retrain.py --test_batch_size}: test images evaluated at the end, -1 for the whole set. */
    @WithDefault("-1")
    int testBatchSize();

    /** {@code retrain.py --print_misclassified_test_images}: log every misclassified test image. */
    @WithDefault("false")
    boolean printMisclassifiedTestImages();

    /** {@code retrain.py --final_tensor_name}: the softmax's name in exported graphs. */
    @WithDefault("final_result")
    String finalTensorName();

    /**
     * {@code retrain.py --output_labels}: file the labels of every published version are written to, one per line
     * (also to {@code <name>.<version><ext>} beside it); none when absent.
     */
    Optional<String> outputLabels();

    /**
     * {@code retrain.py --output_graph}: file the frozen graph (CNN + head) of every published version is written to
     * (also to {@code <name>.<version><ext>} beside it); none when absent.
     */
    Optional<String> outputGraph();

    /**
     * {@code retrain.py --saved_model_dir}: folder that gets a SavedModel in {@code <dir>/<version>/} for every
     * published version, as TensorFlow Serving reads a model's base path; none when absent.
     */
    Optional<String> savedModelDir();

    /** {@code retrain.py --summaries_dir}: folder of TensorBoard event files, one sub-folder per run. */
    Optional<String> summariesDir();

    /**
     * The folder under which the file outputs a request names ({@code output_graph}, {@code saved_model_dir}, …) are
     * written: a request gives paths relative to it and cannot leave it. Paths configured here may be anywhere.
     */
    @WithDefault("${user.home}/.cache/retrain-stream/outputs")
    Path outputRoot();

    /**
     * Published versions whose {@code saved_model_dir} folder and {@code output_graph} / {@code output_labels} copies
     * are kept, and runs whose {@code summaries_dir} / {@code intermediate_output_graphs_dir} folders are kept; older
     * ones are deleted when a new one is written. 0 keeps them all.
     */
    @WithDefault("10")
    int outputVersionsKept();

    /** {@code retrain.py --intermediate_store_frequency}: steps between intermediate frozen graphs, 0 for none. */
    @WithDefault("0")
    int intermediateStoreFrequency();

    /** {@code retrain.py --intermediate_output_graphs_dir}: folder of the intermediate frozen graphs. */
    Optional<String> intermediateOutputGraphsDir();

    /** {@code retrain.py --flip_left_right}: mirror half the training images (retrain mode; see README). */
    @WithDefault("false")
    boolean flipLeftRight();

    /** {@code retrain.py --random_crop}: margin percentage around the random crop of training images. */
    @WithDefault("0")
    int randomCrop();

    /** {@code retrain.py --random_scale}: percentage of random up-scaling of training images. */
    @WithDefault("0")
    int randomScale();

    /** {@code retrain.py --random_brightness}: percentage of random brightness change of training images. */
    @WithDefault("0")
    int randomBrightness();

    /** The extractor's HTTP address, which computes the bottlenecks of distorted training images. */
    @WithDefault("http://localhost:8081")
    String extractorUrl();

    /** {@code improved} (pooled features, full-batch Adam with L2, best validation step) or {@code retrain}. */
    @WithDefault("improved")
    String mode();

    /**
     * The feature layers ({@code bottleneck}, {@code pooled}) whose vectors the trainer keeps for each image; a run on
     * any other layer is refused. Absent: every layer, so that any run may choose either mode and either views. Given,
     * the mirror view's vectors are kept with the pooled ones when {@code retrain.views} include the mirror.
     */
    Optional<List<String>> keptLayers();

    /** Folder of the trainer's vector files (rebuilt from the topic on every start); a new temporary one if absent. */
    Optional<Path> storeDir();

    /** Start a run on its own once new bottlenecks have stopped arriving for {@link #quietPeriod()}. */
    @WithDefault("true")
    boolean autoTrain();

    /** How long no new bottleneck must arrive before an automatic run starts. */
    @WithDefault("30s")
    Duration quietPeriod();

    /** Seed for weight initialisation and batch sampling; random when absent. */
    OptionalLong randomSeed();

    /** Retraining as images stream in. */
    Continuous continuous();

    /**
     * How much lower than the serving model's accuracy on the current test split a candidate's may be and still be
     * published (a fraction: 0.01 is one percentage point). A candidate with other classes is always published.
     */
    @WithDefault("0.01")
    double promotionTolerance();

    /** What a requested run waits for before it trains: the photos already published. */
    ExtractionWait extractionWait();

    /** How runs bound their cost when the sets are large. */
    LargeSets largeSets();

    /**
     * Runs on large sets train on samples, so that their time stops growing with the number of images: each sample is
     * evenly spread over its set in id order (every class in proportion). Sets within the limits train whole.
     */
    interface LargeSets {

        /** Most training images of a cold run. */
        @WithDefault("10000")
        int maxTrainingImages();

        /** Most validation images a run evaluates its steps on. */
        @WithDefault("5000")
        int maxValidationImages();

        /**
         * Most test images a run and its promotion gate score: above it, the same stable sample of this many (the
         * test images of lowest image-id hash) for every run of a data set, so that the gate compares like with like.
         */
        @WithDefault("20000")
        int testImages();

        /**
         * From this many training vectors on, the improved mode trains in shuffled mini-batches of
         * {@code train_batch_size} with an epoch budget ({@link #epochs()}) and early stopping on validation; smaller
         * sets train full-batch as before.
         */
        @WithDefault("5000")
        int miniBatchFrom();

        /** Most passes over the training set of each L2 strength's mini-batch training. */
        @WithDefault("20")
        int epochs();

        /** Most training vectors each L2 strength trains on in a mini-batch run's search (evenly spread). */
        @WithDefault("5000")
        int l2SearchImages();

        /**
         * Mini-batch training's learning rate as a fraction of the run's {@code learning_rate}: Adam's steps on a batch
         * are noisier than on the whole set (0.2: 0.002 at the default 0.01).
         */
        @WithDefault("0.2")
        double miniBatchLearningRateScale();

        /** Most older training images a warm run replays besides all images new since the model it starts from. */
        @WithDefault("2000")
        int warmReplayImages();
    }

    /** Continuous mode: retrain warm-started from the serving head as new images arrive. */
    interface Continuous {

        /**
         * On: a warm run starts once new data has waited {@link #minWait()} (or {@link #everyImages()} new training
         * images arrived), unless the extractor is busy with a backlog ({@link #yieldBacklog()}), and in any case once
         * new data has waited {@link #every()}. One run at a time: what arrives during a run makes the next one.
         */
        @WithDefault("true")
        boolean enabled();

        /** New training-split images that start a run without waiting for {@link #minWait()}. */
        @WithDefault("50")
        int everyImages();

        /**
         * How long new data waits before it starts a run when the extractor is not busy: gathers the images that
         * arrive together into one run.
         */
        @WithDefault("250ms")
        Duration minWait();

        /**
         * Photos waiting for the extractor (its consumer group's lag on {@code images}) above which automatic runs
         * yield to it, so that a burst is extracted at full speed; 0: never yield. Above what a steady stream keeps
         * waiting on a loaded machine (an extractor 10 to 30 photos behind at 20 photos/s), far below a burst.
         */
        @WithDefault("100")
        int yieldBacklog();

        /** The longest new data (of any split) waits before a run starts, even while the extractor is busy. */
        @WithDefault("30s")
        Duration every();

        /** How often the automatic trigger checks whether a run is due. */
        @WithDefault("200ms")
        Duration checkInterval();

        /** Training steps of a warm-started run (a cold run takes {@code how_many_training_steps}). */
        @WithDefault("400")
        int warmSteps();

        /**
         * Training steps of an automatic warm run on fewer than {@link #everyImages()} new training images (a small
         * addition, started after {@link #minWait()}): it starts from the serving head, so fewer steps serve the new
         * images sooner; 0 means {@link #warmSteps()} for every run.
         */
        @WithDefault("100")
        int quickSteps();
    }

    /**
     * A run asked for ({@code POST /train}) first waits until the extractor group has consumed {@code images} up to
     * the end offsets of the moment of the request and this trainer has read the resulting bottlenecks, so it learns
     * from every photo published before it was asked for. Automatic runs keep their own trigger and never wait.
     */
    interface ExtractionWait {

        /** Off: requested runs train on the bottlenecks there are (one run: {@code {"wait_for_extraction": false}}). */
        @WithDefault("true")
        boolean enabled();

        /** The extractor's consumer group on {@code images}. */
        @WithDefault("extractor")
        String group();

        /** How often the offsets are read while waiting. */
        @WithDefault("1s")
        Duration poll();

        /** No photo extracted (and, later, no bottleneck read) for this long: the run fails, saying what to do. */
        @WithDefault("60s")
        Duration stallTimeout();

        /** The extractor group without any member for this long: the run fails, saying to start the extractor. */
        @WithDefault("20s")
        Duration absentTimeout();
    }
}
