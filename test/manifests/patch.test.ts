import { describe, expect, it } from "vitest";
import { PatchError, patchDocument } from "../../src/manifests/index.js";
import { lineDiff } from "./helpers.js";

// Not deploymentYaml: the comments, mixed quotes and flow limits are what the patch must keep.
const POD = `# header comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the name
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
        resources:
          requests:
            cpu: "2"
            memory: '1Gi'
          limits: {cpu: 4}

      # trailing comment
---
apiVersion: v1
kind: Service
metadata:
  name: web
`;

const CPU = "/spec/template/spec/containers/0/resources/requests/cpu";

describe("patchDocument", () => {
  it('keeps the quoting style: a quoted "2" becomes a quoted "750m", single quotes stay single', () => {
    const out = patchDocument(POD, 0, [
      { op: "replace", path: CPU, value: "750m" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "768Mi" },
    ]);
    expect(lineDiff(POD, out)).toEqual([
      '-            cpu: "2"',
      "-            memory: '1Gi'",
      '+            cpu: "750m"',
      "+            memory: '768Mi'",
    ]);
  });

  it("quotes a plain value that would otherwise read back as another type", () => {
    const src = "a:\n  cpu: 500m\n";
    expect(patchDocument(src, 0, [{ op: "replace", path: "/a/cpu", value: "2" }])).toBe('a:\n  cpu: "2"\n');
    expect(patchDocument(src, 0, [{ op: "replace", path: "/a/cpu", value: 2 }])).toBe("a:\n  cpu: 2\n");
    // Found by the property test: "*x" written plain would read back as an alias.
    expect(patchDocument(src, 0, [{ op: "replace", path: "/a/cpu", value: "*x" }])).toBe('a:\n  cpu: "*x"\n');
  });

  it("edits inside a flow map without leaving it", () => {
    const out = patchDocument(POD, 0, [
      { op: "add", path: "/spec/template/spec/containers/0/resources/limits/memory", value: "2Gi" },
    ]);
    expect(lineDiff(POD, out)).toEqual([
      "-          limits: {cpu: 4}",
      "+          limits: {cpu: 4, memory: 2Gi}",
    ]);
  });

  it("adds a key after the map's last entry at its indentation, before blank lines and comments", () => {
    const out = patchDocument(POD, 0, [
      { op: "add", path: "/spec/template/spec/nodeSelector", value: { pool: "spot" } },
    ]);
    expect(out).toContain(
      "          limits: {cpu: 4}\n      nodeSelector:\n        pool: spot\n\n      # trailing comment\n---\n",
    );
  });

  it("writes sequences the way the document does (flush with their key here)", () => {
    const out = patchDocument(POD, 0, [
      { op: "add", path: "/spec/template/spec/tolerations", value: [{ key: "spot", operator: "Exists" }] },
    ]);
    expect(out).toContain("      tolerations:\n      - key: spot\n        operator: Exists\n");
    const indented = "spec:\n  ports:\n    - 80\n";
    expect(patchDocument(indented, 0, [{ op: "add", path: "/spec/hosts", value: ["a"] }])).toBe(
      "spec:\n  ports:\n    - 80\n  hosts:\n    - a\n",
    );
  });

  it("appends to and removes from block sequences", () => {
    const src = "list:\n- a   # first\n- b\nafter: 1\n";
    expect(patchDocument(src, 0, [{ op: "add", path: "/list/-", value: "c" }])).toBe(
      "list:\n- a   # first\n- b\n- c\nafter: 1\n",
    );
    expect(patchDocument(src, 0, [{ op: "add", path: "/list/0", value: "z" }])).toBe(
      "list:\n- z\n- a   # first\n- b\nafter: 1\n",
    );
    expect(patchDocument(src, 0, [{ op: "remove", path: "/list/1" }])).toBe(
      "list:\n- a   # first\nafter: 1\n",
    );
  });

  it("removes a key and its whole block", () => {
    const out = patchDocument(POD, 0, [
      { op: "remove", path: "/spec/template/spec/containers/0/resources/requests" },
    ]);
    expect(lineDiff(POD, out)).toEqual([
      "-          requests:",
      '-            cpu: "2"',
      "-            memory: '1Gi'",
    ]);
  });

  it("turns an empty flow map into a block and keeps the comment on its line", () => {
    const src = "spec:\n  resources: {}  # later\n  image: x\n";
    expect(patchDocument(src, 0, [{ op: "add", path: "/spec/resources/limits", value: { cpu: "1" } }])).toBe(
      'spec:\n  resources: # later\n    limits:\n      cpu: "1"\n  image: x\n',
    );
  });

  it("touches only its own document and keeps ---, comments and a missing final newline", () => {
    const src = "a: 1\n---\n# c\nb: 2";
    expect(patchDocument(src, 1, [{ op: "add", path: "/c", value: 3 }])).toBe("a: 1\n---\n# c\nb: 2\nc: 3");
    expect(patchDocument(src, 1, [{ op: "replace", path: "/b", value: 5 }])).toBe("a: 1\n---\n# c\nb: 5");
  });

  it("keeps CRLF line ends on every line, added ones included", () => {
    const src = "a:\r\n  b: 1\r\n";
    expect(patchDocument(src, 0, [{ op: "add", path: "/a/c", value: { d: 2 } }])).toBe(
      "a:\r\n  b: 1\r\n  c:\r\n    d: 2\r\n",
    );
  });

  it("applies a test operation without changing text, and fails when the test fails", () => {
    expect(patchDocument("a: 1\n", 0, [{ op: "test", path: "/a", value: 1 }])).toBe("a: 1\n");
    expect(() => patchDocument("a: 1\n", 0, [{ op: "test", path: "/a", value: 2 }])).toThrow(PatchError);
  });

  describe("refuses with a PatchError that names the file, document and field", () => {
    const cases: [string, string, Parameters<typeof patchDocument>[2], RegExp][] = [
      ["an anchor", "base: &b 1\nother: *b\n", [{ op: "replace", path: "/base", value: 2 }], /anchor &b/],
      ["an alias", "base: &b 1\nother: *b\n", [{ op: "replace", path: "/other", value: 2 }], /alias \*b/],
      [
        "a merge key",
        "d: &d {a: 1}\nx:\n  <<: *d\n  b: 2\n",
        [{ op: "add", path: "/x/c", value: 3 }],
        /merge key/,
      ],
      [
        "a Helm template",
        'cpu: "{{ .Values.cpu }}"\n',
        [{ op: "replace", path: "/cpu", value: "1" }],
        /Helm template/,
      ],
      ["a missing parent", "a: 1\n", [{ op: "add", path: "/b/c", value: 1 }], /invalid add operation/],
      ["a move", "a: 1\n", [{ op: "move", from: "/a", path: "/b" }], /not supported/],
      ["the whole document", "a: 1\n", [{ op: "replace", path: "", value: {} }], /whole document/],
    ];
    for (const [what, src, ops, message] of cases)
      it(what, () => {
        let error: unknown;
        try {
          patchDocument(src, 0, ops, "deploy/app.yaml");
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(PatchError);
        expect((error as Error).message).toMatch(/^deploy\/app\.yaml, document 1/);
        expect((error as Error).message).toMatch(message);
      });
  });

  it("refuses a file that does not parse, and a document index that does not exist", () => {
    expect(() => patchDocument("a: [1\n", 0, [])).toThrow(/does not parse/);
    expect(() => patchDocument("a: 1\n", 3, [])).toThrow(/has 1 document/);
  });

  it("never returns an edit that would read back differently (block scalar with kept trailing lines)", () => {
    const src = "s: |+\n  text\n\nnext: 1\n";
    // Whatever the patcher does, the result re-parses to the intended change or it throws.
    try {
      const out = patchDocument(src, 0, [{ op: "add", path: "/z", value: 1 }]);
      expect(out).toContain("z: 1");
    } catch (err) {
      expect(err).toBeInstanceOf(PatchError);
    }
  });
});
