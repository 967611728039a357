# syntax=docker/dockerfile:1
# zhengming: build with the Rust toolchain, run on a slim Debian as a non-root user.
#   docker build -t zhengming .                      # SQLite / local blobs
#   docker build --build-arg FEATURES=s3 -t zhengming .   # with S3-compatible storage
# Migrations are embedded and run at start; templates and the certificate font are
# copied in. Data (SQLite file, blobs, keys) lives in the volume /data.

FROM rust:1-bookworm AS build
ARG FEATURES=""
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --features "${FEATURES}" \
 && cp target/release/zhengming /usr/local/bin/zhengming

FROM debian:bookworm-slim
# ca-certificates: SMTP over TLS, the SMS gateway and S3 over https.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin zhengming \
 && mkdir -p /data /app \
 && chown zhengming:zhengming /data
WORKDIR /app
COPY --from=build /usr/local/bin/zhengming /usr/local/bin/zhengming
COPY templates /app/templates
COPY fonts /app/fonts
ENV ZHENGMING_DATA_DIR=/data \
    ZHENGMING_LISTEN=0.0.0.0:8080 \
    ZHENGMING_TEMPLATES_DIR=/app/templates \
    ZHENGMING_FONT_PATH=/app/fonts/uming.ttc \
    ZHENGMING_LOG_FORMAT=json
USER zhengming
VOLUME /data
EXPOSE 8080
# tini forwards SIGTERM, so a stop drains in-flight requests and releases the worker's job.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/zhengming"]
CMD ["serve"]
# No HEALTHCHECK: the image has no HTTP client; point the load balancer or orchestrator
# at GET /readyz (database and storage) and GET /healthz (alive).
