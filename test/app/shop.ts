// The repository the GitHub tests run against: one Deployment, shop/web.

export const WEB = `# shop frontend
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: example/web:1.0
          resources:
            requests:
              cpu: 500m # sized in 2024
              memory: 512Mi
            limits:
              cpu: "1"
              memory: 512Mi
`;
