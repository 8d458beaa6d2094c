# costopt: one Node process serving GitHub webhooks, admission, metrics and the control loop.
# Build: docker build -t costopt .   Run: see manifests/operator/deployment.yaml.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY crds ./crds
# A numeric user, so runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
EXPOSE 8080 8443
ENTRYPOINT ["node", "bin/costopt.js"]
CMD ["serve"]
