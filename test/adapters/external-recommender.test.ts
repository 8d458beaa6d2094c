import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExternalRecommender, ExternalRecommenderError } from "../../src/adapters/external-recommender.js";
import { containerOf, input, MI, spec } from "../recommend/fixtures.js";

interface Seen {
  method?: string;
  url?: string;
  body: unknown;
  auth?: string;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let reply: (res: ServerResponse) => void = () => {};

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      seen.push({
        method: req.method,
        url: req.url,
        body: JSON.parse(text),
        auth: req.headers.authorization,
      });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function answer(status: number, body: string) {
  seen = [];
  reply = (res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  };
}

const good = {
  recommendations: [
    {
      optimization_type: "right_size_cpu",
      monthly_savings: 40.5,
      confidence_score: 0.85,
      risk_assessment: { level: "low", score: 0.1 },
      recommended_config: { cpu_request: "300m", memory_request: "512Mi" },
    },
    {
      optimization_type: "reduce_replicas",
      monthly_savings: 20,
      confidence_score: 0.6,
      risk_assessment: { level: "MEDIUM", score: 0.3 },
      recommended_config: {},
    },
  ],
};

describe("external recommender", () => {
  it("posts the policy's minimum confidence and types to /optimize/{workload_id} and maps the answer", async () => {
    answer(200, JSON.stringify(good));
    const ext = new ExternalRecommender({
      baseUrl,
      fetchOptions: { headers: { authorization: "Bearer t0ken" } },
    });
    const r = await ext.recommend(input({ spec: spec({ minConfidence: 0.7 }) }));
    expect(seen).toEqual([
      {
        method: "POST",
        url: "/optimize/shop.web",
        body: { min_confidence: 0.7, optimization_types: ["right_size_cpu"] },
        auth: "Bearer t0ken",
      },
    ]);
    expect(containerOf(r).proposed).toMatchObject({ cpuRequest: 300, memoryRequest: 512 * MI });
    expect(r.confidence.score).toBe(0.85);
    expect(r.risk).toMatchObject({ level: "LOW", score: 0.1 });
    expect(r.monthlySavings).toBe(40.5);
    expect(r.optimizedCost).toBe(Math.round((r.currentCost - 40.5) * 100) / 100);
    expect(r.recommender).toBe(`external ${baseUrl}`);
    expect(r.appliedTypes).toEqual(["CPU"]);
  });

  it("goes through the same gates as the built-in engine", async () => {
    answer(200, JSON.stringify(good));
    const ext = new ExternalRecommender({ baseUrl });
    const r = await ext.recommend(input({ spec: spec({ minConfidence: 0.9, maxChangePercent: 50 }) }));
    expect(r.decision.allowed).toBe(false);
    expect(r.decision.reasons.join("\n")).toMatch(/confidence 0.85 is below minConfidence 0.9/);
    // 1000m -> 300m is -70%: stepped to 500m
    expect(containerOf(r).proposed.cpuRequest).toBe(500);
    expect(r.decision.stepped).toBe(true);
  });

  it("asks for every type under ALL and takes the most cautious scores", async () => {
    answer(200, JSON.stringify(good));
    const r = await new ExternalRecommender({ baseUrl }).recommend(
      input({ spec: spec({ optimizationType: "ALL" }) }),
    );
    expect(seen[0]?.body).toEqual({
      min_confidence: 0.5,
      optimization_types: [
        "right_size_cpu",
        "right_size_memory",
        "reduce_replicas",
        "spot_instances",
        "scheduled_scaling",
      ],
    });
    expect(r.confidence.score).toBe(0.6);
    expect(r.risk.level).toBe("MEDIUM");
    expect(r.monthlySavings).toBe(60.5);
  });

  it("reports not enough data when the optimizer has nothing for the type", async () => {
    answer(200, JSON.stringify({ recommendations: [] }));
    const r = await new ExternalRecommender({ baseUrl }).recommend(input());
    expect(r.notEnoughData).toBe(true);
    expect(r.confidence.score).toBe(0);
    expect(r.decision.allowed).toBe(false);
  });

  it("fails with the status on a 5xx", async () => {
    answer(503, '{"error":"warming up"}');
    const err = await new ExternalRecommender({ baseUrl }).recommend(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExternalRecommenderError);
    expect(err).toMatchObject({ status: 503 });
    expect((err as Error).message).toMatch(/optimizer answered 503 .*warming up/);
  });

  it("fails clearly on malformed JSON", async () => {
    answer(200, '{"recommendations": [');
    await expect(new ExternalRecommender({ baseUrl }).recommend(input())).rejects.toThrow(
      /optimizer answered malformed JSON/,
    );
  });

  it("names the field when the answer has the wrong shape", async () => {
    const bad = structuredClone(good);
    (bad.recommendations[0] as { confidence_score: unknown }).confidence_score = "high";
    answer(200, JSON.stringify(bad));
    await expect(new ExternalRecommender({ baseUrl }).recommend(input())).rejects.toThrow(
      "optimizer answer: recommendations[0].confidence_score must be a number from 0 to 1",
    );
  });

  it("fails when the optimizer cannot be reached", async () => {
    const ext = new ExternalRecommender({ baseUrl: "http://127.0.0.1:1", timeoutMs: 2000 });
    await expect(ext.recommend(input())).rejects.toThrow(
      /optimizer unreachable at POST http:\/\/127.0.0.1:1/,
    );
  });
});
