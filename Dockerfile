# costopt: one Node process serving GitHub webhooks, admission, metrics and the control loop.
# Build: docker build -t costopt .   Run: see manifests/operator/deployment.yaml.

# Both stages pinned by digest (node 24.18.0, bookworm-slim), so a rebuild gets the same base;
# bump it on purpose.
FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY crds ./crds
# A numeric user, so runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
EXPOSE 8080 8443 9102
ENTRYPOINT ["node", "bin/costopt.js"]
CMD ["serve"]
