# The gateway and worker image (docker-compose.yml runs it as `countersign gateway` and
# `countersign worker`). No build step: TypeScript runs through tsx, a runtime dependency.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
# Pre-bundle the workflows so workers start without webpack (`countersign worker` loads this path by default).
RUN node --import tsx scripts/bundle-workflows.ts /app/.data/build/workflow-bundle.js

USER node
EXPOSE 7410
ENTRYPOINT ["node", "bin/countersign.js"]
CMD ["gateway"]
