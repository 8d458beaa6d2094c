// The referee itself: the contract check must fail a request GitHub would refuse and an answer
// GitHub would never give, or every double checked by it proves nothing.

import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkGraphqlRequest, checkGraphqlResponse, takeViolations } from "../support/github-contract.js";
import { gitTree, pullListItem, pull as restPull } from "../support/github-shapes.js";
import { testOctokit } from "./octokit.js";

const REPO = { owner: "acme", repo: "deploy" };
const TREE = "b".repeat(40);
const BLOB_QUERY = `query($owner: String!, $name: String!, $o0: GitObjectID!) {
  repository(owner: $owner, name: $name) { b0: object(oid: $o0) { ... on Blob { text isBinary isTruncated } } }
}`;
const VARS = { owner: "acme", name: "deploy", o0: "c".repeat(40) };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function createTree(
  answer: unknown,
  tree: unknown[] = [{ path: "a.yaml", mode: "100644", type: "blob", content: "a: 1\n" }],
) {
  nock("https://api.github.com")
    .post("/repos/acme/deploy/git/trees")
    .reply(201, answer as nock.Body);
  await testOctokit().request("POST /repos/{owner}/{repo}/git/trees", {
    owner: "acme",
    repo: "deploy",
    base_tree: TREE,
    // Deliberately any shape, typed or not: the check must judge what is sent.
    tree: tree as never,
  });
  return takeViolations();
}

describe("GitHub contract check", () => {
  it("passes a request and an answer shaped as GitHub's description says", async () => {
    expect(await createTree(gitTree(REPO, "d".repeat(40), []))).toEqual([]);
    expect(checkGraphqlRequest(BLOB_QUERY, VARS)).toEqual([]);
    const data = { repository: { b0: { text: "a: 1\n", isBinary: false, isTruncated: false } } };
    expect(checkGraphqlResponse(BLOB_QUERY, VARS, { data })).toEqual([]);
  });

  it("fails a double that answers createTree with only {sha}", async () => {
    const problems = await createTree({ sha: "d".repeat(40) });
    expect(problems).toContain(
      "POST /repos/{owner}/{repo}/git/trees -> 201 body: / must have required property 'tree'",
    );
  });

  it("fails a request GitHub would refuse: a bad file mode, an unknown field, an unknown endpoint", async () => {
    const problems = await createTree(gitTree(REPO, "d".repeat(40), []), [
      { path: "a.yaml", mode: "100600", type: "blob", content: "a: 1\n", executable: true },
    ]);
    expect(problems.join("\n")).toMatch(/body: \/tree\/0\/mode must be equal to one of the allowed values/);
    nock("https://api.github.com").get("/repos/acme/deploy/pulls").query(true).reply(200, []);
    await testOctokit().request("GET /repos/{owner}/{repo}/pulls", {
      owner: "acme",
      repo: "deploy",
      per_page: 20,
      labels: "x",
    });
    expect(takeViolations()).toEqual(["GET /repos/{owner}/{repo}/pulls: unknown query parameter labels"]);
    nock("https://api.github.com").post("/repos/acme/deploy/git/blobz").reply(201, {});
    await testOctokit().request("POST /repos/{owner}/{repo}/git/blobz", { owner: "acme", repo: "deploy" });
    expect(takeViolations()).toEqual([
      "POST /repos/acme/deploy/git/blobz: no such endpoint in GitHub's REST API",
    ]);
  });

  it("checks nested fields of a request body at every depth, not only the top level", async () => {
    const problems = await createTree(gitTree(REPO, "d".repeat(40), []), [
      // A misspelt nested field: GitHub ignores it and creates an empty file.
      { path: "a.yaml", mode: "100644", type: "blob", contents: "a: 1\n" },
      { path: "b.yaml", mode: "100644", type: "blob", sha: 5 },
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        "POST /repos/{owner}/{repo}/git/trees body: unknown field /tree/0/contents",
        expect.stringMatching(
          /^POST \/repos\/\{owner\}\/\{repo\}\/git\/trees body: \/tree\/1\/sha must be string/,
        ),
      ]),
    );
  });

  it("fails an answer with a nested field GitHub does not send: a full pull request in a list", async () => {
    const listed = pullListItem({ number: 1, branch: "costopt/a/b", body: "" }, REPO);
    const full = restPull({ number: 1, branch: "costopt/a/b", body: "" }, REPO);
    const list = async (answer: unknown[]) => {
      nock("https://api.github.com")
        .get("/repos/acme/deploy/pulls")
        .reply(200, answer as nock.Body);
      await testOctokit().request("GET /repos/{owner}/{repo}/pulls", { owner: "acme", repo: "deploy" });
      return takeViolations();
    };
    expect(await list([listed])).toEqual([]);
    expect(await list([full])).toContain(
      "GET /repos/{owner}/{repo}/pulls -> 200 body: /0/merged is not a field GitHub sends",
    );
    const entry = {
      path: "a.yaml",
      mode: "100644",
      type: "blob",
      sha: "e".repeat(40),
      size: 1,
      url: "https://x",
      executable: true,
    };
    expect(await createTree({ ...gitTree(REPO, "d".repeat(40), []), tree: [entry] })).toEqual([
      "POST /repos/{owner}/{repo}/git/trees -> 201 body: /tree/0/executable is not a field GitHub sends",
    ]);
  });

  it("fails a GraphQL document with a field or variable GitHub does not have", () => {
    expect(checkGraphqlRequest(BLOB_QUERY.replace("isTruncated", "truncated"), VARS)).toEqual([
      'GraphQL: Cannot query field "truncated" on type "Blob". Did you mean "isTruncated"?',
    ]);
    expect(checkGraphqlRequest(BLOB_QUERY, { owner: "acme", name: "deploy" })[0]).toMatch(
      /Variable "\$o0" of required type "GitObjectID!" was not provided/,
    );
  });

  it("fails a GraphQL answer with a missing field, a wrong type or a field nobody selected", () => {
    const answer = (b0: unknown) => checkGraphqlResponse(BLOB_QUERY, VARS, { data: { repository: { b0 } } });
    expect(answer({ text: "a", isBinary: false })).toEqual([
      "GraphQL answer: repository.b0.isTruncated is selected but missing",
    ]);
    expect(answer({ text: "a", isBinary: "no", isTruncated: false }).join()).toMatch(
      /repository\.b0\.isBinary: Boolean cannot represent a non boolean value/,
    );
    expect(answer({ text: "a", isBinary: false, isTruncated: false, byteSize: 1 }).join()).toMatch(
      /fields beyond the selection.*\.repository\.b0\.byteSize \(not selected\)/,
    );
  });
});
