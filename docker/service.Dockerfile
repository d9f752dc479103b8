# syntax=docker/dockerfile:1
#
# JVM-mode image of one retrain-stream Quarkus service. Build the jars first (./mvnw -DskipTests package), then from
# the repository root:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=extractor --build-arg PORT=8081 -t retrain-stream/extractor .
# SERVICE is the module name without "-service": classifier (8080), extractor (8081) or trainer (8082).
#
# Temurin on Ubuntu (glibc): TensorFlow's natives do not run on musl/alpine. GPU nodes (compose.gpu.yaml) build
# with --build-arg BASE=gpu: the same image on NVIDIA's CUDA 12.5 + cuDNN 9 runtime (what TensorFlow 2.18's GPU natives link
# against), with Temurin's JRE copied in; package the jars with ./mvnw -Pgpu first (linux-x86_64-gpu natives).
ARG BASE=cpu
ARG CUDA_IMAGE=nvidia/cuda:12.5.1-cudnn-runtime-ubuntu22.04

FROM eclipse-temurin:17-jre AS jre

FROM ${CUDA_IMAGE} AS gpu-base
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
# curl for the compose health check, as the Temurin image has it
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*

FROM jre AS cpu-base

FROM ${BASE}-base AS service

ARG SERVICE
ARG PORT=8080
# Java heap and collector (common/.../launch/ServiceLaunch.java): the trainer, which keeps every bottleneck vector,
# gets HEAP_OPTS="-Xms64m -Xmx512m -XX:-ShrinkHeapInSteps -XX:+UseSerialGC"
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
