# The connector image: one image, two roles (`worker` and `bridge`), chosen by the command.
# glibc base (not Alpine): the Temporal SDK's native core is built for glibc. Node 24 LTS (Node 20
# is end-of-life); the tests pass on Node 24.
FROM node:24.19-bookworm-slim

ENV NODE_ENV=production
WORKDIR /opt/connector

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./

# The workflow bundle cache (src/worker.ts: /opt/connector/.data/workflow-bundles), owned by the
# user the connector runs as, and filled now: containers start without the several seconds of
# webpack, and a workflow module that does not bundle fails the image build, not a deployment.
RUN mkdir -p .data/workflow-bundles && chown -R node:node .data
USER node
RUN node -e "require('tsx/cjs'); require('./src/worker.ts').workflowBundle().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); })"

ENTRYPOINT ["node", "bin/et-connector.js"]
CMD ["worker"]
