package io.retrainstream.extractor;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code retrain.admin-token} set, the distortion endpoint answers only callers that present it. */
@QuarkusTest
@TestProfile(DistortionAuthTest.WithToken.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class DistortionAuthTest {

    static final String TOKEN = "extractor-test-token-7f3c9a";

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("retrain.admin-token", TOKEN);
        }
    }

    @TestHTTPResource("/distorted-bottlenecks")
    java.net.URI endpoint;

    private static final Map<String, Object> REQUEST =
            Map.of("images", List.of("0".repeat(64)), "random_crop", 10, "seed", 1, "layer", "bottleneck");

    @Test
    void refusesCallersWithoutTheToken() {
        given().contentType("application/json")
                .body(REQUEST)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"));
        given().header("Authorization", "Bearer wrong-" + TOKEN)
                .contentType("application/json")
                .body(REQUEST)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"));
        given().header("Authorization", "Basic " + TOKEN)
                .contentType("application/json")
                .body(REQUEST)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(401);
        // With the token the request reaches the image store, which does not hold this image.
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType("application/json")
                .body(REQUEST)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(404)
                .body(containsString("not in the extractor's image store"));
        // Read endpoints stay open, whatever a caller sends.
        given().header("Authorization", "Bearer wrong")
                .get("/q/health/live")
                .then()
                .statusCode(200);
    }

    @Test
    void takesJsonOnlyAndBoundsTheWorkOfOneRequest() throws Exception {
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType("text/plain")
                .body("{\"images\":[]}")
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(415);
        // A body without any Content-Type (RestAssured always sends one)
        var noType = java.net.http.HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + TOKEN)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"images\":[],\"seed\":1}"))
                .build();
        org.assertj.core.api.Assertions.assertThat(java.net.http.HttpClient.newHttpClient()
                        .send(noType, java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(415);
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType("application/json")
                .body(Map.of("images", List.of("0".repeat(64)), "random_crop", 101, "seed", 1))
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(400)
                .body(containsString("random_crop must be from 0 to 100, got 101"));
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType("application/json")
                .body(Map.of("images", List.of("0".repeat(64)), "random_scale", 5000, "seed", 1))
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(400)
                .body(containsString("random_scale must be from 0 to 100, got 5000"));
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType("application/json")
                .body(Map.of("images", java.util.Collections.nCopies(10_001, "0".repeat(64)), "seed", 1))
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(400)
                .body(containsString("images must list at most 10000 images, got 10001"));
    }
}
