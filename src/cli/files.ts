// Reading YAML inputs for CLI commands: a file, a folder (walked, sorted), or "-" for stdin.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface InputFile {
  path: string;
  content: string;
}

const YAML_FILE = /\.(ya?ml|json)$/i;

/** Files named by a -f argument. Folders contribute their .yaml/.yml/.json files; a named file is read as is. */
export function readInputs(target: string, stdin: () => string = () => readFileSync(0, "utf8")): InputFile[] {
  if (target === "-") return [{ path: "<stdin>", content: stdin() }];
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${target}: no such file or directory`);
  if (stat.isFile()) return [{ path: target, content: readFileSync(target, "utf8") }];
  const files: InputFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && YAML_FILE.test(entry.name))
        files.push({ path, content: readFileSync(path, "utf8") });
    }
  };
  walk(target);
  return files;
}
