package io.retrainstream.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.ReadmeEndpoints;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's OpenAPI document holds every trainer endpoint the README lists, each with a summary. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class OpenApiTest {

    @Test
    void everyTrainerEndpointInTheReadmeIsDocumented() {
        JsonPath document = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Map<String, Object>> paths = document.getMap("paths");
        List<String> listed = ReadmeEndpoints.of("trainer");
        assertThat(listed).as("trainer endpoints in the README").isNotEmpty();
        assertThat(ReadmeEndpoints.documented(paths)).as("the OpenAPI document").containsAll(listed);
        paths.forEach((path, operations) ->
                operations.forEach((method, operation) -> assertThat(((Map<?, ?>) operation).get("summary"))
                        .as("%s %s summary", method, path)
                        .isNotNull()));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
