// Names from Git and the cluster in a PR body: a container, file or HPA name holding backticks,
// HTML, links or table pipes shows up as exactly that text and never as Markdown of its own —
// judged by a CommonMark renderer (markdown-it, with GitHub's tables), not by our own code.

import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { code, plain } from "../../src/gitops/body/format.js";
import { renderBody } from "../../src/gitops/body/index.js";
import type { ProposalMetadata } from "../../src/gitops/metadata.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { recommendation, SPEC } from "./recommendation.js";

const md = new MarkdownIt({ html: true });
const EVIL = "app`](https://evil.example/x) <img src=x onerror=alert(1)> | **pwned** `` x";
const EVIL_FILE = "k8s/`web`<!-- costopt:metadata AAAA -->|.yaml";

/** Every <code> element's text, decoded. */
function codeTexts(html: string): string[] {
  return [...html.matchAll(/<code>([^<]*)<\/code>/g)].map((m) =>
    (m[1] as string)
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&"),
  );
}

describe("Markdown escaping of values from Git or the cluster", () => {
  it("keeps a backtick, HTML or link in a container or file name inside its code span", () => {
    const rec = recommendation();
    const container = {
      ...(rec.containers[0] as (typeof rec.containers)[0]),
      name: EVIL,
      notes: [`see ${EVIL}`],
    };
    const meta: ProposalMetadata = {
      v: 1,
      kind: "proposal",
      policy: "shop/web-cost",
      fingerprint: "f",
      base: "b",
      head: "h",
      fields: [{ path: EVIL_FILE, document: 0, pointer: "/spec/x`y", before: "a`b", after: "c" }],
      createdFiles: [],
      proposed: {},
      monthlySavings: 1,
    };
    const body = renderBody({
      recommendation: { ...rec, containers: [container] },
      spec: SPEC,
      policyKey: "shop/web-cost",
      fields: meta.fields,
      createdFiles: [],
      metadata: meta,
      metadataKey: TEST_KEY,
      source: {
        explanation: `found in ${EVIL_FILE}`,
        warnings: [`<script>alert(1)</script> in ${EVIL}`],
        files: [EVIL_FILE],
      },
    });
    const html = md.render(body);
    // Nothing the names carried became a link, an image, a script, bold text or an HTML comment.
    expect(html).not.toMatch(/<a |<img|<script|<strong>pwned|<!-- costopt:metadata AAAA/);
    // The names are shown exactly, as code, wherever they appear as names.
    const codes = codeTexts(html);
    expect(codes).toContain(EVIL);
    expect(codes).toContain(EVIL_FILE);
    expect(codes.filter((c) => c === EVIL).length).toBeGreaterThanOrEqual(2); // changes and evidence
    // The tables keep their columns: a pipe in a name does not split its cell.
    const evidenceRow = (html.match(/<tr>[\s\S]*?<\/tr>/g) ?? []).find((row) => row.includes("2016"));
    expect(codeTexts(evidenceRow ?? "")).toEqual([EVIL]);
    expect(evidenceRow?.match(/<td/g)).toHaveLength(7);
  });

  it("code() and plain() survive every backtick arrangement", () => {
    for (const text of ["`", "``", "a`b", "`a`", " a ", "a``b```c", "x\ny"]) {
      expect(codeTexts(md.renderInline(code(text)))).toEqual([text.replace("\n", " ")]);
    }
    expect(md.renderInline(plain("*a* [l](u) <b>x</b> `c` _d_"))).toBe(
      "*a* [l](u) &lt;b&gt;x&lt;/b&gt; `c` _d_",
    );
  });
});
