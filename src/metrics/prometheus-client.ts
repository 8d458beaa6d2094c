// A small Prometheus HTTP API client: auth, custom CA, per-request timeout, retries with
// exponential backoff for what may pass (network errors, 429, 5xx), clear errors for the rest.
// Counts queries and the samples Prometheus reports touching (stats=all), for the benchmark and
// for logs.

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { redactUrl } from "../telemetry/redact.js";
import {
  decodeChunkedReadResponse,
  encodeReadRequest,
  FrameSplitter,
  type RemoteReadQuery,
  type SeriesChunks,
  snappyLiteral,
} from "./remote-read.js";

export interface PrometheusConnection {
  /** Base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  url: string;
  /** A token, or where to read it on every request (a mounted token that is rotated, say). */
  bearerToken?: string | (() => string);
  basicAuth?: { username: string; password: string };
  /** PEM certificate(s) to trust for https, in addition to none (they replace the system CAs). */
  ca?: string | Buffer;
  /** Per request (per frame of a streamed remote read); default 60 s. */
  timeoutMs?: number;
  /** Attempts after the first for retryable failures; default 3. */
  retries?: number;
  /** First backoff delay, doubled per retry; default 500 ms. */
  backoffMs?: number;
}

export interface QueryStats {
  queries: number;
  samplesTouched: number;
}

type Fail = (
  message: string,
  retryable: boolean,
  status?: number,
) => PrometheusError & { retryable: boolean };

function collect(res: IncomingMessage, onText: (text: string) => void): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => onText(Buffer.concat(chunks).toString("utf8")));
  res.on("error", () => onText(Buffer.concat(chunks).toString("utf8")));
}

export class PrometheusError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "MetricsUnavailable";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "PrometheusError";
  }
}

interface ApiResponse<T> {
  status: "success" | "error";
  data: T;
  error?: string;
  errorType?: string;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

interface QueryData<R> {
  resultType: string;
  result: R;
  stats?: { samples?: { totalQueryableSamples?: number } };
}

export class PrometheusClient {
  readonly stats: QueryStats = { queries: 0, samplesTouched: 0 };
  private readonly base: URL;

  private readonly conn: PrometheusConnection;

  constructor(conn: PrometheusConnection) {
    let base: URL;
    try {
      base = new URL(conn.url.endsWith("/") ? conn.url : `${conn.url}/`);
    } catch {
      throw new PrometheusError(`invalid Prometheus URL ${JSON.stringify(redactUrl(conn.url))}`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new PrometheusError(`Prometheus URL must be http or https, got ${redactUrl(conn.url)}`);
    }
    // user:pass@ in the URL is basic auth; it is taken out so no URL held here carries it.
    const fromUrl =
      base.username || base.password
        ? { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) }
        : undefined;
    base.username = "";
    base.password = "";
    this.base = base;
    this.conn = { ...conn, basicAuth: conn.basicAuth ?? fromUrl };
  }

  async queryRange(query: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
    const data = await this.call<QueryData<MatrixSeries[]>>("api/v1/query_range", {
      query,
      start: String(start),
      end: String(end),
      step: String(step),
      stats: "all",
    });
    this.stats.samplesTouched += data.stats?.samples?.totalQueryableSamples ?? 0;
    return data.result;
  }

  async query(query: string, time: number): Promise<VectorSample[]> {
    return this.instant<VectorSample[]>(query, time, "vector");
  }

  /** An instant query of a range selector: the raw samples. */
  async queryRaw(query: string, time: number): Promise<MatrixSeries[]> {
    return this.instant<MatrixSeries[]>(query, time, "matrix");
  }

  private async instant<R>(query: string, time: number, type: string): Promise<R> {
    const data = await this.call<QueryData<R>>("api/v1/query", { query, time: String(time), stats: "all" });
    this.stats.samplesTouched += data.stats?.samples?.totalQueryableSamples ?? 0;
    if (data.resultType !== type)
      throw new PrometheusError(`expected a ${type} for ${query}, got ${data.resultType}`);
    return data.result;
  }

  /** Label sets of the series matching any selector with samples in [start, end]; reads no samples. */
  async series(match: string[], start: number, end: number): Promise<Record<string, string>[]> {
    const params = new URLSearchParams({ start: String(start), end: String(end) });
    for (const m of match) params.append("match[]", m);
    return this.call<Record<string, string>[]>("api/v1/series", params);
  }

  /**
   * Streams every series matching the queries through remote read (one HTTP request), handing
   * each decoded frame's series to onSeries. Retried only until the first frame arrived.
   */
  async remoteRead(queries: RemoteReadQuery[], onSeries: (s: SeriesChunks) => void): Promise<void> {
    this.stats.queries++;
    const body = snappyLiteral(encodeReadRequest(queries));
    const headers = {
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-read-version": "0.1.0",
    };
    await this.withRetries(() =>
      this.send<void>("api/v1/read", body, headers, (res, done, fail, rearm) => {
        const status = res.statusCode ?? 0;
        const type = String(res.headers["content-type"] ?? "");
        if (status !== 200 || !type.startsWith("application/x-streamed-protobuf")) {
          return collect(res, (text) =>
            done(
              fail(
                `api/v1/read answered HTTP ${status} ${type} (${text.slice(0, 200).trim()}): remote read with streamed chunks is unavailable`,
                status === 429 || status >= 500,
                status,
              ),
            ),
          );
        }
        let started = false;
        const splitter = new FrameSplitter((frame) => {
          started = true;
          rearm();
          for (const series of decodeChunkedReadResponse(frame)) onSeries(series);
        });
        res.on("data", (c: Buffer) => {
          try {
            splitter.push(c);
          } catch (e) {
            res.destroy();
            done(fail(`api/v1/read: cannot decode the response: ${(e as Error).message}`, false));
          }
        });
        res.on("error", (e) => done(fail(`api/v1/read response broke off: ${e.message}`, !started)));
        res.on("end", () =>
          done(splitter.pending ? fail("api/v1/read response ended inside a frame", !started) : undefined),
        );
      }),
    );
  }

  /**
   * When the server last started (runtimeinfo's startTime), or undefined when it does not say
   * (an older Prometheus, or a server that is not Prometheus itself): data read from it before is
   * still there, unchanged, only while this stays the same.
   */
  async startTime(): Promise<string | undefined> {
    try {
      const info = await this.call<{ startTime?: unknown }>("api/v1/status/runtimeinfo", {}, "GET");
      return typeof info.startTime === "string" ? info.startTime : undefined;
    } catch {
      return undefined;
    }
  }

  private async call<T>(
    path: string,
    params: Record<string, string> | URLSearchParams,
    method: "GET" | "POST" = "POST",
  ): Promise<T> {
    this.stats.queries++;
    const body = new URLSearchParams(params).toString();
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    return this.withRetries(() =>
      this.send<T>(
        path,
        body,
        headers,
        (res, done, fail) =>
          collect(res, (text) => {
            const status = res.statusCode ?? 0;
            let parsed: ApiResponse<T> | undefined;
            try {
              parsed = JSON.parse(text) as ApiResponse<T>;
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300 && parsed?.status === "success")
              return done(undefined, parsed.data);
            const detail = parsed?.error
              ? `${parsed.errorType ?? "error"}: ${parsed.error}`
              : text.slice(0, 300).trim();
            const retryable = status === 429 || status >= 500;
            done(fail(`${path} answered HTTP ${status}${detail ? ` (${detail})` : ""}`, retryable, status));
          }),
        method,
      ),
    );
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    const retries = this.conn.retries ?? 3;
    let delay = this.conn.backoffMs ?? 500;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        const err = e as PrometheusError & { retryable?: boolean };
        if (!err.retryable || n >= retries) {
          if (n > 0) err.message += ` (after ${n + 1} attempts)`;
          throw err;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }

  /** One request (POST unless told) with auth, CA and a whole-request deadline; onResponse settles it through done. */
  private send<T>(
    path: string,
    body: string | Buffer,
    contentHeaders: Record<string, string>,
    onResponse: (
      res: IncomingMessage,
      done: (err?: Error, value?: T) => void,
      fail: Fail,
      rearm: () => void,
    ) => void,
    /** GET sends body as the query string (the status endpoints answer GET only). */
    method: "GET" | "POST" = "POST",
  ): Promise<T> {
    const url = new URL(path, this.base);
    const get = method === "GET";
    if (get) url.search = typeof body === "string" ? body : "";
    const timeoutMs = this.conn.timeoutMs ?? 60_000;
    const headers: Record<string, string | number> = get
      ? { accept: contentHeaders.accept ?? "application/json" }
      : { ...contentHeaders, "content-length": Buffer.byteLength(body) };
    const token =
      typeof this.conn.bearerToken === "function" ? this.conn.bearerToken() : this.conn.bearerToken;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.conn.basicAuth) {
      const { username, password } = this.conn.basicAuth;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    const where = `Prometheus at ${this.base.origin}${this.base.pathname}`;
    const fail: Fail = (message, retryable, status) =>
      Object.assign(new PrometheusError(`${where}: ${message}`, status), { retryable });
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value as T);
      };
      // A whole-request deadline (a socket idle timeout alone lets a trickling server hang us);
      // a streamed answer re-arms it per complete frame, so a large one may take longer in all.
      const expire = () => {
        req.destroy();
        done(fail(`no answer to ${path} within ${timeoutMs} ms (timeout)`, true));
      };
      let timer = setTimeout(expire, timeoutMs);
      const rearm = () => {
        clearTimeout(timer);
        if (!settled) timer = setTimeout(expire, timeoutMs);
      };
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(url, { method, headers, ca: this.conn.ca }, (res) =>
        onResponse(res, done, fail, rearm),
      );
      req.on("error", (e: Error & { code?: string }) =>
        done(fail(`cannot reach it (${e.code ?? e.message})`, true)),
      );
      req.end(get ? undefined : body);
    });
  }
}
