// nock 15 on Node 20 calls Promise.withResolvers, which Node 20 lacks (it arrived in Node 22).
type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof P.withResolvers !== "function") {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Every GitHub exchange a test made must conform to GitHub's published API description.
import { afterEach } from "vitest";
import { takeViolations } from "./support/github-contract.js";

afterEach(() => {
  const problems = takeViolations();
  if (problems.length > 0)
    throw new Error(`GitHub contract violations:\n${[...new Set(problems)].map((p) => `  ${p}`).join("\n")}`);
});
