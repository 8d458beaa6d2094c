// The repository the GitHub tests run against: one Deployment, shop/web.

import { deploymentYaml } from "../support/workloads.js";

export const WEB = deploymentYaml({
  comment: "# shop frontend",
  replicas: 3,
  labels: true,
  image: "example/web:1.0",
  requests: { cpu: "500m # sized in 2024", memory: "512Mi" },
  limits: { cpu: '"1"', memory: "512Mi" },
});
