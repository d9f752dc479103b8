package io.retrainstream.classifier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.SoftmaxHead;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * The TensorFlow Serving REST API and the Open Inference Protocol (KServe v2) on the real classifier: a real broker,
 * the real MobileNet, flower photos; the protocols' published example payloads adapted to an image model, batches of
 * several images, version addressing, and each error case. The TensorFlow Serving answers are checked against the
 * SavedModel the trainer exports for the same head, run by TensorFlow.
 */
@QuarkusTest
@TestProfile(ServingProtocolsTest.OwnBroker.class)
@QuarkusTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingProtocolsTest {

    /** Its own application and broker, so that the versions published here are the only ones. */
    public static class OwnBroker implements QuarkusTestProfile {}

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<String> LABELS = List.of("daisy", "roses", "tulips");
    private static final String HEADER = "Inference-Header-Content-Length";

    private static FeatureExtractor extractor;
    private static Path cnn;
    private static byte[] daisy;
    private static byte[] roses;
    private static final Map<Long, ModelPublished> MODELS = new java.util.HashMap<>();

    @BeforeAll
    static void load() {
        Architecture architecture = Architecture.of(ARCHITECTURE);
        cnn = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        extractor = new FeatureExtractor(architecture, cnn, 1);
        daisy = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
        roses = SharedData.read(SharedData.flowerPhotos("roses", 1).get(0));
    }

    @AfterAll
    static void close() {
        extractor.close();
    }

    @Test
    @Order(1)
    void beforeAnyModelTheServerIsLiveButNotReady() {
        given().get("/v2")
                .then()
                .statusCode(200)
                .body("extensions", org.hamcrest.Matchers.hasItem("binary_tensor_data"));
        given().get("/v2/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get("/v2/health/ready").then().statusCode(400).body("ready", equalTo(false));
        given().contentType("application/json")
                .body(inferRequest(daisy))
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(503)
                .body("error", containsString("No model has been published yet"));
        given().contentType("application/json")
                .body(Map.of("instances", List.of(Map.of("b64", b64(daisy)))))
                .post("/v1/models/retrain:predict")
                .then()
                .statusCode(503)
                .body("error", containsString("No model has been published yet"));
        given().get("/v1/models/retrain").then().statusCode(503).body("error", containsString("./retrain train"));
    }

    @Test
    @Order(2)
    void servesTheNewestOfThreeVersionsAndListsThemAll() {
        for (long version = 1; version <= 3; version++) {
            publish(version);
        }
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model").then().body("version", equalTo(3)));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/retrain/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/retrain/versions/1/ready").then().statusCode(200);
        JsonPath meta = given().get("/v2/models/retrain")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(meta.getString("name")).isEqualTo("retrain");
        assertThat(meta.getList("versions", String.class)).containsExactly("1", "2", "3");
        assertThat(meta.getString("inputs[0].name")).isEqualTo("image");
        assertThat(meta.getString("inputs[0].datatype")).isEqualTo("BYTES");
        assertThat(meta.getList("inputs[0].shape", Integer.class)).containsExactly(-1);
        assertThat(meta.getString("outputs[0].name")).isEqualTo("scores");
        assertThat(meta.getString("outputs[0].datatype")).isEqualTo("FP32");
        assertThat(meta.getList("outputs[0].shape", Integer.class)).containsExactly(-1, 3);
        assertThat(meta.getList("outputs[1].shape", Integer.class)).containsExactly(3);

        JsonPath status = given().get("/v1/models/retrain")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(status.getList("model_version_status.version", String.class)).containsExactly("1", "2", "3");
        assertThat(status.getList("model_version_status.state", String.class)).containsOnly("AVAILABLE");
        assertThat(status.getString("model_version_status[0].status.error_code"))
                .isEqualTo("OK");
        given().get("/v1/models/retrain/versions/2")
                .then()
                .statusCode(200)
                .body("model_version_status[0].version", equalTo("2"));
    }

    @Test
    @Order(3)
    void openInferenceAnswersABatchOfImagesInJsonAndInBinary() {
        // The protocol's example request ("id", one BYTES input, outputs asked by name), with two photos
        String request = "{\"id\": \"42\", \"inputs\": [{\"name\": \"image\", \"shape\": [2], \"datatype\": \"BYTES\","
                + " \"data\": [\"" + b64(daisy) + "\", \"" + b64(roses) + "\"]}],"
                + " \"outputs\": [{\"name\": \"scores\"}, {\"name\": \"labels\"}]}";
        JsonPath reply = given().contentType("application/json")
                .body(request)
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(reply.getString("model_name")).isEqualTo("retrain");
        assertThat(reply.getString("model_version")).isEqualTo("3");
        assertThat(reply.getString("id")).isEqualTo("42");
        assertThat(reply.getString("outputs[0].datatype")).isEqualTo("FP32");
        assertThat(reply.getList("outputs[0].shape", Integer.class)).containsExactly(2, 3);
        float[] scores = floats(reply.getList("outputs[0].data", Float.class));
        assertThat(slice(scores, 0)).containsExactly(byHand(3, daisy), offset(1e-4f));
        assertThat(slice(scores, 1)).containsExactly(byHand(3, roses), offset(1e-4f));
        assertThat(reply.getList("outputs[1].data", String.class)).containsExactlyElementsOf(LABELS);

        // Binary tensor data extension: the JSON header, then each image as a 4-byte little-endian length and bytes;
        // the scores asked back raw.
        byte[] data = concat(lengthPrefixed(daisy), lengthPrefixed(roses));
        byte[] header = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [2], \"datatype\": \"BYTES\", "
                        + "\"parameters\": {\"binary_data_size\": " + data.length + "}}], "
                        + "\"outputs\": [{\"name\": \"scores\", \"parameters\": {\"binary_data\": true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Response binary = given().contentType("application/octet-stream")
                .header(HEADER, header.length)
                .body(concat(header, data))
                .post("/v2/models/retrain/infer");
        assertThat(binary.statusCode()).isEqualTo(200);
        int jsonLength = Integer.parseInt(binary.header(HEADER));
        byte[] body = binary.asByteArray();
        JsonPath json = new JsonPath(new String(body, 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(json.getList("outputs.name", String.class)).containsExactly("scores");
        assertThat(json.getInt("outputs[0].parameters.binary_data_size")).isEqualTo(2 * 3 * Float.BYTES);
        assertThat(body.length).isEqualTo(jsonLength + 2 * 3 * Float.BYTES);
        ByteBuffer raw =
                ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).order(ByteOrder.LITTLE_ENDIAN);
        for (float score : scores) {
            assertThat(raw.getFloat()).isCloseTo(score, offset(1e-6f));
        }
    }

    @Test
    @Order(4)
    void tfServingAnswersAsTheExportedSavedModelDoes(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path saved = dir.resolve("1");
        new ExportedModel(Architecture.of(ARCHITECTURE), cnn, MODELS.get(3L).head(), SoftmaxHead.FINAL_TENSOR_NAME)
                .writeSavedModel(saved);
        JsonPath meta = given().get("/v1/models/retrain/metadata")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(meta.getString("model_spec.name")).isEqualTo("retrain");
        assertThat(meta.getString("model_spec.version")).isEqualTo("3");
        String signature = "metadata.signature_def.signature_def.serving_default.";

        try (SavedModelBundle bundle = SavedModelBundle.load(saved.toString(), ExportedModel.SERVE_TAG)) {
            SignatureDef exported = bundle.metaGraphDef().getSignatureDefMap().get(Signature.DEFAULT_KEY);
            assertThat(meta.getString(signature + "method_name")).isEqualTo(exported.getMethodName());
            assertThat(meta.getMap(signature + "inputs").keySet())
                    .isEqualTo(exported.getInputsMap().keySet());
            assertThat(meta.getMap(signature + "outputs").keySet())
                    .isEqualTo(exported.getOutputsMap().keySet());
            for (var tensor : exported.getInputsMap().entrySet()) {
                assertSameTensor(meta, signature + "inputs." + tensor.getKey(), tensor.getValue());
            }
            for (var tensor : exported.getOutputsMap().entrySet()) {
                assertSameTensor(meta, signature + "outputs." + tensor.getKey(), tensor.getValue());
            }

            // The columnar request TF Serving answers for this SavedModel: one image, the scalar string input.
            JsonPath columns = given().contentType("application/json")
                    .body("{\"signature_name\": \"serving_default\", \"inputs\": {\"image\": {\"b64\": \"" + b64(daisy)
                            + "\"}}}")
                    .post("/v1/models/retrain:predict")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(daisy));
                    Result result =
                            bundle.function(Signature.DEFAULT_KEY).call(Map.of(ExportedModel.SIGNATURE_IMAGE, input))) {
                TFloat32 want =
                        (TFloat32) result.get(ExportedModel.SIGNATURE_SCORES).orElseThrow();
                TString labels =
                        (TString) result.get(ExportedModel.SIGNATURE_LABELS).orElseThrow();
                List<List<Float>> got = columns.getList("outputs.scores");
                assertThat(got).hasSize(1);
                for (int c = 0; c < LABELS.size(); c++) {
                    assertThat(((Number) got.get(0).get(c)).floatValue()).isCloseTo(want.getFloat(0, c), offset(1e-4f));
                    assertThat(columns.getString("outputs.labels[" + c + "]")).isEqualTo(labels.getObject(c));
                }
            }
        }
    }

    @Test
    @Order(5)
    void tfServingPredictsRowsAndClassifies() {
        // The API's example request shape, {"instances": [{"b64": ...}]}, with two photos, one by input name
        JsonPath rows = given().contentType("application/json")
                .body("{\"instances\": [{\"b64\": \"" + b64(daisy) + "\"}, {\"image\": {\"b64\": \"" + b64(roses)
                        + "\"}}]}")
                .post("/v1/models/retrain:predict")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(rows.getList("predictions")).hasSize(2);
        assertThat(floats(rows.getList("predictions[0].scores", Float.class)))
                .containsExactly(byHand(3, daisy), offset(1e-4f));
        assertThat(floats(rows.getList("predictions[1].scores", Float.class)))
                .containsExactly(byHand(3, roses), offset(1e-4f));
        assertThat(rows.getList("predictions[1].labels", String.class)).containsExactlyElementsOf(LABELS);

        JsonPath classified = given().contentType("application/json")
                .body("{\"signature_name\": \"serving_default\", \"examples\": [{\"image\": {\"b64\": \"" + b64(daisy)
                        + "\"}}, {\"image\": {\"b64\": \"" + b64(roses) + "\"}}]}")
                .post("/v1/models/retrain:classify")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        float[] want = byHand(3, roses);
        List<List<Object>> result = classified.getList("result[1]");
        assertThat(result).hasSize(3);
        int best = argMax(want);
        assertThat(result.get(0).get(0)).isEqualTo(LABELS.get(best));
        assertThat(((Number) result.get(0).get(1)).floatValue()).isCloseTo(want[best], offset(1e-4f));
        assertThat(((Number) result.get(0).get(1)).floatValue())
                .isGreaterThanOrEqualTo(((Number) result.get(1).get(1)).floatValue());
    }

    @Test
    @Order(6)
    void everyProtocolAddressesAnyPublishedVersion() {
        JsonPath v1 = given().contentType("application/json")
                .body(inferRequest(daisy))
                .post("/v2/models/retrain/versions/1/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(v1.getString("model_version")).isEqualTo("1");
        assertThat(floats(v1.getList("outputs[0].data", Float.class))).containsExactly(byHand(1, daisy), offset(1e-4f));

        JsonPath v2 = given().contentType("application/json")
                .body(Map.of("instances", List.of(Map.of("b64", b64(daisy)))))
                .post("/v1/models/retrain/versions/2:predict")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(floats(v2.getList("predictions[0].scores", Float.class)))
                .containsExactly(byHand(2, daisy), offset(1e-4f));
        given().get("/v1/models/retrain/versions/2/metadata")
                .then()
                .statusCode(200)
                .body("model_spec.version", equalTo("2"));

        float[] want = byHand(1, daisy);
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?version=1&top_k=1")
                .then()
                .statusCode(200)
                .body("modelVersion", equalTo(1))
                .body("predictions[0].label", equalTo(LABELS.get(argMax(want))));
        // The served version answers unversioned requests meanwhile
        given().contentType("image/jpeg").body(daisy).post("/classify").then().body("modelVersion", equalTo(3));
        given().get("/q/metrics").then().body(containsString("classifier_versions_kept 2.0"));
    }

    @Test
    @Order(7)
    void anUnknownVersionIs404NamingTheVersionsThereAre() {
        given().contentType("application/json")
                .body(inferRequest(daisy))
                .post("/v2/models/retrain/versions/42/infer")
                .then()
                .statusCode(404)
                .body("error", containsString("Model version 42 has not been published"))
                .body("error", containsString("the versions there are: 1, 2, 3 (3 is served)"));
        given().get("/v2/models/retrain/versions/42").then().statusCode(404).body("error", containsString("1, 2, 3"));
        given().get("/v1/models/retrain/versions/42").then().statusCode(404).body("error", containsString("1, 2, 3"));
        given().contentType("application/json")
                .body(Map.of("instances", List.of(Map.of("b64", b64(daisy)))))
                .post("/v1/models/retrain/versions/42:predict")
                .then()
                .statusCode(404)
                .body("error", containsString("1, 2, 3"));
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?version=42")
                .then()
                .statusCode(404)
                .body("message", containsString("the versions there are: 1, 2, 3"));
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?version=latest")
                .then()
                .statusCode(400)
                .body("message", containsString("positive integer"));
        given().get("/v1/models/retrain/versions/x1").then().statusCode(400).body("error", containsString("'x1'"));
    }

    @Test
    @Order(8)
    void openInferenceRefusesBadRequestsWithTheReason() {
        assertInferError("{\"inputs\": []", 400, "not JSON");
        assertInferError("[1, 2]", 400, "JSON object");
        assertInferError("{\"inputs\": []}", 400, "one tensor, 'image'");
        assertInferError(tensor("pixels", "BYTES", "[1]", "[\"" + b64(daisy) + "\"]"), 400, "Unknown input 'pixels'");
        assertInferError(tensor("image", "FP32", "[1]", "[0.5]"), 400, "datatype BYTES");
        assertInferError(
                tensor("image", "BYTES", "[2]", "[\"" + b64(daisy) + "\"]"), 400, "shape [2] (2 elements) but holds 1");
        assertInferError(tensor("image", "BYTES", "[1]", "[\"not base64!\"]"), 400, "is not base64");
        assertInferError(tensor("image", "BYTES", "[1]", "[7]"), 400, "not a string");
        assertInferError(
                tensor("image", "BYTES", "[2]", "[\"" + b64(daisy) + "\", \"" + b64("no image".getBytes()) + "\"]"),
                400,
                "Not a decodable image");
        assertInferError(
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\""
                        + b64(daisy) + "\"]}], \"outputs\": [{\"name\": \"logits\"}]}",
                400,
                "Unknown output 'logits'");
        given().contentType("application/json")
                .body(inferRequest(daisy))
                .post("/v2/models/inception/infer")
                .then()
                .statusCode(404)
                .body("error", containsString("the model is 'retrain'"));
        given().get("/v2/models/inception").then().statusCode(404).body("error", containsString("'retrain'"));

        // Binary data whose sizes do not add up, and a header length beyond the body
        byte[] header = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
                        + "\"parameters\": {\"binary_data_size\": 999}}]}")
                .getBytes(StandardCharsets.UTF_8);
        given().header(HEADER, header.length)
                .contentType("application/octet-stream")
                .body(concat(header, lengthPrefixed(daisy)))
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(400)
                .body("error", containsString("binary_data_size 999"));
        byte[] truncated = lengthPrefixed(daisy);
        truncated = java.util.Arrays.copyOf(truncated, 100);
        byte[] shortHeader = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
                        + "\"parameters\": {\"binary_data_size\": 100}}]}")
                .getBytes(StandardCharsets.UTF_8);
        given().header(HEADER, shortHeader.length)
                .contentType("application/octet-stream")
                .body(concat(shortHeader, truncated))
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(400)
                .body("error", containsString("only 96 follow"));
        given().header(HEADER, 10_000)
                .contentType("application/octet-stream")
                .body(header)
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(400)
                .body("error", containsString(HEADER));
        // The classifier still answers after them
        given().contentType("application/json")
                .body(inferRequest(daisy))
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(200);
    }

    @Test
    @Order(9)
    void tfServingRefusesBadRequestsWithTheReason() {
        String image = "{\"b64\": \"" + b64(daisy) + "\"}";
        assertPredictError("{\"instances\": [" + image + "], \"inputs\": " + image + "}", 400, "not both");
        assertPredictError("{\"signature_name\": \"serving_default\"}", 400, "got neither");
        assertPredictError("{\"instances\": []}", 400, "non-empty list");
        assertPredictError("{\"instances\": [\"" + b64(daisy) + "\"]}", 400, "must be {\"b64\"");
        assertPredictError("{\"instances\": [{\"b64\": \"***\"}]}", 400, "is not base64");
        assertPredictError(
                "{\"instances\": [{\"b64\": \"" + b64("no image".getBytes()) + "\"}]}", 400, "Not a decodable");
        assertPredictError(
                "{\"signature_name\": \"predict_images\", \"instances\": [" + image + "]}",
                400,
                "Serving signature key \"predict_images\" not found");
        assertPredictError("not json", 400, "not JSON");
        given().contentType("application/json")
                .body("{\"examples\": []}")
                .post("/v1/models/retrain:classify")
                .then()
                .statusCode(400)
                .body("error", containsString("'examples'"));
        given().contentType("application/json")
                .body("{\"instances\": [" + image + "]}")
                .post("/v1/models/half_plus_two:predict")
                .then()
                .statusCode(404)
                .body("error", containsString("'retrain'"));
        given().get("/v1/models/half_plus_two/metadata").then().statusCode(404);
        given().contentType("application/json")
                .body("{\"instances\": [" + image + "]}")
                .post("/v1/models/retrain:regress")
                .then()
                .statusCode(404)
                .body("error", containsString("Unknown method 'retrain:regress'"));
    }

    @Test
    @Order(10)
    void keptHeadsAreBoundedByBytesAndAnUnloadedVersionLoadsAgain() {
        // Test budget 30000 bytes; each head is (1001 x 3 + 3) floats, 12024 bytes: two kept besides the served one.
        // Kept now: 1 and 2 (asked for above, 1 last). Serving 4 keeps 3 too, which pushes out the least recently
        // used, 2; asking for each version in turn then loads the unloaded ones again, still two kept at a time.
        publish(4);
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model").then().body("version", equalTo(4)));
        given().get("/q/metrics")
                .then()
                .body(containsString("classifier_versions_kept 2.0"))
                .body(containsString("classifier_versions_kept_bytes 24048.0"));
        for (long version = 1; version <= 4; version++) {
            JsonPath reply = given().contentType("application/json")
                    .body(inferRequest(daisy))
                    .post("/v2/models/retrain/versions/" + version + "/infer")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(reply.getString("model_version")).isEqualTo(String.valueOf(version));
            assertThat(floats(reply.getList("outputs[0].data", Float.class)))
                    .containsExactly(byHand(version, daisy), offset(1e-4f));
        }
        given().get("/q/metrics").then().body(containsString("classifier_versions_kept 2.0"));
        given().get("/v1/models/retrain")
                .then()
                .body("model_version_status.version", org.hamcrest.Matchers.contains("1", "2", "3", "4"));
    }

    private static void publish(long version) {
        ModelPublished model = model(version, new Random(version));
        MODELS.put(version, model);
        KafkaBrokerResource.broker().produce(Topics.MODELS, model.key(), model.encode(), Map.of());
    }

    private static void assertSameTensor(JsonPath meta, String path, TensorInfo exported) {
        assertThat(meta.getString(path + ".name")).isEqualTo(exported.getName());
        assertThat(meta.getString(path + ".dtype"))
                .isEqualTo(exported.getDtype().name());
        List<String> dims = new ArrayList<>();
        exported.getTensorShape().getDimList().forEach(dim -> dims.add(String.valueOf(dim.getSize())));
        assertThat(meta.getList(path + ".tensor_shape.dim.size", String.class)).isEqualTo(dims);
        assertThat(meta.getBoolean(path + ".tensor_shape.unknown_rank"))
                .isEqualTo(exported.getTensorShape().getUnknownRank());
    }

    private static void assertInferError(String body, int status, String message) {
        given().contentType("application/json")
                .body(body)
                .post("/v2/models/retrain/infer")
                .then()
                .statusCode(status)
                .body("error", containsString(message));
    }

    private static void assertPredictError(String body, int status, String message) {
        given().contentType("application/json")
                .body(body)
                .post("/v1/models/retrain:predict")
                .then()
                .statusCode(status)
                .body("error", containsString(message));
    }

    private static String tensor(String name, String datatype, String shape, String data) {
        return "{\"inputs\": [{\"name\": \"" + name + "\", \"shape\": " + shape + ", \"datatype\": \"" + datatype
                + "\", \"data\": " + data + "}]}";
    }

    private static String inferRequest(byte[] image) {
        return tensor("image", "BYTES", "[1]", "[\"" + b64(image) + "\"]");
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] lengthPrefixed(byte[] bytes) {
        return concat(
                ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(bytes.length)
                        .array(),
                bytes);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static float[] floats(List<? extends Number> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    private static float[] slice(float[] scores, int row) {
        return java.util.Arrays.copyOfRange(scores, row * LABELS.size(), (row + 1) * LABELS.size());
    }

    private static ModelPublished model(long version, Random random) {
        int size = Architecture.of(ARCHITECTURE).bottleneckSize();
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.1f;
        }
        float[] biases = {0.1f * version, -0.2f, 0.05f};
        return new ModelPublished(
                version, ARCHITECTURE, null, LABELS, size, weights, biases, null, System.currentTimeMillis());
    }

    /** Model {@code version}'s softmax computed by hand on the extractor's bottleneck of {@code image}. */
    private static float[] byHand(long version, byte[] image) {
        ModelPublished model = MODELS.get(version);
        float[] bottleneck = extractor.extract(image).bottleneck();
        int classes = LABELS.size();
        double[] logits = new double[classes];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double sum = model.biases()[c];
            for (int d = 0; d < bottleneck.length; d++) {
                sum += bottleneck[d] * model.weights()[d * classes + c];
            }
            logits[c] = sum;
            max = Math.max(max, sum);
        }
        double total = 0;
        for (int c = 0; c < classes; c++) {
            total += Math.exp(logits[c] - max);
        }
        float[] scores = new float[classes];
        for (int c = 0; c < classes; c++) {
            scores[c] = (float) (Math.exp(logits[c] - max) / total);
        }
        return scores;
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
