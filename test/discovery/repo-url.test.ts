import { describe, expect, it } from "vitest";
import { parseRepositoryUrl, RepositoryUrlError } from "../../src/discovery/repo-url.js";

describe("repository URLs", () => {
  const SAME = [
    "https://github.com/acme/deploy",
    "https://github.com/acme/deploy.git",
    "https://github.com/acme/deploy/",
    "https://github.com/acme/deploy.git/",
    "https://www.github.com/acme/deploy",
    "http://github.com/acme/deploy",
    "https://x-access-token:secret@github.com/acme/deploy.git",
    "ssh://git@github.com/acme/deploy",
    "ssh://git@github.com/acme/deploy.git",
    "ssh://git@github.com:22/acme/deploy.git",
    "git@github.com:acme/deploy.git",
    "git@github.com:acme/deploy",
    "git@github.com:acme/deploy.git/",
    "git://github.com/acme/deploy.git",
    "github.com/acme/deploy",
    "GIT@GitHub.com:ACME/Deploy.git",
    "acme/deploy",
  ];

  it.each(SAME)("%s is github.com acme/deploy", (url) => {
    const r = parseRepositoryUrl(url);
    expect({ host: r.host, key: r.key }).toEqual({ host: "github.com", key: "acme/deploy" });
  });

  it("keeps the case as written for messages and API calls", () => {
    expect(parseRepositoryUrl("git@github.com:Acme/Deploy.git")).toEqual({
      host: "github.com",
      owner: "Acme",
      name: "Deploy",
      fullName: "Acme/Deploy",
      key: "acme/deploy",
    });
  });

  it("keeps a GitHub Enterprise host, so it is not taken for github.com", () => {
    expect(parseRepositoryUrl("git@ghe.acme.io:platform/deploy.git").host).toBe("ghe.acme.io");
    expect(parseRepositoryUrl("https://ghe.acme.io/platform/deploy").host).toBe("ghe.acme.io");
  });

  it.each([
    ["https://github.com/acme", "does not name a GitHub repository as owner/name"],
    ["https://gitlab.com/group/sub/deploy.git", "does not name a GitHub repository as owner/name"],
    ["https://charts.acme.io/stable", "does not name a GitHub repository as owner/name"],
    ["", "does not name a GitHub repository as owner/name"],
  ])("%s is refused: %s", (url, reason) => {
    expect(() => parseRepositoryUrl(url)).toThrow(RepositoryUrlError);
    expect(() => parseRepositoryUrl(url)).toThrow(`repository "${url}" ${reason}`);
  });
});
