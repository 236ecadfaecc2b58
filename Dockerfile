# Hattama's container images, one Dockerfile with a target per service, on Debian bookworm's own
# packages (the same ones ./hattama installs):
#   docker build --target ingestion   -t hattama/ingestion:TAG .
#   docker build --target aggregation -t hattama/aggregation:TAG .
#   docker build --target publication -t hattama/publication:TAG .
#   docker build --target tlog        -t hattama/tlog:TAG .
#   docker build --target verify      -t hattama/verify:TAG .   (hattama-verify, for anyone)
#   docker build --target nginx       -t hattama/nginx:TAG .    (the portal's edge, Debian's nginx)
# The build stage compiles everything once; each runtime stage holds one binary and the shared
# libraries it links, runs as an unprivileged user, and is configured by HATTAMA_* variables.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      cmake g++ make pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      librdkafka-dev libhiredis-dev libjemalloc-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev \
      libgtest-dev libgmock-dev librapidcheck-dev libcpp-httplib-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build -j"$(nproc)" \
      --target hattama-ingestion hattama-aggregation hattama-publication hattama-tlog \
               hattama-verify

# Runtime libraries only (no compilers, no headers); `sleep` (coreutils) serves the preStop hook.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      ca-certificates libgrpc++1.51 libprotobuf32 librdkafka++1 librdkafka1 libhiredis0.14 \
      libjemalloc2 libssl3 libspdlog1.10 libfmt9 libcpp-httplib0.11 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home hattama
USER 65532
ENV HATTAMA_LOG_FORMAT=json

FROM runtime AS ingestion
COPY --from=build /build/bin/hattama-ingestion /usr/local/bin/
EXPOSE 7001 9090
ENTRYPOINT ["/usr/local/bin/hattama-ingestion"]

FROM runtime AS aggregation
COPY --from=build /build/bin/hattama-aggregation /usr/local/bin/
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/hattama-aggregation"]

FROM runtime AS publication
COPY --from=build /build/bin/hattama-publication /usr/local/bin/
EXPOSE 7003 9090
ENTRYPOINT ["/usr/local/bin/hattama-publication"]

# The transparency log writer: one replica (deploy/base/tlog.yaml). Its tiles go to a volume at
# /var/lib/hattama (the default --tiles-dir is relative, so it is set here), its log key comes
# from a file (--log-key, a mounted Secret).
FROM runtime AS tlog
COPY --from=build /build/bin/hattama-tlog /usr/local/bin/
ENV HATTAMA_TILES_DIR=/var/lib/hattama/tlog-tiles
EXPOSE 7004 8084 9090
ENTRYPOINT ["/usr/local/bin/hattama-tlog"]

# hattama-verify, the checks anyone can run against the log and publication (README "Checking
# Hattama's figures yourself"): `docker run --rm -v "$PWD:/data" hattama/verify inclusion ...`.
# Files it reads and writes (answers, saved checkpoints, a witness's state) are in /data.
FROM runtime AS verify
COPY --from=build /build/bin/hattama-verify /usr/local/bin/
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/hattama-verify"]

# Debian's nginx for the public portal (deploy/components/nginx): serves the portal's page and the
# snapshot files its pod's writer puts on their shared volume; the configuration is the ConfigMap
# hattama-portal-nginx. Runs unprivileged: its pid and temporary files go to /tmp.
FROM debian:bookworm-slim AS nginx
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home hattama
USER 65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/sbin/nginx", "-p", "/srv/hattama/", "-e", "stderr", \
            "-c", "/etc/hattama/nginx/nginx.conf", "-g", "daemon off;"]
