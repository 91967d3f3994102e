# The connector image: one image, two roles (`worker` and `bridge`), chosen by the command.
# glibc base (not Alpine): the Temporal SDK's native core is built for glibc.
FROM node:20.20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /opt/connector

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./

USER node
ENTRYPOINT ["node", "bin/et-connector.js"]
CMD ["worker"]
