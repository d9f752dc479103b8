package io.retrainstream.classifier.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.retrainstream.common.testing.KafkaBrokerResource;
import org.junit.jupiter.api.Test;

/**
 * The web console's page, loaded from the trainer's origin, may call {@code /classify} and {@code /model} here; a
 * page of any other origin may not read the answers (CORS, {@code quarkus.http.cors.origins}).
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class ConsoleCorsTest {

    private static final String CONSOLE = "http://console.test";

    @Test
    void theConsolesOriginMayClassify() {
        given().header("Origin", CONSOLE)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .options("/classify")
                .then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(CONSOLE))
                .header("Access-Control-Allow-Methods", containsString("POST"));
        given().header("Origin", CONSOLE)
                .get("/model")
                .then()
                .header("Access-Control-Allow-Origin", equalTo(CONSOLE))
                .header("Access-Control-Allow-Credentials", equalTo("false"));
    }

    @Test
    void anotherOriginIsNotLetIn() {
        given().header("Origin", "http://elsewhere.test")
                .header("Access-Control-Request-Method", "POST")
                .options("/classify")
                .then()
                .header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "http://elsewhere.test")
                .get("/model")
                .then()
                .header("Access-Control-Allow-Origin", nullValue());
    }
}
