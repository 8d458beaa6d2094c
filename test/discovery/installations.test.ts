import { describe, expect, it } from "vitest";
import { installationsFromList } from "../../src/discovery/installations.js";
import { parseRepositoryUrl } from "../../src/discovery/repo-url.js";

const lookup = installationsFromList([
  { id: 11, account: "acme", repositorySelection: "all" },
  { id: 22, account: "globex", repositorySelection: "selected", repositories: ["infra", "globex/apps"] },
  {
    id: 33,
    account: "initech",
    repositorySelection: "all",
    permissions: { contents: "read", pull_requests: "write", metadata: "read" },
  },
]);

describe("installations", () => {
  it("ssh and https spellings of one repository find the same installation", async () => {
    for (const url of [
      "git@github.com:acme/deploy.git",
      "https://github.com/ACME/deploy",
      "ssh://git@github.com/acme/deploy",
    ]) {
      expect(await lookup(parseRepositoryUrl(url))).toEqual({ ok: true, installationId: 11 });
    }
  });

  it("a selected-repositories installation covers only its repositories, by name or owner/name", async () => {
    expect(await lookup(parseRepositoryUrl("globex/infra"))).toEqual({ ok: true, installationId: 22 });
    expect(await lookup(parseRepositoryUrl("globex/Apps"))).toEqual({ ok: true, installationId: 22 });
    expect(await lookup(parseRepositoryUrl("globex/secrets"))).toEqual({
      ok: false,
      reason:
        "the costopt GitHub App installation on globex (id 22) does not include globex/secrets: add the repository to the installation",
    });
  });

  it("no installation on the account: says where to install", async () => {
    expect(await lookup(parseRepositoryUrl("https://github.com/umbrella/deploy.git"))).toEqual({
      ok: false,
      reason:
        "the costopt GitHub App is not installed on the umbrella account, so it cannot write umbrella/deploy: install it there with access to deploy",
    });
  });

  it("an installation that may only read: says which permission is missing", async () => {
    expect(await lookup(parseRepositoryUrl("initech/tps"))).toEqual({
      ok: false,
      reason:
        "the costopt GitHub App installation on initech (id 33) can read initech/tps but lacks contents write and issues read permission: accept the app's requested permissions",
    });
  });
});
