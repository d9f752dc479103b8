# syntax=docker/dockerfile:1
#
# JVM-mode image of one retrain-stream Quarkus service. Build the jars first (./mvnw -DskipTests package), then from
# the repository root:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=extractor --build-arg PORT=8081 -t retrain-stream/extractor .
# SERVICE is the module name without "-service": classifier (8080), extractor (8081) or trainer (8082).
#
# Temurin on Ubuntu (glibc): TensorFlow's natives do not run on musl/alpine.
FROM eclipse-temurin:17-jre

ARG SERVICE
ARG PORT=8080
# Java heap and collector (common/.../launch/ServiceLaunch.java): the trainer, which keeps every bottleneck vector,
# gets HEAP_OPTS="-Xms64m -Xmx512m -XX:+UseSerialGC"
ARG HEAP_OPTS="-Xms64m -Xmx256m -XX:+UseSerialGC"
RUN test -n "${SERVICE}" || { echo "pass --build-arg SERVICE=classifier|extractor|trainer" >&2; exit 1; }

RUN groupadd --system --gid 10001 retrain \
    && useradd --system --uid 10001 --gid retrain --home-dir /deployments --no-create-home \
        --shell /usr/sbin/nologin retrain \
    && mkdir -p /var/lib/retrain/images && chown -R 10001:10001 /var/lib/retrain
# /var/lib/retrain/images: the extractor's image store (RETRAIN_EXTRACTOR_IMAGE_STORE in compose.yaml). It exists in
# the image, owned by the service's user, so that a new named volume mounted there is created with that owner.

# Quarkus fast-jar, in its four layers from the least to the most often changing
COPY --chown=10001:10001 ${SERVICE}-service/target/quarkus-app/lib/ /deployments/lib/
COPY --chown=10001:10001 ${SERVICE}-service/target/quarkus-app/*.jar /deployments/
COPY --chown=10001:10001 ${SERVICE}-service/target/quarkus-app/app/ /deployments/app/
COPY --chown=10001:10001 ${SERVICE}-service/target/quarkus-app/quarkus/ /deployments/quarkus/

# JavaCPP unpacks TensorFlow's natives into a writable folder the non-root user owns. HEAP_OPTS and MALLOC_ARENA_MAX
# are the JVM options and environment of ServiceLaunch (./retrain up and the tests use it).
ENV TF_CPP_MIN_LOG_LEVEL=2 \
    MALLOC_ARENA_MAX=2 \
    JAVA_OPTS="${HEAP_OPTS} -Dquarkus.http.host=0.0.0.0 -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp -Dorg.bytedeco.javacpp.cachedir.nosubdir=true" \
    JAVA_OPTS_APPEND=""

EXPOSE ${PORT}
USER 10001:10001
WORKDIR /deployments
ENTRYPOINT ["/bin/sh", "-c", "exec java ${JAVA_OPTS} ${JAVA_OPTS_APPEND} -jar /deployments/quarkus-run.jar"]
