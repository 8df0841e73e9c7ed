# Builds offline: the binary and CA bundle are prepared beforehand by `make image`
# (a static CGO_ENABLED=0 build), so no base image has to be pulled from a registry.
FROM scratch

ARG VERSION=devel
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mongodbatlas_restore_exporter" \
      org.opencontainers.image.description="Prometheus exporter for MongoDB Atlas backup restore jobs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"

COPY .build/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY .build/mongodbatlas_restore_exporter /bin/mongodbatlas_restore_exporter
COPY config.example.yml /etc/mongodbatlas_restore_exporter/config.yml

# nobody:nogroup; the image has no shell and no passwd file, so numeric IDs.
USER 65534:65534
EXPOSE 10216
ENTRYPOINT ["/bin/mongodbatlas_restore_exporter"]
CMD ["--config.file=/etc/mongodbatlas_restore_exporter/config.yml"]
